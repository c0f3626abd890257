//! Configuring an [`EntraTokenProvider`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::provider::{Credential, EntraTokenProvider, Inner};
use super::{AssertionAlgorithm, ClientCertificate};

/// The public cloud's authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// The default scope: Microsoft Graph with the application permissions granted
/// to the app.
pub const DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

/// The default margin: a token is renewed when less than this is left of its life.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The default timeout of one token request.
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// A setting [`EntraTokenProviderBuilder::build`] refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EntraBuildError {
    /// Neither [`client_secret`](EntraTokenProviderBuilder::client_secret) nor
    /// [`certificate`](EntraTokenProviderBuilder::certificate) was given.
    #[error("no client credential: give a client secret or a certificate")]
    NoCredential,
    /// The tenant is not a tenant id (GUID) or domain.
    #[error("tenant {tenant:?} is not usable: {rule}")]
    InvalidTenant {
        /// The value given.
        tenant: String,
        /// The rule.
        rule: &'static str,
    },
    /// The client id is empty or has characters no application id has.
    #[error("client id {client_id:?} is not usable: {rule}")]
    InvalidClientId {
        /// The value given.
        client_id: String,
        /// The rule.
        rule: &'static str,
    },
    /// The scope is not `<resource>/.default`.
    #[error(
        "scope {scope:?} is not usable: the client-credentials grant takes one \
         `<resource>/.default` scope (e.g. {DEFAULT_SCOPE})"
    )]
    InvalidScope {
        /// The value given.
        scope: String,
    },
    /// The authority is not `https://` (or `http://` with `allow_http`), or has
    /// a query, fragment or credentials.
    #[error("authority {authority} is not usable: {rule}")]
    InvalidAuthority {
        /// The value given (without credentials).
        authority: String,
        /// The rule.
        rule: &'static str,
    },
    /// A zero timeout.
    #[error("the token request timeout must be more than zero")]
    ZeroTimeout,
    /// The HTTP client could not be set up.
    #[error("the HTTP client could not be set up: {0}")]
    HttpClient(String),
}

/// Configures an [`EntraTokenProvider`]; made by [`EntraTokenProvider::builder`].
///
/// Defaults: authority [`DEFAULT_AUTHORITY`], scope [`DEFAULT_SCOPE`], client
/// assertions signed [`AssertionAlgorithm::Ps256`], renewal
/// [`DEFAULT_REFRESH_MARGIN`] before expiry, a request timeout of
/// [`DEFAULT_TOKEN_TIMEOUT`], `https://` only.
#[must_use]
pub struct EntraTokenProviderBuilder {
    tenant: String,
    client_id: String,
    credential: Option<Credential>,
    algorithm: AssertionAlgorithm,
    scope: String,
    authority: Option<Url>,
    allow_http: bool,
    refresh_margin: Duration,
    timeout: Duration,
}

impl EntraTokenProviderBuilder {
    pub(crate) fn new(tenant: String, client_id: String) -> Self {
        Self {
            tenant,
            client_id,
            credential: None,
            algorithm: AssertionAlgorithm::default(),
            scope: DEFAULT_SCOPE.to_owned(),
            authority: None,
            allow_http: false,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            timeout: DEFAULT_TOKEN_TIMEOUT,
        }
    }

