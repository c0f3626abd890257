//! Testkit: an embedded EWS mailbox server for tests (feature `testkit`).
//!
//! Nobody runs Exchange on a laptop or in CI. [`TestServer`] stands in for an
//! Exchange mailbox server: real HTTP (hyper) on `127.0.0.1:0`, real SOAP in and
//! out, on its own tokio task, stopped when dropped. Point your code at
//! [`TestServer::url`], then look at what arrived where.
//!
//! ```no_run
//! use offline_im::address::SmtpAddress;
//! use offline_im::plan::Folder;
//! use offline_im::testkit::TestServer;
//!
//! # async fn send_with_your_code(_url: &str) {}
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::builder()
//!     .hosted_domain("contoso.com")
//!     .basic_user("kim@contoso.com", "secret")
//!     .start()
//!     .await?;
//!
//! send_with_your_code(&server.url()).await; // your code, talking EWS
//!
//! let pat: SmtpAddress = "pat@contoso.com".parse()?;
//! let inbox = server.folder(&pat, Folder::Inbox);
//! assert_eq!(inbox[0].item_class(), "IPM.Note.Microsoft.Missed");
//! # Ok(()) }
//! ```
//!
//! # What it does
//! - **Mailboxes** keyed by SMTP address, each with every [`Folder`]
//!   (`conversationhistory`, `sentitems`, `drafts`, `inbox`, `outbox`, `deleteditems`).
//!   Declare them with [`TestServerBuilder::mailbox`], or let them be created on
//!   demand. Recipients in a hosted domain are inside the organization; any other
//!   recipient is outside it and its mail is kept in [`TestServer::outbound`].
//! - **`CreateItem`** honours `MessageDisposition`: `SendAndSaveCopy` delivers to each
//!   local recipient's `inbox` and saves the sender's copy in `SavedItemFolderId`
//!   (default `sentitems`); `SendOnly` only delivers; `SaveOnly` only saves (default
//!   `drafts`). Item class (from `t:ItemClass` or the `0x001A` extended property),
//!   subject, body, importance, extended properties and recipients are stored as
//!   sent. Mail that leaves the organization loses its item class and MAPI
//!   properties, as it does in Exchange's MIME conversion. As on Exchange, a sent
//!   message's response carries no item id; a saved one's does.
//! - **`FindItem`** in a distinguished folder (of the acting mailbox, or the
//!   `t:Mailbox` given) with an `IsEqualTo` restriction (and `And`/`Or` of them) on an
//!   extended property, `item:Subject` or `item:ItemClass`; requested extended
//!   properties are returned. **`GetItem`** reads items back (body included);
//!   **`DeleteItem`** does `HardDelete`, `SoftDelete` and `MoveToDeletedItems`.
//! - **The acting mailbox** is the `ExchangeImpersonation` address if sent, else the
//!   Basic user name when it is an SMTP address, else the message's `From`.
//! - **Refusals as on Exchange**: elements out of schema order, unknown enumeration
//!   values, missing required parts and broken XML get an `ErrorSchemaValidation`
//!   SOAP fault (HTTP 500); `conversationhistory` with a `RequestServerVersion` older
//!   than Exchange2013 (or none) gets an `ErrorInvalidServerVersion` fault; an
//!   operation it does not implement gets an `ErrorInvalidRequest` fault. Sending to a
//!   hosted address that has no mailbox (on-demand creation off) fails that item
//!   with `ErrorInvalidRecipients` at once, where Exchange would accept it and bounce
//!   it later.
//! - **Authentication**: off by default; with [`TestServerBuilder::basic_user`] or
//!   [`TestServerBuilder::bearer_token`] every request must carry one of them, and
//!   anything else (none, wrong, Negotiate, NTLM) gets 401 with `WWW-Authenticate`.
//! - **Fault injection** ([`Faults`]): whole-request [`Fault`]s (busy fault with
//!   `BackOffMilliseconds`, 503 with `Retry-After`, 401, connection closed before or
//!   after the request is committed, delays, malformed replies) and per-item
//!   [`ItemFault`]s (`ErrorServerBusy`, `ErrorInvalidRecipients`,
//!   `ErrorNonExistentMailbox`, `ErrorQuotaExceeded`), scripted or mixed at random
//!   from a seed.
//! - **Inspection**: [`TestServer::folder`], [`TestServer::mailbox`],
//!   [`TestServer::outbound`], [`TestServer::requests`] (every request and its
//!   status), [`TestServer::injected_faults`].
//!
//! The server runs on the tokio runtime that started it. With a blocking client,
//! use a multi-threaded runtime (`#[tokio::test(flavor = "multi_thread")]`) so the
//! server keeps running while the test thread waits.
//!
//! Its replies carry `t:ServerVersionInfo` and are valid against the EWS schema.
//! Only `t:Message` items are understood; elements of `t:Message` it does not store
//! are checked for order and skipped.

mod dispatch;
mod error;
mod faults;
mod http;
mod op_create;
mod op_query;
mod props;
mod record;
mod rng;
mod server;
mod soap_in;
mod soap_in_item;
mod soap_in_query;
mod soap_out;
mod store;
mod xml;

pub use crate::ews::BodyType;
pub use error::TestServerError;
pub use faults::{Fault, Faults, InjectedFault, ItemFault};
pub use props::{ExtendedFieldUri, ExtendedProperty, PropertyValue};
pub use record::RecordedRequest;
pub use server::{DEFAULT_MAX_REQUEST_BYTES, DEFAULT_SEED, TestServer, TestServerBuilder};
pub use store::{Mailbox, Recipient, StoredItem};

#[doc(no_inline)]
pub use crate::plan::Folder;
