//! What an Autodiscover server answered, whichever protocol it spoke.

/// The meaning of one Autodiscover response, SOAP or POX.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// The user's settings, with the EWS URLs found (either may be missing).
    EwsUrls {
        /// The URL for clients outside the organization's network (SOAP
        /// `ExternalEwsUrl`, POX `EwsUrl` of the `EXPR` protocol).
        external: Option<String>,
        /// The URL for clients inside it (SOAP `InternalEwsUrl`, POX `EwsUrl` of
        /// the `EXCH` protocol).
        internal: Option<String>,
    },
    /// Ask again for another address (POX `redirectAddr`, SOAP `RedirectAddress`).
    RedirectAddress(String),
    /// Ask again at another Autodiscover URL (POX `redirectUrl`, SOAP `RedirectUrl`).
    RedirectUrl(String),
    /// The server reported an error: its code and message.
    ServerError {
        /// The error code (POX `ErrorCode`, SOAP `ErrorCode` or fault code).
        code: String,
        /// The server's message, possibly empty.
        message: String,
    },
}

impl Answer {
    /// The EWS URL to use: the external one if present, else the internal one;
    /// with `prefer_internal`, the other way round.
    #[must_use]
    pub fn ews_url(&self, prefer_internal: bool) -> Option<&str> {
        let Self::EwsUrls { external, internal } = self else {
            return None;
        };
        let (first, second) = if prefer_internal {
            (internal, external)
        } else {
            (external, internal)
        };
        first.as_deref().or(second.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_url_is_preferred_unless_asked_otherwise() {
        let both = Answer::EwsUrls {
            external: Some("https://ext/EWS".into()),
            internal: Some("https://int/EWS".into()),
        };
        assert_eq!(both.ews_url(false), Some("https://ext/EWS"));
        assert_eq!(both.ews_url(true), Some("https://int/EWS"));
        let internal_only = Answer::EwsUrls {
            external: None,
            internal: Some("https://int/EWS".into()),
        };
        assert_eq!(internal_only.ews_url(false), Some("https://int/EWS"));
        assert_eq!(Answer::RedirectUrl("x".into()).ews_url(false), None);
    }
}
