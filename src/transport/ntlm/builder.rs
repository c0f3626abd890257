//! Settings for an `NtlmTransport`, checked once in `build()`.

use std::fmt;
use std::time::Duration;

use url::Url;

use super::account::Account;
use super::transport::{NtlmTransport, Settings};
use crate::transport::http::wire;
use crate::transport::{Connection, TransportBuildError, connection_setters};

/// Builds an [`NtlmTransport`]; start with [`NtlmTransport::builder`].
///
/// Setters never fail; [`build`](Self::build) checks everything at once. Defaults:
///
/// | setting | default |
/// | --- | --- |
/// | [`timeout`](Self::timeout) | 30 s for one request: connecting, the handshake on a new connection, sending, the reply (not the wait for a free connection when all are busy) |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s for TCP and TLS |
/// | [`max_connections`](Self::max_connections) | 8 connections, and so 8 requests in flight (Exchange 2013 and later allow 27 concurrent requests per account by default) |
/// | [`idle_timeout`](Self::idle_timeout) | 60 s: idle connections older than this are closed instead of reused (IIS closes them after 120 s) |
/// | [`user_agent`](Self::user_agent) | [`DEFAULT_USER_AGENT`](crate::transport::DEFAULT_USER_AGENT) |
/// | [`allow_http`](Self::allow_http) | false: only `https://` endpoints |
/// | [`trust_only_root_der`](Self::trust_only_root_der) | none: the platform's trusted certificates |
/// | [`service_principal`](Self::service_principal) | `HTTP/<host>`, the host of the endpoint |
/// | [`channel_bindings`](Self::channel_bindings) | true: bind the authentication to the TLS certificate |
///
/// `Debug` shows the settings and the account, never the password.
#[must_use]
#[derive(Clone)]
pub struct NtlmTransportBuilder {
    endpoint: Url,
    account: Account,
    service_principal: Option<String>,
    channel_bindings: bool,
    connection: Connection,
    max_connections: usize,
    idle_timeout: Duration,
    allow_http: bool,
}

impl NtlmTransportBuilder {
    pub(crate) fn new(endpoint: Url, account: Account) -> Self {
        Self {
            endpoint,
            account,
            service_principal: None,
            channel_bindings: true,
            connection: Connection::new(Duration::from_secs(30)),
            max_connections: 8,
            idle_timeout: Duration::from_secs(60),
            allow_http: false,
        }
    }

    connection_setters!();

    /// The most connections open at once, which is also the most requests in
    /// flight: more wait for a connection. Default: 8.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// How long an authenticated connection may sit unused and still be reused.
    /// Keep it below the server's idle limit (IIS: 120 s), so that a request is
    /// rarely sent on a connection the server is closing. Default: 60 s.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Allows a plain `http://` endpoint. Default: false. Meant for tests against
    /// a loopback server: NTLM does not encrypt the mail, and over plain HTTP its
    /// messages can be captured and the password attacked offline.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The service principal the server's account holds, when it is not
    /// `HTTP/<host of the endpoint>`: behind a load balancer or a CNAME, for
    /// example `HTTP/mail.contoso.com` or, with the realm,
    /// `HTTP/mail.contoso.com@CONTOSO.COM`. NTLM sends it as the target name;
    /// Negotiate asks the KDC for a ticket to it.
    pub fn service_principal(mut self, spn: impl Into<String>) -> Self {
        self.service_principal = Some(spn.into());
        self
    }

    /// Whether to bind the authentication to the TLS connection (the
    /// `tls-server-end-point` channel binding of the server's certificate).
    /// Default: true, as Exchange's Extended Protection expects. Set false only
    /// when a TLS-inspecting proxy or a re-encrypting load balancer stands
    /// between this client and Exchange: the binding would name the proxy's
    /// certificate and be refused. Without a binding, directories whose
    /// Extended Protection is `Allow` or `None` accept the authentication, those
    /// set to `Require` refuse it (see the `transport::negotiate` module docs
    /// for Exchange's defaults).
    pub fn channel_bindings(mut self, bind: bool) -> Self {
        self.channel_bindings = bind;
        self
    }

    /// Checks the settings and builds the transport.
    ///
    /// # Errors
    /// A [`TransportBuildError`] naming the setting and the rule: an endpoint that
    /// is not `https://` (or `http://` with [`allow_http`](Self::allow_http)), that
    /// carries credentials or has no host; a User-Agent that is not a valid header
    /// value; a zero timeout or connection limit; or TLS that could not be set up
    /// (including a root certificate that could not be read); a service principal
    /// that is empty or holds whitespace or control characters.
    pub fn build(self) -> Result<NtlmTransport, TransportBuildError> {
        let shown = wire::check_endpoint(&self.endpoint, self.allow_http)?;
        wire::check_user_agent(&self.connection.user_agent)?;
        wire::check_timeouts(&[
            ("timeout", self.connection.timeout),
            ("connect_timeout", self.connection.connect_timeout),
            ("idle_timeout", self.idle_timeout),
        ])?;
        if self.max_connections == 0 {
            return Err(TransportBuildError::InvalidConnectionLimit {
                setting: "max_connections",
                rule: "at least one connection is needed",
            });
        }
        if let Some(spn) = &self.service_principal {
            check_service_principal(spn)?;
        }
        NtlmTransport::from_settings(Settings {
            endpoint: self.endpoint,
            shown,
            account: self.account,
            service_principal: self.service_principal,
            channel_bindings: self.channel_bindings,
            timeout: self.connection.timeout,
            connect_timeout: self.connection.connect_timeout,
            max_connections: self.max_connections,
            idle_timeout: self.idle_timeout,
            user_agent: self.connection.user_agent,
            roots: self.connection.roots,
            resolve: self.connection.resolve,
            allow_http: self.allow_http,
        })
    }
}

impl fmt::Debug for NtlmTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtlmTransportBuilder")
            .field("endpoint", &crate::transport::redacted_url(&self.endpoint))
            .field("credentials", &self.account)
            .field("service_principal", &self.service_principal)
            .field("channel_bindings", &self.channel_bindings)
            .field("timeout", &self.connection.timeout)
            .field("connect_timeout", &self.connection.connect_timeout)
            .field("max_connections", &self.max_connections)
            .field("idle_timeout", &self.idle_timeout)
            .field("user_agent", &self.connection.user_agent)
            .field("allow_http", &self.allow_http)
            .field("resolve", &self.connection.resolve)
            .field("trusted_roots", &self.connection.roots.len())
            .finish()
    }
}

/// A service principal names a service and a host: `HTTP/host[@REALM]` or `HTTP@host`.
fn check_service_principal(spn: &str) -> Result<(), TransportBuildError> {
    let rule = if spn.is_empty() {
        Some("must not be empty")
    } else if spn.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("must not contain whitespace or control characters")
    } else if !spn.contains('/') && !spn.contains('@') {
        Some("must name a service and a host: HTTP/host, HTTP/host@REALM or HTTP@host")
    } else {
        None
    };
    match rule {
        Some(rule) => Err(TransportBuildError::InvalidServicePrincipal {
            spn: spn.to_owned(),
            rule,
        }),
        None => Ok(()),
    }
}
