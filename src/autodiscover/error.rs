//! What can go wrong: building the client, and discovering.

use std::fmt;

use super::Refusal;
use crate::address::SmtpAddress;

/// What happened at one step of a discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The step was not taken: a safety rule refused it.
    Refused(Refusal),
    /// No reply: connection refused, TLS failure, timeout.
    Unreachable(String),
    /// The server refused the credentials (HTTP 401 or 403).
    Unauthorized {
        /// The status.
        status: u16,
    },
    /// Another HTTP status than success or redirect.
    HttpStatus(u16),
    /// The reply is not an Autodiscover response.
    Unreadable(String),
    /// The Autodiscover server reported an error.
    ServerError {
        /// Its error code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The response held no usable EWS URL.
    NoEwsUrl,
    /// Redirected (HTTP, `redirectUrl` or `RedirectUrl`) to this URL.
    RedirectedTo(String),
    /// Redirected (`redirectAddr` or `RedirectAddress`) to this address.
    RedirectedToAddress(SmtpAddress),
    /// The redirect probe got no redirect.
    NoRedirect {
        /// The status it got.
        status: u16,
    },
    /// The SRV lookup found these targets (`host:port`), tried next.
    SrvTargets(Vec<String>),
    /// The SRV lookup found no record.
    NoSrvRecords,
    /// The SRV lookup failed.
    SrvFailed(String),
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(refusal) => write!(f, "{refusal}"),
            Self::Unreachable(why) => write!(f, "unreachable: {why}"),
            Self::Unauthorized { status } => {
                write!(f, "HTTP {status}: the server refused the credentials")
            }
            Self::HttpStatus(status) => write!(f, "HTTP {status}"),
            Self::Unreadable(why) => write!(f, "not an Autodiscover response: {why}"),
            Self::ServerError { code, message } => {
                write!(f, "the server answered error {code:?}: {message}")
            }
            Self::NoEwsUrl => f.write_str("the answer holds no EWS URL"),
            Self::RedirectedTo(url) => write!(f, "redirected to {url}"),
            Self::RedirectedToAddress(address) => write!(f, "redirected to the address {address}"),
            Self::NoRedirect { status } => write!(f, "no redirect (HTTP {status})"),
            Self::SrvTargets(targets) => write!(f, "found {}", targets.join(", ")),
            Self::NoSrvRecords => f.write_str("no SRV record"),
            Self::SrvFailed(why) => write!(f, "lookup failed: {why}"),
        }
    }
}

/// One step of a discovery and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub(crate) step: String,
    pub(crate) outcome: AttemptOutcome,
}

impl Attempt {
    /// The step, e.g. `POX https://contoso.com/autodiscover/autodiscover.xml`
    /// or `SRV lookup _autodiscover._tcp.contoso.com`.
    #[must_use]
    pub fn step(&self) -> &str {
        &self.step
    }

    /// What came of it.
    #[must_use]
    pub fn outcome(&self) -> &AttemptOutcome {
        &self.outcome
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.step, self.outcome)
    }
}

/// Autodiscover found no EWS URL. Lists every step tried, in order, and what
/// came of each; it never holds a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutodiscoverError {
    pub(crate) address: SmtpAddress,
    pub(crate) attempts: Vec<Attempt>,
}

impl AutodiscoverError {
    /// The address discovery was for.
    #[must_use]
    pub fn address(&self) -> &SmtpAddress {
        &self.address
    }

    /// Every step tried, in order.
    #[must_use]
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Whether some server refused the credentials (so fixing them may help).
    #[must_use]
    pub fn credentials_refused(&self) -> bool {
        self.attempts
            .iter()
            .any(|a| matches!(a.outcome, AttemptOutcome::Unauthorized { .. }))
    }

    /// Whether a safety rule refused some step (so allow-listing a host may help).
    #[must_use]
    pub fn refused(&self) -> bool {
        self.attempts
            .iter()
            .any(|a| matches!(a.outcome, AttemptOutcome::Refused(_)))
    }
}

impl fmt::Display for AutodiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Autodiscover found no EWS URL for {} after {} steps; set the EWS URL explicitly, or fix \
             the first step that should have worked:",
            self.address,
            self.attempts.len()
        )?;
        for (n, attempt) in self.attempts.iter().enumerate() {
            write!(f, "\n  {}. {attempt}", n + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for AutodiscoverError {}

/// A setting [`AutodiscoverBuilder::build`](super::AutodiscoverBuilder::build)
/// refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AutodiscoverBuildError {
    /// An allow-listed host or refused suffix is not a domain name.
    #[error("the {setting} value {value:?} is not a domain name: {rule}")]
    InvalidDomain {
        /// `"allow_host"` or `"refuse_suffix"`.
        setting: &'static str,
        /// The value given.
        value: String,
        /// The rule it broke.
        rule: String,
    },
    /// No protocol to try.
    #[error("protocols() was given an empty list: at least one of SOAP and POX is needed")]
    NoProtocol,
    /// No transport was given and the `http` feature (the default transport) is off.
    #[error("no transport: enable the `http` feature or pass one with transport()")]
    NoTransport,
    /// A transport was given together with settings only the default transport
    /// uses, which would be lost.
    #[error(
        "transport() was given together with {setting}(), which only the default transport \
         uses: configure the transport you pass instead (its credentials, timeouts, roots)"
    )]
    TransportWithSettings {
        /// The setting given besides the transport (`"credentials"`, or
        /// `"connection"` for the timeouts, User-Agent, resolve and roots).
        setting: &'static str,
    },
    /// The default transport could not be built.
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    #[error("the default Autodiscover transport could not be built")]
    Transport(#[from] crate::transport::TransportBuildError),
}
