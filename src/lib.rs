//! Deliver Skype for Business style *offline instant messages* into Exchange mailboxes.
//!
//! When a Skype for Business (SfB) user writes to someone who is offline, the
//! sender's client puts the conversation into the recipient's Exchange mailbox
//! through Exchange Web Services (EWS): inside one organization as a *missed
//! conversation* (item class `IPM.Note.Microsoft.Missed`), to a federated
//! organization as plain mail. This crate does the same, as a library: it decides
//! whether each message may go (the administrator's policies and federation
//! rules), builds it, sends it in as few EWS requests as possible, never delivers
//! it twice, and keeps what cannot go yet.
//!
//! # Quick start
//!
//! ```toml
//! [dependencies]
//! offline-im = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//!
//! [dev-dependencies]
//! offline-im = { version = "0.1", features = ["testkit"] }
//! ```
//!
//! Send two offline IMs to the embedded EWS server (feature `testkit`; point
//! [`HttpTransport`] at your Exchange server instead) and look at what arrived:
//!
//! ```
//! # #[cfg(all(feature = "testkit", feature = "http"))]
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use offline_im::prelude::*;
//! use offline_im::testkit::TestServer;
//!
//! // Contoso's settings: its SIP domain, federation with Fabrikam.
//! let settings = Settings::from_toml_str(r#"
//!     [organization]
//!     sip_domains = ["contoso.com"]
//!     allow_federated_users = true
//!     allowed_domains = [{ domain = "fabrikam.com" }]
//!     [[policies.external_access_policies]]
//!     scope = "Global"
//!     enable_federation_access = true
//! "#)?;
//!
//! // An Exchange stand-in on 127.0.0.1, and a transport to it.
//! let server = TestServer::builder().hosted_domain("contoso.com").start().await?;
//! let transport = HttpTransport::builder(server.url().parse()?).allow_http(true).build()?;
//! let sender = Sender::from_settings(transport, settings).build()?;
//!
//! let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim Akers");
//! let im = |to: &str, name: &str| -> Result<OfflineIm, Box<dyn std::error::Error>> {
//!     Ok(OfflineIm::builder()
//!         .sender(kim.clone())
//!         .recipient(Participant::new(format!("sip:{to}").parse()?, to.parse()?, name))
//!         .line(ImLine::new(kim.sip().clone(), OffsetDateTime::now_utc(), "Are you free at 3?"))
//!         .build()?)
//! };
//! let reports = sender.send_all([im("pat@contoso.com", "Pat")?, im("ann@fabrikam.com", "Ann")?]).await;
//! for report in &reports {
//!     println!("{report}"); // pat@contoso.com (same organization, IPM.Note.Microsoft.Missed): delivered [...]
//! }
//! assert!(reports.iter().all(|report| report.outcome.is_delivered()));
//!
//! // Exchange submits after it replies: wait for its transport, then look.
//! server.idle().await;
//! // Same organization: a missed conversation in Pat's inbox.
//! let inbox = server.folder(&"pat@contoso.com".parse()?, Folder::Inbox);
//! assert_eq!(inbox[0].item_class(), "IPM.Note.Microsoft.Missed");
//! // Federated: plain mail leaving Contoso. Kim keeps both in Conversation History.
//! assert_eq!(server.outbound()[0].item_class(), "IPM.Note");
//! assert_eq!(server.folder(&"kim@contoso.com".parse()?, Folder::ConversationHistory).len(), 2);
//! # Ok(()) }
//! # #[cfg(not(all(feature = "testkit", feature = "http")))]
//! # fn main() {}
//! ```
//!
//! To test your own code without a server, [`transport::RecordingTransport`]
//! answers as an Exchange that accepts everything and lets you script what goes
//! wrong ([`transport::fake`]).
//!
//! # The model in one screen
//!
//! One message passes through one module per stage; everything up to [`ews`] is
//! synchronous and does no I/O.
//!
//! | stage | module | decides or does |
//! |---|---|---|
//! | settings | [`settings`], [`powershell`] | organization, policies, sender profiles, from TOML/JSON or `Get-Cs* \| ConvertTo-Json` |
//! | policy | [`policy`] | may the sender use offline IM at all: `EnableOfflineIM`, `EnableIMAutoArchiving` (tag > site > global, whole objects), client build |
//! | routing | [`route`] | same organization, federated (allow list or partner discovery) or blocked, with the reason |
//! | message | [`compose`] | subject, HTML transcript, text, XML-safe characters, size cap |
//! | decision | [`plan`] | deliver with a [`plan::DeliveryPlan`] (item class, `SendAndSaveCopy`, copy in `conversationhistory`), or denied with every reason |
//! | wire | [`ews`] | schema-valid SOAP envelopes; typed replies, faults and the transient/permanent code table |
//! | wire (Exchange Online) | [`graph`] | Microsoft Graph JSON bodies, `$filter` and `$batch`, typed Graph errors (no transport or backend yet) |
//! | transport | [`transport`] | moves bytes: `HttpTransport`, `NtlmTransport`, your own [`transport::Transport`] |
//! | sender | [`send`] | batches, concurrency, retries, the exactly-once check, no drafts, one report per message |
//! | spool | [`spool`] | the History Spooler: durable, crash-safe "send later" with the two-minute pickup |
//!
//! [`address`] holds the validated atoms (SIP URIs, SMTP addresses, domains);
//! [`autodiscover`] finds the EWS URL from an address; `testkit` is the embedded
//! EWS server for tests.
//!
//! # Guarantees
//!
//! - **What is retried**: `ErrorServerBusy` (fault or per item, also hidden in
//!   `ErrorInternalServerError` as its inner code), the other transient codes of
//!   [`ews::ResponseCode`], HTTP 429/503, other 5xx and connection failures, with
//!   capped exponential back-off and jitter until a per-message deadline; then
//!   the message is reported deferred. The server's `BackOffMilliseconds` or
//!   `Retry-After` is always waited in full; one too long for the deadline defers
//!   the message with the server's time ([`send::Failure::retry_at`]). Permanent
//!   errors fail their message only.
//! - **Exactly once** with `SendAndSaveCopy` (the default) and `SaveOnly`, against
//!   Exchange as it behaves: it submits after replying (a sent message sits in
//!   Drafts meanwhile) and finishes a request the client gave up on. After a lost
//!   reply the sender looks for the delivery ids in Drafts and the saved folder
//!   (newest items first, never a folder scan), leaves messages in submission
//!   alone, concludes "not created" only once Exchange must have finished the
//!   request ([`send::RetryPolicy::execution_limit`]), and only then sends again.
//!   `SendOnly` keeps no copy: a message whose outcome stays unknown is reported
//!   failed, not resent (at most once). A message the deadline catches while its
//!   outcome is unknown is deferred, never resent blindly.
//! - **No drafts left behind**: messages are created and sent in one request;
//!   drafts Exchange never submitted (the 2016 bug) are deleted after failures.
//!   A submitted draft is a message in flight and is never deleted.
//! - **Nothing lost**: every message handed to a [`send::Sender`] gets exactly one
//!   report; a spooled message is delivered or becomes a dead letter with its
//!   reason, whatever crashes in between.
//! - **Secrets** never appear in `Debug`, `Display`, errors or logs.
//!
//! # Limits
//!
//! - EWS in Exchange Online is blocked for most tenants since 2026-10-01 and shuts
//!   down on 2027-04-01; this crate targets Exchange Server (Subscription Edition)
//!   on-premises. Exchange Online mailboxes need Microsoft Graph: its wire layer
//!   ([`graph`]) and app-only authentication with Microsoft Entra ID (feature
//!   `entra`, `transport::EntraTokenProvider`) exist; a transport and a backend
//!   for the [`Sender`] do not yet.
//! - Windows authentication is NTLMv2 only (feature `ntlm`); Negotiate/Kerberos is
//!   not provided (see [`transport`]).
//! - There is no way to know whether a recipient can receive offline IMs, as in SfB.
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `http` | yes | `transport::HttpTransport` (EWS over HTTPS with reqwest and rustls) and the transport Autodiscover builds from its credentials |
//! | `native-tls` | no | the platform's TLS library instead of rustls |
//! | `ntlm` | no | `transport::NtlmTransport`: NTLMv2 (Windows authentication) for on-premises Exchange |
//! | `entra` | no | `transport::EntraTokenProvider`: app-only tokens from Microsoft Entra ID (client secret or certificate) for Exchange Online |
//! | `testkit` | no | `testkit::TestServer`, an embedded EWS mailbox server with fault injection |
//! | `postgres` | no | `spool::PgSpool`: the spool in PostgreSQL, shared by drainers on several hosts |
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod autodiscover;
pub mod compose;
mod delivery_id;
pub mod ews;
pub mod graph;
pub mod plan;
pub mod policy;
pub mod powershell;
pub mod prelude;
pub mod route;
pub mod send;
pub mod settings;
pub mod spool;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;
pub mod transport;

pub use compose::{ImLine, OfflineIm, Participant};
pub use plan::Folder;
pub use send::{DeliveryReport, Outcome, Sender, Summary};
pub use settings::Settings;
/// The `time` crate, whose [`OffsetDateTime`](time::OffsetDateTime) the API takes
/// ([`ImLine::new`], [`Sender::spool_all`], [`Sender::drain`]).
pub use time;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use transport::HttpTransport;

mod xml;
