//! `HttpTransport`: one SOAP POST per request, over reqwest.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::SecretString;
use tracing::debug;
use url::Url;

use super::auth::{Auth, token_rule};
use super::{HttpTransportBuilder, TokenError, TransportBuildError, wire};
use crate::transport::{Method, Reply, Request, TransportError};

/// A [`Transport`](crate::transport::Transport) that sends each request over
/// HTTPS, to its endpoint (an EWS endpoint) or to the request's own URL.
///
/// Build one with [`HttpTransport::builder`]; see [`HttpTransportBuilder`] for the
/// settings and their defaults. Cloning is cheap and clones share one connection
/// pool, so build one per endpoint and credentials, and clone it.
///
/// Each request goes with its [`method`](crate::transport::Request::method)
/// (`POST` unless it says otherwise) to its [`url`](crate::transport::Request::url)
/// or the endpoint, with its `Content-Type` (`text/xml; charset=utf-8` for SOAP),
/// the `Authorization` header of the chosen scheme (marked sensitive; none for a
/// request [`without_credentials`](crate::transport::Request::without_credentials)),
/// and, when the request carries them, `X-AnchorMailbox`, `client-request-id` with
/// `return-client-request-id: true`, and its extra headers.
///
/// It speaks HTTP/1.1, which every Exchange version serves EWS over, with TLS from
/// rustls, or from the platform's library with the `native-tls` feature.
///
/// **Redirects are never followed.** A 3xx reply is returned as it is. EWS
/// endpoints do not redirect in normal operation; following a redirect would mean
/// sending the credentials, or the mail, to a host nobody configured. Find the
/// right endpoint (Autodiscover, configuration) and build a transport for it.
///
/// **Logging.** Each request runs in an `ews_request` span (level INFO) with the
/// operation, the endpoint and the client request id; `debug` events report
/// sending (body size), the reply (status, size, time taken), token refreshes and
/// failures. Bodies, passwords and tokens are never logged at any level.
#[derive(Clone)]
pub struct HttpTransport {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    endpoint: Url,
    shown: String,
    auth: Auth,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    allow_http: bool,
}

/// The checked settings, handed over by the builder.
pub(super) struct Settings {
    pub(super) endpoint: Url,
    pub(super) shown: String,
    pub(super) auth: Auth,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) pool_max_idle_per_host: usize,
    pub(super) user_agent: String,
    pub(super) resolve: Vec<(String, std::net::SocketAddr)>,
    pub(super) roots: Vec<Vec<u8>>,
    pub(super) allow_http: bool,
    pub(super) env_proxy: bool,
}

impl HttpTransport {
    /// Starts building a transport for the EWS endpoint `endpoint`, normally
    /// `https://<server>/EWS/Exchange.asmx`.
    pub fn builder(endpoint: Url) -> HttpTransportBuilder {
        HttpTransportBuilder::new(endpoint)
    }

