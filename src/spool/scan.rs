//! Finding due messages and claiming them; recovering stale claims; tidying up.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::batch_file::{batch_due_hint, read_batch};
use super::directory::{check_place, due_hint, encode, hinted_due};
use super::entry::add;
use super::fsio::{
    Existing, FILE_THREADS, changed_at, create_dir, in_parallel, list, move_file, read_if_exists,
    remove, set_modified, sync_many, write_atomic,
};
use super::layout::{
    BatchClaimName, BatchName, ClaimName, ClaimState, SenderDirs, entry_file_name,
    is_temp_file_name, parse_entry_file_name,
};
use super::quarantine::{decode, quarantine};
use super::{Claim, ClaimantId, DirectorySpool, SpoolEntry, SpoolError};
use crate::compose::DeliveryId;

/// A waiting message, or batch file of messages, found due by the scan.
struct Candidate {
    next_attempt_at: OffsetDateTime,
    /// The message's delivery id, or the batch's id.
    id: DeliveryId,
    /// A batch file rather than one message.
    batch: Option<BatchName>,
    /// Shared by every candidate of one sender.
    dirs: Arc<SenderDirs>,
}

impl Candidate {
    /// How many messages claiming it takes.
    fn count(&self) -> usize {
        self.batch.map_or(1, |b| b.count)
    }

    /// Where it waits.
    fn waiting_path(&self) -> PathBuf {
        match self.batch {
            Some(batch) => self.dirs.spooler().join(batch.file_name()),
            None => self.dirs.pending_file(self.id),
        }
    }

    /// Where claiming it at `now` by `claimant` moves it.
    fn claimed_path(&self, now: OffsetDateTime, claimant: &ClaimantId) -> PathBuf {
        let name = match self.batch {
            Some(batch) => BatchClaimName::new(batch, now, claimant).file_name(),
            None => ClaimName::new(self.id, now, claimant, ClaimState::Held).file_name(),
        };
        self.dirs.claimed().join(name)
    }
}

impl DirectorySpool {
    /// [`Spool::claim_due`](super::Spool::claim_due), blocking.
    ///
    /// One pass over the spool: stale claims are put back (at once when their
    /// holder's process is gone, see [`ClaimHolder`](super::ClaimHolder)),
    /// leftover temporary files older than
    /// [`stale_temp_after`](super::DirectorySpoolBuilder::stale_temp_after)
    /// removed, bad files quarantined, then up to `limit` due messages claimed,
    /// the earliest next attempt first. Each claim is an atomic rename, so of
    /// several drainers racing for one message exactly one gets it.
    ///
    /// Cheap on a large spool: which messages are due is read from the files'
    /// modification times, where the spool writes each message's due time (a
    /// file without one, e.g. copied by hand, is read, and gets it); the
    /// renames of one call are made durable with one sync per directory.
    ///
    /// # Errors
    /// As [`Spool::claim_due`](super::Spool::claim_due).
    pub fn blocking_claim_due(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Claim>, SpoolError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut candidates = Vec::new();
        for dirs in self.sender_dirs()? {
            self.recover_claims(&dirs, now)?;
            self.remove_stale_temps(&dirs.dead_letters(), now)?;
            self.due_candidates(&Arc::new(dirs), now, &mut candidates)?;
        }
        candidates.sort_by_key(|c| (c.next_attempt_at, c.id));
        let mut claims = Vec::new();
        let mut rest = candidates.as_slice();
        while claims.len() < limit && !rest.is_empty() {
            // As many candidates, in order, as there is room for.
            let room = limit - claims.len();
            let mut size = 0;
            let fit = rest
                .iter()
                .take_while(|c| {
                    size += c.count();
                    size <= room
                })
                .count();
            if fit == 0 {
                if !claims.is_empty() {
                    break; // the next pass claims it
                }
                // A batch larger than the limit: one file per message, then again.
                let first = &rest[0];
                if let Some(batch) = first.batch {
                    self.split_batch(&first.dirs, batch, now)?;
                }
                return self.blocking_claim_due(now, limit);
            }
            let (round, later) = rest.split_at(fit);
            rest = later;
            claims.extend(self.claim_round(round, now)?);
        }
        Ok(claims)
    }

