//! The outcome of planning one offline IM: deliver it this way, or not at all.

use std::fmt;

use super::DeliveryPlan;
use crate::compose::DeliveryId;
use crate::policy::PolicyDenial;
use crate::route::BlockReason;

/// What [`Planner::decide`](super::Planner::decide) concluded for one offline IM.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // a plan is the common case; boxing it would cost every caller
pub enum Decision {
    /// The message may go; the plan says how.
    Deliver(DeliveryPlan),
    /// The message may not go; the denial lists every reason.
    Denied(Denial),
}

impl Decision {
    /// The plan, when the message may go.
    #[must_use]
    pub fn plan(&self) -> Option<&DeliveryPlan> {
        match self {
            Self::Deliver(plan) => Some(plan),
            Self::Denied(_) => None,
        }
    }

    /// The denial, when the message may not go.
    #[must_use]
    pub fn denial(&self) -> Option<&Denial> {
        match self {
            Self::Deliver(_) => None,
            Self::Denied(denial) => Some(denial),
        }
    }

    /// Whether the message may go.
    #[must_use]
    pub fn is_deliver(&self) -> bool {
        matches!(self, Self::Deliver(_))
    }
}

impl fmt::Display for Decision {
    /// One line for a log or a person: never the message text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deliver(plan) => write!(f, "deliver: {plan}"),
            Self::Denied(denial) => write!(f, "denied: {denial}"),
        }
    }
}

/// Every reason one offline IM may not be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub(super) delivery_id: DeliveryId,
    pub(super) reasons: Vec<DenialReason>,
}

impl Denial {
    /// The delivery id of the message that was denied.
    #[must_use]
    pub fn delivery_id(&self) -> DeliveryId {
        self.delivery_id
    }

    /// The reasons, policy first, then routing; never empty.
    #[must_use]
    pub fn reasons(&self) -> &[DenialReason] {
        &self.reasons
    }

    /// Whether routing blocked the message (as opposed to only policy).
    #[must_use]
    pub fn is_blocked(&self) -> bool {
        self.reasons
            .iter()
            .any(|reason| matches!(reason, DenialReason::Route(_)))
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, reason) in self.reasons.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{reason}")?;
        }
        Ok(())
    }
}

/// One reason a message may not be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DenialReason {
    /// A policy denies offline IM to the sender.
    Policy(PolicyDenial),
    /// Routing blocks the recipient.
    Route(BlockReason),
}

impl fmt::Display for DenialReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Policy(denial) => write!(f, "{denial}"),
            Self::Route(reason) => write!(f, "{reason}"),
        }
    }
}
