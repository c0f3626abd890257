//! [`Spool`] for [`DirectorySpool`]: the blocking methods, run on the runtime's
//! blocking threads.

use time::OffsetDateTime;
use tokio::runtime::{Handle, RuntimeFlavor};

use super::{Claim, DeadLetter, DirectorySpool, Spool, SpoolEntry, SpoolError, SpoolOverview};
use crate::compose::DeliveryId;

/// Runs `work` on a clone of `spool`: on a multi-threaded tokio runtime on its
/// blocking threads (`spawn_blocking`), so that the file work (syncs of a
/// loaded disk take milliseconds) never holds up the worker threads that
/// carry the network's traffic; elsewhere (no runtime, or a current-thread
/// one, whose paused test clock must not run ahead of a blocking task) in
/// place. `cancelled` gives the result when the runtime shut down before the
/// work started.
async fn off_runtime<R: Send + 'static>(
    spool: &DirectorySpool,
    work: impl FnOnce(&DirectorySpool) -> R + Send + 'static,
    cancelled: impl FnOnce(SpoolError) -> R,
) -> R {
    let handle = match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => handle,
        _ => return work(spool),
    };
    let spool = spool.clone();
    match handle.spawn_blocking(move || work(&spool)).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => cancelled(SpoolError::io(
            "run the file work",
            "",
            std::io::Error::other(format!("the runtime is shutting down: {error}")),
        )),
    }
}

/// The same error for each of `n` items.
fn for_each(n: usize, error: &SpoolError) -> Vec<Result<(), SpoolError>> {
    (0..n)
        .map(|_| {
            Err(SpoolError::io(
                "run the file work",
                "",
                std::io::Error::other(error.to_string()),
            ))
        })
        .collect()
}

/// On a multi-threaded tokio runtime each future hands its file work to the
/// runtime's blocking threads ([`tokio::task::spawn_blocking`]) and waits for
/// it; elsewhere it does the work when first polled. Once started, the work
/// runs to its end even if the future is dropped (a claim made so is then
/// held until its lease runs out or this process ends, see
/// [`ClaimHolder`](super::ClaimHolder)).
impl Spool for DirectorySpool {
    async fn put(&self, entry: SpoolEntry) -> Result<(), SpoolError> {
        off_runtime(self, move |s| s.blocking_put(entry), Err).await
    }

    async fn claim_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Claim>, SpoolError> {
        off_runtime(self, move |s| s.blocking_claim_due(now, limit), Err).await
    }

    async fn complete(&self, claim: Claim) -> Result<(), SpoolError> {
        off_runtime(self, move |s| s.blocking_complete(claim), Err).await
    }

    async fn retry_later(
        &self,
        claim: Claim,
        now: OffsetDateTime,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> Result<(), SpoolError> {
        let error = error.to_owned();
        off_runtime(
            self,
            move |s| s.blocking_retry_later(claim, now, next_attempt_at, &error),
            Err,
        )
        .await
    }

    async fn dead_letter(
        &self,
        claim: Claim,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), SpoolError> {
        let reason = reason.to_owned();
        off_runtime(
            self,
            move |s| s.blocking_dead_letter(claim, &reason, now),
            Err,
        )
        .await
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, SpoolError> {
        off_runtime(self, DirectorySpool::blocking_dead_letters, Err).await
    }

    async fn find_dead_letter(&self, id: DeliveryId) -> Result<Option<DeadLetter>, SpoolError> {
        off_runtime(self, move |s| s.blocking_find_dead_letter(id), Err).await
    }

    async fn requeue(&self, id: DeliveryId, now: OffsetDateTime) -> Result<SpoolEntry, SpoolError> {
        off_runtime(self, move |s| s.blocking_requeue(id, now), Err).await
    }

    async fn discard_dead_letter(&self, id: DeliveryId) -> Result<(), SpoolError> {
        off_runtime(self, move |s| s.blocking_discard_dead_letter(id), Err).await
    }

    async fn put_all(&self, entries: Vec<SpoolEntry>) -> Vec<Result<(), SpoolError>> {
        let n = entries.len();
        off_runtime(
            self,
            move |s| s.blocking_put_all(entries),
            |e| for_each(n, &e),
        )
        .await
    }

    async fn complete_all(&self, claims: Vec<Claim>) -> Vec<Result<(), SpoolError>> {
        let n = claims.len();
        off_runtime(
            self,
            move |s| s.blocking_complete_all(claims),
            |e| for_each(n, &e),
        )
        .await
    }

    async fn overview(&self, now: OffsetDateTime) -> Result<SpoolOverview, SpoolError> {
        off_runtime(self, move |s| s.blocking_overview(now), Err).await
    }
}
