//! `CreateItem`: send and/or save a batch of messages.

use super::folder::FolderTarget;
use super::message::MessageItem;
use super::write::{close_envelope, open_envelope};
use super::{Disposition, Folder};
use super::{RequestHeader, WriteError};

/// A `CreateItem` request for one or many messages.
///
/// Exchange answers with one response message per item, in the same order.
/// Peers chunk batches at 100 items.
///
/// ```
/// use offline_im::ews::{Body, CreateItem, FolderTarget, MessageItem, RequestHeader, write_create_item};
/// use offline_im::ews::{Disposition, Folder};
///
/// let items = [MessageItem::new("Hello", Body::text("Are you there?"))];
/// let request = CreateItem::new(&items); // SendAndSaveCopy into conversationhistory
/// assert_eq!(request.disposition, Disposition::SendAndSaveCopy);
///
/// let mut buf = Vec::new();
/// write_create_item(&mut buf, &RequestHeader::default(), &request)?;
/// let xml = std::str::from_utf8(&buf)?;
/// assert!(xml.contains(r#"<m:CreateItem MessageDisposition="SendAndSaveCopy">"#));
/// assert!(xml.contains(r#"<t:DistinguishedFolderId Id="conversationhistory"/>"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CreateItem<'a> {
    /// What Exchange does with the messages (default [`Disposition::SendAndSaveCopy`]).
    pub disposition: Disposition,
    /// Where the copies are saved (`m:SavedItemFolderId`); default
    /// `conversationhistory` in the own mailbox. `None`: left out, so Exchange uses
    /// Sent Items (or Drafts for `SaveOnly`). Must be `None` with `SendOnly`.
    pub saved_item_folder: Option<FolderTarget<'a>>,
    /// The messages, at least one.
    pub items: &'a [MessageItem<'a>],
}

impl<'a> CreateItem<'a> {
    /// A request for `items` with the defaults: `SendAndSaveCopy`, copies saved to
    /// the own `conversationhistory` folder.
    #[must_use]
    pub const fn new(items: &'a [MessageItem<'a>]) -> Self {
        Self {
            disposition: Disposition::SendAndSaveCopy,
            saved_item_folder: Some(FolderTarget::new(Folder::ConversationHistory)),
            items,
        }
    }

    /// Sets the disposition; `SendOnly` also drops the saved-item folder.
    #[must_use]
    pub const fn disposition(mut self, disposition: Disposition) -> Self {
        self.disposition = disposition;
        if matches!(disposition, Disposition::SendOnly) {
            self.saved_item_folder = None;
        }
        self
    }

    /// Sets the saved-item folder (`None`: left out).
    #[must_use]
    pub const fn saved_item_folder(mut self, folder: Option<FolderTarget<'a>>) -> Self {
        self.saved_item_folder = folder;
        self
    }
}

/// Appends a whole `CreateItem` envelope for `request` to `buf`.
///
/// Writes straight into `buf` with no other allocation; reuse one buffer (clear it
/// between requests) to keep allocations at zero once it has grown.
///
/// # Errors
/// [`WriteError::Empty`] without items; [`WriteError::FolderWithSendOnly`] when a
/// `SendOnly` request names a saved-item folder. Nothing is appended then.
pub fn write_create_item(
    buf: &mut Vec<u8>,
    header: &RequestHeader,
    request: &CreateItem<'_>,
) -> Result<(), WriteError> {
    if request.items.is_empty() {
        return Err(WriteError::Empty {
            what: "the CreateItem items",
        });
    }
    if let (Disposition::SendOnly, Some(target)) = (request.disposition, request.saved_item_folder)
    {
        return Err(WriteError::FolderWithSendOnly {
            folder: target.folder.to_string(),
        });
    }
    open_envelope(buf, header);
    buf.extend_from_slice(b"<m:CreateItem MessageDisposition=\"");
    buf.extend_from_slice(request.disposition.as_ews_str().as_bytes());
    buf.extend_from_slice(b"\">");
    if let Some(target) = &request.saved_item_folder {
        buf.extend_from_slice(b"<m:SavedItemFolderId>");
        target.write(buf);
        buf.extend_from_slice(b"</m:SavedItemFolderId>");
    }
    buf.extend_from_slice(b"<m:Items>");
    for item in request.items {
        item.write(buf);
    }
    buf.extend_from_slice(b"</m:Items></m:CreateItem>");
    close_envelope(buf);
    Ok(())
}
