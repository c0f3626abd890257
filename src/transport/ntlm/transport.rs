//! `NtlmTransport`: a pool of connections that each completed an NTLM handshake.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, HOST, HeaderMap, HeaderValue, USER_AGENT};
use hyper::{Method, Request, Response, StatusCode, Uri};
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};
use tracing::debug;
use url::{Host, Url};

use super::account::Account;
use super::connection::{self, Connection, Target};
use super::handshake::Opened;
use super::{NtlmCredentials, NtlmTransportBuilder};
use crate::transport::http::wire;
use crate::transport::{EwsReply, EwsRequest, TransportBuildError, TransportError};

/// A [`Transport`](crate::transport::Transport) that authenticates its connections with NTLMv2 (feature `ntlm`),
/// or, made with `NtlmTransport::negotiate` (feature `kerberos`), with a
/// Kerberos ticket under Negotiate (see the `transport::negotiate` module).
///
/// NTLM authenticates a *connection*, not a request: after the handshake
/// (NEGOTIATE, CHALLENGE, AUTHENTICATE) every request on that TCP connection
/// runs as the authenticated user, with no `Authorization` header. So this
/// transport keeps its own connections instead of a general-purpose pool:
///
/// - A request takes an idle authenticated connection, or, when there is none,
///   opens one and authenticates it first. At most
///   [`max_connections`](NtlmTransportBuilder::max_connections) are open; more
///   requests wait for one to be free.
/// - **The handshake is done with empty POSTs** (`Content-Length: 0`), and the
///   request body is sent only once the connection is authenticated. The body
///   (the mail) is never sent to a server that has not accepted the credentials,
///   and never sent twice. The cost: a new connection takes two round trips more
///   before the request; reused connections take none.
/// - When the server answers **401 on an authenticated connection** (it dropped
///   the connection's authentication), the connection is closed, a new one is
///   authenticated and the request is sent once more on it. That is safe: a 401
///   means the server did nothing with the request.
/// - **Credentials the server refuses** come back as the server's 401
///   [`EwsReply`], as with [`HttpTransport`](super::super::HttpTransport): the
///   request body was not sent. A handshake that breaks down (a challenge that
///   cannot be read) is a [`TransportError`] for which
///   [`is_auth`](TransportError::is_auth) is true.
///
/// The NTLM token goes under the `NTLM` scheme, or under `Negotiate` when the
/// server offers only that (Windows accepts a raw NTLM token there). Every
/// handshake sends a MIC over the three messages and, over TLS, binds itself to
/// the server's certificate (`tls-server-end-point` channel binding), as servers
/// with Extended Protection for Authentication require.
///
/// Each request is a `POST` with the same headers as `HttpTransport`'s
/// (`Content-Type: text/xml; charset=utf-8`, `X-AnchorMailbox`,
/// `client-request-id`), over HTTP/1.1 with TLS from rustls, trusting the
/// platform's certificates (the `native-tls` feature does not apply here).
/// Redirects are never followed, and no proxy is used.
///
/// **Logging.** Each request runs in an `ews_request` span (level INFO) with the
/// operation, the endpoint and the client request id; `debug` events report new
/// connections, handshakes and their outcome, re-authentication and failures.
/// Passwords, NTLM messages and bodies are never logged.
///
/// Cloning is cheap; clones share the connections.
#[derive(Clone)]
pub struct NtlmTransport {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) shown: String,
    pub(super) endpoint: Url,
    pub(super) target: Target,
    pub(super) uri: Uri,
    pub(super) host: HeaderValue,
    pub(super) user_agent: HeaderValue,
    /// The NTLM target name, `HTTP/<host>` (or the configured principal).
    pub(super) service_principal: String,
    #[cfg(feature = "kerberos")]
    pub(super) spn: crate::transport::negotiate::ServicePrincipal,
    pub(super) account: Account,
    pub(super) channel_bindings: bool,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) idle_timeout: Duration,
    pub(super) max_connections: usize,
    pub(super) idle: Mutex<Vec<Connection>>,
    pub(super) permits: Semaphore,
}

/// The checked settings, handed over by the builder.
pub(super) struct Settings {
    pub(super) endpoint: Url,
    pub(super) shown: String,
    pub(super) account: Account,
    pub(super) service_principal: Option<String>,
    pub(super) channel_bindings: bool,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) max_connections: usize,
    pub(super) idle_timeout: Duration,
    pub(super) user_agent: String,
    pub(super) roots: Vec<Vec<u8>>,
    pub(super) connect_to: Option<std::net::SocketAddr>,
}

/// What sending on one connection came to.
enum Attempt {
    /// A reply arrived (its body not yet read).
    Reply(Connection, Response<Incoming>),
    /// The connection was closed before anything was sent.
    NotSent,
    /// Failed after the request may have been sent.
    Failed(TransportError),
}

impl NtlmTransport {
    /// Starts building a transport for the EWS endpoint `endpoint` (normally
    /// `https://<server>/EWS/Exchange.asmx`) that authenticates as `credentials`.
    pub fn builder(endpoint: Url, credentials: NtlmCredentials) -> NtlmTransportBuilder {
        NtlmTransportBuilder::new(endpoint, Account::Ntlm(credentials))
    }

