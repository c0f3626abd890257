//! Applying `FindItem`, `GetItem` and `DeleteItem`.

use crate::address::SmtpAddress;
use crate::ews::Folder;

use super::op_create::Ctx;
use super::props::PropertyValue;
use super::soap_in::{
    BaseShape, DeleteItem, DeleteType, FindItem, FolderName, FolderTarget, GetItem, Page, PropPath,
    Restriction, Shape, SortKey,
};
use super::soap_out::{Fields, Payload, ResponseMessage, item};
use super::store::{Store, StoredItem};

/// Applies a FindItem: one response message per parent folder.
pub(crate) fn find_items(store: &mut Store, ctx: &Ctx<'_>, req: &FindItem) -> Vec<ResponseMessage> {
    let scan_limit = store.scan_limit;
    let fields = fields(&req.shape, false);
    req.folders
        .iter()
        .map(|target| {
            find_in(store, ctx, req, target, &fields, scan_limit)
                .unwrap_or_else(|(code, text)| ResponseMessage::error(code, text, Payload::None))
        })
        .collect()
}

type OpError = (&'static str, String);

fn find_in(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &FindItem,
    target: &FolderTarget,
    fields: &Fields,
    scan_limit: Option<usize>,
) -> Result<ResponseMessage, OpError> {
    let folder = match &target.folder {
        FolderName::Known(f) => *f,
        FolderName::Other(name) => {
            return Err((
                "ErrorFolderNotFound",
                format!("The folder '{name}' does not exist in this test mailbox."),
            ));
        }
    };
    let owner = mailbox_of(ctx, target)?;
    let acting = ctx.acting == Some(&owner);
    let Some(mailbox) = store.open(&owner, acting) else {
        return Err((
            "ErrorNonExistentMailbox",
            format!("The SMTP address '{owner}' has no mailbox associated with it."),
        ));
    };
    if !mailbox.has(folder) {
        return Err(super::op_create::folder_not_found());
    }
    let items = mailbox.folder(folder);
    if req.restriction.is_some()
        && let Some(limit) = scan_limit
        && items.len() > limit
    {
        // KB 3077710: Exchange 2013 and later cache no restriction, so every restricted
        // FindItem recomputes its result over the whole folder (the KB suggests
        // sort-and-seek instead); modelled as a timeout past a folder size.
        return Err((
            "ErrorTimeoutExpired",
            format!(
                "The request timed out: a restricted search scans the whole folder, which \
                 holds {} items (more than {limit}). Read the newest items sorted by \
                 item:DateTimeCreated instead.",
                items.len()
            ),
        ));
    }
    let mut found: Vec<&StoredItem> = Vec::new();
    for i in items.iter().map(|i| &**i) {
        let keep = match &req.restriction {
            None => true,
            Some(r) => matches(i, r)?,
        };
        if keep {
            found.push(i);
        }
    }
    sort(&mut found, &req.sort)?;
    let total = found.len();
    let page = req.page.unwrap_or(Page {
        offset: 0,
        max: None,
        from_end: false,
    });
    let max = page.max.unwrap_or(usize::MAX);
    let (start, end) = if page.from_end {
        let end = total.saturating_sub(page.offset);
        (end.saturating_sub(max), end)
    } else {
        let start = page.offset.min(total);
        (start, start.saturating_add(max).min(total))
    };
    let items: Vec<String> = found[start..end].iter().map(|i| item(i, fields)).collect();
    // EWS FindItem reference (RootFolder): IndexedPagingOffset is where the next page
    // starts, counted from the base point; TotalItemsInView counts every match.
    let (next_offset, last) = if page.from_end {
        (total - start, start == 0)
    } else {
        (end, end >= total)
    };
    Ok(ResponseMessage::success(Payload::RootFolder {
        next_offset,
        total,
        last,
        items,
    }))
}

/// EWS SortOrder reference: `t:FieldOrder`s, most significant first. Sorts by them; items that compare equal keep folder
/// order (oldest first), so a descending sort shows the last created first.
fn sort(found: &mut [&StoredItem], keys: &[SortKey]) -> Result<(), OpError> {
    for key in keys {
        match &key.path {
            PropPath::Field(f) if f == "item:DateTimeCreated" => {}
            PropPath::Field(f) if f == "item:Subject" => {}
            other => {
                let name = match other {
                    PropPath::Field(f) => f.clone(),
                    PropPath::Extended(uri) => uri.to_string(),
                };
                return Err((
                    "ErrorUnsupportedPathForSortGroup",
                    format!(
                        "This test server sorts by item:DateTimeCreated and item:Subject only, not '{name}'."
                    ),
                ));
            }
        }
    }
    if keys.is_empty() {
        return Ok(());
    }
    let mut indexed: Vec<(usize, &StoredItem)> = found.iter().copied().enumerate().collect();
    indexed.sort_by(|(ia, a), (ib, b)| {
        for key in keys {
            let ord = match &key.path {
                PropPath::Field(f) if f == "item:Subject" => a.subject().cmp(&b.subject()),
                _ => a.created().cmp(&b.created()),
            };
            let ord = if key.descending { ord.reverse() } else { ord };
            if ord != std::cmp::Ordering::Equal {
                return ord;
            }
        }
        // Ties: the later stored item counts as the newer one.
        let ord = ia.cmp(ib);
        match keys.first() {
            Some(k) if k.descending => ord.reverse(),
            _ => ord,
        }
    });
    for (slot, (_, i)) in found.iter_mut().zip(indexed) {
        *slot = i;
    }
    Ok(())
}

fn mailbox_of(ctx: &Ctx<'_>, target: &FolderTarget) -> Result<SmtpAddress, OpError> {
    match (&target.mailbox, ctx.acting) {
        (Some(text), _) => text.parse().map_err(|_| {
            (
                "ErrorNonExistentMailbox",
                format!("'{text}' is not a valid SMTP address."),
            )
        }),
        (None, Some(a)) => Ok(a.clone()),
        (None, None) => Err((
            "ErrorMissingEmailAddress",
            "The request names no mailbox: authenticate as an SMTP address, impersonate one, \
             or give t:Mailbox in the folder id."
                .into(),
        )),
    }
}

fn matches(item: &StoredItem, r: &Restriction) -> Result<bool, OpError> {
    match r {
        Restriction::Equal(PropPath::Extended(uri), value) => Ok(match item.extended_value(uri) {
            Some(PropertyValue::Single(v)) => v == value,
            Some(PropertyValue::Multi(vs)) => vs.iter().any(|v| v == value),
            None => false,
        }),
        Restriction::Equal(PropPath::Field(f), value) => match f.as_str() {
            "item:Subject" => Ok(item.subject() == Some(value.as_str())),
            "item:ItemClass" => Ok(item.item_class() == value),
            other => Err((
                "ErrorUnsupportedPathForQuery",
                format!("This test server cannot restrict on '{other}'."),
            )),
        },
        Restriction::And(parts) => {
            for p in parts {
                if !matches(item, p)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Restriction::Or(parts) => {
            for p in parts {
                if matches(item, p)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Restriction::Unsupported(what) => Err((
            "ErrorUnsupportedQueryFilter",
            format!("This test server evaluates IsEqualTo, And and Or only, not '{what}'."),
        )),
    }
}

/// Applies a GetItem: one response message per id.
pub(crate) fn get_items(store: &Store, req: &GetItem) -> Vec<ResponseMessage> {
    let fields = fields(&req.shape, true);
    req.ids
        .iter()
        .map(|id| match lookup(store, id) {
            Ok(found) => ResponseMessage::success(Payload::Items(vec![item(found, &fields)])),
            Err((code, text)) => ResponseMessage::error(code, text, Payload::Items(Vec::new())),
        })
        .collect()
}

fn lookup<'s>(store: &'s Store, id: &str) -> Result<&'s StoredItem, OpError> {
    if !Store::is_well_formed_id(id) {
        return Err(("ErrorInvalidIdMalformed", "Id is malformed.".into()));
    }
    // EWS ResponseCode reference: an id that names no item (deleted, moved, sent) is
    // ErrorItemNotFound.
    store.get(id).ok_or_else(|| {
        (
            "ErrorItemNotFound",
            "The specified object was not found in the store.".into(),
        )
    })
}

/// Applies a DeleteItem: one response message per id.
pub(crate) fn delete_items(store: &mut Store, req: &DeleteItem) -> Vec<ResponseMessage> {
    req.ids
        .iter()
        .map(|id| match delete_one(store, id, req.delete_type) {
            Ok(()) => ResponseMessage::success(Payload::None),
            Err((code, text)) => ResponseMessage::error(code, text, Payload::None),
        })
        .collect()
}

fn delete_one(store: &mut Store, id: &str, how: DeleteType) -> Result<(), OpError> {
    lookup(store, id)?;
    let Some(taken) = store.take(id) else {
        return Err(("ErrorItemNotFound", "The item vanished.".into()));
    };
    // Graph docs, "things to know about send mail": a draft deleted before the
    // transport submits it is never sent.
    if store.submissions.cancel(id) {
        store.cancelled.push(taken.clone());
    }
    let Some(owner) = taken.mailbox.clone() else {
        return Ok(());
    };
    let soft = match how {
        DeleteType::HardDelete => return Ok(()),
        DeleteType::SoftDelete => true,
        DeleteType::MoveToDeletedItems => taken.folder == Some(Folder::DeletedItems),
    };
    if soft {
        store.recoverable.entry(owner).or_default().push(taken);
    } else {
        store.place(&owner, Folder::DeletedItems, taken);
    }
    Ok(())
}

/// The fields a shape asks for. FindItem never returns bodies, as on Exchange.
fn fields(shape: &Shape, with_body: bool) -> Fields {
    let mut f = Fields::default();
    if shape.base != BaseShape::IdOnly {
        f.item_class = true;
        f.subject = true;
        f.importance = true;
        f.from = true;
        f.is_read = true;
        f.body = with_body;
    }
    if shape.base == BaseShape::AllProperties {
        f.to = true;
        f.cc = true;
        f.created = true;
        f.is_submitted = true;
    }
    for p in &shape.additional {
        match p {
            PropPath::Extended(uri) => {
                if !f.extended.contains(uri) {
                    f.extended.push(uri.clone());
                }
            }
            PropPath::Field(name) => match name.as_str() {
                "item:ItemClass" => f.item_class = true,
                "item:Subject" => f.subject = true,
                "item:Body" => f.body = with_body,
                "item:Importance" => f.importance = true,
                "message:ToRecipients" => f.to = true,
                "message:CcRecipients" => f.cc = true,
                "message:From" => f.from = true,
                "message:IsRead" => f.is_read = true,
                "item:DateTimeCreated" => f.created = true,
                "item:IsSubmitted" => f.is_submitted = true,
                _ => {}
            },
        }
    }
    f
}
