//! How requests authenticate, and the rules for credentials.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use super::token::DynTokenProvider;

/// The authentication an `HttpTransport` adds to every request.
///
/// `Debug` names the scheme (and the Basic user name), never a password or token.
#[derive(Clone, Default)]
pub(crate) enum Auth {
    /// No `Authorization` header.
    #[default]
    None,
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        user: String,
        password: SecretString,
    },
    /// `Authorization: Bearer <token>` with a fixed token.
    Bearer(SecretString),
    /// `Authorization: Bearer <token>` with tokens from a provider.
    Provider(Arc<dyn DynTokenProvider>),
    /// Credentials this transport cannot send (Windows authentication); refused
    /// by `build()`.
    Unsupported(&'static str),
}

impl Auth {
    /// The scheme's name, for logs.
    pub(crate) fn scheme(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Basic { .. } => "basic",
            Self::Bearer(_) => "bearer",
            Self::Provider(_) => "bearer (token provider)",
            Self::Unsupported(scheme) => scheme,
        }
    }

    /// Adds the `Authorization` header (marked sensitive) to `request`. `token` is
    /// the provider's token, used only with [`Auth::Provider`].
    pub(crate) fn apply(
        &self,
        request: reqwest::RequestBuilder,
        token: Option<&SecretString>,
    ) -> reqwest::RequestBuilder {
        match (self, token) {
            (Self::Basic { user, password }, _) => {
                request.basic_auth(user, Some(password.expose_secret()))
            }
            (Self::Bearer(token), _) | (Self::Provider(_), Some(token)) => {
                request.bearer_auth(token.expose_secret())
            }
            (Self::None | Self::Unsupported(_), _) | (Self::Provider(_), None) => request,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"[redacted]")
                .finish(),
            other => f.write_str(other.scheme()),
        }
    }
}

/// The rule a Basic user name breaks, if any (RFC 7617: no colon, no control
/// characters).
pub(crate) fn user_name_rule(user: &str) -> Option<&'static str> {
    if user.is_empty() {
        Some("the user name must not be empty")
    } else if user.contains(':') {
        Some("a Basic user name must not contain a colon (\":\")")
    } else if user.chars().any(char::is_control) {
        Some("a Basic user name must not contain control characters")
    } else {
        None
    }
}

/// The rule a bearer token breaks, if any: it must fit in an HTTP header as one
/// word of visible ASCII characters.
pub(crate) fn token_rule(token: &SecretString) -> Option<&'static str> {
    let token = token.expose_secret();
    if token.is_empty() {
        Some("the token must not be empty")
    } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
        Some("the token must be visible ASCII characters without spaces")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_scheme_and_user_only() {
        let basic = Auth::Basic {
            user: "kim".into(),
            password: SecretString::from("hunter2-password"),
        };
        let shown = format!("{basic:?}");
        assert!(
            shown.contains("kim") && shown.contains("[redacted]"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");

        let bearer = Auth::Bearer(SecretString::from("eyJ-secret-token"));
        assert_eq!(format!("{bearer:?}"), "bearer");
    }

    #[test]
    fn credential_rules() {
        assert!(user_name_rule("CONTOSO\\kim").is_none());
        assert!(user_name_rule("kim@contoso.com").is_none());
        assert!(user_name_rule("kim:akers").is_some());
        assert!(user_name_rule("").is_some());
        assert!(user_name_rule("kim\n").is_some());

        assert!(token_rule(&SecretString::from("eyJ0eXAi.eyJhdWQi.c2ln-_~+/=")).is_none());
        assert!(token_rule(&SecretString::from("")).is_some());
        assert!(token_rule(&SecretString::from("two words")).is_some());
        assert!(token_rule(&SecretString::from("line\nbreak")).is_some());
    }
}
