//! From a request body to a SOAP reply: parse, check, apply, write.

use std::sync::{Mutex, PoisonError};

use crate::address::SmtpAddress;
use crate::plan::Folder;

use super::faults::Faults;
use super::op_create::{Ctx, create_items};
use super::op_query::{delete_items, find_items, get_items};
use super::soap_in::{FolderName, InError, Operation, parse_request};
use super::soap_out::{fault, response};
use super::store::Store;

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
            body: fault(code, client, text, None),
            operation: None,
            acting: None,
            impersonated: None,
            version: None,
        }
    }
}

/// Handles one SOAP request against the store. `identity` is the authenticated
/// user's mailbox, if the credentials name one.
pub(crate) fn dispatch(
    store: &Mutex<Store>,
    faults: &Faults,
    body: &[u8],
    identity: Option<&SmtpAddress>,
    request_index: usize,
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
            let mut reply = SoapReply::fault(
                "ErrorInvalidRequest",
                true,
                &format!("The operation '{name}' is not supported by this server."),
            );
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
    };
    let messages = {
        let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
        match &request.operation {
            Operation::CreateItem(c) => {
                let mut plan = faults.lock();
                create_items(&mut store, &mut plan, &ctx, c)
            }
            Operation::FindItem(f) => find_items(&mut store, &ctx, f),
            Operation::GetItem(g) => get_items(&store, g),
            Operation::DeleteItem(d) => delete_items(&mut store, d),
        }
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