    /// Authenticates with a client secret (its *Value* in the app registration,
    /// not its *Secret ID*). Replaces a certificate given before.
    pub fn client_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.credential = Some(Credential::Secret(secret.into()));
        self
    }

    /// Authenticates with a certificate: each token request carries a client
    /// assertion signed with its private key (what Microsoft recommends over
    /// secrets). Replaces a secret given before.
    pub fn certificate(mut self, certificate: ClientCertificate) -> Self {
        self.credential = Some(Credential::Certificate(certificate));
        self
    }

    /// The client assertion's signature algorithm (default PS256).
    pub fn assertion_algorithm(mut self, algorithm: AssertionAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The scope: `<resource>/.default`. Default [`DEFAULT_SCOPE`];
    /// `https://outlook.office365.com/.default` for EWS in Exchange Online.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// The authority: `https://login.microsoftonline.us` (US Government),
    /// `https://login.partner.microsoftonline.cn` (21Vianet), or the embedded test
    /// server's `TestServer::entra_authority`. The token endpoint is
    /// `<authority>/<tenant>/oauth2/v2.0/token`.
    pub fn authority(mut self, authority: Url) -> Self {
        self.authority = Some(authority);
        self
    }

    /// Allows an `http://` authority, for a loopback test server. Off by default.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Renew a cached token when less than this is left of its life (default five
    /// minutes). A token living less than twice the margin is renewed at half its
    /// life.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The timeout of one token request (default 30 seconds).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the settings and makes the provider. Nothing is sent yet: the first
    /// token is asked for on first use.
    ///
    /// # Errors
    /// An [`EntraBuildError`] naming the setting and the rule.
    pub fn build(self) -> Result<EntraTokenProvider, EntraBuildError> {
        let credential = self.credential.ok_or(EntraBuildError::NoCredential)?;
        if let Some(rule) = tenant_rule(&self.tenant) {
            return Err(EntraBuildError::InvalidTenant {
                tenant: self.tenant,
                rule,
            });
        }
        if let Some(rule) = client_id_rule(&self.client_id) {
            return Err(EntraBuildError::InvalidClientId {
                client_id: self.client_id,
                rule,
            });
        }
        let resource = self.scope.strip_suffix("/.default");
        if resource.is_none_or(|r| r.is_empty() || r.contains(char::is_whitespace)) {
            return Err(EntraBuildError::InvalidScope { scope: self.scope });
        }
        if self.timeout.is_zero() {
            return Err(EntraBuildError::ZeroTimeout);
        }
        let authority = match self.authority {
            Some(url) => url,
            None => {
                Url::parse(DEFAULT_AUTHORITY).map_err(|_| EntraBuildError::InvalidAuthority {
                    authority: DEFAULT_AUTHORITY.to_owned(),
                    rule: "not a URL",
                })?
            }
        };
        let token_url = token_url(&authority, &self.tenant, self.allow_http)?;
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| EntraBuildError::HttpClient(e.to_string()))?;
        Ok(EntraTokenProvider::from_inner(Arc::new(Inner {
            tenant: self.tenant,
            client_id: self.client_id,
            credential,
            algorithm: self.algorithm,
            scope: self.scope,
            token_url,
            http,
            refresh_margin: self.refresh_margin,
            cache: tokio::sync::Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
        })))
    }
}

impl fmt::Debug for EntraTokenProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraTokenProviderBuilder")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("credential", &self.credential)
            .field("scope", &self.scope)
            .field("authority", &self.authority.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

fn tenant_rule(tenant: &str) -> Option<&'static str> {
    if tenant.is_empty() {
        Some("it is empty; give the tenant id (a GUID) or a verified domain")
    } else if !tenant
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        Some("a tenant id (GUID) or domain has only letters, digits, `-` and `.`")
    } else if ["common", "organizations", "consumers"]
        .iter()
        .any(|t| tenant.eq_ignore_ascii_case(t))
    {
        Some("app-only tokens need the tenant itself, not `common`, `organizations` or `consumers`")
    } else {
        None
    }
}

fn client_id_rule(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("it is empty; give the app registration's Application (client) ID")
    } else if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Some("an application id (a GUID) has only letters, digits and `-`")
    } else {
        None
    }
}

fn token_url(authority: &Url, tenant: &str, allow_http: bool) -> Result<Url, EntraBuildError> {
    let shown = crate::transport::redacted_url(authority);
    let refuse = |rule| EntraBuildError::InvalidAuthority {
        authority: shown.clone(),
        rule,
    };
    match authority.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(refuse(
                "http:// sends the client secret in clear; use https:// (allow_http is for loopback tests)",
            ));
        }
        _ => return Err(refuse("the scheme must be https://")),
    }
    if authority.host_str().is_none_or(str::is_empty) {
        return Err(refuse("it has no host"));
    }
    if !authority.username().is_empty() || authority.password().is_some() {
        return Err(refuse("it carries credentials"));
    }
    if authority.query().is_some() || authority.fragment().is_some() {
        return Err(refuse("it has a query or fragment"));
    }
    let base = authority.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/{tenant}/oauth2/v2.0/token"))
        .map_err(|_| refuse("the token URL made from it does not parse"))
}
