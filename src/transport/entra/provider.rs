//! [`EntraTokenProvider`]: the grant, the cache, renewal before expiry.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenResponse,
};
use oauth2::{
    AuthType, ClientId, ClientSecret, RequestTokenError, Scope, StandardRevocableToken,
    TokenResponse as _, TokenUrl,
};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use super::ClientCertificate;
use super::assertion::{self, AssertionAlgorithm};
use super::builder::EntraTokenProviderBuilder;
use super::error::EntraError;
use super::http_client::Exchange;
use crate::transport::{TokenError, TokenProvider};

/// The client-assertion type of RFC 7523 (JWT bearer client authentication).
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Lifetime assumed when an answer has no `expires_in` (Entra always sends it).
const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);

/// App-only access tokens from Microsoft Entra ID (feature `entra`): the OAuth
/// 2.0 client-credentials grant with a client secret or a certificate, for
/// Microsoft Graph (or EWS in Exchange Online), plugged in wherever a
/// [`TokenProvider`] is taken.
///
/// - **Cached**: [`token`](TokenProvider::token) returns the cached token until
///   less than the refresh margin (default five minutes) is left of its
///   `expires_in`, then asks for a new one. If that fails transiently while the
///   old token is still valid, the old one is returned.
/// - **One request at a time**: many tasks asking at once wait for one request to
///   the token endpoint. Cloning the provider shares its cache.
/// - **[`refresh`](TokenProvider::refresh)** (called by the transport after a
///   401) always asks for a new token, unless another task renewed it while this
///   one waited.
/// - **Errors** are [`TokenError`]s, transient (5xx, 429, no answer) or
///   permanent, whose source is an [`EntraError`] naming the AADSTS code and
///   what to check.
/// - **Secrets** (the client secret, the private key, the signed assertion, the
///   access token) never appear in `Debug`, errors or logs.
///
/// ```no_run
/// use offline_im::transport::{ClientCertificate, EntraTokenProvider, HttpTransport};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let certificate = ClientCertificate::from_pem_files(
///     "/etc/offline-im/app.crt",
///     "/etc/offline-im/app.key",
/// )?;
/// let tokens = EntraTokenProvider::builder("contoso.onmicrosoft.com", "00001111-aaaa-2222-bbbb-3333cccc4444")
///     .certificate(certificate)
///     .scope("https://outlook.office365.com/.default") // EWS in Exchange Online
///     .build()?;
/// let transport = HttpTransport::builder("https://outlook.office365.com/EWS/Exchange.asmx".parse()?)
///     .token_provider(tokens)
///     .build()?;
/// # let _ = transport;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EntraTokenProvider {
    inner: Arc<Inner>,
}

#[derive(Clone)]
pub(crate) enum Credential {
    Secret(SecretString),
    Certificate(ClientCertificate),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(_) => f.write_str("ClientSecret([redacted])"),
            Self::Certificate(c) => c.fmt(f),
        }
    }
}

pub(crate) struct Inner {
    pub(super) tenant: String,
    pub(super) client_id: String,
    pub(super) credential: Credential,
    pub(super) algorithm: AssertionAlgorithm,
    pub(super) scope: String,
    pub(super) token_url: Url,
    pub(super) http: reqwest::Client,
    pub(super) refresh_margin: Duration,
    pub(super) cache: tokio::sync::Mutex<Option<Cached>>,
    /// Counts tokens obtained, so a refresh can tell whether another task has
    /// renewed the token while it waited.
    pub(super) generation: AtomicU64,
}

pub(super) struct Cached {
    token: SecretString,
    renew_at: Instant,
    expires_at: Instant,
}

