//! Claiming the messages of a batch file by one rename, and putting back the
//! messages of a claimed batch whose holder stopped.
//!
//! A claimed batch file stays in `claimed/` as the record of its messages'
//! claims while they are delivered; the drainer that holds it keeps in memory
//! which are settled (completed, retried or dead-lettered: the last two write
//! the message's new file as usual) and removes the batch once all are. A
//! batch claim thus costs one rename and one read for up to 100 messages, and
//! no file per message. If the drainer stops first (its process gone, or its
//! lease run out), recovery writes back every message of the batch that is
//! neither waiting, dead nor claimed on its own, marked taken over: those it
//! had delivered are then found in the mailbox and completed without a second
//! send.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;
use std::time::SystemTime;

use time::OffsetDateTime;

use super::batch_file::read_batch;
use super::directory::{due_hint, encode};
use super::fsio::{
    Existing, SYNC_THREADS, create_dir, in_parallel, link_new_synced, list, remove, sync_dir,
    write_atomic,
};
use super::layout::{
    BatchClaimName, BatchName, ClaimName, ClaimState, SenderDirs, entry_file_name,
};
use super::{Claim, DirectorySpool, SpoolEntry, SpoolError};
use crate::compose::DeliveryId;

/// The batch files this spool holds in `claimed/`, and which of their
/// messages are not settled yet.
#[derive(Debug, Default)]
pub(crate) struct HeldBatches {
    /// Each claimed message's batch, and when the batch was claimed (a later
    /// claim of the same message on its own is not from the batch).
    batch_of: HashMap<DeliveryId, (PathBuf, OffsetDateTime)>,
    unsettled: HashMap<PathBuf, usize>,
}

impl DirectorySpool {
    /// Hands out the due messages of the batch just claimed (renamed to
    /// `claimed_path`, its directories synced). A message not due after all is
    /// written back on its own; a batch that is not a valid one is set aside.
    pub(super) fn claim_batch(
        &self,
        dirs: &SenderDirs,
        batch: BatchName,
        claimed_path: &Path,
        now: OffsetDateTime,
    ) -> Result<Vec<Claim>, SpoolError> {
        let Some(entries) = read_batch(claimed_path, batch, dirs)? else {
            return Ok(Vec::new());
        };
        let (due, not_due): (Vec<SpoolEntry>, Vec<SpoolEntry>) =
            entries.into_iter().partition(|e| e.is_due(now));
        put_back(dirs, &not_due)?;
        let claims: Vec<Claim> = due
            .into_iter()
            .map(|entry| {
                let name =
                    ClaimName::new(entry.delivery_id(), now, &self.claimant, ClaimState::Held);
                self.new_claim(entry, &name)
            })
            .collect();
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        for claim in &claims {
            held.batch_of.insert(
                claim.delivery_id(),
                (claimed_path.to_path_buf(), claim.claimed_at()),
            );
        }
        if claims.is_empty() {
            drop(held);
            remove(claimed_path)?;
        } else {
            held.unsettled
                .insert(claimed_path.to_path_buf(), claims.len());
        }
        Ok(claims)
    }

    /// The claimed batch `claim` came from, when this spool (or a clone)
    /// handed it out of one and it is not settled yet. A later claim of the
    /// same message on its own (after the batch was taken over, possibly by
    /// this very spool) is not from the batch: the claim times differ.
    pub(super) fn held_batch(&self, claim: &Claim) -> Option<PathBuf> {
        if claim.claimant() != &self.claimant {
            return None;
        }
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let (path, claimed_at) = held.batch_of.get(&claim.delivery_id())?;
        (*claimed_at == claim.claimed_at()).then(|| path.clone())
    }

