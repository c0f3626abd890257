//! The Graph endpoints applied to the mailbox store (the same store as EWS).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::address::SmtpAddress;
use crate::ews::{BodyType, Folder};

use super::faults::{FaultPlan, InjectedFault, ItemFault};
use super::graph_json::{GraphAnswer, View, mail_folder, message, property_value};
use super::graph_route::{Route, Target};
use super::props::{ExtendedFieldUri, ExtendedProperty, PropertyValue, TAG_MESSAGE_CLASS};
use super::store::{Recipient, Store, StoredItem};
use super::submit::{Submission, deliver};

/// Applies one Graph request to the store. `submit`: whether a sent message is
/// handed to the transport (false under `Fault::CommitWithoutSubmit`).
pub(crate) fn apply(
    store: &mut Store,
    faults: &mut FaultPlan,
    target: &Target,
    body: &[u8],
    request_index: usize,
    submit: bool,
) -> GraphAnswer {
    let user = &target.user;
    if store.open(user, true).is_none() {
        return GraphAnswer::error(
            404,
            "ErrorInvalidUser",
            &format!("The requested user '{user}' is invalid."),
        );
    }
    let result = match &target.route {
        Route::Create { folder } => create(store, faults, user, *folder, body, request_index),
        Route::List { folder } => list(store, user, *folder, &target.query),
        Route::Send { id } => send(store, user, id, submit),
        Route::Move { id } => move_to(store, user, id, body),
        Route::Delete { id } => delete(store, user, id),
        Route::GetFolder { folder } => get_folder(store, user, *folder),
    };
    result.unwrap_or_else(|answer| answer)
}

type Answer = Result<GraphAnswer, GraphAnswer>;

fn bad_body(text: &str) -> GraphAnswer {
    // Graph refuses a body it cannot read with 400 `RequestBodyRead`.
    GraphAnswer::error(400, "RequestBodyRead", text)
}

fn item_not_found() -> GraphAnswer {
    // The code Outlook's endpoints answer for a message id that names nothing
    // (e.g. the draft's old id after it was sent: a sent copy gets a new id).
    GraphAnswer::error(
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

fn folder_not_found(folder: Folder) -> GraphAnswer {
    // A well-known folder the mailbox lacks (conversationhistory is made by the
    // clients that use it). Exchange's own code, passed through by Outlook's
    // endpoints as it passes `ErrorItemNotFound` (unverified for this folder).
    GraphAnswer::error(
        404,
        "ErrorFolderNotFound",
        &format!(
            "The specified folder '{}' could not be found in the store.",
            folder.as_ews_str()
        ),
    )
}

fn recipients(value: Option<&Value>, field: &str) -> Result<Vec<Recipient>, GraphAnswer> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let list = value
        .as_array()
        .ok_or_else(|| bad_body(&format!("'{field}' must be an array of recipients.")))?;
    list.iter().map(|r| one_recipient(r, field)).collect()
}

fn one_recipient(r: &Value, field: &str) -> Result<Recipient, GraphAnswer> {
    let address = r
        .pointer("/emailAddress/address")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            bad_body(&format!(
                "a recipient in '{field}' has no emailAddress.address"
            ))
        })?;
    let address: SmtpAddress = address.parse().map_err(|_| {
        GraphAnswer::error(
            400,
            "ErrorInvalidRecipients",
            &format!("At least one recipient isn't valid: '{address}'."),
        )
    })?;
    Ok(Recipient {
        name: r
            .pointer("/emailAddress/name")
            .and_then(Value::as_str)
            .map(str::to_owned),
        address,
    })
}

/// The properties of Graph's `message` this server stores or accepts and ignores.
const KNOWN: &[&str] = &[
    "subject",
    "body",
    "importance",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "from",
    "sender",
    "singleValueExtendedProperties",
    "isRead",
    "categories",
];

