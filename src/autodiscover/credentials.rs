//! The credentials Autodiscover sends, and only to allowed hosts.

use std::fmt;
use std::sync::Arc;

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
    Basic { user: String, password: Hidden },
    Bearer(Hidden),
}

/// A secret that never shows itself.
#[derive(Clone)]
struct Hidden(Arc<str>);

impl Credentials {
    /// HTTP Basic with `user` (`DOMAIN\user` or a UPN) and `password`.
    #[must_use]
    pub fn basic(user: impl Into<String>, password: impl AsRef<str>) -> Self {
        Self {
            kind: Kind::Basic {
                user: user.into(),
                password: Hidden(password.as_ref().into()),
            },
        }
    }

    /// An OAuth bearer token.
    #[must_use]
    pub fn bearer(token: impl AsRef<str>) -> Self {
        Self {
            kind: Kind::Bearer(Hidden(token.as_ref().into())),
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
                format!(
                    "Basic {}",
                    base64(format!("{user}:{}", password.0).as_bytes())
                )
            }
            Kind::Bearer(token) => format!("Bearer {}", token.0),
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

/// Standard base64 with padding (RFC 4648), for the Basic header.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_matches_rfc_7617_example() {
        let creds = Credentials::basic("Aladdin", "open sesame");
        assert_eq!(creds.authorization(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let basic = format!("{:?}", Credentials::basic("kim", "pa55-secret"));
        let bearer = format!("{:?}", Credentials::bearer("eyJ-token-secret"));
        assert!(basic.contains("kim") && !basic.contains("pa55"), "{basic}");
        assert!(!bearer.contains("eyJ"), "{bearer}");
    }
}
