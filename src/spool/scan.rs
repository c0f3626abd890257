//! Finding due messages and claiming them; recovering stale claims; tidying up.

use std::collections::HashMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::directory::{check_place, encode};
use super::entry::add;
use super::fsio::{Existing, create_dir, list, move_file, read_if_exists, remove, write_atomic};
use super::layout::{
    ClaimName, ClaimState, SenderDirs, entry_file_name, is_temp_file_name, parse_entry_file_name,
};
use super::quarantine::{decode, quarantine};
use super::{Claim, ClaimantId, DirectorySpool, SpoolEntry, SpoolError};
use crate::compose::DeliveryId;

/// A waiting message found due by the scan.
struct Candidate {
    next_attempt_at: OffsetDateTime,
    id: DeliveryId,
    dirs: SenderDirs,
}

impl DirectorySpool {
    /// [`Spool::claim_due`](super::Spool::claim_due), blocking.
    ///
    /// One pass over the spool: stale claims are put back, leftover temporary
    /// files older than [`stale_temp_after`](super::DirectorySpoolBuilder::stale_temp_after)
    /// removed, bad files quarantined, then up to `limit` due messages claimed,
    /// the earliest next attempt first. Each claim is an atomic rename, so of
    /// several drainers racing for one message exactly one gets it.
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
            for entry in self.waiting(&dirs, Some(now))? {
                if entry.is_due(now) {
                    candidates.push(Candidate {
                        next_attempt_at: entry.next_attempt_at(),
                        id: entry.delivery_id(),
                        dirs: dirs.clone(),
                    });
                }
            }
        }
        candidates.sort_by_key(|c| (c.next_attempt_at, c.id));
        let mut claims = Vec::new();
        for candidate in candidates {
            if claims.len() >= limit {
                break;
            }
            if let Some(claim) = self.try_claim(&candidate, now)? {
                claims.push(claim);
            }
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
            let Some(id) = parse_entry_file_name(&item.name) else {
                quarantine(
                    &item.path,
                    &dirs.quarantine(),
                    "the name is not <delivery id>.json",
                )?;
                continue;
            };
            if let Some(entry) = read_record::<SpoolEntry>(&item.path, id, dirs, |e| e)? {
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    /// Claims one candidate: rename into `claimed/`, then read what was claimed.
    fn try_claim(
        &self,
        candidate: &Candidate,
        now: OffsetDateTime,
    ) -> Result<Option<Claim>, SpoolError> {
        let dirs = &candidate.dirs;
        let pending = dirs.pending_file(candidate.id);
        let name = ClaimName::new(candidate.id, now, &self.claimant, ClaimState::Held);
        create_dir(&dirs.claimed())?;
        let claimed = dirs.claimed().join(name.file_name());
        if !move_file(&pending, &claimed)? {
            return Ok(None); // another drainer was first
        }
        // The file renamed is the one to trust: it may have been rewritten
        // (retried by another drainer) since the scan read it.
        let Some(entry) = read_record::<SpoolEntry>(&claimed, candidate.id, dirs, |e| e)? else {
            return Ok(None);
        };
        if !entry.is_due(now) {
            move_file(&claimed, &pending)?;
            return Ok(None);
        }
        Ok(Some(self.new_claim(entry, &name)))
    }

    /// Puts back claims whose lease ran out, and at once those whose holder is
    /// known to be gone (a process of this host that no longer exists, see
    /// [`ClaimHolder`](super::ClaimHolder)); quarantines foreign files in `claimed/`.
    fn recover_claims(&self, dirs: &SenderDirs, now: OffsetDateTime) -> Result<(), SpoolError> {
        let mut gone: HashMap<ClaimantId, bool> = HashMap::new();
        for item in list(&dirs.claimed())? {
            if item.is_dir {
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
            let expired = add(name.at(), self.lease) <= now;
            let holder_gone = !expired
                && *gone.entry(name.claimant.clone()).or_insert_with(|| {
                    name.claimant
                        .holder()
                        .is_some_and(|holder| holder.is_known_gone())
                });
            if expired || holder_gone {
                let why = if expired {
                    "lease ran out"
                } else {
                    "its holder's process is gone"
                };
                self.take_over(dirs, &item.path, &name, now, why)?;
            }
        }
        Ok(())
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
        let bytes = encode(id, &entry.taken_over())?;
        match write_atomic(
            &dirs.spooler(),
            &entry_file_name(id),
            &bytes,
            Existing::Keep,
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
        if add(OffsetDateTime::from(modified), self.stale_temp_after) <= now && remove(path)? {
            tracing::info!(file = %path.display(), "spool: removed a leftover temporary file");
        }
        Ok(())
    }
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
