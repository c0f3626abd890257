//! Send: deliver many offline IMs in as few EWS requests as possible, and say
//! what happened to each.
//!
//! A [`Sender`] plans every message with the [`Planner`](crate::plan::Planner)
//! (policy and routing: denied and blocked messages never reach the network),
//! groups the allowed ones by sender mailbox, disposition and folder, packs them
//! into `CreateItem` batches (100 by default), and keeps a bounded number of
//! requests in flight (8 by default, inside Exchange's default per-user limit of
//! 10). Every message gets exactly one [`DeliveryReport`], in input order:
//! delivered, denied, blocked, failed (with Exchange's code) or deferred.
//!
//! # Retries
//!
//! Transient trouble (`ErrorServerBusy` and the other codes
//! [`ResponseCode::is_transient`](crate::ews::ResponseCode::is_transient) names,
//! HTTP 429/503, other 5xx, connection failures) is retried with capped
//! exponential back-off and jitter ([`RetryPolicy`]), waiting at least what the
//! server asked for (`BackOffMilliseconds`, `Retry-After` in seconds or as an HTTP
//! date) up to a cap, until the message's deadline; then it is
//! [`Outcome::Deferred`]. A permanent per-message error fails that message only;
//! the others of its batch go on, and messages that succeeded are never sent again.
//!
//! # Exactly once
//!
//! Every message carries its delivery id as an extended property. When a request's
//! outcome is unknown (a timeout or lost connection after the request was written,
//! a gateway error, an unreadable or incomplete reply), the sender does not resend
//! blindly: it first searches the sender's saved-copy folder (`FindItem` on the
//! delivery ids) and reports the messages found as delivered
//! (`duplicate_avoided`); only the others are sent again. The guarantee, per
//! [`Disposition`](crate::plan::Disposition):
//!
//! | disposition | after a lost reply | guarantee |
//! |---|---|---|
//! | `SendAndSaveCopy` (default) | search the saved-copy folder, resend what is missing | exactly once |
//! | `SaveOnly` | search the folder the draft was saved to | exactly once |
//! | `SendOnly` | nothing to search: the message is reported failed, not resent | at most once; messages drained from a spool (or passed to [`Sender::resume_all`]) are sent again, so at least once there |
//!
//! One race remains: Exchange may still be working on a request when the client
//! gives up on it. The check waits first ([`RetryPolicy::check_delay`], 2 s by
//! default), so that such a request finishes before the search; a request that
//! takes longer still can, rarely, be delivered twice. [`Sender::resume_all`] starts with the same check, for messages
//! that may have been sent before a crash or were deferred.
//!
//! # No drafts left behind
//!
//! Messages are created and sent in one `CreateItem` (never `SaveOnly` then
//! `SendItem`), so a failure cannot strand a half-sent draft. As a second line of
//! defence against the 2016 Exchange bug that filled senders' Drafts folders, after
//! any failed, deferred or uncertain message the sender searches Drafts for its
//! delivery id and hard-deletes what it finds.
//!
//! # Sending later
//!
//! [`Sender::spool_all`] hands messages to a [`Spool`](crate::spool::Spool)
//! instead of sending them, and [`Sender::drain`] delivers what is due, with the
//! same batching, retries and exactly-once check, recording each outcome in the
//! spool (see [`spool`](crate::spool) for the History Spooler itself).
//!
//! # Observability
//!
//! `tracing`: a `create_item_batch` span per batch (mailbox, size) and events per
//! attempt (response code, back-off); the transport adds one span per request.
//! Message text and credentials are never logged.

mod batch;
mod drain;
mod error;
mod exchange;
mod options;
mod report;
mod retry;
mod sender;

pub use drain::DrainPass;
pub use error::SenderError;
pub use options::MailboxAccess;
pub use report::{DeliveryReport, Failure, Outcome, Summary};
pub use retry::RetryPolicy;
pub use sender::{Sender, SenderBuilder};
