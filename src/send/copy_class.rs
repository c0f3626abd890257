//! The class of the sender's own saved copy.
//!
//! With `SendAndSaveCopy` Exchange saves the sender's copy as it was sent: for
//! a same-organization offline IM that is `IPM.Note.Microsoft.Missed`, the class
//! Outlook lists under Missed Conversations, so the sender's own history would
//! show its own message as a conversation *it* missed. The history items Skype
//! for Business writes for conversations that took place carry
//! `IPM.Note.Microsoft.Conversation` (the classes Exchange's retention rules
//! exclude by name, `-ExcludedItemClasses`, and its `kind:im` search, list
//! both). What Skype for Business itself stamps on the sender's copy of an
//! *offline* IM is not published: that part is unverified, so the default
//! keeps Exchange's behaviour and the restamp is a choice.
//!
//! `CreateItem` has one item class for both copies, so restamping takes a
//! second request, and it can only touch a copy that exists: the copy reaches
//! the saved folder only when Exchange's transport has submitted the message.
//! So after a batch, the sender looks for the copies of the messages it
//! delivered (newest items of the saved folder, by delivery id, as the
//! exactly-once check does), waits for those still in Drafts for up to
//! [`RetryPolicy::draft_grace`](super::RetryPolicy::draft_grace), and sets the
//! class of every copy it found with one `UpdateItem` per batch (not per
//! message). It never creates, sends or deletes anything, and the copies keep
//! their delivery-id property, so exactly-once is unaffected; a copy it could
//! not find or update keeps the class it was sent with (logged as a warning),
//! and the message's report is unchanged.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;
use tracing::{info, warn};

use crate::compose::{DeliveryId, ItemClass};
use crate::ews::ItemId;
use crate::plan::Folder;
use crate::transport::Transport;

use super::exchange::Session;
use super::lookup::{Search, Seen, locate};

/// What the sender's own saved copy is (set with
/// [`SenderBuilder::sender_copy_class`](super::SenderBuilder::sender_copy_class)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SenderCopyClass {
    /// The class the message was sent with, as Exchange saves it (the default):
    /// no extra request.
    #[default]
    SameAsSent,
    /// Copies of same-organization offline IMs (sent as
    /// `IPM.Note.Microsoft.Missed`) are restamped
    /// `IPM.Note.Microsoft.Conversation`, the class of Skype for Business's own
    /// conversation history, with one `UpdateItem` per batch once the copies
    /// are in the saved folder. Federated messages (plain `IPM.Note`) are left
    /// alone.
    Restamp,
}

/// The class a restamped copy gets.
pub(crate) const RESTAMPED: ItemClass = ItemClass::CONVERSATION;

/// Whether a delivered message's copy is restamped under `choice`.
pub(crate) fn wants_restamp(choice: SenderCopyClass, sent_as: Option<&ItemClass>) -> bool {
    choice == SenderCopyClass::Restamp && sent_as == Some(&ItemClass::MISSED_IM)
}

/// Finds the saved copies of `ids` in `saved` (waiting up to `grace` for those
/// still being submitted) and restamps them in one `UpdateItem`. Best effort.
pub(crate) async fn restamp<T: Transport>(
    session: &Session<'_, T>,
    saved: Folder,
    ids: &[DeliveryId],
    created_after: Option<OffsetDateTime>,
    check_delay: Duration,
    grace: Duration,
) {
    let until = Instant::now() + grace;
    let mut pending: Vec<DeliveryId> = ids.to_vec();
    let mut copies: Vec<ItemId> = Vec::with_capacity(ids.len());
    while !pending.is_empty() {
        let search = Search {
            ids: &pending,
            saved: Some(saved),
            drafts: true,
            created_after,
        };
        match locate(session, &search).await {
            Ok(seen) => {
                pending.retain(|id| match seen.get(id) {
                    Some(Seen::Saved(item)) => {
                        copies.push(item.clone());
                        false
                    }
                    // In Drafts (still being submitted): look again.
                    Some(Seen::Draft { .. }) => true,
                    // Nowhere: moved or deleted meanwhile (or the look raced
                    // the move); one more look decides.
                    None => true,
                });
            }
            Err(trouble) => {
                warn!(failure = %trouble.failure, "could not look for the sender's copies to restamp");
            }
        }
        if pending.is_empty() || Instant::now() + check_delay > until {
            break;
        }
        tokio::time::sleep(check_delay).await;
    }
    if !pending.is_empty() {
        warn!(
            copies = pending.len(),
            "sender's copies not found in time; they keep the class they were sent with"
        );
    }
    if copies.is_empty() {
        return;
    }
    let (updated, failed) = session.set_item_class(&copies, RESTAMPED.as_str()).await;
    info!(updated, failed, class = %RESTAMPED, "restamped the sender's copies");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_missed_ims_are_restamped_and_only_when_asked() {
        let missed = Some(&ItemClass::MISSED_IM);
        assert!(wants_restamp(SenderCopyClass::Restamp, missed));
        assert!(!wants_restamp(SenderCopyClass::SameAsSent, missed));
        let plain: ItemClass = "IPM.Note".parse().unwrap_or(ItemClass::CONVERSATION);
        assert!(!wants_restamp(SenderCopyClass::Restamp, Some(&plain)));
        assert!(!wants_restamp(SenderCopyClass::Restamp, None));
    }
}
