//! What every HTTP transport of the crate is configured with, and its setters,
//! written once.

use std::net::SocketAddr;
use std::time::Duration;

/// The User-Agent sent by default: `offline-im/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("offline-im/", env!("CARGO_PKG_VERSION"));

/// Timeouts, the User-Agent, name overrides and trusted roots of one HTTP
/// transport.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) user_agent: String,
    /// Host names connected to at a fixed address instead of asking DNS.
    pub(crate) resolve: Vec<(String, SocketAddr)>,
    /// DER root certificates trusted instead of the platform's; none: the platform's.
    pub(crate) roots: Vec<Vec<u8>>,
}

impl Connection {
    /// `timeout` for a whole request, 10 s to connect, [`DEFAULT_USER_AGENT`].
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            resolve: Vec::new(),
            roots: Vec::new(),
        }
    }
}

/// The setters of a builder's `connection: Connection` field; the builder's own
/// docs give the defaults and what its timeout covers.
macro_rules! connection_setters {
    () => {
        /// The longest one request may take, up to the last byte of the reply (see
        /// this builder's table for the default and what it covers). When it runs
        /// out after the request may have been sent, the error says the outcome is
        /// unknown.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.connection.timeout = timeout;
            self
        }

        /// The longest connecting (TCP and TLS) may take. Default: 10 s. Keep it
        /// below [`timeout`](Self::timeout): only a connect timeout proves the
        /// request was not sent.
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.connection.connect_timeout = timeout;
            self
        }

        /// The User-Agent header. Default:
        /// [`DEFAULT_USER_AGENT`](crate::transport::DEFAULT_USER_AGENT).
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.connection.user_agent = user_agent.into();
            self
        }

        /// Connects to `addr` whenever a request goes to `host`, instead of
        /// asking DNS. A port in the URL wins over `addr`'s; port 0 in `addr`
        /// means the scheme's default. For split-horizon networks and tests.
        /// Repeatable. Default: none.
        pub fn resolve(mut self, host: impl Into<String>, addr: std::net::SocketAddr) -> Self {
            self.connection.resolve.push((host.into(), addr));
            self
        }

        /// Trusts the root CA certificate `der` (DER-encoded) **instead of**
        /// the platform's trusted certificates; call again to trust several.
        /// For an Exchange server whose certificate comes from a private CA
        /// that this machine does not trust. Default: none, the platform
        /// decides. A certificate that cannot be read fails `build()`.
        pub fn trust_only_root_der(mut self, der: impl Into<Vec<u8>>) -> Self {
            self.connection.roots.push(der.into());
            self
        }
    };
}

pub(crate) use connection_setters;
