//! The HTTP side: path, method, size limit, authentication, request faults, replies.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, StatusCode};

use secrecy::ExposeSecret as _;

use crate::address::SmtpAddress;

use super::dispatch::{Commit, dispatch};
use super::faults::{Fault, Faults, InjectedFault};
use super::http_reply::{
    Reply, decorate, fault_body_busy, fault_body_internal, http_date, plain, unauthorized,
    unavailable, xml,
};
use super::record::RecordedRequest;
use super::soap_out::malformed;
use super::store::Store;
use super::submit::Tracker;

/// The only path the server answers on (case-insensitive, as IIS).
pub(crate) const EWS_PATH: &str = "/EWS/Exchange.asmx";

/// A credential the server checks: kept as every secret of the crate is.
pub(crate) type Secret = secrecy::SecretString;

/// Fixed settings of a running server.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) basic: Option<(String, Secret)>,
    pub(crate) bearer: Option<Secret>,
    pub(crate) latency: Duration,
    pub(crate) max_request_bytes: usize,
    /// Outlook's concurrent requests per mailbox on the Graph endpoints; `None`: no limit.
    pub(crate) graph_mailbox_concurrency: Option<usize>,
}

/// Everything the connection tasks share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Faults,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    /// What is still going on, for `TestServer::idle`.
    pub(crate) tracker: Arc<Tracker>,
    /// The Entra ID token endpoint and the tokens it issued.
    pub(crate) entra: super::entra::EntraState,
    /// Graph requests in flight per mailbox.
    pub(crate) graph_gate: Arc<super::graph_gate::GraphGate>,
}

impl Shared {
    /// Records a request (EWS or Graph) and counts it as accepted from here:
    /// `TestServer::idle` waits for it until the returned guard is dropped.
    /// Takes the request fault planned for it, if any, and records that too.
    /// Returns the request's index in the record.
    pub(crate) fn accept(
        &self,
        record: RecordedRequest,
    ) -> (usize, super::submit::InFlight, Option<Fault>) {
        let requests = || self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        let index = {
            let mut requests = requests();
            requests.push(record);
            requests.len() - 1
        };
        let in_flight = self.tracker.begin();
        let fault = {
            let mut plan = self.faults.lock();
            let fault = plan.take_request_fault();
            if let Some(f) = &fault {
                plan.injected.push(InjectedFault::Request {
                    request_index: index,
                    fault: f.clone(),
                });
            }
            fault
        };
        if let (Some(f), Some(r)) = (&fault, requests().get_mut(index)) {
            r.fault = Some(f.clone());
        }
        (index, in_flight, fault)
    }
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

/// Outcome of authentication.
enum Auth {
    Ok(Option<SmtpAddress>),
    Refused,
}

/// Handles one HTTP request.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Reply, CloseConnection> {
    // The latency counts from the request's arrival, as on a real server, where
    // the time spent working on a request is part of its latency.
    let reply_at = std::time::Instant::now() + shared.config.latency;
    // Below `/v1.0`: the Graph endpoints, which keep the latency themselves.
    if super::graph_http::is_graph_path(req.uri().path()) {
        return super::graph_http::handle(shared, req).await;
    }
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
    shared: Arc<Shared>,
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

