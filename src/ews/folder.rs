//! A distinguished folder, in the own mailbox or another user's.

use super::Folder;
use super::message::Mailbox;
use crate::address::SmtpAddress;

/// A well-known folder (`t:DistinguishedFolderId`), optionally in another user's
/// mailbox (`t:Mailbox`, which needs delegate access to it).
///
/// ```
/// use offline_im::ews::FolderTarget;
/// use offline_im::ews::Folder;
///
/// let own = FolderTarget::new(Folder::ConversationHistory);
/// let shared = "archive@contoso.com".parse()?;
/// let theirs = FolderTarget::new(Folder::SentItems).in_mailbox(&shared);
/// assert_eq!(theirs.mailbox, Some(&shared));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FolderTarget<'a> {
    /// The folder.
    pub folder: Folder,
    /// The mailbox holding it; `None`: the mailbox the request acts on.
    pub mailbox: Option<&'a SmtpAddress>,
}

impl<'a> FolderTarget<'a> {
    /// `folder` in the mailbox the request acts on.
    #[must_use]
    pub const fn new(folder: Folder) -> Self {
        Self {
            folder,
            mailbox: None,
        }
    }

    /// The same folder in `mailbox`.
    #[must_use]
    pub const fn in_mailbox(mut self, mailbox: &'a SmtpAddress) -> Self {
        self.mailbox = Some(mailbox);
        self
    }

    /// Writes `<t:DistinguishedFolderId Id="...">[<t:Mailbox>...]</t:DistinguishedFolderId>`.
    pub(crate) fn write(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"<t:DistinguishedFolderId Id=\"");
        buf.extend_from_slice(self.folder.as_ews_str().as_bytes());
        match self.mailbox {
            None => buf.extend_from_slice(b"\"/>"),
            Some(address) => {
                buf.extend_from_slice(b"\">");
                Mailbox::new(address).write(buf);
                buf.extend_from_slice(b"</t:DistinguishedFolderId>");
            }
        }
    }
}

impl From<Folder> for FolderTarget<'_> {
    fn from(folder: Folder) -> Self {
        Self::new(folder)
    }
}
