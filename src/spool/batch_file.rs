//! Batch files: the waiting messages of one sender that one `put_all` call
//! wrote together, in one file synced once.
//!
//! ```text
//! {"format_version":1,"entries":[
//! {<a waiting message, as in its own file>},
//! {<another>}
//! ]}
//! ```
//!
//! The file is named `<batch id>.<number of messages>.batch`; its modification
//! time carries the time its last message is due (see `due_hint`), so a scan
//! claims the whole batch at once, by one rename.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::SpoolError;
use super::directory::{check_place, due_hint};
use super::fsio::{list, read_if_exists};
use super::layout::{BatchClaimName, BatchName, SenderDirs};
use super::quarantine::{decode, quarantine};
use super::{FORMAT_VERSION, SpoolEntry};
use crate::compose::DeliveryId;

/// The most messages one batch file holds. `put_all` cuts larger groups; a
/// claim with room for fewer messages than a batch holds (a `limit` below
/// this) splits the batch into one file per message first.
pub(crate) const MAX_BATCH: usize = 100;

/// How far apart (in due time) the messages of one batch file may be: the
/// batch is claimed when its last message is due, so the first may wait this
/// much longer than it would alone.
pub(crate) const BATCH_DUE_SPREAD_MS: i64 = 1000;

/// The bytes of a batch file holding `entries` (at least one).
pub(crate) fn encode_batch(entries: &[&SpoolEntry]) -> Result<Vec<u8>, SpoolError> {
    let mut bytes = format!("{{\"format_version\":{FORMAT_VERSION},\"entries\":[\n").into_bytes();
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            bytes.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut bytes, entry).map_err(|source| SpoolError::Encode {
            id: entry.delivery_id(),
            source,
        })?;
    }
    bytes.extend_from_slice(b"\n]}\n");
    Ok(bytes)
}

/// The modification time a batch file gets: when its last message is due.
pub(crate) fn batch_due_hint<'a>(entries: impl IntoIterator<Item = &'a SpoolEntry>) -> SystemTime {
    entries
        .into_iter()
        .map(due_hint)
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Decodes a batch file named `name` in `dirs`, or says why it is not a valid one.
fn decode_batch(
    bytes: &[u8],
    name: BatchName,
    dirs: &SenderDirs,
) -> Result<Vec<SpoolEntry>, String> {
    #[derive(serde::Deserialize)]
    struct Batch {
        entries: Vec<SpoolEntry>,
    }
    let batch: Batch = decode(bytes)?;
    if batch.entries.len() != name.count {
        return Err(format!(
            "the batch file is named for {} messages but holds {}",
            name.count,
            batch.entries.len()
        ));
    }
    let mut seen = HashSet::new();
    for entry in &batch.entries {
        let id = entry.delivery_id();
        if !seen.insert(id) {
            return Err(format!("the batch file holds delivery {id} twice"));
        }
        check_place(entry, id, dirs)?;
    }
    Ok(batch.entries)
}

/// Reads and checks a batch file; `None` when it is gone or was quarantined.
pub(crate) fn read_batch(
    path: &Path,
    name: BatchName,
    dirs: &SenderDirs,
) -> Result<Option<Vec<SpoolEntry>>, SpoolError> {
    let Some(bytes) = read_if_exists(path)? else {
        return Ok(None);
    };
    match decode_batch(&bytes, name, dirs) {
        Ok(entries) => Ok(Some(entries)),
        Err(reason) => {
            quarantine(path, &dirs.quarantine(), &reason)?;
            Ok(None)
        }
    }
}

/// The delivery ids in `dirs`' batch files, waiting and claimed (messages a
/// drainer is delivering, or has settled but not yet removed with their
/// batch), each with its file.
pub(crate) fn batch_ids_of(dirs: &SenderDirs) -> Result<Vec<(DeliveryId, PathBuf)>, SpoolError> {
    let mut ids = Vec::new();
    for item in list(&dirs.spooler())?
        .into_iter()
        .chain(list(&dirs.claimed())?)
    {
        let is_batch =
            BatchName::parse(&item.name).is_some() || BatchClaimName::parse(&item.name).is_some();
        if !item.is_dir && is_batch {
            for id in batch_ids(&item.path)? {
                ids.push((id, item.path.clone()));
            }
        }
    }
    Ok(ids)
}

/// The delivery ids in a batch file, without decoding the messages; empty
/// when it is gone or not a batch file (a scan sets such a file aside).
pub(crate) fn batch_ids(path: &Path) -> Result<Vec<DeliveryId>, SpoolError> {
    #[derive(serde::Deserialize)]
    struct Id {
        delivery_id: DeliveryId,
    }
    #[derive(serde::Deserialize)]
    struct Ids {
        entries: Vec<Id>,
    }
    let Some(bytes) = read_if_exists(path)? else {
        return Ok(Vec::new());
    };
    Ok(serde_json::from_slice::<Ids>(&bytes)
        .map(|ids| ids.entries.into_iter().map(|e| e.delivery_id).collect())
        .unwrap_or_default())
}
