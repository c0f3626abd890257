//! The embedded spool: one directory per sender, one file per message.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

use super::batch_claim::HeldBatches;
use super::batch_file::batch_ids_of;
use super::entry::add;
use super::fsio::{Existing, create_dir, list, move_file, remove, write_atomic};
use super::layout::{ClaimName, ClaimState, QUARANTINE, SenderDirs, entry_file_name};
use super::quarantine::quarantine;
use super::{Claim, ClaimantId, DeadLetter, SpoolEntry, SpoolError};
use crate::address::SipUri;
use crate::compose::DeliveryId;

/// How long a claim holds by default before another drainer may take the
/// message over: 10 minutes.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(600);

/// How old a leftover temporary file must be before it is removed by default: 1 hour.
pub const DEFAULT_STALE_TEMP_AFTER: Duration = Duration::from_secs(3600);

/// A [`Spool`](super::Spool) in a directory tree, laid out like Skype for
/// Business's History Spooler (see the [module docs](super) for the layout, the
/// file format and the crash-safety argument).
///
/// The `blocking_*` methods do the work with `std::fs`. The [`Spool`](super::Spool)
/// implementation runs them on a clone: on a multi-threaded tokio runtime on
/// its blocking threads (`spawn_blocking`), so that file syncs, which take
/// milliseconds on a loaded disk, never stall the worker threads that carry
/// the network's traffic, and a claim made ahead really overlaps the delivery
/// in flight; elsewhere (no runtime, or a current-thread one) in place when
/// first polled. Once started, the work runs to its end even if the future
/// is dropped. Cloning is cheap; clones share the claimant id, so give each
/// concurrent drainer its own with [`DirectorySpoolBuilder::claimant`].
///
/// Messages spooled by [`put_all`](super::Spool::put_all) are kept in batch
/// files and claimed a batch at a time (see the [module docs](super#batch-files));
/// end such claims through the spool that made them or a clone of it, which
/// keep the record of what is settled (through another instance they come
/// back as [`SpoolError::ClaimLost`], and the batch is recovered when its
/// lease runs out).
///
/// ```
/// use std::time::Duration;
/// use offline_im::compose::{ImLine, OfflineIm, Participant};
/// use offline_im::spool::{DirectorySpool, SpoolEntry};
/// use time::macros::datetime;
///
/// # let dir = tempfile::tempdir()?;
/// let spool = DirectorySpool::builder(dir.path())
///     .lease(Duration::from_secs(300))
///     .open()?;
///
/// let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim");
/// let pat = Participant::new("sip:pat@contoso.com".parse()?, "pat@contoso.com".parse()?, "Pat");
/// let im = OfflineIm::builder()
///     .sender(kim.clone())
///     .recipient(pat)
///     .line(ImLine::new(kim.sip().clone(), datetime!(2026-03-02 09:15 UTC), "Lunch?"))
///     .build()?;
/// let spooled_at = datetime!(2026-03-02 09:15 UTC);
/// spool.blocking_put(SpoolEntry::new(im, spooled_at))?;
/// assert!(spool.sender_dir(kim.sip()).join("History Spooler").is_dir());
///
/// // Not yet: the pickup delay is two minutes.
/// assert!(spool.blocking_claim_due(datetime!(2026-03-02 09:16 UTC), 10)?.is_empty());
/// let claims = spool.blocking_claim_due(datetime!(2026-03-02 09:17 UTC), 10)?;
/// assert_eq!(claims.len(), 1);
/// spool.blocking_complete(claims.into_iter().next().unwrap())?; // delivered
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct DirectorySpool {
    pub(super) root: PathBuf,
    pub(super) claimant: ClaimantId,
    pub(super) lease: Duration,
    pub(super) stale_temp_after: Duration,
    /// Shared by clones: they claim under the same id.
    pub(super) held: Arc<Mutex<HeldBatches>>,
}

