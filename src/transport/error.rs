//! Why a request got no reply.

use std::error::Error as StdError;
use std::fmt;

type BoxError = Box<dyn StdError + Send + Sync>;

/// A request that got no HTTP reply: it could not be sent, or the reply never
/// (fully) arrived.
///
/// An HTTP status, even 500 or 503, is not a `TransportError`: it comes back as an
/// [`EwsReply`](super::EwsReply). The kinds of failure are private; ask the error
/// questions instead:
///
/// | question | true when |
/// | --- | --- |
/// | [`outcome_unknown`](Self::outcome_unknown) | the request may have reached the server (timeout after sending, connection lost before the reply). Resending could deliver a message twice: check first (for example with `FindItem`). |
/// | [`is_connect`](Self::is_connect) | no connection could be made; the request was certainly not sent |
/// | [`is_timeout`](Self::is_timeout) | a time limit ran out (connecting, or waiting for the reply) |
/// | [`is_auth`](Self::is_auth) | a connection-level authentication handshake (NTLM) broke down; the request was not sent |
/// | [`is_transient`](Self::is_transient) | trying again later may work |
///
/// The message names the operation and the endpoint (without user name, password or
/// query) when the transport knows them, and never contains a secret or the body.
/// The underlying error is kept as [`source`](std::error::Error::source).
///
/// The constructors ([`connect_failed`](Self::connect_failed),
/// [`timed_out_after_send`](Self::timed_out_after_send), ...) are public so that
/// other [`Transport`](super::Transport) implementations and test doubles can report
/// the same kinds of failure.
pub struct TransportError {
    kind: Kind,
    context: Option<Box<str>>,
    source: Option<BoxError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Connect,
    ConnectTimeout,
    Token { transient: bool },
    Auth,
    InvalidRequest,
    Unscripted,
    Timeout,
    ConnectionLost,
}

