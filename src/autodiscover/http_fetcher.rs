//! `HttpFetcher`: Autodiscover's requests over reqwest (feature `http`).

use std::fmt;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue, LOCATION};

use super::{FetchError, FetchMethod, FetchRequest, FetchResponse, Fetcher};
use crate::transport::{Connection, connection_setters};

/// The default cap on a response body: 1 MiB (Autodiscover answers are a few KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The default [`Fetcher`]: HTTPS on reqwest, never following redirects.
///
/// It refuses, without sending anything, a plain-`http://` request unless it is
/// a `GET` without credentials (the redirect probe), and any other scheme. The
/// `Authorization` header is marked sensitive. Bodies are capped at
/// [`HttpFetcherBuilder::max_response_bytes`].
#[derive(Clone)]
pub struct HttpFetcher {
    client: reqwest::Client,
    max_response_bytes: usize,
    /// What Windows authentication needs to open its own connections.
    #[cfg(feature = "ntlm")]
    windows: WindowsSettings,
}

/// The settings an `NtlmTransport` for one Autodiscover URL is built with.
#[cfg(feature = "ntlm")]
#[derive(Clone)]
struct WindowsSettings {
    connection: Connection,
    roots_der: Vec<Vec<u8>>,
    resolve: Vec<(String, std::net::SocketAddr)>,
}

impl HttpFetcher {
    /// Starts building a fetcher; see [`HttpFetcherBuilder`] for the defaults.
    pub fn builder() -> HttpFetcherBuilder {
        HttpFetcherBuilder::default()
    }
}

impl fmt::Debug for HttpFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpFetcher")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// A setting [`HttpFetcherBuilder::build`] refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetcherBuildError {
    /// An extra root certificate is neither PEM nor DER.
    #[error("extra root certificate #{index} is not a PEM or DER certificate")]
    InvalidCertificate {
        /// Its position among the certificates added, from 0.
        index: usize,
    },
    /// A timeout of zero.
    #[error("the {setting} must be longer than zero")]
    InvalidTimeout {
        /// `"timeout"` or `"connect_timeout"`.
        setting: &'static str,
    },
    /// The HTTP client could not be set up.
    #[error("the HTTP client could not be set up: {message}")]
    Client {
        /// What reqwest reported.
        message: String,
    },
}

/// Builds an [`HttpFetcher`].
///
/// | setting | default |
/// | --- | --- |
/// | [`timeout`](Self::timeout) | 20 s per request |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | [`add_root_certificate`](Self::add_root_certificate) | none: the system's trusted roots only |
/// | [`resolve`](Self::resolve) | none: DNS as usual |
/// | [`max_response_bytes`](Self::max_response_bytes) | [`DEFAULT_MAX_RESPONSE_BYTES`] |
/// | [`user_agent`](Self::user_agent) | [`DEFAULT_USER_AGENT`](crate::transport::DEFAULT_USER_AGENT) |
/// | [`env_proxy`](Self::env_proxy) | true: honour `HTTPS_PROXY` and friends |
#[must_use]
#[derive(Debug, Clone)]
pub struct HttpFetcherBuilder {
    connection: Connection,
    roots: Vec<Vec<u8>>,
    max_response_bytes: usize,
    env_proxy: bool,
}

impl Default for HttpFetcherBuilder {
    fn default() -> Self {
        Self {
            connection: Connection::new(Duration::from_secs(20)),
            roots: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            env_proxy: true,
        }
    }
}

impl HttpFetcherBuilder {
    connection_setters!();

    /// Also trusts this root certificate (PEM or DER), besides the system's: for
    /// an organization's own CA, or a test certificate.
    pub fn add_root_certificate(mut self, pem_or_der: impl Into<Vec<u8>>) -> Self {
        self.roots.push(pem_or_der.into());
        self
    }

    /// The largest response body read. Default: [`DEFAULT_MAX_RESPONSE_BYTES`].
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Whether to use a proxy named by the environment. Default: true.
    pub fn env_proxy(mut self, enabled: bool) -> Self {
        self.env_proxy = enabled;
        self
    }

