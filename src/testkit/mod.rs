//! Testkit: an embedded EWS mailbox server for tests (feature `testkit`).
//!
//! Nobody runs Exchange on a laptop or in CI. [`TestServer`] stands in for an
//! Exchange mailbox server: real HTTP (hyper) on `127.0.0.1:0`, real SOAP in and
//! out, on its own tokio task, stopped when dropped. Point your code at
//! [`TestServer::url`], then look at what arrived where.
//!
//! ```no_run
//! use offline_im::address::SmtpAddress;
//! use offline_im::ews::Folder;
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
//! server.idle().await; // let the transport deliver what was sent
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
//! - **`CreateItem`** honours `MessageDisposition`. `SaveOnly` saves the item at once
//!   (default folder `drafts`, `IsSubmitted` false). `SendAndSaveCopy` and `SendOnly`
//!   submit it asynchronously, as Exchange does (see *Order of events* below): the
//!   message waits in the sender's `drafts`, then the transport delivers it to each
//!   local recipient's `inbox` and moves the sender's copy to `SavedItemFolderId`
//!   (default `sentitems`, `SendAndSaveCopy`) or drops it (`SendOnly`). Item class (from `t:ItemClass` or the `0x001A` extended property),
//!   subject, body, importance, extended properties and recipients are stored as
//!   sent. Mail that leaves the organization loses its item class and MAPI
//!   properties, as it does in Exchange's MIME conversion. As on Exchange, a sent
//!   message's response carries no item id; a saved one's does.
//! - **`FindItem`** in a distinguished folder (of the acting mailbox, or the
//!   `t:Mailbox` given), either with an `IsEqualTo` restriction (and `And`/`Or` of
//!   them) on an extended property, `item:Subject` or `item:ItemClass`, or without
//!   restriction, sorted (`m:SortOrder` on `item:DateTimeCreated` or `item:Subject`)
//!   and paged (`m:IndexedPageItemView`, `IndexedPagingOffset`, `TotalItemsInView`,
//!   `IncludesLastItemInRange`): the way clients read the newest items of a big
//!   folder without a scan. Requested extended properties, `item:DateTimeCreated` and
//!   `item:IsSubmitted` are returned. With
//!   [`TestServerBuilder::restriction_scan_limit`], a restricted `FindItem` in a
//!   folder holding more items times out with `ErrorTimeoutExpired` (KB 3077710:
//!   restrictions are not cached, each one is computed over the whole folder).
//!   **`GetItem`** reads items back (body included); **`DeleteItem`** does
//!   `HardDelete`, `SoftDelete` and `MoveToDeletedItems`; deleting a message that
//!   waits for submission cancels it.
//! - **Mailboxes without Conversation History**
//!   ([`TestServerBuilder::mailbox_without_conversation_history`]): the folder
//!   clients create for themselves is missing, and `CreateItem` saving to it,
//!   `FindItem` and `GetFolder` on it answer `ErrorFolderNotFound` ("The specified
//!   folder could not be found in the store.", Exchange's answer for a
//!   distinguished folder the mailbox lacks, as exchangelib issue #374 shows).
//! - **What other clients open a mailbox with** (exchangelib, the EWS Managed
//!   API): **`GetFolder`** on distinguished folders (and `root`, `msgfolderroot`),
//!   with `FolderId`, `DisplayName`, `TotalCount`, `ChildFolderCount` and
//!   `UnreadCount`; the folder ids it hands out work wherever a folder is named.
//!   **`ResolveNames`** finds a mailbox by SMTP address (`ErrorNameResolutionNoResults`
//!   otherwise); **`GetServerTimeZones`** knows UTC; **`FindFolder`** lists the
//!   tree (`root` > `msgfolderroot` > the distinguished folders, with parent ids),
//!   paged, without restrictions. **`UpdateItem`** sets
//!   `item:ItemClass` (any other change is refused item by item). The tests drive
//!   it with exchangelib 5.6.0.
//! - **The acting mailbox** is the `ExchangeImpersonation` address if sent, else the
//!   Basic user name when it is an SMTP address, else the message's `From`.
//! - **Refusals as on Exchange**: elements out of schema order, unknown enumeration
//!   values, missing required parts and broken XML get an `ErrorSchemaValidation`
//!   SOAP fault (HTTP 500); `conversationhistory` with a `RequestServerVersion` older
//!   than Exchange2013 (or none) gets an `ErrorInvalidServerVersion` fault; an
//!   operation it does not implement (`SyncFolderItems`, `GetAttachment`, ...) gets
//!   an `ErrorInvalidRequest` fault, "The request is invalid.", as Exchange 2019
//!   refuses a request it will not serve (replies quoted in exchangelib issue #927
//!   and ews-javascript-api issue #441). exchangelib reads that code as a version mismatch
//!   and retries with other versions, so its final error is about versions:
//!   [`TestServer::requests`] shows the operation. Sending to a
//!   hosted address that has no mailbox (on-demand creation off) fails that item
//!   with `ErrorInvalidRecipients` at once, where Exchange would accept it and bounce
//!   it later.
//! - **Authentication**: off by default; with [`TestServerBuilder::basic_user`] or
//!   [`TestServerBuilder::bearer_token`] every request must carry one of them, and
//!   anything else (none, wrong, Negotiate, NTLM) gets 401 with `WWW-Authenticate`.
//! - **A Microsoft Entra ID token endpoint**, `POST /{tenant}/oauth2/v2.0/token`
//!   ([`TestServerBuilder::entra_app`], [`TestServer::entra_authority`]): the
//!   client-credentials grant with a client secret or a client assertion signed
//!   with a registered certificate, Entra's answers and AADSTS error bodies, a
//!   configurable token lifetime, throttling ([`TokenFault`]); it records the
//!   requests ([`TestServer::token_requests`]) and the tokens it issued
//!   ([`TestServer::issued_tokens`]). With an app registered, EWS requests
//!   need one of its tokens issued for `https://outlook.office365.com/.default`.
//! - **Fault injection** ([`Faults`]): whole-request [`Fault`]s (busy fault with
//!   `BackOffMilliseconds`, 503 with `Retry-After`, 401, connection closed before or
//!   after the request is committed, delays, malformed replies, and the ones below)
//!   and per-item [`ItemFault`]s (`ErrorServerBusy`, `ErrorInvalidRecipients`,
//!   `ErrorNonExistentMailbox`, `ErrorQuotaExceeded`, `ErrorInternalServerError`),
//!   scripted or mixed at random from a seed. Faults that model Exchange's own
//!   behaviour:
//!   - [`Fault::SlowCommit`]: the items are committed one by one over a given time,
//!     on a task independent of the connection, so a client that times out and
//!     disconnects does not stop them (Exchange limits one batch to about a minute
//!     and runs on after the client gives up).
//!   - [`Fault::CommitWithoutSubmit`]: the 2016 Drafts bug: sent messages stay in
//!     `drafts`, `IsSubmitted` false, never delivered; the reply is lost.
//!   - [`Fault::InternalServerError`] and [`ItemFault::InternalServerError`]:
//!     `ErrorInternalServerError`, optionally hiding `ErrorServerBusy` and a back-off
//!     in `MessageXml` (`InnerErrorResponseCode`), as Exchange hides throttling.
//! - **Inspection**: [`TestServer::folder`], [`TestServer::mailbox`],
//!   [`TestServer::outbound`], [`TestServer::cancelled`],
//!   [`TestServer::pending_submissions`], [`TestServer::requests`] (every request and
//!   its status), [`TestServer::injected_faults`]. They are instantaneous snapshots:
//!   call [`TestServer::idle`] first.
//!
//! # Microsoft Graph
//! The same mailboxes answer Microsoft Graph below [`TestServer::graph_url`]
//! (`/v1.0`), so one test can mix EWS and Graph clients. Each endpoint cites
//! Microsoft's reference in the source:
//! - `POST /users/{id}/messages` and `.../mailFolders/{folder}/messages`: a draft
//!   (201, `isDraft` true); `singleValueExtendedProperties` are kept, `String
//!   0x001A` as the item class (whether Exchange Online keeps it is unverified,
//!   see [`graph`](crate::graph)); a property `message` does not have is refused
//!   (400 `RequestBodyRead`).
//! - `POST .../messages/{id}/send`: 202, then the asynchronous submission below
//!   (the draft waits in `drafts` marked submitted; the copy goes to
//!   `sentitems`); sending a message that is not an unsent draft is 400.
//! - `GET .../messages` (all folders) and `.../mailFolders/{folder}/messages` with
//!   `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`,
//!   `$select`, `$top` (default 10; more matches than that are refused, paging
//!   is not modelled) and `$expand=singleValueExtendedProperties($filter=id eq
//!   '…' or …)`, where `Integer 0x0E07` gives `PidTagMessageFlags`
//!   (`mfSubmitted`, `mfUnsent`).
//! - `DELETE .../messages/{id}` (204; to `deleteditems`, a pending submission
//!   cancelled), `POST .../messages/{id}/move` (201, a new id), `GET
//!   .../mailFolders/{folder}` (404 `ErrorFolderNotFound` for a mailbox without
//!   `conversationhistory`).
//! - `POST /$batch`: up to 20 requests, `dependsOn` (424 when a dependency
//!   failed), answers in reverse order, each request counted against the
//!   per-mailbox limit.
//! - Graph's error bodies (`{"error":{"code","message","innerError"}}`), a
//!   `Bearer` token checked in one function (any non-empty token unless
//!   [`TestServerBuilder::bearer_token`] sets one; 401
//!   `InvalidAuthenticationToken`), and Outlook's 4 concurrent requests per
//!   mailbox ([`TestServerBuilder::graph_mailbox_concurrency`]: the fifth gets
//!   429 `ApplicationThrottled` with `Retry-After`).
//! - The same [`Fault`]s: `ServerBusyFault` is 429 with `Retry-After` (whole
//!   seconds), `ServiceUnavailable` 503, `InternalServerError` 500,
//!   `GatewayTimeout` 504 after the work, `CloseAfterCommit` and
//!   `CommitWithoutSubmit` lose the reply after the work, and per-recipient
//!   [`ItemFault`]s answer a create.
//!
//! # Order of events
//! Exchange submits sent mail asynchronously (Microsoft Graph docs, "things to know
//! about send mail"; the 2016 Drafts bug shows the same on-premises), and so does
//! this server. For `CreateItem` with `SendAndSaveCopy` or `SendOnly`:
//! 1. The message is created in the sender's `drafts` with `IsSubmitted` true and a
//!    creation time ([`StoredItem::created`]); `FindItem` and `GetItem` see it there.
//! 2. The reply is sent (without an item id, as on Exchange).
//! 3. After the submission lag ([`TestServerBuilder::submission_lag`], default
//!    20 ms to 200 ms, drawn from the seed) the transport, a background task of the
//!    server, picks it up: each local recipient gets a copy in `inbox`, mail for other
//!    organizations goes to [`TestServer::outbound`], and the sender's draft moves to
//!    `SavedItemFolderId` under a new id, keeping its creation time
//!    (`SendAndSaveCopy`), or goes away (`SendOnly`). The draft's old id then answers
//!    `ErrorItemNotFound`.
//!
//! A `DeleteItem` of the draft before step 3 cancels the submission: nothing is
//! delivered, and the draft is listed by [`TestServer::cancelled`]. A zero lag
//! (`submission_lag(Duration::ZERO, Duration::ZERO)`) runs step 3 inside the
//! request, before step 2. [`TestServer::idle`] waits until every accepted request is
//! fully applied (slow commits included) and every message was picked up;
//! [`TestServer::pending_submissions`] counts those still waiting.
//!
//! The server runs on the tokio runtime that started it. With a blocking client,
//! use a multi-threaded runtime (`#[tokio::test(flavor = "multi_thread")]`) so the
//! server keeps running while the test thread waits.
//!
//! Its replies carry `t:ServerVersionInfo` and are valid against the EWS schema.
//! Only `t:Message` items are understood; elements of `t:Message` it does not store
//! are checked for order and skipped.
//!
//! # Independent of the client, on purpose
//! The server reads requests and writes replies with an EWS grammar of its own
//! (its own quick-xml front-end, request parsers and reply writer). It shares none
//! of the client's XML reader, escaper or request writer, deliberately: a test
//! server built on the client's code would agree with the client's bugs instead of
//! catching them. It uses only the crate's EWS vocabulary (folder names, body
//! types), which is data, not parsing.