    if let Some(tenant) = super::entra::token_path_tenant(req.uri().path()) {
        let tenant = tenant.to_owned();
        return Ok(super::entra::handle(&shared.entra, &tenant, req).await);
    }
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
        Err(reply) => return Ok(finish(&shared, record, reply, echo_id.as_deref())),
    };
    record.body = body.clone();

    let (index, in_flight, fault) = shared.accept(record.clone());
    record.fault.clone_from(&fault);

    let (auth, user) = check_auth(&shared.config, &shared.entra, authorization.as_deref());
    record.basic_user = user;
    let identity = match (auth, &fault) {
        (_, Some(Fault::Unauthorized)) | (Auth::Refused, _) => {
            let mut reply = unauthorized(&shared.config);
            if shared.entra.has_apps() {
                reply.headers_mut().append(
                    hyper::header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer"),
                );
            }
            return Ok(store_record(
                &shared,
                index,
                record,
                reply,
                echo_id.as_deref(),
            ));
        }
        (Auth::Ok(identity), _) => identity,
    };

    let early = match &fault {
        // Microsoft: EWS throttling in Exchange (busy as a SOAP fault, or 503).
        Some(Fault::ServerBusyFault { back_off }) => Some(xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            fault_body_busy(*back_off),
        )),
        Some(Fault::InternalServerError { inner_busy }) => Some(xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            fault_body_internal(*inner_busy),
        )),
        Some(Fault::ServiceUnavailable { retry_after_secs }) => {
            Some(unavailable(&retry_after_secs.to_string()))
        }
        Some(Fault::ServiceUnavailableUntil(when)) => Some(unavailable(&http_date(*when))),
        Some(Fault::CloseBeforeCommit) => {
            update(&shared, index, record);
            return Err(CloseConnection);
        }
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(*d).await;
            None
        }
        _ => None,
    };
    if let Some(reply) = early {
        return Ok(store_record(
            &shared,
            index,
            record,
            reply,
            echo_id.as_deref(),
        ));
    }

    let commit = match &fault {
        Some(Fault::SlowCommit { over }) => Commit::Slow(*over),
        Some(Fault::CommitWithoutSubmit) => Commit::WithoutSubmit,
        _ => Commit::Normal,
    };
    // The work runs on a task of its own, independent of the connection. Microsoft:
    // EWS throttling in Exchange: a batch may run for about a minute, whatever the
    // client's own timeout; the server does not notice that the client left.
    let work = tokio::spawn({
        let shared = Arc::clone(&shared);
        let mut record = record;
        async move {
            let soap = dispatch(&shared, &body, identity.as_ref(), index, commit).await;
            record.operation = soap.operation.clone();
            record.acting_mailbox = soap.acting.clone();
            record.impersonated = soap.impersonated.clone();
            record.request_server_version = soap.version.clone();
            update(&shared, index, record.clone());
            drop(in_flight);
            (soap, record)
        }
    });
    let (soap, record) = work.await.map_err(|_| CloseConnection)?;
    match fault {
        Some(Fault::CloseAfterCommit | Fault::CommitWithoutSubmit) => Err(CloseConnection),
        Some(Fault::GatewayTimeout) => {
            let reply = plain(StatusCode::GATEWAY_TIMEOUT, "504 Gateway Time-out");
            Ok(store_record(
                &shared,
                index,
                record,
                reply,
                echo_id.as_deref(),
            ))
        }
        Some(Fault::MalformedReply) => {
            let op = soap.operation.as_deref().unwrap_or("CreateItem");
            let reply = xml(StatusCode::OK, malformed(op));
            Ok(store_record(
                &shared,
                index,
                record,
                reply,
                echo_id.as_deref(),
            ))
        }
        _ => {
            let status = StatusCode::from_u16(soap.status).unwrap_or(StatusCode::OK);
            let reply = xml(status, soap.body);
            Ok(store_record(
                &shared,
                index,
                record,
                reply,
                echo_id.as_deref(),
            ))
        }
    }
}

fn check_auth(
    config: &Config,
    entra: &super::entra::EntraState,
    authorization: Option<&str>,
) -> (Auth, Option<String>) {
    if config.basic.is_none() && config.bearer.is_none() && !entra.has_apps() {
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
            .is_some_and(|(u, p)| *u == user && p.expose_secret() == password);
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
        // A token from the Entra endpoint counts when it was issued for Exchange
        // Online (`https://outlook.office365.com/.default`), as EWS there demands.
        let ok = config
            .bearer
            .as_ref()
            .is_some_and(|t| t.expose_secret() == rest.trim())
            || entra.token_is_valid_for(
                rest.trim(),
                "https://outlook.office365.com",
                std::time::Instant::now(),
            );
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
fn store_record(
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
fn finish(
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
