//! Sending later: spooling messages, and draining a spool through the sender.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use tracing::{info, warn};

use crate::compose::{DeliveryId, OfflineIm};
use crate::spool::{Claim, RetrySchedule, Spool, SpoolEntry, SpoolError};
use crate::transport::Transport;

use super::{DeliveryReport, Outcome, Sender};

/// What one [`Sender::drain`] pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainPass {
    /// One report per message claimed, in claim order.
    pub reports: Vec<DeliveryReport>,
    /// Messages delivered (or found already delivered) and removed from the spool.
    pub completed: usize,
    /// Messages put back with a later attempt time after transient trouble.
    pub retried: usize,
    /// Messages moved to dead letters (failed, denied, blocked, or too old).
    pub dead_lettered: usize,
    /// Messages whose claim another drainer took over while this one worked on
    /// them (the lease ran out); that drainer reports them.
    pub lost_claims: usize,
}

impl DrainPass {
    /// Whether the pass claimed nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }
}

impl<T: Transport> Sender<T> {
    /// Delivers claimed messages: those never attempted at once, those that may
    /// have been sent after a look for them. One report per claim, in order.
    pub(super) async fn deliver_claims(&self, claims: &[Claim]) -> Vec<DeliveryReport> {
        let (maybe, fresh): (Vec<&Claim>, Vec<&Claim>) =
            claims.iter().partition(|c| c.entry().may_have_been_sent());
        let message = |c: &&Claim| c.entry().message().clone();
        if maybe.is_empty() {
            return self.send_all(fresh.iter().map(message)).await;
        }
        if maybe.iter().any(|c| c.entry().was_taken_over()) {
            // The drainer that held these may have died in the middle of a
            // request, and Exchange goes on with a request up to its execution
            // limit (Microsoft: "EWS throttling in Exchange"): a look before then
            // could miss a message that is still being created, and send it twice.
            let limit = self.options.retry.execution_limit;
            tracing::info!(
                wait_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
                "claims taken over: waiting out Exchange's execution limit before looking"
            );
            tokio::time::sleep(limit).await;
        }
        if fresh.is_empty() {
            return self.resume_all(maybe.iter().map(message)).await;
        }
        let mut by_id: HashMap<DeliveryId, DeliveryReport> = HashMap::new();
        for report in self.send_all(fresh.iter().map(message)).await {
            by_id.insert(report.delivery_id, report);
        }
        for report in self.resume_all(maybe.iter().map(message)).await {
            by_id.insert(report.delivery_id, report);
        }
        claims
            .iter()
            .map(|c| {
                by_id.remove(&c.delivery_id()).unwrap_or_else(|| {
                    let recipient = c.entry().message().recipient().smtp().clone();
                    super::sender::missing_report((c.delivery_id(), recipient))
                })
            })
            .collect()
    }

    /// Spools `messages` to be sent later, each eligible `pickup_delay` after `now`
    /// (SfB waits 120 s: [`DEFAULT_PICKUP_DELAY`](crate::spool::DEFAULT_PICKUP_DELAY)).
    /// Returns one result per message, in order: a message whose `put` failed is
    /// still the caller's.
    ///
    /// Policy and routing are applied when the message is drained, not now, so that
    /// changes made while it waits apply to it.
    pub async fn spool_all<S: Spool>(
        &self,
        spool: &S,
        messages: impl IntoIterator<Item = OfflineIm>,
        now: OffsetDateTime,
        pickup_delay: Duration,
    ) -> Vec<Result<DeliveryId, SpoolError>> {
        let mut results = Vec::new();
        for message in messages {
            let id = message.delivery_id();
            let entry = SpoolEntry::new(message, now).pickup_delay(pickup_delay);
            results.push(spool.put(entry).await.map(|()| id));
        }
        results
    }

