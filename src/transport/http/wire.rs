//! What every HTTP transport of this crate puts on the wire and checks in its
//! settings, shared by `HttpTransport` and `NtlmTransport`.

use std::time::Duration;

use reqwest::header::{
    ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, InvalidHeaderValue, RETRY_AFTER,
};
use url::Url;

use super::TransportBuildError;
use crate::transport::{EwsRequest, RetryAfter, redacted_url};

/// Adds the headers of an EWS SOAP request: `Content-Type`, `Accept`, and from
/// `request` `X-AnchorMailbox` and `client-request-id` with
/// `return-client-request-id: true`.
///
/// # Errors
/// When the anchor mailbox cannot be a header value.
pub(crate) fn soap_headers(
    request: &EwsRequest,
    headers: &mut HeaderMap,
) -> Result<(), InvalidHeaderValue> {
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    headers.insert(ACCEPT, HeaderValue::from_static("text/xml"));
    if let Some(mailbox) = &request.anchor_mailbox {
        headers.insert("X-AnchorMailbox", HeaderValue::from_str(mailbox.as_str())?);
    }
    if let Some(id) = request.client_request_id {
        headers.insert(
            "client-request-id",
            HeaderValue::from_str(&id.hyphenated().to_string())?,
        );
        headers.insert("return-client-request-id", HeaderValue::from_static("true"));
    }
    Ok(())
}

/// The `Retry-After` of a reply, when present and understood.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<RetryAfter> {
    headers
        .get(RETRY_AFTER)
        .and_then(|value| RetryAfter::from_header(value.as_bytes()))
}

/// Checks an endpoint: `https://` (or `http://` when `allow_http`), no
/// credentials in the URL, a host. Returns the endpoint as shown.
pub(crate) fn check_endpoint(
    endpoint: &Url,
    allow_http: bool,
) -> Result<String, TransportBuildError> {
    let shown = redacted_url(endpoint);
    match endpoint.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => return Err(TransportBuildError::PlainHttp { url: shown }),
        scheme => {
            return Err(TransportBuildError::UnsupportedScheme {
                url: shown,
                scheme: scheme.to_owned(),
            });
        }
    }
    if !endpoint.username().is_empty() || endpoint.password().is_some() {
        return Err(TransportBuildError::CredentialsInUrl { url: shown });
    }
    if endpoint.host_str().is_none_or(str::is_empty) {
        return Err(TransportBuildError::NoHost { url: shown });
    }
    Ok(shown)
}

/// Checks a User-Agent: non-empty printable ASCII.
pub(crate) fn check_user_agent(user_agent: &str) -> Result<(), TransportBuildError> {
    if user_agent.is_empty()
        || !user_agent
            .bytes()
            .all(|b| b == b' ' || b.is_ascii_graphic())
    {
        return Err(TransportBuildError::InvalidUserAgent {
            value: user_agent.to_owned(),
            rule: "a User-Agent must be non-empty printable ASCII",
        });
    }
    Ok(())
}

/// Checks that no timeout is zero.
pub(crate) fn check_timeouts(
    timeouts: &[(&'static str, Duration)],
) -> Result<(), TransportBuildError> {
    for &(setting, value) in timeouts {
        if value.is_zero() {
            return Err(TransportBuildError::InvalidTimeout {
                setting,
                rule: "a timeout must be longer than zero",
            });
        }
    }
    Ok(())
}

/// The `ews_request` span every HTTP transport runs a request in: operation,
/// endpoint (without credentials) and client request id; never the body.
pub(crate) fn request_span(request: &EwsRequest, shown: &str) -> tracing::Span {
    let span = tracing::info_span!(
        "ews_request",
        operation = request.operation,
        endpoint = %shown,
        client_request_id = tracing::field::Empty,
    );
    if let Some(id) = request.client_request_id {
        span.record("client_request_id", tracing::field::display(id));
    }
    span
}

/// What a transport error says it was doing: `CreateItem to https://host/EWS/...`.
pub(crate) fn context(request: &EwsRequest, shown: &str) -> String {
    format!("{} to {}", request.operation, shown)
}

/// Logs (at debug level) how a request ended and how long it took.
pub(crate) fn log_outcome(
    result: &Result<crate::transport::EwsReply, crate::transport::TransportError>,
    elapsed: std::time::Duration,
) {
    let elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(reply) => tracing::debug!(
            status = reply.status,
            body_bytes = reply.body.len(),
            elapsed_ms,
            "EWS reply received"
        ),
        Err(err) => tracing::debug!(
            error = %err,
            outcome_unknown = err.outcome_unknown(),
            elapsed_ms,
            "EWS request failed"
        ),
    }
}

/// `Transport` for an EWS transport type whose `exchange(request)` does the work
/// and whose `inner.shown` is its redacted endpoint: each request runs in its own
/// span; `context(request)` names the operation and endpoint for errors.
macro_rules! transport_in_a_span {
    ($transport:ty) => {
        impl $transport {
            pub(crate) fn context(&self, request: &$crate::transport::EwsRequest) -> String {
                $crate::transport::http::wire::context(request, &self.inner.shown)
            }
        }

        impl $crate::transport::Transport for $transport {
            fn send(
                &self,
                request: $crate::transport::EwsRequest,
            ) -> impl std::future::Future<
                Output = Result<$crate::transport::EwsReply, $crate::transport::TransportError>,
            > + Send {
                use tracing::Instrument as _;
                let span = $crate::transport::http::wire::request_span(&request, &self.inner.shown);
                self.exchange(request).instrument(span)
            }
        }
    };
}

pub(crate) use transport_in_a_span;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_url_drops_credentials_query_and_fragment() {
        let url: Url = "https://kim:secret@mail.contoso.com:8443/EWS/Exchange.asmx?token=abc#x"
            .parse()
            .unwrap();
        assert_eq!(
            redacted_url(&url),
            "https://mail.contoso.com:8443/EWS/Exchange.asmx"
        );
    }

    #[test]
    fn soap_headers_carry_the_routing_facts() {
        let request = EwsRequest::new("CreateItem", "x")
            .anchor_mailbox("kim@contoso.com".parse().unwrap())
            .client_request_id(uuid::Uuid::nil());
        let mut headers = HeaderMap::new();
        soap_headers(&request, &mut headers).unwrap();
        assert_eq!(headers["content-type"], "text/xml; charset=utf-8");
        assert_eq!(headers["x-anchormailbox"], "kim@contoso.com");
        assert_eq!(
            headers["client-request-id"],
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(headers["return-client-request-id"], "true");
    }
}
