//! The envelope around every request.

use super::RequestHeader;
use crate::xml::namespaces::{MESSAGES, SOAP, TYPES};

/// Appends the XML declaration, `soap:Envelope` with the `soap`, `t` and `m`
/// prefixes, the header and the opening `soap:Body`.
pub(crate) fn open_envelope(buf: &mut Vec<u8>, header: &RequestHeader) {
    buf.extend_from_slice(
        b"<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"",
    );
    buf.extend_from_slice(SOAP.as_bytes());
    buf.extend_from_slice(b"\" xmlns:t=\"");
    buf.extend_from_slice(TYPES.as_bytes());
    buf.extend_from_slice(b"\" xmlns:m=\"");
    buf.extend_from_slice(MESSAGES.as_bytes());
    buf.extend_from_slice(b"\">");
    header.write(buf);
    buf.extend_from_slice(b"<soap:Body>");
}

/// Appends the closing `soap:Body` and `soap:Envelope`.
pub(crate) fn close_envelope(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"</soap:Body></soap:Envelope>");
}
