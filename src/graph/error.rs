//! Graph's error answers, read into one typed error.
//!
//! Graph answers a failed request with an HTTP status and a JSON body
//! `{"error": {"code", "message", "innerError": {"code"?, "request-id", "date", ...}}}`,
//! and with `Retry-After` (seconds, or an HTTP date) when it throttles or is
//! unavailable (Microsoft Graph, "Microsoft Graph error responses and resource
//! types"; "Microsoft Graph throttling guidance").
//!
//! How an error is classified (the sources in brackets):
//!
//! | class | statuses | codes |
//! |---|---|---|
//! | throttled (wait `Retry-After`, then retry) | 429, 509 [errors page: "Too Many Requests", "Bandwidth Limit Exceeded"] | `activityLimitReached` [errors page]; `ApplicationThrottled` (message "Application is over its MailboxConcurrency limit.", Outlook's answer over the per-mailbox limits: magodo/terraform-provider-outlook#21, alcionai/corso#3695); inner code `throttledRequest` under `accessDenied` (a 429 quoted on Microsoft Q&A, question 1328107); `ErrorServerBusy` [EWS's code, which Outlook passes through] |
//! | transient (retry with back-off) | 408, 423, 500, 502, 503, 504 and any other 5xx but 501 and 507 [errors page: 503 "may be repeated after a delay"; 504 gateway timeout; 423 locked] | `serviceNotAvailable`, `generalException` [errors page] |
//! | unauthorized (get a new token, then retry once) | 401 [errors page] | `InvalidAuthenticationToken`, `unauthenticated` |
//! | permanent (this request will never succeed) | every other status: 400, 403, 404, 405, 406, 409, 410, 411, 412, 413, 415, 416, 422, 501, 507 [errors page: malformed, denied, missing, conflict, too large, not implemented, quota] | e.g. `ErrorInvalidRecipients`, `ErrorQuotaExceeded`, `itemNotFound`, `accessDenied`, `quotaLimitReached` |
//!
//! A throttling code wins over the status (Graph has answered throttling with
//! 503 and with 429 alike); a status outside every row counts as permanent only
//! when it is below 500.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::write_error::shorten;

/// When the server asks the caller to come back (`Retry-After`): the
/// transport's `RetryAfter`, the same type.
pub use crate::transport::RetryAfter;

#[derive(Deserialize)]
struct Envelope {
    error: Body,
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "innerError", alias = "innererror")]
    inner_error: Option<Inner>,
}

#[derive(Deserialize)]
struct Inner {
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "request-id")]
    request_id: Option<String>,
}

/// A failed Graph request: status, Graph's code and message, and `Retry-After`.
///
/// Read with [`GraphError::from_response`], which never fails: a body that is
/// not Graph's error JSON (a proxy's HTML page, nothing at all) still gives an
/// error with the status, no code and a message saying what came instead.
/// Classified by [`is_throttled`](Self::is_throttled),
/// [`is_transient`](Self::is_transient), [`is_unauthorized`](Self::is_unauthorized)
/// and [`is_permanent`](Self::is_permanent) (see the [module docs](self) for the
/// table and its sources); exactly one of the last three is true.
///
/// ```
/// use std::time::Duration;
/// use offline_im::graph::GraphError;
///
/// let body = br#"{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit.","innerError":{"request-id":"r-1","date":"2026-12-06T20:00:00"}}}"#;
/// let err = GraphError::from_response(429, Some("7"), body);
/// assert!(err.is_throttled() && err.is_transient() && !err.is_permanent());
/// assert_eq!(err.code(), Some("ApplicationThrottled"));
/// assert_eq!(err.retry_after_delay(std::time::SystemTime::now()), Some(Duration::from_secs(7)));
///
/// let err = GraphError::from_response(400, None, br#"{"error":{"code":"ErrorInvalidRecipients","message":"At least one recipient isn't valid."}}"#);
/// assert!(err.is_permanent());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    status: u16,
    code: Option<String>,
    message: String,
    inner_code: Option<String>,
    request_id: Option<String>,
    retry_after: Option<RetryAfter>,
}