impl EntraTokenProvider {
    /// Starts configuring a provider for the app `client_id` (the Application
    /// (client) ID) in `tenant` (the tenant id, a GUID, or a verified domain such
    /// as `contoso.onmicrosoft.com`).
    pub fn builder(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
    ) -> EntraTokenProviderBuilder {
        EntraTokenProviderBuilder::new(tenant.into(), client_id.into())
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// The token endpoint asked: `<authority>/<tenant>/oauth2/v2.0/token`.
    #[must_use]
    pub fn token_url(&self) -> &Url {
        &self.inner.token_url
    }

    async fn cached_or_new(&self, force: bool) -> Result<SecretString, TokenError> {
        let seen = self.inner.generation.load(Ordering::Acquire);
        let mut cache = self.inner.cache.lock().await;
        let now = Instant::now();
        if let Some(cached) = cache.as_ref() {
            let renewed_meanwhile = self.inner.generation.load(Ordering::Acquire) != seen;
            let fresh = now < cached.renew_at;
            if (fresh && !force) || (force && renewed_meanwhile && now < cached.expires_at) {
                return Ok(cached.token.clone());
            }
        }
        match self.request().await {
            Ok((token, lifetime)) => {
                let asked_at = now;
                let margin = self.inner.refresh_margin.min(lifetime / 2);
                *cache = Some(Cached {
                    token: token.clone(),
                    renew_at: asked_at + lifetime.saturating_sub(margin),
                    expires_at: asked_at + lifetime,
                });
                self.inner.generation.fetch_add(1, Ordering::AcqRel);
                tracing::debug!(
                    tenant = %self.inner.tenant,
                    client_id = %self.inner.client_id,
                    expires_in_secs = lifetime.as_secs(),
                    "obtained an access token from Microsoft Entra ID"
                );
                Ok(token)
            }
            Err(err) => {
                if err.is_transient()
                    && !force
                    && let Some(cached) = cache.as_ref()
                    && now < cached.expires_at
                {
                    tracing::warn!(
                        tenant = %self.inner.tenant,
                        client_id = %self.inner.client_id,
                        error = %err,
                        "renewing the access token failed; the current one is still valid"
                    );
                    return Ok(cached.token.clone());
                }
                tracing::warn!(
                    tenant = %self.inner.tenant,
                    client_id = %self.inner.client_id,
                    error = %err,
                    "no access token from Microsoft Entra ID"
                );
                Err(if err.is_transient() {
                    TokenError::transient(err)
                } else {
                    TokenError::permanent(err)
                })
            }
        }
    }

    /// One request to the token endpoint: the token and its lifetime.
    async fn request(&self) -> Result<(SecretString, Duration), EntraError> {
        let inner = &*self.inner;
        let client = oauth2::Client::<
            EntraErrorBody,
            BasicTokenResponse,
            BasicTokenIntrospectionResponse,
            StandardRevocableToken,
            BasicRevocationErrorResponse,
        >::new(ClientId::new(inner.client_id.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::from_url(inner.token_url.clone()));
        let assertion;
        let client = match &inner.credential {
            Credential::Secret(secret) => {
                client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()))
            }
            Credential::Certificate(_) => client,
        };
        let mut grant = client
            .exchange_client_credentials()
            .add_scope(Scope::new(inner.scope.clone()));
        if let Credential::Certificate(certificate) = &inner.credential {
            assertion = assertion::sign(
                certificate,
                inner.algorithm,
                &inner.client_id,
                inner.token_url.as_str(),
                SystemTime::now(),
            )
            .map_err(|_| EntraError::signing())?;
            grant = grant
                .add_extra_param("client_assertion_type", ASSERTION_TYPE)
                .add_extra_param(
                    "client_assertion",
                    Cow::Owned(assertion.expose_secret().to_owned()),
                );
        }
        let exchange = Exchange::new(&inner.http);
        let result = grant.request_async(&exchange).await;
        let seen = exchange.seen();
        let status = seen.status.unwrap_or_default();
        match result {
            Ok(answer) => {
                let token = SecretString::from(answer.access_token().secret().as_str());
                Ok((token, answer.expires_in().unwrap_or(ASSUMED_LIFETIME)))
            }
            Err(RequestTokenError::ServerResponse(body)) => Err(EntraError::refused(
                status,
                body.error,
                &body.error_codes,
                body.error_description,
                seen.retry_after,
            )),
            Err(RequestTokenError::Request(no_answer)) => Err(EntraError::network(no_answer.0)),
            Err(RequestTokenError::Parse(err, _body)) if status == 200 => {
                // The body is not shown: it may hold a token.
                Err(EntraError::bad_response(format!(
                    "the token response does not parse at `{}`",
                    err.path()
                )))
            }
            Err(RequestTokenError::Other(what)) if status == 200 => {
                Err(EntraError::bad_response(what))
            }
            Err(_) => Err(EntraError::status(status, seen.retry_after)),
        }
    }
}

impl TokenProvider for EntraTokenProvider {
    async fn token(&self) -> Result<SecretString, TokenError> {
        self.cached_or_new(false).await
    }

    async fn refresh(&self) -> Result<SecretString, TokenError> {
        self.cached_or_new(true).await
    }
}

impl fmt::Debug for EntraTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraTokenProvider")
            .field("tenant", &self.inner.tenant)
            .field("client_id", &self.inner.client_id)
            .field("credential", &self.inner.credential)
            .field("scope", &self.inner.scope)
            .field("token_url", &self.inner.token_url.as_str())
            .finish_non_exhaustive()
    }
}

/// Entra's error body: RFC 6749's fields plus its `error_codes`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EntraErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
}

impl fmt::Display for EntraErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)
    }
}

impl oauth2::ErrorResponse for EntraErrorBody {}
