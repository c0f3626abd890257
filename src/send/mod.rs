//! Send: deliver many offline IMs in as few EWS requests as possible, and say
//! what happened to each.
//!
//! A [`Sender`] plans every message with the [`Planner`](crate::plan::Planner)
//! (policy and routing: denied and blocked messages never reach the network),
//! groups the allowed ones by sender mailbox, disposition and folder, packs them
//! into `CreateItem` batches (100 by default), and keeps a bounded number of
//! requests in flight (8 by default). Every message gets exactly one
//! [`DeliveryReport`], in input order: delivered, denied, blocked, failed or
//! deferred, with a [`Failure`] that says what kind of trouble it met
//! ([`FailureKind`]), Exchange's code and the underlying error.
//!
//! # Exchange's budget
//!
//! Exchange 2013 and later allow 27 concurrent EWS requests per account by
//! default (`EWSMaxConcurrency`; it was 10 in Exchange 2010). Requests made with
//! `ExchangeImpersonation` count against the *service account's* budget, not the
//! impersonated user's, so every sender of one service shares the service
//! account's 27: keep [`SenderBuilder::concurrency`] (default 8) well below it
//! when several processes share an account. (Exchange Online removed the
//! `ApplicationImpersonation` role in 2025; this crate's home is Exchange Server
//! on-premises, where it remains.)
//!
//! # Retries and throttling
//!
//! Transient trouble is retried with capped exponential back-off and jitter
//! ([`RetryPolicy`]) until the message's deadline (120 s from its first attempt);
//! then it is [`Outcome::Deferred`]. The server's word always wins: a wait named
//! by `BackOffMilliseconds` or `Retry-After` is never cut short. When it is longer
//! than [`RetryPolicy::max_server_delay`] or ends after the deadline, the message
//! is deferred at once with the server's time as [`Failure::retry_at`] (and a
//! spool keeps it until then), rather than retried early. A permanent per-message
//! error fails that message only; messages that succeeded are never sent again.
//!
//! | Exchange says | the sender |
//! |---|---|
//! | `ErrorServerBusy` (SOAP fault or per item), HTTP 429/503 | waits what the server asks (`BackOffMilliseconds`, `Retry-After` in seconds or as a date), then retries; defers when that is too long |
//! | `ErrorInternalServerError` whose `MessageXml` has `InnerErrorResponseCode` | acts on the inner code (throttling hides there, with its back-off) |
//! | `ErrorInternalServerError` without inner code, per item | retries the item up to [`RetryPolicy::internal_error_retries`] times, then fails it |
//! | `ErrorInternalServerError` without inner code, as a SOAP fault | treats the request as a lost reply (the server may have failed half-way), counted against the same limit |
//! | any other code [`ResponseCode::is_transient`](crate::ews::ResponseCode::is_transient) names | retries with back-off |
//! | any other code | fails the message ([`FailureKind::Rejected`] or [`FailureKind::Unauthorized`]) |
//! | HTTP 502/504, a timeout, a connection lost after the request was written, an unreadable or contradictory reply | outcome unknown: looks before anything is sent again (below) |
//! | connection refused, request not sent | retries: nothing reached Exchange |
//!
//! # Exactly once
//!
//! Every message carries its delivery id as an extended property. Exchange
//! submits asynchronously: `CreateItem` creates the message in the sender's
//! Drafts and returns; its transport submits it afterwards, and only then do the
//! recipients get it and does the sender's copy move to its saved folder. And a
//! request the client gave up on runs on in Exchange for up to its execution
//! limit (about a minute). So when a request's outcome is unknown the sender
//! looks for its messages, newest items first (never a folder-wide restriction,
//! which Exchange runs as a store scan), in Drafts and in the saved folder:
//!
//! | found | the sender |
//! |---|---|
//! | in the saved folder | reports it delivered (`duplicate_avoided`) |
//! | in Drafts, submitted | leaves it alone and looks again until it has left Drafts (delivered), for up to [`RetryPolicy::draft_grace`] after the request ended; then defers it ([`FailureKind::InSubmission`]): neither deleted nor sent again |
//! | in Drafts, not submitted, past the grace period | deletes the abandoned draft, then sends again |
//! | nowhere | looks again until Exchange must have finished the request (its start plus [`RetryPolicy::execution_limit`], at once when the server did answer); then, missed twice in a row, sends again |
//!
//! The guarantee, per [`Disposition`](crate::plan::Disposition), as tested
//! against the embedded server's model of Exchange (asynchronous submission,
//! batches that go on committing after the client disconnects, drafts never
//! submitted, every reply-losing fault):
//!
//! | disposition | after a lost reply | guarantee |
//! |---|---|---|
//! | `SendAndSaveCopy` (default) | look, then resend what is missing | exactly once |
//! | `SaveOnly` | look in the folder the item was saved to | exactly once |
//! | `SendOnly` | look in Drafts; a message never seen there is reported failed, not resent | at most once; messages drained from a spool (or passed to [`Sender::resume_all`]) are sent again without a look, so at least once there |
//!
//! Limits: the guarantee rests on Exchange finishing a request within
//! `execution_limit` (set it higher if your servers are configured otherwise), on
//! the sender's copy keeping its delivery-id property, and on the server's clock
//! being within ten minutes of the sender's (the look stops reading a folder at
//! items created ten minutes before the request; a message resumed from a spool
//! has no such bound and is looked for through a few pages, then with a
//! restriction). A message the deadline
//! catches while it is unsure is [`Outcome::Deferred`]
//! ([`FailureKind::OutcomeUnknown`] or [`FailureKind::InSubmission`]), never
//! resent blindly: [`Sender::resume_all`] and [`Sender::drain`] look first.
//!
//! # No drafts left behind
//!
//! Messages are created and sent in one `CreateItem` (never `SaveOnly` then
//! `SendItem`). As a second line of defence against the 2016 Exchange bug that
//! filled senders' Drafts folders, after failed and uncertain messages the sender
//! deletes their drafts that Exchange never submitted. A submitted draft is a
//! message in flight and is never deleted.
//!
//! # A mailbox without Conversation History
//!
//! `conversationhistory` is made by the clients that use it, so a sender who
//! never ran Lync or Skype for Business may not have it, and Microsoft documents
//! no way to create a distinguished folder through EWS (see
//! [`MissingHistoryFolder`] for the sources and what is inferred). Exchange
//! answers such a `CreateItem` item by item with `ErrorFolderNotFound` and
//! creates nothing. The sender then:
//!
//! | [`MissingHistoryFolder`] | the messages | later batches for that mailbox |
//! |---|---|---|
//! | `FallBackToSentItems` (default) | sent again at once, the copy saved to `sentitems` | go straight to `sentitems`: no second discovery |
//! | `Fail` | failed ([`FailureKind::Rejected`], `ErrorFolderNotFound`) | failed without a request |
//!
//! [`DeliveryReport::saved_folder`] names the folder each delivered message's
//! copy was saved to. Resending is safe: nothing was created. A look for
//! messages that may exist (a lost reply, a resumed spool) that meets the
//! missing folder switches to the fallback the same way and looks there, so a
//! message saved to Sent Items by an earlier process is found, not sent twice.
//! The memory lasts as long as the [`Sender`]: a folder created meanwhile is
//! used by the next `Sender`.
//!
//! # The sender's own copy
//!
//! Exchange saves the sender's copy with the class it was sent with:
//! `IPM.Note.Microsoft.Missed` for a same-organization IM, which Outlook lists
//! under Missed Conversations. [`SenderCopyClass::Restamp`] sets those copies to
//! `IPM.Note.Microsoft.Conversation` after the batch, with one `UpdateItem` per
//! batch, touching only copies found in the saved folder (see
//! [`SenderCopyClass`] for the evidence and what is unverified). It never
//! creates, sends or deletes an item and the copies keep their delivery id, so
//! exactly-once is unaffected; a copy it cannot find or update keeps its class
//! and the report is unchanged. The default is [`SenderCopyClass::SameAsSent`].
//!
//! # Sending later
//!
//! [`Sender::spool_all`] hands messages to a [`Spool`](crate::spool::Spool)
//! instead of sending them, and [`Sender::drain`] delivers what is due, with the
//! same batching, retries and exactly-once check, recording each outcome in the
//! spool (see [`spool`](crate::spool) for the History Spooler itself).
//! [`Sender::drain_due`] (one pass) and [`Sender::drain_until_empty`] (passes
//! until nothing is due) do it in one call, for now and with the default
//! schedule. A message spooled with SfB's two-minute pickup delay is not due
//! before then, so an early drain returns nothing.
//!
//! [`Sender::serve`] is the long-running delivery service over a spool: passes
//! while messages are due, sleeps until the next one is, stops cleanly on a
//! shutdown signal (the pass in flight is finished and recorded), and reports
//! its counts ([`ServiceStats`], [`ServiceMonitor`], `tracing` fields).
//! [`SenderBuilder::per_sender_concurrency`] keeps one busy sender from taking
//! every request slot.
//!
//! # Exchange Online: Microsoft Graph
//!
//! A sender whose profile says `mailbox = "exchange_online"` is served through
//! Microsoft Graph with the transport given to [`SenderBuilder::graph`] (EWS in
//! Exchange Online is blocked for most tenants and shuts down on 2027-04-01);
//! everyone else through EWS. Planning, policy, routing, reports and the spool
//! are the same. Without a Graph transport such a sender's messages fail with
//! [`FailureKind::NoGraphBackend`]: never sent over EWS, never dropped.
//!
//! Per message the backend creates the message in the sender's Drafts (the
//! delivery id and the class as single-value extended properties, see
//! [`graph`](crate::graph)), then `send`s it (202; Exchange Online submits
//! afterwards and keeps the copy in Sent Items, as `send` has no folder
//! parameter). When the plan keeps the copy in Conversation History, the
//! backend waits for it in Sent Items and moves it there;
//! [`DeliveryReport::saved_folder`] says where each copy ended (Sent Items when
//! the mailbox has no Conversation History, or the copy did not appear within
//! [`RetryPolicy::draft_grace`]). `SendOnly` cannot avoid the Sent Items copy
//! through `send`; it is reported as saved there.
//!
//! **Exactly once** uses the EWS path's state machine unchanged: after a lost
//! reply, a 500 or a 502/504, the backend looks the delivery ids up
//! (`$filter` on the extended property, one id per request) in Drafts, then in
//! Sent Items and Conversation History. A draft marked submitted
//! (`PidTagMessageFlags` `mfSubmitted`, read as `Integer 0x0E07`; unknown flags
//! count as submitted) is waited for; a draft still unsubmitted once the request
//! that may have made it is over is *sent*, never created a second time (past
//! [`RetryPolicy::draft_grace`] it is deleted and sent anew, as on EWS); a
//! message found nowhere, twice, is created again.
//!
//! **Throttling.** Every Graph request waits for one of its mailbox's slots
//! ([`SenderBuilder::graph_mailbox_concurrency`], default
//! [`GRAPH_MAILBOX_CONCURRENCY`], Outlook's 4 concurrent requests per app per
//! mailbox), so the default never meets that limit. 429 and 503 with
//! `Retry-After` are waited out and retried (a throttled `send` of a draft is
//! retried in place, up to 3 times and 5 s; longer, the message goes to the
//! look). Outlook's 10,000 requests per 10 minutes per mailbox are counted
//! too ([`SenderBuilder::graph_mailbox_budget`], default
//! [`GRAPH_MAILBOX_REQUESTS`] per [`GRAPH_MAILBOX_WINDOW`]): a request over the
//! budget is not sent; a wait under a second is made, a longer one is handled
//! as a 429 with that `Retry-After` (the message waits, or is deferred as
//! [`FailureKind::Throttled`] with its `retry_at`). At two to five requests per
//! message that is about 3 to 8 messages a second per sender mailbox,
//! sustained. `$batch` is not used: each of its requests counts against
//! the same 4 slots, and a `send` needs the id its `create` returns.
//!
//! Not done for Graph: [`SenderCopyClass::Restamp`] (it is EWS's `UpdateItem`;
//! Graph copies keep the class they were sent with) and impersonation settings
//! (Graph acts on `/users/{sender}` with the app's own permission,
//! `Mail.ReadWrite` and `Mail.Send`).
//!
//! # Observability
//!
//! `tracing`: a `create_item_batch` span per batch (mailbox, size) and events per
//! attempt (response code, back-off); the transport adds one span per request.
//! Message text and credentials are never logged.

mod batch;
mod copy_class;
mod drain;
mod drain_all;
mod error;
mod exchange;
mod failure;
mod graph_api;
mod graph_exchange;
mod history_folder;
mod lookup;
mod options;
mod recover;
mod report;
mod request;
mod retry;
mod sender;
mod serve;
mod settle;

pub use copy_class::SenderCopyClass;
pub use drain::DrainPass;
pub use drain_all::DEFAULT_DRAIN_LIMIT;
pub use error::SenderBuildError;
#[allow(deprecated)]
pub use error::SenderError;
pub use failure::{Failure, FailureKind};
pub use graph_api::{
    GRAPH_MAILBOX_CONCURRENCY, GRAPH_MAILBOX_REQUESTS, GRAPH_MAILBOX_WINDOW, GRAPH_ROOT,
};
pub use history_folder::MissingHistoryFolder;
pub use options::MailboxAccess;
pub use report::{DeliveryReport, Outcome, Summary};
#[doc(hidden)]
pub use request::write_create_item_for_plans;
pub use retry::RetryPolicy;
pub use sender::{Sender, SenderBuilder};
pub use serve::{DEFAULT_IDLE_POLL, ServeOptions, ServiceMonitor, ServiceStats};
