//! One request on its way to a server: a SOAP envelope for EWS, an
//! Autodiscover request, or a JSON call.

use std::fmt;

use bytes::Bytes;
use url::Url;
use uuid::Uuid;

use crate::address::SmtpAddress;

/// The `Content-Type` of a SOAP request, the default of [`Request::new`].
pub const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// The `Content-Type` of a [`Request::json`] request.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// The HTTP method of a [`Request`]. Default: [`Post`](Self::Post), which is
/// what every EWS and Autodiscover request is. Serialized as its name
/// (`"GET"`), as in a Graph `$batch` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum Method {
    /// `GET`: reads; Autodiscover's redirect probe.
    Get,
    /// `POST`: every EWS and Autodiscover request.
    #[default]
    Post,
    /// `PATCH`: updates (JSON APIs).
    Patch,
    /// `DELETE`: deletes (JSON APIs).
    Delete,
}

impl Method {
    /// The method as written on the wire: `"GET"`, `"POST"`, `"PATCH"`, `"DELETE"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request for a transport to carry, and the routing facts that go with it.
///
/// The body is already serialized (a SOAP envelope, a JSON document): a
/// transport sends it byte for byte and never looks inside. The other fields
/// become the request line, HTTP headers or log fields:
///
/// | field | what a transport does with it |
/// | --- | --- |
/// | [`operation`](Self::operation) | names the request in logs and errors (`"CreateItem"`); not sent |
/// | [`method`](Self::method) | the HTTP method; default `POST` |
/// | [`url`](Self::url) | where to send it: `None` (the default) is the transport's configured endpoint; `Some` is this absolute URL, checked by the same scheme rules as the endpoint (see below) |
/// | [`content_type`](Self::content_type) | header `Content-Type` (sent with a body) and the media type of `Accept`; default [`SOAP_CONTENT_TYPE`] |
/// | [`headers`](Self::headers) | extra headers sent as they are (`SOAPAction`, `Prefer`); never a secret, never one the transport sets itself (`Authorization`, `Host`, `Content-Length`, `Content-Type`, `Accept`, `User-Agent`, `Cookie`): a transport refuses those with [`TransportError::invalid_request`](super::TransportError::invalid_request) |
/// | [`anchor_mailbox`](Self::anchor_mailbox) | header `X-AnchorMailbox`, so Exchange routes the request to the server holding that mailbox |
/// | [`client_request_id`](Self::client_request_id) | headers `client-request-id` and `return-client-request-id: true`, to find the request in the server's logs |
/// | [`anonymous`](Self::anonymous) | send no credentials at all: no `Authorization` header, no NTLM or Negotiate handshake |
///
/// **Scheme rules for a per-request URL.** As for the endpoint: `https://`,
/// or `http://` when the transport allows plain HTTP (loopback tests), no user
/// name or password in the URL, a host. One exception: an anonymous request
/// without a body may go over plain `http://` (nothing secret travels); it is
/// what Autodiscover's redirect probe needs. A URL that breaks a rule is a
/// [`TransportError::invalid_request`](super::TransportError::invalid_request)
/// naming the URL (without its query) and the rule, and nothing is sent.
///
/// **Redirects are never followed** by any transport: a 3xx comes back as the
/// [`Reply`](super::Reply), with its [`location`](super::Reply::location).
///
/// ```
/// use offline_im::address::SmtpAddress;
/// use offline_im::transport::{Method, Request};
///
/// let sender: SmtpAddress = "kim.akers@contoso.com".parse()?;
/// let request = Request::new("CreateItem", "<soap:Envelope/>")
///     .anchor_mailbox(sender.clone())
///     .client_request_id(uuid::Uuid::nil());
/// assert_eq!(request.operation, "CreateItem");
/// assert_eq!(request.method, Method::Post);
/// assert_eq!(request.url, None); // the transport's endpoint
/// assert_eq!(request.anchor_mailbox, Some(sender));
/// assert_eq!(&request.body[..], b"<soap:Envelope/>");
///
/// let me = Request::json(
///     "GetUser",
///     Method::Get,
///     "https://graph.microsoft.com/v1.0/me".parse()?,
///     "",
/// )
/// .header("Prefer", "outlook.body-content-type=\"text\"");
/// assert_eq!(me.content_type, "application/json");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// `Debug` shows the body's size, not its content (it holds the messages), and
/// the URL without its query.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The operation, for logs and errors (for example `"CreateItem"`).
    pub operation: &'static str,
    /// The HTTP method. Default: [`Method::Post`].
    pub method: Method,
    /// Where to send the request: `None` for the transport's configured
    /// endpoint (the default), or an absolute URL.
    pub url: Option<Url>,
    /// The `Content-Type` of the body. Default: [`SOAP_CONTENT_TYPE`].
    pub content_type: &'static str,
    /// Extra headers, none of them secret. Default: none.
    pub headers: Vec<(&'static str, String)>,
    /// The body, sent unchanged (may be empty).
    pub body: Bytes,
    /// The mailbox the request acts on, sent as `X-AnchorMailbox`. Default: none.
    pub anchor_mailbox: Option<SmtpAddress>,
    /// An id for the server's logs, sent as `client-request-id`. Default: none.
    pub client_request_id: Option<Uuid>,
    /// True to send no credentials. Default: false.
    pub anonymous: bool,
}

/// The same type as [`Request`], under the name it had when only EWS used it.
pub type EwsRequest = Request;

impl Request {
    /// A SOAP `POST` of `body` to the transport's endpoint, for `operation`,
    /// with no anchor mailbox and no client request id.
    #[must_use]
    pub fn new(operation: &'static str, body: impl Into<Bytes>) -> Self {
        Self {
            operation,
            method: Method::Post,
            url: None,
            content_type: SOAP_CONTENT_TYPE,
            headers: Vec::new(),
            body: body.into(),
            anchor_mailbox: None,
            client_request_id: None,
            anonymous: false,
        }
    }

