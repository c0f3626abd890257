//! One EWS round trip and what its outcome means for the messages it carried.

use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::address::SmtpAddress;
use crate::compose::DeliveryId;
use crate::ews::{
    CreateItemResult, DeleteItem, DeleteType, FindItem, FindItemResult, FolderTarget, ItemId,
    RecentItems, Reply, RequestHeader, ResponseCode, ResponseReader, SetItemClass, SoapFault,
    WriteError, write_delete_item, write_find_item, write_recent_items, write_update_item,
};
use crate::plan::{DeliveryPlan, Folder};
use crate::transport::{EwsReply, EwsRequest, Transport, TransportError};

use super::history_folder::{FolderMemory, MissingHistoryFolder};
use super::request::write_create_item_saving_to;
use super::{Failure, FailureKind};

/// What one `CreateItem` round trip means.
pub(crate) enum Attempt {
    /// One result per message, in order.
    Items(Vec<CreateItemResult>),
    /// One result per message, in order, each with whether the request that
    /// may have created it may still be running (the Graph backend's per-message
    /// requests).
    EachOwn(Vec<(CreateItemResult, bool)>),
    /// The request as a whole did not succeed.
    Trouble(Trouble),
}

/// Why a request as a whole did not succeed, and what that means.
pub(crate) struct Trouble {
    pub(crate) kind: TroubleKind,
    pub(crate) failure: Failure,
    /// How long the server asked the client to wait, if it did.
    pub(crate) server_delay: Option<Duration>,
    /// A request-level `ErrorInternalServerError` without an inner code (counted
    /// against [`RetryPolicy::internal_error_retries`](super::RetryPolicy::internal_error_retries)).
    pub(crate) internal_error: bool,
}

/// What a failed request means for the messages it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TroubleKind {
    /// Nothing was processed and trying again may help.
    Retry,
    /// The request may or may not have been processed. `finished`: the server
    /// answered, so it no longer works on it; otherwise (no reply, a gateway's
    /// error) it may go on for up to Exchange's execution limit.
    Unknown { finished: bool },
    /// Nothing was processed and trying again will not help.
    Fail,
}

impl Trouble {
    pub(super) fn new(kind: TroubleKind, failure: Failure) -> Self {
        Self {
            kind,
            failure,
            server_delay: None,
            internal_error: false,
        }
    }

    /// The server's requested delay; the failure learns the time it names.
    pub(super) fn after(mut self, delay: Option<Duration>) -> Self {
        self.server_delay = delay;
        self.failure = self
            .failure
            .with_retry_at(delay.map(|d| SystemTime::now() + d));
        self
    }
}

/// The kind of failure a response code stands for.
pub(crate) fn kind_of(code: &ResponseCode) -> FailureKind {
    use ResponseCode as C;
    match code {
        C::ErrorServerBusy => FailureKind::Throttled,
        C::ErrorTimeoutExpired => FailureKind::Timeout,
        C::ErrorAccessDenied
        | C::ErrorImpersonateUserDenied
        | C::ErrorImpersonationFailed
        | C::ErrorInvalidExchangeImpersonationHeaderData
        | C::ErrorSendAsDenied
        | C::ErrorAccountDisabled => FailureKind::Unauthorized,
        C::ErrorInternalServerError => FailureKind::Server,
        code if code.is_transient() => FailureKind::Server,
        _ => FailureKind::Rejected,
    }
}