    /// The waiting messages of one sender that may be due at `now`, judged by
    /// the due time each file's modification time carries (no file is read);
    /// leftover temporary files are removed, bad names quarantined.
    fn due_candidates(
        &self,
        dirs: &Arc<SenderDirs>,
        now: OffsetDateTime,
        candidates: &mut Vec<Candidate>,
    ) -> Result<(), SpoolError> {
        for item in list(&dirs.spooler())? {
            if item.is_dir {
                continue; // `claimed`, or a directory that is not ours: left alone
            }
            if is_temp_file_name(&item.name) {
                self.remove_stale_temp(&item.path, now)?;
                continue;
            }
            if let Some(batch) = BatchName::parse(&item.name) {
                if let Some(due) = batch_due(&item.path, batch, dirs)?
                    && due <= now
                {
                    candidates.push(Candidate {
                        next_attempt_at: due,
                        id: DeliveryId::from_uuid(batch.id),
                        batch: Some(batch),
                        dirs: Arc::clone(dirs),
                    });
                }
                continue;
            }
            let Some(id) = parse_entry_file_name(&item.name) else {
                quarantine(
                    &item.path,
                    &dirs.quarantine(),
                    "the name is not <delivery id>.json or <batch id>.<count>.batch",
                )?;
                continue;
            };
            let Ok(meta) = std::fs::symlink_metadata(&item.path) else {
                continue; // claimed by another drainer since the listing
            };
            // A file the spool wrote carries its due time; one written some
            // other way (by hand, by a copy) is read (and set aside if bad),
            // and gets its due time for the next scan.
            let due = match due_time(&meta) {
                Some(due) => due,
                None => {
                    let Some(entry) = read_record::<SpoolEntry>(&item.path, id, dirs, |e| e)?
                    else {
                        continue;
                    };
                    set_due_time(&item.path, &entry);
                    if !entry.is_due(now) {
                        continue;
                    }
                    entry.next_attempt_at()
                }
            };
            if due <= now {
                candidates.push(Candidate {
                    next_attempt_at: due,
                    id,
                    batch: None,
                    dirs: Arc::clone(dirs),
                });
            }
        }
        Ok(())
    }

    /// Claims `round`: every file renamed into `claimed/`, the directories
    /// synced once each, then every claimed file read (a batch's messages
    /// handed out, see `claim_batch`). A message that is not due after all
    /// (its file carried no due time) goes back, with the right one.
    fn claim_round(
        &self,
        round: &[Candidate],
        now: OffsetDateTime,
    ) -> Result<Vec<Claim>, SpoolError> {
        let mut touched: HashSet<std::path::PathBuf> = HashSet::new();
        for candidate in round {
            let dirs = &candidate.dirs;
            if touched.insert(dirs.claimed()) {
                create_dir(&dirs.claimed())?;
                touched.insert(dirs.spooler());
            }
        }
        let moves = in_parallel(
            round,
            FILE_THREADS,
            |c| {
                let claimed = c.claimed_path(now, &self.claimant);
                std::fs::rename(c.waiting_path(), &claimed).map(|()| claimed)
            },
            |_| Err(std::io::Error::other("the claiming thread panicked")),
        );
        let mut renamed = Vec::new();
        let mut batches = Vec::new();
        for (candidate, moved) in round.iter().zip(moves) {
            match (moved, candidate.batch) {
                (Ok(claimed), Some(batch)) => batches.push((candidate, batch, claimed)),
                (Ok(claimed), None) => renamed.push((
                    candidate,
                    ClaimName::new(candidate.id, now, &self.claimant, ClaimState::Held),
                    claimed,
                )),
                // Another drainer was first.
                (Err(e), _) if e.kind() == std::io::ErrorKind::NotFound => {}
                (Err(e), _) => return Err(SpoolError::io("move", candidate.waiting_path(), e)),
            }
        }
        let dirs: Vec<&Path> = touched.iter().map(std::path::PathBuf::as_path).collect();
        for synced in sync_many(&dirs, "sync directory") {
            synced?;
        }
        // The files renamed are the ones to trust: they may have been rewritten
        // (retried by another drainer) since the listing.
        let read = in_parallel(
            &renamed,
            FILE_THREADS,
            |(c, _, claimed)| read_record::<SpoolEntry>(claimed, c.id, &c.dirs, |e| e),
            |(_, _, claimed)| {
                Err(SpoolError::io(
                    "read",
                    claimed,
                    std::io::Error::other("the reading thread panicked"),
                ))
            },
        );
        let mut claims = Vec::with_capacity(renamed.len());
        for ((candidate, name, claimed), entry) in renamed.into_iter().zip(read) {
            let dirs = &candidate.dirs;
            let Some(entry) = entry? else {
                continue;
            };
            if !entry.is_due(now) {
                let pending = dirs.pending_file(candidate.id);
                move_file(&claimed, &pending)?;
                set_due_time(&pending, &entry);
                continue;
            }
            claims.push(self.new_claim(entry, &name));
        }
        for (candidate, batch, claimed) in batches {
            claims.extend(self.claim_batch(&candidate.dirs, batch, &claimed, now)?);
        }
        Ok(claims)
    }

