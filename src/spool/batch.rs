//! Many messages at once: spooling and completing with one directory sync per
//! sender directory, and the spool's overview.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use time::OffsetDateTime;

use super::directory::{due_hint, encode};
use super::fsio::{
    FILE_THREADS, SYNC_THREADS, create_dir, in_parallel, list, sync_many, write_unsynced,
};
use super::layout::{
    ClaimName, ClaimState, SenderDirs, entry_file_name, is_temp_file_name, parse_entry_file_name,
    temp_file_name,
};
use super::{Claim, DirectorySpool, SpoolEntry, SpoolError, SpoolOverview};
use crate::compose::DeliveryId;

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
/// checked, encoded, not written yet.
struct Staged {
    index: usize,
    id: DeliveryId,
    dir: PathBuf,
    bytes: Vec<u8>,
    due: SystemTime,
}

impl Staged {
    /// Writes the temporary file, syncs it through the handle that wrote it,
    /// and links it into place (never replacing); the directory is not synced.
    fn write_synced_and_link(&self) -> Result<(), SpoolError> {
        let tmp = self.dir.join(temp_file_name(&entry_file_name(self.id)));
        let target = self.dir.join(entry_file_name(self.id));
        let written = write_unsynced(&tmp, &self.bytes, Some(self.due))
            .map_err(|e| SpoolError::io("write", &tmp, e))
            .and_then(|file| file.sync_all().map_err(|e| SpoolError::io("sync", &tmp, e)));
        let outcome = written.and_then(|()| match fs::hard_link(&tmp, &target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(SpoolError::AlreadySpooled {
                    id: self.id,
                    path: target.clone(),
                })
            }
            Err(e) => Err(SpoolError::io("link into place", &target, e)),
        });
        let _ = fs::remove_file(&tmp);
        outcome
    }
}

impl DirectorySpool {
    /// [`Spool::put_all`](super::Spool::put_all), blocking.
    ///
    /// As crash-safe as [`blocking_put`](Self::blocking_put) for every message,
    /// with the syncs batched: the messages are checked and encoded, then each
    /// is written to its temporary file, synced through the handle that wrote
    /// it and linked into place, many at once on worker threads (a journaling
    /// file system commits syncs that arrive together as one), and each sender
    /// directory is synced once. A result is `Ok` only after its message is
    /// durable; killed before that, the call left temporary files (removed
    /// later) and whole messages at most.
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
    /// file written, synced through the handle that wrote it and linked into
    /// place, many at once on worker threads (a journaling file system commits
    /// syncs that arrive together as one), then each directory synced once.
    /// The result of each message by its index.
    fn write_durably(&self, staged: &[Staged]) -> Vec<(usize, Result<(), SpoolError>)> {
        let written = in_parallel(staged, SYNC_THREADS, Staged::write_synced_and_link, |s| {
            Err(SpoolError::io(
                "write",
                &s.dir,
                std::io::Error::other("the writing thread panicked"),
            ))
        });
        let mut results = Vec::with_capacity(staged.len());
        let mut linked: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for (s, outcome) in staged.iter().zip(written) {
            match outcome {
                Ok(()) => linked.entry(s.dir.clone()).or_default().push(s.index),
                Err(error) => results.push((s.index, Err(error))),
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
            for dir in [spooler.clone(), dirs.claimed(), dirs.dead_letters()] {
                for item in list(&dir)? {
                    if is_temp_file_name(&item.name) {
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
            id,
            bytes: encode(id, &entry)?,
            due: due_hint(&entry),
            dir: spooler,
        })
    }

    /// [`Spool::complete_all`](super::Spool::complete_all), blocking: every
    /// claimed file removed, then each directory synced once.
    pub fn blocking_complete_all(&self, claims: Vec<Claim>) -> Vec<Result<(), SpoolError>> {
        let paths: Vec<(PathBuf, PathBuf)> = claims
            .iter()
            .map(|claim| {
                let dirs = SenderDirs::new(&self.root, claim.entry().sender());
                let name = ClaimName::new(
                    claim.delivery_id(),
                    claim.claimed_at(),
                    claim.claimant(),
                    ClaimState::Held,
                );
                (dirs.claimed(), dirs.claimed().join(name.file_name()))
            })
            .collect();
        let removals = in_parallel(
            &paths,
            FILE_THREADS,
            |(_, path)| fs::remove_file(path),
            |_| Err(std::io::Error::other("the removing thread panicked")),
        );
        let mut results = Vec::with_capacity(claims.len());
        let mut removed: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for (index, ((dir, path), removal)) in paths.into_iter().zip(removals).enumerate() {
            results.push(match removal {
                Ok(()) => {
                    removed.entry(dir).or_default().push(index);
                    Ok(())
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SpoolError::ClaimLost {
                    id: claims[index].delivery_id(),
                    path,
                }),
                Err(e) => Err(SpoolError::io("remove", path, e)),
            });
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
    /// names, due times from modification times; one file per sender (the one
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
                if parse_entry_file_name(&item.name).is_some() {
                    overview.waiting += 1;
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
                let spooled = fs::read(&path)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<SpoolEntry>(&bytes).ok())
                    .map(|e| e.spooled_at());
                if let Some(at) = spooled
                    && overview.oldest_waiting.is_none_or(|o| at < o)
                {
                    overview.oldest_waiting = Some(at);
                }
            }
            for item in list(&dirs.claimed())? {
                if !item.is_dir && ClaimName::parse(&item.name).is_some() {
                    overview.claimed += 1;
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