/// The fixed parts of every request to one sender's mailbox.
pub(crate) struct Session<'a, T> {
    pub(crate) transport: &'a T,
    pub(crate) reader: ResponseReader,
    pub(crate) header: RequestHeader,
    pub(crate) anchor: SmtpAddress,
    /// The mailboxes known to lack `conversationhistory` (shared by the sender's batches).
    pub(crate) folders: &'a FolderMemory,
    /// What to do when this mailbox lacks it.
    pub(crate) on_missing: MissingHistoryFolder,
    /// Set for a mailbox served through Microsoft Graph (`transport` is then
    /// the Graph transport); `None` for EWS.
    pub(crate) graph: Option<&'a super::graph_api::GraphApi>,
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
        self.transport
            .send(request)
            .await
            .map_err(|error| transport_trouble(operation, error))
    }

    /// Sends one `CreateItem` for `plans`, their copies saved to `saved`, and
    /// classifies the outcome.
    pub(crate) async fn create(
        &self,
        plans: &[&DeliveryPlan],
        saved: Option<Folder>,
        size_hint: usize,
    ) -> Attempt {
        if self.graph.is_some() {
            return Attempt::EachOwn(self.graph_create(plans, saved).await);
        }
        let mut body = Vec::with_capacity(size_hint);
        if let Err(error) = write_create_item_saving_to(&mut body, &self.header, plans, saved) {
            let failure =
                Failure::new(FailureKind::Invalid, "cannot write CreateItem").with_source(error);
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
                TroubleKind::Unknown { finished: true },
                Failure::new(
                    FailureKind::OutcomeUnknown,
                    format!(
                        "CreateItem: {} results for {} messages",
                        response.messages.len(),
                        plans.len()
                    ),
                ),
            ),
            Ok(Reply::Fault(fault)) => fault_trouble("CreateItem", fault),
            // An unreadable reply may hide messages Exchange created.
            Err(error) => Trouble::new(
                TroubleKind::Unknown { finished: true },
                Failure::new(
                    FailureKind::OutcomeUnknown,
                    format!("CreateItem: unreadable reply (HTTP {})", reply.status),
                )
                .with_source(error),
            ),
        };
        Attempt::Trouble(trouble)
    }

    /// One page of the newest items of `folders` (by creation time), with their
    /// delivery ids and submission state: one result per folder, in order.
    pub(crate) async fn recent(
        &self,
        folders: &[Folder],
        page: u32,
        offset: u32,
    ) -> Result<Vec<FindItemResult>, Trouble> {
        let targets = targets(folders);
        let mut body = Vec::with_capacity(1536);
        let request = RecentItems::new(&targets).max_entries(page).offset(offset);
        write_recent_items(&mut body, &self.header, &request).map_err(unwritable)?;
        self.find_round_trip(folders, body).await
    }

    /// The items of `folders` whose delivery id is one of `ids` (a restriction:
    /// a store scan on Exchange, used only when paging could not decide).
    pub(crate) async fn find(
        &self,
        folders: &[Folder],
        ids: &[DeliveryId],
    ) -> Result<Vec<FindItemResult>, Trouble> {
        let targets = targets(folders);
        let mut body = Vec::with_capacity(1024 + 200 * ids.len());
        write_find_item(&mut body, &self.header, &FindItem::new(&targets, ids))
            .map_err(unwritable)?;
        self.find_round_trip(folders, body).await
    }

    async fn find_round_trip(
        &self,
        folders: &[Folder],
        body: Vec<u8>,
    ) -> Result<Vec<FindItemResult>, Trouble> {
        let reply = self.round_trip("FindItem", body).await?;
        if let Some(trouble) = http_status(&reply, "FindItem") {
            return Err(trouble);
        }
        let response = match self.reader.read_find_item(&reply.body) {
            Ok(Reply::Response(response)) => response,
            Ok(Reply::Fault(fault)) => return Err(fault_trouble("FindItem", fault)),
            Err(error) => {
                return Err(Trouble::new(
                    TroubleKind::Retry,
                    Failure::new(FailureKind::Server, "FindItem: unreadable reply")
                        .with_source(error),
                ));
            }
        };
        if response.messages.len() != folders.len() {
            return Err(Trouble::new(
                TroubleKind::Retry,
                Failure::new(
                    FailureKind::Server,
                    format!(
                        "FindItem: {} results for {} folders",
                        response.messages.len(),
                        folders.len()
                    ),
                ),
            ));
        }
        for (folder, result) in folders.iter().zip(&response.messages) {
            if !result.status.is_success() {
                let code = result.status.effective_code();
                let kind = if result.status.is_transient() {
                    TroubleKind::Retry
                } else {
                    TroubleKind::Fail
                };
                let failure = Failure::new(kind_of(&code), format!("FindItem in {folder} failed"))
                    .with_code(Some(code));
                return Err(Trouble::new(kind, failure).after(result.status.back_off()));
            }
        }
        Ok(response.messages)
    }

    /// Hard-deletes `items`; says for each whether it is gone now (deleted, or
    /// already gone: `ErrorItemNotFound`). Best effort: a failed request answers
    /// `false` for every item.
    pub(crate) async fn delete(&self, items: &[ItemId]) -> Vec<Deletion> {
        if items.is_empty() {
            return Vec::new();
        }
        if self.graph.is_some() {
            return self.graph_delete(items).await;
        }
        let failed = || vec![Deletion::Kept; items.len()];
        let mut body = Vec::with_capacity(1024 + 200 * items.len());
        let request = DeleteItem::new(items, DeleteType::HardDelete);
        if write_delete_item(&mut body, &self.header, &request).is_err() {
            return failed();
        }
        let Ok(reply) = self.round_trip("DeleteItem", body).await else {
            return failed();
        };
        match self.reader.read_delete_item(&reply.body) {
            Ok(Reply::Response(response)) if response.messages.len() == items.len() => response
                .messages
                .iter()
                .map(|m| match &m.code {
                    _ if m.is_success() => Deletion::Done,
                    ResponseCode::ErrorItemNotFound => Deletion::AlreadyGone,
                    _ => Deletion::Kept,
                })
                .collect(),
            _ => failed(),
        }
    }
}

