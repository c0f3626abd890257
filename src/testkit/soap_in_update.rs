//! Reading `m:UpdateItem`: only setting `item:ItemClass` is understood (what
//! the sender does to restamp its saved copies).

use super::soap_in::InError;
use super::xml::{Cursor, El, M_NS, Sequence, T_NS};

/// `m:UpdateItem`: only setting `item:ItemClass` is understood.
#[derive(Debug, Clone)]
pub(crate) struct UpdateItem {
    pub(crate) changes: Vec<ItemChange>,
}

/// One `t:ItemChange`.
#[derive(Debug, Clone)]
pub(crate) struct ItemChange {
    pub(crate) id: String,
    /// The new item class; `None` when the change sets anything else.
    pub(crate) item_class: Option<String>,
}

/// Reads `m:UpdateItem` (start tag already read).
pub(crate) fn parse_update_item(cur: &mut Cursor<'_>, el: &El) -> Result<UpdateItem, InError> {
    let Some(conflict) = el.attr("ConflictResolution") else {
        return Err(InError::Schema(
            "The required attribute 'ConflictResolution' is missing on 'UpdateItem'.".into(),
        ));
    };
    super::xml::check_enum(
        "ConflictResolution",
        conflict,
        &["NeverOverwrite", "AutoResolve", "AlwaysOverwrite"],
    )?;
    if let Some(disposition) = el.attr("MessageDisposition") {
        super::xml::check_enum(
            "MessageDisposition",
            disposition,
            &["SaveOnly", "SendOnly", "SendAndSaveCopy"],
        )?;
    }
    let mut seq = Sequence::new(
        "UpdateItem",
        M_NS,
        &[("SavedItemFolderId", false), ("ItemChanges", false)],
    );
    let mut changes = Vec::new();
    while let Some(child) = cur.child("UpdateItem")? {
        seq.accept(&child)?;
        if child.name == "SavedItemFolderId" {
            cur.skip();
            continue;
        }
        while let Some(change) = cur.child("ItemChanges")? {
            if !change.is(T_NS, "ItemChange") {
                return Err(InError::Schema(format!(
                    "Expected 'ItemChange' in 'ItemChanges', found '{}'.",
                    change.name
                )));
            }
            changes.push(parse_item_change(cur)?);
        }
    }
    seq.require("ItemChanges")?;
    if changes.is_empty() {
        return Err(InError::Schema(
            "The element 'ItemChanges' has incomplete content.".into(),
        ));
    }
    Ok(UpdateItem { changes })
}

fn parse_item_change(cur: &mut Cursor<'_>) -> Result<ItemChange, InError> {
    let mut id = None;
    let mut item_class = None;
    let mut other = false;
    while let Some(child) = cur.child("ItemChange")? {
        if child.is(T_NS, "ItemId") && id.is_none() {
            id = Some(child.attr("Id").unwrap_or_default().to_owned());
            cur.skip();
        } else if child.is(T_NS, "Updates") && id.is_some() {
            while let Some(update) = cur.child("Updates")? {
                if !update.is(T_NS, "SetItemField") {
                    other = true;
                    cur.skip();
                    continue;
                }
                let mut path = None;
                while let Some(part) = cur.child("SetItemField")? {
                    if part.is(T_NS, "FieldURI") {
                        path = part.attr("FieldURI").map(str::to_owned);
                        cur.skip();
                    } else if part.is(T_NS, "Message") || part.is(T_NS, "Item") {
                        while let Some(field) = cur.child(&part.name)? {
                            if field.is(T_NS, "ItemClass")
                                && path.as_deref() == Some("item:ItemClass")
                            {
                                item_class = Some(cur.text("ItemClass")?.trim().to_owned());
                            } else {
                                other = true;
                                cur.skip();
                            }
                        }
                    } else {
                        other = true;
                        cur.skip();
                    }
                }
            }
        } else {
            return Err(InError::Schema(format!(
                "The element 'ItemChange' has invalid child element '{}'. List of possible \
                 elements expected: 'ItemId, Updates'.",
                child.name
            )));
        }
    }
    let id = id.ok_or_else(|| {
        InError::Schema("The element 'ItemChange' has incomplete content: 'ItemId'.".into())
    })?;
    Ok(ItemChange {
        id,
        item_class: item_class.filter(|_| !other),
    })
}
