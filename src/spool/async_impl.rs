//! [`Spool`] for [`DirectorySpool`]: the blocking methods, run inside the futures.

use time::OffsetDateTime;

use super::{Claim, DeadLetter, DirectorySpool, Spool, SpoolEntry, SpoolError, SpoolOverview};
use crate::compose::DeliveryId;

/// Each future does its file work when first polled; an operation touches a
/// few small files (a scan in [`claim_due`](Spool::claim_due) reads each
/// waiting one). See [`DirectorySpool`] for running it off the async runtime.
impl Spool for DirectorySpool {
    async fn put(&self, entry: SpoolEntry) -> Result<(), SpoolError> {
        self.blocking_put(entry)
    }

    async fn claim_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Claim>, SpoolError> {
        self.blocking_claim_due(now, limit)
    }

    async fn complete(&self, claim: Claim) -> Result<(), SpoolError> {
        self.blocking_complete(claim)
    }

    async fn retry_later(
        &self,
        claim: Claim,
        now: OffsetDateTime,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> Result<(), SpoolError> {
        self.blocking_retry_later(claim, now, next_attempt_at, error)
    }

    async fn dead_letter(
        &self,
        claim: Claim,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), SpoolError> {
        self.blocking_dead_letter(claim, reason, now)
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, SpoolError> {
        self.blocking_dead_letters()
    }

    async fn find_dead_letter(&self, id: DeliveryId) -> Result<Option<DeadLetter>, SpoolError> {
        self.blocking_find_dead_letter(id)
    }

    async fn requeue(&self, id: DeliveryId, now: OffsetDateTime) -> Result<SpoolEntry, SpoolError> {
        self.blocking_requeue(id, now)
    }

    async fn discard_dead_letter(&self, id: DeliveryId) -> Result<(), SpoolError> {
        self.blocking_discard_dead_letter(id)
    }

    async fn put_all(&self, entries: Vec<SpoolEntry>) -> Vec<Result<(), SpoolError>> {
        self.blocking_put_all(entries)
    }

    async fn complete_all(&self, claims: Vec<Claim>) -> Vec<Result<(), SpoolError>> {
        self.blocking_complete_all(claims)
    }

    async fn overview(&self, now: OffsetDateTime) -> Result<SpoolOverview, SpoolError> {
        self.blocking_overview(now)
    }
}
