//! The credentials Autodiscover sends, and only to allowed hosts.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

/// Credentials for Autodiscover requests: HTTP Basic or a bearer token.
///
/// `Debug` shows the scheme and the Basic user name, never the password or
/// token. Fetchers turn them into a header with
/// [`authorization`](Self::authorization).
///
/// ```
/// use offline_im::autodiscover::Credentials;
///
/// let creds = Credentials::basic("CONTOSO\\kim", "hunter2");
/// assert!(!format!("{creds:?}").contains("hunter2"));
/// assert_eq!(creds.user(), Some("CONTOSO\\kim"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Basic {
        user: String,
        password: SecretString,
    },
    Bearer(SecretString),
}

impl Credentials {
    /// HTTP Basic with `user` (`DOMAIN\user` or a UPN) and `password`.
    #[must_use]
    pub fn basic(user: impl Into<String>, password: impl AsRef<str>) -> Self {
        Self {
            kind: Kind::Basic {
                user: user.into(),
                password: SecretString::from(password.as_ref()),
            },
        }
    }

    /// An OAuth bearer token.
    #[must_use]
    pub fn bearer(token: impl AsRef<str>) -> Self {
        Self {
            kind: Kind::Bearer(SecretString::from(token.as_ref())),
        }
    }

    /// The Basic user name, if these are Basic credentials.
    #[must_use]
    pub fn user(&self) -> Option<&str> {
        match &self.kind {
            Kind::Basic { user, .. } => Some(user),
            Kind::Bearer(_) => None,
        }
    }

    /// The value of the `Authorization` header: `Basic <base64>` or
    /// `Bearer <token>`. It holds the secret: mark the header sensitive and never
    /// log it.
    #[must_use]
    pub fn authorization(&self) -> String {
        match &self.kind {
            Kind::Basic { user, password } => {
                let pair = format!("{user}:{}", password.expose_secret());
                format!("Basic {}", STANDARD.encode(pair))
            }
            Kind::Bearer(token) => format!("Bearer {}", token.expose_secret()),
        }
    }

    /// The scheme's name, for logs: `"basic"` or `"bearer"`.
    #[must_use]
    pub fn scheme(&self) -> &'static str {
        match self.kind {
            Kind::Basic { .. } => "basic",
            Kind::Bearer(_) => "bearer",
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"[redacted]")
                .finish(),
            Kind::Bearer(_) => f.write_str("Bearer([redacted])"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_matches_rfc_7617_example() {
        let creds = Credentials::basic("Aladdin", "open sesame");
        assert_eq!(creds.authorization(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let basic = format!("{:?}", Credentials::basic("kim", "pa55-secret"));
        let bearer = format!("{:?}", Credentials::bearer("eyJ-token-secret"));
        assert!(basic.contains("kim") && !basic.contains("pa55"), "{basic}");
        assert!(!bearer.contains("eyJ"), "{bearer}");
    }
}
