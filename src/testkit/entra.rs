//! The embedded server's Microsoft Entra ID token endpoint:
//! `POST /{tenant}/oauth2/v2.0/token` with the client-credentials grant.
//!
//! It behaves as Entra ID does for app-only tokens (Microsoft: "Microsoft identity
//! platform and the OAuth 2.0 client credentials flow"): the form carries
//! `grant_type=client_credentials`, `client_id`, `scope` (`<resource>/.default`)
//! and either `client_secret` or `client_assertion_type` +
//! `client_assertion` (checked in `entra_assertion`); the answer is
//! `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"..."}`,
//! a refusal Entra's error body with the AADSTS code of Microsoft's "Microsoft
//! Entra authentication and authorization error codes" page, HTTP 401 for
//! `invalid_client` and 400 otherwise. Tokens it issues are remembered, so the
//! server's other endpoints can check `Authorization: Bearer` against them
//! ([`EntraState::token_is_valid`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Request, StatusCode};
use secrecy::{ExposeSecret as _, SecretString};

use super::entra_assertion::{self, RegisteredCertificate};
use super::error::TestServerError;
use super::http_reply::Reply;
use super::server::TestServer;

/// Entra's `expires_in` for app-only tokens in Microsoft's client-credentials
/// sample answer: 3599 seconds.
pub const DEFAULT_ENTRA_TOKEN_LIFETIME: Duration = Duration::from_secs(3599);

/// Resources the endpoint issues tokens for (their URIs and app ids).
const RESOURCES: &[(&str, &str)] = &[
    (
        "https://graph.microsoft.com",
        "00000003-0000-0000-c000-000000000000",
    ),
    (
        "https://outlook.office365.com",
        "00000002-0000-0ff1-ce00-000000000000",
    ),
];

/// How a test app proves who it is to the token endpoint.
#[derive(Clone)]
pub struct AppCredential {
    kind: CredentialKind,
}

#[derive(Clone)]
enum CredentialKind {
    Secret(SecretString),
    CertificatePem(Vec<u8>),
}

impl AppCredential {
    /// A client secret.
    #[must_use]
    pub fn secret(secret: impl Into<String>) -> Self {
        Self {
            kind: CredentialKind::Secret(SecretString::from(secret.into())),
        }
    }

    /// A certificate (PEM, the public part an admin uploads to the app
    /// registration); client assertions must be signed with its key.
    #[must_use]
    pub fn certificate_pem(pem: impl AsRef<[u8]>) -> Self {
        Self {
            kind: CredentialKind::CertificatePem(pem.as_ref().to_vec()),
        }
    }
}

impl std::fmt::Debug for AppCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            CredentialKind::Secret(_) => f.write_str("Secret([redacted])"),
            CredentialKind::CertificatePem(_) => f.write_str("CertificatePem"),
        }
    }
}

/// What the builder collected about Entra.
#[derive(Debug, Clone)]
pub(crate) struct EntraSettings {
    pub(crate) apps: Vec<(String, AppCredential)>,
    pub(crate) tenants: Vec<String>,
    pub(crate) lifetime: Duration,
}

impl Default for EntraSettings {
    fn default() -> Self {
        Self {
            apps: Vec::new(),
            tenants: Vec::new(),
            lifetime: DEFAULT_ENTRA_TOKEN_LIFETIME,
        }
    }
}

/// A token the endpoint issued, as [`TestServer::issued_tokens`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedToken {
    /// The app it was issued to.
    pub client_id: String,
    /// The tenant in the request's path.
    pub tenant: String,
    /// The scope asked for.
    pub scope: String,
    /// The `expires_in` it was issued with.
    pub lifetime: Duration,
    /// How the app proved itself: `"client_secret"` or `"client_assertion"`.
    pub credential: &'static str,
}

/// One request to the token endpoint, as [`TestServer::token_requests`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRequest {
    /// The tenant in the path.
    pub tenant: String,
    /// The `client_id` sent, if any.
    pub client_id: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The AADSTS code of a refusal.
    pub aadsts: Option<u32>,
}

