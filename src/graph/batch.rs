//! JSON batching: up to 20 Graph requests in one `POST /$batch`.
//!
//! Microsoft Graph, "Combine multiple HTTP requests using JSON batching": a batch
//! holds at most 20 requests; each has an `id` unique in the batch, a `method`, a
//! `url` relative to the version root, `headers` (a `Content-Type` is required
//! when there is a `body`) and optionally `dependsOn`, the ids of requests that
//! must finish first. Responses may come back in any order, matched by `id`.

use std::collections::HashSet;

use serde::Serialize;

use super::GraphWriteError;
use super::request::{GraphRequest, Method};
use super::write_error::shorten;

/// Graph's limit of requests in one `$batch`.
pub const MAX_BATCH_REQUESTS: usize = 20;

/// One request of a `$batch`: its id, the request, what it waits for.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchEntry {
    /// The id, unique in the batch (Graph's examples number them `"1"`, `"2"`, ...).
    pub id: String,
    /// The request.
    pub request: GraphRequest,
    /// Ids of earlier entries that must succeed before this one runs.
    pub depends_on: Vec<String>,
}

impl BatchEntry {
    /// Entry `id` for `request`, depending on nothing.
    #[must_use]
    pub fn new(id: impl Into<String>, request: GraphRequest) -> Self {
        Self {
            id: id.into(),
            request,
            depends_on: Vec::new(),
        }
    }

    /// Makes this entry wait for entry `id`.
    #[must_use]
    pub fn depends_on(mut self, id: impl Into<String>) -> Self {
        self.depends_on.push(id.into());
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireEntry<'a> {
    id: &'a str,
    method: Method,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<Headers>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    depends_on: &'a [String],
}

#[derive(Serialize)]
struct Headers {
    #[serde(rename = "Content-Type")]
    content_type: &'static str,
}

#[derive(Serialize)]
struct WireBatch<'a> {
    requests: Vec<WireEntry<'a>>,
}

/// Checks `entries` against Graph's batching rules.
///
/// # Errors
/// [`GraphWriteError::Empty`] without entries; [`GraphWriteError::BatchTooLarge`]
/// above [`MAX_BATCH_REQUESTS`]; [`GraphWriteError::Invalid`] for a blank or
/// repeated id, or a `dependsOn` naming an id that is not an earlier entry (which
/// also rules out cycles).
pub fn check_batch(entries: &[BatchEntry]) -> Result<(), GraphWriteError> {
    if entries.is_empty() {
        return Err(GraphWriteError::Empty {
            what: "the $batch requests",
        });
    }
    if entries.len() > MAX_BATCH_REQUESTS {
        return Err(GraphWriteError::BatchTooLarge {
            count: entries.len(),
            max: MAX_BATCH_REQUESTS,
        });
    }
    let mut seen: HashSet<&str> = HashSet::with_capacity(entries.len());
    for entry in entries {
        if entry.id.trim().is_empty() {
            return Err(GraphWriteError::Invalid {
                field: "batch request id",
                value: shorten(&entry.id),
                rule: "every request in a $batch needs a non-empty id",
            });
        }
        if !entry.request.url.starts_with('/') {
            return Err(GraphWriteError::Invalid {
                field: "batch request url",
                value: shorten(&entry.request.url),
                rule: "a $batch request's url is relative to the version root and starts with '/'",
            });
        }
        for dep in &entry.depends_on {
            if !seen.contains(dep.as_str()) {
                return Err(GraphWriteError::Invalid {
                    field: "dependsOn",
                    value: shorten(dep),
                    rule: "dependsOn must name the id of an earlier request in the same $batch",
                });
            }
        }
        if !seen.insert(entry.id.as_str()) {
            return Err(GraphWriteError::Invalid {
                field: "batch request id",
                value: shorten(&entry.id),
                rule: "request ids must be unique within a $batch",
            });
        }
    }
    Ok(())
}

/// Appends the JSON body of `POST /$batch` for `entries` to `buf`, in their order.
///
/// ```
/// use offline_im::graph::{BatchEntry, GraphRequest, write_batch};
///
/// let entries = [
///     BatchEntry::new("1", GraphRequest::send("kim@contoso.com", "AAMk1")?),
///     BatchEntry::new("2", GraphRequest::send("kim@contoso.com", "AAMk2")?).depends_on("1"),
/// ];
/// let mut buf = Vec::new();
/// write_batch(&mut buf, &entries)?;
/// let json: serde_json::Value = serde_json::from_slice(&buf)?;
/// assert_eq!(json["requests"][1]["dependsOn"][0], "1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// What [`check_batch`] finds; nothing is appended then.
pub fn write_batch(buf: &mut Vec<u8>, entries: &[BatchEntry]) -> Result<(), GraphWriteError> {
    check_batch(entries)?;
    let batch = WireBatch {
        requests: entries
            .iter()
            .map(|e| WireEntry {
                id: &e.id,
                method: e.request.method,
                url: &e.request.url,
                headers: e.request.body.as_ref().map(|_| Headers {
                    content_type: "application/json",
                }),
                body: e.request.body.as_ref(),
                depends_on: &e.depends_on,
            })
            .collect(),
    };
    serde_json::to_writer(buf, &batch).map_err(|e| GraphWriteError::Invalid {
        field: "$batch",
        value: shorten(&e.to_string()),
        rule: "the batch must serialize to JSON",
    })
}
