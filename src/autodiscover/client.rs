//! `Autodiscover`: the client, its builder and its defaults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::cache::Cache;
use super::srv::DynSrvResolver;
use super::{
    AutodiscoverBuildError, AutodiscoverError, Credentials, EwsEndpoint, Protocol, SrvResolver,
};
use crate::address::{Domain, SmtpAddress};
use crate::transport::{DynTransport, Transport};

/// The default limit on redirects in one discovery (Exchange's documentation
/// asks clients to stop after 10).
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

/// The default time a discovered endpoint is cached: 24 hours.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(24 * 3600);

/// The largest Autodiscover answer read: 1 MiB (answers are a few KiB); a
/// larger one is an unreadable answer.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The timeout of one request of the default transport: 20 s.
#[cfg(feature = "http")]
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Finds the EWS URL of a mailbox from its SMTP address.
///
/// Build one with [`Autodiscover::builder`]; clones share the cache. See the
/// [module documentation](super) for the steps and the safety rules.
#[derive(Clone)]
pub struct Autodiscover {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) transport: Arc<dyn DynTransport>,
    pub(crate) resolver: Arc<dyn DynSrvResolver>,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) allowed: Vec<Domain>,
    pub(crate) refused_suffixes: Vec<Domain>,
    pub(crate) max_redirects: usize,
    pub(crate) cache_ttl: Duration,
    pub(crate) protocols: Vec<Protocol>,
    pub(crate) prefer_internal: bool,
    pub(crate) cache: Cache,
}

impl Autodiscover {
    /// Starts building a client; see [`AutodiscoverBuilder`] for the defaults.
    pub fn builder() -> AutodiscoverBuilder {
        AutodiscoverBuilder::default()
    }

    /// Finds the EWS endpoint for `address`, from the cache while its entry
    /// lasts.
    ///
    /// # Errors
    /// An [`AutodiscoverError`] listing every step tried and what came of it.
    pub async fn discover(&self, address: &SmtpAddress) -> Result<EwsEndpoint, AutodiscoverError> {
        let inner = &*self.inner;
        if let Some(hit) = inner.cache.get(address, Instant::now()) {
            tracing::debug!(address = %address, url = %hit.url, "Autodiscover cache hit");
            return Ok(hit);
        }
        let (endpoint, ttl_cap) = super::run::discover(inner, address).await?;
        let ttl = ttl_cap.map_or(inner.cache_ttl, |cap| cap.min(inner.cache_ttl));
        inner
            .cache
            .put(address.clone(), endpoint.clone(), ttl, Instant::now());
        Ok(endpoint)
    }

    /// Forgets the cached endpoint of `address` (after its EWS URL stopped
    /// working, say).
    pub fn forget(&self, address: &SmtpAddress) {
        self.inner.cache.forget(Some(address));
    }

    /// Forgets every cached endpoint.
    pub fn clear_cache(&self) {
        self.inner.cache.forget(None);
    }
}

