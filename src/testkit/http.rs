//! The HTTP side: path, method, size limit, authentication, request faults, replies.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};

use crate::address::SmtpAddress;

use super::dispatch::dispatch;
use super::faults::{Fault, Faults, InjectedFault};
use super::record::RecordedRequest;
use super::soap_out::{fault, malformed};
use super::store::Store;

/// The only path the server answers on (case-insensitive, as IIS).
pub(crate) const EWS_PATH: &str = "/EWS/Exchange.asmx";

/// A credential that never shows in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Fixed settings of a running server.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) basic: Option<(String, Secret)>,
    pub(crate) bearer: Option<Secret>,
    pub(crate) latency: Duration,
    pub(crate) max_request_bytes: usize,
}

/// Everything the connection tasks share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Faults,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
}

/// The error that makes hyper drop the connection without a reply.
#[derive(Debug)]
pub(crate) struct CloseConnection;

impl fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed by fault injection")
    }
}

impl std::error::Error for CloseConnection {}

type Reply = Response<Full<Bytes>>;

/// Outcome of authentication.
enum Auth {
    Ok(Option<SmtpAddress>),
    Refused,
}

/// Handles one HTTP request.
pub(crate) async fn handle(
    shared: std::sync::Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Reply, CloseConnection> {
    // The latency counts from the request's arrival, as on a real server, where
    // the time spent working on a request is part of its latency.
    let reply_at = std::time::Instant::now() + shared.config.latency;
    let reply = handle_request(shared, req).await?;
    let remaining = reply_at.saturating_duration_since(std::time::Instant::now());
    if !remaining.is_zero() {
        // A thread's sleep keeps to the microsecond; tokio's timer rounds up to
        // whole milliseconds, which would add a millisecond or two to every reply.
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(remaining)).await;
    }
    Ok(reply)
}

async fn handle_request(
    shared: std::sync::Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Reply, CloseConnection> {
    let mut record = RecordedRequest::new(req.method().as_str(), req.uri().path());
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    record.client_request_id = header("client-request-id");
    record.anchor_mailbox = header("x-anchormailbox");
    let echo_id = header("return-client-request-id")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        .then(|| record.client_request_id.clone())
        .flatten();
    let authorization = header("authorization");
    record.auth_scheme = authorization
        .as_deref()
        .and_then(|a| a.split_whitespace().next())
        .map(str::to_owned);

    let early = if !req.uri().path().eq_ignore_ascii_case(EWS_PATH) {
        Some(plain(StatusCode::NOT_FOUND, "not found"))
    } else if req.method() != hyper::Method::POST {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "EWS takes POST");
        r.headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("POST"));
        Some(r)
    } else {
        None
    };
    let max = shared.config.max_request_bytes;
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = || {
        plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request is larger than {max} bytes"),
        )
    };
    let early = match early {
        None if declared.is_some_and(|n| n > max as u64) => Some(too_large()),
        other => other,
    };
    let body = match early {
        Some(reply) => Err(reply),
        None => match Limited::new(req.into_body(), max).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(_) => Err(too_large()),
        },
    };
    let body = match body {
        Ok(b) => b,
        Err(reply) => return Ok(finish(&shared, record, reply, echo_id.as_deref()).await),
    };
    record.body = body.clone();

    let index = {
        let mut requests = shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        requests.push(record.clone());
        requests.len() - 1
    };
    let fault = {
        let mut plan = shared.faults.lock();
        let fault = plan.take_request_fault();
        if let Some(f) = &fault {
            plan.injected.push(InjectedFault::Request {
                request_index: index,
                fault: f.clone(),
            });
        }
        fault
    };
    record.fault.clone_from(&fault);

    let (auth, user) = check_auth(&shared.config, authorization.as_deref());
    record.basic_user = user;
    let identity = match (auth, &fault) {
        (_, Some(Fault::Unauthorized)) | (Auth::Refused, _) => {
            let reply = unauthorized(&shared.config);
            return Ok(store_record(&shared, index, record, reply, echo_id.as_deref()).await);
        }
        (Auth::Ok(identity), _) => identity,
    };

    match &fault {
        Some(Fault::ServerBusyFault { back_off }) => {
            let body = fault_body_busy(*back_off);
            let reply = xml(StatusCode::INTERNAL_SERVER_ERROR, body);
            return Ok(store_record(&shared, index, record, reply, echo_id.as_deref()).await);
        }
        Some(Fault::ServiceUnavailable { retry_after_secs }) => {
            let reply = unavailable(&retry_after_secs.to_string());
            return Ok(store_record(&shared, index, record, reply, echo_id.as_deref()).await);
        }
        Some(Fault::ServiceUnavailableUntil(when)) => {
            let reply = unavailable(&http_date(*when));
            return Ok(store_record(&shared, index, record, reply, echo_id.as_deref()).await);
        }
        Some(Fault::CloseBeforeCommit) => {
            update(&shared, index, record);
            return Err(CloseConnection);
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(*d).await,
        _ => {}
    }

    let soap = dispatch(
        &shared.store,
        &shared.faults,
        &body,
        identity.as_ref(),
        index,
    );
    record.operation = soap.operation.clone();
    record.acting_mailbox = soap.acting.clone();
    record.impersonated = soap.impersonated.clone();
    record.request_server_version = soap.version.clone();
    match fault {
        Some(Fault::CloseAfterCommit) => {
            update(&shared, index, record);
            Err(CloseConnection)
        }
        Some(Fault::MalformedReply) => {
            let op = soap.operation.as_deref().unwrap_or("CreateItem");
            let reply = xml(StatusCode::OK, malformed(op));
            Ok(store_record(&shared, index, record, reply, echo_id.as_deref()).await)
        }
        _ => {
            let status = StatusCode::from_u16(soap.status).unwrap_or(StatusCode::OK);
            let reply = xml(status, soap.body);
            Ok(store_record(&shared, index, record, reply, echo_id.as_deref()).await)
        }
    }
}

