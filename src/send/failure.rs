//! Why a message failed or was deferred: a kind to act on, Exchange's code, the cause.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::ews::ResponseCode;

type Source = Arc<dyn StdError + Send + Sync>;

/// What kind of trouble stopped a message, for a caller deciding what to do next.
///
/// Ask the [`Failure`] rather than matching when one question is enough
/// ([`Failure::is_timeout`], [`Failure::is_throttled`], [`Failure::is_permanent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// Exchange refused the message for good: a bad or unknown recipient, a quota,
    /// a request it cannot accept. Sending the same message again fails again.
    Rejected,
    /// Exchange refused the credentials or the right to act for the sender
    /// (HTTP 401/403, `ErrorImpersonateUserDenied`, `ErrorAccessDenied`, ...).
    Unauthorized,
    /// Exchange asked the sender to slow down (`ErrorServerBusy`, also when hidden
    /// inside `ErrorInternalServerError`; HTTP 429 or 503), for longer than the
    /// message's deadline allowed. [`Failure::retry_at`] says when, if it did.
    Throttled,
    /// No reply came in time (the transport's timeout).
    Timeout,
    /// No connection could be made, or the reply was lost on the way.
    Connection,
    /// Exchange answered with a server-side error (HTTP 5xx, or
    /// `ErrorInternalServerError` more often than the retry policy allows).
    Server,
    /// A reply was lost and the sender could not find out, before the deadline,
    /// whether Exchange created the message. It was neither sent again nor
    /// given up: send it again later with [`Sender::resume_all`](super::Sender::resume_all)
    /// (or let the spool do it), which looks first.
    OutcomeUnknown,
    /// Exchange accepted the message and its transport is still submitting it (it
    /// sits in the sender's Drafts, marked submitted). It will very probably
    /// arrive; it was not sent again and not deleted.
    InSubmission,
    /// The message could not be planned or written (a setting or an internal
    /// error); nothing reached Exchange.
    Invalid,
    /// The sender's mailbox is in Exchange Online (its profile says
    /// `mailbox = "exchange_online"`) and this [`Sender`](super::Sender) was given
    /// no Graph transport ([`SenderBuilder::graph`](super::SenderBuilder::graph)):
    /// nothing was sent, and it was not sent over EWS either.
    NoGraphBackend,
}

impl FailureKind {
    /// A short name for logs (`rejected`, `throttled`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::Unauthorized => "unauthorized",
            Self::Throttled => "throttled",
            Self::Timeout => "timeout",
            Self::Connection => "connection",
            Self::Server => "server error",
            Self::OutcomeUnknown => "outcome unknown",
            Self::InSubmission => "in submission",
            Self::Invalid => "invalid",
            Self::NoGraphBackend => "no graph backend",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a message failed or was deferred.
///
/// Modelled on `reqwest::Error`: ask questions ([`kind`](Self::kind),
/// [`is_timeout`](Self::is_timeout), [`is_throttled`](Self::is_throttled),
/// [`is_permanent`](Self::is_permanent), [`code`](Self::code),
/// [`retry_at`](Self::retry_at)); the underlying error (a
/// [`TransportError`](crate::transport::TransportError), a
/// [`SoapFault`](crate::ews::SoapFault), a [`ReadError`](crate::ews::ReadError))
/// is its [`source`](std::error::Error::source). The text names what went wrong,
/// never the message's text or a credential.
///
/// ```
/// use offline_im::send::{Failure, FailureKind};
///
/// fn next_step(failure: &Failure) -> &'static str {
///     if failure.is_permanent() {
///         "tell the user"
///     } else if failure.kind() == FailureKind::InSubmission {
///         "wait: Exchange is still sending it"
///     } else {
///         "spool it and try later"
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Failure {
    kind: FailureKind,
    code: Option<ResponseCode>,
    message: Cow<'static, str>,
    retry_at: Option<SystemTime>,
    source: Option<Source>,
}

impl Failure {
    pub(crate) fn new(kind: FailureKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            code: None,
            message: message.into(),
            retry_at: None,
            source: None,
        }
    }

    pub(crate) fn with_code(mut self, code: Option<ResponseCode>) -> Self {
        self.code = code;
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    pub(crate) fn with_retry_at(mut self, at: Option<SystemTime>) -> Self {
        self.retry_at = at;
        self
    }

    pub(crate) fn with_kind(mut self, kind: FailureKind) -> Self {
        self.kind = kind;
        self
    }

    /// What kind of trouble it was.
    #[must_use]
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// Exchange's response code, when the failure came from Exchange (the inner
    /// code when Exchange wrapped it in `ErrorInternalServerError`).
    #[must_use]
    pub fn code(&self) -> Option<&ResponseCode> {
        self.code.as_ref()
    }

    /// What went wrong, for a log or a person (never the message text).
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The earliest time the server allows another attempt, when it named one
    /// (`BackOffMilliseconds`, `Retry-After`). Retrying earlier only earns
    /// another refusal.
    #[must_use]
    pub fn retry_at(&self) -> Option<SystemTime> {
        self.retry_at
    }

    /// Whether no reply came in time.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        self.kind == FailureKind::Timeout
    }

    /// Whether Exchange was throttling the sender.
    #[must_use]
    pub fn is_throttled(&self) -> bool {
        self.kind == FailureKind::Throttled
    }

    /// Whether sending the same message again will fail the same way (rejected,
    /// unauthorized or invalid).
    #[must_use]
    pub fn is_permanent(&self) -> bool {
        matches!(
            self.kind,
            FailureKind::Rejected
                | FailureKind::Unauthorized
                | FailureKind::Invalid
                | FailureKind::NoGraphBackend
        )
    }
}

impl PartialEq for Failure {
    /// Equal when kind, code, message and retry time are (the source is not compared).
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.code == other.code
            && self.message == other.message
            && self.retry_at == other.retry_at
    }
}

impl Eq for Failure {}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Failure");
        s.field("kind", &self.kind);
        if let Some(code) = &self.code {
            s.field("code", code);
        }
        s.field("message", &self.message);
        if let Some(at) = &self.retry_at {
            s.field("retry_at", at);
        }
        if let Some(source) = &self.source {
            s.field("source", &source.to_string());
        }
        s.finish()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code} ({}): {}", self.kind, self.message),
            None => write!(f, "{}: {}", self.kind, self.message),
        }
    }
}

impl StdError for Failure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_follow_the_kind() {
        let quota = Failure::new(FailureKind::Rejected, "the mailbox is full")
            .with_code(Some(ResponseCode::ErrorQuotaExceeded));
        assert!(quota.is_permanent() && !quota.is_throttled() && !quota.is_timeout());
        assert_eq!(
            quota.to_string(),
            "ErrorQuotaExceeded (rejected): the mailbox is full"
        );
        let busy = Failure::new(FailureKind::Throttled, "busy");
        assert!(busy.is_throttled() && !busy.is_permanent());
        let slow = Failure::new(FailureKind::Timeout, "no reply");
        assert!(slow.is_timeout() && !slow.is_permanent());
    }

    #[test]
    fn the_source_is_kept_but_not_compared() {
        let io = std::io::Error::other("connection reset");
        let a = Failure::new(FailureKind::Connection, "lost").with_source(io);
        let b = Failure::new(FailureKind::Connection, "lost");
        assert_eq!(a, b);
        assert_eq!(
            a.source().map(ToString::to_string).as_deref(),
            Some("connection reset")
        );
    }
}
