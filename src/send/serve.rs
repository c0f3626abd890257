//! The delivery service: draining a spool for as long as the process runs.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{Either, join, select};
use time::OffsetDateTime;
use tracing::info;

use crate::spool::{Claim, RetrySchedule, Spool, SpoolError, SpoolOverview};
use crate::transport::Transport;

use super::{DEFAULT_DRAIN_LIMIT, Sender};

/// How often an idle service looks for new work by default: every second.
pub const DEFAULT_IDLE_POLL: Duration = Duration::from_secs(1);

/// How [`Sender::serve`] runs; every setting has a default.
///
/// | setting | default |
/// |---|---|
/// | `schedule` | [`RetrySchedule::default`] |
/// | `claim_limit` | [`DEFAULT_DRAIN_LIMIT`] messages per pass |
/// | `idle_poll` | [`DEFAULT_IDLE_POLL`] (1 s) |
/// | `clock_ahead` | zero |
/// | `until_drained` | false: run until the shutdown signal |
/// | `monitor` | none |
#[derive(Debug, Clone)]
#[must_use]
pub struct ServeOptions {
    schedule: RetrySchedule,
    claim_limit: usize,
    idle_poll: Duration,
    clock_ahead: Duration,
    until_drained: bool,
    monitor: Option<ServiceMonitor>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            schedule: RetrySchedule::default(),
            claim_limit: DEFAULT_DRAIN_LIMIT,
            idle_poll: DEFAULT_IDLE_POLL,
            clock_ahead: Duration::ZERO,
            until_drained: false,
            monitor: None,
        }
    }
}

impl ServeOptions {
    /// Every default.
    pub fn new() -> Self {
        Self::default()
    }

    /// When to retry after transient trouble and when to give up.
    pub fn schedule(mut self, schedule: RetrySchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Messages claimed per pass (at least 1). A shutdown waits for the pass in
    /// flight, so this also bounds how much a shutdown waits for, and how many
    /// messages another drainer looks for in the mailbox after this process
    /// was killed. Larger passes keep more requests in flight: a pass ends
    /// when its slowest batch does, so its last batches run with free slots
    /// beside them (in `benches/spool.rs`, 3,200 per pass delivered about a
    /// fifth more per second than 1,000, with batches of 100 and 8 in flight).
    pub fn claim_limit(mut self, limit: usize) -> Self {
        self.claim_limit = limit.max(1);
        self
    }

    /// How often an idle service looks for new work (at least 1 ms). It wakes
    /// earlier when a waiting message falls due.
    pub fn idle_poll(mut self, every: Duration) -> Self {
        self.idle_poll = every.max(Duration::from_millis(1));
        self
    }

    /// Drains as though the clock were `ahead` ahead, e.g. to deliver at once
    /// messages spooled with SfB's two-minute pickup delay. Claims and leases
    /// use the same shifted clock.
    pub fn clock_ahead(mut self, ahead: Duration) -> Self {
        self.clock_ahead = ahead;
        self
    }

    /// Returns once nothing is left but dead letters (nothing waiting, nothing
    /// claimed, by any drainer), instead of running until the shutdown signal.
    pub fn until_drained(mut self, until_drained: bool) -> Self {
        self.until_drained = until_drained;
        self
    }

    /// Keeps `monitor` up to date while serving.
    pub fn monitor(mut self, monitor: ServiceMonitor) -> Self {
        self.monitor = Some(monitor);
        self
    }
}

/// What a delivery service has done so far, and what its spool holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceStats {
    /// Messages delivered (or found already delivered) and completed.
    pub delivered: usize,
    /// Messages put back for a later attempt after transient trouble.
    pub deferred: usize,
    /// Messages moved to dead letters.
    pub dead: usize,
    /// Claims another drainer took over while this one worked on them.
    pub lost_claims: usize,
    /// Messages claimed by this service and not yet recorded.
    pub in_flight: usize,
    /// Passes made (each claims, delivers and records a set of messages).
    pub passes: usize,
    /// The spool as last looked at (when idle, and every tenth pass while busy).
    pub spool: SpoolOverview,
    /// When the longest-waiting message was spooled, as last looked at.
    pub oldest_waiting: Option<OffsetDateTime>,
}

/// A live view of a running service's [`ServiceStats`], shared between the
/// service and whoever reports on it (a progress line, a metrics endpoint).
///
/// ```
/// use offline_im::send::{ServeOptions, ServiceMonitor};
///
/// let monitor = ServiceMonitor::new();
/// let options = ServeOptions::new().monitor(monitor.clone());
/// // ... sender.serve(&spool, &options, shutdown) runs elsewhere ...
/// assert_eq!(monitor.snapshot().delivered, 0);
/// # drop(options);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ServiceMonitor(Arc<Mutex<ServiceStats>>);

impl ServiceMonitor {
    /// A monitor with every count at zero.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The counts now.
    #[must_use]
    pub fn snapshot(&self) -> ServiceStats {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, stats: ServiceStats) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = stats;
    }
}