/// Opens a [`DirectorySpool`]; every setting has a default.
#[must_use]
#[derive(Debug, Clone)]
pub struct DirectorySpoolBuilder {
    root: PathBuf,
    claimant: Option<ClaimantId>,
    lease: Duration,
    stale_temp_after: Duration,
}

impl DirectorySpoolBuilder {
    /// Sets the name this spool claims messages under. Default:
    /// [`ClaimantId::generate`], unique per process and call.
    pub fn claimant(mut self, claimant: ClaimantId) -> Self {
        self.claimant = Some(claimant);
        self
    }

    /// Sets how long a claim holds before another drainer may take the message
    /// over. It must be longer than the longest delivery attempt. Default:
    /// [`DEFAULT_LEASE`] (10 minutes).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets how old a leftover temporary file (from a crash mid-write) must be
    /// before a drainer removes it. Default: [`DEFAULT_STALE_TEMP_AFTER`] (1 hour).
    pub fn stale_temp_after(mut self, age: Duration) -> Self {
        self.stale_temp_after = age;
        self
    }

    /// Creates the root directory if needed and opens the spool.
    ///
    /// # Errors
    /// [`SpoolError::Config`] for a zero lease, [`SpoolError::Io`] when the root
    /// cannot be created.
    pub fn open(self) -> Result<DirectorySpool, SpoolError> {
        if self.lease.is_zero() {
            return Err(SpoolError::Config {
                field: "lease",
                value: format!("{:?}", self.lease),
                rule: "must be longer than zero (and than the longest delivery attempt)",
            });
        }
        create_dir(&self.root)?;
        Ok(DirectorySpool {
            root: self.root,
            claimant: self.claimant.unwrap_or_else(ClaimantId::generate),
            lease: self.lease,
            stale_temp_after: self.stale_temp_after,
            held: Arc::default(),
        })
    }
}

impl DirectorySpool {
    /// A builder for a spool in `root`.
    pub fn builder(root: impl Into<PathBuf>) -> DirectorySpoolBuilder {
        DirectorySpoolBuilder {
            root: root.into(),
            claimant: None,
            lease: DEFAULT_LEASE,
            stale_temp_after: DEFAULT_STALE_TEMP_AFTER,
        }
    }

