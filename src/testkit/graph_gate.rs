//! Outlook's per-mailbox concurrency limit, and who may call the Graph endpoints.
//!
//! Microsoft Graph, "Microsoft Graph service-specific throttling limits",
//! Outlook service limits: 4 concurrent requests per app per mailbox (and
//! 10,000 requests per 10 minutes, not modelled). A request over the limit is
//! answered 429 with `Retry-After` and the code `ApplicationThrottled`, message
//! "Application is over its MailboxConcurrency limit." (the answer real clients
//! report: magodo/terraform-provider-outlook#21, alcionai/corso#3695). Each
//! request of a `$batch` counts ("JSON batching": requests in a batch are
//! evaluated individually against the limits).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use secrecy::ExposeSecret as _;

use super::graph_json::GraphAnswer;
use super::http::Config;

/// Outlook's default: concurrent requests per app per mailbox.
pub const GRAPH_MAILBOX_CONCURRENCY: usize = 4;

/// The requests in flight per mailbox (lower-cased address).
#[derive(Debug, Default)]
pub(crate) struct GraphGate {
    in_flight: Mutex<HashMap<String, usize>>,
}

/// Slots held in one mailbox until dropped.
#[derive(Debug)]
pub(crate) struct Slots {
    gate: Arc<GraphGate>,
    mailbox: String,
    count: usize,
}

impl Drop for Slots {
    fn drop(&mut self) {
        let mut map = self
            .gate
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.mailbox) {
            *n = n.saturating_sub(self.count);
            if *n == 0 {
                map.remove(&self.mailbox);
            }
        }
    }
}

impl GraphGate {
    /// Takes up to `wanted` slots in `mailbox` under `limit` (`None`: no
    /// limit); the slots granted may be fewer than wanted.
    pub(crate) fn enter(
        self: &Arc<Self>,
        mailbox: &str,
        wanted: usize,
        limit: Option<usize>,
    ) -> Slots {
        let key = mailbox.to_ascii_lowercase();
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = map.get(&key).copied().unwrap_or(0);
        let count = limit.map_or(wanted, |l| wanted.min(l.saturating_sub(now)));
        if count > 0 {
            *map.entry(key.clone()).or_insert(0) += count;
        }
        Slots {
            gate: Arc::clone(self),
            mailbox: key,
            count,
        }
    }
}

impl Slots {
    /// How many requests these slots admit.
    pub(crate) const fn count(&self) -> usize {
        self.count
    }
}

/// The resource Entra issues Graph's tokens for.
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";

/// The answer to a request over the mailbox's limit.
pub(crate) fn over_limit() -> GraphAnswer {
    GraphAnswer::error(
        429,
        "ApplicationThrottled",
        "Application is over its MailboxConcurrency limit.",
    )
    .retry_after("1".to_owned())
}

/// Whether `authorization` may call the Graph endpoints: a `Bearer` token.
/// With Entra apps registered ([`TestServerBuilder::entra_app`]), a token the
/// token endpoint issued for Graph (`https://graph.microsoft.com/.default`)
/// and not yet expired, or the server's fixed token; otherwise the server's
/// fixed token when one is set ([`TestServerBuilder::bearer_token`]), any
/// non-empty one if not. The single place a Graph token is checked. Graph
/// answers a missing, expired or refused token 401
/// `InvalidAuthenticationToken` (Microsoft Graph, "Microsoft Graph error
/// responses and resource types").
///
/// [`TestServerBuilder::bearer_token`]: super::TestServerBuilder::bearer_token
/// [`TestServerBuilder::entra_app`]: super::TestServerBuilder::entra_app
pub(crate) fn authorize(
    config: &Config,
    entra: &super::entra::EntraState,
    authorization: Option<&str>,
) -> Result<(), GraphAnswer> {
    let refused = |text: &str| {
        let mut answer = GraphAnswer::error(401, "InvalidAuthenticationToken", text);
        answer
            .headers
            .push(("WWW-Authenticate", "Bearer".to_owned()));
        answer
    };
    let Some(value) = authorization else {
        return Err(refused("Access token is empty."));
    };
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(refused("Access token is empty."));
    }
    let fixed = config.bearer.as_ref().map(|t| t.expose_secret() == token);
    if entra.has_apps() {
        let now = std::time::Instant::now();
        if fixed == Some(true) || entra.token_is_valid_for(token, GRAPH_RESOURCE, now) {
            return Ok(());
        }
        if entra.token_is_valid(token, now) {
            return Err(refused(
                "Access token validation failure. Invalid audience.",
            ));
        }
        return Err(refused("Access token has expired or is not yet valid."));
    }
    match fixed {
        Some(false) => Err(refused(
            "Access token validation failure. Invalid audience.",
        )),
        _ => Ok(()),
    }
}