/// An answer the token endpoint gives instead of doing its work, as Entra does
/// when it is throttling or failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFault {
    /// HTTP 503 with `Retry-After` (seconds) and `temporarily_unavailable`.
    Unavailable {
        /// The `Retry-After` value.
        retry_after_secs: u64,
    },
    /// HTTP 429 with `Retry-After` (seconds).
    TooManyRequests {
        /// The `Retry-After` value.
        retry_after_secs: u64,
    },
}

struct App {
    secret: Option<SecretString>,
    certificates: Vec<RegisteredCertificate>,
}

struct Issued {
    token: String,
    resource: &'static str,
    expires_at: Instant,
    public: IssuedToken,
}

/// The token endpoint's state, shared by the server's connections.
pub(crate) struct EntraState {
    apps: HashMap<String, App>,
    tenants: Vec<String>,
    lifetime: Mutex<Duration>,
    issued: Mutex<Vec<Issued>>,
    requests: Mutex<Vec<TokenRequest>>,
    faults: Mutex<VecDeque<TokenFault>>,
}

impl std::fmt::Debug for EntraState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntraState")
            .field("apps", &self.apps.keys().collect::<Vec<_>>())
            .field("tenants", &self.tenants)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl EntraState {
    pub(crate) fn new(settings: EntraSettings) -> Result<Self, TestServerError> {
        let mut apps: HashMap<String, App> = HashMap::new();
        for (client_id, credential) in settings.apps {
            let app = apps.entry(client_id.to_ascii_lowercase()).or_insert(App {
                secret: None,
                certificates: Vec::new(),
            });
            match credential.kind {
                CredentialKind::Secret(s) => app.secret = Some(s),
                CredentialKind::CertificatePem(pem) => {
                    use rustls_pki_types::pem::PemObject as _;
                    let der =
                        rustls_pki_types::CertificateDer::from_pem_slice(&pem).map_err(|e| {
                            TestServerError::Setting {
                                setting: "entra_app",
                                value: client_id.clone(),
                                rule: format!("the certificate is not a PEM certificate: {e}"),
                            }
                        })?;
                    app.certificates
                        .push(RegisteredCertificate::new(der.as_ref().to_vec()));
                }
            }
        }
        Ok(Self {
            apps,
            tenants: settings.tenants,
            lifetime: Mutex::new(settings.lifetime),
            issued: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
        })
    }

    /// True when `token` was issued by the token endpoint and has not expired at
    /// `now`, whatever its resource. For the server's endpoints that check
    /// `Authorization: Bearer`.
    pub(crate) fn token_is_valid(&self, token: &str, now: Instant) -> bool {
        lock(&self.issued)
            .iter()
            .any(|t| t.token == token && now < t.expires_at)
    }

    /// True when `token` is valid at `now` for `resource`
    /// (`https://graph.microsoft.com` or `https://outlook.office365.com`): a token
    /// for another resource is refused, as its audience does not match.
    pub(crate) fn token_is_valid_for(&self, token: &str, resource: &str, now: Instant) -> bool {
        lock(&self.issued)
            .iter()
            .any(|t| t.token == token && t.resource == resource && now < t.expires_at)
    }

    /// True when apps are registered: the other endpoints then require tokens.
    pub(crate) fn has_apps(&self) -> bool {
        !self.apps.is_empty()
    }
}

/// `/{tenant}/oauth2/v2.0/token` → the tenant.
pub(crate) fn token_path_tenant(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    let (tenant, tail) = rest.split_once('/')?;
    (tail.eq_ignore_ascii_case("oauth2/v2.0/token") && !tenant.is_empty()).then_some(tenant)
}

