//! Applying `CreateItem`: delivery, saved copies, outbound mail, per-item faults.

use std::collections::BTreeSet;

use crate::address::SmtpAddress;
use crate::ews::{Disposition, Folder};

use super::faults::{FaultPlan, InjectedFault, ItemFault};
use super::props::TAG_MESSAGE_CLASS;
use super::soap_in::{CreateItem, FolderName};
use super::soap_in_item::{NewMessage, RawRecipient};
use super::soap_out::{Payload, ResponseMessage, busy_values, inner_busy_values, item_id_only};
use super::store::{Recipient, Store, StoredItem};
use super::submit::{Submission, deliver};

/// What the operation needs to know about the request around it.
pub(crate) struct Ctx<'a> {
    /// The acting mailbox: impersonated user, else the authenticated user.
    pub(crate) acting: Option<&'a SmtpAddress>,
    pub(crate) request_index: usize,
    /// Whether sent messages are submitted (false under `Fault::CommitWithoutSubmit`).
    pub(crate) submit: bool,
}

/// Applies a CreateItem; one response message per item, in order.
pub(crate) fn create_items(
    store: &mut Store,
    faults: &mut FaultPlan,
    ctx: &Ctx<'_>,
    req: &CreateItem,
) -> Vec<ResponseMessage> {
    (0..req.items.len())
        .map(|index| create_item(store, faults, ctx, req, index))
        .collect()
}

/// Applies item `index` of a CreateItem (which must exist) and answers for it.
pub(crate) fn create_item(
    store: &mut Store,
    faults: &mut FaultPlan,
    ctx: &Ctx<'_>,
    req: &CreateItem,
    index: usize,
) -> ResponseMessage {
    let Some(msg) = req.items.get(index) else {
        return ResponseMessage::error(
            "ErrorInvalidRequest",
            "No such item in the request.",
            Payload::Items(Vec::new()),
        );
    };
    create_one(store, faults, ctx, req, index, msg).unwrap_or_else(|(code, text)| {
        ResponseMessage::error(code, text, Payload::Items(Vec::new()))
    })
}

type ItemError = (&'static str, String);

fn create_one(
    store: &mut Store,
    faults: &mut FaultPlan,
    ctx: &Ctx<'_>,
    req: &CreateItem,
    index: usize,
    msg: &NewMessage,
) -> Result<ResponseMessage, ItemError> {
    let Some(disposition) = req.disposition else {
        return Err((
            "ErrorMessageDispositionRequired",
            "MessageDisposition is required when creating a message.".into(),
        ));
    };
    if let Some(bad) = msg.extended.iter().find(|p| !p.uri.is_well_formed()) {
        return Err((
            "ErrorInvalidExtendedProperty",
            format!(
                "The extended property attribute combination is invalid: {}. Use PropertyTag alone, \
                 or one property set with one of PropertyName/PropertyId.",
                bad.uri
            ),
        ));
    }
    let from = msg.from.as_ref().map(recipient).transpose()?;
    let owner = match (ctx.acting, &from) {
        (Some(a), _) => a.clone(),
        (None, Some(f)) => f.address.clone(),
        (None, None) => {
            return Err((
                "ErrorMissingEmailAddress",
                "The request names no mailbox to act for: authenticate as an SMTP address, \
                 impersonate one, or set From."
                    .into(),
            ));
        }
    };
    let to = recipients(&msg.to)?;
    let cc = recipients(&msg.cc)?;
    let bcc = recipients(&msg.bcc)?;
    let all: Vec<SmtpAddress> = to
        .iter()
        .chain(&cc)
        .chain(&bcc)
        .map(|r| r.address.clone())
        .collect();
    let sends = disposition != Disposition::SaveOnly;
    if sends && all.is_empty() {
        return Err((
            "ErrorInvalidRecipients",
            "At least one recipient is required to send a message.".into(),
        ));
    }
    if let Some((fault, recipient)) = faults.take_item_fault(&all) {
        faults.injected.push(InjectedFault::Item {
            request_index: ctx.request_index,
            item_index: index,
            recipient,
            fault: fault.clone(),
        });
        return Ok(item_fault_message(&fault));
    }

    // Where the sender's copy goes.
    let (save_folder, save_owner) = match &req.saved_folder {
        Some(t) => {
            let folder = match &t.folder {
                FolderName::Known(f) => *f,
                FolderName::Other(name) => {
                    return Err((
                        "ErrorFolderNotFound",
                        format!("The folder '{name}' does not exist in this test mailbox."),
                    ));
                }
            };
            let mb = t.mailbox.as_deref().map(parse_address).transpose()?;
            (folder, mb.unwrap_or_else(|| owner.clone()))
        }
        None if sends => (Folder::SentItems, owner.clone()),
        None => (Folder::Drafts, owner.clone()),
    };

    // Check every mailbox before anything is stored, so an item is all or nothing.
    if store.open(&owner, true).is_none() {
        return Err(non_existent(&owner));
    }
    match store.open(&save_owner, save_owner == owner) {
        _ if !disposition.keeps_copy() => {}
        None => return Err(non_existent(&save_owner)),
        // The folder a client never created (a mailbox without
        // `conversationhistory`): Exchange answers a distinguished folder the
        // mailbox lacks with ErrorFolderNotFound (exchangelib issue #374 shows it
        // for GetFolder), and validates the target before it creates anything.
        Some(mailbox) if !mailbox.has(save_folder) => return Err(folder_not_found()),
        Some(_) => {}
    }
    let mut local = BTreeSet::new();
    let mut external = false;
    if sends {
        for r in &all {
            if store.is_local(r) {
                if store.open(r, false).is_none() {
                    return Err((
                        "ErrorInvalidRecipients",
                        format!("The recipient '{r}' has no mailbox in this organization."),
                    ));
                }
                local.insert(r.clone());
            } else {
                external = true;
            }
        }
    }

    let item_class = msg
        .extended
        .iter()
        .find(|p| p.uri.property_tag() == Some(TAG_MESSAGE_CLASS))
        .and_then(|p| p.value.as_single().map(str::to_owned))
        .or_else(|| msg.item_class.clone())
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| "IPM.Note".to_owned());
    let base = StoredItem {
        seq: 0,
        id: String::new(),
        change_key: String::new(),
        mailbox: None,
        folder: None,
        item_class,
        subject: msg.subject.clone(),
        body: msg.body.clone(),
        importance: msg.importance.clone(),
        extended: msg.extended.clone(),
        from: Some(from.unwrap_or_else(|| Recipient {
            name: None,
            address: owner.clone(),
        })),
        to,
        cc,
        bcc,
        is_read: msg.is_read.unwrap_or(true),
        created: time::OffsetDateTime::now_utc(),
        is_submitted: false,
        unsent: true,
    };

    if !sends {
        let (id, change_key) = store.put(&save_owner, save_folder, base);
        return Ok(ResponseMessage::success(Payload::Items(vec![
            item_id_only(&id, &change_key),
        ])));
    }
    // Exchange returns no item id for a message it sends.
    let sent = ResponseMessage::success(Payload::Items(Vec::new()));
    if !ctx.submit {
        // The 2016 Drafts bug (Exchange 2016 CU-era reports): the message is committed
        // in Drafts and never submitted.
        store.put(&owner, Folder::Drafts, base);
        return Ok(sent);
    }
    // Microsoft Graph docs, "things to know about send mail": the message is created
    // in Drafts; submission, delivery and the saved copy come after the response.
    // EWS IsSubmitted reference: whether the item was submitted to the Outbox, i.e.
    // handed to the transport and not yet sent.
    let mut draft = base;
    draft.is_submitted = true;
    let (draft_id, _) = store.put(&owner, Folder::Drafts, draft);
    let submission = Submission {
        draft_id,
        local: local.into_iter().collect(),
        external,
        save: disposition
            .keeps_copy()
            .then_some((save_owner, save_folder)),
    };
    if store.submissions.is_immediate() {
        deliver(store, submission);
    } else {
        store.submissions.push(submission);
    }
    Ok(sent)
}

