//! `NtlmTransport`: a pool of connections that each completed an NTLM handshake.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, HOST, HeaderMap, HeaderValue, USER_AGENT};
use hyper::{Response, StatusCode, Uri};
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;
use tracing::debug;
use url::Url;

use super::account::Account;
use super::connection::{self, Connection};
use super::handshake::Opened;
use super::origin::{Job, Origin, path_and_query};
use super::{NtlmCredentials, NtlmTransportBuilder};
use crate::transport::http::wire;
use crate::transport::{Reply, Request, TransportBuildError, TransportError};

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
///   [`Reply`], as with [`HttpTransport`](super::super::HttpTransport): the
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
/// Each request goes with its method, to its URL or the endpoint, with the
/// same headers as `HttpTransport`'s (`Content-Type`, `X-AnchorMailbox`,
/// `client-request-id`, the request's extra headers), over HTTP/1.1 with TLS
/// from rustls, trusting the platform's certificates (the `native-tls` feature
/// does not apply here). Redirects are never followed, and no proxy is used.
///
/// **Per-request URLs.** Connections are authenticated per origin (scheme,
/// host, port): a request whose [`url`](crate::transport::Request::url) names
/// another host gets connections of its own, authenticated for that host (NTLM
/// target name and Kerberos service principal `HTTP/<that host>`; the
/// configured [`service_principal`](NtlmTransportBuilder::service_principal)
/// applies to the endpoint's origin only). The handshake is always done with
/// empty `POST`s, whatever the request's method. A request
/// [`without_credentials`](crate::transport::Request::without_credentials) goes
/// on a connection opened for it alone, without any handshake, closed after
/// the reply.
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
    /// The endpoint's origin, with the configured service principal.
    pub(super) origin: Arc<Origin>,
    /// The endpoint's path and query.
    pub(super) uri: Uri,
    pub(super) connector: TlsConnector,
    pub(super) resolve: Vec<(String, std::net::SocketAddr)>,
    pub(super) allow_http: bool,
    pub(super) user_agent: HeaderValue,
    pub(super) account: Account,
    pub(super) channel_bindings: bool,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) idle_timeout: Duration,
    pub(super) max_connections: usize,
    /// Idle authenticated connections, each with the key of its origin.
    pub(super) idle: Mutex<Vec<(String, Connection)>>,
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
    pub(super) resolve: Vec<(String, std::net::SocketAddr)>,
    pub(super) allow_http: bool,
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
        let client_error = |source: Box<dyn std::error::Error + Send + Sync>| {
            TransportBuildError::Client { source }
        };
        let connector =
            connection::tls_connector(&settings.roots).map_err(|err| client_error(err.into()))?;
        let endpoint = settings.endpoint;
        let origin = Origin::new(
            &endpoint,
            &connector,
            settings.service_principal.as_deref(),
            connect_to(&settings.resolve, &endpoint),
        )
        .map_err(client_error)?;
        Ok(Self {
            inner: Arc::new(Inner {
                shown: settings.shown,
                origin: Arc::new(origin),
                uri: path_and_query(&endpoint).map_err(client_error)?,
                connector,
                resolve: settings.resolve,
                allow_http: settings.allow_http,
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

    /// Where `request` goes: the endpoint, or its own URL (checked), on the
    /// endpoint's origin when it is the same.
    fn job<'a>(&self, request: &'a Request) -> Result<Job<'a>, TransportError> {
        let inner = &*self.inner;
        let invalid = |source: Box<dyn std::error::Error + Send + Sync>| {
            TransportError::invalid_request()
                .with_context(self.context(request))
                .with_source(source)
        };
        let url = wire::request_url(request, &inner.endpoint, inner.allow_http)
            .map_err(|err| invalid(err.into()))?;
        let (origin, uri) = if request.url.is_none() {
            (inner.origin.clone(), inner.uri.clone())
        } else {
            let origin = Origin::new(url, &inner.connector, None, connect_to(&inner.resolve, url))
                .map_err(invalid)?;
            let origin = if origin.key == inner.origin.key {
                inner.origin.clone()
            } else {
                Arc::new(origin)
            };
            (origin, path_and_query(url).map_err(invalid)?)
        };
        Ok(Job {
            request,
            origin,
            uri,
            method: Job::method(request.method),
        })
    }

    async fn exchange(&self, request: Request) -> Result<Reply, TransportError> {
        let started = Instant::now();
        debug!(
            body_bytes = request.body.len(),
            auth = if request.anonymous {
                "none"
            } else {
                self.inner.account.protocol()
            },
            "sending EWS request"
        );
        let result = match self.job(&request) {
            Ok(job) if request.anonymous => self.exchange_anonymous(&job).await,
            Ok(job) => self.exchange_inner(&job).await,
            Err(err) => Err(err),
        };
        wire::log_outcome(&result, started.elapsed());
        result
    }

    async fn exchange_inner(&self, job: &Job<'_>) -> Result<Reply, TransportError> {
        let request = job.request;
        let _permit = self.permit(request).await?;
        let deadline = Instant::now() + self.inner.timeout;
        let headers = self.request_headers(job)?;

        while let Some(connection) = self.take_idle(&job.origin.key) {
            match self.send_on(connection, &headers, deadline, job).await {
                Attempt::Reply(_, response) if response.status() == StatusCode::UNAUTHORIZED => {
                    debug!(
                        "401 on an authenticated connection; authenticating a new one and sending once more"
                    );
                    break;
                }
                Attempt::Reply(connection, response) => {
                    return self.read(Some(connection), response, deadline, job).await;
                }
                Attempt::NotSent => {}
                Attempt::Failed(err) => return Err(err),
            }
        }

        let connection = match self.open_authenticated(deadline, job).await? {
            Opened::Ready(connection) => connection,
            Opened::Refused(reply) => return Ok(reply),
        };
        self.send_on_new(connection, &headers, deadline, job, true)
            .await
    }

    /// A request without credentials: on a connection of its own, opened for
    /// it without a handshake and closed after it (it is not authenticated, so
    /// no other request may use it).
    async fn exchange_anonymous(&self, job: &Job<'_>) -> Result<Reply, TransportError> {
        let _permit = self.permit(job.request).await?;
        let deadline = Instant::now() + self.inner.timeout;
        let headers = self.request_headers(job)?;
        let connection = self.open(deadline, job).await?;
        self.send_on_new(connection, &headers, deadline, job, false)
            .await
    }

    /// Holding a permit is what allows holding a connection: at most
    /// `max_connections` exist (idle ones were opened under a permit too).
    async fn permit(
        &self,
        request: &Request,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, TransportError> {
        self.inner.permits.acquire().await.map_err(|err| {
            TransportError::connect_failed()
                .with_context(self.context(request))
                .with_source(err)
        })
    }

    /// Sends on a connection just opened; `keep` puts it back in the pool after.
    async fn send_on_new(
        &self,
        connection: Connection,
        headers: &HeaderMap,
        deadline: Instant,
        job: &Job<'_>,
        keep: bool,
    ) -> Result<Reply, TransportError> {
        match self.send_on(connection, headers, deadline, job).await {
            Attempt::Reply(connection, response) => {
                self.read(keep.then_some(connection), response, deadline, job)
                    .await
            }
            Attempt::NotSent => Err(TransportError::connect_failed()
                .with_context(self.context(job.request))
                .with_source("the server closed the new connection before the request was sent")),
            Attempt::Failed(err) => Err(err),
        }
    }

    /// The headers of the request itself.
    fn request_headers(&self, job: &Job<'_>) -> Result<HeaderMap, TransportError> {
        let request = job.request;
        let mut headers = HeaderMap::new();
        wire::request_headers(request, &mut headers).map_err(|err| {
            TransportError::invalid_request()
                .with_context(self.context(request))
                .with_source(err)
        })?;
        headers.insert(HOST, job.origin.host.clone());
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        headers.insert(CONTENT_LENGTH, HeaderValue::from(request.body.len()));
        Ok(headers)
    }

    /// A request on `job`'s path with `method`, `headers` and `body`.
    pub(super) fn http_request(
        job: &Job<'_>,
        method: hyper::Method,
        headers: HeaderMap,
        body: Bytes,
    ) -> hyper::Request<Full<Bytes>> {
        let mut request = hyper::Request::new(Full::new(body));
        *request.method_mut() = method;
        *request.uri_mut() = job.uri.clone();
        *request.headers_mut() = headers;
        request
    }

    /// Sends on `connection`, telling apart "not sent" (the connection was closed
    /// first) from failures after sending began.
    async fn send_on(
        &self,
        mut connection: Connection,
        headers: &HeaderMap,
        deadline: Instant,
        job: &Job<'_>,
    ) -> Attempt {
        let request = job.request;
        match timeout_at(deadline, connection.sender.ready()).await {
            Err(_) => {
                return Attempt::Failed(
                    TransportError::connect_timed_out().with_context(self.context(request)),
                );
            }
            Ok(Err(_closed)) => return Attempt::NotSent,
            Ok(Ok(())) => {}
        }
        let sent = Self::http_request(
            job,
            job.method.clone(),
            headers.clone(),
            request.body.clone(),
        );
        match timeout_at(deadline, connection.sender.try_send_request(sent)).await {
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

    /// Reads the reply's body and puts the connection, if any, back for the
    /// next request of its origin.
    async fn read(
        &self,
        connection: Option<Connection>,
        response: Response<Incoming>,
        deadline: Instant,
        job: &Job<'_>,
    ) -> Result<Reply, TransportError> {
        let request = job.request;
        let (parts, body) = response.into_parts();
        let body = match timeout_at(deadline, body.collect()).await {
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
        if let Some(connection) = connection {
            self.put_idle(&job.origin.key, connection);
        }
        Ok(wire::reply(parts.status.as_u16(), &parts.headers, body))
    }

    fn idle(&self) -> MutexGuard<'_, Vec<(String, Connection)>> {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The most recently used idle connection of `origin` that is still open
    /// and fresh. Closed and stale connections met on the way are dropped.
    fn take_idle(&self, origin: &str) -> Option<Connection> {
        let mut idle = self.idle();
        idle.retain(|(_, c)| {
            !c.sender.is_closed() && c.idle_since.elapsed() < self.inner.idle_timeout
        });
        let at = idle.iter().rposition(|(key, _)| key == origin)?;
        debug!("reusing an authenticated connection");
        Some(idle.remove(at).1)
    }

    fn put_idle(&self, origin: &str, mut connection: Connection) {
        if connection.sender.is_closed() {
            return;
        }
        connection.idle_since = std::time::Instant::now();
        let mut idle = self.idle();
        // Closed connections are dropped here too; this keeps the list bounded
        // even if they pile up.
        idle.retain(|(_, c)| !c.sender.is_closed());
        if idle.len() < self.inner.max_connections {
            idle.push((origin.to_owned(), connection));
        }
    }
}

/// The address to connect to for `url`'s host instead of asking DNS, when
/// `resolve` names it: the URL's port if it has one, otherwise `addr`'s, or the
/// scheme's default when that is 0 (as reqwest does).
fn connect_to(
    resolve: &[(String, std::net::SocketAddr)],
    url: &Url,
) -> Option<std::net::SocketAddr> {
    let host = url.host_str()?;
    let (_, addr) = resolve.iter().find(|(name, _)| name == host)?;
    let port = match (url.port(), addr.port()) {
        (Some(port), _) => port,
        (None, 0) => url.port_or_known_default().unwrap_or(443),
        (None, port) => port,
    };
    Some(std::net::SocketAddr::new(addr.ip(), port))
}

wire::transport_in_a_span!(NtlmTransport);

impl fmt::Debug for NtlmTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("NtlmTransport")
            .field("endpoint", &inner.shown)
            .field("credentials", &inner.account)
            .field("service_principal", &inner.origin.service_principal)
            .field("channel_bindings", &inner.channel_bindings)
            .field("timeout", &inner.timeout)
            .field("connect_timeout", &inner.connect_timeout)
            .field("max_connections", &inner.max_connections)
            .field("idle_timeout", &inner.idle_timeout)
            .finish_non_exhaustive()
    }
}
