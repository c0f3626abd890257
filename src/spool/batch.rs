//! Many messages at once: spooling and completing with one directory sync per
//! sender directory, and the spool's overview.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use time::OffsetDateTime;

use super::batch_file::{BATCH_DUE_SPREAD_MS, MAX_BATCH, batch_ids_of, encode_batch};
use super::directory::{already_spooled, due_hint, encode};
use super::fsio::{
    FILE_THREADS, SYNC_THREADS, create_dir, in_parallel, link_new_synced, list, sync_many,
};
use super::layout::{
    BatchClaimName, BatchName, ClaimName, SenderDirs, entry_file_name, is_temp_file_name,
    parse_entry_file_name, unix_ms,
};
use super::{Claim, DirectorySpool, SpoolEntry, SpoolError, SpoolOverview};
use crate::compose::DeliveryId;

/// When the message in the waiting file at `path` was spooled (the earliest of
/// a batch's), if it can be read.
fn spooled_at(path: &Path) -> Option<OffsetDateTime> {
    #[derive(serde::Deserialize)]
    struct Spooled {
        #[serde(with = "time::serde::rfc3339")]
        spooled_at: OffsetDateTime,
    }
    #[derive(serde::Deserialize)]
    struct Batch {
        entries: Vec<Spooled>,
    }
    let bytes = fs::read(path).ok()?;
    if let Ok(entry) = serde_json::from_slice::<Spooled>(&bytes) {
        return Some(entry.spooled_at);
    }
    let batch = serde_json::from_slice::<Batch>(&bytes).ok()?;
    batch.entries.iter().map(|e| e.spooled_at).min()
}

/// The same error for another message of a batch.
fn copy_error(error: &SpoolError) -> SpoolError {
    match error {
        SpoolError::Io { op, path, source } => SpoolError::io(
            op,
            path,
            std::io::Error::new(source.kind(), source.to_string()),
        ),
        other => SpoolError::io("sync", "", std::io::Error::other(other.to_string())),
    }
}

/// One message of a [`DirectorySpool::blocking_put_all`] call on its way in:
/// checked, not written yet.
struct Staged {
    index: usize,
    entry: SpoolEntry,
    dir: PathBuf,
    due: SystemTime,
}

/// What one file of a `put_all` call holds: one message, or a batch of one
/// sender's messages due within [`BATCH_DUE_SPREAD_MS`] of one another.
struct Unit<'a> {
    dir: &'a Path,
    members: Vec<&'a Staged>,
}

impl Unit<'_> {
    /// Writes the unit's file, synced through the handle that wrote it and
    /// linked into place (never replacing); the directory is not synced.
    fn write_synced_and_link(&self) -> Result<(), SpoolError> {
        if let [single] = self.members.as_slice() {
            let id = single.entry.delivery_id();
            let bytes = encode(id, &single.entry)?;
            let name = entry_file_name(id);
            return already_spooled(
                id,
                link_new_synced(self.dir, &name, &bytes, Some(single.due)),
            );
        }
        let entries: Vec<&SpoolEntry> = self.members.iter().map(|s| &s.entry).collect();
        let bytes = encode_batch(&entries)?;
        let name = BatchName::new(entries.len());
        let due = self.members.iter().map(|s| s.due).max();
        link_new_synced(self.dir, &name.file_name(), &bytes, due)
    }
}

