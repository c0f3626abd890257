//! What went wrong when asking Microsoft Entra ID for a token, and what to check.
//!
//! Entra answers a refused token request with an OAuth error body that adds the
//! STS's own codes: `{"error":"invalid_client","error_description":"AADSTS7000215:
//! ...","error_codes":[7000215],...}`. The codes and their meaning are listed in
//! Microsoft's "Microsoft Entra authentication and authorization error codes"
//! (learn.microsoft.com/entra/identity-platform/reference-error-codes), which
//! warns that codes may change: the hints below are help for a person, and the
//! transient/permanent decision rests on the HTTP status and the OAuth `error`.

use std::fmt;
use std::time::Duration;

use crate::transport::RetryAfter;

/// Why [`EntraTokenProvider`](super::EntraTokenProvider) got no token. Found as
/// the [`source`](std::error::Error::source) of the
/// [`TokenError`](crate::transport::TokenError) it returns; never holds a secret.
///
/// ```
/// # use offline_im::transport::{EntraError, TokenError};
/// fn explain(err: &TokenError) {
///     let entra = std::error::Error::source(err).and_then(|s| s.downcast_ref::<EntraError>());
///     if let Some(entra) = entra {
///         eprintln!("AADSTS{:?}: {}", entra.aadsts(), entra.hint());
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct EntraError {
    kind: Kind,
    transient: bool,
    status: Option<u16>,
    retry_after: Option<RetryAfter>,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Entra refused: an OAuth error, with its AADSTS code when given.
    Refused {
        error: String,
        aadsts: Option<u32>,
        description: Option<String>,
    },
    /// An HTTP status without an OAuth error body (a proxy, an outage).
    Status,
    /// No answer: connection refused, timeout, TLS.
    Network(String),
    /// A 200 answer that is not a token response (its body is not shown: it may
    /// hold a token).
    BadResponse(String),
    /// The client assertion could not be signed.
    Signing,
}

impl EntraError {
    pub(crate) fn refused(
        status: u16,
        error: String,
        codes: &[u32],
        description: Option<String>,
        retry_after: Option<RetryAfter>,
    ) -> Self {
        let aadsts = codes.first().copied().or_else(|| {
            let text = description.as_deref()?.strip_prefix("AADSTS")?;
            let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        });
        // RFC 6749 section 5.2 errors are all about the request; Entra adds
        // `temporarily_unavailable` (as in the authorization endpoint's list) when
        // its own back end fails.
        let transient = status >= 500 || status == 429 || error == "temporarily_unavailable";
        Self {
            kind: Kind::Refused {
                error,
                aadsts,
                description,
            },
            transient,
            status: Some(status),
            retry_after,
        }
    }

    pub(crate) fn status(status: u16, retry_after: Option<RetryAfter>) -> Self {
        Self {
            kind: Kind::Status,
            transient: status >= 500 || status == 429 || status == 408,
            status: Some(status),
            retry_after,
        }
    }

    pub(crate) fn network(what: String) -> Self {
        Self {
            kind: Kind::Network(what),
            transient: true,
            status: None,
            retry_after: None,
        }
    }

    pub(crate) fn bad_response(what: String) -> Self {
        Self {
            kind: Kind::BadResponse(what),
            transient: true,
            status: Some(200),
            retry_after: None,
        }
    }

    pub(crate) fn signing() -> Self {
        Self {
            kind: Kind::Signing,
            transient: false,
            status: None,
            retry_after: None,
        }
    }

    /// The AADSTS code (`7000215` for `AADSTS7000215`), when Entra gave one.
    #[must_use]
    pub fn aadsts(&self) -> Option<u32> {
        match &self.kind {
            Kind::Refused { aadsts, .. } => *aadsts,
            _ => None,
        }
    }

