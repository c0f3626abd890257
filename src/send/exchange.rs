//! One EWS round trip and what its outcome means for the messages it carried.

use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::address::SmtpAddress;
use crate::compose::DeliveryId;
use crate::ews::{
    CreateItemResult, DeleteItem, DeleteType, FindItem, FolderTarget, ItemId, Reply, RequestHeader,
    ResponseReader, SoapFault, write_create_item_for_plans, write_delete_item, write_find_item,
};
use crate::plan::{DeliveryPlan, Folder};
use crate::transport::{EwsReply, EwsRequest, Transport};

use super::Failure;

/// What one `CreateItem` round trip means.
pub(crate) enum Attempt {
    /// One result per message, in order.
    Items(Vec<CreateItemResult>),
    /// The request as a whole did not succeed.
    Trouble(Trouble),
}

/// Why a request as a whole did not succeed, and what that means.
pub(crate) struct Trouble {
    pub(crate) kind: TroubleKind,
    pub(crate) failure: Failure,
    /// How long the server asked the client to wait, if it did.
    pub(crate) server_delay: Option<Duration>,
}

/// What a failed request means for the messages it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TroubleKind {
    /// Nothing was processed and trying again may help.
    Retry,
    /// The request may or may not have been processed (timeout or connection lost
    /// after sending, an unreadable or incomplete reply).
    Unknown,
    /// Nothing was processed and trying again will not help.
    Fail,
}

impl Trouble {
    fn new(kind: TroubleKind, failure: Failure) -> Self {
        Self {
            kind,
            failure,
            server_delay: None,
        }
    }

    fn after(mut self, delay: Option<Duration>) -> Self {
        self.server_delay = delay;
        self
    }
}

/// The fixed parts of every request to one sender's mailbox.
pub(crate) struct Session<'a, T> {
    pub(crate) transport: &'a T,
    pub(crate) reader: ResponseReader,
    pub(crate) header: RequestHeader,
    pub(crate) anchor: SmtpAddress,
}