    /// Builds the fetcher.
    ///
    /// # Errors
    /// [`FetcherBuildError`]: a certificate that is neither PEM nor DER, a zero
    /// timeout, or an HTTP client that could not be set up.
    pub fn build(self) -> Result<HttpFetcher, FetcherBuildError> {
        for (setting, value) in [
            ("timeout", self.connection.timeout),
            ("connect_timeout", self.connection.connect_timeout),
        ] {
            if value.is_zero() {
                return Err(FetcherBuildError::InvalidTimeout { setting });
            }
        }
        let mut client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.connection.timeout)
            .connect_timeout(self.connection.connect_timeout)
            .user_agent(self.connection.user_agent.clone())
            .referer(false);
        if !self.env_proxy {
            client = client.no_proxy();
        }
        #[cfg(feature = "native-tls")]
        {
            client = client.tls_backend_native();
        }
        let mut roots = Vec::new();
        for (index, bytes) in self.roots.iter().chain(&self.connection.roots).enumerate() {
            let cert = if bytes.starts_with(b"-----BEGIN") {
                reqwest::Certificate::from_pem(bytes)
            } else {
                reqwest::Certificate::from_der(bytes)
            };
            roots.push(cert.map_err(|_| FetcherBuildError::InvalidCertificate { index })?);
        }
        if !roots.is_empty() {
            client = client.tls_certs_merge(roots);
        }
        for (host, addr) in &self.connection.resolve {
            client = client.resolve(host, *addr);
        }
        let client = client.build().map_err(|err| FetcherBuildError::Client {
            message: error_chain(&err.without_url()),
        })?;
        Ok(HttpFetcher {
            client,
            max_response_bytes: self.max_response_bytes,
            #[cfg(feature = "ntlm")]
            windows: WindowsSettings {
                roots_der: self
                    .roots
                    .iter()
                    .chain(&self.connection.roots)
                    .filter(|bytes| !bytes.starts_with(b"-----BEGIN"))
                    .cloned()
                    .collect(),
                resolve: self.connection.resolve.clone(),
                connection: self.connection.clone(),
            },
        })
    }
}

impl Fetcher for HttpFetcher {
    async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        let shown = crate::transport::redacted_url(&request.url);
        match (request.url.scheme(), request.method, &request.credentials) {
            ("https", _, _) | ("http", FetchMethod::Get, None) => {}
            ("http", _, _) => {
                return Err(FetchError::new(format!(
                    "refused to send credentials or a request body over plain HTTP to {shown}"
                )));
            }
            (scheme, _, _) => {
                return Err(FetchError::new(format!(
                    "refused the scheme {scheme:?} of {shown}"
                )));
            }
        }
        #[cfg(feature = "ntlm")]
        if let Some(account) = request.credentials.as_ref().and_then(|c| c.windows()) {
            return self.fetch_windows(&request, account.clone()).await;
        }
        let mut builder = match request.method {
            FetchMethod::Get => self.client.get(request.url.clone()),
            FetchMethod::Post => self.client.post(request.url.clone()).body(request.body),
        };
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(authorization) = request.credentials.as_ref().and_then(|c| c.authorization()) {
            let mut value = HeaderValue::from_str(&authorization)
                .map_err(|_| FetchError::new("the credentials cannot be sent in an HTTP header"))?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        let fail = |err: reqwest::Error| FetchError::new(error_chain(&err.without_url()));
        let mut response = builder.send().await.map_err(fail)?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(FetchError::new(format!(
                    "the response from {shown} is larger than {} bytes",
                    self.max_response_bytes
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchResponse {
            status,
            location,
            body: body.into(),
        })
    }
}

#[cfg(feature = "ntlm")]
impl HttpFetcher {
    /// A `POST` with Windows authentication, on a connection authenticated by
    /// `NtlmTransport`'s handshake (NTLM or Negotiate).
    async fn fetch_windows(
        &self,
        request: &FetchRequest,
        account: crate::transport::ntlm::account::Account,
    ) -> Result<FetchResponse, FetchError> {
        use crate::transport::{EwsRequest, NtlmTransportBuilder, Transport};
        let settings = &self.windows;
        let mut builder = NtlmTransportBuilder::new(request.url.clone(), account)
            .timeout(settings.connection.timeout)
            .connect_timeout(settings.connection.connect_timeout)
            .user_agent(settings.connection.user_agent.clone())
            .max_connections(1);
        for der in &settings.roots_der {
            builder = builder.trust_only_root_der(der.clone());
        }
        for (host, addr) in &settings.resolve {
            builder = builder.resolve(host.clone(), *addr);
        }
        let transport = builder
            .build()
            .map_err(|err| FetchError::new(error_chain(&err)))?;
        let reply = transport
            .send(EwsRequest::new("Autodiscover", request.body.clone()))
            .await
            .map_err(|err| FetchError::new(error_chain(&err)))?;
        if reply.body.len() > self.max_response_bytes {
            return Err(FetchError::new(format!(
                "the response from {} is larger than {} bytes",
                crate::transport::redacted_url(&request.url),
                self.max_response_bytes
            )));
        }
        Ok(FetchResponse::new(reply.status, reply.body))
    }
}

/// An error and its sources, joined with ": ".
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}