impl fmt::Debug for Autodiscover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Autodiscover")
            .field("credentials", &inner.credentials)
            .field("allowed", &inner.allowed)
            .field("refused_suffixes", &inner.refused_suffixes)
            .field("max_redirects", &inner.max_redirects)
            .field("cache_ttl", &inner.cache_ttl)
            .field("protocols", &inner.protocols)
            .field("prefer_internal", &inner.prefer_internal)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Autodiscover`] client. Setters never fail; [`build`](Self::build)
/// checks everything.
///
/// | setting | default |
/// | --- | --- |
/// | [`credentials`](Self::credentials) | none: requests go unauthenticated (Exchange will answer 401) |
/// | [`allow_host`](Self::allow_host) | nothing: only hosts within the user's own domain |
/// | [`refuse_suffix`](Self::refuse_suffix) | nothing beyond the built-in rule (single labels, `autodiscover.<single label>`) |
/// | [`max_redirects`](Self::max_redirects) | [`DEFAULT_MAX_REDIRECTS`] (10) |
/// | [`cache_ttl`](Self::cache_ttl) | [`DEFAULT_CACHE_TTL`] (24 h); an SRV-found endpoint at most the record's TTL |
/// | [`protocols`](Self::protocols) | SOAP, then POX, at each host |
/// | [`prefer_internal`](Self::prefer_internal) | false: the external EWS URL first |
/// | [`transport`](Self::transport) | built from [`credentials`](Self::credentials) and the settings below (feature `http`): [`HttpTransport`](crate::transport::HttpTransport) for Basic and Bearer, `NtlmTransport` for NTLM and Negotiate |
/// | `timeout`, `connect_timeout` | 20 s per request, 10 s to connect (default transport only) |
/// | `user_agent` | [`DEFAULT_USER_AGENT`](crate::transport::DEFAULT_USER_AGENT) (default transport only) |
/// | `resolve` | none: DNS decides (default transport only) |
/// | `trust_only_root_der` | none: the platform's trusted certificates (default transport only) |
/// | [`resolver`](Self::resolver) | [`UdpSrvResolver::system`](super::UdpSrvResolver::system) (feature `http`): the servers of `/etc/resolv.conf`; without the feature, [`NoSrvResolver`](super::NoSrvResolver) |
///
/// ```
/// # #[cfg(feature = "http")]
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use offline_im::autodiscover::{Autodiscover, Credentials};
///
/// let autodiscover = Autodiscover::builder()
///     .credentials(Credentials::basic("CONTOSO\\svc-offline-im", "password"))
///     .allow_host("contoso-hosting.net")
///     .refuse_suffix("co.uk")
///     .max_redirects(5)
///     .cache_ttl(Duration::from_secs(3600))
///     .build()?;
/// # let _ = async move {
/// let endpoint = autodiscover.discover(&"kim@contoso.com".parse()?).await?;
/// println!("EWS at {}", endpoint.url());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # };
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "http"))]
/// # fn main() {}
/// ```
#[must_use]
pub struct AutodiscoverBuilder {
    credentials: Option<Credentials>,
    allowed: Vec<String>,
    refused: Vec<String>,
    max_redirects: usize,
    cache_ttl: Duration,
    protocols: Vec<Protocol>,
    prefer_internal: bool,
    transport: Option<Arc<dyn DynTransport>>,
    /// The default transport's timeouts, User-Agent, name overrides and roots.
    #[cfg(feature = "http")]
    connection: crate::transport::Connection,
    resolver: Arc<dyn DynSrvResolver>,
}

impl Default for AutodiscoverBuilder {
    fn default() -> Self {
        Self {
            credentials: None,
            allowed: Vec::new(),
            refused: Vec::new(),
            max_redirects: DEFAULT_MAX_REDIRECTS,
            cache_ttl: DEFAULT_CACHE_TTL,
            protocols: vec![Protocol::Soap, Protocol::Pox],
            prefer_internal: false,
            transport: None,
            #[cfg(feature = "http")]
            connection: crate::transport::Connection::new(DEFAULT_TIMEOUT),
            resolver: default_resolver(),
        }
    }
}

impl AutodiscoverBuilder {
    /// The credentials sent to Autodiscover hosts, only ever to hosts within
    /// the user's domain or allow-listed: Basic, Bearer, NTLM (feature `ntlm`)
    /// or Negotiate (feature `kerberos`). The default transport is built with
    /// them; with [`transport`](Self::transport), give them to that transport
    /// instead (both together fail `build()`).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Also allows `domain` and every host below it to receive requests and
    /// credentials (a hosting provider's Autodiscover server, say). Repeatable.
    pub fn allow_host(mut self, domain: impl Into<String>) -> Self {
        self.allowed.push(domain.into());
        self
    }