fn create(
    store: &mut Store,
    faults: &mut FaultPlan,
    user: &SmtpAddress,
    folder: Folder,
    body: &[u8],
    request_index: usize,
) -> Answer {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| bad_body(&format!("Invalid JSON: {e}")))?;
    let object = json
        .as_object()
        .ok_or_else(|| bad_body("The body must be a JSON object (a message)."))?;
    if let Some(unknown) = object.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        // Graph refuses a property `message` does not have.
        return Err(bad_body(&format!(
            "The property '{unknown}' does not exist on type 'microsoft.graph.message'."
        )));
    }
    let to = recipients(object.get("toRecipients"), "toRecipients")?;
    let cc = recipients(object.get("ccRecipients"), "ccRecipients")?;
    let bcc = recipients(object.get("bccRecipients"), "bccRecipients")?;
    let from = object
        .get("from")
        .map(|f| one_recipient(f, "from"))
        .transpose()?;
    let mut extended = Vec::new();
    if let Some(props) = object.get("singleValueExtendedProperties") {
        let props = props
            .as_array()
            .ok_or_else(|| bad_body("'singleValueExtendedProperties' must be an array."))?;
        for p in props {
            let (Some(id), Some(value)) = (
                p.get("id").and_then(Value::as_str),
                p.get("value").and_then(Value::as_str),
            ) else {
                return Err(bad_body(
                    "every singleValueExtendedProperty needs a string 'id' and 'value'.",
                ));
            };
            let uri = ExtendedFieldUri::from_graph_id(id).ok_or_else(|| {
                GraphAnswer::error(
                    400,
                    "ErrorInvalidProperty",
                    &format!("The extended property id '{id}' is not valid."),
                )
            })?;
            extended.push(ExtendedProperty {
                uri,
                value: PropertyValue::Single(value.to_owned()),
            });
        }
    }
    let all: Vec<SmtpAddress> = to
        .iter()
        .chain(&cc)
        .chain(&bcc)
        .map(|r| r.address.clone())
        .collect();
    if let Some((fault, recipient)) = faults.take_item_fault(&all) {
        faults.injected.push(InjectedFault::Item {
            request_index,
            item_index: 0,
            recipient,
            fault: fault.clone(),
        });
        return Err(item_fault(&fault));
    }
    if !store.open(user, true).is_some_and(|m| m.has(folder)) {
        return Err(folder_not_found(folder));
    }
    // The message class set as `String 0x001A` on create is kept, as in Exchange's
    // store (the module docs of `graph` record that Graph's reference does not
    // say; this server keeps it, as third-party code expects).
    let item_class = extended
        .iter()
        .find(|p| p.uri.property_tag() == Some(TAG_MESSAGE_CLASS))
        .and_then(|p| p.value.as_single().map(str::to_owned))
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| "IPM.Note".to_owned());
    let content_type = json
        .pointer("/body/contentType")
        .and_then(Value::as_str)
        .unwrap_or("text");
    let body = json
        .pointer("/body/content")
        .and_then(Value::as_str)
        .map(|c| {
            let ty = if content_type.eq_ignore_ascii_case("html") {
                BodyType::Html
            } else {
                BodyType::Text
            };
            (ty, c.to_owned())
        });
    let item = StoredItem {
        seq: 0,
        id: String::new(),
        change_key: String::new(),
        mailbox: None,
        folder: None,
        item_class,
        subject: object
            .get("subject")
            .and_then(Value::as_str)
            .map(str::to_owned),
        body,
        importance: object
            .get("importance")
            .and_then(Value::as_str)
            .map(capitalize),
        extended,
        from: Some(from.unwrap_or_else(|| Recipient {
            name: None,
            address: user.clone(),
        })),
        to,
        cc,
        bcc,
        is_read: true,
        created: time::OffsetDateTime::now_utc(),
        is_submitted: false,
        unsent: true,
    };
    let (id, _) = store.put(user, folder, item);
    let created = store.get(&id).map(|i| message(i, &View::default()));
    Ok(GraphAnswer::json(201, created.unwrap_or(Value::Null)))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
    })
}

fn item_fault(fault: &ItemFault) -> GraphAnswer {
    match fault {
        ItemFault::ServerBusy { back_off } => GraphAnswer::error(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
        )
        .retry_after(back_off.as_secs().max(1).to_string()),
        ItemFault::InvalidRecipients => GraphAnswer::error(
            400,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid.",
        ),
        ItemFault::NonExistentMailbox => {
            GraphAnswer::error(404, "ErrorInvalidUser", "The requested user is invalid.")
        }
        ItemFault::QuotaExceeded => GraphAnswer::error(
            403,
            "ErrorQuotaExceeded",
            "The mailbox quota has been exceeded.",
        ),
        ItemFault::InternalServerError { .. } => GraphAnswer::error(
            500,
            "generalException",
            "An internal server error occurred. The operation failed.",
        ),
    }
}

/// The item `id` if it is in `user`'s mailbox.
fn own_item<'s>(
    store: &'s Store,
    user: &SmtpAddress,
    id: &str,
) -> Result<&'s StoredItem, GraphAnswer> {
    store
        .get(id)
        .filter(|item| item.mailbox.as_ref() == Some(user))
        .ok_or_else(item_not_found)
}

