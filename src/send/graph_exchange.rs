//! The Graph backend's round trips: create and send each message, look messages
//! up by delivery id, delete drafts, and move the sender's copy.
//!
//! The batch state machine (`batch.rs`, `recover.rs`, `settle.rs`) is the EWS
//! path's; only the requests differ. Per message: `POST .../messages` (a draft
//! in Drafts with the delivery id and the class as extended properties), then
//! `POST .../messages/{id}/send` (202: Exchange Online submits afterwards and
//! keeps the copy in Sent Items). Every request waits for a slot of its mailbox
//! (Outlook's limit, 4 by default), so no request is sent to be throttled.
//!
//! `$batch` is not used: each of its requests counts against the same
//! per-mailbox limit ("JSON batching"), so a batch of 20 to one mailbox has 16
//! answered 429; chaining them with `dependsOn` serializes them and fails the
//! rest of a chain (424) when one fails; and a `send` needs the id its `create`
//! returns, which `dependsOn` cannot pass on. Four requests in flight per
//! mailbox give the same throughput with simpler failure handling.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::future::join_all;
use tracing::{debug, warn};

use crate::compose::DeliveryId;
use crate::ews::{
    CreateItemResult, ItemId, MessageXmlValue, ResponseClass, ResponseCode, ResponseMessage,
};
use crate::graph::{
    GraphError, GraphMessage, GraphRequest, plan_recipient, read_created_message_id,
    read_found_messages,
};
use crate::plan::{DeliveryPlan, Disposition, Folder};
use crate::transport::{Reply, Transport};

use super::exchange::{Deletion, Session, Trouble, TroubleKind, transport_trouble};
use super::graph_api::GraphApi;
use super::lookup::{Search, Seen};
use super::{Failure, FailureKind};

/// Tries of a lookup or delete request before the look (or cleanup) fails.
const IDEMPOTENT_TRIES: u32 = 4;
/// Send attempts of a draft whose `send` was throttled (nothing was done).
const SEND_TRIES: u32 = 3;
/// The longest in-place wait before sending a throttled draft again; a longer
/// wait leaves the message to the exactly-once look.
const SEND_RETRY_CAP: Duration = Duration::from_secs(5);

/// A Graph answer that is not a success, as a [`Trouble`].
/// The longest wait for the mailbox's request budget made in place; a longer
/// one is handed to the batch as throttling.
const BUDGET_WAIT_IN_PLACE: Duration = Duration::from_secs(1);

fn reply_trouble(operation: &str, reply: &Reply) -> Trouble {
    let error = GraphError::from_response(reply.status, None, &reply.body);
    let delay = reply
        .retry_after
        .as_ref()
        .map(|after| after.delay_from(SystemTime::now()));
    let code = error.code().map(ResponseCode::from_ews_str);
    let text = format!("{operation}: {error}");
    let status = reply.status;
    let (kind, failure_kind) = if error.is_throttled() {
        (TroubleKind::Retry, FailureKind::Throttled)
    } else if matches!(status, 502 | 504) {
        // A gateway gave up: the work behind it may be done or still running.
        (
            TroubleKind::Unknown { finished: false },
            FailureKind::Server,
        )
    } else if status == 500 {
        // The server failed somewhere inside the request: look before resending.
        (TroubleKind::Unknown { finished: true }, FailureKind::Server)
    } else if error.is_unauthorized() || status == 403 && code.is_none() {
        (TroubleKind::Fail, FailureKind::Unauthorized)
    } else if error.is_transient() {
        (TroubleKind::Retry, FailureKind::Server)
    } else {
        let kind = code
            .as_ref()
            .map_or(FailureKind::Rejected, super::exchange::kind_of);
        (TroubleKind::Fail, kind)
    };
    let failure = Failure::new(failure_kind, text)
        .with_code(code)
        .with_source(error);
    Trouble::new(kind, failure).after(delay)
}

/// What became of one message's create-and-send.
enum One {
    Delivered(Option<ItemId>),
    /// Nothing was created: try again after the server's wait.
    Retry(Trouble),
    /// It may exist: look for it. `finished`: the server is done with it.
    Unknown(Trouble, bool),
    Failed(Trouble),
}

fn status(class: ResponseClass, code: ResponseCode, text: Option<String>) -> ResponseMessage {
    ResponseMessage {
        class,
        code,
        message_text: text,
        descriptive_link_key: None,
        message_xml: Vec::new(),
    }
}

