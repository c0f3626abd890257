//! Negotiate (SPNEGO) with Kerberos for on-premises Exchange (feature `kerberos`).
//!
//! [`NtlmTransport::negotiate`](crate::transport::NtlmTransport::negotiate)
//! builds a transport that authenticates its connections with a Kerberos
//! ticket for the service principal `HTTP/<host>`, wrapped in SPNEGO and sent
//! under the `Negotiate` scheme, as Windows clients do. It shares everything
//! else with NTLM: connections it keeps authenticated, the handshake on an
//! empty `POST` so that the mail goes only to a server that accepted the
//! ticket, and a new handshake when an authenticated connection answers 401.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use offline_im::transport::{EwsRequest, NegotiateCredentials, NtlmTransport, Transport};
//!
//! // After `kinit svc-offline-im@CONTOSO.COM`, or with KRB5_CLIENT_KTNAME=/etc/offline-im.keytab:
//! let transport = NtlmTransport::negotiate(
//!     "https://mail.contoso.com/EWS/Exchange.asmx".parse()?,
//!     NegotiateCredentials::default_credentials(),
//! )
//! .build()?;
//! let reply = transport
//!     .send(EwsRequest::new("CreateItem", "<soap:Envelope>...</soap:Envelope>"))
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! # What happens on a new connection
//!
//! | step | client | server |
//! | --- | --- | --- |
//! | 0 | `POST` without credentials, `Content-Length: 0` | `401` with `WWW-Authenticate: Negotiate` (and often `NTLM`): which schemes it offers |
//! | 1 | gets a service ticket for `HTTP/<host>` from the KDC (cached by the Kerberos library); `POST` with `Authorization: Negotiate <AP-REQ>`, `Content-Length: 0` | `200` with `WWW-Authenticate: Negotiate <AP-REP>`: the server proved it holds the service key |
//! | 2, 3, ... | the SOAP requests | the replies |
//!
//! **Mutual authentication is checked**: a connection is used only once the
//! server's final token completes the context. A server that accepts the
//! ticket without proving its own identity gets no request; the transport
//! returns an error for which [`is_auth`](crate::transport::TransportError::is_auth)
//! is true.
//!
//! **NTLM fallback.** When the server answers the Negotiate token with a 401
//! that offers `NTLM` and not `Negotiate` (a server outside the domain, or
//! Kerberos switched off), the connection authenticates with NTLMv2 instead,
//! as the same account: this needs the password
//! ([`NegotiateCredentials::password`]). With credentials from a cache or a
//! keytab there is no password, and the transport says so in its error.
//!
//! **Errors that name the cause.** A wrong password, an unknown principal, an
//! expired ticket, a clock too far from the KDC's (Kerberos allows 5 minutes by
//! default) or a service principal the KDC does not know stop the handshake
//! before the request is sent (only the empty probe went out): the [`TransportError`](crate::transport::TransportError)
//! carries the Kerberos library's own words ("Preauthentication failed",
//! "Client not found in Kerberos database", "Clock skew too great", ...). A
//! ticket the server refuses comes back as the server's 401
//! [`EwsReply`](crate::transport::EwsReply), as refused NTLM credentials do.
//!
//! **Autodiscover** takes the same credentials:
//! `autodiscover::Credentials::negotiate(NegotiateCredentials::default_credentials())`
//! sends each Autodiscover request on a connection authenticated this way, with
//! the principal `HTTP/<host>` of each Autodiscover URL.
//!
//! # The service principal
//!
//! By default `HTTP/<host>` with the host of the endpoint's URL, given to the
//! Kerberos library as a host-based service name (`HTTP@host`): the realm comes
//! from `[domain_realm]` in `krb5.conf` or from the KDC's referrals, and MIT
//! Kerberos canonicalizes the host name through DNS unless
//! `dns_canonicalize_hostname = false`. Behind a load balancer or a CNAME the
//! account that holds the `HTTP` SPN may not match the URL's host: set it with
//! [`service_principal`](crate::transport::NtlmTransportBuilder::service_principal)
//! (`HTTP/mail.contoso.com`, or with the realm: `HTTP/mail.contoso.com@CONTOSO.COM`).
//!
//! # Channel bindings and Extended Protection
//!
//! Over TLS every token carries the `tls-server-end-point` channel binding of
//! the server's certificate (RFC 5929), for NTLM and Kerberos alike. Exchange
//! checks it where Extended Protection for Authentication is on; Microsoft's
//! recommended configuration ("Configure Windows Extended Protection in
//! Exchange Server", learn.microsoft.com) sets:
//!
//! | virtual directory | setting | what it means here |
//! | --- | --- | --- |
//! | EWS, front end (the URL clients use) | `Allow` | a binding, when sent, must match the certificate the server presented; a token without one is accepted |
//! | EWS, back end (behind the front end, port 444) | `Require` | only the front end proxies there; clients never connect to it |
//! | Autodiscover | `None` | the binding is not checked |
//!
//! So a correct binding always passes, and a wrong one fails even where the
//! setting is only `Allow`. A binding is wrong when something between this
//! client and Exchange terminates TLS with a certificate of its own (a
//! TLS-inspecting proxy or a load balancer that re-encrypts): the binding then
//! names that certificate, not the one Exchange checks against. For that case
//! [`channel_bindings(false)`](crate::transport::NtlmTransportBuilder::channel_bindings)
//! sends none: accepted by directories set to `Allow` or `None`, refused where
//! one is set to `Require`.
//!
//! # Why `libgssapi`
//!
//! The two maintained Rust bindings are `libgssapi` and `cross-krb5`.
//! `cross-krb5` wraps `libgssapi` on Unix (and SSPI on Windows) behind a
//! simpler interface, but that interface takes no channel bindings, which
//! Extended Protection needs, and no password for the initiator. `libgssapi`
//! exposes both (`gss_init_sec_context` with `gss_channel_bindings_struct`,
//! `gss_acquire_cred_with_password`), and SPNEGO as the mechanism. It links the
//! system's GSSAPI (MIT Kerberos or Heimdal; Debian: `libkrb5-dev`) and builds
//! its bindings with bindgen, so building the feature needs libclang too. On
//! Windows a client would use SSPI instead; this feature is for Unix.
//!
//! The Kerberos library may ask the KDC over the network; those calls run on
//! tokio's blocking threads, never on the runtime's workers.

mod credentials;
mod initiator;

pub use credentials::{NegotiateCredentials, NegotiateCredentialsError};
pub(crate) use initiator::{Initiator, ServicePrincipal};
