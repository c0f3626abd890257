//! `UpdateItem`: change the item class of existing items (the sender's saved
//! copies, restamped as conversation history).

use super::response::ItemId;
use super::write::{close_envelope, open_envelope};
use super::{RequestHeader, WriteError};
use crate::xml::escape::{push_attr, push_text};

/// An `UpdateItem` request that sets `item:ItemClass` on each item, with
/// `ConflictResolution="AlwaysOverwrite"` and `MessageDisposition="SaveOnly"`
/// (the items are messages already sent: updating them must not send them
/// again, and the schema requires a disposition when messages are updated).
/// Exchange answers with one response message per item, in order.
///
/// ```
/// use offline_im::ews::{ItemId, RequestHeader, SetItemClass, write_update_item};
///
/// let ids = [ItemId::new("AAMkAD...=")];
/// let mut buf = Vec::new();
/// let request = SetItemClass::new(&ids, "IPM.Note.Microsoft.Conversation");
/// write_update_item(&mut buf, &RequestHeader::default(), &request)?;
/// let xml = std::str::from_utf8(&buf)?;
/// assert!(xml.contains(r#"<t:FieldURI FieldURI="item:ItemClass"/>"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SetItemClass<'a> {
    /// The items, at least one (with their change keys when known).
    pub item_ids: &'a [ItemId],
    /// The new item class.
    pub item_class: &'a str,
}

impl<'a> SetItemClass<'a> {
    /// Sets `item_class` on `item_ids`.
    #[must_use]
    pub const fn new(item_ids: &'a [ItemId], item_class: &'a str) -> Self {
        Self {
            item_ids,
            item_class,
        }
    }
}

/// Appends a whole `UpdateItem` envelope for `request` to `buf`.
///
/// # Errors
/// [`WriteError::Empty`] without item ids; [`WriteError::Invalid`] for an empty
/// item class. Nothing is appended then.
pub fn write_update_item(
    buf: &mut Vec<u8>,
    header: &RequestHeader,
    request: &SetItemClass<'_>,
) -> Result<(), WriteError> {
    if request.item_ids.is_empty() {
        return Err(WriteError::Empty {
            what: "the UpdateItem item ids",
        });
    }
    if request.item_class.trim().is_empty() {
        return Err(WriteError::Invalid {
            field: "item class",
            value: request.item_class.to_owned(),
            rule: "an item class is not empty",
        });
    }
    open_envelope(buf, header);
    buf.extend_from_slice(
        b"<m:UpdateItem ConflictResolution=\"AlwaysOverwrite\" MessageDisposition=\"SaveOnly\"><m:ItemChanges>",
    );
    for id in request.item_ids {
        buf.extend_from_slice(b"<t:ItemChange><t:ItemId Id=\"");
        push_attr(buf, &id.id);
        if let Some(change_key) = &id.change_key {
            buf.extend_from_slice(b"\" ChangeKey=\"");
            push_attr(buf, change_key);
        }
        buf.extend_from_slice(
            b"\"/><t:Updates><t:SetItemField><t:FieldURI FieldURI=\"item:ItemClass\"/><t:Message><t:ItemClass>",
        );
        push_text(buf, request.item_class);
        buf.extend_from_slice(
            b"</t:ItemClass></t:Message></t:SetItemField></t:Updates></t:ItemChange>",
        );
    }
    buf.extend_from_slice(b"</m:ItemChanges></m:UpdateItem>");
    close_envelope(buf);
    Ok(())
}
