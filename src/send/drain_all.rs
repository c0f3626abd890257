//! Draining a spool in one call: what is due now, with the default schedule.

use time::OffsetDateTime;

use crate::spool::{RetrySchedule, Spool, SpoolError};
use crate::transport::Transport;

use super::{DrainPass, Sender};

/// How many messages [`Sender::drain_due`] and [`Sender::drain_until_empty`]
/// claim per pass: ten full `CreateItem` batches at the default batch size,
/// few enough that a pass ends (and records its outcomes) within minutes.
pub const DEFAULT_DRAIN_LIMIT: usize = 1000;

impl<T: Transport> Sender<T> {
    /// One [`drain`](Self::drain) pass over what is due now: the default
    /// [`RetrySchedule`], the system clock, at most [`DEFAULT_DRAIN_LIMIT`]
    /// messages.
    ///
    /// Messages spooled with [`DEFAULT_PICKUP_DELAY`](crate::spool::DEFAULT_PICKUP_DELAY)
    /// are not due before two minutes have passed (SfB's pickup delay), so a
    /// drain right after [`spool_all`](Self::spool_all) returns an empty pass;
    /// spool with `Duration::ZERO` to send at the next drain.
    ///
    /// # Errors
    /// As [`drain`](Self::drain): a [`SpoolError`] when the spool cannot be read
    /// or claimed from.
    pub async fn drain_due<S: Spool>(&self, spool: &S) -> Result<DrainPass, SpoolError> {
        self.drain(
            spool,
            &RetrySchedule::default(),
            OffsetDateTime::now_utc(),
            DEFAULT_DRAIN_LIMIT,
        )
        .await
    }

    /// Drains what is due now, pass after pass, until nothing is: the default
    /// [`RetrySchedule`], the system clock read once at the start, and
    /// [`DEFAULT_DRAIN_LIMIT`] messages per pass. Returns the passes combined:
    /// every report in claim order and the summed counts.
    ///
    /// It does not wait: messages whose pickup time has not come (SfB's two
    /// minutes after [`spool_all`](Self::spool_all) with
    /// [`DEFAULT_PICKUP_DELAY`](crate::spool::DEFAULT_PICKUP_DELAY)) and those
    /// put back for a later retry stay in the spool for a later call. Spool with
    /// `Duration::ZERO` to send at the next drain.
    ///
    /// # Errors
    /// As [`drain`](Self::drain); the passes already made are recorded in the
    /// spool, but their reports are lost with the error.
    pub async fn drain_until_empty<S: Spool>(&self, spool: &S) -> Result<DrainPass, SpoolError> {
        self.drain_all(
            spool,
            &RetrySchedule::default(),
            OffsetDateTime::now_utc(),
            DEFAULT_DRAIN_LIMIT,
        )
        .await
    }

    /// [`drain`](Self::drain) passes of up to `limit` messages due at `now`,
    /// until a pass finds nothing (nothing more is due at `now`). A pass may
    /// find fewer than `limit` while more is due: the directory spool claims a
    /// batch file whole, and one that does not fit beside the messages
    /// claimed before it waits for the next pass.
    /// Returns the passes combined. [`drain_until_empty`](Self::drain_until_empty)
    /// with your own schedule, clock and pass size.
    ///
    /// It ends: a message is claimed at most once at a given `now`, since one put
    /// back is due again only after a wait of at least the schedule's base, and a
    /// claim whose outcome could not be recorded is held for its lease.
    ///
    /// # Errors
    /// As [`drain_until_empty`](Self::drain_until_empty).
    pub async fn drain_all<S: Spool>(
        &self,
        spool: &S,
        schedule: &RetrySchedule,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<DrainPass, SpoolError> {
        let mut total = DrainPass::default();
        loop {
            let pass = self.drain(spool, schedule, now, limit).await?;
            let found = limit > 0 && !pass.reports.is_empty();
            total.completed += pass.completed;
            total.retried += pass.retried;
            total.dead_lettered += pass.dead_lettered;
            total.lost_claims += pass.lost_claims;
            total.reports.extend(pass.reports);
            if !found {
                return Ok(total);
            }
        }
    }
}
