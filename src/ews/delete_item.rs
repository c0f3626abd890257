//! `DeleteItem`: remove items by id (e.g. drafts a failed send left behind).

use std::fmt;

use super::response::ItemId;
use super::write::{close_envelope, open_envelope};
use super::{RequestHeader, WriteError};
use crate::xml::escape::push_attr;

/// How items are deleted (`DeleteType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeleteType {
    /// Gone for good (`HardDelete`): what cleaning up drafts wants.
    HardDelete,
    /// Moved to the dumpster, recoverable for the retention time (`SoftDelete`).
    SoftDelete,
    /// Moved to Deleted Items (`MoveToDeletedItems`).
    MoveToDeletedItems,
}

impl DeleteType {
    /// The schema value.
    #[must_use]
    pub const fn as_ews_str(self) -> &'static str {
        match self {
            Self::HardDelete => "HardDelete",
            Self::SoftDelete => "SoftDelete",
            Self::MoveToDeletedItems => "MoveToDeletedItems",
        }
    }
}

impl fmt::Display for DeleteType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ews_str())
    }
}

/// A `DeleteItem` request. Exchange answers with one response message per id, in
/// order; an id that is already gone answers `ErrorItemNotFound`.
///
/// ```
/// use offline_im::ews::{DeleteItem, DeleteType, ItemId, RequestHeader, write_delete_item};
///
/// let ids = [ItemId::new("AAMkAD...=")];
/// let mut buf = Vec::new();
/// write_delete_item(&mut buf, &RequestHeader::default(), &DeleteItem::new(&ids, DeleteType::HardDelete))?;
/// assert!(std::str::from_utf8(&buf)?.contains(r#"<m:DeleteItem DeleteType="HardDelete">"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeleteItem<'a> {
    /// The items, at least one.
    pub item_ids: &'a [ItemId],
    /// How.
    pub delete_type: DeleteType,
}

impl<'a> DeleteItem<'a> {
    /// Delete `item_ids` the `delete_type` way.
    #[must_use]
    pub const fn new(item_ids: &'a [ItemId], delete_type: DeleteType) -> Self {
        Self {
            item_ids,
            delete_type,
        }
    }
}

/// Appends a whole `DeleteItem` envelope for `request` to `buf`.
///
/// # Errors
/// [`WriteError::Empty`] without item ids; nothing is appended then.
pub fn write_delete_item(
    buf: &mut Vec<u8>,
    header: &RequestHeader,
    request: &DeleteItem<'_>,
) -> Result<(), WriteError> {
    if request.item_ids.is_empty() {
        return Err(WriteError::Empty {
            what: "the DeleteItem item ids",
        });
    }
    open_envelope(buf, header);
    buf.extend_from_slice(b"<m:DeleteItem DeleteType=\"");
    buf.extend_from_slice(request.delete_type.as_ews_str().as_bytes());
    buf.extend_from_slice(b"\"><m:ItemIds>");
    for id in request.item_ids {
        buf.extend_from_slice(b"<t:ItemId Id=\"");
        push_attr(buf, &id.id);
        if let Some(change_key) = &id.change_key {
            buf.extend_from_slice(b"\" ChangeKey=\"");
            push_attr(buf, change_key);
        }
        buf.extend_from_slice(b"\"/>");
    }
    buf.extend_from_slice(b"</m:ItemIds></m:DeleteItem>");
    close_envelope(buf);
    Ok(())
}