/// The files of a `put_all` call: per sender directory, the messages grouped
/// by due time (within [`BATCH_DUE_SPREAD_MS`]) and cut to [`MAX_BATCH`].
fn units(staged: &[Staged]) -> Vec<Unit<'_>> {
    let mut groups: BTreeMap<(&Path, i64), Vec<&Staged>> = BTreeMap::new();
    for s in staged {
        let bucket = unix_ms(OffsetDateTime::from(s.due)).div_euclid(BATCH_DUE_SPREAD_MS);
        groups.entry((&s.dir, bucket)).or_default().push(s);
    }
    groups
        .into_iter()
        .flat_map(|((dir, _), members)| {
            members
                .chunks(MAX_BATCH)
                .map(|chunk| Unit {
                    dir,
                    members: chunk.to_vec(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

impl DirectorySpool {
    /// [`Spool::put_all`](super::Spool::put_all), blocking.
    ///
    /// As crash-safe as [`blocking_put`](Self::blocking_put) for every message,
    /// with far fewer syncs: the messages of one sender due within a second of
    /// one another go into one batch file (up to 100 messages each; a lone
    /// message gets its own file, as with `put`). Each file is written to a
    /// temporary name, synced through the handle that wrote it and linked into
    /// place, several at once on worker threads, and each sender directory is
    /// synced once. A result is `Ok` only after its message is durable; killed
    /// before that, the call left temporary files (removed later) and whole
    /// files at most. A batch is claimed as a whole when its last message is
    /// due (see the [module docs](super)).
    pub fn blocking_put_all(&self, entries: Vec<SpoolEntry>) -> Vec<Result<(), SpoolError>> {
        let mut results: Vec<Option<Result<(), SpoolError>>> = Vec::new();
        let mut known: HashMap<PathBuf, HashSet<DeliveryId>> = HashMap::new();
        let mut staged: Vec<Staged> = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
            results.push(None);
            match self.stage(entry, index, &mut known) {
                Ok(s) => staged.push(s),
                Err(error) => results[index] = Some(Err(error)),
            }
        }
        for (index, outcome) in self.write_durably(&staged) {
            results[index] = Some(outcome);
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(SpoolError::io(
                        "put",
                        &self.root,
                        std::io::Error::other("internal error: no result"),
                    ))
                })
            })
            .collect()
    }

    /// Writes every staged message into place and makes them durable: each
    /// file (one message or a batch) written, synced through the handle that
    /// wrote it and linked into place, several at once on worker threads (a
    /// journaling file system commits syncs that arrive together as one), then
    /// each directory synced once. The result of each message by its index.
    fn write_durably(&self, staged: &[Staged]) -> Vec<(usize, Result<(), SpoolError>)> {
        let units = units(staged);
        let written = in_parallel(&units, SYNC_THREADS, Unit::write_synced_and_link, |u| {
            Err(SpoolError::io(
                "write",
                u.dir,
                std::io::Error::other("the writing thread panicked"),
            ))
        });
        let mut results = Vec::with_capacity(staged.len());
        let mut linked: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for (unit, outcome) in units.iter().zip(written) {
            match outcome {
                Ok(()) => {
                    let indexes = linked.entry(unit.dir.to_path_buf()).or_default();
                    indexes.extend(unit.members.iter().map(|s| s.index));
                }
                Err(error) => {
                    for s in &unit.members[1..] {
                        results.push((s.index, Err(copy_error(&error))));
                    }
                    results.push((unit.members[0].index, Err(error)));
                }
            }
        }
        let dirs: Vec<&Path> = linked.keys().map(PathBuf::as_path).collect();
        let synced = sync_many(&dirs, "sync directory");
        for ((_, indexes), synced) in linked.iter().zip(synced) {
            for &index in indexes {
                results.push((index, synced.as_ref().map(|_| ()).map_err(copy_error)));
            }
        }
        results
    }

    /// Checks that `entry` is new (in the spool and in this batch) and encodes it.
    fn stage(
        &self,
        entry: SpoolEntry,
        index: usize,
        known: &mut HashMap<PathBuf, HashSet<DeliveryId>>,
    ) -> Result<Staged, SpoolError> {
        let dirs = SenderDirs::new(&self.root, entry.sender());
        let id = entry.delivery_id();
        let spooler = dirs.spooler();
        if !known.contains_key(&spooler) {
            create_dir(&dirs.claimed())?;
            create_dir(&dirs.dead_letters())?;
            let mut ids = HashSet::new();
            ids.extend(batch_ids_of(&dirs)?.into_iter().map(|(id, _)| id));
            for dir in [spooler.clone(), dirs.claimed(), dirs.dead_letters()] {
                for item in list(&dir)? {
                    if is_temp_file_name(&item.name) || item.name.ends_with(".batch") {
                        continue;
                    }
                    let stem = item.name.split('.').next().unwrap_or_default();
                    if let Some(id) = parse_entry_file_name(&format!("{stem}.json")) {
                        ids.insert(id);
                    }
                }
            }
            known.insert(spooler.clone(), ids);
        }
        if let Some(ids) = known.get_mut(&spooler)
            && !ids.insert(id)
        {
            return Err(SpoolError::AlreadySpooled {
                id,
                path: dirs.pending_file(id),
            });
        }
        Ok(Staged {
            index,
            due: due_hint(&entry),
            entry,
            dir: spooler,
        })
    }

    /// [`Spool::complete_all`](super::Spool::complete_all), blocking: every
    /// claimed file removed, then each directory synced once; messages of a
    /// claimed batch are marked settled (the batch goes with its last one).
    pub fn blocking_complete_all(&self, claims: Vec<Claim>) -> Vec<Result<(), SpoolError>> {
        let mut results: Vec<Result<(), SpoolError>> = Vec::with_capacity(claims.len());
        let mut alone: Vec<(usize, PathBuf, PathBuf)> = Vec::new();
        // Whether each held batch is still there: looked at once per batch.
        let mut held: HashMap<PathBuf, bool> = HashMap::new();
        for (index, claim) in claims.iter().enumerate() {
            if let Some(batch) = self.held_batch(claim) {
                let there = *held.entry(batch.clone()).or_insert_with(|| batch.exists());
                results.push(self.complete_held(claim, &batch, there));
                continue;
            }
            results.push(Ok(()));
            let (dirs, name) = self.claim_name(claim);
            alone.push((index, dirs.claimed(), dirs.claimed().join(name.file_name())));
        }
        let removals = in_parallel(
            &alone,
            FILE_THREADS,
            |(_, _, path)| fs::remove_file(path),
            |_| Err(std::io::Error::other("the removing thread panicked")),
        );
        let mut removed: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for ((index, dir, path), removal) in alone.into_iter().zip(removals) {
            match removal {
                Ok(()) => removed.entry(dir).or_default().push(index),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    results[index] = Err(SpoolError::ClaimLost {
                        id: claims[index].delivery_id(),
                        path,
                    });
                }
                Err(e) => results[index] = Err(SpoolError::io("remove", path, e)),
            }
        }
        let dirs: Vec<&Path> = removed.keys().map(PathBuf::as_path).collect();
        let synced = sync_many(&dirs, "sync directory");
        for ((_, indexes), synced) in removed.iter().zip(synced) {
            if let Err(error) = synced {
                for &index in indexes {
                    results[index] = Err(copy_error(&error));
                }
            }
        }
        results
    }

    /// [`Spool::overview`](super::Spool::overview), blocking: counts from file
    /// names (a batch file's name says how many messages it holds), due times
    /// from modification times; one file per sender (the one
    /// due first) is read for its spooled time.
    ///
    /// # Errors
    /// A storage error.
    pub fn blocking_overview(&self, now: OffsetDateTime) -> Result<SpoolOverview, SpoolError> {
        let mut overview = SpoolOverview::default();
        for dirs in self.sender_dirs()? {
            let mut oldest: Option<(OffsetDateTime, PathBuf)> = None;
            for item in list(&dirs.spooler())? {
                if item.is_dir || is_temp_file_name(&item.name) {
                    continue;
                }
                let count = match BatchName::parse(&item.name) {
                    Some(batch) => Some(batch.count),
                    None => parse_entry_file_name(&item.name).map(|_| 1),
                };
                if let Some(count) = count {
                    overview.waiting += count;
                    // Modification times carry due times (see `due_hint`).
                    let modified = fs::symlink_metadata(&item.path)
                        .and_then(|m| m.modified())
                        .map(OffsetDateTime::from)
                        .unwrap_or(now);
                    if oldest.as_ref().is_none_or(|(at, _)| modified < *at) {
                        oldest = Some((modified, item.path.clone()));
                    }
                }
            }
            if let Some((due, path)) = oldest {
                if overview.next_due.is_none_or(|d| due < d) {
                    overview.next_due = Some(due);
                }
                let spooled = spooled_at(&path);
                if let Some(at) = spooled
                    && overview.oldest_waiting.is_none_or(|o| at < o)
                {
                    overview.oldest_waiting = Some(at);
                }
            }
            for item in list(&dirs.claimed())? {
                if item.is_dir {
                    continue;
                }
                if ClaimName::parse(&item.name).is_some() {
                    overview.claimed += 1;
                } else if let Some(name) = BatchClaimName::parse(&item.name) {
                    // A claimed batch: the messages not settled yet when this
                    // spool holds it, all of them (as its name says) otherwise.
                    overview.claimed += self.held_unsettled(&item.path).unwrap_or(name.batch.count);
                }
            }
            for item in list(&dirs.dead_letters())? {
                if !item.is_dir && parse_entry_file_name(&item.name).is_some() {
                    overview.dead += 1;
                }
            }
        }
        Ok(overview)
    }
}