impl<T: Transport> Session<'_, T> {
    async fn round_trip(
        &self,
        operation: &'static str,
        body: Vec<u8>,
    ) -> Result<EwsReply, Trouble> {
        let request = EwsRequest::new(operation, Bytes::from(body))
            .anchor_mailbox(self.anchor.clone())
            .client_request_id(uuid::Uuid::new_v4());
        match self.transport.send(request).await {
            Ok(reply) => Ok(reply),
            Err(error) => {
                let failure = Failure::new(None, format!("{operation}: {error}"));
                let kind = if error.outcome_unknown() {
                    TroubleKind::Unknown
                } else if error.is_transient() {
                    TroubleKind::Retry
                } else {
                    TroubleKind::Fail
                };
                Err(Trouble::new(kind, failure))
            }
        }
    }

    /// Sends one `CreateItem` for `plans` and classifies the outcome.
    pub(crate) async fn create(&self, plans: &[&DeliveryPlan], size_hint: usize) -> Attempt {
        let mut body = Vec::with_capacity(size_hint);
        if let Err(error) = write_create_item_for_plans(&mut body, &self.header, plans) {
            let failure = Failure::new(None, format!("cannot write CreateItem: {error}"));
            return Attempt::Trouble(Trouble::new(TroubleKind::Fail, failure));
        }
        let reply = match self.round_trip("CreateItem", body).await {
            Ok(reply) => reply,
            Err(trouble) => return Attempt::Trouble(trouble),
        };
        if let Some(trouble) = http_status(&reply, "CreateItem") {
            return Attempt::Trouble(trouble);
        }
        let trouble = match self.reader.read_create_item(&reply.body) {
            Ok(Reply::Response(response)) if response.messages.len() == plans.len() => {
                return Attempt::Items(response.messages);
            }
            Ok(Reply::Response(response)) => Trouble::new(
                TroubleKind::Unknown,
                Failure::new(
                    None,
                    format!(
                        "CreateItem: {} results for {} messages",
                        response.messages.len(),
                        plans.len()
                    ),
                ),
            ),
            Ok(Reply::Fault(fault)) => fault_trouble(&fault),
            // An unreadable reply may hide messages Exchange created.
            Err(error) => Trouble::new(
                TroubleKind::Unknown,
                Failure::new(
                    None,
                    format!(
                        "CreateItem: unreadable reply (HTTP {}): {error}",
                        reply.status
                    ),
                ),
            ),
        };
        Attempt::Trouble(trouble)
    }

    /// Finds which of `ids` exist in `folders`: `(folder, delivery id, item id)`.
    pub(crate) async fn find(
        &self,
        folders: &[Folder],
        ids: &[DeliveryId],
    ) -> Result<Vec<(Folder, DeliveryId, ItemId)>, Trouble> {
        let targets: Vec<FolderTarget<'_>> =
            folders.iter().copied().map(FolderTarget::new).collect();
        let mut body = Vec::with_capacity(1024 + 200 * ids.len());
        write_find_item(&mut body, &self.header, &FindItem::new(&targets, ids)).map_err(|e| {
            Trouble::new(
                TroubleKind::Fail,
                Failure::new(None, format!("cannot write FindItem: {e}")),
            )
        })?;
        let reply = self.round_trip("FindItem", body).await?;
        if let Some(trouble) = http_status(&reply, "FindItem") {
            return Err(trouble);
        }
        let response = match self.reader.read_find_item(&reply.body) {
            Ok(Reply::Response(response)) => response,
            Ok(Reply::Fault(fault)) => return Err(fault_trouble(&fault)),
            Err(error) => {
                return Err(Trouble::new(
                    TroubleKind::Retry,
                    Failure::new(None, format!("FindItem: unreadable reply: {error}")),
                ));
            }
        };
        let mut found = Vec::new();
        for (folder, result) in folders.iter().zip(response.messages) {
            if !result.status.is_success() {
                let kind = if result.status.is_transient() {
                    TroubleKind::Retry
                } else {
                    TroubleKind::Fail
                };
                let failure = Failure::new(
                    Some(result.status.code.clone()),
                    format!("FindItem in {folder} failed"),
                );
                return Err(Trouble::new(kind, failure).after(result.status.back_off()));
            }
            found.extend(result.items.into_iter().filter_map(|item| {
                item.delivery_id
                    .filter(|id| ids.contains(id))
                    .map(|id| (*folder, id, item.item_id))
            }));
        }
        Ok(found)
    }

    /// Hard-deletes `items` (drafts left behind); best effort, returns how many went.
    pub(crate) async fn delete(&self, items: &[ItemId]) -> usize {
        if items.is_empty() {
            return 0;
        }
        let mut body = Vec::with_capacity(1024 + 200 * items.len());
        let request = DeleteItem::new(items, DeleteType::HardDelete);
        if write_delete_item(&mut body, &self.header, &request).is_err() {
            return 0;
        }
        let Ok(reply) = self.round_trip("DeleteItem", body).await else {
            return 0;
        };
        match self.reader.read_delete_item(&reply.body) {
            Ok(Reply::Response(response)) => {
                response.messages.iter().filter(|m| m.is_success()).count()
            }
            _ => 0,
        }
    }
}

fn fault_trouble(fault: &SoapFault) -> Trouble {
    let failure = Failure::new(fault.response_code.clone(), fault.to_string());
    if fault.is_transient() {
        Trouble::new(TroubleKind::Retry, failure).after(fault.back_off())
    } else {
        Trouble::new(TroubleKind::Fail, failure)
    }
}

/// The HTTP statuses that decide a request before its body is read.
fn http_status(reply: &EwsReply, operation: &str) -> Option<Trouble> {
    let failure = |text: String| Failure::new(None, format!("{operation}: {text}"));
    let status = reply.status;
    let trouble = match status {
        // 200 carries results; 500 carries a SOAP fault: read the body.
        200 | 500 => return None,
        401 | 403 => Trouble::new(
            TroubleKind::Fail,
            failure(format!(
                "HTTP {status}: the server refused the credentials or the impersonation right"
            )),
        ),
        429 | 503 => Trouble::new(
            TroubleKind::Retry,
            failure(format!("HTTP {status}: server busy")),
        )
        .after(
            reply
                .retry_after
                .as_ref()
                .map(|after| after.delay_from(SystemTime::now())),
        ),
        // A gateway gave up waiting: the server behind it may have done the work.
        502 | 504 => Trouble::new(
            TroubleKind::Unknown,
            failure(format!("HTTP {status}: gateway error")),
        ),
        500..=599 => Trouble::new(TroubleKind::Retry, failure(format!("HTTP {status}"))),
        _ => Trouble::new(
            TroubleKind::Fail,
            failure(format!("unexpected HTTP {status}")),
        ),
    };
    Some(trouble)
}
