//! SOAP faults: the whole request failed.

use std::fmt;
use std::time::Duration;

use super::ResponseCode;
use super::response::{MessageXmlValue, back_off_in, inner_code_in, transient};

/// A SOAP fault (HTTP 500): the whole request failed, no item was processed.
///
/// EWS puts its own code in `detail/e:ResponseCode` (and usually repeats it as the
/// local part of `faultcode`), a message in `e:Message`, and details such as
/// `BackOffMilliseconds` in `MessageXml` (in the types or the errors namespace,
/// depending on the server version; both are read).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SoapFault {
    /// `faultcode` as written, e.g. `a:ErrorServerBusy` or `soap:Client`.
    pub fault_code: String,
    /// `faultstring`.
    pub fault_string: String,
    /// The EWS code: `detail/ResponseCode`, else the local part of `faultcode` when
    /// that is a code the crate knows; `None` for a bare SOAP fault.
    pub response_code: Option<ResponseCode>,
    /// `detail/Message`.
    pub message: Option<String>,
    /// `detail/MessageXml` entries, plus other simple `detail` children (`Line`,
    /// `Position`, ...) under their local names.
    pub message_xml: Vec<MessageXmlValue>,
}

impl SoapFault {
    /// How long the server asks the client to wait (`BackOffMilliseconds`).
    #[must_use]
    pub fn back_off(&self) -> Option<Duration> {
        back_off_in(&self.message_xml)
    }

    /// Whether retrying the request can help: the EWS code is transient (decided
    /// by the [`inner_code`](Self::inner_code) when the code is
    /// `ErrorInternalServerError` and an inner code is given, as for
    /// [`ResponseMessage::is_transient`](super::ResponseMessage::is_transient)).
    /// A fault without EWS code is permanent.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        self.response_code
            .as_ref()
            .is_some_and(|code| transient(code, &self.message_xml))
    }

    /// The code Exchange wrapped in the fault's code: the detail's `MessageXml`
    /// value `InnerErrorResponseCode`, if any.
    #[must_use]
    pub fn inner_code(&self) -> Option<ResponseCode> {
        inner_code_in(&self.message_xml)
    }

    /// The code that says what happened: the [`inner_code`](Self::inner_code)
    /// when there is one, else [`response_code`](Self::response_code).
    #[must_use]
    pub fn effective_code(&self) -> Option<ResponseCode> {
        self.inner_code().or_else(|| self.response_code.clone())
    }
}

impl fmt::Display for SoapFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SOAP fault {}", self.fault_code)?;
        match (&self.response_code, self.inner_code()) {
            (Some(code), Some(inner)) => write!(f, " ({code}, inner {inner})")?,
            (Some(code), None) => write!(f, " ({code})")?,
            (None, Some(inner)) => write!(f, " (inner {inner})")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.fault_string)?;
        if let Some(back_off) = self.back_off() {
            write!(f, "; retry after {} ms", back_off.as_millis())?;
        }
        Ok(())
    }
}

impl std::error::Error for SoapFault {}
