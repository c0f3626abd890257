//! What every HTTP transport of this crate puts on the wire and checks in its
//! settings, shared by `HttpTransport` and `NtlmTransport`.

use std::time::Duration;

use reqwest::header::{
    ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER,
};
use url::Url;

use super::TransportBuildError;
use crate::transport::{Reply, Request, RetryAfter, redacted_url};

/// Headers a transport sets itself, which a request's extra headers may not
/// carry (lower case).
const SET_BY_THE_TRANSPORT: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "host",
    "content-length",
    "content-type",
    "accept",
    "user-agent",
    "cookie",
    "transfer-encoding",
    "connection",
];

/// Adds the headers of `request`: `Content-Type` (with a body) and `Accept`
/// from its content type, `X-AnchorMailbox`, `client-request-id` with
/// `return-client-request-id: true`, and its extra headers.
///
/// # Errors
/// The rule a header breaks: a value that cannot be a header value, an extra
/// header with an invalid name or one the transport sets itself.
pub(crate) fn request_headers(request: &Request, headers: &mut HeaderMap) -> Result<(), String> {
    let value = |name: &str, value: &str| {
        HeaderValue::from_str(value)
            .map_err(|_| format!("the value of the header {name} is not a valid header value"))
    };
    if !request.body.is_empty() {
        headers.insert(CONTENT_TYPE, value("Content-Type", request.content_type)?);
    }
    let media_type = request
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    headers.insert(ACCEPT, value("Accept", media_type)?);
    if let Some(mailbox) = &request.anchor_mailbox {
        headers.insert(
            "X-AnchorMailbox",
            value("X-AnchorMailbox", mailbox.as_str())?,
        );
    }
    if let Some(id) = request.client_request_id {
        headers.insert(
            "client-request-id",
            value("client-request-id", &id.hyphenated().to_string())?,
        );
        headers.insert("return-client-request-id", HeaderValue::from_static("true"));
    }
    for (name, text) in &request.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{name:?} is not a valid header name"))?;
        if SET_BY_THE_TRANSPORT.contains(&header.as_str()) {
            return Err(format!(
                "the header {name} is set by the transport and may not be given with the request"
            ));
        }
        headers.append(header, value(name, text)?);
    }
    Ok(())
}

/// The URL `request` goes to: its own, checked by the endpoint's scheme rules
/// (plain HTTP also for an anonymous request without a body), or `endpoint`.
///
/// # Errors
/// The rule the request's URL breaks, naming it (redacted).
pub(crate) fn request_url<'a>(
    request: &'a Request,
    endpoint: &'a Url,
    allow_http: bool,
) -> Result<&'a Url, TransportBuildError> {
    let Some(url) = &request.url else {
        return Ok(endpoint);
    };
    let nothing_secret = request.anonymous && request.body.is_empty();
    check_endpoint(url, allow_http || nothing_secret)?;
    Ok(url)
}

/// The `Location` and `Content-Type` headers of a reply, as text.
pub(crate) fn location_and_content_type(headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let text = |name| {
        headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .map(str::to_owned)
    };
    (text(LOCATION), text(CONTENT_TYPE))
}

/// A reply with `status`, `body` and what `headers` say.
pub(crate) fn reply(status: u16, headers: &HeaderMap, body: bytes::Bytes) -> Reply {
    let (location, content_type) = location_and_content_type(headers);
    Reply {
        status,
        retry_after: retry_after(headers),
        location,
        content_type,
        body,
    }
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
pub(crate) fn request_span(request: &Request, shown: &str) -> tracing::Span {
    let span = tracing::info_span!(
        "ews_request",
        operation = request.operation,
        method = request.method.as_str(),
        endpoint = %shown_url(request, shown),
        client_request_id = tracing::field::Empty,
    );
    if let Some(id) = request.client_request_id {
        span.record("client_request_id", tracing::field::display(id));
    }
    span
}

/// Where `request` goes, redacted: its own URL, or the endpoint `shown`.
fn shown_url(request: &Request, shown: &str) -> String {
    request
        .url
        .as_ref()
        .map_or_else(|| shown.to_owned(), redacted_url)
}

/// What a transport error says it was doing: `CreateItem to https://host/EWS/...`.
pub(crate) fn context(request: &Request, shown: &str) -> String {
    format!("{} to {}", request.operation, shown_url(request, shown))
}

/// Logs (at debug level) how a request ended and how long it took.
pub(crate) fn log_outcome(
    result: &Result<Reply, crate::transport::TransportError>,
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
            pub(crate) fn context(&self, request: &$crate::transport::Request) -> String {
                $crate::transport::http::wire::context(request, &self.inner.shown)
            }
        }

        impl $crate::transport::Transport for $transport {
            fn send(
                &self,
                request: $crate::transport::Request,
            ) -> impl std::future::Future<
                Output = Result<$crate::transport::Reply, $crate::transport::TransportError>,
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
        let request = Request::new("CreateItem", "x")
            .anchor_mailbox("kim@contoso.com".parse().unwrap())
            .client_request_id(uuid::Uuid::nil());
        let mut headers = HeaderMap::new();
        request_headers(&request, &mut headers).unwrap();
        assert_eq!(headers["content-type"], "text/xml; charset=utf-8");
        assert_eq!(headers["x-anchormailbox"], "kim@contoso.com");
        assert_eq!(
            headers["client-request-id"],
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(headers["return-client-request-id"], "true");
        assert_eq!(headers["accept"], "text/xml");
    }

    #[test]
    fn extra_headers_may_not_replace_the_transports_own() {
        let request = Request::new("CreateItem", "x").header("Authorization", "Basic a2ltOnB3");
        let err = request_headers(&request, &mut HeaderMap::new()).unwrap_err();
        assert!(
            err.contains("Authorization") && !err.contains("a2lt"),
            "{err}"
        );

        let request = Request::new("GetUserSettings", "x").header("SOAPAction", "\"a\"");
        let mut headers = HeaderMap::new();
        request_headers(&request, &mut headers).unwrap();
        assert_eq!(headers["soapaction"], "\"a\"");
    }

    #[test]
    fn plain_http_only_for_anonymous_requests_without_a_body() {
        let endpoint: Url = "https://mail.contoso.com/EWS/Exchange.asmx"
            .parse()
            .unwrap();
        let probe: Url = "http://autodiscover.contoso.com/autodiscover/autodiscover.xml"
            .parse()
            .unwrap();
        let get = Request::new("probe", "")
            .method(crate::transport::Method::Get)
            .url(probe.clone());
        assert!(request_url(&get, &endpoint, false).is_err());
        let anonymous = get.clone().without_credentials();
        assert_eq!(request_url(&anonymous, &endpoint, false).unwrap(), &probe);
        let with_body = Request::new("post", "<x/>")
            .url(probe)
            .without_credentials();
        assert!(request_url(&with_body, &endpoint, false).is_err());
        assert_eq!(
            request_url(&Request::new("CreateItem", "x"), &endpoint, false).unwrap(),
            &endpoint
        );
    }
}
