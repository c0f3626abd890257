//! [`Spool`] for [`DirectorySpool`]: the blocking methods, run inside the futures.

use std::future::Future;

use time::OffsetDateTime;

use super::{Claim, DeadLetter, DirectorySpool, Spool, SpoolEntry, SpoolError};
use crate::compose::DeliveryId;

/// Each future does its file work when first polled; an operation touches a
/// few small files (a scan in [`claim_due`](Spool::claim_due) reads each
/// waiting one). See [`DirectorySpool`] for running it off the async runtime.
impl Spool for DirectorySpool {
    fn put(&self, entry: SpoolEntry) -> impl Future<Output = Result<(), SpoolError>> + Send {
        async move { self.blocking_put(entry) }
    }

    fn claim_due(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Claim>, SpoolError>> + Send {
        async move { self.blocking_claim_due(now, limit) }
    }

    fn complete(&self, claim: Claim) -> impl Future<Output = Result<(), SpoolError>> + Send {
        async move { self.blocking_complete(claim) }
    }

    fn retry_later(
        &self,
        claim: Claim,
        now: OffsetDateTime,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> impl Future<Output = Result<(), SpoolError>> + Send {
        async move { self.blocking_retry_later(claim, now, next_attempt_at, error) }
    }

    fn dead_letter(
        &self,
        claim: Claim,
        reason: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), SpoolError>> + Send {
        async move { self.blocking_dead_letter(claim, reason, now) }
    }

    fn dead_letters(&self) -> impl Future<Output = Result<Vec<DeadLetter>, SpoolError>> + Send {
        async move { self.blocking_dead_letters() }
    }

    fn find_dead_letter(
        &self,
        id: DeliveryId,
    ) -> impl Future<Output = Result<Option<DeadLetter>, SpoolError>> + Send {
        async move { self.blocking_find_dead_letter(id) }
    }

    fn requeue(
        &self,
        id: DeliveryId,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<SpoolEntry, SpoolError>> + Send {
        async move { self.blocking_requeue(id, now) }
    }

    fn discard_dead_letter(
        &self,
        id: DeliveryId,
    ) -> impl Future<Output = Result<(), SpoolError>> + Send {
        async move { self.blocking_discard_dead_letter(id) }
    }
}
