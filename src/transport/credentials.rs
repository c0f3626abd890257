//! The crate's one credentials type: what Autodiscover sends (only to allowed
//! hosts), and what the EWS transports authenticate with.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

/// Credentials: HTTP Basic, a bearer token, or Windows authentication (NTLM
/// with the `ntlm` feature, Negotiate with `kerberos`). Autodiscover takes them
/// ([`AutodiscoverBuilder::credentials`](crate::autodiscover::AutodiscoverBuilder::credentials),
/// also re-exported as `autodiscover::Credentials`); the EWS transports take
/// the same secrets through their builders (`HttpTransport::builder(url).basic(..)`
/// or `.bearer(..)`, `NtlmTransport::builder(url, NtlmCredentials)`,
/// `NtlmTransport::negotiate(url, NegotiateCredentials)`). Every secret is a
/// `secrecy::SecretString`.
///
/// `Debug` shows the scheme and the account, never the password or token.
/// Autodiscover builds its default transport from them: `HttpTransport` for
/// Basic and Bearer, `NtlmTransport` for Windows authentication, which is a
/// handshake on the connection rather than a header.
///
/// ```
/// use offline_im::transport::Credentials;
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
    #[cfg(feature = "ntlm")]
    Windows(crate::transport::ntlm::account::Account),
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

    /// NTLM as a Windows account (feature `ntlm`): Autodiscover's requests go
    /// on connections authenticated as with
    /// [`NtlmTransport`](crate::transport::NtlmTransport).
    #[cfg(feature = "ntlm")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ntlm")))]
    #[must_use]
    pub fn ntlm(credentials: crate::transport::NtlmCredentials) -> Self {
        Self {
            kind: Kind::Windows(crate::transport::ntlm::account::Account::Ntlm(credentials)),
        }
    }

    /// Negotiate with Kerberos (feature `kerberos`), as with
    /// [`NtlmTransport::negotiate`](crate::transport::NtlmTransport::negotiate);
    /// the service principal is `HTTP/<host>` of each Autodiscover URL.
    #[cfg(feature = "kerberos")]
    #[cfg_attr(docsrs, doc(cfg(feature = "kerberos")))]
    #[must_use]
    pub fn negotiate(credentials: crate::transport::NegotiateCredentials) -> Self {
        Self {
            kind: Kind::Windows(crate::transport::ntlm::account::Account::Negotiate(
                credentials,
            )),
        }
    }

    /// The Basic user name, if these are Basic credentials.
    #[must_use]
    pub fn user(&self) -> Option<&str> {
        match &self.kind {
            Kind::Basic { user, .. } => Some(user),
            _ => None,
        }
    }

    /// The value of the `Authorization` header: `Basic <base64>` or
    /// `Bearer <token>`; `None` for Windows authentication, which is a
    /// handshake rather than a header. It holds the secret: mark the header
    /// sensitive and never log it.
    #[must_use]
    pub fn authorization(&self) -> Option<String> {
        match &self.kind {
            Kind::Basic { user, password } => {
                let pair = format!("{user}:{}", password.expose_secret());
                Some(format!("Basic {}", STANDARD.encode(pair)))
            }
            Kind::Bearer(token) => Some(format!("Bearer {}", token.expose_secret())),
            #[cfg(feature = "ntlm")]
            Kind::Windows(_) => None,
        }
    }

    /// Basic's user and password, or Bearer's token (the other is `None`), for
    /// transports that send a header.
    #[cfg(feature = "http")]
    pub(crate) fn header_secrets(&self) -> (Option<(&str, &SecretString)>, Option<&SecretString>) {
        match &self.kind {
            Kind::Basic { user, password } => (Some((user, password)), None),
            Kind::Bearer(token) => (None, Some(token)),
            #[cfg(feature = "ntlm")]
            Kind::Windows(_) => (None, None),
        }
    }

    /// The Windows account, for transports that authenticate connections.
    #[cfg(feature = "ntlm")]
    pub(crate) fn windows(&self) -> Option<&crate::transport::ntlm::account::Account> {
        match &self.kind {
            Kind::Windows(account) => Some(account),
            _ => None,
        }
    }

    /// The scheme's name, for logs: `"basic"`, `"bearer"`, `"ntlm"` or `"negotiate"`.
    #[must_use]
    pub fn scheme(&self) -> &'static str {
        match &self.kind {
            Kind::Basic { .. } => "basic",
            Kind::Bearer(_) => "bearer",
            #[cfg(feature = "ntlm")]
            Kind::Windows(account) => account.protocol(),
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
            #[cfg(feature = "ntlm")]
            Kind::Windows(account) => account.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_matches_rfc_7617_example() {
        let creds = Credentials::basic("Aladdin", "open sesame");
        assert_eq!(
            creds.authorization().as_deref(),
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let basic = format!("{:?}", Credentials::basic("kim", "pa55-secret"));
        let bearer = format!("{:?}", Credentials::bearer("eyJ-token-secret"));
        assert!(basic.contains("kim") && !basic.contains("pa55"), "{basic}");
        assert!(!bearer.contains("eyJ"), "{bearer}");
    }
}
