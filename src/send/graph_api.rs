//! What the Graph backend needs besides its transport: the version root and
//! Outlook's per-mailbox concurrency limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::address::SmtpAddress;
use crate::graph::GraphRequest;
use crate::transport::Request;

/// Graph's v1.0 root in the public cloud.
pub const GRAPH_ROOT: &str = "https://graph.microsoft.com/v1.0";

/// Outlook's limit of concurrent requests per app per mailbox (Microsoft Graph,
/// "Microsoft Graph service-specific throttling limits", Outlook service: 4).
pub const GRAPH_MAILBOX_CONCURRENCY: usize = 4;

/// The version root and the per-mailbox gates of one sender.
#[derive(Debug)]
pub(crate) struct GraphApi {
    root: Url,
    per_mailbox: usize,
    gates: Mutex<HashMap<SmtpAddress, Arc<Semaphore>>>,
}

impl GraphApi {
    pub(crate) fn new(root: Url, per_mailbox: usize) -> Self {
        Self {
            root,
            per_mailbox: per_mailbox.max(1),
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a request slot in `mailbox` (held until the permit is dropped).
    pub(crate) async fn slot(&self, mailbox: &SmtpAddress) -> Option<OwnedSemaphorePermit> {
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                gates
                    .entry(mailbox.clone())
                    .or_insert_with(|| Arc::new(Semaphore::new(self.per_mailbox))),
            )
        };
        gate.acquire_owned().await.ok()
    }

    /// The transport request for `request`: the one place a Graph request
    /// becomes bytes on their way (`None` when the URL cannot be joined to the
    /// root, which the request constructors' percent-encoding rules out).
    pub(crate) fn transport_request(
        &self,
        operation: &'static str,
        request: &GraphRequest,
        anchor: &SmtpAddress,
    ) -> Option<Request> {
        let mut text = self.root.as_str().trim_end_matches('/').to_owned();
        text.push_str(&request.url);
        let url = Url::parse(&text).ok()?;
        let method = request.method;
        let body = request
            .body
            .as_ref()
            .map(|b| serde_json::to_vec(b).unwrap_or_default())
            .unwrap_or_default();
        Some(
            Request::json(operation, method, url, body)
                .anchor_mailbox(anchor.clone())
                .client_request_id(uuid::Uuid::new_v4()),
        )
    }
}
