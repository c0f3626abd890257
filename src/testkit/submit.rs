//! Asynchronous submission: a sent message waits in the sender's `drafts` until the
//! transport picks it up, delivers it and moves (or drops) the sender's copy.
//!
//! Microsoft Graph docs, "things to know about send mail": the steps after the
//! message is created (submission, delivery, the copy in Sent Items) happen after the
//! response is returned; the 2016 Exchange Drafts bug shows the same order on-premises.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::address::SmtpAddress;
use crate::ews::Folder;

use super::http::Shared;
use super::rng::SplitMix64;
use super::store::Store;

/// What a message still has to do when the transport picks it up.
#[derive(Debug, Clone)]
pub(crate) struct Submission {
    /// The id of the sender's draft (`IsSubmitted` true).
    pub(crate) draft_id: String,
    /// Recipients inside the organization, each delivered to its `inbox`.
    pub(crate) local: Vec<SmtpAddress>,
    /// Whether a copy leaves the organization.
    pub(crate) external: bool,
    /// Where the sender's copy goes (`SendAndSaveCopy`); `None` drops it (`SendOnly`).
    pub(crate) save: Option<(SmtpAddress, Folder)>,
}

/// Counts what is still going on: requests being applied, messages waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Activity {
    in_flight: usize,
    pending: usize,
}

/// Lets [`TestServer::idle`](super::TestServer::idle) wait for the server to settle.
#[derive(Debug)]
pub(crate) struct Tracker {
    tx: watch::Sender<Activity>,
}

impl Tracker {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            tx: watch::Sender::new(Activity::default()),
        })
    }

    /// Marks one request as being applied until the guard is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> InFlight {
        self.tx.send_modify(|a| a.in_flight += 1);
        InFlight(Arc::clone(self))
    }

    fn set_pending(&self, pending: usize) {
        self.tx.send_if_modified(|a| {
            let changed = a.pending != pending;
            a.pending = pending;
            changed
        });
    }

    /// Waits until no request is being applied and no message waits for pickup.
    pub(crate) async fn idle(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives as long as `self`: the wait cannot fail.
        let _ = rx.wait_for(|a| a.in_flight == 0 && a.pending == 0).await;
    }
}

/// A request being applied (see [`Tracker::begin`]).
#[derive(Debug)]
pub(crate) struct InFlight(Arc<Tracker>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0
            .tx
            .send_modify(|a| a.in_flight = a.in_flight.saturating_sub(1));
    }
}

/// The transport's queue, ordered by due time.
#[derive(Debug)]
pub(crate) struct Submissions {
    queue: BTreeMap<(Instant, u64), Submission>,
    seq: u64,
    lag: (Duration, Duration),
    rng: SplitMix64,
    wake: Arc<Notify>,
    tracker: Arc<Tracker>,
}

impl Submissions {
    /// A queue whose lags are drawn uniformly in `[min, max]` from `seed`.
    pub(crate) fn new(
        min: Duration,
        max: Duration,
        seed: u64,
        wake: Arc<Notify>,
        tracker: Arc<Tracker>,
    ) -> Self {
        let lag = if min <= max { (min, max) } else { (max, min) };
        Self {
            queue: BTreeMap::new(),
            seq: 0,
            lag,
            // Its own stream, so that lags do not shift the fault mixes.
            rng: SplitMix64::new(seed ^ 0x5EED_0F7A_4590_47AB),
            wake,
            tracker,
        }
    }

    /// Whether messages are picked up inside the request (a zero lag).
    pub(crate) fn is_immediate(&self) -> bool {
        self.lag.1.is_zero()
    }

    /// Messages waiting for pickup.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    fn draw_lag(&mut self) -> Duration {
        let (min, max) = self.lag;
        let span = max.saturating_sub(min);
        // Nanosecond resolution is plenty, and the product stays in range.
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        #[allow(clippy::cast_sign_loss)]
        let extra = (span.as_nanos() as f64 * self.rng.next_f64()) as u64;
        min + Duration::from_nanos(extra)
    }

    /// Queues `submission` for pickup after a lag.
    pub(crate) fn push(&mut self, submission: Submission) {
        let due = Instant::now() + self.draw_lag();
        self.seq += 1;
        self.queue.insert((due, self.seq), submission);
        self.tracker.set_pending(self.queue.len());
        self.wake.notify_one();
    }

    /// Drops the waiting submission of draft `id`; whether there was one.
    pub(crate) fn cancel(&mut self, id: &str) -> bool {
        let key = self
            .queue
            .iter()
            .find(|(_, s)| s.draft_id == id)
            .map(|(k, _)| *k);
        let found = key.and_then(|k| self.queue.remove(&k)).is_some();
        self.tracker.set_pending(self.queue.len());
        found
    }

    fn next_due(&self) -> Option<Instant> {
        self.queue.keys().next().map(|(due, _)| *due)
    }

    fn take_due(&mut self, now: Instant) -> Vec<Submission> {
        let mut due = Vec::new();
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > now {
                break;
            }
            due.push(entry.remove());
        }
        due
    }

    /// Publishes the queue length once the taken submissions are applied.
    fn settle(&self) {
        self.tracker.set_pending(self.queue.len());
    }
}

