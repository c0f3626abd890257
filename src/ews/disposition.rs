//! EWS vocabulary for where a sent message's copy is kept (`DistinguishedFolderId`)
//! and what Exchange does with a new item (`MessageDisposition`).
//!
//! The planner decides which of them a message gets and re-exports both
//! (`offline_im::plan::{Disposition, Folder}`); the words themselves are the wire's.

use std::fmt;

/// What Exchange does with a message created through EWS (`MessageDisposition`).
///
/// Offline IM sends with [`Disposition::SendAndSaveCopy`]: the recipient gets the
/// message and the sender's copy lands in its Conversation History folder, which is
/// exactly what `EnableIMAutoArchiving` governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Disposition {
    /// Send the message and keep a copy in the saved-item folder (the default).
    #[default]
    SendAndSaveCopy,
    /// Send the message and keep no copy. Nothing is left to check after a lost
    /// reply, so delivery cannot be verified afterwards.
    SendOnly,
    /// Only save the message (a draft). Nothing is sent.
    SaveOnly,
}

impl Disposition {
    /// The value EWS expects in the `MessageDisposition` attribute.
    #[must_use]
    pub const fn as_ews_str(self) -> &'static str {
        match self {
            Self::SendAndSaveCopy => "SendAndSaveCopy",
            Self::SendOnly => "SendOnly",
            Self::SaveOnly => "SaveOnly",
        }
    }

    /// Whether the message leaves a copy in the sender's mailbox.
    #[must_use]
    pub const fn keeps_copy(self) -> bool {
        !matches!(self, Self::SendOnly)
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ews_str())
    }
}

/// A well-known mailbox folder (EWS `DistinguishedFolderId`).
///
/// There is deliberately no "Missed Conversations" folder: in Outlook that view is a
/// filter on the item class, not a folder, and the crate never tries to create one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum Folder {
    /// `conversationhistory`: where Skype for Business archives conversations.
    /// Exists since Exchange 2013, so requests that use it declare Exchange2013 or later.
    #[default]
    ConversationHistory,
    /// `sentitems`.
    SentItems,
    /// `drafts`.
    Drafts,
    /// `inbox`.
    Inbox,
    /// `outbox`.
    Outbox,
    /// `deleteditems`.
    DeletedItems,
}

impl Folder {
    /// Every folder, in a fixed order.
    pub const ALL: [Folder; 6] = [
        Folder::ConversationHistory,
        Folder::SentItems,
        Folder::Drafts,
        Folder::Inbox,
        Folder::Outbox,
        Folder::DeletedItems,
    ];

    /// The `Id` EWS expects in `t:DistinguishedFolderId` (case matters).
    #[must_use]
    pub const fn as_ews_str(self) -> &'static str {
        match self {
            Self::ConversationHistory => "conversationhistory",
            Self::SentItems => "sentitems",
            Self::Drafts => "drafts",
            Self::Inbox => "inbox",
            Self::Outbox => "outbox",
            Self::DeletedItems => "deleteditems",
        }
    }

    /// The folder whose EWS id is `id` (exact, case-sensitive, as EWS requires).
    #[must_use]
    pub fn from_ews_str(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_ews_str() == id)
    }

    /// Whether the folder needs `RequestServerVersion` Exchange2013 or later.
    #[must_use]
    pub const fn needs_exchange_2013(self) -> bool {
        matches!(self, Self::ConversationHistory)
    }
}

impl fmt::Display for Folder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ews_str())
    }
}