    /// Opens a spool in `root` with every default.
    ///
    /// # Errors
    /// [`SpoolError::Io`] when the root cannot be created.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, SpoolError> {
        Self::builder(root).open()
    }

    /// The root directory.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The name this spool claims messages under.
    #[must_use]
    pub fn claimant(&self) -> &ClaimantId {
        &self.claimant
    }

    /// How long a claim holds.
    #[must_use]
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The directory of `sender`'s messages, `<root>/<sender SIP address>`; see
    /// [`sender_dir_name`](super::sender_dir_name).
    #[must_use]
    pub fn sender_dir(&self, sender: &SipUri) -> PathBuf {
        SenderDirs::new(&self.root, sender).dir
    }

    /// [`Spool::put`](super::Spool::put), blocking.
    ///
    /// # Errors
    /// As [`Spool::put`](super::Spool::put).
    pub fn blocking_put(&self, entry: SpoolEntry) -> Result<(), SpoolError> {
        let dirs = SenderDirs::new(&self.root, entry.sender());
        let id = entry.delivery_id();
        if let Some(path) = existing_copy(&dirs, id)? {
            return Err(SpoolError::AlreadySpooled { id, path });
        }
        create_dir(&dirs.claimed())?;
        let bytes = encode(id, &entry)?;
        already_spooled(
            id,
            write_atomic(
                &dirs.spooler(),
                &entry_file_name(id),
                &bytes,
                Existing::Keep,
                Some(due_hint(&entry)),
            ),
        )
    }

    /// [`Spool::complete`](super::Spool::complete), blocking.
    ///
    /// # Errors
    /// As [`Spool::complete`](super::Spool::complete).
    pub fn blocking_complete(&self, claim: Claim) -> Result<(), SpoolError> {
        if let Some(batch) = self.held_batch(&claim) {
            return self.complete_held(&claim, &batch, batch.exists());
        }
        let (dirs, name) = self.claim_name(&claim);
        let path = dirs.claimed().join(name.file_name());
        if remove(&path)? {
            Ok(())
        } else {
            Err(SpoolError::ClaimLost {
                id: claim.delivery_id(),
                path,
            })
        }
    }

    /// [`Spool::retry_later`](super::Spool::retry_later), blocking.
    ///
    /// # Errors
    /// As [`Spool::retry_later`](super::Spool::retry_later).
    pub fn blocking_retry_later(
        &self,
        claim: Claim,
        now: OffsetDateTime,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> Result<(), SpoolError> {
        let (dirs, _) = self.claim_name(&claim);
        let id = claim.delivery_id();
        let entry = claim.entry().clone().failed(now, next_attempt_at, error);
        let bytes = encode(id, &entry)?;
        let due = Some(due_hint(&entry));
        self.release(&claim, now, &dirs.spooler(), &bytes, due)
    }

    /// [`Spool::dead_letter`](super::Spool::dead_letter), blocking.
    ///
    /// # Errors
    /// As [`Spool::dead_letter`](super::Spool::dead_letter).
    pub fn blocking_dead_letter(
        &self,
        claim: Claim,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), SpoolError> {
        let (dirs, _) = self.claim_name(&claim);
        let id = claim.delivery_id();
        let letter = DeadLetter::new(claim.entry().clone(), reason, now);
        let bytes = encode(id, &letter)?;
        self.release(&claim, now, &dirs.dead_letters(), &bytes, None)?;
        tracing::info!(delivery_id = %id, reason = letter.reason(), "spool: message moved to dead letters");
        Ok(())
    }

    /// Hands a claimed message on to `dest_dir` with new contents.
    ///
    /// First the claimed file is renamed to a `.releasing` name stamped `now`:
    /// that rename succeeds only while the claim is still ours, and the fresh
    /// stamp keeps stale-claim recovery away while the new file is written.
    /// Then the new file is written atomically, then the old one removed. A
    /// crash in between leaves a `.releasing` file that recovery puts back (if
    /// the new file is missing) or removes (if it is there).
    fn release(
        &self,
        claim: &Claim,
        now: OffsetDateTime,
        dest_dir: &Path,
        bytes: &[u8],
        due: Option<SystemTime>,
    ) -> Result<(), SpoolError> {
        if let Some(batch) = self.held_batch(claim) {
            return self.release_held(claim, &batch, dest_dir, bytes, due);
        }
        let (dirs, held) = self.claim_name(claim);
        let id = claim.delivery_id();
        let held_path = dirs.claimed().join(held.file_name());
        let releasing = ClaimName::new(id, now, claim.claimant(), ClaimState::Releasing);
        let releasing_path = dirs.claimed().join(releasing.file_name());
        if !move_file(&held_path, &releasing_path)? {
            return Err(SpoolError::ClaimLost {
                id,
                path: held_path,
            });
        }
        create_dir(dest_dir)?;
        write_atomic(
            dest_dir,
            &entry_file_name(id),
            bytes,
            Existing::Replace,
            due,
        )?;
        remove(&releasing_path)?;
        Ok(())
    }

    /// The sender directories and the claimed file's name of `claim`.
    pub(super) fn claim_name(&self, claim: &Claim) -> (SenderDirs, ClaimName) {
        let dirs = SenderDirs::new(&self.root, claim.entry().sender());
        let name = ClaimName::new(
            claim.delivery_id(),
            claim.claimed_at(),
            claim.claimant(),
            ClaimState::Held,
        );
        (dirs, name)
    }

    /// A claim on `entry` made by this spool at `name.at()`.
    pub(super) fn new_claim(&self, entry: SpoolEntry, name: &ClaimName) -> Claim {
        let at = name.at();
        Claim::new(entry, self.claimant.clone(), at, add(at, self.lease))
    }

    /// The sender directories under the root. Files lying directly in the root
    /// are not the spool's: they are set aside into `<root>/Quarantine/`.
    pub(super) fn sender_dirs(&self) -> Result<Vec<SenderDirs>, SpoolError> {
        let mut dirs = Vec::new();
        for item in list(&self.root)? {
            if item.name == QUARANTINE {
                continue;
            }
            if item.is_dir {
                dirs.push(SenderDirs { dir: item.path });
            } else {
                quarantine(
                    &item.path,
                    &self.root.join(QUARANTINE),
                    "a file directly in the spool root, outside any sender directory",
                )?;
            }
        }
        Ok(dirs)
    }
}