fn send(store: &mut Store, user: &SmtpAddress, id: &str, submit: bool) -> Answer {
    let item = own_item(store, user, id)?;
    if !item.unsent || item.is_submitted {
        // Only a draft can be sent; one already handed to the transport or sent is
        // not sent again.
        return Err(GraphAnswer::error(
            400,
            "ErrorInvalidOperation",
            "The message has already been sent; only a draft can be sent.",
        ));
    }
    let all: Vec<SmtpAddress> = item
        .to
        .iter()
        .chain(&item.cc)
        .chain(&item.bcc)
        .map(|r| r.address.clone())
        .collect();
    if all.is_empty() {
        return Err(GraphAnswer::error(
            400,
            "ErrorInvalidRecipients",
            "At least one recipient is required to send a message.",
        ));
    }
    let mut local = BTreeSet::new();
    let mut external = false;
    for r in &all {
        if store.is_local(r) {
            if store.open(r, false).is_none() {
                return Err(GraphAnswer::error(
                    400,
                    "ErrorInvalidRecipients",
                    &format!("The recipient '{r}' has no mailbox in this organization."),
                ));
            }
            local.insert(r.clone());
        } else {
            external = true;
        }
    }
    if !submit {
        // The Drafts bug: accepted, never submitted (the reply is lost too).
        return Ok(GraphAnswer::empty(202));
    }
    let owner = user.clone();
    if let Some(item) = store.get_mut(id) {
        item.is_submitted = true;
    }
    // Microsoft Graph, "message: send": 202 Accepted; the copy is saved in Sent
    // Items. "Things to know about send mail": submission happens after the
    // answer, so the draft stays in Drafts for a while.
    let submission = Submission {
        draft_id: id.to_owned(),
        local: local.into_iter().collect(),
        external,
        save: Some((owner, Folder::SentItems)),
    };
    if store.submissions.is_immediate() {
        deliver(store, submission);
    } else {
        store.submissions.push(submission);
    }
    Ok(GraphAnswer::empty(202))
}

fn move_to(store: &mut Store, user: &SmtpAddress, id: &str, body: &[u8]) -> Answer {
    own_item(store, user, id)?;
    let json: Value =
        serde_json::from_slice(body).map_err(|e| bad_body(&format!("Invalid JSON: {e}")))?;
    let destination = json
        .get("destinationId")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_body("'destinationId' is required."))?;
    let folder = super::graph_json::folder_from_segment(destination).ok_or_else(|| {
        GraphAnswer::error(
            400,
            "ErrorInvalidIdMalformed",
            &format!("Id is malformed: '{destination}'."),
        )
    })?;
    if !store.open(user, true).is_some_and(|m| m.has(folder)) {
        return Err(folder_not_found(folder));
    }
    let item = store.take(id).ok_or_else(item_not_found)?;
    if store.submissions.cancel(id) {
        store.cancelled.push(item.clone());
    }
    // "message: move": 201 Created with the moved message, which has a new id.
    let (new_id, _) = store.put(user, folder, item);
    let moved = store.get(&new_id).map(|i| message(i, &View::default()));
    Ok(GraphAnswer::json(201, moved.unwrap_or(Value::Null)))
}

fn delete(store: &mut Store, user: &SmtpAddress, id: &str) -> Answer {
    own_item(store, user, id)?;
    let item = store.take(id).ok_or_else(item_not_found)?;
    // "Things to know about send mail": a draft deleted before submission is
    // never sent.
    if store.submissions.cancel(id) {
        store.cancelled.push(item.clone());
    }
    // "message: delete": 204 No Content; the message goes to Deleted Items.
    if item.folder != Some(Folder::DeletedItems) {
        store.put(user, Folder::DeletedItems, item);
    }
    Ok(GraphAnswer::empty(204))
}

fn get_folder(store: &mut Store, user: &SmtpAddress, folder: Folder) -> Answer {
    let mailbox = store.open(user, true).ok_or_else(item_not_found)?;
    if !mailbox.has(folder) {
        return Err(folder_not_found(folder));
    }
    Ok(GraphAnswer::json(
        200,
        mail_folder(folder, mailbox.folder(folder).len()),
    ))
}

