//! `FindItem`: which messages with given delivery ids a folder already holds.

use std::io::Write as _;

use super::folder::FolderTarget;
use super::property::{DELIVERY_ID_PROPERTY, PropertyType, push_delivery_id};
use super::write::{close_envelope, open_envelope};
use super::{RequestHeader, WriteError};
use crate::delivery_id::DeliveryId;

/// A `FindItem` request: the items in `folders` whose delivery-id property equals one
/// of `delivery_ids`.
///
/// The search is shallow (the folder itself, not its subfolders) and asks for item
/// ids plus the delivery-id property, so each found item says which delivery it
/// belongs to. Exchange answers with one response message per folder, in order.
/// This is how a sender whose reply was lost checks whether a message was already
/// created (and finds drafts to clean up).
///
/// ```
/// use offline_im::compose::DeliveryId;
/// use offline_im::ews::{FindItem, FolderTarget, RequestHeader, write_find_item};
/// use offline_im::ews::Folder;
///
/// let folders = [FolderTarget::new(Folder::ConversationHistory), FolderTarget::new(Folder::Drafts)];
/// let ids = [DeliveryId::new()];
/// let mut buf = Vec::new();
/// write_find_item(&mut buf, &RequestHeader::default(), &FindItem::new(&folders, &ids))?;
/// assert!(std::str::from_utf8(&buf)?.contains(r#"<m:FindItem Traversal="Shallow">"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FindItem<'a> {
    /// The folders to search, at least one.
    pub folders: &'a [FolderTarget<'a>],
    /// The delivery ids to look for, at least one (several are joined with `t:Or`).
    pub delivery_ids: &'a [DeliveryId],
    /// At most this many items per folder (`IndexedPageItemView`, values above
    /// `i32::MAX` are capped); `None`: the server's limit (default).
    pub max_entries: Option<u32>,
}

impl<'a> FindItem<'a> {
    /// Search `folders` for `delivery_ids`, with no item limit of our own.
    #[must_use]
    pub const fn new(folders: &'a [FolderTarget<'a>], delivery_ids: &'a [DeliveryId]) -> Self {
        Self {
            folders,
            delivery_ids,
            max_entries: None,
        }
    }

    /// Sets the per-folder item limit.
    #[must_use]
    pub const fn max_entries(mut self, max: u32) -> Self {
        self.max_entries = Some(max);
        self
    }
}

/// Appends a whole `FindItem` envelope for `request` to `buf`.
///
/// # Errors
/// [`WriteError::Empty`] without folders or without delivery ids; nothing is
/// appended then.
pub fn write_find_item(
    buf: &mut Vec<u8>,
    header: &RequestHeader,
    request: &FindItem<'_>,
) -> Result<(), WriteError> {
    if request.folders.is_empty() {
        return Err(WriteError::Empty {
            what: "the FindItem folders",
        });
    }
    if request.delivery_ids.is_empty() {
        return Err(WriteError::Empty {
            what: "the FindItem delivery ids",
        });
    }
    open_envelope(buf, header);
    buf.extend_from_slice(
        b"<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>\
          <t:AdditionalProperties>",
    );
    DELIVERY_ID_PROPERTY.write_uri(buf, PropertyType::String);
    buf.extend_from_slice(b"</t:AdditionalProperties></m:ItemShape>");
    if let Some(max) = request.max_entries {
        let max = max.min(i32::MAX as u32);
        let _ = write!(
            buf,
            "<m:IndexedPageItemView MaxEntriesReturned=\"{max}\" Offset=\"0\" BasePoint=\"Beginning\"/>"
        );
    }
    buf.extend_from_slice(b"<m:Restriction>");
    let several = request.delivery_ids.len() > 1;
    if several {
        buf.extend_from_slice(b"<t:Or>");
    }
    for id in request.delivery_ids {
        buf.extend_from_slice(b"<t:IsEqualTo>");
        DELIVERY_ID_PROPERTY.write_uri(buf, PropertyType::String);
        buf.extend_from_slice(b"<t:FieldURIOrConstant><t:Constant Value=\"");
        push_delivery_id(buf, *id);
        buf.extend_from_slice(b"\"/></t:FieldURIOrConstant></t:IsEqualTo>");
    }
    if several {
        buf.extend_from_slice(b"</t:Or>");
    }
    buf.extend_from_slice(b"</m:Restriction><m:ParentFolderIds>");
    for folder in request.folders {
        folder.write(buf);
    }
    buf.extend_from_slice(b"</m:ParentFolderIds></m:FindItem>");
    close_envelope(buf);
    Ok(())
}