    /// How many messages of the claimed batch at `path` are not settled yet,
    /// when this spool (or a clone) holds it.
    pub(super) fn held_unsettled(&self, path: &Path) -> Option<usize> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.unsettled.get(path).copied()
    }

    /// [`Spool::complete`](super::Spool::complete) of a message of the held
    /// batch at `batch`: [`SpoolError::ClaimLost`] when the batch was taken
    /// over meanwhile (`held` says whether the batch file is still there).
    pub(super) fn complete_held(
        &self,
        claim: &Claim,
        batch: &Path,
        held: bool,
    ) -> Result<(), SpoolError> {
        self.settled(claim);
        if held {
            Ok(())
        } else {
            Err(SpoolError::ClaimLost {
                id: claim.delivery_id(),
                path: batch.to_path_buf(),
            })
        }
    }

    /// Retry or dead letter of a message of the held batch at `batch`: its new
    /// file written to `dest_dir` (never replacing one: a copy there means
    /// the batch was taken over, [`SpoolError::ClaimLost`]).
    pub(super) fn release_held(
        &self,
        claim: &Claim,
        batch: &Path,
        dest_dir: &Path,
        bytes: &[u8],
        due: Option<SystemTime>,
    ) -> Result<(), SpoolError> {
        let id = claim.delivery_id();
        let lost = || SpoolError::ClaimLost {
            id,
            path: batch.to_path_buf(),
        };
        if !batch.exists() {
            self.settled(claim);
            return Err(lost());
        }
        create_dir(dest_dir)?;
        match write_atomic(dest_dir, &entry_file_name(id), bytes, Existing::Keep, due) {
            Ok(()) => {
                self.settled(claim);
                Ok(())
            }
            Err(SpoolError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                self.settled(claim);
                Err(lost())
            }
            Err(error) => Err(error),
        }
    }

    /// The claim on a message of a held batch ended (completed, retried,
    /// dead-lettered, or lost): the batch file goes once all are settled.
    pub(super) fn settled(&self, claim: &Claim) {
        if claim.claimant() != &self.claimant {
            return;
        }
        let done = {
            let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            let Some((path, _)) = held.batch_of.remove(&claim.delivery_id()) else {
                return;
            };
            let left = held.unsettled.get_mut(&path).map(|n| {
                *n = n.saturating_sub(1);
                *n
            });
            if left.is_some_and(|n| n > 0) {
                return;
            }
            held.unsettled.remove(&path);
            path
        };
        // Not synced: should the removal be lost in a crash, recovery finds
        // every message settled (delivered ones in the mailbox).
        if let Err(error) = std::fs::remove_file(&done)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %done.display(), %error, "spool: could not remove a settled batch");
        }
    }

    /// Splits the waiting batch `batch` into one waiting file per message (for
    /// a claim with less room than the batch holds). The batch is first
    /// claimed (renamed into `claimed/`), so that a drainer stopped half-way
    /// leaves it to recovery.
    pub(super) fn split_batch(
        &self,
        dirs: &SenderDirs,
        batch: BatchName,
        now: OffsetDateTime,
    ) -> Result<(), SpoolError> {
        let held = BatchClaimName::new(batch, now, &self.claimant);
        let held_path = dirs.claimed().join(held.file_name());
        match std::fs::rename(dirs.spooler().join(batch.file_name()), &held_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(SpoolError::io("move", &held_path, e)),
        }
        if let Some(entries) = read_batch(&held_path, batch, dirs)? {
            put_back(dirs, &entries)?;
        }
        remove(&held_path)?;
        Ok(())
    }

    /// Puts back the messages of a claimed batch whose holder stopped (see
    /// the module docs), then removes the batch. The batch is first renamed to
    /// a name of this spool's, which one of several racing drainers alone
    /// manages; a crash half-way leaves that to the next recovery.
    pub(super) fn recover_batch(
        &self,
        dirs: &SenderDirs,
        path: &Path,
        name: &BatchClaimName,
        now: OffsetDateTime,
        why: &str,
    ) -> Result<(), SpoolError> {
        let mine = BatchClaimName::new(name.batch, now, &self.claimant);
        let mine_path = dirs.claimed().join(mine.file_name());
        match std::fs::rename(path, &mine_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(SpoolError::io("move", path, e)),
        }
        let Some(entries) = read_batch(&mine_path, name.batch, dirs)? else {
            return Ok(());
        };
        // Messages claimed on their own (put back and claimed again) are
        // someone else's now.
        let claimed_alone: HashSet<DeliveryId> = list(&dirs.claimed())?
            .iter()
            .filter_map(|item| ClaimName::parse(&item.name))
            .map(|claim| claim.id)
            .collect();
        let back: Vec<SpoolEntry> = entries
            .into_iter()
            .filter(|e| {
                let id = e.delivery_id();
                !claimed_alone.contains(&id)
                    && !dirs.pending_file(id).exists()
                    && !dirs.dead_letter_file(id).exists()
            })
            .map(SpoolEntry::taken_over)
            .collect();
        put_back(dirs, &back)?;
        remove(&mine_path)?;
        tracing::info!(
            batch = %name.batch.id,
            claimant = %name.claimant,
            claimed_at = %name.at(),
            put_back = back.len(),
            reason = why,
            "spool: took over a claimed batch; its unsettled messages are claimable again and are looked for before they are resent"
        );
        Ok(())
    }
}

/// Writes `entries` back as waiting messages, one file each (synced, never
/// replacing a file that is there), then syncs the directory once.
fn put_back(dirs: &SenderDirs, entries: &[SpoolEntry]) -> Result<(), SpoolError> {
    if entries.is_empty() {
        return Ok(());
    }
    let spooler = dirs.spooler();
    let written = in_parallel(
        entries,
        SYNC_THREADS,
        |entry| {
            let id = entry.delivery_id();
            let bytes = encode(id, entry)?;
            match link_new_synced(
                &spooler,
                &entry_file_name(id),
                &bytes,
                Some(due_hint(entry)),
            ) {
                Err(SpoolError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    Ok(())
                }
                other => other,
            }
        },
        |_| {
            Err(SpoolError::io(
                "write",
                &spooler,
                std::io::Error::other("the writing thread panicked"),
            ))
        },
    );
    for outcome in written {
        outcome?;
    }
    sync_dir(&spooler)
}
