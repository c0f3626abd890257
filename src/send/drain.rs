//! Sending later: spooling messages, and draining a spool through the sender.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use tracing::{info, warn};

use crate::compose::{DeliveryId, OfflineIm};
use crate::spool::{Claim, RetrySchedule, Spool, SpoolEntry, SpoolError};
use crate::transport::Transport;

use super::batch::Start;
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
    /// Delivers claimed messages and records each outcome in the spool: those
    /// never attempted first, then those that may have been sent (looked for
    /// before anything is resent), then those taken over from a drainer that
    /// stopped. Each group is recorded as soon as it is done, so that the
    /// slower groups do not hold back the spool's record of the faster ones.
    ///
    /// A claim taken over from a drainer that stopped is looked for at once too,
    /// but one not found is resent only after Exchange's execution limit: the
    /// stopped drainer's last request may still be creating it (see
    /// [`Start::TakenOver`]). The pass's reports are in claim order.
    pub(super) async fn deliver_and_record<S: Spool>(
        &self,
        spool: &S,
        schedule: &RetrySchedule,
        now: OffsetDateTime,
        claims: Vec<Claim>,
    ) -> DrainPass {
        let order: Vec<(DeliveryId, crate::address::SmtpAddress)> = claims
            .iter()
            .map(|c| {
                (
                    c.delivery_id(),
                    c.entry().message().recipient().smtp().clone(),
                )
            })
            .collect();
        let mut groups: [(Start, Vec<Claim>); 3] = [
            (Start::Fresh, Vec::new()),
            (Start::Resumed, Vec::new()),
            (Start::TakenOver, Vec::new()),
        ];
        for claim in claims {
            let entry = claim.entry();
            let group = if entry.was_taken_over() {
                2
            } else if entry.may_have_been_sent() {
                1
            } else {
                0
            };
            groups[group].1.push(claim);
        }
        let mut pass = DrainPass::default();
        let mut by_id: HashMap<DeliveryId, DeliveryReport> = HashMap::new();
        for (start, claims) in groups {
            if claims.is_empty() {
                continue;
            }
            let messages: Vec<OfflineIm> =
                claims.iter().map(|c| c.entry().message().clone()).collect();
            let reports = self.deliver(messages, start).await;
            let recorded = record_outcomes(spool, schedule, now, claims, &reports).await;
            pass.completed += recorded.completed;
            pass.retried += recorded.retried;
            pass.dead_lettered += recorded.dead_lettered;
            pass.lost_claims += recorded.lost_claims;
            by_id.extend(reports.into_iter().map(|r| (r.delivery_id, r)));
        }
        pass.reports = order
            .into_iter()
            .map(|id| {
                by_id
                    .remove(&id.0)
                    .unwrap_or_else(|| super::sender::missing_report(id))
            })
            .collect();
        pass
    }

    /// Spools `messages` to be sent later, each eligible `pickup_delay` after `now`
    /// (SfB waits 120 s: [`DEFAULT_PICKUP_DELAY`](crate::spool::DEFAULT_PICKUP_DELAY)).
    /// Returns one result per message, in order: a message whose `put` failed is
    /// still the caller's. The messages go to the spool in one
    /// [`put_all`](Spool::put_all) (the directory spool writes them as batch
    /// files, a synced file per sender and due second rather than per message).
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
        let entries: Vec<SpoolEntry> = messages
            .into_iter()
            .map(|message| SpoolEntry::new(message, now).pickup_delay(pickup_delay))
            .collect();
        let ids: Vec<DeliveryId> = entries.iter().map(SpoolEntry::delivery_id).collect();
        let mut results = spool.put_all(entries).await.into_iter();
        ids.into_iter()
            .map(|id| match results.next() {
                Some(result) => result.map(|()| id),
                // A spool that broke put_all's contract: the message is still the caller's.
                None => Err(SpoolError::io(
                    "put",
                    "",
                    std::io::Error::other(format!("the spool returned no result for {id}")),
                )),
            })
            .collect()
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
        let pass = self.deliver_and_record(spool, schedule, now, claims).await;
        info!(
            claimed = pass.reports.len(),
            completed = pass.completed,
            retried = pass.retried,
            dead_lettered = pass.dead_lettered,
            "drain pass"
        );
        Ok(pass)
    }
}

/// Records each claimed message's outcome in the spool: delivered ones completed
/// together, deferred ones put back per `schedule` (never before the server's
/// `retry_at`), the rest dead-lettered.
async fn record_outcomes<S: Spool>(
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
