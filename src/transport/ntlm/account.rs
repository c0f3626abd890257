//! Who a connection authenticates as, and with which protocol.

use std::fmt;

use super::NtlmCredentials;
#[cfg(feature = "kerberos")]
use crate::transport::NegotiateCredentials;

/// The account of an `NtlmTransport`: NTLM with a password, or Negotiate with
/// Kerberos credentials (feature `kerberos`).
#[derive(Clone)]
pub(crate) enum Account {
    Ntlm(NtlmCredentials),
    #[cfg(feature = "kerberos")]
    Negotiate(NegotiateCredentials),
}

impl Account {
    /// The protocol, for logs.
    pub(crate) fn protocol(&self) -> &'static str {
        match self {
            Self::Ntlm(_) => "ntlm",
            #[cfg(feature = "kerberos")]
            Self::Negotiate(_) => "negotiate",
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ntlm(credentials) => credentials.fmt(f),
            #[cfg(feature = "kerberos")]
            Self::Negotiate(credentials) => credentials.fmt(f),
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ntlm(credentials) => credentials.fmt(f),
            #[cfg(feature = "kerberos")]
            Self::Negotiate(credentials) => credentials.fmt(f),
        }
    }
}
