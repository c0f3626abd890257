//! Transport: moves one HTTP request to a server and brings the reply back; the
//! one HTTP seam of the crate, shared by the EWS sender and Autodiscover (and
//! open to JSON APIs).
//!
//! This is the only stage of the crate that does I/O. Everything before it writes the
//! SOAP envelope; everything after it reads the reply. A transport sees bytes and a
//! few routing facts ([`Request`]: the method, the URL when it is not the
//! transport's endpoint, the content type, extra headers, whether to send
//! credentials), and returns the HTTP status, the `Retry-After` wait, the
//! `Location` and `Content-Type` headers and the body ([`Reply`]), whatever the
//! status; no transport follows a redirect. [`EwsRequest`] and [`EwsReply`] are
//! the same types under their older names. When no reply
//! came back it returns a [`TransportError`], which says in particular whether the
//! request may have reached the server ([`TransportError::outcome_unknown`]): the
//! sending pipeline must then check before resending, or a message could be
//! delivered twice.
//!
//! # The pieces
//!
//! - [`Transport`]: the trait (`async`, `Send` futures). [`DynTransport`] is its
//!   object-safe companion for `dyn` use; every `Transport` is a `DynTransport`, and
//!   `Box`/`Arc<dyn DynTransport>` are `Transport`s again.
//! - [`HttpTransport`] (feature `http`, on by default): HTTPS on reqwest, with Basic
//!   or Bearer authentication ([`TokenProvider`] for tokens that expire), timeouts,
//!   a connection pool, never following redirects, never showing a secret in `Debug`,
//!   errors or logs.
//!   With the `native-tls` feature it uses the platform's TLS library instead of
//!   rustls. Without `http`, the traits, the values and `RecordingTransport` remain.
//! - [`NtlmTransport`] (feature `ntlm`): NTLMv2 authentication for on-premises
//!   Exchange, on connections it keeps authenticated (see its module docs for
//!   the connection model and the cost).
//! - With the `kerberos` feature, `NtlmTransport::negotiate` authenticates
//!   the same way with Negotiate and a Kerberos ticket (`NegotiateCredentials`;
//!   see the `negotiate` module).
//! - [`Credentials`]: the crate's one credentials type (Basic, Bearer, NTLM,
//!   Negotiate), taken by Autodiscover and by
//!   [`HttpTransportBuilder::credentials`] (Basic, Bearer).
//! - [`RecordingTransport`]: sends nothing, answers from a script (and, past it, as
//!   an Exchange that accepts everything) and records every request, for testing
//!   code that uses a transport. [`fake`] has the reply builders and says what a
//!   transport must return.
//!
//! # Using `HttpTransport`
//!
//! ```
//! # #[cfg(feature = "http")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use offline_im::transport::{EwsRequest, HttpTransport, Transport};
//!
//! let transport = HttpTransport::builder("https://mail.contoso.com/EWS/Exchange.asmx".parse()?)
//!     .basic("CONTOSO\\kim", std::env::var("EWS_PASSWORD").unwrap_or_default())
//!     .timeout(Duration::from_secs(60))
//!     .build()?;
//!
//! let request = EwsRequest::new("CreateItem", "<soap:Envelope>...</soap:Envelope>")
//!     .anchor_mailbox("kim@contoso.com".parse()?)
//!     .client_request_id(uuid::Uuid::new_v4());
//! # let _ = async move {
//! match transport.send(request).await {
//!     Ok(reply) => println!("HTTP {}: {} bytes", reply.status, reply.body.len()),
//!     Err(err) if err.outcome_unknown() => eprintln!("{err}: check before resending"),
//!     Err(err) => eprintln!("{err}"),
//! }
//! # };
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "http"))]
//! # fn main() {}
//! ```
//!
//! Plain `http://` endpoints are refused unless [`HttpTransportBuilder::allow_http`]
//! is set, which exists for tests against a loopback server.
//!
//! # Writing a transport
//!
//! Implement [`Transport`]: send `request.body` unchanged with its method, to its
//! URL (or your endpoint), without credentials when
//! [`anonymous`](Request::anonymous) is set; return every HTTP status as
//! a [`Reply`] (redirects too, never followed), and map failures to the [`TransportError`] constructors, taking
//! care to say whether the request may have been sent ([`fake`] lists what the
//! sender does with each answer). Serializing and parsing SOAP are not a
//! transport's job. A fake for tests answers with the [`fake`] builders:
//!
//! ```
//! use offline_im::transport::fake::exchange_accepting_everything;
//! use offline_im::transport::{EwsReply, EwsRequest, Transport, TransportError};
//!
//! /// An Exchange that accepts everything, refusing empty requests.
//! struct Accepting;
//!
//! impl Transport for Accepting {
//!     async fn send(&self, request: EwsRequest) -> Result<EwsReply, TransportError> {
//!         if request.body.is_empty() {
//!             return Err(TransportError::invalid_request());
//!         }
//!         Ok(exchange_accepting_everything(&request))
//!     }
//! }
//! ```

mod credentials;
mod error;
pub mod fake;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "kerberos")]
pub mod negotiate;
#[cfg(feature = "ntlm")]
pub(crate) mod ntlm;
mod recording;
mod redacted_url;
mod reply;
mod request;
mod retry_after;
mod traits;

pub use credentials::Credentials;
pub use error::TransportError;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use http::{
    DEFAULT_USER_AGENT, HttpTransport, HttpTransportBuilder, TokenError, TokenProvider,
    TransportBuildError,
};
#[cfg(feature = "kerberos")]
#[cfg_attr(docsrs, doc(cfg(feature = "kerberos")))]
pub use negotiate::{NegotiateCredentials, NegotiateCredentialsError};
#[cfg(feature = "ntlm")]
#[cfg_attr(docsrs, doc(cfg(feature = "ntlm")))]
pub use ntlm::{NtlmCredentials, NtlmCredentialsError, NtlmTransport, NtlmTransportBuilder};
pub use recording::RecordingTransport;
pub use reply::{EwsReply, Reply};
pub use request::{EwsRequest, JSON_CONTENT_TYPE, Method, Request, SOAP_CONTENT_TYPE};
pub use retry_after::RetryAfter;
/// How the crate keeps every secret it is given (passwords, tokens): `Debug`
/// shows `[REDACTED]`, and the memory is zeroed when dropped.
pub use secrecy::SecretString;
pub use traits::{BoxedSend, DynTransport, Transport};

#[cfg(feature = "http")]
pub(crate) use http::connection::{Connection, connection_setters};
pub(crate) use redacted_url::redacted_url;
