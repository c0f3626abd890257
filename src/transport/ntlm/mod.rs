//! NTLMv2 authentication for on-premises Exchange (feature `ntlm`).
//!
//! The EWS virtual directory of Exchange Server authenticates with Windows
//! authentication by default: NTLM or Negotiate (Kerberos). [`NtlmTransport`]
//! speaks NTLMv2 over HTTP/1.1 with TLS, with the account as `DOMAIN\user`,
//! `user@domain` or user and domain ([`NtlmCredentials`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use offline_im::transport::{EwsRequest, NtlmCredentials, NtlmTransport, Transport};
//!
//! let credentials = NtlmCredentials::parse(
//!     "CONTOSO\\kim",
//!     std::env::var("EWS_PASSWORD")?,
//! )?;
//! let transport = NtlmTransport::builder(
//!     "https://mail.contoso.com/EWS/Exchange.asmx".parse()?,
//!     credentials,
//! )
//! .max_connections(4)
//! .build()?;
//!
//! let reply = transport
//!     .send(EwsRequest::new("CreateItem", "<soap:Envelope>...</soap:Envelope>"))
//!     .await?;
//! if reply.status == 401 {
//!     eprintln!("the server refused the credentials");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # The connection is what gets authenticated
//!
//! NTLM authenticates a TCP connection, not a request, so `NtlmTransport` keeps
//! a set of connections that completed the handshake, one request on each at a
//! time, and a request is sent on one of them with no `Authorization` header.
//! A pool that picks any connection for any request (as `reqwest`'s does) would
//! send requests on connections that never authenticated, so this transport uses
//! hyper's connection-level client and keeps its own pool.
//!
//! The handshake runs on empty POSTs, and the SOAP request goes only on a
//! connection already authenticated:
//!
//! | round trip | client sends | server answers |
//! | --- | --- | --- |
//! | 1 | `POST` with `Authorization: NTLM <NEGOTIATE>`, `Content-Length: 0` | `401`, `WWW-Authenticate: NTLM <CHALLENGE>` |
//! | 2 | `POST` with `Authorization: NTLM <AUTHENTICATE>`, `Content-Length: 0` | anything but 401: authenticated |
//! | 3, 4, ... | the SOAP requests, one after another | the replies |
//!
//! **Cost:** two extra round trips (and the domain controller's check of the
//! response) for each new connection, none for a reused one. With the default of
//! 8 connections kept up to 60 s idle, a busy sender pays it rarely. Sending the
//! body with the AUTHENTICATE message would save one round trip per new
//! connection, but would send the mail to a server that may refuse the
//! credentials, and a second time after a refusal; this transport does not.
//!
//! # NTLM messages
//!
//! The messages are written here, with RustCrypto's MD4, MD5 and HMAC: the
//! complete, maintained Rust implementation (`sspi`) needs Rust 1.93 (this crate
//! supports 1.89) and brings a large dependency tree, while the client side of
//! NTLMv2 is a few hundred lines. They are tested against the NTLMv2 example
//! of MS-NLMP section 4.2.4 (NTOWFv2, NTProofStr, LMv2 response, session base
//! key) and against a real acceptor (`pyspnego`) on loopback. Only NTLMv2 is offered: no LM, no NTLMv1. Every
//! AUTHENTICATE carries a MIC, the target name `HTTP/<host>` and, over TLS, the
//! `tls-server-end-point` channel binding of the server's certificate, which
//! Exchange's Extended Protection for Authentication checks. No signing or
//! sealing is negotiated (HTTPS protects the traffic), hence no key exchange.
//!
//! # Negotiate and Kerberos
//!
//! With the `kerberos` feature, `NtlmTransport::negotiate` uses the same
//! connections and handshake rules with a Kerberos ticket under `Negotiate`
//! (see the `transport::negotiate` module). Without it, a server
//! offering only `Negotiate` is sent the NTLM token under that scheme, which
//! Windows accepts; only a server that disabled NTLM altogether needs Kerberos.
//!
//! # What is not supported
//!
//! - Proxies: connections go straight to the endpoint (`HTTPS_PROXY` is
//!   ignored).
//! - The `native-tls` feature: TLS is always rustls, with the platform's
//!   certificate verifier (or only the roots given to
//!   [`NtlmTransportBuilder::trust_only_root_der`]).
//! - HTTP/2: connections speak HTTP/1.1, which IIS uses for Windows
//!   authentication anyway.

pub(crate) mod account;
mod auth_header;
mod builder;
mod channel_binding;
mod client;
mod connection;
mod credentials;
mod crypto;
mod handshake;
mod message;
mod origin;
#[cfg(feature = "kerberos")]
mod spnego;
mod transport;

pub use builder::NtlmTransportBuilder;
pub use credentials::{NtlmCredentials, NtlmCredentialsError};
pub use transport::NtlmTransport;
