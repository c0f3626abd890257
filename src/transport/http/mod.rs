//! The HTTPS transport, on reqwest (feature `http`).

mod auth;
mod builder;
pub(crate) mod connection;
mod error;
mod token;
mod transport;
pub(crate) mod wire;

pub use builder::HttpTransportBuilder;
pub use connection::DEFAULT_USER_AGENT;
pub use error::TransportBuildError;
pub use token::{TokenError, TokenProvider};
pub use transport::HttpTransport;
