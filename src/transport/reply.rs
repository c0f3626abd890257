//! What came back from the EWS endpoint.

use std::fmt;

use bytes::Bytes;

use super::RetryAfter;

/// The server's answer to one [`EwsRequest`](super::EwsRequest), whatever its
/// HTTP status.
///
/// A transport returns every status it receives, 2xx or not: EWS reports SOAP faults
/// with HTTP 500 and throttling with 503, and the sending pipeline reads both. A
/// redirect (3xx) is returned as it is too; see
/// [`HttpTransport`](super::HttpTransport) for why it is never followed.
///
/// ```
/// use offline_im::transport::{EwsReply, RetryAfter};
/// use std::time::Duration;
///
/// let busy = EwsReply::new(503, "")
///     .with_retry_after(RetryAfter::Delay(Duration::from_secs(30)));
/// assert!(!busy.is_success());
/// assert_eq!(busy.retry_after, Some(RetryAfter::Delay(Duration::from_secs(30))));
/// ```
///
/// `Debug` shows the body's size, not its content.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EwsReply {
    /// The HTTP status code (200, 401, 500, 503, ...).
    pub status: u16,
    /// The `Retry-After` header, when the server sent one that could be parsed.
    pub retry_after: Option<RetryAfter>,
    /// The response body, unchanged (normally a SOAP envelope; may be empty or HTML
    /// for errors raised before EWS, such as 401 or 503 from a load balancer).
    pub body: Bytes,
}

impl EwsReply {
    /// A reply with `status` and `body`, without `Retry-After`.
    #[must_use]
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            retry_after: None,
            body: body.into(),
        }
    }

    /// A `200 OK` reply carrying `body`.
    #[must_use]
    pub fn ok(body: impl Into<Bytes>) -> Self {
        Self::new(200, body)
    }

    /// Sets the `Retry-After` wait.
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: RetryAfter) -> Self {
        self.retry_after = Some(retry_after);
        self
    }

    /// True for a 2xx status.
    #[must_use]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl fmt::Debug for EwsReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EwsReply")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}