/// The transport picks `submission` up: delivers it and moves or drops the draft.
pub(crate) fn deliver(store: &mut Store, submission: Submission) {
    let Some(draft) = store.take(&submission.draft_id) else {
        return;
    };
    let now = time::OffsetDateTime::now_utc();
    let mut sent = draft;
    sent.is_submitted = false;
    sent.unsent = false;
    for r in &submission.local {
        let mut copy = sent.clone();
        copy.is_read = false;
        copy.bcc.clear();
        // The recipient's copy is a new item, created on delivery.
        copy.created = now;
        store.put(r, Folder::Inbox, copy);
    }
    if submission.external {
        // MIME conversion across organizations keeps no custom message class and no
        // MAPI properties: the outside world sees plain mail.
        let mut copy = sent.clone();
        copy.item_class = "IPM.Note".to_owned();
        copy.extended.clear();
        copy.created = now;
        store.put_outbound(copy);
    }
    if let Some((owner, folder)) = submission.save {
        // EWS MoveItem reference: the moved item comes back with a new ItemId (a Graph
        // staff answer says the same of the Sent Items copy); DateTimeCreated stays.
        store.put(&owner, folder, sent);
    }
}

/// The transport: picks messages up when they are due, until the server stops.
pub(crate) async fn run(
    shared: Arc<Shared>,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let due = {
            let store = shared.store.lock().unwrap_or_else(PoisonError::into_inner);
            store.submissions.next_due()
        };
        let sleep = async {
            match due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = stopped.changed() => break,
            // A permit is kept when nobody waits, so no wake-up is lost.
            () = wake.notified() => continue,
            () = sleep => {}
        }
        let mut store = shared.store.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        for submission in store.submissions.take_due(now) {
            deliver(&mut store, submission);
        }
        store.submissions.settle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(min: u64, max: u64, seed: u64) -> Submissions {
        Submissions::new(
            Duration::from_millis(min),
            Duration::from_millis(max),
            seed,
            Arc::new(Notify::new()),
            Tracker::new(),
        )
    }

    fn submission(id: &str) -> Submission {
        Submission {
            draft_id: id.to_owned(),
            local: Vec::new(),
            external: false,
            save: None,
        }
    }

    #[test]
    fn lags_stay_in_range_and_repeat_per_seed() {
        let draws = |seed| {
            let mut q = queue(20, 200, seed);
            (0..50).map(|_| q.draw_lag()).collect::<Vec<_>>()
        };
        let a = draws(3);
        assert_eq!(a, draws(3));
        assert_ne!(a, draws(4));
        assert!(
            a.iter()
                .all(|d| (Duration::from_millis(20)..=Duration::from_millis(200)).contains(d))
        );
        let mut reversed = queue(200, 20, 3);
        assert!(reversed.draw_lag() >= Duration::from_millis(20));
        assert!(queue(0, 0, 1).is_immediate());
        assert!(!queue(0, 1, 1).is_immediate());
    }

    #[tokio::test]
    async fn due_submissions_come_out_in_due_order_and_cancelled_ones_never() {
        let mut q = queue(0, 1, 9);
        for id in ["a", "b", "c"] {
            q.push(submission(id));
        }
        assert_eq!(q.len(), 3);
        assert!(q.cancel("b"));
        assert!(!q.cancel("b"));
        let later = Instant::now() + Duration::from_secs(1);
        let due: Vec<_> = q.take_due(later).into_iter().map(|s| s.draft_id).collect();
        assert_eq!(due.len(), 2);
        assert!(due.contains(&"a".to_owned()) && due.contains(&"c".to_owned()));
        assert_eq!(q.len(), 0);
        assert!(q.next_due().is_none());
    }
}
