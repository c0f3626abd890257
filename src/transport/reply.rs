//! What came back from the server.

use std::fmt;

use bytes::Bytes;

use super::RetryAfter;

/// The server's answer to one [`Request`](super::Request), whatever its HTTP
/// status.
///
/// A transport returns every status it receives, 2xx or not: EWS reports SOAP faults
/// with HTTP 500 and throttling with 503, and the sending pipeline reads both. A
/// redirect (3xx) is returned as it is too, with its [`location`](Self::location):
/// no transport follows redirects (following one would mean sending the
/// credentials, or the mail, to a host nobody configured; Autodiscover checks
/// each redirect target against its safety rules before anything goes there).
///
/// ```
/// use offline_im::transport::{Reply, RetryAfter};
/// use std::time::Duration;
///
/// let busy = Reply::new(503, "")
///     .with_retry_after(RetryAfter::Delay(Duration::from_secs(30)));
/// assert!(!busy.is_success());
/// assert_eq!(busy.retry_after, Some(RetryAfter::Delay(Duration::from_secs(30))));
///
/// let moved = Reply::redirect(302, "https://autodiscover.contoso.com/autodiscover/autodiscover.xml");
/// assert!(moved.redirect_target().is_some());
/// ```
///
/// `Debug` shows the body's size, not its content.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply {
    /// The HTTP status code (200, 401, 500, 503, ...).
    pub status: u16,
    /// The `Retry-After` header, when the server sent one that could be parsed.
    pub retry_after: Option<RetryAfter>,
    /// The `Location` header, when the server sent one (redirects; never followed).
    pub location: Option<String>,
    /// The `Content-Type` header, when the server sent one.
    pub content_type: Option<String>,
    /// The response body, unchanged (normally a SOAP envelope; may be empty or HTML
    /// for errors raised before EWS, such as 401 or 503 from a load balancer).
    pub body: Bytes,
}

/// The same type as [`Reply`], under the name it had when only EWS used it.
pub type EwsReply = Reply;

impl Reply {
    /// A reply with `status` and `body`, without any header.
    #[must_use]
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            retry_after: None,
            location: None,
            content_type: None,
            body: body.into(),
        }
    }

    /// A `200 OK` reply carrying `body`.
    #[must_use]
    pub fn ok(body: impl Into<Bytes>) -> Self {
        Self::new(200, body)
    }

    /// A redirect (`status` 301, 302, 303, 307 or 308) to `location`, without a body.
    #[must_use]
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Self::new(status, Bytes::new()).with_location(location)
    }

    /// Sets the `Retry-After` wait.
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: RetryAfter) -> Self {
        self.retry_after = Some(retry_after);
        self
    }

    /// Sets the `Location` header.
    #[must_use]
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Sets the `Content-Type` header.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// True for a 2xx status.
    #[must_use]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `Location` of a redirect: `Some` when the status is 301, 302, 303,
    /// 307 or 308 and a `Location` came with it.
    #[must_use]
    pub fn redirect_target(&self) -> Option<&str> {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
            .then_some(self.location.as_deref())
            .flatten()
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            .field("location", &self.location)
            .field("content_type", &self.content_type)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}
