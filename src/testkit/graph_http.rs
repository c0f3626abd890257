//! The HTTP side of the Graph endpoints: token, per-mailbox limit, faults, reply.

use std::sync::{Arc, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};

use super::faults::Fault;
use super::graph_batch;
use super::graph_gate::{Slots, authorize, over_limit};
use super::graph_json::GraphAnswer;
use super::graph_ops::apply;
use super::graph_route::{GRAPH_ROOT, route};
use super::http::{CloseConnection, Shared};
use super::http_reply::{Reply, http_date};
use super::record::RecordedRequest;

/// Whether `path` is below Graph's version root.
pub(crate) fn is_graph_path(path: &str) -> bool {
    path.get(..GRAPH_ROOT.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(GRAPH_ROOT))
        && path.len() > GRAPH_ROOT.len()
}

fn reply(answer: &GraphAnswer) -> Reply {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = answer
        .body
        .as_ref()
        .map(|b| Bytes::from(serde_json::to_vec(b).unwrap_or_default()))
        .unwrap_or_default();
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    if answer.body.is_some() {
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; odata.metadata=minimal"),
        );
    }
    for (name, value) in &answer.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            r.headers_mut().append(n, v);
        }
    }
    r
}

fn record_status(shared: &Shared, index: usize, status: Option<u16>, operation: &str) {
    let mut requests = shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(r) = requests.get_mut(index) {
        r.status = status;
        r.operation = Some(operation.to_owned());
    }
}

/// Handles one request below `/v1.0`. Holds its mailbox slot until the reply
/// leaves, the server's latency included.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Reply, CloseConnection> {
    let arrived = Instant::now();
    let method = req.method().as_str().to_owned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let mut record = RecordedRequest::new(&method, req.uri().path());
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    record.client_request_id = header("client-request-id");
    let authorization = header("authorization");
    record.auth_scheme = authorization
        .as_deref()
        .and_then(|a| a.split_whitespace().next())
        .map(str::to_owned);
    let max = shared.config.max_request_bytes;
    let body = match Limited::new(req.into_body(), max).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            let answer = GraphAnswer::error(
                413,
                "RequestEntityTooLarge",
                &format!("The request is larger than {max} bytes."),
            );
            return Ok(reply(&answer));
        }
    };
    record.body = body.clone();
    let (index, in_flight, fault) = shared.accept(record);
    let below_root = &path_and_query[GRAPH_ROOT.len()..];
    let is_batch = below_root
        .split('?')
        .next()
        .is_some_and(|p| p.eq_ignore_ascii_case("/$batch"));
    let operation = if is_batch { "graph.batch" } else { "graph" };

    let finish = |answer: GraphAnswer, operation: &str| {
        record_status(&shared, index, Some(answer.status), operation);
        reply(&answer)
    };
    if let Err(answer) = authorize(&shared.config, &shared.entra, authorization.as_deref()) {
        return Ok(finish(answer, operation));
    }
    if let Some(Fault::Unauthorized) = fault {
        let answer = GraphAnswer::error(
            401,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        );
        return Ok(finish(answer, operation));
    }
    let early = match &fault {
        // Microsoft Graph throttling guidance: 429 with Retry-After.
        Some(Fault::ServerBusyFault { back_off }) => Some(
            GraphAnswer::error(429, "TooManyRequests", "Too many requests.")
                .retry_after(back_off.as_secs().max(1).to_string()),
        ),
        // Errors page: 503 "the service is temporarily unavailable"; Retry-After.
        Some(Fault::ServiceUnavailable { retry_after_secs }) => Some(
            GraphAnswer::error(
                503,
                "serviceNotAvailable",
                "The service is temporarily unavailable.",
            )
            .retry_after(retry_after_secs.to_string()),
        ),
        Some(Fault::ServiceUnavailableUntil(when)) => Some(
            GraphAnswer::error(
                503,
                "serviceNotAvailable",
                "The service is temporarily unavailable.",
            )
            .retry_after(http_date(*when)),
        ),
        Some(Fault::InternalServerError { .. }) => Some(GraphAnswer::error(
            500,
            "generalException",
            "An unspecified error has occurred.",
        )),
        Some(Fault::CloseBeforeCommit) => {
            record_status(&shared, index, None, operation);
            return Err(CloseConnection);
        }
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(*d).await;
            None
        }
        _ => None,
    };
    if let Some(answer) = early {
        return Ok(finish(answer, operation));
    }
    let submit = !matches!(fault, Some(Fault::CommitWithoutSubmit));
    let gate = Arc::clone(&shared.graph_gate);
    // The work runs on a task of its own: it finishes even when the client
    // gives up (Exchange runs a request on after the client disconnects).
    let work = tokio::spawn({
        let shared = Arc::clone(&shared);
        let fault = fault.clone();
        let path_and_query = path_and_query.clone();
        async move {
            let below_root = &path_and_query[GRAPH_ROOT.len()..];
            let (answer, slots, operation): (GraphAnswer, Vec<Slots>, &'static str) = if is_batch {
                if method != "POST" {
                    (
                        GraphAnswer::error(405, "BadRequest", "$batch takes POST."),
                        Vec::new(),
                        "graph.batch",
                    )
                } else {
                    let (a, s) = graph_batch::run(&shared, &gate, &body, index, submit);
                    (a, s, "graph.batch")
                }
            } else {
                match route(&method, below_root) {
                    Err(answer) => (answer, Vec::new(), "graph"),
                    Ok(target) => {
                        let name = target.route.name();
                        let slots = gate.enter(
                            target.user.as_str(),
                            1,
                            shared.config.graph_mailbox_concurrency,
                        );
                        if slots.count() == 0 {
                            (over_limit(), vec![slots], name)
                        } else {
                            if let Some(Fault::SlowCommit { over }) = fault {
                                tokio::time::sleep(over).await;
                            }
                            let answer = {
                                let mut store =
                                    shared.store.lock().unwrap_or_else(PoisonError::into_inner);
                                let mut plan = shared.faults.lock();
                                apply(&mut store, &mut plan, &target, &body, index, submit)
                            };
                            (answer, vec![slots], name)
                        }
                    }
                }
            };
            drop(in_flight);
            (answer, slots, operation)
        }
    });
    let (answer, slots, operation) = work.await.map_err(|_| CloseConnection)?;
    // The slot is busy for as long as the request takes, latency included.
    let reply_at = arrived + shared.config.latency;
    let remaining = reply_at.saturating_duration_since(Instant::now());
    if !remaining.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(remaining)).await;
    }
    drop(slots);
    match fault {
        Some(Fault::CloseAfterCommit | Fault::CommitWithoutSubmit) => {
            record_status(&shared, index, None, operation);
            Err(CloseConnection)
        }
        Some(Fault::MalformedReply) => {
            record_status(&shared, index, Some(200), operation);
            let mut r = Response::new(Full::new(Bytes::from_static(b"<html>proxy error")));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok(r)
        }
        Some(Fault::GatewayTimeout) => Ok(finish(
            GraphAnswer::error(504, "UnknownError", "Gateway timeout."),
            operation,
        )),
        _ => Ok(finish(answer, operation)),
    }
}