    /// Every waiting (not claimed) message, the earliest next attempt first.
    /// Bad files found on the way are quarantined.
    ///
    /// # Errors
    /// A storage error.
    pub fn blocking_waiting(&self) -> Result<Vec<SpoolEntry>, SpoolError> {
        let mut entries = Vec::new();
        for dirs in self.sender_dirs()? {
            entries.extend(self.waiting(&dirs, None)?);
        }
        entries.sort_by_key(|e| (e.next_attempt_at(), e.delivery_id()));
        Ok(entries)
    }

    /// The waiting entries of one sender; with `now`, stale temporary files are removed.
    fn waiting(
        &self,
        dirs: &SenderDirs,
        now: Option<OffsetDateTime>,
    ) -> Result<Vec<SpoolEntry>, SpoolError> {
        let mut entries = Vec::new();
        for item in list(&dirs.spooler())? {
            if item.is_dir {
                continue; // `claimed`, or a directory that is not ours: left alone
            }
            if is_temp_file_name(&item.name) {
                if let Some(now) = now {
                    self.remove_stale_temp(&item.path, now)?;
                }
                continue;
            }
            if let Some(batch) = BatchName::parse(&item.name) {
                entries.extend(read_batch(&item.path, batch, dirs)?.unwrap_or_default());
                continue;
            }
            let Some(id) = parse_entry_file_name(&item.name) else {
                quarantine(
                    &item.path,
                    &dirs.quarantine(),
                    "the name is not <delivery id>.json or <batch id>.<count>.batch",
                )?;
                continue;
            };
            if let Some(entry) = read_record::<SpoolEntry>(&item.path, id, dirs, |e| e)? {
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    /// Puts back claims whose lease ran out, and at once those whose holder is
    /// known to be gone (a process of this host that no longer exists, see
    /// [`ClaimHolder`](super::ClaimHolder)); quarantines foreign files in `claimed/`.
    fn recover_claims(&self, dirs: &SenderDirs, now: OffsetDateTime) -> Result<(), SpoolError> {
        let mut gone: HashMap<ClaimantId, bool> = HashMap::new();
        let mut listing = list(&dirs.claimed())?;
        // Batches first: they are the durable copies of their messages'
        // claimed files, which were never synced.
        let mut recovered = false;
        for item in &listing {
            if let Some(name) = BatchClaimName::parse(&item.name)
                && let Some(why) = self.stale(&name.claimant, name.at(), now, &mut gone)
            {
                self.recover_batch(dirs, &item.path, &name, now, why)?;
                recovered = true;
            }
        }
        if recovered {
            listing = list(&dirs.claimed())?;
        }
        for item in listing {
            if item.is_dir || BatchClaimName::parse(&item.name).is_some() {
                continue;
            }
            if is_temp_file_name(&item.name) {
                self.remove_stale_temp(&item.path, now)?;
                continue;
            }
            let Some(name) = ClaimName::parse(&item.name) else {
                quarantine(
                    &item.path,
                    &dirs.quarantine(),
                    "the name is not <delivery id>.<time>.<claimant>.json",
                )?;
                continue;
            };
            if let Some(why) = self.stale(&name.claimant, name.at(), now, &mut gone) {
                self.take_over(dirs, &item.path, &name, now, why)?;
            }
        }
        Ok(())
    }

    /// Why a claim `claimant` made at `at` may be taken over at `now`, if it
    /// may: its lease ran out, or its holder is known to be gone (`gone`
    /// remembers each claimant's answer for the pass).
    fn stale(
        &self,
        claimant: &ClaimantId,
        at: OffsetDateTime,
        now: OffsetDateTime,
        gone: &mut HashMap<ClaimantId, bool>,
    ) -> Option<&'static str> {
        if add(at, self.lease) <= now {
            return Some("lease ran out");
        }
        let holder_gone = *gone.entry(claimant.clone()).or_insert_with(|| {
            claimant
                .holder()
                .is_some_and(|holder| holder.is_known_gone())
        });
        holder_gone.then_some("its holder's process is gone")
    }

    /// Puts a claimed (or half-released) message back to waiting, marked
    /// [taken over](SpoolEntry::was_taken_over) so that it is looked for in the
    /// mailbox before it is sent again.
    ///
    /// The file is first renamed to a `.releasing` name of this spool's, which
    /// exactly one of several racing drainers manages; the marked copy is then
    /// written and the renamed file removed. A crash in between leaves a
    /// `.releasing` file of a gone process, which the next drainer finishes.
    fn take_over(
        &self,
        dirs: &SenderDirs,
        path: &Path,
        name: &ClaimName,
        now: OffsetDateTime,
        why: &str,
    ) -> Result<(), SpoolError> {
        let id = name.id;
        let mine = ClaimName::new(id, now, &self.claimant, ClaimState::Releasing);
        let mine_path = dirs.claimed().join(mine.file_name());
        if !move_file(path, &mine_path)? {
            return Ok(()); // another drainer was first
        }
        // A release that got as far as writing the new file: it is done.
        if dirs.pending_file(id).exists() || dirs.dead_letter_file(id).exists() {
            remove(&mine_path)?;
            return Ok(());
        }
        let Some(entry) = read_record::<SpoolEntry>(&mine_path, id, dirs, |e| e)? else {
            return Ok(()); // quarantined
        };
        let entry = entry.taken_over();
        let bytes = encode(id, &entry)?;
        let due = Some(due_hint(&entry));
        match write_atomic(
            &dirs.spooler(),
            &entry_file_name(id),
            &bytes,
            Existing::Keep,
            due,
        ) {
            Ok(()) => {}
            Err(SpoolError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
        remove(&mine_path)?;
        tracing::info!(
            delivery_id = %id,
            claimant = %name.claimant,
            claimed_at = %name.at(),
            reason = why,
            "spool: took over a claim; the message is claimable again and is looked for before it is resent"
        );
        Ok(())
    }

    fn remove_stale_temps(&self, dir: &Path, now: OffsetDateTime) -> Result<(), SpoolError> {
        for item in list(dir)? {
            if !item.is_dir && is_temp_file_name(&item.name) {
                self.remove_stale_temp(&item.path, now)?;
            }
        }
        Ok(())
    }

    /// Removes a leftover temporary file last written `stale_temp_after` or more
    /// before `now` (a younger one may still be being written).
    fn remove_stale_temp(&self, path: &Path, now: OffsetDateTime) -> Result<(), SpoolError> {
        let Ok(modified) = std::fs::symlink_metadata(path).and_then(|m| m.modified()) else {
            return Ok(()); // gone already, or no time to judge by
        };
        // A file carrying a due time was last written when its inode changed.
        let modified = match hinted_due(modified) {
            Some(_) => match changed_at(path) {
                Some(changed) => changed,
                None => return Ok(()),
            },
            None => modified,
        };
        if add(OffsetDateTime::from(modified), self.stale_temp_after) <= now && remove(path)? {
            tracing::info!(file = %path.display(), "spool: removed a leftover temporary file");
        }
        Ok(())
    }
}

/// When the waiting batch at `path` is due (its last message), from its
/// modification time; a batch file without the spool's mark is read (and set
/// aside if bad) and gets it. `None` when it is gone or was set aside.
fn batch_due(
    path: &Path,
    batch: BatchName,
    dirs: &SenderDirs,
) -> Result<Option<OffsetDateTime>, SpoolError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(None); // claimed by another drainer since the listing
    };
    if let Some(due) = due_time(&meta) {
        return Ok(Some(due));
    }
    let Some(entries) = read_batch(path, batch, dirs)? else {
        return Ok(None);
    };
    let due = batch_due_hint(&entries);
    set_modified(path, due);
    Ok(Some(OffsetDateTime::from(due)))
}

/// The due time a waiting file's modification time carries, if the spool
/// wrote one (see `due_hint`).
fn due_time(meta: &std::fs::Metadata) -> Option<OffsetDateTime> {
    hinted_due(meta.modified().ok()?)
}

/// Writes `entry`'s due time into its waiting file's modification time (a
/// hint: a failure is only logged).
fn set_due_time(path: &Path, entry: &SpoolEntry) {
    set_modified(path, due_hint(entry));
}

/// Reads and checks a record file; `None` when it is gone or was quarantined.
pub(super) fn read_record<T: DeserializeOwned>(
    path: &Path,
    id: DeliveryId,
    dirs: &SenderDirs,
    entry_of: impl Fn(&T) -> &SpoolEntry,
) -> Result<Option<T>, SpoolError> {
    let Some(bytes) = read_if_exists(path)? else {
        return Ok(None);
    };
    let checked = decode::<T>(&bytes)
        .and_then(|record| check_place(entry_of(&record), id, dirs).map(|()| record));
    match checked {
        Ok(record) => Ok(Some(record)),
        Err(reason) => {
            quarantine(path, &dirs.quarantine(), &reason)?;
            Ok(None)
        }
    }
}