/// Answers one request to the token endpoint.
pub(crate) async fn handle(state: &EntraState, tenant: &str, req: Request<Incoming>) -> Reply {
    let tenant = tenant.to_owned();
    if req.method() != hyper::Method::POST {
        let refusal = Refusal::bad_request(
            "invalid_request",
            900_561,
            "The endpoint only accepts POST requests.",
        );
        return refuse(state, &tenant, None, &refusal);
    }
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let Ok(body) = Limited::new(req.into_body(), 1 << 20).collect().await else {
        let refusal = Refusal::bad_request(
            "invalid_request",
            900_144,
            "The request body could not be read.",
        );
        return refuse(state, &tenant, None, &refusal);
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body.to_bytes())
        .into_owned()
        .collect();
    let client_id = form.get("client_id").cloned();
    let fault = lock(&state.faults).pop_front();
    if let Some(fault) = fault {
        return faulted(state, &tenant, client_id, fault);
    }
    match grant(state, &tenant, &host, &form) {
        Ok(issued) => {
            record(state, &tenant, client_id, 200, None);
            let secs = issued.public.lifetime.as_secs();
            let token = issued.token.clone();
            lock(&state.issued).push(issued);
            json(
                StatusCode::OK,
                &serde_json::json!({
                    "token_type": "Bearer",
                    "expires_in": secs,
                    "ext_expires_in": secs,
                    "access_token": token,
                }),
            )
        }
        Err(refusal) => refuse(state, &tenant, client_id, &refusal),
    }
}

/// Why the endpoint refuses a request: what Entra answers (HTTP status, OAuth
/// error, AADSTS code and its message).
struct Refusal {
    status: u16,
    error: &'static str,
    code: u32,
    message: String,
}

impl Refusal {
    fn bad_request(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            error,
            code,
            message: message.into(),
        }
    }

    /// The app did not prove who it is: HTTP 401, `invalid_client`.
    fn invalid_client(code: u32, message: impl Into<String>) -> Self {
        Self {
            status: 401,
            error: "invalid_client",
            code,
            message: message.into(),
        }
    }

    fn missing(name: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            900_144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }
}

