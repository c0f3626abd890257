//! App-only authentication with Microsoft Entra ID (feature `entra`).
//!
//! Exchange Online mailboxes are reached through Microsoft Graph (or, until EWS
//! in Exchange Online is switched off, EWS with OAuth), with an access token
//! that an application obtains for itself: the OAuth 2.0 client-credentials
//! grant against `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`.
//! [`EntraTokenProvider`] does that grant, caches the token and renews it before
//! it expires; it is a [`TokenProvider`](crate::transport::TokenProvider), so it
//! plugs into [`HttpTransportBuilder::token_provider`](crate::transport::HttpTransportBuilder::token_provider)
//! and into everything else that takes one.
//!
//! The application proves who it is with either
//! - a **client secret** (a password made in the app registration; it expires
//!   after at most two years), or
//! - a **certificate** ([`ClientCertificate`], read from PEM): each request
//!   carries a short-lived JWT signed with the certificate's private key, the
//!   *client assertion*. Microsoft recommends certificates over secrets; only the
//!   certificate's public part is uploaded to the app registration.
//!
//! # Why not `Credentials::entra`
//! [`Credentials`](crate::transport::Credentials) are values that turn into a
//! header without I/O (`Credentials::authorization` is synchronous); a token from
//! Entra needs a request, renewal and a cache shared by every user of the
//! provider. The crate's model for tokens that expire is
//! [`TokenProvider`](crate::transport::TokenProvider); an `EntraTokenProvider`
//! is one, and cloning it shares the cache.
//!
//! # The pieces, in the order a token is made
//! - `certificate`: the certificate and key from PEM ([`ClientCertificate`]).
//! - `assertion`: the signed client assertion (PS256 by default, RS256 on request).
//! - `http_client`: the `oauth2` crate's requests through the crate's reqwest.
//! - `provider`: the grant, the cache, renewal ([`EntraTokenProvider`]).
//! - `error`: Entra's AADSTS errors and what to check ([`EntraError`]).

pub(crate) mod assertion;
mod builder;
mod certificate;
mod error;
mod http_client;
mod provider;

pub use assertion::AssertionAlgorithm;
pub use builder::{
    DEFAULT_AUTHORITY, DEFAULT_REFRESH_MARGIN, DEFAULT_SCOPE, DEFAULT_TOKEN_TIMEOUT,
    EntraBuildError, EntraTokenProviderBuilder,
};
pub use certificate::{CertificateError, ClientCertificate};
pub use error::EntraError;
pub use provider::EntraTokenProvider;
