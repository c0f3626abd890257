//! Finding messages by delivery id without a store scan.
//!
//! A `FindItem` restriction on a named property is a sequential scan of the
//! folder that Exchange never caches (Microsoft KB 3077710): on a heavy user's
//! Conversation History it can time out again and again. So the sender reads the
//! folder's newest items first (sorted by `DateTimeCreated`, a page at a time,
//! no restriction) and stops as soon as every id is seen, the folder ends, or the
//! items get older than the request that could have created them. Only when
//! that bound is unknown (messages resumed from a spool) and a few pages did not
//! decide does it fall back to the restriction, for the ids still unseen.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use crate::compose::DeliveryId;
use crate::ews::{FindItemResult, ItemId};
use crate::plan::Folder;
use crate::transport::Transport;

use super::exchange::{Session, Trouble};

/// Pages read before falling back to a restriction.
const MAX_PAGES: u32 = 10;

/// Where a message was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// In the folder its copy is saved to: created (and, when it sends, sent).
    Saved(ItemId),
    /// In Drafts. `submitted`: Exchange's transport has it (`IsSubmitted`); an
    /// unknown state counts as submitted, so that nothing in flight is deleted.
    Draft { item: ItemId, submitted: bool },
}

/// What to look for, and where.
pub(crate) struct Search<'a> {
    pub(crate) ids: &'a [DeliveryId],
    /// The folder the message's copy is saved to, if it keeps one.
    pub(crate) saved: Option<Folder>,
    /// Whether to look in Drafts too (messages that are sent pass through it).
    pub(crate) drafts: bool,
    /// No message looked for was created before this (by the server's clock, less
    /// a margin for skew); `None` when unknown.
    pub(crate) created_after: Option<OffsetDateTime>,
}

impl Search<'_> {
    /// Drafts first: a message moving from Drafts to its saved folder while the
    /// folders are read is then seen in both rather than in neither.
    fn folders(&self) -> Vec<Folder> {
        let mut folders = Vec::with_capacity(2);
        if self.drafts && self.saved != Some(Folder::Drafts) {
            folders.push(Folder::Drafts);
        }
        folders.extend(self.saved);
        folders
    }
}

/// Finds where the messages of `search` are; those not in the map were not found.
pub(crate) async fn locate<T: Transport>(
    session: &Session<'_, T>,
    search: &Search<'_>,
) -> Result<HashMap<DeliveryId, Seen>, Trouble> {
    if session.graph.is_some() {
        return session.graph_locate(search).await;
    }
    let wanted: HashSet<DeliveryId> = search.ids.iter().copied().collect();
    let mut seen = HashMap::with_capacity(search.ids.len());
    let mut open = search.folders();
    let page = u32::try_from(search.ids.len())
        .unwrap_or(u32::MAX)
        .saturating_mul(2)
        .saturating_add(50)
        .clamp(100, 1000);
    let mut offset = 0u32;
    for _ in 0..MAX_PAGES {
        if open.is_empty() || seen.len() == wanted.len() {
            return Ok(seen);
        }
        let results = session.recent(&open, page, offset).await?;
        let mut still = Vec::with_capacity(open.len());
        for (folder, result) in open.iter().zip(&results) {
            record(&mut seen, &wanted, search.saved, *folder, result);
            if !finished(result, page, search.created_after) {
                still.push(*folder);
            }
        }
        open = still;
        offset = offset.saturating_add(page);
    }
    if open.is_empty() || seen.len() == wanted.len() {
        return Ok(seen);
    }
    // Paging did not decide: ask for the ids still unseen with a restriction.
    let missing: Vec<DeliveryId> = search
        .ids
        .iter()
        .filter(|id| !seen.contains_key(id))
        .copied()
        .collect();
    let results = session.find(&open, &missing).await?;
    for (folder, result) in open.iter().zip(&results) {
        record(&mut seen, &wanted, search.saved, *folder, result);
    }
    Ok(seen)
}

/// Notes the wanted items of one folder's page; a saved copy wins over a draft.
fn record(
    seen: &mut HashMap<DeliveryId, Seen>,
    wanted: &HashSet<DeliveryId>,
    saved: Option<Folder>,
    folder: Folder,
    result: &FindItemResult,
) {
    for item in &result.items {
        let Some(id) = item.delivery_id.filter(|id| wanted.contains(id)) else {
            continue;
        };
        let found = if Some(folder) == saved {
            Seen::Saved(item.item_id.clone())
        } else {
            Seen::Draft {
                item: item.item_id.clone(),
                submitted: item.is_submitted.unwrap_or(true),
            }
        };
        match seen.get(&id) {
            Some(Seen::Saved(_)) => {}
            _ => {
                seen.insert(id, found);
            }
        }
    }
}

/// Whether a folder needs no further page: it ended, or its items are older than
/// any message looked for.
fn finished(result: &FindItemResult, page: u32, created_after: Option<OffsetDateTime>) -> bool {
    let short = result.items.len() < page as usize;
    if short || result.includes_last_item_in_range == Some(true) {
        return true;
    }
    let oldest = result.items.iter().filter_map(|item| item.created).min();
    matches!((created_after, oldest), (Some(bound), Some(oldest)) if oldest < bound)
}