/// Checks a client-credentials request as Entra does, in Entra's order, and
/// issues a token for it.
fn grant(
    state: &EntraState,
    tenant: &str,
    host: &str,
    form: &HashMap<String, String>,
) -> Result<Issued, Refusal> {
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let grant_type = field("grant_type").ok_or_else(|| Refusal::missing("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(Refusal::bad_request(
            "unsupported_grant_type",
            70_003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    if !state.tenants.is_empty() && !state.tenants.iter().any(|t| t.eq_ignore_ascii_case(tenant)) {
        return Err(Refusal::bad_request(
            "invalid_request",
            90_002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        ));
    }
    let id = field("client_id").ok_or_else(|| Refusal::missing("client_id"))?;
    let app = state.apps.get(&id.to_ascii_lowercase()).ok_or_else(|| {
        Refusal::bad_request(
            "unauthorized_client",
            700_016,
            format!(
                "Application with identifier '{id}' was not found in the directory '{tenant}'."
            ),
        )
    })?;
    let scope = field("scope").ok_or_else(|| Refusal::missing("scope"))?;
    let resource = scope.strip_suffix("/.default").ok_or_else(|| {
        Refusal::bad_request(
            "invalid_scope",
            1_002_012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        )
    })?;
    let resource = resource.trim_end_matches('/');
    let &(resource, _) = RESOURCES
        .iter()
        .find(|(uri, app_id)| {
            uri.eq_ignore_ascii_case(resource) || app_id.eq_ignore_ascii_case(resource)
        })
        .ok_or_else(|| {
            Refusal::bad_request(
                "invalid_resource",
                500_011,
                format!(
                    "The resource principal named {resource} was not found in the tenant named {tenant}."
                ),
            )
        })?;

    let credential = match (field("client_secret"), field("client_assertion")) {
        (Some(secret), _) => {
            if app
                .secret
                .as_ref()
                .is_none_or(|s| s.expose_secret() != secret)
            {
                return Err(Refusal::invalid_client(
                    7_000_215,
                    format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{id}'."
                    ),
                ));
            }
            "client_secret"
        }
        (None, Some(assertion)) => {
            if field("client_assertion_type")
                != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            {
                return Err(Refusal::invalid_client(
                    50_027,
                    "JWT token is invalid or malformed: client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                ));
            }
            let audience = format!("http://{host}/{tenant}/oauth2/v2.0/token");
            entra_assertion::check(
                assertion,
                id,
                &audience,
                &app.certificates,
                SystemTime::now(),
            )
            .map_err(|(code, message)| Refusal::invalid_client(code, message))?;
            "client_assertion"
        }
        (None, None) => {
            return Err(Refusal::invalid_client(
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ));
        }
    };

    let lifetime = *lock(&state.lifetime);
    Ok(Issued {
        token: format!(
            "eyJ0eXAiOiJKV1QifQ.testkit-{}",
            uuid::Uuid::new_v4().simple()
        ),
        resource,
        expires_at: Instant::now() + lifetime,
        public: IssuedToken {
            client_id: id.to_owned(),
            tenant: tenant.to_owned(),
            scope: scope.to_owned(),
            lifetime,
            credential,
        },
    })
}

fn record(
    state: &EntraState,
    tenant: &str,
    client_id: Option<String>,
    status: u16,
    aadsts: Option<u32>,
) {
    lock(&state.requests).push(TokenRequest {
        tenant: tenant.to_owned(),
        client_id,
        status,
        aadsts,
    });
}

/// Entra's error body: the OAuth error, the AADSTS code in the description and
/// in `error_codes`, trace and correlation ids, a timestamp, an `error_uri`.
fn refuse(state: &EntraState, tenant: &str, client_id: Option<String>, refusal: &Refusal) -> Reply {
    let Refusal {
        status,
        error,
        code,
        ref message,
    } = *refusal;
    record(state, tenant, client_id, status, Some(code));
    let trace = uuid::Uuid::new_v4();
    let correlation = uuid::Uuid::new_v4();
    let timestamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default();
    json(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &serde_json::json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}"),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace.to_string(),
            "correlation_id": correlation.to_string(),
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

fn faulted(
    state: &EntraState,
    tenant: &str,
    client_id: Option<String>,
    fault: TokenFault,
) -> Reply {
    let (status, secs) = match fault {
        TokenFault::Unavailable { retry_after_secs } => {
            (StatusCode::SERVICE_UNAVAILABLE, retry_after_secs)
        }
        TokenFault::TooManyRequests { retry_after_secs } => {
            (StatusCode::TOO_MANY_REQUESTS, retry_after_secs)
        }
    };
    record(state, tenant, client_id, status.as_u16(), None);
    let mut reply = json(
        status,
        &serde_json::json!({
            "error": "temporarily_unavailable",
            "error_description": "The service is temporarily unavailable. Try again later.",
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        reply.headers_mut().insert(RETRY_AFTER, v);
    }
    reply
}

fn json(status: StatusCode, body: &serde_json::Value) -> Reply {
    let mut reply = Reply::new(http_body_util::Full::new(bytes::Bytes::from(
        body.to_string(),
    )));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    reply.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    reply
}

/// The token endpoint, seen from a test.
impl TestServer {
    /// The authority to give
    /// [`EntraTokenProviderBuilder::authority`](crate::transport::EntraTokenProviderBuilder::authority)
    /// (with `allow_http(true)`): `http://127.0.0.1:<port>`. The token endpoint
    /// is `<authority>/<tenant>/oauth2/v2.0/token`.
    #[must_use]
    pub fn entra_authority(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Every token the endpoint issued, oldest first.
    #[must_use]
    pub fn issued_tokens(&self) -> Vec<IssuedToken> {
        lock(&self.shared().entra.issued)
            .iter()
            .map(|t| t.public.clone())
            .collect()
    }

    /// Every request to the token endpoint, oldest first.
    #[must_use]
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        lock(&self.shared().entra.requests).clone()
    }

    /// The `expires_in` of tokens issued from now on (tokens already issued keep
    /// theirs).
    pub fn set_entra_token_lifetime(&self, lifetime: Duration) {
        *lock(&self.shared().entra.lifetime) = lifetime;
    }

    /// The next token requests are answered with these faults, one each, in order.
    pub fn fail_token_requests(&self, faults: impl IntoIterator<Item = TokenFault>) {
        lock(&self.shared().entra.faults).extend(faults);
    }

    /// Makes every token issued so far expire now (as if they had been revoked
    /// or their lifetime had passed): the next request with one gets 401.
    pub fn expire_entra_tokens(&self) {
        let now = Instant::now();
        for t in lock(&self.shared().entra.issued).iter_mut() {
            t.expires_at = t.expires_at.min(now);
        }
    }
}
