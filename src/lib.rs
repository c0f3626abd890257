//! Deliver Skype for Business style *offline instant messages* into Exchange mailboxes.
//!
//! When a Skype for Business (SfB) user writes to someone who is offline, the
//! sender's client puts the conversation into the recipient's Exchange mailbox
//! through Exchange Web Services (EWS): inside one organization as a *missed
//! conversation* (item class `IPM.Note.Microsoft.Missed`), to a federated
//! organization as plain mail. This crate does the same as a library.
//!
//! # Quick start: decide
//!
//! ```
//! use offline_im::compose::{ImLine, OfflineIm, Participant};
//! use offline_im::settings::Settings;
//! use time::macros::datetime;
//!
//! let settings = Settings::from_toml_str(r#"
//!     [organization]
//!     sip_domains = ["contoso.com"]
//!     allow_federated_users = true
//!     allowed_domains = [{ domain = "fabrikam.com" }]
//!
//!     [[policies.external_access_policies]]
//!     scope = "Global"
//!     enable_federation_access = true
//! "#)?;
//! let planner = settings.planner().build();
//!
//! let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim Akers");
//! let ann = Participant::new("sip:ann@fabrikam.com".parse()?, "ann@fabrikam.com".parse()?, "Ann Beebe");
//! let im = OfflineIm::builder()
//!     .sender(kim.clone())
//!     .recipient(ann)
//!     .line(ImLine::new(kim.sip().clone(), datetime!(2026-03-02 09:15 UTC), "The contract is signed."))
//!     .build()?;
//!
//! let decision = planner.decide(&im, &settings.sender(kim.sip()))?;
//! let plan = decision.plan().expect("fabrikam.com is a federated partner");
//! assert_eq!(plan.item_class().as_str(), "IPM.Note"); // federated: plain mail
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The journey of one message, module by module
//!
//! | module | stage |
//! |---|---|
//! | [`address`] | SIP URIs, SMTP addresses and domains, validated and normalized once |
//! | [`settings`] | the organization, its policies and sender profiles, from TOML/JSON or PowerShell output ([`powershell`]) |
//! | [`policy`] | may this sender use offline IM at all (`EnableOfflineIM`, `EnableIMAutoArchiving`, client build)? |
//! | [`route`] | same organization, federated, or blocked, and why |
//! | [`compose`] | the message: subject, HTML transcript, plain text, size cap, XML-safe text |
//! | [`plan`] | the decision, and for allowed messages the [`plan::DeliveryPlan`] |
//! | [`ews`] | the SOAP envelopes Exchange accepts, and what its replies mean |
//!
//! Everything above is synchronous and does no I/O. Then:
//!
//! | module | stage |
//! |---|---|
//! | [`transport`] | moves one SOAP request to Exchange and back: the [`transport::Transport`] trait, `HttpTransport`, a recording transport for tests |
//! | [`send`] | the pipeline: plans, batches, sends with bounded concurrency, retries, checks before resending, reports every message |
//! | [`spool`] | the History Spooler: messages kept on disk until they can be delivered |
//! | [`autodiscover`] | finds a mailbox's EWS URL from its SMTP address (SOAP and POX Autodiscover, with the safety rules) |
//! | `testkit` | an embedded EWS mailbox server for tests and the examples (feature `testkit`) |
//!
//! # Quick start: send
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! # let settings = offline_im::settings::Settings::from_toml_str("[organization]\nsip_domains = [\"contoso.com\"]")?;
//! # let im: offline_im::compose::OfflineIm = unimplemented!();
//! use offline_im::send::Sender;
//! use offline_im::transport::HttpTransport;
//!
//! let transport = HttpTransport::builder("https://mail.contoso.com/EWS/Exchange.asmx".parse()?)
//!     .basic("svc-offline-im@contoso.com", "password")
//!     .build()?;
//! let sender = Sender::from_settings(transport, settings).build()?;
//! let report = sender.send(im).await;
//! println!("{report}"); // delivered, denied, blocked, failed or deferred
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `http` | yes | `transport::HttpTransport`, EWS over HTTPS with reqwest and rustls, and `autodiscover::HttpFetcher` |
//! | `native-tls` | no | the platform's TLS library instead of rustls |
//! | `ntlm` | no | `transport::NtlmTransport`: NTLMv2 (Windows authentication) for on-premises Exchange |
//! | `testkit` | no | `testkit::TestServer`, an embedded EWS mailbox server with fault injection |
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod autodiscover;
pub mod compose;
pub mod ews;
pub mod plan;
pub mod policy;
pub mod powershell;
pub mod route;
pub mod send;
pub mod settings;
pub mod spool;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;
pub mod transport;