impl One {
    /// The message's result in the form the batch settles (EWS's), and whether
    /// the request that may have created it may still be running.
    fn into_result(self) -> (CreateItemResult, bool) {
        let text = |t: &Trouble| Some(t.failure.message().to_owned());
        match self {
            Self::Delivered(item_id) => (
                CreateItemResult {
                    status: status(ResponseClass::Success, ResponseCode::NoError, None),
                    item_id,
                },
                false,
            ),
            Self::Retry(t) => {
                let mut s = status(
                    ResponseClass::Error,
                    ResponseCode::ErrorServerBusy,
                    text(&t),
                );
                if let Some(delay) = t.server_delay {
                    s.message_xml.push(MessageXmlValue {
                        name: "BackOffMilliseconds".to_owned(),
                        value: delay.as_millis().to_string(),
                    });
                }
                (
                    CreateItemResult {
                        status: s,
                        item_id: None,
                    },
                    false,
                )
            }
            Self::Unknown(t, finished) => (
                CreateItemResult {
                    status: status(
                        ResponseClass::Error,
                        ResponseCode::ErrorTimeoutExpired,
                        text(&t),
                    ),
                    item_id: None,
                },
                !finished,
            ),
            Self::Failed(t) => {
                // The batch reads the kind from the code: a refused token or
                // right is EWS's access denied (Graph's code stays in the text).
                let code = if t.failure.kind() == FailureKind::Unauthorized {
                    ResponseCode::ErrorAccessDenied
                } else {
                    t.failure.code().cloned().unwrap_or_else(|| {
                        ResponseCode::Other(format!("Graph:{}", t.failure.kind()))
                    })
                };
                // A code EWS counts as transient would be retried: Graph said no.
                let code = if code.is_transient() {
                    ResponseCode::Other(code.to_string())
                } else {
                    code
                };
                (
                    CreateItemResult {
                        status: status(ResponseClass::Error, code, text(&t)),
                        item_id: None,
                    },
                    false,
                )
            }
        }
    }
}