impl<T: Transport> Sender<T> {
    /// Runs the delivery service on `spool` until `shutdown` completes (or, with
    /// [`ServeOptions::until_drained`], until only dead letters are left):
    /// claims what is due, delivers it as [`drain`](Self::drain) does (batches,
    /// retries, the exactly-once look for messages that may have been sent,
    /// [`per_sender_concurrency`](super::SenderBuilder::per_sender_concurrency)
    /// within the global cap), records every outcome, and when nothing is due
    /// sleeps until a waiting message falls due or
    /// [`idle_poll`](ServeOptions::idle_poll) passes.
    ///
    /// While a pass is delivered, the next one is claimed, so that the
    /// spool's file work overlaps the network's; the service sleeps only after
    /// a claim that found nothing.
    ///
    /// On shutdown no new claim is made; the pass in flight (and the one
    /// claimed beside it) finishes and records each of its messages (completed,
    /// put back or dead-lettered), so nothing is left claimed by a service that
    /// stopped cleanly. That takes at most
    /// the retry policy's deadline (120 s by default); a process killed
    /// instead leaves claims that a drainer on the same host takes over at once
    /// (see [`ClaimHolder`](crate::spool::ClaimHolder)) and others after the lease.
    ///
    /// After each pass the counts are logged as `tracing` fields (`delivered`,
    /// `deferred`, `dead`, `in_flight`, `waiting`, `claimed`, `oldest_waiting`)
    /// and stored in the [`ServiceMonitor`], if one is set. Returns the final
    /// counts.
    ///
    /// # Errors
    /// A [`SpoolError`] when the spool cannot be read or claimed from; the
    /// passes made before are recorded.
    pub async fn serve<S: Spool>(
        &self,
        spool: &S,
        options: &ServeOptions,
        shutdown: impl Future<Output = ()>,
    ) -> Result<ServiceStats, SpoolError> {
        let mut shutdown = std::pin::pin!(shutdown.fuse());
        let mut stats = ServiceStats::default();
        let ahead = time::Duration::try_from(options.clock_ahead).unwrap_or(time::Duration::MAX);
        let clock = || OffsetDateTime::now_utc().saturating_add(ahead);
        // Claims made for the next pass while the last one was on the wire.
        let mut prefetched: Option<Vec<Claim>> = None;
        // Sticky: the fused signal answers only once.
        let mut stopping = false;
        loop {
            stopping = stopping || (&mut shutdown).now_or_never().is_some();
            if stopping && prefetched.is_none() {
                break;
            }
            let now = clock();
            let claims = match prefetched.take() {
                Some(claims) => claims,
                None => spool.claim_due(now, options.claim_limit).await?,
            };
            // A pass that claimed anything may have left more due: fewer than
            // the limit does not say otherwise (the directory spool claims
            // batch files whole, and one that did not fit waits).
            let busy = !claims.is_empty();
            if !claims.is_empty() {
                stats.in_flight = claims.len();
                publish(options, &stats, "claimed");
                let work = self.deliver_and_record(spool, &options.schedule, now, claims);
                let pass = if busy && !stopping {
                    // More may be due: claim the next pass while this one is on
                    // the wire, so that the spool's file work overlaps the network's.
                    let next = async { spool.claim_due(clock(), options.claim_limit).await };
                    let (pass, next) = join(work, next).await;
                    prefetched = Some(next?);
                    pass
                } else {
                    work.await
                };
                stats.delivered += pass.completed;
                stats.deferred += pass.retried;
                stats.dead += pass.dead_lettered;
                stats.lost_claims += pass.lost_claims;
                stats.in_flight = prefetched.as_ref().map_or(0, Vec::len);
                stats.passes += 1;
            }
            if stopping {
                continue; // the prefetched claims are delivered before stopping
            }
            if busy || prefetched.as_ref().is_some_and(|c| !c.is_empty()) {
                // More is due: the whole spool is looked at only now and then.
                if stats.passes % OVERVIEW_EVERY == 0 {
                    stats.spool = spool.overview(clock()).await?;
                    stats.oldest_waiting = stats.spool.oldest_waiting;
                }
                publish(options, &stats, "pass");
                continue;
            }
            prefetched = None;
            let overview = spool.overview(clock()).await?;
            stats.spool = overview;
            stats.oldest_waiting = overview.oldest_waiting;
            publish(options, &stats, "pass");
            if options.until_drained && overview.only_dead_letters_left() {
                break;
            }
            // Sleep until the next message is due, new work may have come, or shutdown.
            let until_due = overview
                .next_due
                .map(|due| (due - clock()).try_into().unwrap_or(Duration::ZERO));
            let wait = until_due.map_or(options.idle_poll, |d: Duration| d.min(options.idle_poll));
            // Never less than a few milliseconds: a message due now that another
            // drainer holds must not make this one spin.
            let sleep = std::pin::pin!(tokio::time::sleep(wait.max(MIN_SLEEP)));
            if let Either::Right(_) = select(sleep, &mut shutdown).await {
                break;
            }
        }
        publish(options, &stats, "stopped");
        Ok(stats)
    }
}

/// While passes find work, the spool's overview is refreshed every this many passes.
const OVERVIEW_EVERY: usize = 10;

/// The shortest sleep of an idle service.
const MIN_SLEEP: Duration = Duration::from_millis(10);

fn publish(options: &ServeOptions, stats: &ServiceStats, event: &'static str) {
    if let Some(monitor) = &options.monitor {
        monitor.set(*stats);
    }
    info!(
        event,
        delivered = stats.delivered,
        deferred = stats.deferred,
        dead = stats.dead,
        lost_claims = stats.lost_claims,
        in_flight = stats.in_flight,
        waiting = stats.spool.waiting,
        claimed = stats.spool.claimed,
        oldest_waiting = ?stats.oldest_waiting,
        "delivery service"
    );
}
