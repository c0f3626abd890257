//! What happened to each message.

use std::fmt;

use crate::compose::DeliveryId;
use crate::ews::{ItemId, ResponseCode};
use crate::plan::Denial;
use crate::route::BlockReason;

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

/// Why a message failed or was deferred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Exchange's response code, when the failure came from Exchange.
    pub code: Option<ResponseCode>,
    /// What went wrong, for a log or a person (never the message text).
    pub message: String,
}

impl Failure {
    pub(crate) fn new(code: Option<ResponseCode>, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.delivery_id, self.outcome)
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