/// Codes that mean "too much, slow down" whatever the status.
const THROTTLED_CODES: &[&str] = &[
    "activityLimitReached",
    "ApplicationThrottled",
    "ErrorServerBusy",
    "TooManyRequests",
    "throttledRequest",
];

/// Codes that mean "try again later".
const TRANSIENT_CODES: &[&str] = &[
    "serviceNotAvailable",
    "generalException",
    "ErrorTimeoutExpired",
    "ErrorInternalServerTransientError",
];

/// Codes that mean "the token is missing, expired or wrong".
const UNAUTHORIZED_CODES: &[&str] = &["InvalidAuthenticationToken", "unauthenticated"];

fn has(list: &[&str], code: Option<&str>) -> bool {
    code.is_some_and(|c| list.iter().any(|k| k.eq_ignore_ascii_case(c)))
}

impl GraphError {
    /// Reads an error answer: its HTTP `status`, its `Retry-After` header (if
    /// any) and its `body`. Never panics, never fails.
    #[must_use]
    pub fn from_response(status: u16, retry_after: Option<&str>, body: &[u8]) -> Self {
        let retry_after = retry_after.and_then(RetryAfter::parse);
        match serde_json::from_slice::<Envelope>(body) {
            Ok(Envelope { error }) => {
                let (inner_code, request_id) = error
                    .inner_error
                    .map_or((None, None), |i| (i.code, i.request_id));
                Self {
                    status,
                    code: error.code.filter(|c| !c.is_empty()),
                    message: error.message.unwrap_or_default(),
                    inner_code,
                    request_id,
                    retry_after,
                }
            }
            Err(e) => Self {
                status,
                code: None,
                message: if body.iter().all(u8::is_ascii_whitespace) {
                    "no error body".to_owned()
                } else {
                    format!(
                        "not a Graph error body ({e}): {}",
                        shorten(&String::from_utf8_lossy(body))
                    )
                },
                inner_code: None,
                request_id: None,
                retry_after,
            },
        }
    }

    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// Graph's `error.code`, e.g. `ErrorInvalidRecipients`; `None` when the body
    /// had none.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// `error.innerError.code`, when Graph gave a more precise one.
    #[must_use]
    pub fn inner_code(&self) -> Option<&str> {
        self.inner_code.as_deref()
    }

    /// Graph's `error.message` (or what came instead of an error body).
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `innerError.request-id`, for Microsoft support.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The server's `Retry-After`, when it sent a readable one.
    #[must_use]
    pub const fn retry_after(&self) -> Option<RetryAfter> {
        self.retry_after
    }

    /// How long the server asked to wait, counted from `now`.
    #[must_use]
    pub fn retry_after_delay(&self, now: SystemTime) -> Option<Duration> {
        self.retry_after.map(|r| r.delay_from(now))
    }

    fn codes_match(&self, list: &[&str]) -> bool {
        has(list, self.code()) || has(list, self.inner_code())
    }

    /// Graph or Outlook throttled the request: wait (`Retry-After` when given),
    /// then retry, and send less at once.
    #[must_use]
    pub fn is_throttled(&self) -> bool {
        matches!(self.status, 429 | 509) || self.codes_match(THROTTLED_CODES)
    }

    /// The token was refused (401): a new token may make the request succeed.
    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        !self.is_throttled() && (self.status == 401 || self.codes_match(UNAUTHORIZED_CODES))
    }

    /// Retrying later may succeed: throttled, unavailable, timed out, locked.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        if self.is_throttled() {
            return true;
        }
        if self.is_unauthorized() {
            return false;
        }
        matches!(self.status, 408 | 423)
            || (self.status >= 500 && !matches!(self.status, 501 | 507))
            || self.codes_match(TRANSIENT_CODES)
    }

    /// The same request will never succeed: fail this message only.
    #[must_use]
    pub fn is_permanent(&self) -> bool {
        !self.is_transient() && !self.is_unauthorized()
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph answered HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(inner) = &self.inner_code {
            write!(f, " ({inner})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        match self.retry_after {
            Some(RetryAfter::Delay(d)) => write!(f, " (retry after {} s)", d.as_secs())?,
            Some(RetryAfter::At(at)) => write!(f, " (retry at {})", httpdate::fmt_http_date(at))?,
            None => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}
