//! Building the HTTP replies: plain-text refusals, SOAP bodies, fault bodies, headers.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::{Response, StatusCode};

use super::http::Config;
use super::soap_out::{busy_values, fault, inner_busy_values};

/// A reply as hyper sends it.
pub(crate) type Reply = Response<Full<Bytes>>;

pub(crate) fn unauthorized(config: &Config) -> Reply {
    let mut r = plain(
        StatusCode::UNAUTHORIZED,
        "401 - Unauthorized: Access is denied.",
    );
    let headers = r.headers_mut();
    if config.bearer.is_some() {
        headers.append(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if config.basic.is_some() || config.bearer.is_none() {
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"127.0.0.1\""),
        );
    }
    r
}

pub(crate) fn unavailable(retry_after: &str) -> Reply {
    let mut r = plain(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable");
    if let Ok(v) = HeaderValue::from_str(retry_after) {
        r.headers_mut().insert(RETRY_AFTER, v);
    }
    r
}

/// Microsoft: EWS throttling in Exchange: `ErrorServerBusy` as a SOAP fault, with
/// `BackOffMilliseconds` in the detail's `MessageXml`.
pub(crate) fn fault_body_busy(back_off: Duration) -> String {
    fault(
        "ErrorServerBusy",
        false,
        "The server cannot service this request right now. Try again later.",
        &busy_values(back_off),
    )
}

/// `ErrorInternalServerError` as a SOAP fault, hiding a busy answer when asked:
/// the EWS Managed API and exchangelib both read `InnerErrorResponseCode` from it.
pub(crate) fn fault_body_internal(inner_busy: Option<Duration>) -> String {
    let values = inner_busy.map(inner_busy_values).unwrap_or_default();
    fault(
        "ErrorInternalServerError",
        false,
        "An internal server error occurred. The operation failed.",
        &values,
    )
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn http_date(when: SystemTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::from(when)
        .format(&format)
        .unwrap_or_default()
}

pub(crate) fn plain(status: StatusCode, text: &str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(text.to_owned())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

pub(crate) fn xml(status: StatusCode, body: String) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    r
}

pub(crate) fn decorate(mut reply: Reply, echo_id: Option<&str>) -> Reply {
    let headers = reply.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("request-id", v);
    }
    if let Some(id) = echo_id
        && let Ok(v) = HeaderValue::from_str(id)
    {
        headers.insert("client-request-id", v);
    }
    reply
}