fn item_fault_message(fault: &ItemFault) -> ResponseMessage {
    let text = match fault {
        ItemFault::ServerBusy { .. } => {
            "The server cannot service this request right now. Try again later."
        }
        ItemFault::InvalidRecipients => "At least one recipient isn't valid.",
        ItemFault::NonExistentMailbox => "The SMTP address has no mailbox associated with it.",
        ItemFault::QuotaExceeded => "The mailbox quota has been exceeded.",
        ItemFault::InternalServerError { .. } => "An internal server error occurred.",
    };
    let mut msg = ResponseMessage::error(fault.response_code(), text, Payload::Items(Vec::new()));
    msg.values = match fault {
        // Microsoft: EWS throttling in Exchange (BackOffMilliseconds in MessageXml).
        ItemFault::ServerBusy { back_off } => busy_values(*back_off),
        // Busy in disguise: the EWS Managed API and exchangelib read InnerErrorResponseCode.
        ItemFault::InternalServerError {
            inner_busy: Some(back_off),
        } => inner_busy_values(*back_off),
        _ => Vec::new(),
    };
    msg
}

/// Exchange's answer for a folder the mailbox does not have.
pub(crate) fn folder_not_found() -> ItemError {
    (
        "ErrorFolderNotFound",
        "The specified folder could not be found in the store.".to_owned(),
    )
}

fn non_existent(address: &SmtpAddress) -> ItemError {
    (
        "ErrorNonExistentMailbox",
        format!("The SMTP address '{address}' has no mailbox associated with it."),
    )
}

fn parse_address(text: &str) -> Result<SmtpAddress, ItemError> {
    text.parse::<SmtpAddress>().map_err(|_| {
        (
            "ErrorInvalidRecipients",
            format!("'{text}' is not a valid SMTP address."),
        )
    })
}

fn recipient(raw: &RawRecipient) -> Result<Recipient, ItemError> {
    let Some(text) = raw.address.as_deref() else {
        return Err((
            "ErrorInvalidRecipients",
            "A recipient has no EmailAddress.".into(),
        ));
    };
    Ok(Recipient {
        name: raw.name.clone(),
        address: parse_address(text)?,
    })
}

fn recipients(list: &[RawRecipient]) -> Result<Vec<Recipient>, ItemError> {
    list.iter().map(recipient).collect()
}
