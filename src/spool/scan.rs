//! Finding due messages and claiming them; recovering stale claims; tidying up.

use std::path::Path;

use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::directory::check_place;
use super::entry::add;
use super::fsio::{create_dir, list, move_file, read_if_exists, remove};
use super::layout::{ClaimName, ClaimState, SenderDirs, is_temp_file_name, parse_entry_file_name};
use super::quarantine::{decode, quarantine};
use super::{Claim, DirectorySpool, SpoolEntry, SpoolError};
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

    /// Puts back claims whose lease ran out; quarantines foreign files in `claimed/`.
    fn recover_claims(&self, dirs: &SenderDirs, now: OffsetDateTime) -> Result<(), SpoolError> {
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
            if add(name.at(), self.lease) > now {
                continue;
            }
            let pending = dirs.pending_file(name.id);
            let done = name.state == ClaimState::Releasing
                && (pending.exists() || dirs.dead_letter_file(name.id).exists());
            if done {
                remove(&item.path)?;
            } else if move_file(&item.path, &pending)? {
                tracing::info!(
                    delivery_id = %name.id,
                    claimant = %name.claimant,
                    claimed_at = %name.at(),
                    "spool: lease ran out, message is claimable again"
                );
            }
        }
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
