//! Access tokens for Bearer authentication, obtained on demand.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use secrecy::SecretString;

/// Supplies OAuth access tokens to [`HttpTransport`](super::HttpTransport).
///
/// [`token`](Self::token) is called before every request and may return a cached
/// token. When the server answers 401 (the token expired or was revoked early), the
/// transport calls [`refresh`](Self::refresh) once and sends the request once more
/// with the new token; a second 401 is returned to the caller. Resending is safe
/// there: a 401 means the server refused the request before doing anything.
///
/// ```
/// use offline_im::transport::{TokenError, TokenProvider};
/// use secrecy::SecretString;
///
/// struct FromEnvironment;
///
/// impl TokenProvider for FromEnvironment {
///     async fn token(&self) -> Result<SecretString, TokenError> {
///         std::env::var("EWS_TOKEN")
///             .map(SecretString::from)
///             .map_err(|err| TokenError::permanent(err))
///     }
/// }
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// A token to send now; may be a cached one.
    fn token(&self) -> impl Future<Output = Result<SecretString, TokenError>> + Send;

    /// A token obtained anew, called after the server rejected the last one.
    /// Default: [`token`](Self::token).
    fn refresh(&self) -> impl Future<Output = Result<SecretString, TokenError>> + Send {
        self.token()
    }
}

impl<T: TokenProvider> TokenProvider for Arc<T> {
    fn token(&self) -> impl Future<Output = Result<SecretString, TokenError>> + Send {
        (**self).token()
    }

    fn refresh(&self) -> impl Future<Output = Result<SecretString, TokenError>> + Send {
        (**self).refresh()
    }
}

type BoxedToken<'a> = Pin<Box<dyn Future<Output = Result<SecretString, TokenError>> + Send + 'a>>;

/// The object-safe form of [`TokenProvider`], kept inside the transport.
pub(crate) trait DynTokenProvider: Send + Sync {
    fn token_boxed(&self) -> BoxedToken<'_>;
    fn refresh_boxed(&self) -> BoxedToken<'_>;
}

impl<T: TokenProvider> DynTokenProvider for T {
    fn token_boxed(&self) -> BoxedToken<'_> {
        Box::pin(self.token())
    }

    fn refresh_boxed(&self) -> BoxedToken<'_> {
        Box::pin(self.refresh())
    }
}

/// Why a [`TokenProvider`] could not supply a token.
///
/// The error given as its source is kept as
/// [`source`](std::error::Error::source) and shown in the transport error's source
/// chain: it must not contain secrets.
pub struct TokenError {
    transient: bool,
    source: Box<dyn StdError + Send + Sync>,
}

impl TokenError {
    /// Asking again later may work (the token endpoint was unreachable or busy).
    #[must_use]
    pub fn transient(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            transient: true,
            source: source.into(),
        }
    }

    /// Asking again will fail the same way (credentials revoked, consent missing).
    #[must_use]
    pub fn permanent(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            transient: false,
            source: source.into(),
        }
    }

    /// True when asking again later may work.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        self.transient
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the token provider could not supply a token")
    }
}

impl fmt::Debug for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenError")
            .field("transient", &self.transient)
            .field("source", &self.source)
            .finish()
    }
}

impl StdError for TokenError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}
