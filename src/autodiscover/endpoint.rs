//! What a successful discovery found.

use url::Url;

use super::Protocol;
use crate::address::SmtpAddress;

/// The EWS endpoint found for a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EwsEndpoint {
    pub(crate) url: Url,
    pub(crate) mailbox: SmtpAddress,
    pub(crate) answered_by: Url,
    pub(crate) protocol: Protocol,
}

impl EwsEndpoint {
    /// The EWS URL, e.g. `https://mail.contoso.com/EWS/Exchange.asmx`: give it to
    /// [`HttpTransport::builder`](crate::transport::HttpTransport::builder).
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The address the answer is for: the one asked about, or the one a
    /// `redirectAddr`/`RedirectAddress` led to.
    #[must_use]
    pub fn mailbox(&self) -> &SmtpAddress {
        &self.mailbox
    }

    /// The Autodiscover URL that answered.
    #[must_use]
    pub fn answered_by(&self) -> &Url {
        &self.answered_by
    }

    /// The protocol of the answer.
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
}