impl<T: Transport> Session<'_, T> {
    fn graph_api(&self) -> Option<&GraphApi> {
        self.graph
    }

    /// One Graph request in a slot of the sender's mailbox.
    async fn graph_call(
        &self,
        api: &GraphApi,
        operation: &'static str,
        request: Result<GraphRequest, crate::graph::GraphWriteError>,
    ) -> Result<Reply, Trouble> {
        let request = request.map_err(|e| {
            Trouble::new(
                TroubleKind::Fail,
                Failure::new(FailureKind::Invalid, format!("cannot write {operation}"))
                    .with_source(e),
            )
        })?;
        let Some(request) = api.transport_request(operation, &request, &self.anchor) else {
            return Err(Trouble::new(
                TroubleKind::Fail,
                Failure::new(
                    FailureKind::Invalid,
                    format!("{operation}: the Graph root and the request make no URL"),
                ),
            ));
        };
        while let Err(wait) = api.spend(&self.anchor) {
            if wait > BUDGET_WAIT_IN_PLACE {
                // Nothing was sent: the batch defers or retries it as it would
                // after a 429 with this Retry-After, instead of Outlook's 429.
                let (requests, window) = api.budget().unwrap_or_default();
                let failure = Failure::new(
                    FailureKind::Throttled,
                    format!(
                        "{operation}: this mailbox's Graph budget ({requests} requests per {} s, \
                         Outlook's limit) is spent; not sent",
                        window.as_secs()
                    ),
                );
                return Err(Trouble::new(TroubleKind::Retry, failure).after(Some(wait)));
            }
            tokio::time::sleep(wait).await;
        }
        let _slot = api.slot(&self.anchor).await;
        let reply = self
            .transport
            .send(request)
            .await
            .map_err(|e| transport_trouble(operation, e))?;
        if (200..300).contains(&reply.status) {
            Ok(reply)
        } else {
            Err(reply_trouble(operation, &reply))
        }
    }

    /// A request that changes nothing or can safely be repeated (a lookup, a
    /// delete), tried up to [`IDEMPOTENT_TRIES`] times while the trouble is not
    /// permanent, waiting what the server asks (at most [`SEND_RETRY_CAP`]).
    /// One failed lookup would otherwise fail a whole look of many ids.
    async fn graph_call_again(
        &self,
        api: &GraphApi,
        operation: &'static str,
        request: impl Fn() -> Result<GraphRequest, crate::graph::GraphWriteError>,
    ) -> Result<Reply, Trouble> {
        let mut attempt = 1;
        loop {
            match self.graph_call(api, operation, request()).await {
                Err(t) if t.kind != TroubleKind::Fail && attempt < IDEMPOTENT_TRIES => {
                    let wait = t
                        .server_delay
                        .unwrap_or(Duration::from_millis(50) * attempt)
                        .min(SEND_RETRY_CAP);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Creates and sends `plans` (or saves them, `SaveOnly`), each on its own,
    /// side by side within the mailbox's slots. One result per plan, in order,
    /// and for each whether its request may still be running.
    pub(crate) async fn graph_create(
        &self,
        plans: &[&DeliveryPlan],
        saved: Option<Folder>,
    ) -> Vec<(CreateItemResult, bool)> {
        let Some(api) = self.graph_api() else {
            return Vec::new();
        };
        let all = plans.iter().map(|plan| self.graph_one(api, plan, saved));
        join_all(all)
            .await
            .into_iter()
            .map(One::into_result)
            .collect()
    }

    async fn graph_one(&self, api: &GraphApi, plan: &DeliveryPlan, saved: Option<Folder>) -> One {
        let user = self.anchor.as_str();
        let to = plan_recipient(plan);
        let message = GraphMessage::from_plan(plan, &to);
        let sends = plan.disposition() != Disposition::SaveOnly;
        let folder = if sends { None } else { saved };
        let created = self
            .graph_call(
                api,
                "graph.createMessage",
                GraphRequest::create_message(user, folder, &message),
            )
            .await;
        let reply = match created {
            Ok(reply) => reply,
            Err(t) => {
                return match t.kind {
                    TroubleKind::Retry => One::Retry(t),
                    TroubleKind::Unknown { finished } => One::Unknown(t, finished),
                    TroubleKind::Fail => One::Failed(t),
                };
            }
        };
        let id = match read_created_message_id(&reply.body) {
            Ok(id) => id,
            Err(e) => {
                // Created, but which id? The look finds it by delivery id.
                let failure = Failure::new(
                    FailureKind::OutcomeUnknown,
                    "graph.createMessage: unreadable reply",
                )
                .with_source(e);
                return One::Unknown(
                    Trouble::new(TroubleKind::Unknown { finished: true }, failure),
                    true,
                );
            }
        };
        if !sends {
            return One::Delivered(Some(ItemId::new(id)));
        }
        for attempt in 1..=SEND_TRIES {
            match self
                .graph_call(api, "graph.send", GraphRequest::send(user, &id))
                .await
            {
                Ok(_) => return One::Delivered(None),
                Err(t) if t.kind == TroubleKind::Retry && attempt < SEND_TRIES => {
                    let wait = t
                        .server_delay
                        .unwrap_or(Duration::from_millis(200) * attempt);
                    if wait > SEND_RETRY_CAP {
                        return One::Unknown(t, true);
                    }
                    debug!(delivery_id = %plan.delivery_id(), ?wait, "send throttled; sending the draft again");
                    tokio::time::sleep(wait).await;
                }
                Err(t) if t.kind == TroubleKind::Fail => {
                    // Refused for good: the draft will never go. Remove it.
                    let _ = self
                        .graph_call(
                            api,
                            "graph.deleteMessage",
                            GraphRequest::delete_message(user, &id),
                        )
                        .await;
                    return One::Failed(t);
                }
                // The draft exists and may have been sent: look, never create again.
                Err(t) => {
                    let finished = !matches!(t.kind, TroubleKind::Unknown { finished: false });
                    return One::Unknown(t, finished);
                }
            }
        }
        One::Unknown(
            Trouble::new(
                TroubleKind::Unknown { finished: true },
                Failure::new(FailureKind::Throttled, "graph.send: throttled on every try"),
            ),
            true,
        )
    }

    /// The folders a Graph lookup reads for `search`: Drafts first (a message
    /// moving on is then seen twice rather than never), then the saved folder;
    /// Sent Items also means Conversation History, where an earlier run may
    /// have moved the copy.
    fn graph_folders(&self, search: &Search<'_>) -> (Vec<Folder>, Vec<Folder>) {
        let drafts = if search.drafts && search.saved != Some(Folder::Drafts) {
            vec![Folder::Drafts]
        } else {
            Vec::new()
        };
        let mut saved: Vec<Folder> = search.saved.into_iter().collect();
        if search.saved == Some(Folder::SentItems) && !self.folders.lacks_history(&self.anchor) {
            saved.push(Folder::ConversationHistory);
        }
        (drafts, saved)
    }

    /// Finds where the messages of `search` are, by delivery id.
    pub(crate) async fn graph_locate(
        &self,
        search: &Search<'_>,
    ) -> Result<HashMap<DeliveryId, Seen>, Trouble> {
        let Some(api) = self.graph_api() else {
            return Ok(HashMap::new());
        };
        let (drafts, saved) = self.graph_folders(search);
        let mut seen = HashMap::with_capacity(search.ids.len());
        for (folders, is_saved) in [(drafts, false), (saved, true)] {
            for folder in folders {
                let looks = search.ids.iter().map(|id| async move {
                    let reply = self
                        .graph_call_again(api, "graph.listMessages", || {
                            GraphRequest::find_for_recovery(self.anchor.as_str(), folder, *id)
                        })
                        .await;
                    (*id, reply)
                });
                for (id, reply) in join_all(looks).await {
                    let body: Bytes = match reply {
                        Ok(reply) => reply.body,
                        Err(t) if is_missing(&t) && folder == Folder::ConversationHistory => {
                            // No Conversation History: nothing was moved there.
                            self.folders.remember(&self.anchor);
                            continue;
                        }
                        Err(t) => return Err(lookup_trouble(t)),
                    };
                    let found = read_found_messages(&body).map_err(|e| {
                        Trouble::new(
                            TroubleKind::Retry,
                            Failure::new(
                                FailureKind::Server,
                                "graph.listMessages: unreadable reply",
                            )
                            .with_source(e),
                        )
                    })?;
                    for m in found
                        .messages
                        .into_iter()
                        .filter(|m| m.delivery_id == Some(id))
                    {
                        let item = ItemId::new(m.id.clone());
                        let this = if is_saved {
                            Seen::Saved(item)
                        } else {
                            Seen::Draft {
                                item,
                                // Unknown flags count as submitted: nothing in
                                // flight is deleted.
                                submitted: m.is_submitted().unwrap_or(true),
                            }
                        };
                        if !matches!(seen.get(&id), Some(Seen::Saved(_))) {
                            seen.insert(id, this);
                        }
                    }
                }
            }
        }
        Ok(seen)
    }

    /// Deletes `items` (Graph moves them to Deleted Items, which takes them out
    /// of Drafts and out of submission).
    pub(crate) async fn graph_delete(&self, items: &[ItemId]) -> Vec<Deletion> {
        let Some(api) = self.graph_api() else {
            return vec![Deletion::Kept; items.len()];
        };
        let user = self.anchor.as_str();
        let all = items.iter().map(|item| async move {
            match self
                .graph_call_again(api, "graph.deleteMessage", || {
                    GraphRequest::delete_message(user, &item.id)
                })
                .await
            {
                Ok(_) => Deletion::Done,
                Err(t) if t.failure.code() == Some(&ResponseCode::ErrorItemNotFound) => {
                    Deletion::AlreadyGone
                }
                Err(_) => Deletion::Kept,
            }
        });
        join_all(all).await
    }

    /// Where the message with delivery id `id` is in `folder`: its Graph id, if
    /// there.
    async fn graph_find_in(
        &self,
        api: &GraphApi,
        folder: Folder,
        id: DeliveryId,
    ) -> Result<Option<String>, Trouble> {
        let reply = self
            .graph_call_again(api, "graph.listMessages", || {
                GraphRequest::find_for_recovery(self.anchor.as_str(), folder, id)
            })
            .await?;
        let found = read_found_messages(&reply.body).map_err(|e| {
            Trouble::new(
                TroubleKind::Retry,
                Failure::new(FailureKind::Server, "graph.listMessages: unreadable reply")
                    .with_source(e),
            )
        })?;
        Ok(found
            .messages
            .into_iter()
            .find(|m| m.delivery_id == Some(id))
            .map(|m| m.id))
    }

    /// Sends a draft found unsubmitted after its `create` ended: it is ours and
    /// nobody else will send it. Whether Graph accepted it.
    pub(crate) async fn graph_send_draft(&self, item: &ItemId) -> bool {
        let Some(api) = self.graph_api() else {
            return false;
        };
        self.graph_call(
            api,
            "graph.send",
            GraphRequest::send(self.anchor.as_str(), &item.id),
        )
        .await
        .is_ok()
    }

    /// Moves the sent copy of each message in `ids` from Sent Items to
    /// Conversation History, waiting up to `wait` for Exchange to put it in
    /// Sent Items; says for each id where its copy is now (absent: not seen).
    ///
    /// A move whose reply was lost may still be carried out by Exchange up to
    /// `execution_limit` later (it runs on after the client gave up): before
    /// saying where such a copy is, the copy is looked for once that time has
    /// passed.
    pub(crate) async fn graph_keep_in_history(
        &self,
        ids: &[DeliveryId],
        wait: Duration,
        pace: Duration,
        execution_limit: Duration,
    ) -> HashMap<DeliveryId, Folder> {
        let mut placed = HashMap::new();
        let Some(api) = self.graph_api() else {
            return placed;
        };
        let until = tokio::time::Instant::now() + wait;
        let mut open: Vec<DeliveryId> = ids.to_vec();
        let mut last_move_in_doubt: Option<tokio::time::Instant> = None;
        loop {
            let rounds = open.iter().map(|id| self.graph_keep_one(api, *id));
            for (id, kept) in join_all(rounds).await {
                match kept {
                    Kept::In(folder) => {
                        placed.insert(id, folder);
                    }
                    Kept::MoveInDoubt => last_move_in_doubt = Some(tokio::time::Instant::now()),
                    Kept::NotYet => {}
                }
            }
            open.retain(|id| !placed.contains_key(id));
            if open.is_empty() || tokio::time::Instant::now() + pace > until {
                break;
            }
            tokio::time::sleep(pace).await;
        }
        if let (Some(at), false) = (last_move_in_doubt, open.is_empty()) {
            tokio::time::sleep_until(at + execution_limit).await;
            for id in &open {
                for folder in [Folder::ConversationHistory, Folder::SentItems] {
                    if let Ok(Some(_)) = self.graph_find_in(api, folder, *id).await {
                        placed.insert(*id, folder);
                        break;
                    }
                }
            }
            open.retain(|id| !placed.contains_key(id));
        }
        for id in open {
            warn!(delivery_id = %id, "the sent copy was not found in Sent Items or Conversation History in time; not moved");
        }
        placed
    }

    /// One round for one message: already in Conversation History, moved there
    /// now, or in Sent Items for good (no such folder).
    async fn graph_keep_one(&self, api: &GraphApi, id: DeliveryId) -> (DeliveryId, Kept) {
        if self.folders.lacks_history(&self.anchor) {
            return (id, Kept::In(Folder::SentItems));
        }
        match self
            .graph_find_in(api, Folder::ConversationHistory, id)
            .await
        {
            Ok(Some(_)) => return (id, Kept::In(Folder::ConversationHistory)),
            Ok(None) => {}
            Err(t) if is_missing(&t) => {
                self.folders.remember(&self.anchor);
                return (id, Kept::In(Folder::SentItems));
            }
            Err(_) => return (id, Kept::NotYet),
        }
        let Ok(Some(copy)) = self.graph_find_in(api, Folder::SentItems, id).await else {
            return (id, Kept::NotYet);
        };
        let moved = self
            .graph_call(
                api,
                "graph.move",
                GraphRequest::move_message(
                    self.anchor.as_str(),
                    &copy,
                    Folder::ConversationHistory,
                ),
            )
            .await;
        match moved {
            Ok(_) => (id, Kept::In(Folder::ConversationHistory)),
            Err(t) if is_missing(&t) => {
                self.folders.remember(&self.anchor);
                (id, Kept::In(Folder::SentItems))
            }
            // Moved or not: the next round looks.
            Err(_) => (id, Kept::MoveInDoubt),
        }
    }
}

/// Where one round of [`Session::graph_keep_in_history`] left a sent copy.
enum Kept {
    /// In this folder, for good.
    In(Folder),
    /// Not seen yet (or a look failed): look again.
    NotYet,
    /// A move was asked for and its outcome is unknown: Exchange may still
    /// carry it out.
    MoveInDoubt,
}

fn is_missing(t: &Trouble) -> bool {
    t.failure
        .code()
        .is_some_and(super::history_folder::is_missing_folder)
}

/// A lookup that failed: nothing was changed, so at worst it is tried again.
fn lookup_trouble(mut t: Trouble) -> Trouble {
    if matches!(t.kind, TroubleKind::Unknown { .. }) {
        t.kind = TroubleKind::Retry;
    }
    t
}
