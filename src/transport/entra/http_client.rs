//! The `oauth2` crate's requests, sent with the crate's reqwest.
//!
//! `oauth2` 5 ships a reqwest client for reqwest 0.12; this crate uses reqwest
//! 0.13, and two reqwest versions would double the TLS stack in every build. So
//! `oauth2` is used without its default features, for what it is good at (the
//! grant's form, client authentication in the body, the token and error
//! responses), and its requests go through [`Exchange`], which also keeps what
//! `oauth2`'s error does not: the HTTP status and `Retry-After` of the answer.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

use crate::transport::RetryAfter;

/// What the last answer was, beyond its body.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seen {
    pub(crate) status: Option<u16>,
    pub(crate) retry_after: Option<RetryAfter>,
}

/// One token request's HTTP client: reqwest 0.13, remembering the answer's status.
pub(crate) struct Exchange<'a> {
    client: &'a reqwest::Client,
    seen: Mutex<Seen>,
}

impl<'a> Exchange<'a> {
    pub(crate) fn new(client: &'a reqwest::Client) -> Self {
        Self {
            client,
            seen: Mutex::new(Seen::default()),
        }
    }

    pub(crate) fn seen(&self) -> Seen {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The request did not get an answer.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct NoAnswer(pub(crate) String);

impl<'c> AsyncHttpClient<'c> for Exchange<'_> {
    type Error = NoAnswer;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, NoAnswer>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| NoAnswer(format!("the request could not be built: {e}")))?;
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|e| NoAnswer(describe(&e)))?;
            let status = response.status();
            let headers = response.headers().clone();
            {
                let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
                seen.status = Some(status.as_u16());
                seen.retry_after = headers
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| RetryAfter::from_header(v.as_bytes()));
            }
            let body = response.bytes().await.map_err(|e| NoAnswer(describe(&e)))?;
            let mut answer = http::Response::builder().status(status);
            if let Some(h) = answer.headers_mut() {
                *h = headers;
            }
            answer
                .body(body.to_vec())
                .map_err(|e| NoAnswer(format!("the answer could not be read: {e}")))
        })
    }
}

/// reqwest's error with its causes (connection refused, timeout, TLS); the URL
/// is the token endpoint's, which holds no secret.
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
