//! Who authenticates with Negotiate: the default Kerberos credentials, or a
//! principal and its password.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;

use crate::transport::NtlmCredentials;

/// The longest principal name accepted, in characters.
const MAX_PRINCIPAL: usize = 512;

/// Kerberos credentials for Negotiate (feature `kerberos`).
///
/// | made with | the ticket comes from | NTLM fallback |
/// | --- | --- | --- |
/// | [`default_credentials`](Self::default_credentials) | the default credential cache (after `kinit`), or the client keytab named by `KRB5_CLIENT_KTNAME` when the cache holds no ticket | no: there is no password |
/// | [`cached_for`](Self::cached_for) | the same, for one principal (a cache collection or a keytab can hold several) | no |
/// | [`password`](Self::password) | the KDC, asked with the principal and password each time a connection authenticates | yes, as the same account |
///
/// The password is a [`SecretString`]: `Debug` and `Display` show the
/// principal (or "default credentials"), never the password, and no error of
/// this crate contains it.
///
/// ```
/// use offline_im::transport::NegotiateCredentials;
///
/// let from_kinit = NegotiateCredentials::default_credentials();
/// assert_eq!(from_kinit.to_string(), "default Kerberos credentials");
///
/// let service = NegotiateCredentials::password("svc-offline-im@CONTOSO.COM", "Pa$$w0rd")?;
/// assert_eq!(service.principal(), Some("svc-offline-im@CONTOSO.COM"));
/// assert!(!format!("{service:?}").contains("Pa$$w0rd"));
/// # Ok::<(), offline_im::transport::NegotiateCredentialsError>(())
/// ```
#[derive(Clone)]
pub struct NegotiateCredentials {
    pub(crate) source: Source,
}

#[derive(Clone)]
pub(crate) enum Source {
    /// The default credential cache or client keytab, for any principal.
    Default,
    /// The default credential cache or client keytab, for this principal.
    Cached(String),
    /// A principal and its password, sent to the KDC only.
    Password(String, SecretString),
}

/// A principal name [`NegotiateCredentials`] refused, naming the value and the
/// rule (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NegotiateCredentialsError {
    /// The principal name breaks a rule.
    #[error("invalid Kerberos principal {principal:?}: {rule}")]
    InvalidPrincipal {
        /// The principal as given.
        principal: String,
        /// The rule it broke.
        rule: &'static str,
    },
}

impl NegotiateCredentials {
    /// Whatever the process's Kerberos library finds by default: the ticket in
    /// the default credential cache (`KRB5CCNAME`, filled by `kinit`), or,
    /// with MIT Kerberos, a ticket got with the client keytab named by
    /// `KRB5_CLIENT_KTNAME` (a service account's keytab: nothing to renew).
    #[must_use]
    pub fn default_credentials() -> Self {
        Self {
            source: Source::Default,
        }
    }

    /// The default credential cache or client keytab, for `principal`
    /// (`user@REALM`, or `user` in the default realm).
    ///
    /// # Errors
    /// [`NegotiateCredentialsError::InvalidPrincipal`] when `principal` is empty,
    /// too long or holds a control character.
    pub fn cached_for(principal: impl Into<String>) -> Result<Self, NegotiateCredentialsError> {
        Ok(Self {
            source: Source::Cached(check_principal(principal.into())?),
        })
    }

    /// `principal` (`user@REALM`, or `user` in the default realm) and its
    /// password. Each new connection asks the KDC for a ticket with them; the
    /// password never goes to the web server. A server that offers only NTLM is
    /// answered with NTLM as the same account.
    ///
    /// # Errors
    /// [`NegotiateCredentialsError::InvalidPrincipal`] when `principal` is empty,
    /// too long or holds a control character.
    pub fn password(
        principal: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Result<Self, NegotiateCredentialsError> {
        Ok(Self {
            source: Source::Password(check_principal(principal.into())?, password.into()),
        })
    }

    /// The principal named, if any (`None` for the default credentials).
    #[must_use]
    pub fn principal(&self) -> Option<&str> {
        match &self.source {
            Source::Default => None,
            Source::Cached(principal) | Source::Password(principal, _) => Some(principal),
        }
    }

    /// The same account for NTLM, when a password is known.
    pub(crate) fn ntlm_fallback(&self) -> Option<NtlmCredentials> {
        match &self.source {
            Source::Password(principal, password) => {
                NtlmCredentials::parse(principal, password.expose_secret()).ok()
            }
            Source::Default | Source::Cached(_) => None,
        }
    }
}

fn check_principal(principal: String) -> Result<String, NegotiateCredentialsError> {
    let rule = if principal.trim().is_empty() {
        Some("must not be empty")
    } else if principal.chars().count() > MAX_PRINCIPAL {
        Some("must be at most 512 characters")
    } else if principal.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else if principal.starts_with('@') || principal.ends_with('@') {
        Some("needs a name before '@' and a realm after it")
    } else {
        None
    };
    match rule {
        Some(rule) => Err(NegotiateCredentialsError::InvalidPrincipal { principal, rule }),
        None => Ok(principal),
    }
}

impl fmt::Display for NegotiateCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Default => f.write_str("default Kerberos credentials"),
            Source::Cached(principal) | Source::Password(principal, _) => f.write_str(principal),
        }
    }
}

impl fmt::Debug for NegotiateCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, principal) = match &self.source {
            Source::Default => ("default", None),
            Source::Cached(principal) => ("cached", Some(principal)),
            Source::Password(principal, _) => ("password", Some(principal)),
        };
        f.debug_struct("NegotiateCredentials")
            .field("source", &kind)
            .field("principal", &principal)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_principals_that_name_no_one() {
        for (principal, rule) in [
            ("", "must not be empty"),
            ("kim@", "needs a name before '@' and a realm after it"),
            (
                "@CONTOSO.COM",
                "needs a name before '@' and a realm after it",
            ),
            ("kim\n@CONTOSO.COM", "must not contain control characters"),
        ] {
            let err = NegotiateCredentials::password(principal, "secret").unwrap_err();
            assert_eq!(
                err,
                NegotiateCredentialsError::InvalidPrincipal {
                    principal: principal.to_owned(),
                    rule
                }
            );
            assert!(err.to_string().contains(rule), "{err}");
        }
    }

    #[test]
    fn fallback_only_with_a_password() {
        let with = NegotiateCredentials::password("ann@contoso.com", "pw").unwrap();
        assert_eq!(with.ntlm_fallback().unwrap().user(), "ann@contoso.com");
        assert!(
            NegotiateCredentials::default_credentials()
                .ntlm_fallback()
                .is_none()
        );
        assert!(
            NegotiateCredentials::cached_for("kim")
                .unwrap()
                .ntlm_fallback()
                .is_none()
        );
    }
}