fn check_auth(config: &Config, authorization: Option<&str>) -> (Auth, Option<String>) {
    if config.basic.is_none() && config.bearer.is_none() {
        // Authentication off: a Basic user name still names the acting mailbox.
        let user = authorization.and_then(basic_credentials).map(|(u, _)| u);
        let identity = user.as_deref().and_then(|u| u.parse().ok());
        return (Auth::Ok(identity), user);
    }
    let Some(value) = authorization else {
        return (Auth::Refused, None);
    };
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        let Some((user, password)) = basic_credentials(value) else {
            return (Auth::Refused, None);
        };
        let ok = config
            .basic
            .as_ref()
            .is_some_and(|(u, p)| *u == user && p.0 == password);
        let identity = user.parse().ok();
        return (
            if ok {
                Auth::Ok(identity)
            } else {
                Auth::Refused
            },
            Some(user),
        );
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        let ok = config.bearer.as_ref().is_some_and(|t| t.0 == rest.trim());
        return (if ok { Auth::Ok(None) } else { Auth::Refused }, None);
    }
    (Auth::Refused, None)
}

fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn unauthorized(config: &Config) -> Reply {
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

fn unavailable(retry_after: &str) -> Reply {
    let mut r = plain(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable");
    if let Ok(v) = HeaderValue::from_str(retry_after) {
        r.headers_mut().insert(RETRY_AFTER, v);
    }
    r
}

fn fault_body_busy(back_off: Duration) -> String {
    fault(
        "ErrorServerBusy",
        false,
        "The server cannot service this request right now. Try again later.",
        Some(back_off.as_millis()),
    )
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(when: SystemTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::from(when)
        .format(&format)
        .unwrap_or_default()
}

fn plain(status: StatusCode, text: &str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(text.to_owned())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn xml(status: StatusCode, body: String) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    r
}

fn update(shared: &Shared, index: usize, record: RecordedRequest) {
    let mut requests = shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(slot) = requests.get_mut(index) {
        *slot = record;
    }
}

/// Records the status, adds the common headers.
async fn store_record(
    shared: &Shared,
    index: usize,
    mut record: RecordedRequest,
    reply: Reply,
    echo_id: Option<&str>,
) -> Reply {
    record.status = Some(reply.status().as_u16());
    update(shared, index, record);
    decorate(reply, echo_id)
}

/// Like [`store_record`] for requests refused before their body was read.
async fn finish(
    shared: &Shared,
    mut record: RecordedRequest,
    reply: Reply,
    echo_id: Option<&str>,
) -> Reply {
    record.status = Some(reply.status().as_u16());
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(record);
    decorate(reply, echo_id)
}

fn decorate(mut reply: Reply, echo_id: Option<&str>) -> Reply {
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
