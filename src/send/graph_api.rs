//! What the Graph backend needs besides its transport: the version root and
//! Outlook's per-mailbox limits (concurrent requests, requests per window).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

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

/// Outlook's budget of requests per app per mailbox: 10,000 ...
pub const GRAPH_MAILBOX_REQUESTS: u32 = 10_000;

/// ... in any 10 minutes (Microsoft Graph, "Microsoft Graph service-specific
/// throttling limits", Outlook service); over it Outlook answers 429.
pub const GRAPH_MAILBOX_WINDOW: Duration = Duration::from_secs(600);

/// The version root and the per-mailbox gates of one sender.
#[derive(Debug)]
pub(crate) struct GraphApi {
    root: Url,
    per_mailbox: usize,
    gates: Mutex<HashMap<SmtpAddress, Arc<Semaphore>>>,
    /// Requests per window allowed per mailbox; `None`: not counted.
    budget: Option<(usize, Duration)>,
    /// When each mailbox's requests of the last window went out.
    spent: Mutex<HashMap<SmtpAddress, VecDeque<Instant>>>,
}

impl GraphApi {
    pub(crate) fn new(root: Url, per_mailbox: usize, budget: Option<(usize, Duration)>) -> Self {
        Self {
            root,
            per_mailbox: per_mailbox.max(1),
            gates: Mutex::new(HashMap::new()),
            budget,
            spent: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request against `mailbox`'s budget: `Ok` when it may go now,
    /// `Err(wait)` when the last window already holds the budget's requests,
    /// with the time until the oldest of them leaves it. A sliding window:
    /// at most the budget's number of instants is kept per mailbox.
    pub(crate) fn spend(&self, mailbox: &SmtpAddress) -> Result<(), Duration> {
        let Some((requests, window)) = self.budget else {
            return Ok(());
        };
        let now = Instant::now();
        let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        let sent = spent.entry(mailbox.clone()).or_default();
        while sent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= window)
        {
            sent.pop_front();
        }
        match sent.front() {
            Some(oldest) if sent.len() >= requests => Err(window - now.duration_since(*oldest)),
            _ => {
                sent.push_back(now);
                Ok(())
            }
        }
    }

    /// The budget, for messages: `(requests, window)`.
    pub(crate) fn budget(&self) -> Option<(usize, Duration)> {
        self.budget
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
