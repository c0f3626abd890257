//! What the server saw: every request, with what it answered.

use crate::address::SmtpAddress;

use super::faults::Fault;

/// One request the server received, as recorded for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) operation: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) auth_scheme: Option<String>,
    pub(crate) basic_user: Option<String>,
    pub(crate) impersonated: Option<String>,
    pub(crate) acting_mailbox: Option<SmtpAddress>,
    pub(crate) request_server_version: Option<String>,
    pub(crate) client_request_id: Option<String>,
    pub(crate) anchor_mailbox: Option<String>,
    pub(crate) fault: Option<Fault>,
    pub(crate) body: bytes::Bytes,
}

impl RecordedRequest {
    pub(crate) fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            operation: None,
            status: None,
            auth_scheme: None,
            basic_user: None,
            impersonated: None,
            acting_mailbox: None,
            request_server_version: None,
            client_request_id: None,
            anchor_mailbox: None,
            fault: None,
            body: bytes::Bytes::new(),
        }
    }

    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request path.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The EWS operation (`CreateItem`, ...), when the body could be read far enough.
    #[must_use]
    pub fn operation(&self) -> Option<&str> {
        self.operation.as_deref()
    }

    /// The HTTP status sent back; `None` when the connection was closed instead.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The `Authorization` scheme used (`Basic`, `Bearer`, `Negotiate`, ...); never
    /// the credentials.
    #[must_use]
    pub fn auth_scheme(&self) -> Option<&str> {
        self.auth_scheme.as_deref()
    }

    /// The Basic user name, if Basic authentication was used (never the password).
    #[must_use]
    pub fn basic_user(&self) -> Option<&str> {
        self.basic_user.as_deref()
    }

    /// The address in `ExchangeImpersonation/ConnectingSID`, as sent.
    #[must_use]
    pub fn impersonated(&self) -> Option<&str> {
        self.impersonated.as_deref()
    }

    /// The mailbox the request acted for (impersonated, else authenticated user).
    #[must_use]
    pub fn acting_mailbox(&self) -> Option<&SmtpAddress> {
        self.acting_mailbox.as_ref()
    }

    /// `RequestServerVersion/@Version`, if sent.
    #[must_use]
    pub fn request_server_version(&self) -> Option<&str> {
        self.request_server_version.as_deref()
    }

    /// The `client-request-id` header, if sent.
    #[must_use]
    pub fn client_request_id(&self) -> Option<&str> {
        self.client_request_id.as_deref()
    }

    /// The `X-AnchorMailbox` header, if sent.
    #[must_use]
    pub fn anchor_mailbox(&self) -> Option<&str> {
        self.anchor_mailbox.as_deref()
    }

    /// The request-level fault injected into this request, if any.
    #[must_use]
    pub fn fault(&self) -> Option<&Fault> {
        self.fault.as_ref()
    }

    /// The raw request body.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}