    /// A JSON request: `method` on `url` with `body` (empty for a `GET` or
    /// `DELETE`), `Content-Type: application/json`.
    #[must_use]
    pub fn json(operation: &'static str, method: Method, url: Url, body: impl Into<Bytes>) -> Self {
        Self {
            method,
            url: Some(url),
            content_type: JSON_CONTENT_TYPE,
            ..Self::new(operation, body)
        }
    }

    /// Sets the HTTP method.
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Sends the request to `url` instead of the transport's endpoint.
    #[must_use]
    pub fn url(mut self, url: Url) -> Self {
        self.url = Some(url);
        self
    }

    /// Adds the header `name: value` (never a secret; see the table above for
    /// the headers a transport sets itself and refuses here).
    #[must_use]
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sends no credentials with this request: no `Authorization` header, no
    /// handshake. For hosts that must not receive them.
    #[must_use]
    pub fn without_credentials(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Sets the mailbox sent as `X-AnchorMailbox`.
    #[must_use]
    pub fn anchor_mailbox(mut self, mailbox: SmtpAddress) -> Self {
        self.anchor_mailbox = Some(mailbox);
        self
    }

    /// Sets the id sent as `client-request-id` (with `return-client-request-id: true`).
    #[must_use]
    pub fn client_request_id(mut self, id: Uuid) -> Self {
        self.client_request_id = Some(id);
        self
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("url", &self.url.as_ref().map(super::redacted_url))
            .field("content_type", &self.content_type)
            .field("headers", &self.headers)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .field("anchor_mailbox", &self.anchor_mailbox)
            .field("client_request_id", &self.client_request_id)
            .field("anonymous", &self.anonymous)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_body_size_not_content() {
        let request = Request::new("CreateItem", "<t:Body>see you at noon</t:Body>");
        let shown = format!("{request:?}");
        assert!(
            shown.contains("CreateItem") && shown.contains("[32 bytes]"),
            "{shown}"
        );
        assert!(!shown.contains("noon"), "{shown}");
    }

    #[test]
    fn debug_hides_the_query_of_a_url() {
        let url = Url::parse("https://graph.example/v1.0/me?code=secret-code").unwrap();
        let shown = format!("{:?}", Request::json("Me", Method::Get, url, ""));
        assert!(!shown.contains("secret-code"), "{shown}");
    }
}