/// A write that never replaces (`Existing::Keep`) of delivery `id`'s file
/// found one there: [`SpoolError::AlreadySpooled`] naming it.
pub(super) fn already_spooled(
    id: DeliveryId,
    written: Result<(), SpoolError>,
) -> Result<(), SpoolError> {
    match written {
        Err(SpoolError::Io { path, source, .. })
            if source.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            Err(SpoolError::AlreadySpooled { id, path })
        }
        other => other,
    }
}

/// Where a copy of delivery `id` already is: waiting, claimed or dead.
fn existing_copy(dirs: &SenderDirs, id: DeliveryId) -> Result<Option<PathBuf>, SpoolError> {
    let pending = dirs.pending_file(id);
    if pending.exists() {
        return Ok(Some(pending));
    }
    let dead = dirs.dead_letter_file(id);
    if dead.exists() {
        return Ok(Some(dead));
    }
    if let Some((_, batch)) = batch_ids_of(dirs)?.into_iter().find(|(i, _)| *i == id) {
        return Ok(Some(batch));
    }
    let prefix = format!("{id}.");
    Ok(list(&dirs.claimed())?
        .into_iter()
        .find(|item| item.name.starts_with(&prefix))
        .map(|item| item.path))
}

/// The modification time a waiting message's file gets: when it is due.
///
/// The time is moved to the millisecond before it and marked with
/// [`HINT_MARK`] nanoseconds, so that a scan can tell it from the modification time of a file
/// written some other way (by hand, by a copy), which it does not trust.
pub(super) fn due_hint(entry: &SpoolEntry) -> SystemTime {
    let due = entry.eligible_at().max(entry.next_attempt_at());
    let ms = super::layout::unix_ms(due);
    // Within the millisecond before the due time, never after it.
    let nanos = (i128::from(ms) - 1) * 1_000_000 + i128::from(HINT_MARK);
    SystemTime::from(OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(due))
}

/// The sub-millisecond nanoseconds that mark a modification time as a due time
/// the spool wrote.
pub(super) const HINT_MARK: u32 = 271_828;

/// The due time carried by a modification time, if the spool wrote it.
pub(super) fn hinted_due(modified: SystemTime) -> Option<OffsetDateTime> {
    let at = OffsetDateTime::from(modified);
    (at.nanosecond() % 1_000_000 == HINT_MARK).then_some(at)
}

/// A record as the spool writes it: pretty JSON and a final newline.
pub(super) fn encode(
    id: DeliveryId,
    record: &impl serde::Serialize,
) -> Result<Vec<u8>, SpoolError> {
    let mut bytes =
        serde_json::to_vec_pretty(record).map_err(|source| SpoolError::Encode { id, source })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The delivery id and sender directory name a decoded record must have.
pub(super) fn check_place(
    entry: &SpoolEntry,
    file_id: DeliveryId,
    dirs: &SenderDirs,
) -> Result<(), String> {
    if entry.delivery_id() != file_id {
        return Err(format!(
            "the file is named for delivery {file_id} but holds delivery {}",
            entry.delivery_id()
        ));
    }
    let expected = super::sender_dir_name(entry.sender());
    if dirs.dir.file_name().is_none_or(|n| n != expected.as_str()) {
        return Err(format!(
            "the message's sender {} belongs in directory {expected:?}",
            entry.sender()
        ));
    }
    Ok(())
}
