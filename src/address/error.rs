//! What can be wrong with an address or domain.

use thiserror::Error;

/// An address or domain that breaks a rule.
///
/// Every variant names the offending value (as given, before normalization) and the
/// rule it broke, so the message can be shown to whoever typed it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AddressError {
    /// The domain is not a valid DNS name.
    #[error("invalid domain {value:?}: {rule}")]
    Domain {
        /// The domain as given.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// The SIP URI is not of the form `sip:user@domain`.
    #[error("invalid SIP URI {value:?}: {rule}")]
    SipUri {
        /// The URI as given.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// The SMTP address is not of the form `local@domain`.
    #[error("invalid SMTP address {value:?}: {rule}")]
    SmtpAddress {
        /// The address as given.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
}

impl AddressError {
    /// The value that was rejected, exactly as it was given.
    #[must_use]
    pub fn value(&self) -> &str {
        match self {
            Self::Domain { value, .. }
            | Self::SipUri { value, .. }
            | Self::SmtpAddress { value, .. } => value,
        }
    }

    /// The rule the value broke, in words.
    #[must_use]
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Domain { rule, .. }
            | Self::SipUri { rule, .. }
            | Self::SmtpAddress { rule, .. } => rule,
        }
    }
}
