//! How a sender talks to Exchange: batch size, concurrency, retries, identity.

use crate::ews::{ReaderLimits, ServerVersion};

use super::{MissingHistoryFolder, RetryPolicy, SenderCopyClass};

/// Whose mailbox each request acts on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MailboxAccess {
    /// The authenticated account is a service account with the
    /// `ApplicationImpersonation` role; each request impersonates the message's
    /// sender (`t:ExchangeImpersonation` with its SMTP address). The default, as it
    /// is the only way one process can send for many users.
    #[default]
    ImpersonateSender,
    /// The authenticated account is the sender itself: no impersonation header.
    /// Every message must then come from that one account.
    AuthenticatedUser,
}

/// The sender's settings, with their defaults.
///
/// | setting | default | why |
/// |---|---|---|
/// | `batch_size` | 100 | messages per `CreateItem`, as Exchange clients chunk |
/// | `concurrency` | 8 | requests in flight; well below Exchange's default `EWSMaxConcurrency` of 27 (Exchange 2013 and later), which impersonated requests share with the service account |
/// | `per_sender_concurrency` | same as `concurrency` | requests in flight for one sender mailbox, so that one busy sender cannot take every slot (and its own Exchange budget) |
/// | `retry` | [`RetryPolicy::new`] | |
/// | `server_version` | Exchange2013 | `conversationhistory` needs it |
/// | `mailbox_access` | [`MailboxAccess::ImpersonateSender`] | |
/// | `reader_limits` | [`ReaderLimits::default`] | 16 MiB replies at most |
/// | `copy_class` | [`SenderCopyClass::SameAsSent`] | what SfB stamps on the sender's copy of an offline IM is unpublished; restamping costs a request per batch |
/// | `missing_history` | [`MissingHistoryFolder::FallBackToSentItems`] | a mailbox that never ran SfB has no Conversation History; EWS documents no way to create it |
#[derive(Debug, Clone)]
pub(crate) struct SenderOptions {
    pub(crate) batch_size: usize,
    pub(crate) concurrency: usize,
    pub(crate) per_sender_concurrency: Option<usize>,
    pub(crate) retry: RetryPolicy,
    pub(crate) server_version: ServerVersion,
    pub(crate) mailbox_access: MailboxAccess,
    pub(crate) reader_limits: ReaderLimits,
    pub(crate) seed: u64,
    pub(crate) missing_history: MissingHistoryFolder,
    pub(crate) copy_class: SenderCopyClass,
}

impl Default for SenderOptions {
    fn default() -> Self {
        Self {
            batch_size: 100,
            concurrency: 8,
            per_sender_concurrency: None,
            retry: RetryPolicy::new(),
            server_version: ServerVersion::Exchange2013,
            mailbox_access: MailboxAccess::default(),
            reader_limits: ReaderLimits::default(),
            seed: 0x0ff1_11e1_u64,
            missing_history: MissingHistoryFolder::default(),
            copy_class: SenderCopyClass::default(),
        }
    }
}