    /// One drain pass: claims up to `limit` messages due at `now`, delivers them
    /// with the same batching and retries as [`send_all`](Self::send_all), and
    /// records each outcome in the spool.
    ///
    /// A claimed message may have been sent by a drainer that stopped before it
    /// could record the outcome (the spool then marks it
    /// [taken over](crate::spool::SpoolEntry::was_taken_over)), or by an earlier
    /// attempt whose outcome was unknown. Such messages
    /// ([`may_have_been_sent`](crate::spool::SpoolEntry::may_have_been_sent))
    /// start with the check of [`resume_all`](Self::resume_all): those found in
    /// the sender's saved copies are completed, not resent. Messages never
    /// attempted are sent as [`send_all`](Self::send_all) sends them, without
    /// the extra lookup. Then:
    ///
    /// | outcome | spool |
    /// |---|---|
    /// | delivered | removed |
    /// | deferred (transient trouble) | back to waiting, next attempt per `schedule` but never before the server's [`retry_at`](super::Failure::retry_at); dead letter once older than its maximum age |
    /// | failed, denied or blocked | dead letter, with the reason |
    ///
    /// A message is due once its pickup delay has passed: spooled with
    /// [`DEFAULT_PICKUP_DELAY`](crate::spool::DEFAULT_PICKUP_DELAY) (SfB's two
    /// minutes), it is not claimed by a pass whose `now` is earlier, so a drain
    /// right after [`spool_all`](Self::spool_all) returns an empty pass. Spool
    /// with `Duration::ZERO` to send at the next drain.
    /// [`drain_due`](Self::drain_due) and [`drain_until_empty`](Self::drain_until_empty)
    /// drain what is due now with the default schedule.
    ///
    /// # Errors
    /// A [`SpoolError`] when the spool cannot be read or claimed from. Errors while
    /// recording single outcomes are logged and counted, not returned: the message
    /// stays claimed and comes back after its lease.
    pub async fn drain<S: Spool>(
        &self,
        spool: &S,
        schedule: &RetrySchedule,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<DrainPass, SpoolError> {
        let claims = spool.claim_due(now, limit).await?;
        if claims.is_empty() {
            return Ok(DrainPass::default());
        }
        let reports = self.deliver_claims(&claims).await;
        let mut pass = record_outcomes(spool, schedule, now, claims, &reports).await;
        info!(
            claimed = reports.len(),
            completed = pass.completed,
            retried = pass.retried,
            dead_lettered = pass.dead_lettered,
            "drain pass"
        );
        pass.reports = reports;
        Ok(pass)
    }
}

/// Records each claimed message's outcome in the spool: delivered ones completed
/// together, deferred ones put back per `schedule` (never before the server's
/// `retry_at`), the rest dead-lettered.
pub(super) async fn record_outcomes<S: Spool>(
    spool: &S,
    schedule: &RetrySchedule,
    now: OffsetDateTime,
    claims: Vec<Claim>,
    reports: &[DeliveryReport],
) -> DrainPass {
    let mut pass = DrainPass::default();
    let mut delivered = Vec::new();
    let mut recorded = Vec::new();
    for (claim, report) in claims.into_iter().zip(reports) {
        let result = match &report.outcome {
            Outcome::Delivered { .. } => {
                delivered.push(claim);
                continue;
            }
            Outcome::Deferred(failure) => match schedule.after_failure(claim.entry(), now) {
                Some(next) => {
                    // Never before the time the server named (as a wait from
                    // now, on the caller's clock).
                    let asked = failure.retry_at().map_or(Duration::ZERO, |at| {
                        at.duration_since(SystemTime::now()).unwrap_or_default()
                    });
                    let next = next.max(now + asked);
                    pass.retried += 1;
                    spool
                        .retry_later(claim, now, next, &failure.to_string())
                        .await
                }
                None => {
                    pass.dead_lettered += 1;
                    let reason = format!("too old to retry; last error: {failure}");
                    spool.dead_letter(claim, &reason, now).await
                }
            },
            outcome => {
                pass.dead_lettered += 1;
                spool.dead_letter(claim, &outcome.to_string(), now).await
            }
        };
        recorded.push((report.delivery_id, result));
    }
    let ids: Vec<DeliveryId> = delivered.iter().map(Claim::delivery_id).collect();
    pass.completed += delivered.len();
    let completed = spool.complete_all(delivered).await;
    recorded.extend(ids.into_iter().zip(completed));
    for (delivery_id, result) in recorded {
        match result {
            Ok(()) => {}
            Err(error) if error.is_claim_lost() => pass.lost_claims += 1,
            Err(error) => {
                warn!(%delivery_id, %error, "could not record a drained message's outcome; it comes back after its lease")
            }
        }
    }
    pass
}
