//! The pickup delay and the spool's back-off schedule on a paused tokio clock: a
//! drain loop that ticks every second picks a message up at two minutes, not
//! before, and retries a transiently failing one when the schedule says.

#[path = "support/sender_on_script.rs"]
mod sender_on_script;

use std::time::Duration;

use offline_im::send::RetryPolicy;
use offline_im::spool::{DirectorySpool, RetrySchedule, Spool};
use offline_im::transport::fake::FindItemReply;
use offline_im::transport::{EwsReply, RecordingTransport};
use sender_on_script::{message, sender};
use time::OffsetDateTime;
use time::macros::datetime;
use tokio::time::Instant;

const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

/// Drains once a second on the paused clock until `done` says stop; returns the
/// clock time (seconds since the start) of every pass that claimed something.
async fn drain_loop(
    sender: &offline_im::send::Sender<RecordingTransport>,
    spool: &DirectorySpool,
    schedule: &RetrySchedule,
    seconds: u64,
) -> Vec<u64> {
    let start = Instant::now();
    let mut busy = Vec::new();
    while start.elapsed() < Duration::from_secs(seconds) {
        let now = T0 + start.elapsed();
        let pass = sender.drain(spool, schedule, now, 10).await.unwrap();
        if !pass.is_empty() {
            busy.push(start.elapsed().as_secs());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    busy
}

#[tokio::test(start_paused = true)]
async fn pickup_happens_two_minutes_after_spooling() {
    let dir = tempfile::tempdir().unwrap();
    let spool = DirectorySpool::open(dir.path()).unwrap();
    // Unscripted: answered as an Exchange that accepts everything.
    let transport = RecordingTransport::new();
    let sender = sender(transport, RetryPolicy::new());
    sender
        .spool_all(
            &spool,
            [message("see you later")],
            T0,
            offline_im::spool::DEFAULT_PICKUP_DELAY,
        )
        .await[0]
        .as_ref()
        .unwrap();

    let busy = drain_loop(&sender, &spool, &RetrySchedule::default(), 180).await;
    assert_eq!(busy, [120], "claimed once, at the two-minute mark");
    assert_eq!(
        sender.transport().request_count(),
        1,
        "never attempted, so no look first: one CreateItem"
    );
    assert!(spool.blocking_waiting().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_transient_failure_is_retried_on_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let spool = DirectorySpool::open(dir.path()).unwrap();
    // First drain: never attempted, so sent at once without a look; the server
    // stays unavailable past the sender's own deadline. Second drain (after the
    // schedule's 60 s): attempted before, so the look (nothing in Drafts or the
    // saved folder), then delivered (unscripted answers are an Exchange that
    // accepts everything).
    let transport = RecordingTransport::new()
        .with_reply(EwsReply::new(503, ""))
        .with_reply(FindItemReply::nothing_found(2));
    let sender = sender(transport, RetryPolicy::new().deadline(Duration::ZERO));
    sender
        .spool_all(&spool, [message("busy server")], T0, Duration::ZERO)
        .await[0]
        .as_ref()
        .unwrap();
    let schedule = RetrySchedule::new(
        Duration::from_secs(60),
        2.0,
        Duration::from_secs(3600),
        Duration::from_secs(86_400),
    )
    .unwrap();

    let busy = drain_loop(&sender, &spool, &schedule, 120).await;
    assert_eq!(
        busy,
        [0, 60],
        "tried at once, then again after the 60 s back-off"
    );
    assert!(spool.blocking_waiting().unwrap().is_empty());
    assert!(spool.dead_letters().await.unwrap().is_empty());
}
