//! The HTTP fetcher trait: how Autodiscover's requests travel.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use url::Url;

use super::Credentials;

/// The HTTP method of a [`FetchRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchMethod {
    /// `GET`: only the unauthenticated redirect probe.
    Get,
    /// `POST`: an Autodiscover request.
    Post,
}

/// One HTTP request Autodiscover wants sent.
///
/// A fetcher sends it as it is: **never following redirects** (Autodiscover
/// checks each redirect target before anything is sent there), and adding the
/// `Authorization` header only when [`credentials`](Self::credentials) is set.
#[derive(Clone)]
#[non_exhaustive]
pub struct FetchRequest {
    /// The method.
    pub method: FetchMethod,
    /// Where to send it. `https://`, except for the redirect probe (a `GET`
    /// without credentials on `http://`).
    pub url: Url,
    /// Headers to send (`Content-Type`, `SOAPAction`), none of them secret.
    pub headers: Vec<(&'static str, String)>,
    /// The request body (empty for `GET`).
    pub body: Bytes,
    /// The credentials to send, set only for hosts the safety rules allow.
    pub credentials: Option<Credentials>,
}

impl FetchRequest {
    /// A `GET` of `url` without credentials.
    #[must_use]
    pub fn get(url: Url) -> Self {
        Self {
            method: FetchMethod::Get,
            url,
            headers: Vec::new(),
            body: Bytes::new(),
            credentials: None,
        }
    }

    /// A `POST` of `body` to `url` without credentials.
    #[must_use]
    pub fn post(url: Url, body: impl Into<Bytes>) -> Self {
        Self {
            method: FetchMethod::Post,
            body: body.into(),
            ..Self::get(url)
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sends `credentials` with the request.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
}

impl fmt::Debug for FetchRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchRequest")
            .field("method", &self.method)
            .field("url", &crate::transport::redacted_url(&self.url))
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// The reply to a [`FetchRequest`], whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Location` header, if any (redirects).
    pub location: Option<String>,
    /// The body.
    pub body: Bytes,
}

impl FetchResponse {
    /// A response with `status` and `body` and no `Location`.
    #[must_use]
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            location: None,
            body: body.into(),
        }
    }

    /// A redirect (`status` 301, 302, 303, 307 or 308) to `location`.
    #[must_use]
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Self {
            status,
            location: Some(location.into()),
            body: Bytes::new(),
        }
    }

    /// Whether the status is a redirect that carries a `Location`.
    #[must_use]
    pub fn redirect_target(&self) -> Option<&str> {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
            .then_some(self.location.as_deref())
            .flatten()
    }
}

/// Why a request got no reply (connection refused, TLS failure, timeout, a
/// fetcher's own refusal). Never holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FetchError {
    message: String,
}

impl FetchError {
    /// An error with this description.
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// The future returned by the object-safe form of [`Fetcher`].
pub(crate) type BoxedFetch<'a> =
    Pin<Box<dyn Future<Output = Result<FetchResponse, FetchError>> + Send + 'a>>;

/// Sends Autodiscover's HTTP requests.
///
/// The default, with the `http` feature, is [`HttpFetcher`](super::HttpFetcher).
/// Implement it to use another HTTP client, or to test code that uses
/// Autodiscover:
///
/// ```
/// use offline_im::autodiscover::{FetchError, FetchRequest, FetchResponse, Fetcher};
///
/// /// Every host is unreachable.
/// struct Offline;
///
/// impl Fetcher for Offline {
///     async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
///         Err(FetchError::new(format!("offline: {}", request.url)))
///     }
/// }
/// ```
pub trait Fetcher: Send + Sync {
    /// Sends `request` and returns the reply, whatever its status.
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> impl Future<Output = Result<FetchResponse, FetchError>> + Send;
}

/// The object-safe form of [`Fetcher`], used inside the client.
pub(crate) trait DynFetcher: Send + Sync {
    fn fetch_boxed(&self, request: FetchRequest) -> BoxedFetch<'_>;
}

impl<T: Fetcher> DynFetcher for T {
    fn fetch_boxed(&self, request: FetchRequest) -> BoxedFetch<'_> {
        Box::pin(self.fetch(request))
    }
}