    /// Starts building a transport for `endpoint` that authenticates with
    /// Negotiate: a Kerberos ticket for `HTTP/<host>` got with `credentials`
    /// (feature `kerberos`). The service principal, the channel bindings and the
    /// NTLM fallback are described in [`negotiate`](crate::transport::negotiate).
    #[cfg(feature = "kerberos")]
    #[cfg_attr(docsrs, doc(cfg(feature = "kerberos")))]
    pub fn negotiate(
        endpoint: Url,
        credentials: crate::transport::NegotiateCredentials,
    ) -> NtlmTransportBuilder {
        NtlmTransportBuilder::new(endpoint, Account::Negotiate(credentials))
    }

    /// The endpoint requests go to.
    #[must_use]
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// How many authenticated connections are idle, ready for the next request.
    #[must_use]
    pub fn idle_connections(&self) -> usize {
        self.idle().len()
    }

    pub(super) fn from_settings(settings: Settings) -> Result<Self, TransportBuildError> {
        let endpoint = settings.endpoint;
        let client_error = |source: Box<dyn std::error::Error + Send + Sync>| {
            TransportBuildError::Client { source }
        };
        let (host, server_name) = match endpoint.host() {
            Some(Host::Domain(domain)) => (domain.to_owned(), domain.to_owned()),
            Some(Host::Ipv4(ip)) => (ip.to_string(), ip.to_string()),
            Some(Host::Ipv6(ip)) => (ip.to_string(), ip.to_string()),
            None => {
                return Err(TransportBuildError::NoHost {
                    url: settings.shown,
                });
            }
        };
        let port = endpoint.port_or_known_default().unwrap_or(443);
        let tls = if endpoint.scheme() == "https" {
            let connector = connection::tls_connector(&settings.roots)
                .map_err(|err| client_error(err.into()))?;
            let name = rustls::pki_types::ServerName::try_from(server_name)
                .map_err(|err| client_error(err.into()))?;
            Some((connector, name))
        } else {
            None
        };
        let authority = match endpoint.port() {
            Some(port) => format!("{}:{port}", endpoint.host_str().unwrap_or_default()),
            None => endpoint.host_str().unwrap_or_default().to_owned(),
        };
        let mut path = endpoint.path().to_owned();
        if let Some(query) = endpoint.query() {
            path.push('?');
            path.push_str(query);
        }
        let uri = Uri::try_from(path).map_err(|err| client_error(err.into()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                shown: settings.shown,
                #[cfg(feature = "kerberos")]
                spn: settings.service_principal.as_deref().map_or_else(
                    || crate::transport::negotiate::ServicePrincipal::for_host(&host),
                    crate::transport::negotiate::ServicePrincipal::parse,
                ),
                service_principal: settings
                    .service_principal
                    .clone()
                    .unwrap_or_else(|| format!("HTTP/{host}")),
                target: match settings.connect_to {
                    Some(addr) => Target {
                        host: addr.ip().to_string(),
                        port: addr.port(),
                        tls,
                    },
                    None => Target { host, port, tls },
                },
                uri,
                host: HeaderValue::try_from(authority).map_err(|err| client_error(err.into()))?,
                user_agent: HeaderValue::try_from(settings.user_agent)
                    .map_err(|err| client_error(err.into()))?,
                endpoint,
                account: settings.account,
                channel_bindings: settings.channel_bindings,
                timeout: settings.timeout,
                connect_timeout: settings.connect_timeout,
                idle_timeout: settings.idle_timeout,
                max_connections: settings.max_connections,
                idle: Mutex::new(Vec::new()),
                permits: Semaphore::new(settings.max_connections),
            }),
        })
    }

    async fn exchange(&self, request: EwsRequest) -> Result<EwsReply, TransportError> {
        let started = Instant::now();
        debug!(
            body_bytes = request.body.len(),
            auth = self.inner.account.protocol(),
            "sending EWS request"
        );
        let result = self.exchange_inner(&request).await;
        wire::log_outcome(&result, started.elapsed());
        result
    }

    async fn exchange_inner(&self, request: &EwsRequest) -> Result<EwsReply, TransportError> {
        // Holding a permit is what allows holding a connection: at most
        // `max_connections` exist (idle ones were opened under a permit too).
        let _permit = self.inner.permits.acquire().await.map_err(|err| {
            TransportError::connect_failed()
                .with_context(self.context(request))
                .with_source(err)
        })?;
        let deadline = Instant::now() + self.inner.timeout;
        let headers = self.request_headers(request)?;

        while let Some(connection) = self.take_idle() {
            match self
                .send_on(connection, &headers, &request.body, deadline, request)
                .await
            {
                Attempt::Reply(_, response) if response.status() == StatusCode::UNAUTHORIZED => {
                    debug!(
                        "401 on an authenticated connection; authenticating a new one and sending once more"
                    );
                    break;
                }
                Attempt::Reply(connection, response) => {
                    return self.read(connection, response, deadline, request).await;
                }
                Attempt::NotSent => {}
                Attempt::Failed(err) => return Err(err),
            }
        }

        let connection = match self.open_authenticated(deadline, request).await? {
            Opened::Ready(connection) => connection,
            Opened::Refused(reply) => return Ok(reply),
        };
        match self
            .send_on(connection, &headers, &request.body, deadline, request)
            .await
        {
            Attempt::Reply(connection, response) => {
                self.read(connection, response, deadline, request).await
            }
            Attempt::NotSent => Err(TransportError::connect_failed()
                .with_context(self.context(request))
                .with_source("the server closed the new connection before the request was sent")),
            Attempt::Failed(err) => Err(err),
        }
    }

    /// The headers of the request itself.
    fn request_headers(&self, request: &EwsRequest) -> Result<HeaderMap, TransportError> {
        let mut headers = HeaderMap::new();
        wire::soap_headers(request, &mut headers).map_err(|err| {
            TransportError::invalid_request()
                .with_context(self.context(request))
                .with_source(err)
        })?;
        headers.insert(HOST, self.inner.host.clone());
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        headers.insert(CONTENT_LENGTH, HeaderValue::from(request.body.len()));
        Ok(headers)
    }

    pub(super) fn post(&self, headers: HeaderMap, body: Bytes) -> Request<Full<Bytes>> {
        let mut post = Request::new(Full::new(body));
        *post.method_mut() = Method::POST;
        *post.uri_mut() = self.inner.uri.clone();
        *post.headers_mut() = headers;
        post
    }

    /// Sends on `connection`, telling apart "not sent" (the connection was closed
    /// first) from failures after sending began.
    async fn send_on(
        &self,
        mut connection: Connection,
        headers: &HeaderMap,
        body: &Bytes,
        deadline: Instant,
        request: &EwsRequest,
    ) -> Attempt {
        match timeout_at(deadline, connection.sender.ready()).await {
            Err(_) => {
                return Attempt::Failed(
                    TransportError::connect_timed_out().with_context(self.context(request)),
                );
            }
            Ok(Err(_closed)) => return Attempt::NotSent,
            Ok(Ok(())) => {}
        }
        let post = self.post(headers.clone(), body.clone());
        match timeout_at(deadline, connection.sender.try_send_request(post)).await {
            Err(_) => Attempt::Failed(
                TransportError::timed_out_after_send().with_context(self.context(request)),
            ),
            Ok(Ok(response)) => Attempt::Reply(connection, response),
            Ok(Err(mut err)) => {
                if err.take_message().is_some() {
                    Attempt::NotSent
                } else {
                    Attempt::Failed(
                        TransportError::connection_lost()
                            .with_context(self.context(request))
                            .with_source(err.into_error()),
                    )
                }
            }
        }
    }

    /// Reads the reply's body and puts the connection back for the next request.
    async fn read(
        &self,
        connection: Connection,
        response: Response<Incoming>,
        deadline: Instant,
        request: &EwsRequest,
    ) -> Result<EwsReply, TransportError> {
        let status = response.status().as_u16();
        let retry_after = wire::retry_after(response.headers());
        let body = match timeout_at(deadline, response.into_body().collect()).await {
            Err(_) => {
                return Err(
                    TransportError::timed_out_after_send().with_context(self.context(request))
                );
            }
            Ok(Err(err)) => {
                return Err(TransportError::connection_lost()
                    .with_context(self.context(request))
                    .with_source(err));
            }
            Ok(Ok(collected)) => collected.to_bytes(),
        };
        self.put_idle(connection);
        Ok(EwsReply {
            status,
            retry_after,
            body,
        })
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The most recently used idle connection that is still open and fresh.
    fn take_idle(&self) -> Option<Connection> {
        let mut idle = self.idle();
        while let Some(connection) = idle.pop() {
            if !connection.sender.is_closed()
                && connection.idle_since.elapsed() < self.inner.idle_timeout
            {
                debug!("reusing an authenticated connection");
                return Some(connection);
            }
        }
        None
    }

    fn put_idle(&self, mut connection: Connection) {
        if connection.sender.is_closed() {
            return;
        }
        connection.idle_since = std::time::Instant::now();
        let mut idle = self.idle();
        // Stale connections further down are dropped when reached; this keeps
        // the list bounded even if they pile up.
        idle.retain(|c| !c.sender.is_closed());
        if idle.len() < self.inner.max_connections {
            idle.push(connection);
        }
    }
}

wire::transport_in_a_span!(NtlmTransport);

impl fmt::Debug for NtlmTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("NtlmTransport")
            .field("endpoint", &inner.shown)
            .field("credentials", &inner.account)
            .field("service_principal", &inner.service_principal)
            .field("channel_bindings", &inner.channel_bindings)
            .field("timeout", &inner.timeout)
            .field("connect_timeout", &inner.connect_timeout)
            .field("max_connections", &inner.max_connections)
            .field("idle_timeout", &inner.idle_timeout)
            .finish_non_exhaustive()
    }
}
