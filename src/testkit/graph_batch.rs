//! `POST /$batch`: up to 20 Graph requests in one.
//!
//! Microsoft Graph, "Combine multiple HTTP requests using JSON batching": at most
//! 20 requests, each with an `id` unique in the batch, `method`, `url` relative to
//! the version root, optional `body` and `dependsOn`; a request whose dependency
//! failed is answered `424 Failed Dependency`; responses come back in any order
//! (this server reverses them, so a client must match them by `id`); each request
//! counts against the throttling limits on its own, so more than 4 independent
//! requests to one mailbox meet Outlook's concurrency limit.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use serde_json::{Map, Value, json};

use super::graph_gate::{GraphGate, Slots, over_limit};
use super::graph_json::GraphAnswer;
use super::graph_ops::apply;
use super::graph_route::{Target, route};
use super::http::Shared;

/// Graph's limit of requests in one batch.
const MAX_REQUESTS: usize = 20;

struct Entry {
    id: String,
    target: Result<Target, GraphAnswer>,
    body: Vec<u8>,
    depends_on: Vec<String>,
}

fn bad(text: &str) -> GraphAnswer {
    GraphAnswer::error(400, "BadRequest", text)
}

fn read(body: &[u8]) -> Result<Vec<Entry>, GraphAnswer> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| bad(&format!("Invalid batch payload: {e}")))?;
    let requests = json
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("Invalid batch payload: 'requests' must be an array."))?;
    if requests.is_empty() {
        return Err(bad("Invalid batch payload: no requests."));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(bad(&format!(
            "Invalid batch payload: {} requests; a batch holds at most {MAX_REQUESTS}.",
            requests.len()
        )));
    }
    let mut entries: Vec<Entry> = Vec::with_capacity(requests.len());
    for r in requests {
        let text = |name: &str| r.get(name).and_then(Value::as_str).map(str::to_owned);
        let (Some(id), Some(method), Some(url)) = (text("id"), text("method"), text("url")) else {
            return Err(bad(
                "Invalid batch payload: every request needs 'id', 'method' and 'url'.",
            ));
        };
        if entries.iter().any(|e| e.id == id) {
            return Err(bad(&format!("Invalid batch payload: duplicate id '{id}'.")));
        }
        let depends_on: Vec<String> = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(d) = depends_on
            .iter()
            .find(|d| !entries.iter().any(|e| &e.id == *d))
        {
            return Err(bad(&format!(
                "Invalid batch payload: dependsOn '{d}' names no earlier request."
            )));
        }
        let body = match r.get("body") {
            Some(b) => {
                let has_type = r
                    .get("headers")
                    .and_then(Value::as_object)
                    .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("content-type")));
                if !has_type {
                    // "JSON batching": a body needs a Content-Type header.
                    return Err(bad(&format!(
                        "Invalid batch payload: request '{id}' has a body but no Content-Type header."
                    )));
                }
                serde_json::to_vec(b).unwrap_or_default()
            }
            None => Vec::new(),
        };
        let url = if url.starts_with('/') {
            url
        } else {
            format!("/{url}")
        };
        entries.push(Entry {
            id,
            target: route(&method.to_ascii_uppercase(), &url),
            body,
            depends_on,
        });
    }
    Ok(entries)
}

/// Runs a batch; the slots it took are held by the returned guards until the
/// reply goes out.
pub(crate) fn run(
    shared: &Shared,
    gate: &Arc<GraphGate>,
    body: &[u8],
    request_index: usize,
    submit: bool,
) -> (GraphAnswer, Vec<Slots>) {
    let entries = match read(body) {
        Ok(e) => e,
        Err(answer) => return (answer, Vec::new()),
    };
    // Independent requests run side by side: each takes a slot of its mailbox;
    // a request that depends on another runs in that one's slot, after it.
    let mut wanted: HashMap<String, usize> = HashMap::new();
    for e in &entries {
        if let (Ok(t), true) = (&e.target, e.depends_on.is_empty()) {
            *wanted
                .entry(t.user.to_string().to_ascii_lowercase())
                .or_default() += 1;
        }
    }
    let limit = shared.config.graph_mailbox_concurrency;
    let mut granted: HashMap<String, usize> = HashMap::new();
    let mut slots = Vec::new();
    for (mailbox, n) in wanted {
        let s = gate.enter(&mailbox, n, limit);
        granted.insert(mailbox, s.count());
        slots.push(s);
    }
    let mut status: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(entries.len());
    for e in &entries {
        let answer = if e
            .depends_on
            .iter()
            .any(|d| !status.get(d).is_some_and(|s| (200..300).contains(s)))
        {
            GraphAnswer::error(
                424,
                "FailedDependency",
                "The request was not run: a request it depends on failed.",
            )
        } else {
            match &e.target {
                Err(answer) => answer.clone(),
                Ok(t) => {
                    let key = t.user.to_string().to_ascii_lowercase();
                    let admitted = if e.depends_on.is_empty() {
                        let left = granted.entry(key).or_default();
                        if *left > 0 {
                            *left -= 1;
                            true
                        } else {
                            false
                        }
                    } else {
                        true
                    };
                    if admitted {
                        let mut store = shared.store.lock().unwrap_or_else(PoisonError::into_inner);
                        let mut plan = shared.faults.lock();
                        apply(&mut store, &mut plan, t, &e.body, request_index, submit)
                    } else {
                        over_limit()
                    }
                }
            }
        };
        status.insert(e.id.clone(), answer.status);
        responses.push(response(&e.id, &answer));
    }
    responses.reverse();
    (
        GraphAnswer::json(200, json!({ "responses": responses })),
        slots,
    )
}

fn response(id: &str, answer: &GraphAnswer) -> Value {
    let mut headers = Map::new();
    for (name, value) in &answer.headers {
        headers.insert((*name).to_owned(), Value::String(value.clone()));
    }
    if answer.body.is_some() {
        headers.insert(
            "Content-Type".into(),
            Value::String("application/json".into()),
        );
    }
    let mut out = Map::new();
    out.insert("id".into(), Value::String(id.to_owned()));
    out.insert("status".into(), json!(answer.status));
    out.insert("headers".into(), Value::Object(headers));
    if let Some(body) = &answer.body {
        out.insert("body".into(), body.clone());
    }
    Value::Object(out)
}
