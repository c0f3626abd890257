//! From a request body to a SOAP reply: parse, check, apply, write.

use std::sync::PoisonError;
use std::time::Duration;

use crate::address::SmtpAddress;
use crate::ews::Folder;

use super::http::Shared;
use super::op_create::{Ctx, create_item, create_items};
use super::op_mailbox::{find_folders, get_folders, get_server_time_zones, resolve_names};
use super::op_query::{delete_items, find_items, get_items};
use super::op_update::update_items;
use super::soap_in::{CreateItem, FolderName, InError, Operation, parse_request};
use super::soap_out::{ResponseMessage, fault, response};

/// How a request's changes are committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commit {
    /// At once, and sent messages are submitted.
    Normal,
    /// Items one by one over this time ([`Fault::SlowCommit`](super::Fault::SlowCommit)).
    Slow(Duration),
    /// Sent messages stay unsubmitted drafts
    /// ([`Fault::CommitWithoutSubmit`](super::Fault::CommitWithoutSubmit)).
    WithoutSubmit,
}

/// A SOAP reply: HTTP status and body.
pub(crate) struct SoapReply {
    pub(crate) status: u16,
    pub(crate) body: String,
    /// The operation, when the request could be read that far.
    pub(crate) operation: Option<String>,
    pub(crate) acting: Option<SmtpAddress>,
    pub(crate) impersonated: Option<String>,
    pub(crate) version: Option<String>,
}

impl SoapReply {
    fn fault(code: &str, client: bool, text: &str) -> Self {
        Self {
            status: 500,
            body: fault(code, client, text, &[]),
            operation: None,
            acting: None,
            impersonated: None,
            version: None,
        }
    }
}

/// Handles one SOAP request against the store. `identity` is the authenticated
/// user's mailbox, if the credentials name one.
///
/// Run it on a task of its own: with [`Commit::Slow`] it takes its time, and it
/// must finish even when the client has gone.
pub(crate) async fn dispatch(
    shared: &Shared,
    body: &[u8],
    identity: Option<&SmtpAddress>,
    request_index: usize,
    commit: Commit,
) -> SoapReply {
    let request = match parse_request(body) {
        Ok(r) => r,
        Err(InError::Malformed(text) | InError::Schema(text)) => {
            return SoapReply::fault(
                "ErrorSchemaValidation",
                false,
                &format!("The request failed schema validation: {text}"),
            );
        }
        Err(InError::UnknownOperation(name)) => {
            // Exchange's refusal of a request it will not serve: a SOAP fault
            // `ErrorInvalidRequest`, "The request is invalid." (Exchange 2019
            // replies quoted in exchangelib issue #927 and ews-javascript-api
            // issue #441). The operation is in `TestServer::requests`.
            let mut reply =
                SoapReply::fault("ErrorInvalidRequest", true, "The request is invalid.");
            reply.operation = Some(name);
            return reply;
        }
    };
    let operation = request.operation.name().to_owned();
    let with = |mut reply: SoapReply| {
        reply.operation = Some(operation.clone());
        reply.impersonated.clone_from(&request.impersonation);
        reply.version.clone_from(&request.version);
        reply
    };
    let needs_2013 = request
        .operation
        .folders()
        .iter()
        .any(|t| t.folder == FolderName::Known(Folder::ConversationHistory));
    if needs_2013 && !request.at_least_2013() {
        return with(SoapReply::fault(
            "ErrorInvalidServerVersion",
            false,
            "The specified server version is invalid: the distinguished folder \
             'conversationhistory' needs RequestServerVersion Exchange2013 or later.",
        ));
    }
    let acting = match &request.impersonation {
        Some(text) => match text.parse::<SmtpAddress>() {
            Ok(a) => Some(a),
            Err(_) => {
                return with(SoapReply::fault(
                    "ErrorImpersonateUserDenied",
                    false,
                    &format!("This test server impersonates SMTP addresses only, not '{text}'."),
                ));
            }
        },
        None => identity.cloned(),
    };
    let ctx = Ctx {
        acting: acting.as_ref(),
        request_index,
        submit: commit != Commit::WithoutSubmit,
    };
    let messages = match (&request.operation, commit) {
        (Operation::CreateItem(c), Commit::Slow(over)) => {
            create_slowly(shared, &ctx, c, over).await
        }
        (operation, Commit::Slow(over)) => {
            tokio::time::sleep(over).await;
            apply(shared, &ctx, operation)
        }
        (operation, _) => apply(shared, &ctx, operation),
    };
    let mut reply = with(SoapReply {
        status: 200,
        body: response(request.operation.name(), &messages),
        operation: None,
        acting: None,
        impersonated: None,
        version: None,
    });
    reply.acting = acting;
    reply
}

fn apply(shared: &Shared, ctx: &Ctx<'_>, operation: &Operation) -> Vec<ResponseMessage> {
    let mut store = shared.store.lock().unwrap_or_else(PoisonError::into_inner);
    match operation {
        Operation::CreateItem(c) => {
            let mut plan = shared.faults.lock();
            create_items(&mut store, &mut plan, ctx, c)
        }
        Operation::FindItem(f) => find_items(&mut store, ctx, f),
        Operation::GetItem(g) => get_items(&store, g),
        Operation::DeleteItem(d) => delete_items(&mut store, d),
        Operation::GetFolder(g) => get_folders(&mut store, ctx, g),
        Operation::ResolveNames(r) => resolve_names(&store, r),
        Operation::GetServerTimeZones(z) => get_server_time_zones(z),
        Operation::UpdateItem(u) => update_items(&mut store, u),
        Operation::FindFolder(f) => find_folders(&mut store, ctx, f),
    }
}

/// Commits the items one by one, item `i` of `n` at `over * (i + 1) / n`.
async fn create_slowly(
    shared: &Shared,
    ctx: &Ctx<'_>,
    req: &CreateItem,
    over: Duration,
) -> Vec<ResponseMessage> {
    let start = tokio::time::Instant::now();
    let n = u32::try_from(req.items.len()).unwrap_or(u32::MAX).max(1);
    let mut messages = Vec::with_capacity(req.items.len());
    for index in 0..req.items.len() {
        let step = u32::try_from(index + 1).unwrap_or(u32::MAX);
        tokio::time::sleep_until(start + over / n * step).await;
        let mut store = shared.store.lock().unwrap_or_else(PoisonError::into_inner);
        let mut plan = shared.faults.lock();
        messages.push(create_item(&mut store, &mut plan, ctx, req, index));
    }
    messages
}
