//! The HTTPS transport, on reqwest (feature `http`).

mod auth;
mod builder;
mod error;
mod token;
mod transport;
pub(crate) mod wire;

pub use builder::{DEFAULT_USER_AGENT, HttpTransportBuilder};
pub use error::TransportBuildError;
pub use token::{TokenError, TokenProvider};
pub use transport::HttpTransport;