mod builder;
mod dispatch;
mod entra;
mod entra_assertion;
mod error;
mod faults;
mod graph_batch;
mod graph_gate;
mod graph_http;
mod graph_json;
mod graph_ops;
mod graph_route;
mod http;
mod http_reply;
mod op_create;
mod op_mailbox;
mod op_query;
mod op_update;
mod props;
mod record;
mod rng;
mod server;
mod soap_in;
mod soap_in_item;
mod soap_in_other;
mod soap_in_query;
mod soap_in_update;
mod soap_in_view;
mod soap_out;
mod store;
mod submit;
mod xml;

pub use crate::ews::BodyType;
pub use builder::{
    DEFAULT_MAX_REQUEST_BYTES, DEFAULT_SEED, DEFAULT_SUBMISSION_LAG_MAX,
    DEFAULT_SUBMISSION_LAG_MIN, TestServerBuilder,
};
pub use entra::{
    AppCredential, DEFAULT_ENTRA_TOKEN_LIFETIME, IssuedToken, TokenFault, TokenRequest,
};
pub use error::TestServerError;
pub use faults::{Fault, Faults, InjectedFault, ItemFault};
pub use graph_gate::GRAPH_MAILBOX_CONCURRENCY;
pub use props::{ExtendedFieldUri, ExtendedProperty, PropertyValue};
pub use record::RecordedRequest;
pub use server::TestServer;
pub use store::{Mailbox, Recipient, StoredItem};

#[doc(no_inline)]
pub use crate::ews::Folder;
