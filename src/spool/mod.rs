//! Spool: keeping messages that could not be delivered yet, until they are.
//!
//! Skype for Business keeps offline messages in the sender's
//! `...\lync\<SipUserAddress>\History Spooler` directory and picks them up about
//! two minutes after they were sent. This module does the same, durably: a
//! caller hands a message over once ([`Spool::put`]) and it is eventually
//! delivered or reported as a dead letter, whatever crashes in between.
//!
//! This is the storage side only. The delivery pipeline
//! ([`Sender::drain`](crate::send::Sender::drain), or in one call
//! [`Sender::drain_due`](crate::send::Sender::drain_due) and
//! [`Sender::drain_until_empty`](crate::send::Sender::drain_until_empty)) drains it: it claims
//! due messages ([`Spool::claim_due`]), delivers each, and reports the outcome
//! ([`Spool::complete`], [`Spool::retry_later`] with a time from
//! [`RetrySchedule`], or [`Spool::dead_letter`]). Before delivering a message a
//! second time, the pipeline checks the recipient's mailbox for its
//! [`DeliveryId`](crate::compose::DeliveryId): that check, not the spool, is
//! what keeps a message that was sent just before a crash from arriving twice.
//!
//! - [`SpoolEntry`]: a message with its delivery state; [`DeadLetter`]: one given up.
//! - [`Spool`]: the storage interface; [`DirectorySpool`]: the embedded one;
//!   `PgSpool` (feature `postgres`, module `postgres`): one shared by several hosts.
//! - [`Claim`], [`ClaimantId`]: who is delivering a message, until when;
//!   [`ClaimHolder`]: the host and process a claim names, and whether it is gone.
//! - [`SpoolOverview`]: how much waits, is claimed and is dead.
//! - [`RetrySchedule`]: capped exponential back-off and a maximum age.
//!
//! # Life of a message
//!
//! 1. [`SpoolEntry::new`] at `now`: eligible after the pickup delay
//!    ([`DEFAULT_PICKUP_DELAY`], 120 s; [`SpoolEntry::pickup_delay`] changes it).
//!    [`Spool::put`] keeps it.
//! 2. [`Spool::claim_due`] at or after its next attempt time hands it to one drainer.
//! 3. The drainer reports: delivered ([`Spool::complete`]: gone); transient
//!    failure ([`Spool::retry_later`]: waiting again, attempts + 1, last error,
//!    next attempt time); permanent failure or too old ([`Spool::dead_letter`]).
//! 4. Dead letters are listed ([`Spool::dead_letters`]), inspected
//!    ([`Spool::find_dead_letter`]), put back ([`Spool::requeue`], due at once,
//!    attempts reset) or deleted ([`Spool::discard_dead_letter`]).
//!
//! The sender's [`SenderProfile`](crate::policy::SenderProfile) is not stored
//! with the message: the pipeline looks it up from its settings when it
//! delivers, so that policy changes made while a message waits apply to it.
//!
//! # On-disk layout of [`DirectorySpool`]
//!
//! ```text
//! <root>/
//!   kim@contoso.com/                      one directory per sender SIP address
//!     History Spooler/
//!       <delivery id>.json                a waiting message (its modification time: when it is due)
//!       <batch id>.<n>.batch              n waiting messages written by one put_all (due: the last one's)
//!       .<name>.tmp-<random>              a file being written (never read)
//!       claimed/
//!         <delivery id>.<ms>.<claimant>.json       claimed at <ms> (Unix milliseconds)
//!         <delivery id>.<ms>.<claimant>.releasing  being handed on (retry or dead letter)
//!         <batch id>.<n>.<ms>.<claimant>.batch     a batch claimed whole at <ms>
//!     Dead Letters/
//!       <delivery id>.json                a message given up, with the reason
//!     Quarantine/
//!       ...                               files that were not valid spool records
//!   Quarantine/                           foreign files found directly in <root>
//! ```
//!
//! The sender directory is the SIP address without `sip:`, as in Skype for
//! Business; see [`sender_dir_name`] for the escaping that keeps it inside the
//! root. The whole tree must be on one file system (messages move by rename),
//! one that supports hard links (used to write without replacing).
//!
//! # File format, version 1
//!
//! UTF-8 JSON, pretty-printed, one object per file; times are RFC 3339.
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "delivery_id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
//!   "spooled_at": "2026-03-02T09:15:00Z",
//!   "eligible_at": "2026-03-02T09:17:00Z",
//!   "next_attempt_at": "2026-03-02T09:19:00Z",
//!   "attempts": 1,
//!   "last_attempt_at": "2026-03-02T09:17:00Z",
//!   "last_error": "ErrorServerBusy",
//!   "message": { "delivery_id": "67e55044-...", "sender": {...}, "recipient": {...}, "lines": [...] }
//! }
//! ```
//!
//! | field | meaning |
//! |---|---|
//! | `format_version` | `1` ([`FORMAT_VERSION`]) |
//! | `delivery_id` | the message's [`DeliveryId`](crate::compose::DeliveryId); must equal `message.delivery_id` and the file name |
//! | `spooled_at` | when it was handed over (or requeued); the maximum age counts from here |
//! | `eligible_at` | `spooled_at` plus the pickup delay |
//! | `next_attempt_at` | not attempted before this time |
//! | `attempts` | failed attempts so far |
//! | `last_attempt_at`, `last_error` | the last failed attempt, or `null` |
//! | `taken_over` | optional, `true` once the message was taken over from a drainer that stopped while holding it (it may have been sent); absent means `false` |
//! | `message` | the [`OfflineIm`](crate::compose::OfflineIm) in its serde form |
//! | `dead_letter` | dead letters only: `{ "reason": ..., "at": ... }` |
//!
//! A batch file (written by [`Spool::put_all`], see [below](#batch-files))
//! holds up to 100 waiting messages of one sender, each exactly as in its own
//! file but on one line: `{"format_version":1,"entries":[` and one message
//! per line, separated by commas, then `]}`. The count in its name must
//! match. Batch files are new since 0.1.0, which sets them
//! aside as files it does not know (into `Quarantine/`, nothing is deleted),
//! so drain a spool dry before going back to one.
//!
//! Readers ignore fields they do not know, so version 1 can grow optional
//! fields; a change that old readers would misread gets a new version. A file
//! with another version is quarantined (not deleted) with a log line naming
//! the version.
//!
//! # Crash safety
//!
//! Every file is written as a temporary file, fsynced, renamed (or hard-linked)
//! into place, and its directory fsynced, so a file is either absent or
//! complete. Each step of a message's life is one rename or unlink, or, for
//! retry and dead-lettering, a rename that proves the claim is still held,
//! then an atomic write, then an unlink (a crash there leaves a `.releasing`
//! file that recovery resolves). Killed at any instant, the process loses no
//! message:
//!
//! - while writing: only a temporary file exists, which is never read and is
//!   removed once older than [`DirectorySpoolBuilder::stale_temp_after`]; the
//!   [`Spool::put`] call did not return `Ok`, so the caller still has the message;
//! - while sending, or after sending but before [`Spool::complete`]: the claimed
//!   file stays, and becomes claimable again at once when its holder was a
//!   process of the same host that no longer exists ([`ClaimHolder`]), else
//!   when its lease runs out ([`DirectorySpoolBuilder::lease`]). It comes back
//!   marked [taken over](SpoolEntry::was_taken_over), so the pipeline looks for
//!   the delivery id in the mailbox and completes without resending.
//!
//! [`Spool::put_all`] and the claims of one [`Spool::claim_due`] call batch their
//! syncs: `put_all` writes batch files (below), each synced through the handle
//! that wrote it and linked into place, several at once on worker threads,
//! then syncs each directory once; a claim renames all its files, then syncs
//! each directory once; no message is reported done before that. A waiting file's modification time
//! is set to the time the message is due (marked by its sub-millisecond digits),
//! so that a claim lists and `stat`s the spool instead of reading every file; it
//! is only a hint: a file without the mark (written by hand, copied) is read, and
//! every claimed file is read and checked before it is used. The per-file work
//! of a batch (syncs, renames, reads, removals) runs on several threads, as a
//! loaded file system takes a millisecond or more for each.
//!
//! # Batch files
//!
//! A sync costs about as much as writing a thousand small files, so
//! [`Spool::put_all`] puts the messages of one sender that are due within the
//! same second into one file, `<batch id>.<n>.batch` (up to 100 messages; a
//! group of one gets its own `<delivery id>.json`, as with [`Spool::put`]):
//! one sync for up to 100 messages. A batch is due when its last message is
//! (at most a second after its first), and is claimed whole by one rename
//! into `claimed/`. The claimed batch is the record of its messages' claims:
//! no file is written per message. The drainer keeps in memory which of them
//! are settled ([`Spool::complete`]: nothing to write; [`Spool::retry_later`]
//! and [`Spool::dead_letter`]: the message's own waiting or dead-letter file,
//! as for any claim) and removes the batch after the last. Claims from a
//! batch must be ended through the spool that made them, or a clone of it.
//!
//! A claim with room for fewer messages than a batch holds (a `limit` under
//! 100, and nothing else claimed yet) first splits the batch into one waiting
//! file per message (synced), then claims as usual. A batch that does not fit
//! beside the messages claimed before it waits for the next claim: a claim
//! returning fewer than `limit` does not mean nothing more is due (drain until
//! a claim returns nothing, as [`Sender::drain_all`](crate::send::Sender::drain_all) does).
//!
//! While a batch is claimed, its messages count as claimed in
//! [`Spool::overview`] (all of them, as seen from another drainer, until the
//! holder removes the batch), and [`Spool::put`] of one of them says
//! [`SpoolError::AlreadySpooled`].
//!
//! When the holder of a claimed batch stops (its process gone, or its lease
//! run out), the next drainer renames the batch to itself and writes back,
//! marked [taken over](SpoolEntry::was_taken_over), every message of it that
//! is not waiting, dead or claimed on its own: those the holder had delivered
//! are then found in the mailbox and completed without a second send, those
//! it had not are sent. A drainer killed mid-batch thus costs up to 100
//! mailbox look-ups per batch it held, never a lost or doubled message.
//!
//! # Concurrent drainers
//!
//! Any number of drainers (threads or processes, each with its own
//! [`ClaimantId`]) may share one root. A claim is the rename of
//! `<id>.json` into `claimed/`: the file system lets exactly one rename of a
//! name succeed, so no message is claimed twice while its lease holds. Ending a
//! claim renames or removes the claimed file, which fails with
//! [`SpoolError::ClaimLost`] when the lease had run out and another drainer took
//! the message over. Recovery of an expired claim (or of one whose holder is
//! gone) first renames it to a `.releasing` name of the recovering drainer,
//! which one drainer alone manages, then writes it back as `<id>.json` marked
//! taken over; it is safe because the pipeline re-checks the delivery id before
//! resending. The lease must exceed the longest delivery attempt.
//!
//! Claimant ids made by [`ClaimantId::generate`] name the host and process; a
//! drainer that finds a claim of its own host whose process no longer exists
//! (read from Linux's `/proc`) recovers it at once. That is right when the
//! machines sharing a spool have different host names, and the drainers of one
//! host see one another's processes (one process-id namespace). Elsewhere, and
//! for claimant ids chosen by the caller, the lease alone decides.
//!
//! # Bad files
//!
//! A file that is empty, truncated, not JSON, of another format version, not
//! named like a spool file, or in the wrong sender's directory is moved to
//! `Quarantine/` with a `tracing` warning naming the file and the reason; the
//! drainer goes on. Nothing is deleted but the spool's own temporary files.
//! The root directory belongs to the spool: keep nothing else in it.
//!
//! # Other backends
//!
//! A service that outgrows one machine keeps its queue in a durable system it
//! already runs, by implementing [`Spool`] over it (no home-made distributed
//! queue).
//!
//! **PostgreSQL**: built in, as `PgSpool` (feature `postgres`); the docs of
//! module `spool::postgres` describe its table and statements.
//!
//! **Kafka**: a topic keyed by sender SIP address (so one sender's messages
//! stay in order on one partition), the consumer group's partition assignment
//! standing in for claims and the committed offset for `complete`;
//! `retry_later` produces the updated entry to a retry topic (or the same topic)
//! whose consumer waits until `next_attempt_at`, `dead_letter` produces to a
//! dead-letter topic, and `requeue` re-produces from it. Leases are the
//! consumer session timeout.

mod async_impl;
mod batch;
mod batch_claim;
mod batch_file;
mod claim;
mod dead;
mod directory;
mod entry;
mod error;
mod fsio;
mod holder;
mod layout;
mod overview;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
mod quarantine;
mod scan;
mod schedule;
mod traits;

pub use claim::{Claim, ClaimantId, MAX_CLAIMANT_CHARS};
pub use directory::{
    DEFAULT_LEASE, DEFAULT_STALE_TEMP_AFTER, DirectorySpool, DirectorySpoolBuilder,
};
pub use entry::{DEFAULT_PICKUP_DELAY, DeadLetter, FORMAT_VERSION, MAX_ERROR_CHARS, SpoolEntry};
pub use error::SpoolError;
pub use holder::ClaimHolder;
pub use layout::{CLAIMED, DEAD_LETTERS, HISTORY_SPOOLER, QUARANTINE, sender_dir_name};
pub use overview::SpoolOverview;
pub use schedule::RetrySchedule;
pub use traits::Spool;

#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{PgSpool, PgSpoolBuilder};
