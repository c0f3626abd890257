//! Settings for an `HttpTransport`, checked once in `build()`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::auth::{Auth, token_rule, user_name_rule};
use super::connection::{Connection, connection_setters};
use super::transport::{HttpTransport, Settings};
use super::{TokenProvider, TransportBuildError, wire};

/// Builds an [`HttpTransport`]; start with [`HttpTransport::builder`].
///
/// Setters never fail; [`build`](Self::build) checks everything at once. Defaults:
///
/// | setting | default |
/// | --- | --- |
/// | authentication | none; [`basic`](Self::basic), [`bearer`](Self::bearer) or [`token_provider`](Self::token_provider) (the last one set wins) |
/// | [`timeout`](Self::timeout) | 30 s for the whole exchange (connect, send, reply) |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | [`pool_max_idle_per_host`](Self::pool_max_idle_per_host) | 10 idle connections |
/// | [`user_agent`](Self::user_agent) | [`DEFAULT_USER_AGENT`](crate::transport::DEFAULT_USER_AGENT) |
/// | [`allow_http`](Self::allow_http) | false: only `https://` endpoints |
/// | [`resolve`](Self::resolve) | none: DNS decides |
/// | [`trust_only_root_der`](Self::trust_only_root_der) | none: the platform's trusted certificates |
/// | [`env_proxy`](Self::env_proxy) | true: honour `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` |
///
/// `Debug` shows the settings but never a password or token.
#[must_use]
#[derive(Clone)]
pub struct HttpTransportBuilder {
    endpoint: Url,
    auth: Auth,
    connection: Connection,
    pool_max_idle_per_host: usize,
    allow_http: bool,
    env_proxy: bool,
}

impl HttpTransportBuilder {
    pub(super) fn new(endpoint: Url) -> Self {
        Self {
            endpoint,
            auth: Auth::None,
            connection: Connection::new(Duration::from_secs(30)),
            pool_max_idle_per_host: 10,
            allow_http: false,
            env_proxy: true,
        }
    }

    /// Authenticates with HTTP Basic (`user` may be `DOMAIN\user` or a UPN). Basic
    /// must be enabled on the EWS virtual directory. Replaces any earlier
    /// authentication.
    pub fn basic(mut self, user: impl Into<String>, password: impl Into<SecretString>) -> Self {
        self.auth = Auth::Basic {
            user: user.into(),
            password: password.into(),
        };
        self
    }

    /// Authenticates with a fixed OAuth bearer token. Replaces any earlier
    /// authentication. For tokens that expire, use
    /// [`token_provider`](Self::token_provider).
    pub fn bearer(mut self, token: impl Into<SecretString>) -> Self {
        self.auth = Auth::Bearer(token.into());
        self
    }

    /// Authenticates with bearer tokens from `provider`, refreshed once when the
    /// server answers 401 (see [`TokenProvider`]). Replaces any earlier
    /// authentication.
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.auth = Auth::Provider(Arc::new(provider));
        self
    }

    /// Authenticates with `credentials`, the crate's one credentials type:
    /// Basic or Bearer as [`basic`](Self::basic) and [`bearer`](Self::bearer)
    /// do. Windows authentication (NTLM, Negotiate) is a handshake on the
    /// connection that this transport does not do: `build()` refuses it and
    /// names `NtlmTransport`. Replaces any earlier authentication.
    pub fn credentials(mut self, credentials: &crate::transport::Credentials) -> Self {
        self.auth = match credentials.header_secrets() {
            (Some((user, password)), _) => Auth::Basic {
                user: user.to_owned(),
                password: password.clone(),
            },
            (None, Some(token)) => Auth::Bearer(token.clone()),
            (None, None) => Auth::Unsupported(credentials.scheme()),
        };
        self
    }

    connection_setters!();

    /// How many idle connections to keep open to the endpoint. Default: 10.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Allows a plain `http://` endpoint. Default: false. Meant for tests against a
    /// loopback server: over plain HTTP, credentials and mail travel unencrypted.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Whether to use a proxy named by the environment variables `HTTPS_PROXY`,
    /// `HTTP_PROXY` and `ALL_PROXY` (minus hosts listed in `NO_PROXY`). Default: true.
    pub fn env_proxy(mut self, enabled: bool) -> Self {
        self.env_proxy = enabled;
        self
    }

    /// Checks the settings and builds the transport.
    ///
    /// # Errors
    /// A [`TransportBuildError`] naming the setting and the rule: an endpoint that
    /// is not `https://` (or `http://` with [`allow_http`](Self::allow_http)), that
    /// carries credentials or has no host; a Basic user name with a colon; an empty
    /// or multi-word bearer token; a User-Agent that is not a valid header value; a
    /// zero timeout; or an HTTP client that could not be set up.
    pub fn build(self) -> Result<HttpTransport, TransportBuildError> {
        let shown = wire::check_endpoint(&self.endpoint, self.allow_http)?;
        match &self.auth {
            Auth::Basic { user, .. } => {
                if let Some(rule) = user_name_rule(user) {
                    return Err(TransportBuildError::InvalidUserName {
                        user: user.clone(),
                        rule,
                    });
                }
            }
            Auth::Bearer(token) => {
                if let Some(rule) = token_rule(token) {
                    return Err(TransportBuildError::InvalidToken { rule });
                }
            }
            Auth::Unsupported(scheme) => {
                return Err(TransportBuildError::UnsupportedCredentials { scheme });
            }
            Auth::None | Auth::Provider(_) => {}
        }
        wire::check_user_agent(&self.connection.user_agent)?;
        wire::check_timeouts(&[
            ("timeout", self.connection.timeout),
            ("connect_timeout", self.connection.connect_timeout),
        ])?;
        HttpTransport::from_settings(Settings {
            endpoint: self.endpoint,
            shown,
            auth: self.auth,
            timeout: self.connection.timeout,
            connect_timeout: self.connection.connect_timeout,
            pool_max_idle_per_host: self.pool_max_idle_per_host,
            user_agent: self.connection.user_agent,
            resolve: self.connection.resolve,
            roots: self.connection.roots,
            allow_http: self.allow_http,
            env_proxy: self.env_proxy,
        })
    }
}

impl fmt::Debug for HttpTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransportBuilder")
            .field("endpoint", &crate::transport::redacted_url(&self.endpoint))
            .field("auth", &self.auth)
            .field("timeout", &self.connection.timeout)
            .field("connect_timeout", &self.connection.connect_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("user_agent", &self.connection.user_agent)
            .field("allow_http", &self.allow_http)
            .field("env_proxy", &self.env_proxy)
            .field("resolve", &self.connection.resolve)
            .field("trusted_roots", &self.connection.roots.len())
            .finish()
    }
}
