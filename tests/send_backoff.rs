//! Retry timing under paused tokio time, with a scripted transport: the sender
//! waits what the server asks, backs off exponentially, and gives up at the
//! deadline.

#[path = "support/sender_on_script.rs"]
mod sender_on_script;

use std::time::{Duration, SystemTime};

use offline_im::ews::ResponseCode;
use offline_im::send::{Outcome, RetryPolicy};
use offline_im::transport::{EwsReply, RecordingTransport, RetryAfter, TransportError};
use sender_on_script::{fixture, message, one_success, sender};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn waits_what_the_server_asks_for() {
    let transport = RecordingTransport::new()
        .with_reply(
            EwsReply::new(503, "").with_retry_after(RetryAfter::Delay(Duration::from_secs(7))),
        )
        .with_reply(
            EwsReply::new(503, "").with_retry_after(RetryAfter::Delay(Duration::from_secs(45))),
        )
        .with_reply(one_success());
    let retry = RetryPolicy::new().base(Duration::from_millis(10));
    let sender = sender(transport, retry);
    let started = Instant::now();
    let report = sender.send(message("hi")).await;
    let waited = started.elapsed();
    assert!(report.outcome.is_delivered(), "{report}");
    assert_eq!(report.attempts, 3);
    // Both waits in full: 7 s, then 45 s (within the 120 s deadline).
    let asked = Duration::from_secs(7 + 45);
    assert!(waited >= asked, "{waited:?}");
    assert!(waited < asked + Duration::from_millis(50), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn a_back_off_longer_than_the_sender_may_wait_defers_with_the_servers_time() {
    // ErrorServerBusy asking for 297,749 ms (as exchangelib's tests do): longer
    // than the 120 s deadline, so the message is deferred at once, never retried
    // inside the server's window.
    let transport = RecordingTransport::new()
        .with_reply(EwsReply::new(
            500,
            fixture("fault_server_busy_types_ns.xml"),
        ))
        .with_reply(one_success());
    let sender = sender(transport, RetryPolicy::new());
    let before = SystemTime::now();
    let started = Instant::now();
    let report = sender.send(message("hi")).await;
    assert!(started.elapsed() < Duration::from_secs(1), "no early retry");
    assert_eq!(report.attempts, 1);
    let Outcome::Deferred(failure) = &report.outcome else {
        panic!("{report}")
    };
    assert!(failure.is_throttled(), "{failure:?}");
    assert_eq!(failure.code(), Some(&ResponseCode::ErrorServerBusy));
    let retry_at = failure.retry_at().expect("the server named a time");
    let asked = retry_at.duration_since(before).unwrap();
    assert!(
        asked >= Duration::from_millis(297_749) && asked < Duration::from_secs(300),
        "{asked:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn backs_off_exponentially_with_jitter_and_a_cap() {
    let transport = RecordingTransport::new();
    for _ in 0..6 {
        transport.push(Err(TransportError::connect_failed()));
    }
    transport.push(Ok(one_success()));
    let retry = RetryPolicy::new()
        .base(Duration::from_millis(100))
        .cap(Duration::from_millis(1600));
    let sender = sender(transport, retry);
    let started = Instant::now();
    let report = sender.send(message("hi")).await;
    let waited = started.elapsed();
    assert!(report.outcome.is_delivered());
    assert_eq!(report.attempts, 7);
    // Ceilings 100, 200, 400, 800, 1600, 1600 ms; each wait is in [ceiling/2, ceiling].
    let ceilings: u64 = 100 + 200 + 400 + 800 + 1600 + 1600;
    assert!(waited >= Duration::from_millis(ceilings / 2), "{waited:?}");
    assert!(waited <= Duration::from_millis(ceilings), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn gives_up_at_the_deadline_and_defers() {
    let transport = RecordingTransport::responding_with(|_| {
        Ok(EwsReply::new(503, "").with_retry_after(RetryAfter::Delay(Duration::from_secs(30))))
    });
    let sender = sender(
        transport,
        RetryPolicy::new().deadline(Duration::from_secs(120)),
    );
    let started = Instant::now();
    let report = sender.send(message("hi")).await;
    let Outcome::Deferred(failure) = &report.outcome else {
        panic!("{report}")
    };
    assert!(failure.message().contains("503"));
    assert!(
        failure.is_throttled() && failure.retry_at().is_some(),
        "{failure:?}"
    );
    assert!(started.elapsed() <= Duration::from_secs(120));
    assert_eq!(
        report.attempts, 5,
        "at 0, 30, 60, 90 and 120 s; the next would pass the deadline"
    );
}
