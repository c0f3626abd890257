//! What can be wrong with an `HttpTransport`'s settings.

use std::error::Error as StdError;

use thiserror::Error;

/// A setting [`HttpTransportBuilder::build`](super::HttpTransportBuilder::build)
/// refused, naming the value (never a secret) and the rule it broke.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TransportBuildError {
    /// The endpoint is `http://` and plain HTTP was not allowed.
    #[error(
        "refusing the plain-HTTP URL {url}: credentials and mail must travel over https://; \
         use an https:// URL (allow_http(true) exists for loopback tests only)"
    )]
    PlainHttp {
        /// The endpoint as given (without user name, password or query).
        url: String,
    },
    /// The endpoint's scheme is neither `https` nor `http`.
    #[error("unsupported scheme {scheme:?} in the URL {url}: use an https:// URL")]
    UnsupportedScheme {
        /// The endpoint as given (without user name, password or query).
        url: String,
        /// The scheme found.
        scheme: String,
    },
    /// The endpoint URL carries a user name or password.
    #[error(
        "the URL {url} carries a user name or password: remove them and \
         pass credentials with basic() or bearer() instead"
    )]
    CredentialsInUrl {
        /// The endpoint with its user name and password removed.
        url: String,
    },
    /// The endpoint has no host name.
    #[error("the URL {url} has no host name")]
    NoHost {
        /// The endpoint as given (without user name, password or query).
        url: String,
    },
    /// The Basic-authentication user name breaks a rule.
    #[error("invalid user name {user:?} for Basic authentication: {rule}")]
    InvalidUserName {
        /// The user name as given.
        user: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// The static bearer token breaks a rule (the token itself is not shown).
    #[error("invalid bearer token: {rule}")]
    InvalidToken {
        /// The rule it broke.
        rule: &'static str,
    },
    /// The User-Agent breaks a rule.
    #[error("invalid User-Agent {value:?}: {rule}")]
    InvalidUserAgent {
        /// The User-Agent as given.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A timeout is zero.
    #[error("invalid {setting}: {rule}")]
    InvalidTimeout {
        /// Which setting (`"timeout"` or `"connect_timeout"`).
        setting: &'static str,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A connection limit is zero.
    #[error("invalid {setting}: {rule}")]
    InvalidConnectionLimit {
        /// Which setting (`"max_connections"`).
        setting: &'static str,
        /// The rule it broke.
        rule: &'static str,
    },
    /// Credentials `HttpTransport` cannot send: Windows authentication is a
    /// handshake on the connection, done by `NtlmTransport` (features `ntlm`,
    /// `kerberos`).
    #[error(
        "HttpTransport cannot authenticate with {scheme}: use NtlmTransport (features ntlm, kerberos)"
    )]
    UnsupportedCredentials {
        /// The scheme of the credentials given (`"ntlm"`, `"negotiate"`).
        scheme: &'static str,
    },
    /// A service principal (`NtlmTransportBuilder::service_principal`)
    /// that names no service on a host.
    #[error("invalid service principal {spn:?}: {rule}")]
    InvalidServicePrincipal {
        /// The principal as given.
        spn: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// The HTTP client could not be set up (for example, no TLS root certificates
    /// could be loaded).
    #[error("could not set up the HTTP client")]
    Client {
        /// What the HTTP library reported.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}