    /// The OAuth `error` (`invalid_client`, `unauthorized_client`, ...), when given.
    #[must_use]
    pub fn oauth_error(&self) -> Option<&str> {
        match &self.kind {
            Kind::Refused { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Entra's `error_description` (names the app and the tenant, never a secret).
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        match &self.kind {
            Kind::Refused { description, .. } => description.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of the answer, if one came.
    #[must_use]
    pub fn http_status(&self) -> Option<u16> {
        self.status
    }

    /// True when asking again later may work (5xx, 429, no answer).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// How long Entra asked to wait (`Retry-After` of a 429 or 503).
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
            .map(|r| r.delay_from(std::time::SystemTime::now()))
    }

    /// What to check, for a person reading the error.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match &self.kind {
            Kind::Refused { aadsts, error, .. } => match aadsts {
                Some(7_000_215) => {
                    "the client secret is wrong: use the secret's Value (not its Secret ID) \
                     of a secret of this app registration"
                }
                Some(7_000_222) => {
                    "the client secret has expired: add a new one to the app registration \
                     (Certificates & secrets) and configure it"
                }
                Some(700_016) => {
                    "no application with this client id in the tenant: check the client id \
                     and the tenant, and that the app was consented to in this tenant"
                }
                Some(90_002) => {
                    "the tenant was not found: check the tenant id or domain, and that the \
                     authority is the tenant's cloud (sovereign clouds have their own)"
                }
                Some(700_027) => {
                    "the client assertion's signature was refused: upload this certificate \
                     to the app registration (Certificates & secrets) and check that the \
                     private key belongs to it"
                }
                Some(700_024) => {
                    "the client assertion is outside its valid time: check this machine's clock"
                }
                Some(700_021 | 50_027) => {
                    "the client assertion is malformed or was made for another client id"
                }
                Some(7_000_218) => "neither a client secret nor a certificate was sent",
                Some(1_002_012 | 70_011) => {
                    "the scope is not valid: app-only tokens need `<resource>/.default`, \
                     e.g. https://graph.microsoft.com/.default"
                }
                Some(500_011) => {
                    "the scope's resource was not found in the tenant: check the scope"
                }
                _ if error == "invalid_client" => {
                    "the client credentials were refused: check the client id, the secret \
                     or certificate, and the tenant"
                }
                _ if self.transient => "Entra ID is busy or failing: try again later",
                _ => "see https://login.microsoftonline.com/error for the code",
            },
            Kind::Status if self.transient => "Entra ID is busy or failing: try again later",
            Kind::Status => {
                "the token endpoint answered without an OAuth error: check the authority URL"
            }
            Kind::Network(_) => {
                "the token endpoint could not be reached: check the network, proxy and authority URL"
            }
            Kind::BadResponse(_) => {
                "the token endpoint's answer is not a token response: check the authority URL"
            }
            Kind::Signing => "the system's random source failed",
        }
    }
}

impl fmt::Display for EntraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Refused {
                error,
                aadsts,
                description,
            } => {
                f.write_str("Microsoft Entra ID refused the token request")?;
                if let Some(code) = aadsts {
                    write!(f, " with AADSTS{code}")?;
                }
                write!(f, " ({error}): {}", self.hint())?;
                if let Some(d) = description {
                    // The first sentence; the rest are trace and correlation ids.
                    let first = d.split(" Trace ID:").next().unwrap_or(d).trim();
                    write!(f, " [Entra: {first}]")?;
                }
                Ok(())
            }
            Kind::Status => write!(
                f,
                "the token endpoint answered HTTP {}: {}",
                self.status.unwrap_or_default(),
                self.hint()
            ),
            Kind::Network(what) => write!(
                f,
                "no answer from the token endpoint ({what}): {}",
                self.hint()
            ),
            Kind::BadResponse(what) => write!(f, "{}: {what}", self.hint()),
            Kind::Signing => f.write_str(
                "the client assertion could not be signed: the system's random source failed",
            ),
        }
    }
}

impl std::error::Error for EntraError {}