impl<T: Transport> Session<'_, T> {
    /// Sets `class` on `items` with one `UpdateItem`; returns how many were
    /// updated and how many were not. Best effort: a failed request counts
    /// every item as not updated.
    pub(crate) async fn set_item_class(&self, items: &[ItemId], class: &str) -> (usize, usize) {
        let mut body = Vec::with_capacity(1024 + 300 * items.len());
        let request = SetItemClass::new(items, class);
        if write_update_item(&mut body, &self.header, &request).is_err() {
            return (0, items.len());
        }
        let Ok(reply) = self.round_trip("UpdateItem", body).await else {
            return (0, items.len());
        };
        match self.reader.read_update_item(&reply.body) {
            Ok(Reply::Response(response)) => {
                let updated = response.messages.iter().filter(|m| m.is_success()).count();
                (updated, items.len().saturating_sub(updated))
            }
            _ => (0, items.len()),
        }
    }
}

/// What became of one item a `DeleteItem` named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deletion {
    /// Deleted by this request.
    Done,
    /// Not there any more (`ErrorItemNotFound`): moved or deleted meanwhile.
    AlreadyGone,
    /// Still there, or unknown.
    Kept,
}

/// The folders of the sender's own mailbox, as a `FindItem` names them.
fn targets(folders: &[Folder]) -> Vec<FolderTarget<'static>> {
    folders.iter().copied().map(FolderTarget::new).collect()
}

/// A `FindItem` the writer refused (it cannot happen for the requests the
/// sender makes; reported, never a panic).
fn unwritable(error: WriteError) -> Trouble {
    Trouble::new(
        TroubleKind::Fail,
        Failure::new(FailureKind::Invalid, "cannot write FindItem").with_source(error),
    )
}

pub(super) fn transport_trouble(operation: &str, error: TransportError) -> Trouble {
    let kind = if error.is_timeout() {
        FailureKind::Timeout
    } else if error.is_auth() || error.is_token() {
        FailureKind::Unauthorized
    } else if error.outcome_unknown() || error.is_connect() || error.is_transient() {
        FailureKind::Connection
    } else {
        FailureKind::Invalid
    };
    let trouble = if error.outcome_unknown() {
        TroubleKind::Unknown { finished: false }
    } else if error.is_transient() {
        TroubleKind::Retry
    } else {
        TroubleKind::Fail
    };
    let failure = Failure::new(kind, format!("{operation}: {error}")).with_source(error);
    Trouble::new(trouble, failure)
}

fn fault_trouble(operation: &str, fault: SoapFault) -> Trouble {
    let code = fault.effective_code();
    let message = format!("{operation}: {fault}");
    let back_off = fault.back_off();
    let kind = code.as_ref().map_or(FailureKind::Server, kind_of);
    let transient = fault.is_transient();
    let internal = fault.inner_code().is_none()
        && fault.response_code == Some(ResponseCode::ErrorInternalServerError);
    // The server ran out of time somewhere in the request: some messages may
    // exist (Microsoft's ResponseCode reference).
    let timed_out = code == Some(ResponseCode::ErrorTimeoutExpired);
    let failure = Failure::new(kind, message)
        .with_code(code)
        .with_source(fault);
    if timed_out {
        Trouble::new(TroubleKind::Unknown { finished: true }, failure).after(back_off)
    } else if transient {
        Trouble::new(TroubleKind::Retry, failure).after(back_off)
    } else if internal {
        // The server failed somewhere inside the request: some messages may have
        // been created before it did. Look before sending again.
        let mut trouble = Trouble::new(TroubleKind::Unknown { finished: true }, failure);
        trouble.internal_error = true;
        trouble
    } else {
        Trouble::new(TroubleKind::Fail, failure)
    }
}

/// The HTTP statuses that decide a request before its body is read.
fn http_status(reply: &EwsReply, operation: &str) -> Option<Trouble> {
    let text = |text: String| format!("{operation}: {text}");
    let status = reply.status;
    let trouble = match status {
        // 200 carries results; 500 carries a SOAP fault: read the body.
        200 | 500 => return None,
        401 | 403 => Trouble::new(
            TroubleKind::Fail,
            Failure::new(
                FailureKind::Unauthorized,
                text(format!(
                    "HTTP {status}: the server refused the credentials or the impersonation right"
                )),
            ),
        ),
        429 | 503 => Trouble::new(
            TroubleKind::Retry,
            Failure::new(
                FailureKind::Throttled,
                text(format!("HTTP {status}: server busy")),
            ),
        )
        .after(
            reply
                .retry_after
                .as_ref()
                .map(|after| after.delay_from(SystemTime::now())),
        ),
        // A gateway gave up waiting: the server behind it may still be working.
        502 | 504 => Trouble::new(
            TroubleKind::Unknown { finished: false },
            Failure::new(
                FailureKind::Server,
                text(format!("HTTP {status}: gateway error")),
            ),
        ),
        500..=599 => Trouble::new(
            TroubleKind::Retry,
            Failure::new(FailureKind::Server, text(format!("HTTP {status}"))),
        ),
        _ => Trouble::new(
            TroubleKind::Fail,
            Failure::new(
                FailureKind::Server,
                text(format!("unexpected HTTP {status}")),
            ),
        ),
    };
    Some(trouble)
}
