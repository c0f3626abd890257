//! Autodiscover: find a mailbox's EWS URL from its SMTP address, safely.
//!
//! On-premises Exchange tells clients where EWS lives through Autodiscover.
//! [`Autodiscover::discover`] tries, for `kim@contoso.com`, in this order
//! ([`plan`] lists them):
//!
//! 1. SOAP, then POX Autodiscover at `https://contoso.com/autodiscover/...`;
//! 2. the same at `https://autodiscover.contoso.com/autodiscover/...`;
//! 3. an unauthenticated `GET` on `http://autodiscover.contoso.com/autodiscover/autodiscover.xml`,
//!    used only for the HTTPS redirect it may answer with;
//! 4. the DNS SRV record `_autodiscover._tcp.contoso.com`, then POX at each target.
//!
//! Answers may redirect to another Autodiscover URL (`redirectUrl`, SOAP
//! `RedirectUrl`, HTTP 3xx) or another address (`redirectAddr`, SOAP
//! `RedirectAddress`, which starts the plan over for that address's domain,
//! provided that domain is the user's, below it, or allow-listed; otherwise the
//! redirect is refused and the plan goes on).
//! The first EWS URL found wins and is cached.
//!
//! # Safety rules
//!
//! Autodiscover sends the user's credentials, so before every request:
//!
//! - **HTTPS only.** Only the redirect probe goes over plain HTTP, without
//!   credentials and without a body; the URL it redirects to is checked like
//!   any other.
//! - **Credentials only to the user's domain** (`contoso.com` and the names below
//!   it) or to domains allowed with [`AutodiscoverBuilder::allow_host`]. Any
//!   other host, from a redirect or an SRV record, is refused and receives
//!   nothing at all.
//! - **Never a host built from a public suffix.** A single-label name (`com`) or
//!   `autodiscover.` + a single label (`autodiscover.com`) is always refused,
//!   even when allow-listed. The crate ships no public-suffix list; add the
//!   multi-label suffixes your users sit under (`co.uk`) with
//!   [`AutodiscoverBuilder::refuse_suffix`]. The planner itself only ever builds
//!   `<domain>` and `autodiscover.<domain>`, never a parent of the domain.
//! - **Bounded redirects**: at most [`DEFAULT_MAX_REDIRECTS`] (10) in one
//!   discovery, counting all kinds, and never the same URL or address twice.
//! - The EWS URL returned must be `https://` and not a public-suffix host; its
//!   host need not be in the user's domain, since an allowed host vouched for it
//!   in an authenticated answer.
//!
//! When nothing works, [`AutodiscoverError`] lists every step tried and what came
//! of it (refused and why, unreachable, HTTP status, server error, ...), never a
//! secret.
//!
//! # The pieces
//!
//! Pure, synchronous, always available: the planner ([`plan`], [`Step`]), the
//! rules ([`HostRules`], [`is_allowed_host`], [`public_suffix_refusal`]), the
//! request writers and response readers ([`write_pox_request`],
//! [`read_pox_response`], [`write_soap_request`], [`read_soap_response`] giving
//! an [`Answer`]). The I/O goes through two traits, so tests and callers control
//! it: the crate's one HTTP seam, [`Transport`](crate::transport::Transport)
//! (the same trait the EWS sender uses; every Autodiscover request names its
//! own URL, and the redirect probe goes
//! [`without_credentials`](crate::transport::Request::without_credentials)),
//! and [`SrvResolver`]. By default (feature `http`) Autodiscover builds its
//! transport from [`AutodiscoverBuilder::credentials`]: an
//! [`HttpTransport`](crate::transport::HttpTransport) for Basic and Bearer, an
//! `NtlmTransport` for NTLM and Negotiate (features `ntlm`, `kerberos`), whose
//! connections are authenticated per host with the service principal
//! `HTTP/<that host>`. Give [`AutodiscoverBuilder::transport`] your own instead
//! (with the credentials inside it) for full control.
//!
//! **SRV lookups** go through [`UdpSrvResolver`] by default (feature `http`): a
//! small DNS client asking the name servers of `/etc/resolv.conf` over UDP,
//! rather than a full resolver (hickory-resolver), a heavy dependency for the
//! last, rarely needed step. It has limits, by design: UDP only (a truncated
//! answer is an error), no DNSSEC validation, no search domains, no CNAME
//! following. Implement [`SrvResolver`] over the resolver your application
//! already has, use [`StaticSrvResolver`] for known records, or
//! [`NoSrvResolver`] to skip the step.
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "http")]
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use offline_im::autodiscover::{Autodiscover, Credentials};
//! use offline_im::transport::HttpTransport;
//!
//! let autodiscover = Autodiscover::builder()
//!     .credentials(Credentials::basic("kim@contoso.com", "password"))
//!     .build()?;
//! let endpoint = autodiscover.discover(&"kim@contoso.com".parse()?).await?;
//! let transport = HttpTransport::builder(endpoint.url().clone())
//!     .basic("kim@contoso.com", "password")
//!     .build()?;
//! # let _ = transport;
//! # Ok(())
//! # }
//! ```

mod answer;
mod cache;
mod client;
#[cfg(feature = "http")]
mod dns;
#[cfg(feature = "http")]
mod dns_wire;
mod endpoint;
mod error;
mod plan;
mod pox;
mod run;
mod safety;
mod soap;
mod srv;

/// The crate's one credentials type ([`crate::transport::Credentials`]),
/// re-exported where Autodiscover's users look for it.
pub use crate::transport::Credentials;
pub use crate::xml::namespaces::{
    GET_USER_SETTINGS_ACTION, POX_REQUEST_NAMESPACE, POX_RESPONSE_SCHEMA,
    SOAP_AUTODISCOVER_NAMESPACE,
};
pub use answer::Answer;
pub use client::{
    Autodiscover, AutodiscoverBuilder, DEFAULT_CACHE_TTL, DEFAULT_MAX_REDIRECTS,
    DEFAULT_MAX_RESPONSE_BYTES,
};
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use dns::UdpSrvResolver;
pub use endpoint::EwsEndpoint;
pub use error::{Attempt, AttemptOutcome, AutodiscoverBuildError, AutodiscoverError};
pub use plan::{Protocol, Step, plan};
pub use pox::{read_pox_response, write_pox_request};
pub use safety::{HostRules, Refusal, is_allowed_host, public_suffix_refusal};
pub use soap::{read_soap_response, write_soap_request};
pub use srv::{
    NoSrvResolver, SrvError, SrvRecord, SrvResolver, StaticSrvResolver, order_srv_records,
};