    /// Refuses `suffix` and `autodiscover.<suffix>` as public suffixes, in
    /// addition to the built-in rule; for multi-label public suffixes your users
    /// live under, like `co.uk`. Repeatable.
    pub fn refuse_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.refused.push(suffix.into());
        self
    }

    /// The most redirects (HTTP, URL and address, all counted) one discovery
    /// follows. Default: [`DEFAULT_MAX_REDIRECTS`].
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.max_redirects = max;
        self
    }

    /// How long a discovered endpoint is cached. Default: [`DEFAULT_CACHE_TTL`].
    /// Zero disables the cache.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// The protocols tried at each host, in order. Default: SOAP, then POX.
    pub fn protocols(mut self, protocols: impl IntoIterator<Item = Protocol>) -> Self {
        self.protocols = protocols.into_iter().collect();
        self
    }

    /// Prefer the internal EWS URL over the external one. Default: false.
    pub fn prefer_internal(mut self, prefer: bool) -> Self {
        self.prefer_internal = prefer;
        self
    }

    /// The transport every Autodiscover request goes through, holding the
    /// credentials, instead of the default one. Each request names its own URL
    /// (the transport's endpoint is never used), is sent only to hosts the
    /// safety rules allow, and the redirect probe goes
    /// [`without_credentials`](crate::transport::Request::without_credentials).
    /// A [`RecordingTransport`](crate::transport::RecordingTransport) or your
    /// own fake makes discovery testable without a network.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The SRV resolver. Default: [`UdpSrvResolver::system`](super::UdpSrvResolver::system)
    /// with feature `http`, otherwise [`NoSrvResolver`](super::NoSrvResolver) (which finds nothing).
    pub fn resolver(mut self, resolver: impl SrvResolver + 'static) -> Self {
        self.resolver = Arc::new(resolver);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`AutodiscoverBuildError`]: an allow-listed host or refused suffix that
    /// is not a domain name, an empty protocol list, a transport given with
    /// credentials or settings only the default transport uses, no transport
    /// (without the `http` feature), or a default transport that could not be
    /// built (credentials or settings it refuses).
    pub fn build(self) -> Result<Autodiscover, AutodiscoverBuildError> {
        let domains = |setting, values: Vec<String>| {
            values
                .into_iter()
                .map(|value| {
                    Domain::parse(&value).map_err(|err| AutodiscoverBuildError::InvalidDomain {
                        setting,
                        rule: err.to_string(),
                        value,
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let allowed = domains("allow_host", self.allowed)?;
        let refused_suffixes = domains("refuse_suffix", self.refused)?;
        if self.protocols.is_empty() {
            return Err(AutodiscoverBuildError::NoProtocol);
        }
        let transport = match self.transport {
            Some(transport) => {
                if self.credentials.is_some() {
                    return Err(AutodiscoverBuildError::TransportWithSettings {
                        setting: "credentials",
                    });
                }
                #[cfg(feature = "http")]
                if self.connection != crate::transport::Connection::new(DEFAULT_TIMEOUT) {
                    return Err(AutodiscoverBuildError::TransportWithSettings {
                        setting: "connection",
                    });
                }
                transport
            }
            #[cfg(feature = "http")]
            None => default_transport(self.credentials.as_ref(), self.connection)?,
            #[cfg(not(feature = "http"))]
            None => return Err(AutodiscoverBuildError::NoTransport),
        };
        Ok(Autodiscover {
            inner: Arc::new(Inner {
                transport,
                resolver: self.resolver,
                credentials: self.credentials,
                allowed,
                refused_suffixes,
                max_redirects: self.max_redirects,
                cache_ttl: self.cache_ttl,
                protocols: self.protocols,
                prefer_internal: self.prefer_internal,
                cache: Cache::default(),
            }),
        })
    }
}

#[cfg(feature = "http")]
fn default_resolver() -> Arc<dyn DynSrvResolver> {
    Arc::new(super::UdpSrvResolver::system())
}

#[cfg(not(feature = "http"))]
fn default_resolver() -> Arc<dyn DynSrvResolver> {
    Arc::new(super::NoSrvResolver)
}

#[cfg(feature = "http")]
impl AutodiscoverBuilder {
    crate::transport::connection_setters!();
}

/// The default transport: `NtlmTransport` for Windows credentials,
/// `HttpTransport` for the rest (and for none).
#[cfg(feature = "http")]
fn default_transport(
    credentials: Option<&Credentials>,
    connection: crate::transport::Connection,
) -> Result<Arc<dyn DynTransport>, AutodiscoverBuildError> {
    // Every Autodiscover request names its URL, so the endpoint is never used:
    // `.invalid` is reserved (RFC 6761) and never resolves.
    const UNUSED: &str = "https://autodiscover.invalid/";
    let unused =
        url::Url::parse(UNUSED).map_err(|_| crate::transport::TransportBuildError::NoHost {
            url: UNUSED.to_owned(),
        })?;
    #[cfg(feature = "ntlm")]
    if let Some(account) = credentials.and_then(Credentials::windows) {
        let transport = crate::transport::NtlmTransportBuilder::new(unused, account.clone())
            .with_connection(connection)
            .build()?;
        return Ok(Arc::new(transport));
    }
    let mut builder = crate::transport::HttpTransport::builder(unused).with_connection(connection);
    if let Some(credentials) = credentials {
        builder = builder.credentials(credentials);
    }
    Ok(Arc::new(builder.build()?))
}

impl fmt::Debug for AutodiscoverBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutodiscoverBuilder")
            .field("credentials", &self.credentials)
            .field("allowed", &self.allowed)
            .field("refused", &self.refused)
            .field("max_redirects", &self.max_redirects)
            .field("cache_ttl", &self.cache_ttl)
            .field("protocols", &self.protocols)
            .field("prefer_internal", &self.prefer_internal)
            .field("transport", &self.transport.as_ref().map(|_| "custom"))
            .finish_non_exhaustive()
    }
}