/// `(property id, value)` from `singleValueExtendedProperties/Any(ep: ep/id eq
/// '…' and ep/value eq '…')`, the form Microsoft documents ("Get
/// singleValueLegacyExtendedProperty", filter example).
fn any_filter(filter: &str) -> Option<(String, String)> {
    let inner = filter
        .trim()
        .strip_prefix("singleValueExtendedProperties/Any(")?
        .strip_suffix(')')?;
    let (var, cond) = inner.split_once(':')?;
    let var = var.trim();
    let cond = cond.trim();
    let id_prefix = format!("{var}/id eq '");
    let rest = cond.strip_prefix(&id_prefix)?;
    let (id, rest) = rest.split_once('\'')?;
    let value_prefix = format!(" and {var}/value eq '");
    let value = rest.strip_prefix(&value_prefix)?.strip_suffix('\'')?;
    if value.contains('\'') {
        return None;
    }
    Some((id.to_owned(), value.to_owned()))
}

/// The property ids `singleValueExtendedProperties($filter=id eq 'A' or id eq 'B')`
/// names.
fn expand_ids(expand: &str) -> Option<Vec<String>> {
    let inner = expand
        .trim()
        .strip_prefix("singleValueExtendedProperties(")?
        .strip_suffix(')')?;
    let filter = inner.trim().strip_prefix("$filter=")?;
    filter
        .split(" or ")
        .map(|part| {
            part.trim()
                .strip_prefix("id eq '")
                .and_then(|r| r.strip_suffix('\''))
                .map(str::to_owned)
        })
        .collect()
}

fn list(
    store: &mut Store,
    user: &SmtpAddress,
    folder: Option<Folder>,
    query: &[(String, String)],
) -> Answer {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let filter = param("$filter")
        .map(|f| {
            any_filter(f).ok_or_else(|| {
                GraphAnswer::error(
                    400,
                    "ErrorInvalidUrlQueryFilter",
                    &format!("The query filter '{f}' is not supported by this test server."),
                )
            })
        })
        .transpose()?;
    let view = View {
        select: param("$select").map(|s| s.split(',').map(|p| p.trim().to_owned()).collect()),
        expand: param("$expand")
            .map(|e| {
                expand_ids(e).ok_or_else(|| {
                    GraphAnswer::error(
                        400,
                        "BadRequest",
                        &format!("The $expand '{e}' is not supported by this test server."),
                    )
                })
            })
            .transpose()?,
    };
    let top = match param("$top") {
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                GraphAnswer::error(
                    400,
                    "BadRequest",
                    &format!("Invalid $top '{t}': a number from 1 to 1000."),
                )
            })?,
        // Graph's default page size for messages.
        None => 10,
    };
    let mailbox = store.open(user, true).ok_or_else(item_not_found)?;
    let folders: Vec<Folder> = match folder {
        Some(f) if !mailbox.has(f) => return Err(folder_not_found(f)),
        Some(f) => vec![f],
        None => Folder::ALL
            .into_iter()
            .filter(|f| mailbox.has(*f))
            .collect(),
    };
    let mut found: Vec<&StoredItem> = folders
        .iter()
        .flat_map(|f| mailbox.folder(*f).iter().map(|b| &**b))
        .filter(|item| {
            filter
                .as_ref()
                .is_none_or(|(id, value)| property_value(item, id).as_deref() == Some(value))
        })
        .collect();
    // Newest first, as Outlook lists a folder.
    found.sort_by(|a, b| b.created.cmp(&a.created).then(b.seq.cmp(&a.seq)));
    if found.len() > top {
        // Paging is not modelled: a lookup by delivery id matches a message or two.
        return Err(GraphAnswer::error(
            400,
            "BadRequest",
            &format!(
                "{} messages match; this test server does not page results beyond $top={top}",
                found.len()
            ),
        ));
    }
    let value: Vec<Value> = found.iter().map(|item| message(item, &view)).collect();
    Ok(GraphAnswer::json(200, json!({ "value": value })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_filter_form_is_read_and_others_refused() {
        let f = "singleValueExtendedProperties/Any(ep: ep/id eq 'String {84e14aa7-1b60-4f34-b909-719b1387b4c7} Name OfflineImDeliveryId' and ep/value eq 'abc')";
        let (id, value) = any_filter(f).unwrap();
        assert!(id.ends_with("Name OfflineImDeliveryId"));
        assert_eq!(value, "abc");
        assert!(any_filter("subject eq 'x'").is_none());
        assert_eq!(
            expand_ids(
                "singleValueExtendedProperties($filter=id eq 'A' or id eq 'Integer 0x0E07')"
            )
            .unwrap(),
            vec!["A".to_owned(), "Integer 0x0E07".to_owned()]
        );
    }
}
