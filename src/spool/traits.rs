//! The storage interface the delivery pipeline drains.

use std::future::Future;

use time::OffsetDateTime;

use super::{Claim, DeadLetter, SpoolEntry, SpoolError, SpoolOverview};
use crate::compose::DeliveryId;

/// Durable storage for messages that are not delivered yet.
///
/// A message is handed over once with [`put`](Self::put) and then stays until
/// it is delivered ([`complete`](Self::complete)) or given up
/// ([`dead_letter`](Self::dead_letter)). Drainers take due messages with
/// [`claim_due`](Self::claim_due); a message is claimed by one drainer at a time,
/// and a claim whose holder died becomes claimable again when its lease runs out.
///
/// Times are passed in (`now`), never read from a clock inside, so behaviour is
/// testable and every instance of a service agrees on what "due" means.
///
/// [`DirectorySpool`](super::DirectorySpool) is the embedded implementation; the
/// [module docs](super) describe how the same operations map onto a database
/// table or a message broker. The methods return `Send` futures (Rust 2024
/// `impl Future` in traits), so the trait is not object-safe: use it as a generic
/// parameter.
pub trait Spool: Send + Sync {
    /// Keeps `entry` until it is delivered or given up.
    ///
    /// # Errors
    /// [`SpoolError::AlreadySpooled`] when the delivery id is already in the spool
    /// (nothing is written), or a storage error (hand the message over again; if
    /// that says `AlreadySpooled`, the first attempt had kept it after all).
    fn put(&self, entry: SpoolEntry) -> impl Future<Output = Result<(), SpoolError>> + Send;

    /// Claims up to `limit` messages that are due at `now`, oldest next attempt
    /// first. Also makes claims whose lease ran out claimable again.
    ///
    /// Fewer than `limit` does not mean nothing more is due (the directory
    /// spool claims a batch file whole or not at all); a claim that returns
    /// nothing does.
    ///
    /// # Errors
    /// A storage error. Bad records are set aside (quarantined), never returned as errors.
    fn claim_due(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Claim>, SpoolError>> + Send;

    /// The claimed message was delivered (or found already delivered): forget it.
    ///
    /// # Errors
    /// [`SpoolError::ClaimLost`] when another drainer took the message over after
    /// the lease ran out, or a storage error.
    fn complete(&self, claim: Claim) -> impl Future<Output = Result<(), SpoolError>> + Send;

    /// The attempt made at `now` failed for a transient reason, `error`: keep the
    /// message, count the attempt, and make it due again at `next_attempt_at`
    /// (see [`RetrySchedule`](super::RetrySchedule)).
    ///
    /// # Errors
    /// [`SpoolError::ClaimLost`] (nothing changed) or a storage error.
    fn retry_later(
        &self,
        claim: Claim,
        now: OffsetDateTime,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> impl Future<Output = Result<(), SpoolError>> + Send;

    /// The message cannot be delivered (a permanent failure, or too old): move it
    /// to the dead letters with `reason`, at `now`.
    ///
    /// # Errors
    /// [`SpoolError::ClaimLost`] (nothing changed) or a storage error.
    fn dead_letter(
        &self,
        claim: Claim,
        reason: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), SpoolError>> + Send;

    /// Every dead letter, oldest first.
    ///
    /// # Errors
    /// A storage error.
    fn dead_letters(&self) -> impl Future<Output = Result<Vec<DeadLetter>, SpoolError>> + Send;

    /// The dead letter with delivery id `id`, if there is one.
    ///
    /// # Errors
    /// A storage error.
    fn find_dead_letter(
        &self,
        id: DeliveryId,
    ) -> impl Future<Output = Result<Option<DeadLetter>, SpoolError>> + Send;

    /// Puts the dead letter `id` back into the spool, due at `now`, with its
    /// attempts reset (its last error is kept). Returns the new entry.
    ///
    /// # Errors
    /// [`SpoolError::NoDeadLetter`] or a storage error.
    fn requeue(
        &self,
        id: DeliveryId,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<SpoolEntry, SpoolError>> + Send;

    /// Deletes the dead letter `id` for good.
    ///
    /// # Errors
    /// [`SpoolError::NoDeadLetter`] or a storage error.
    fn discard_dead_letter(
        &self,
        id: DeliveryId,
    ) -> impl Future<Output = Result<(), SpoolError>> + Send;

    /// Keeps every entry of `entries`: one result per entry, in order, as
    /// [`put`](Self::put) would return it. Implementations make the batch
    /// cheaper where they safely can (the directory spool syncs once per
    /// directory); an `Ok` still means that entry is durable.
    fn put_all(
        &self,
        entries: Vec<SpoolEntry>,
    ) -> impl Future<Output = Vec<Result<(), SpoolError>>> + Send {
        async move {
            let mut results = Vec::with_capacity(entries.len());
            for entry in entries {
                results.push(self.put(entry).await);
            }
            results
        }
    }

    /// Completes every claim of `claims`: one result per claim, in order, as
    /// [`complete`](Self::complete) would return it.
    fn complete_all(
        &self,
        claims: Vec<Claim>,
    ) -> impl Future<Output = Vec<Result<(), SpoolError>>> + Send {
        async move {
            let mut results = Vec::with_capacity(claims.len());
            for claim in claims {
                results.push(self.complete(claim).await);
            }
            results
        }
    }

    /// How many messages wait, are claimed and are dead, and when the
    /// longest-waiting one was spooled, at `now`.
    ///
    /// # Errors
    /// A storage error.
    fn overview(
        &self,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<SpoolOverview, SpoolError>> + Send;
}
