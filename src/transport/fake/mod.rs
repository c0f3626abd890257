//! Faking Exchange in your own tests, without knowing EWS.
//!
//! Two ways, from the simplest:
//!
//! - [`RecordingTransport::new`](super::RecordingTransport::new) answers every
//!   request it has no script for as an Exchange that accepts everything would
//!   ([`exchange_accepting_everything`]): each message of a `CreateItem` created,
//!   nothing found by a `FindItem`, each item of a `DeleteItem` deleted. Script
//!   what should go wrong, in order, with the reply builders below or a
//!   [`TransportError`](super::TransportError); look at what was sent with
//!   [`requests`](super::RecordingTransport::requests).
//! - The reply builders ([`CreateItemReply`], [`FindItemReply`],
//!   [`DeleteItemReply`], [`fault`]) write the replies Exchange gives, including
//!   throttling (`ErrorServerBusy` with `BackOffMilliseconds`, also hidden
//!   inside `ErrorInternalServerError`).
//!
//! For the whole of Exchange (mailboxes, asynchronous submission, fault
//! injection over real HTTP), use the embedded server in
//! [`testkit`](crate::testkit) (feature `testkit`).
//!
//! ```
//! use std::time::Duration;
//! use offline_im::ews::ResponseCode;
//! use offline_im::transport::RecordingTransport;
//! use offline_im::transport::fake::fault;
//!
//! // The first request is throttled for 2 s; everything after it succeeds.
//! let transport = RecordingTransport::new()
//!     .with_reply(fault(ResponseCode::ErrorServerBusy, Some(Duration::from_secs(2))));
//! # let _ = transport;
//! ```
//!
//! # What a transport must return
//!
//! A [`Transport`](super::Transport) returns `Ok` with any HTTP reply Exchange
//! (or something in front of it) gave, and `Err` only when no reply came:
//!
//! | the transport returns | the sender |
//! |---|---|
//! | `Ok`, HTTP 200, an EWS response | reads one result per message |
//! | `Ok`, HTTP 500, a SOAP fault | reads the fault's code (busy: waits and retries) |
//! | `Ok`, HTTP 429 or 503 with `Retry-After` | waits that long and retries |
//! | `Ok`, HTTP 401 or 403 | fails the messages: credentials or impersonation refused |
//! | `Ok`, HTTP 502 or 504 | treats the outcome as unknown and looks before resending |
//! | `Err` whose [`outcome_unknown`](super::TransportError::outcome_unknown) is true (timeout after sending, connection lost) | looks for the messages before resending |
//! | `Err` of a request that was never sent ([`connect_failed`](super::TransportError::connect_failed)) | retries |
//!
//! An `Ok` with an empty body where EWS would answer (the mistake a hand-made
//! fake makes) is an unreadable reply: the sender cannot know what happened and
//! looks before it resends.

mod answer;
mod replies;

pub use answer::exchange_accepting_everything;
pub use replies::{CreateItemReply, DeleteItemReply, FindItemReply, FoundMessage, fault};
