//! What every HTTP client of the crate is configured with (the EWS transports and
//! Autodiscover's fetcher), and its setters, written once.

use std::time::Duration;

/// The User-Agent sent by default: `offline-im/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("offline-im/", env!("CARGO_PKG_VERSION"));

/// Timeouts and the User-Agent of one HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) user_agent: String,
}

impl Connection {
    /// `timeout` for a whole request, 10 s to connect, [`DEFAULT_USER_AGENT`].
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
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
    };
}

pub(crate) use connection_setters;
