//! `ResponseCode`: the codes the crate acts on, and whether retrying can help.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

macro_rules! response_codes {
    ($( $(#[$doc:meta])* $variant:ident => $transient:literal, )*) => {
        /// An EWS response code (`m:ResponseCode`, or `e:ResponseCode` in a fault).
        ///
        /// The codes the crate acts on are variants; any other code is kept as
        /// [`ResponseCode::Other`] with its text, so an unknown code never fails a
        /// whole response. Parsing never fails. [`is_transient`](Self::is_transient)
        /// classifies each code (the table is in the [module docs](super)).
        ///
        /// ```
        /// use offline_im::ews::ResponseCode;
        ///
        /// let busy: ResponseCode = "ErrorServerBusy".parse().unwrap();
        /// assert_eq!(busy, ResponseCode::ErrorServerBusy);
        /// assert!(busy.is_transient());
        /// let odd: ResponseCode = "ErrorSomethingNew".parse().unwrap();
        /// assert_eq!(odd.as_str(), "ErrorSomethingNew");
        /// assert!(!odd.is_transient());
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ResponseCode {
            $( $(#[$doc])* $variant, )*
            /// Any other code, as the server wrote it. Treated as permanent.
            Other(String),
        }

        impl ResponseCode {
            /// Every named code (not [`ResponseCode::Other`]).
            pub const KNOWN: &'static [ResponseCode] = &[$(ResponseCode::$variant,)*];

            /// The code as EWS writes it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( ResponseCode::$variant => stringify!($variant), )*
                    ResponseCode::Other(code) => code,
                }
            }

            /// Whether the failure is transient: retrying the same request later can
            /// succeed (after the server's back-off, when it gave one). Everything
            /// else, [`ResponseCode::Other`] included, is permanent: report it.
            /// [`ResponseCode::NoError`] is not a failure and not transient.
            #[must_use]
            pub fn is_transient(&self) -> bool {
                match self {
                    $( ResponseCode::$variant => $transient, )*
                    ResponseCode::Other(_) => false,
                }
            }

            fn known(code: &str) -> Option<Self> {
                match code {
                    $( stringify!($variant) => Some(ResponseCode::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

response_codes! {
    /// Success.
    NoError => false,
    // Transient: the server or the mailbox is busy or briefly unavailable.
    /// Throttled: too many requests; wait `BackOffMilliseconds` when given.
    ErrorServerBusy => true,
    /// The request took too long on the server.
    ErrorTimeoutExpired => true,
    /// A server error the server itself calls transient.
    ErrorInternalServerTransientError => true,
    /// The mailbox database is not reachable right now.
    ErrorMailboxStoreUnavailable => true,
    /// The mailbox is being moved.
    ErrorMailboxMoveInProgress => true,
    /// The mailbox is failing over to another database copy.
    ErrorMailboxFailover => true,
    /// The server could not connect to the mailbox.
    ErrorConnectionFailed => true,
    /// The server could not connect to the mailbox, and says the failure is
    /// transient.
    ErrorConnectionFailedTransientError => true,
    /// Too many objects open in the mailbox session.
    ErrorTooManyObjectsOpened => true,
    /// Too many concurrent connections for the account.
    ErrorExceededConnectionCount => true,
    /// Active Directory is unavailable.
    ErrorADUnavailable => true,
    /// The server ran short of resources.
    ErrorInsufficientResources => true,
    /// The server ran out of memory.
    ErrorNotEnoughMemory => true,
    /// No Client Access server answered in the mailbox's site.
    ErrorNoRespondingCASInDestinationSite => true,
    /// No server was found to proxy the request to.
    ErrorNoApplicableProxyCASServersAvailable => true,
    /// This item was not processed because an earlier item of the batch failed;
    /// send it again (the earlier item's own code says why it failed).
    ErrorBatchProcessingStopped => true,
    // Permanent: the request, the data or the permissions are wrong.
    /// An internal server error the server could not recover from. When its
    /// `MessageXml` names an inner code (`InnerErrorResponseCode`), that code
    /// decides instead ([`ResponseMessage::is_transient`](super::ResponseMessage::is_transient)).
    ErrorInternalServerError => false,
    /// The recipients are not valid.
    ErrorInvalidRecipients => false,
    /// The mailbox does not exist.
    ErrorNonExistentMailbox => false,
    /// A recipient was not found.
    ErrorMailRecipientNotFound => false,
    /// An SMTP address is not valid.
    ErrorInvalidSmtpAddress => false,
    /// The mailbox is over its quota.
    ErrorQuotaExceeded => false,
    /// The account's message submission quota is used up.
    ErrorSubmissionQuotaExceeded => false,
    /// The request does not match the schema.
    ErrorSchemaValidation => false,
    /// The declared `RequestServerVersion` is not valid.
    ErrorInvalidServerVersion => false,
    /// The request needs a newer server version.
    ErrorWrongServerVersion => false,
    /// Access is denied.
    ErrorAccessDenied => false,
    /// The account may not impersonate that user.
    ErrorImpersonateUserDenied => false,
    /// Impersonation failed.
    ErrorImpersonationFailed => false,
    /// The impersonation header is not valid.
    ErrorInvalidExchangeImpersonationHeaderData => false,
    /// The SID is not valid.
    ErrorInvalidSid => false,
    /// The mailbox may not send as the given sender.
    ErrorSendAsDenied => false,
    /// The account is disabled.
    ErrorAccountDisabled => false,
    /// The item does not exist (for a delete: it is already gone).
    ErrorItemNotFound => false,
    /// The folder does not exist.
    ErrorFolderNotFound => false,
    /// An item id is malformed.
    ErrorInvalidIdMalformed => false,
    /// The request is not valid.
    ErrorInvalidRequest => false,
    /// The operation is not valid here.
    ErrorInvalidOperation => false,
    /// The message is too large.
    ErrorMessageSizeExceeded => false,
    /// A data size limit was exceeded.
    ErrorDataSizeLimitExceeded => false,
    /// The item's data is corrupt.
    ErrorCorruptData => false,
    /// A requested property is not valid.
    ErrorInvalidPropertyRequest => false,
    /// An extended property is not valid.
    ErrorInvalidExtendedProperty => false,
    /// An extended property value is not valid.
    ErrorInvalidExtendedPropertyValue => false,
    /// `MessageDisposition` is required for messages.
    ErrorMessageDispositionRequired => false,
    /// The item could not be saved.
    ErrorItemSave => false,
    /// The content could not be converted.
    ErrorContentConversionFailed => false,
    /// The search would return too many items.
    ErrorExceededFindCountLimit => false,
    /// The mailbox is misconfigured.
    ErrorMailboxConfiguration => false,
    /// Logging on to the mailbox failed.
    ErrorMailboxLogonFailed => false,
}

impl ResponseCode {
    /// The code `code` as EWS writes it: a named variant when known, else
    /// [`ResponseCode::Other`]. Surrounding whitespace is ignored.
    #[must_use]
    pub fn from_ews_str(code: &str) -> Self {
        let code = code.trim();
        Self::known(code).unwrap_or_else(|| Self::Other(code.to_owned()))
    }
}

impl FromStr for ResponseCode {
    type Err = Infallible;

    /// Never fails; see [`ResponseCode::from_ews_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_ews_str(s))
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips() {
        for code in ResponseCode::KNOWN {
            assert_eq!(code.as_str().parse::<ResponseCode>().unwrap(), *code);
        }
    }

    #[test]
    fn classification() {
        let transient: Vec<_> = ResponseCode::KNOWN
            .iter()
            .filter(|c| c.is_transient())
            .collect();
        assert!(transient.contains(&&ResponseCode::ErrorServerBusy));
        assert!(!ResponseCode::ErrorInternalServerError.is_transient());
        for code in [
            "ErrorConnectionFailedTransientError",
            "ErrorNoApplicableProxyCASServersAvailable",
            "ErrorTooManyObjectsOpened",
            "ErrorExceededConnectionCount",
            "ErrorTimeoutExpired",
        ] {
            assert!(
                code.parse::<ResponseCode>().unwrap().is_transient(),
                "{code}"
            );
        }
        assert!(!ResponseCode::NoError.is_transient());
        assert_eq!(
            " ErrorNew ".parse::<ResponseCode>().unwrap(),
            ResponseCode::Other("ErrorNew".into())
        );
    }
}
