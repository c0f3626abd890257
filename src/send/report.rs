//! What happened to each message.

use std::fmt;

use crate::address::SmtpAddress;
use crate::compose::{DeliveryId, ItemClass};
use crate::ews::ItemId;
use crate::plan::{Denial, Folder};
use crate::route::{BlockReason, Route};

use super::Failure;

/// The outcome of one offline IM handed to a [`Sender`](super::Sender).
///
/// Every message handed over gets exactly one report, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The message's delivery id.
    pub delivery_id: DeliveryId,
    /// What happened.
    pub outcome: Outcome,
    /// How many `CreateItem` attempts carried the message (0 when it never went out).
    pub attempts: u32,
    /// The recipient's SMTP address.
    pub recipient: SmtpAddress,
    /// How the message was routed; `None` when a policy denied it before routing
    /// mattered.
    pub route: Option<Route>,
    /// The item class the message was sent with; `None` when it was not planned
    /// (denied or blocked).
    pub item_class: Option<ItemClass>,
    /// Where the sender's copy of a delivered message was saved: the planned
    /// folder (`conversationhistory` by default), or `sentitems` when the
    /// sender's mailbox has no Conversation History and
    /// [`MissingHistoryFolder::FallBackToSentItems`](super::MissingHistoryFolder::FallBackToSentItems)
    /// applied. `None` when the message was not delivered or its disposition keeps
    /// no copy (`SendOnly`).
    pub saved_folder: Option<Folder>,
}

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Exchange accepted the message.
    Delivered {
        /// The item's id, when Exchange returned one or the check found it.
        item_id: Option<ItemId>,
        /// The reply was lost and the message was found already created, so it was
        /// not sent again.
        duplicate_avoided: bool,
    },
    /// A policy denies offline IM to the sender (routing reasons, if any, are
    /// listed too).
    Denied(Denial),
    /// Routing blocks the recipient; no policy objected.
    Blocked(BlockReason),
    /// The message cannot be delivered; retrying will not help.
    Failed(Failure),
    /// The message could not be delivered before its deadline because of
    /// transient trouble (a busy or unreachable server). Retrying later may work:
    /// spool it.
    Deferred(Failure),
}

impl Outcome {
    /// Whether the message reached Exchange.
    #[must_use]
    pub fn is_delivered(&self) -> bool {
        matches!(self, Self::Delivered { .. })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Delivered {
                duplicate_avoided: true,
                ..
            } => f.write_str("delivered (found already created; not sent again)"),
            Self::Delivered { .. } => f.write_str("delivered"),
            Self::Denied(denial) => write!(f, "denied: {denial}"),
            Self::Blocked(reason) => write!(f, "blocked: {reason}"),
            Self::Failed(failure) => write!(f, "failed: {failure}"),
            Self::Deferred(failure) => write!(f, "deferred: {failure}"),
        }
    }
}

impl fmt::Display for DeliveryReport {
    /// One line a person can read:
    /// `pat@contoso.com (same organization, IPM.Note.Microsoft.Missed): delivered [3f2a…]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.recipient)?;
        match (&self.route, &self.item_class) {
            (Some(Route::Blocked(_)), _) | (None, _) => {}
            (Some(route), Some(class)) => write!(f, " ({route}, {class})")?,
            (Some(route), None) => write!(f, " ({route})")?,
        }
        write!(f, ": {} [{}]", self.outcome, self.delivery_id)
    }
}

/// Counts over a set of reports, e.g. for a summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Delivered messages.
    pub delivered: usize,
    /// Of those, messages found already created after a lost reply.
    pub duplicates_avoided: usize,
    /// Denied by policy or blocked by routing.
    pub denied: usize,
    /// Failed permanently.
    pub failed: usize,
    /// Deferred: transient trouble outlasted the deadline.
    pub deferred: usize,
}

impl Summary {
    /// Counts `reports`.
    #[must_use]
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a DeliveryReport>) -> Self {
        let mut summary = Self::default();
        for report in reports {
            match &report.outcome {
                Outcome::Delivered {
                    duplicate_avoided, ..
                } => {
                    summary.delivered += 1;
                    summary.duplicates_avoided += usize::from(*duplicate_avoided);
                }
                Outcome::Denied(_) | Outcome::Blocked(_) => summary.denied += 1,
                Outcome::Failed(_) => summary.failed += 1,
                Outcome::Deferred(_) => summary.deferred += 1,
            }
        }
        summary
    }

    /// All messages counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.delivered + self.denied + self.failed + self.deferred
    }
}

impl fmt::Display for Summary {
    /// `100 messages: 97 delivered (2 found already created), 1 denied or blocked, 1 failed, 1 deferred`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} messages: {} delivered", self.total(), self.delivered)?;
        if self.duplicates_avoided > 0 {
            write!(f, " ({} found already created)", self.duplicates_avoided)?;
        }
        write!(
            f,
            ", {} denied or blocked, {} failed, {} deferred",
            self.denied, self.failed, self.deferred
        )
    }
}
