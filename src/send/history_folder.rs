//! A sender's mailbox without a Conversation History folder: what to do, and
//! remembering which mailboxes lack it.
//!
//! `conversationhistory` is made by the clients that use it: Microsoft's Graph
//! reference calls it "the folder where Skype saves IM conversations (if Skype is
//! configured to do so)", so a mailbox whose owner never ran Lync or Skype for
//! Business may not have it. Exchange answers a distinguished folder a mailbox
//! lacks with `ErrorFolderNotFound` ("The specified folder could not be found in
//! the store.": real GetFolder replies quoted in exchangelib issue #374). Which
//! code a `CreateItem` item gets when its `SavedItemFolderId` is such a folder is
//! not published: `ErrorFolderNotFound` is inferred from that, and the schema's
//! `ErrorSavedItemFolderNotFound` is read as "missing" too. That Exchange checks
//! the folder before it creates the item is inferred as well (a per-item error
//! that left a draft would be cleaned up by the usual after-failure pass).
//!
//! The sender does not try to create it. Microsoft documents no way to create a
//! distinguished folder through EWS: `CreateFolder` makes a folder from a display
//! name and class under a parent. The schema's folder type does carry a
//! `DistinguishedFolderId` element (Exchange 2013 and later), which replies fill
//! in, but no reference says a client may set it, and that is unverified against
//! a live server. A folder named "Conversation History" made the documented way
//! would be an ordinary folder that Outlook and Skype for Business would not
//! use, and a second one when the client later creates the real one. So by
//! default the sender falls back to Sent Items ([`MissingHistoryFolder`]).

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use crate::address::SmtpAddress;
use crate::ews::ResponseCode;

use super::{Failure, FailureKind};
use crate::plan::Folder;

/// What the sender does when the sender's mailbox has no `conversationhistory`
/// folder (set with [`SenderBuilder::missing_history_folder`](super::SenderBuilder::missing_history_folder)).
///
/// Either way the sender remembers the mailbox for its lifetime, so later
/// batches for it go straight to the choice made, without paying for the
/// discovery again. [`DeliveryReport::saved_folder`](super::DeliveryReport::saved_folder)
/// says where each delivered message's copy was saved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MissingHistoryFolder {
    /// Send the messages again with the copy saved to `sentitems`, the folder
    /// Exchange itself saves sent mail to when no folder is named (the
    /// default). The recipient's copy is unchanged.
    #[default]
    FallBackToSentItems,
    /// Fail the messages ([`FailureKind::Rejected`](super::FailureKind::Rejected),
    /// code `ErrorFolderNotFound`): for deployments where the sender's history
    /// must be in its Conversation History or nowhere.
    Fail,
}

/// The folder used instead of a missing `conversationhistory`.
pub(crate) const FALLBACK: Folder = Folder::SentItems;

/// Whether `code` says the saved-item folder does not exist.
pub(crate) fn is_missing_folder(code: &ResponseCode) -> bool {
    matches!(code, ResponseCode::ErrorFolderNotFound)
        || code.as_str() == "ErrorSavedItemFolderNotFound"
}

/// The mailboxes found without `conversationhistory`, shared by every batch of
/// one sender.
#[derive(Debug, Default)]
pub(crate) struct FolderMemory {
    missing: Mutex<HashSet<SmtpAddress>>,
}

impl FolderMemory {
    /// Whether `mailbox` is known to lack `conversationhistory`.
    pub(crate) fn lacks_history(&self, mailbox: &SmtpAddress) -> bool {
        self.missing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(mailbox)
    }

    /// Remembers that `mailbox` lacks `conversationhistory`.
    pub(crate) fn remember(&self, mailbox: &SmtpAddress) {
        self.missing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(mailbox.clone());
    }
}

/// The failure of a message whose sender's mailbox lacks `conversationhistory`
/// under [`MissingHistoryFolder::Fail`].
pub(crate) fn missing_failure(mailbox: &SmtpAddress) -> Failure {
    Failure::new(
        FailureKind::Rejected,
        format!(
            "the mailbox {mailbox} has no Conversation History folder (Exchange: \
             ErrorFolderNotFound) and the sender is set to fail rather than save the copy \
             to Sent Items (MissingHistoryFolder::Fail); nothing was sent"
        ),
    )
    .with_code(Some(ResponseCode::ErrorFolderNotFound))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_folder_codes_mean_missing_and_nothing_else_does() {
        assert!(is_missing_folder(&ResponseCode::ErrorFolderNotFound));
        let saved: ResponseCode = "ErrorSavedItemFolderNotFound"
            .parse()
            .unwrap_or(ResponseCode::NoError);
        assert!(is_missing_folder(&saved));
        assert!(!is_missing_folder(&ResponseCode::ErrorItemNotFound));
        assert!(!is_missing_folder(&ResponseCode::ErrorAccessDenied));
    }

    #[test]
    fn the_memory_is_per_mailbox() {
        let memory = FolderMemory::default();
        let kim: SmtpAddress = "kim@contoso.com".parse().unwrap_or_else(|_| unreachable!());
        let sam: SmtpAddress = "sam@contoso.com".parse().unwrap_or_else(|_| unreachable!());
        assert!(!memory.lacks_history(&kim));
        memory.remember(&kim);
        assert!(memory.lacks_history(&kim));
        assert!(!memory.lacks_history(&sam));
    }
}
