//! The delivery plan: everything later stages need to put one offline IM into Exchange.

use std::fmt;

use super::{Disposition, Folder};
use crate::compose::{DeliveryId, Importance, ItemClass, Participant, RenderedMessage};
use crate::route::Route;

/// How one allowed offline IM is to be delivered.
///
/// Made by [`Planner::decide`](super::Planner::decide); read by the EWS layer, which
/// turns it into a `t:Message` of a `CreateItem` request sent from the sender's
/// mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPlan {
    pub(super) delivery_id: DeliveryId,
    pub(super) sender: Participant,
    pub(super) recipient: Participant,
    pub(super) route: Route,
    pub(super) item_class: ItemClass,
    pub(super) disposition: Disposition,
    pub(super) saved_item_folder: Option<Folder>,
    pub(super) importance: Importance,
    pub(super) message: RenderedMessage,
}

impl DeliveryPlan {
    /// The message's delivery id, stored on the Exchange item so that a lost reply
    /// can be checked later without sending twice.
    #[must_use]
    pub fn delivery_id(&self) -> DeliveryId {
        self.delivery_id
    }

    /// The sender, whose mailbox sends the message.
    #[must_use]
    pub fn sender(&self) -> &Participant {
        &self.sender
    }

    /// The recipient.
    #[must_use]
    pub fn recipient(&self) -> &Participant {
        &self.recipient
    }

    /// Same organization or federated (never blocked: blocked messages get no plan).
    #[must_use]
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The item class the message is created with.
    #[must_use]
    pub fn item_class(&self) -> &ItemClass {
        &self.item_class
    }

    /// What Exchange does with the new message: send and keep a copy, by default.
    #[must_use]
    pub fn disposition(&self) -> Disposition {
        self.disposition
    }

    /// The sender's folder that keeps its copy (`conversationhistory` by default);
    /// `None` when the disposition keeps no copy.
    #[must_use]
    pub fn saved_item_folder(&self) -> Option<Folder> {
        self.saved_item_folder
    }

    /// The message's importance.
    #[must_use]
    pub fn importance(&self) -> Importance {
        self.importance
    }

    /// Subject and bodies.
    #[must_use]
    pub fn message(&self) -> &RenderedMessage {
        &self.message
    }
}

impl fmt::Display for DeliveryPlan {
    /// One line for logs: who, which route, which class, where the copy goes.
    /// Never the message text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -> {} ({}): {} as {}",
            self.sender.sip(),
            self.recipient.sip(),
            self.route,
            self.disposition,
            self.item_class
        )?;
        if let Some(folder) = self.saved_item_folder {
            write!(f, ", copy in {folder}")?;
        }
        write!(f, ", delivery id {}", self.delivery_id)
    }
}