impl TransportError {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            context: None,
            source: None,
        }
    }

    /// No connection could be made (refused, unreachable, DNS or TLS failure): the
    /// request was not sent. Transient.
    #[must_use]
    pub fn connect_failed() -> Self {
        Self::new(Kind::Connect)
    }

    /// Connecting took longer than the connect timeout: the request was not sent.
    /// Transient.
    #[must_use]
    pub fn connect_timed_out() -> Self {
        Self::new(Kind::ConnectTimeout)
    }

    /// The reply did not arrive in time after the request was (or may have been)
    /// sent: the outcome is unknown. Transient.
    #[must_use]
    pub fn timed_out_after_send() -> Self {
        Self::new(Kind::Timeout)
    }

    /// The connection closed before the whole reply arrived: the outcome is
    /// unknown. Transient.
    #[must_use]
    pub fn connection_lost() -> Self {
        Self::new(Kind::ConnectionLost)
    }

    /// The request could not be put on the wire as given (for example a header
    /// value the HTTP library refused): it was not sent, and sending it again will
    /// fail the same way.
    #[must_use]
    pub fn invalid_request() -> Self {
        Self::new(Kind::InvalidRequest)
    }

    /// No access token could be obtained, so the request was not sent.
    /// `transient` says whether asking again later may work (an unreachable token
    /// endpoint) or not (revoked credentials).
    #[must_use]
    pub fn token_unavailable(transient: bool) -> Self {
        Self::new(Kind::Token { transient })
    }

    /// The authentication handshake on a new connection broke down (for example
    /// the server's NTLM challenge could not be read), so the request was not
    /// sent. Not transient: the same server will answer the same way.
    ///
    /// A server that *refuses* the credentials answers with a 401 reply instead,
    /// which is returned as an [`EwsReply`](super::EwsReply).
    #[must_use]
    pub fn auth_failed() -> Self {
        Self::new(Kind::Auth)
    }

    /// A [`strict`](super::RecordingTransport::strict) recording transport had no
    /// scripted reply left for a request. Not transient.
    pub(crate) fn unscripted() -> Self {
        Self::new(Kind::Unscripted)
    }

    /// Attaches the underlying error, kept as [`source`](std::error::Error::source).
    ///
    /// Its `Display` must not contain secrets: it is shown with this error's.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Attaches what was being done, shown before the message (for example
    /// `"CreateItem to https://mail.contoso.com/EWS/Exchange.asmx"`). It must not
    /// contain secrets.
    #[must_use]
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into().into_boxed_str());
        self
    }

    /// True when the request may have reached the server although no reply came
    /// back: a timeout while waiting for the reply, or a connection lost before the
    /// reply was complete. Before resending, find out whether the first attempt took
    /// effect.
    #[must_use]
    pub fn outcome_unknown(&self) -> bool {
        matches!(self.kind, Kind::Timeout | Kind::ConnectionLost)
    }

    /// True when no connection could be made (including a connect timeout): the
    /// request was certainly not sent.
    #[must_use]
    pub fn is_connect(&self) -> bool {
        matches!(self.kind, Kind::Connect | Kind::ConnectTimeout)
    }

    /// True when a time limit ran out, while connecting or while waiting for the
    /// reply. [`outcome_unknown`](Self::outcome_unknown) tells the two apart.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, Kind::Timeout | Kind::ConnectTimeout)
    }

    /// True when no access token could be obtained (the request was not sent).
    #[must_use]
    pub fn is_token(&self) -> bool {
        matches!(self.kind, Kind::Token { .. })
    }

    /// True when a connection-level authentication handshake broke down (the
    /// request was not sent).
    #[must_use]
    pub fn is_auth(&self) -> bool {
        matches!(self.kind, Kind::Auth)
    }

    /// True when the same request may succeed if tried again later.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self.kind {
            Kind::Connect | Kind::ConnectTimeout | Kind::Timeout | Kind::ConnectionLost => true,
            Kind::Token { transient } => transient,
            Kind::Auth | Kind::InvalidRequest | Kind::Unscripted => false,
        }
    }

    fn message(&self) -> &'static str {
        match self.kind {
            Kind::Connect => "could not connect to the EWS endpoint; the request was not sent",
            Kind::ConnectTimeout => {
                "timed out connecting to the EWS endpoint; the request was not sent"
            }
            Kind::Token { .. } => "could not obtain an access token; the request was not sent",
            Kind::Auth => {
                "the authentication handshake with the EWS endpoint failed; the request was not sent"
            }
            Kind::InvalidRequest => "the request could not be sent as given",
            Kind::Unscripted => {
                "the recording transport has no scripted reply left; script one more reply or error"
            }
            Kind::Timeout => {
                "timed out waiting for the EWS reply; the request may have reached the server"
            }
            Kind::ConnectionLost => {
                "the connection closed before the EWS reply was complete; the request may have reached the server"
            }
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(context) = &self.context {
            write!(f, "{context}: ")?;
        }
        f.write_str(self.message())
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TransportError");
        d.field("kind", &self.kind);
        if let Some(context) = &self.context {
            d.field("context", context);
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for TransportError {
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
    fn questions_per_kind() {
        let refused = TransportError::connect_failed();
        assert!(refused.is_connect() && refused.is_transient());
        assert!(!refused.outcome_unknown() && !refused.is_timeout());

        let slow_connect = TransportError::connect_timed_out();
        assert!(slow_connect.is_connect() && slow_connect.is_timeout());
        assert!(!slow_connect.outcome_unknown());

        let slow_reply = TransportError::timed_out_after_send();
        assert!(slow_reply.is_timeout() && slow_reply.outcome_unknown());
        assert!(!slow_reply.is_connect() && slow_reply.is_transient());

        let lost = TransportError::connection_lost();
        assert!(lost.outcome_unknown() && lost.is_transient() && !lost.is_timeout());

        let invalid = TransportError::invalid_request();
        assert!(!invalid.is_transient() && !invalid.outcome_unknown());

        assert!(TransportError::token_unavailable(true).is_transient());
        let revoked = TransportError::token_unavailable(false);
        assert!(revoked.is_token() && !revoked.is_transient() && !revoked.outcome_unknown());

        let auth = TransportError::auth_failed();
        assert!(auth.is_auth() && !auth.is_transient() && !auth.outcome_unknown());
        assert!(!auth.is_connect() && !auth.is_token());

        let unscripted = TransportError::unscripted();
        assert!(!unscripted.is_transient() && !unscripted.outcome_unknown());
    }

    #[test]
    fn display_names_context_and_keeps_source() {
        let err = TransportError::connection_lost()
            .with_context("CreateItem to https://mail.contoso.com/EWS/Exchange.asmx")
            .with_source(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        let text = err.to_string();
        assert!(
            text.starts_with("CreateItem to https://mail.contoso.com/EWS/Exchange.asmx: "),
            "{text}"
        );
        assert!(text.contains("may have reached the server"), "{text}");
        assert!(err.source().is_some());
    }
}
