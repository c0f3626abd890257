//! Who authenticates: a Windows account and its password.

use std::fmt;

use secrecy::SecretString;
use thiserror::Error;

/// The longest user name Windows accepts, in characters (UPNs included).
const MAX_USER: usize = 256;
/// The longest domain name accepted, in characters (a DNS name is at most 255).
const MAX_DOMAIN: usize = 255;

/// A Windows account for NTLM: user name, domain and password.
///
/// Three ways to name the account, as Windows accepts them:
///
/// | written | user sent | domain sent |
/// | --- | --- | --- |
/// | `CONTOSO\kim` (down-level logon name) | `kim` | `CONTOSO` |
/// | `kim@contoso.com` (user principal name) | `kim@contoso.com` | empty: the domain controller resolves the UPN |
/// | [`new("kim", "CONTOSO", ..)`](Self::new) | `kim` | `CONTOSO` |
/// | `kim` | `kim` | empty: the server's own domain |
///
/// The password is a [`SecretString`]: `Debug` and `Display` show the account,
/// never the password, and no error of this crate contains it.
///
/// ```
/// use offline_im::transport::NtlmCredentials;
///
/// let down_level = NtlmCredentials::parse("CONTOSO\\kim", "Pa$$w0rd")?;
/// assert_eq!((down_level.user(), down_level.domain()), ("kim", "CONTOSO"));
///
/// let upn = NtlmCredentials::parse("kim@contoso.com", "Pa$$w0rd")?;
/// assert_eq!((upn.user(), upn.domain()), ("kim@contoso.com", ""));
///
/// let explicit = NtlmCredentials::new("kim", "CONTOSO", "Pa$$w0rd")?;
/// assert_eq!(explicit.to_string(), "CONTOSO\\kim");
/// assert!(!format!("{explicit:?}").contains("Pa$$w0rd"));
/// # Ok::<(), offline_im::transport::NtlmCredentialsError>(())
/// ```
#[derive(Clone)]
pub struct NtlmCredentials {
    user: String,
    domain: String,
    password: SecretString,
}

/// A user or domain name [`NtlmCredentials`] refused, naming the value and the
/// rule (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NtlmCredentialsError {
    /// The user name breaks a rule.
    #[error("invalid NTLM user name {user:?}: {rule}")]
    InvalidUser {
        /// The user name as given.
        user: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// The domain name breaks a rule.
    #[error("invalid NTLM domain {domain:?}: {rule}")]
    InvalidDomain {
        /// The domain as given.
        domain: String,
        /// The rule it broke.
        rule: &'static str,
    },
}

impl NtlmCredentials {
    /// The account `user` in `domain` (a NetBIOS name such as `CONTOSO` or a DNS
    /// name; may be empty), with `password`.
    ///
    /// # Errors
    /// [`NtlmCredentialsError`] when the user name is empty, longer than 256
    /// characters or holds a backslash or a control character, or when the domain
    /// is longer than 255 characters or holds a backslash, an `@` or a control
    /// character.
    pub fn new(
        user: impl Into<String>,
        domain: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Result<Self, NtlmCredentialsError> {
        let (user, domain) = (user.into(), domain.into());
        if let Some(rule) = user_rule(&user) {
            return Err(NtlmCredentialsError::InvalidUser { user, rule });
        }
        if let Some(rule) = domain_rule(&domain) {
            return Err(NtlmCredentialsError::InvalidDomain { domain, rule });
        }
        Ok(Self {
            user,
            domain,
            password: password.into(),
        })
    }

    /// The account written as `DOMAIN\user`, `user@domain` (a user principal
    /// name, sent whole as the user name with an empty domain) or a bare `user`,
    /// with `password`.
    ///
    /// # Errors
    /// As [`new`](Self::new), for the parts found; `DOMAIN\` with nothing after the
    /// backslash is an empty user name.
    pub fn parse(
        account: &str,
        password: impl Into<SecretString>,
    ) -> Result<Self, NtlmCredentialsError> {
        match account.split_once('\\') {
            Some((domain, user)) => Self::new(user, domain, password),
            None => Self::new(account, "", password),
        }
    }

    /// The user name sent to the server.
    #[must_use]
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The domain sent to the server (empty for a UPN or a bare user name).
    #[must_use]
    pub fn domain(&self) -> &str {
        &self.domain
    }

    pub(crate) fn password(&self) -> &SecretString {
        &self.password
    }
}

fn user_rule(user: &str) -> Option<&'static str> {
    if user.is_empty() {
        Some("the user name must not be empty")
    } else if user.chars().count() > MAX_USER {
        Some("a user name is at most 256 characters")
    } else if user.contains('\\') {
        Some("write DOMAIN\\user as one account, or pass the domain separately")
    } else if user.chars().any(char::is_control) {
        Some("a user name must not contain control characters")
    } else {
        None
    }
}

fn domain_rule(domain: &str) -> Option<&'static str> {
    if domain.chars().count() > MAX_DOMAIN {
        Some("a domain name is at most 255 characters")
    } else if domain.contains(['\\', '@']) {
        Some("a domain name must not contain a backslash or an \"@\"")
    } else if domain.chars().any(char::is_control) {
        Some("a domain name must not contain control characters")
    } else {
        None
    }
}

impl fmt::Display for NtlmCredentials {
    /// The account as `DOMAIN\user`, or the user name alone without a domain.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.domain.is_empty() {
            f.write_str(&self.user)
        } else {
            write!(f, "{}\\{}", self.domain, self.user)
        }
    }
}

impl fmt::Debug for NtlmCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtlmCredentials")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("password", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct-horse-battery";

    #[test]
    fn three_ways_to_name_the_account() {
        let down_level = NtlmCredentials::parse("CONTOSO\\kim", PASSWORD).unwrap();
        assert_eq!((down_level.user(), down_level.domain()), ("kim", "CONTOSO"));
        let upn = NtlmCredentials::parse("kim@contoso.com", PASSWORD).unwrap();
        assert_eq!((upn.user(), upn.domain()), ("kim@contoso.com", ""));
        let bare = NtlmCredentials::parse("kim", PASSWORD).unwrap();
        assert_eq!((bare.user(), bare.domain()), ("kim", ""));
        let dns_domain = NtlmCredentials::new("kim", "contoso.com", PASSWORD).unwrap();
        assert_eq!(dns_domain.to_string(), "contoso.com\\kim");
    }

    #[test]
    fn refuses_what_windows_would_refuse() {
        for account in ["", "CONTOSO\\", "CONTOSO\\kim\\akers", "kim\n"] {
            let err = NtlmCredentials::parse(account, PASSWORD).unwrap_err();
            assert!(
                matches!(err, NtlmCredentialsError::InvalidUser { .. }),
                "{account:?}: {err}"
            );
        }
        let err = NtlmCredentials::parse("kim@contoso.com\\kim", PASSWORD).unwrap_err();
        assert!(err.to_string().contains("\"kim@contoso.com\""), "{err}");
        let long = "k".repeat(257);
        assert!(NtlmCredentials::new(long, "", PASSWORD).is_err());
    }

    #[test]
    fn password_never_shown() {
        let credentials = NtlmCredentials::parse("CONTOSO\\kim", PASSWORD).unwrap();
        let shown = format!("{credentials:?} {credentials} {credentials:#?}");
        assert!(
            shown.contains("kim") && shown.contains("[redacted]"),
            "{shown}"
        );
        assert!(!shown.contains(PASSWORD), "{shown}");
    }
}
