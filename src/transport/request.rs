//! One SOAP request on its way to an EWS endpoint.

use std::fmt;

use bytes::Bytes;
use uuid::Uuid;

use crate::address::SmtpAddress;

/// One SOAP request for a transport to carry, and the routing facts that go with it.
///
/// The body is the complete SOAP envelope, already serialized: a transport sends it
/// byte for byte and never looks inside. The other fields become HTTP headers or log
/// fields:
///
/// | field | what a transport does with it |
/// | --- | --- |
/// | [`operation`](Self::operation) | names the request in logs and errors (`"CreateItem"`); not sent |
/// | [`anchor_mailbox`](Self::anchor_mailbox) | header `X-AnchorMailbox`, so Exchange routes the request to the server holding that mailbox |
/// | [`client_request_id`](Self::client_request_id) | headers `client-request-id` and `return-client-request-id: true`, to find the request in the server's logs |
///
/// ```
/// use offline_im::address::SmtpAddress;
/// use offline_im::transport::EwsRequest;
///
/// let sender: SmtpAddress = "kim.akers@contoso.com".parse()?;
/// let request = EwsRequest::new("CreateItem", "<soap:Envelope/>")
///     .anchor_mailbox(sender.clone())
///     .client_request_id(uuid::Uuid::nil());
/// assert_eq!(request.operation, "CreateItem");
/// assert_eq!(request.anchor_mailbox, Some(sender));
/// assert_eq!(&request.body[..], b"<soap:Envelope/>");
/// # Ok::<(), offline_im::address::AddressError>(())
/// ```
///
/// `Debug` shows the body's size, not its content (it holds the messages).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EwsRequest {
    /// The EWS operation, for logs and errors (for example `"CreateItem"`).
    pub operation: &'static str,
    /// The SOAP envelope, sent unchanged.
    pub body: Bytes,
    /// The mailbox the request acts on, sent as `X-AnchorMailbox`. Default: none.
    pub anchor_mailbox: Option<SmtpAddress>,
    /// An id for the server's logs, sent as `client-request-id`. Default: none.
    pub client_request_id: Option<Uuid>,
}

impl EwsRequest {
    /// A request for `operation` carrying `body`, with no anchor mailbox and no
    /// client request id.
    #[must_use]
    pub fn new(operation: &'static str, body: impl Into<Bytes>) -> Self {
        Self {
            operation,
            body: body.into(),
            anchor_mailbox: None,
            client_request_id: None,
        }
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

impl fmt::Debug for EwsRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EwsRequest")
            .field("operation", &self.operation)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .field("anchor_mailbox", &self.anchor_mailbox)
            .field("client_request_id", &self.client_request_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_body_size_not_content() {
        let request = EwsRequest::new("CreateItem", "<t:Body>see you at noon</t:Body>");
        let shown = format!("{request:?}");
        assert!(
            shown.contains("CreateItem") && shown.contains("[32 bytes]"),
            "{shown}"
        );
        assert!(!shown.contains("noon"), "{shown}");
    }
}