    /// The endpoint requests go to.
    #[must_use]
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    pub(super) fn from_settings(settings: Settings) -> Result<Self, TransportBuildError> {
        let mut client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .pool_max_idle_per_host(settings.pool_max_idle_per_host)
            .user_agent(settings.user_agent.as_str())
            .referer(false);
        if !settings.env_proxy {
            client = client.no_proxy();
        }
        #[cfg(feature = "native-tls")]
        {
            client = client.tls_backend_native();
        }
        for (host, addr) in &settings.resolve {
            client = client.resolve(host, *addr);
        }
        if !settings.roots.is_empty() {
            let roots = settings
                .roots
                .iter()
                .map(|der| reqwest::Certificate::from_der(der))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| TransportBuildError::Client {
                    source: Box::new(err.without_url()),
                })?;
            client = client.tls_certs_only(roots);
        }
        let client = client.build().map_err(|err| TransportBuildError::Client {
            source: Box::new(err.without_url()),
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                endpoint: settings.endpoint,
                shown: settings.shown,
                auth: settings.auth,
                timeout: settings.timeout,
                connect_timeout: settings.connect_timeout,
                user_agent: settings.user_agent,
                allow_http: settings.allow_http,
            }),
        })
    }

    async fn exchange(&self, request: Request) -> Result<Reply, TransportError> {
        let inner = &*self.inner;
        let started = Instant::now();
        debug!(
            body_bytes = request.body.len(),
            auth = inner.auth.scheme(),
            "sending EWS request"
        );
        let result = self.authenticated_post(&request).await;
        let result = match result {
            Ok(response) => self.read(response, &request).await,
            Err(err) => Err(err),
        };
        wire::log_outcome(&result, started.elapsed());
        result
    }

    /// Sends the request; with a token provider, once more with a fresh token after
    /// a 401.
    async fn authenticated_post(
        &self,
        request: &Request,
    ) -> Result<reqwest::Response, TransportError> {
        let provider = match &self.inner.auth {
            Auth::Provider(provider) if !request.anonymous => provider,
            _ => return self.post(request, None).await,
        };
        let token = self.checked_token(provider.token_boxed().await, request)?;
        let response = self.post(request, Some(&token)).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        debug!("the server refused the access token (401); refreshing it and sending once more");
        // Read the refusal so the connection can be reused; its content is not needed.
        let _ = response.bytes().await;
        let token = self.checked_token(provider.refresh_boxed().await, request)?;
        self.post(request, Some(&token)).await
    }

    fn checked_token(
        &self,
        token: Result<SecretString, TokenError>,
        request: &Request,
    ) -> Result<SecretString, TransportError> {
        let token = token.map_err(|err| {
            TransportError::token_unavailable(err.is_transient())
                .with_context(self.context(request))
                .with_source(err)
        })?;
        if let Some(rule) = token_rule(&token) {
            return Err(TransportError::token_unavailable(false)
                .with_context(self.context(request))
                .with_source(format!(
                    "the token provider returned an unusable token: {rule}"
                )));
        }
        Ok(token)
    }

    async fn post(
        &self,
        request: &Request,
        token: Option<&SecretString>,
    ) -> Result<reqwest::Response, TransportError> {
        let inner = &*self.inner;
        let invalid = |rule: String| {
            TransportError::invalid_request()
                .with_context(self.context(request))
                .with_source(rule)
        };
        let url = wire::request_url(request, &inner.endpoint, inner.allow_http)
            .map_err(|err| invalid(err.to_string()))?;
        let mut headers = HeaderMap::new();
        wire::request_headers(request, &mut headers).map_err(invalid)?;
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = inner.client.request(method, url.clone()).headers(headers);
        if !request.body.is_empty() || request.method == Method::Post {
            builder = builder.body(request.body.clone());
        }
        if !request.anonymous {
            builder = inner.auth.apply(builder, token);
        }
        builder
            .send()
            .await
            .map_err(|err| self.failure(err, request))
    }

    async fn read(
        &self,
        response: reqwest::Response,
        request: &Request,
    ) -> Result<Reply, TransportError> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|err| self.failure(err, request))?;
        Ok(wire::reply(status, &headers, body))
    }

    /// Turns a reqwest error into a `TransportError`. Only a connect failure proves
    /// the request was not sent; anything after that may have reached the server.
    fn failure(&self, err: reqwest::Error, request: &Request) -> TransportError {
        let error = if err.is_connect() {
            if err.is_timeout() {
                TransportError::connect_timed_out()
            } else {
                TransportError::connect_failed()
            }
        } else if err.is_timeout() {
            TransportError::timed_out_after_send()
        } else if err.is_builder() {
            TransportError::invalid_request()
        } else {
            TransportError::connection_lost()
        };
        error
            .with_context(self.context(request))
            .with_source(err.without_url())
    }
}

wire::transport_in_a_span!(HttpTransport);

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("HttpTransport")
            .field("endpoint", &inner.shown)
            .field("auth", &inner.auth)
            .field("timeout", &inner.timeout)
            .field("connect_timeout", &inner.connect_timeout)
            .field("user_agent", &inner.user_agent)
            .finish_non_exhaustive()
    }
}
