//! Sending later: spool, pickup delay, drain, retries, dead letters, exactly once.

#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::time::Duration;

use offline_im::plan::Folder;
use offline_im::send::{DrainPass, Outcome};
use offline_im::spool::{DEFAULT_PICKUP_DELAY, DirectorySpool, RetrySchedule, Spool};
use offline_im::testkit::{Fault, ItemFault};
use sender_on_testkit::*;
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

fn spool_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("offline-im-{name}-"))
        .tempdir()
        .unwrap()
}

/// Spools `message`, due at once at `T0`; the put must succeed.
async fn spool_at_t0<T: offline_im::transport::Transport>(
    sender: &offline_im::send::Sender<T>,
    spool: &DirectorySpool,
    message: &offline_im::compose::OfflineIm,
) {
    let put = sender
        .spool_all(spool, [message.clone()], T0, Duration::ZERO)
        .await;
    assert!(put.iter().all(Result::is_ok), "{put:?}");
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spooled_messages_wait_for_the_pickup_delay_then_arrive_once() {
    let server = server().await;
    let sender = sender(&server);
    let dir = spool_dir("pickup");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let messages = vec![
        im("kim@contoso.com", "pat@contoso.com", "first"),
        im("kim@contoso.com", "ann@fabrikam.com", "second"),
    ];
    let spooled = sender
        .spool_all(&spool, messages.clone(), T0, Duration::from_secs(120))
        .await;
    assert!(spooled.iter().all(Result::is_ok));
    assert!(dir.path().join("kim@contoso.com/History Spooler").is_dir());

    // Before the two minutes are up nothing is claimed or sent.
    let early = sender
        .drain(&spool, &RetrySchedule::default(), T0 + minutes(1), 100)
        .await
        .unwrap();
    server.idle().await;
    assert!(early.is_empty());
    assert!(server.requests().is_empty());

    let pass = sender
        .drain(&spool, &RetrySchedule::default(), T0 + minutes(2), 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(
        (pass.completed, pass.retried, pass.dead_lettered),
        (2, 0, 0)
    );
    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &messages[0]),
        1
    );
    assert_eq!(server.outbound().len(), 1);
    // Nothing is left waiting.
    let later = sender
        .drain(&spool, &RetrySchedule::default(), T0 + minutes(60), 100)
        .await
        .unwrap();
    server.idle().await;
    assert!(later.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_before_a_crash_is_completed_not_resent() {
    let server = server().await;
    let sender = sender(&server);
    let dir = spool_dir("crash");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let message = im(
        "kim@contoso.com",
        "pat@contoso.com",
        "sent, then the drainer died",
    );
    spool_at_t0(&sender, &spool, &message).await;
    // A drainer claimed it and delivered it, then died before recording that:
    let dead_drainer = DirectorySpool::builder(dir.path())
        .claimant("drainer-that-died".parse().unwrap())
        .open()
        .unwrap();
    let claimed = dead_drainer.claim_due(T0, 100).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(sender.send(message.clone()).await.outcome.is_delivered());

    // Its lease (10 minutes) runs out; the next drainer takes the message over,
    // looks for it, and completes it without sending it again.
    let after_lease = T0 + minutes(11);
    let pass = sender
        .drain(&spool, &RetrySchedule::default(), after_lease, 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.completed, 1);
    assert!(matches!(
        pass.reports[0].outcome,
        Outcome::Delivered {
            duplicate_avoided: true,
            ..
        }
    ));
    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &message),
        1
    );
}

/// A message spooled and claimed by a drainer that then died, and a sender
/// whose retry policy assumes Exchange may run a request for up to
/// `execution_limit` after the client gave up on it.
/// The temporary directory is last: keep it bound while the spool is used.
struct ClaimedByDeadDrainer(
    offline_im::send::Sender<offline_im::transport::HttpTransport>,
    DirectorySpool,
    offline_im::compose::OfflineIm,
    tempfile::TempDir,
);

async fn claimed_by_dead_drainer(
    server: &offline_im::testkit::TestServer,
    execution_limit: Duration,
    text: &str,
) -> ClaimedByDeadDrainer {
    let sender = offline_im::send::Sender::from_settings(
        transport(server, Duration::from_secs(5)),
        offline_im::settings::Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(
        fast_retry()
            .execution_limit(execution_limit)
            .deadline(execution_limit * 4),
    )
    .build()
    .unwrap();
    let dir = spool_dir("takeover");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let message = im("kim@contoso.com", "pat@contoso.com", text);
    spool_at_t0(&sender, &spool, &message).await;
    let dead_drainer = DirectorySpool::builder(dir.path())
        .claimant("drainer-that-died".parse().unwrap())
        .open()
        .unwrap();
    assert_eq!(dead_drainer.claim_due(T0, 100).await.unwrap().len(), 1);
    ClaimedByDeadDrainer(sender, spool, message, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_taken_over_while_the_dead_drainers_request_still_runs_arrives_once() {
    let server = server().await;
    let ClaimedByDeadDrainer(sender, spool, message, _dir) =
        claimed_by_dead_drainer(&server, Duration::from_secs(3), "created after it died").await;
    // The dead drainer's CreateItem: Exchange commits it 1.5 s later, long after
    // the drainer itself is gone (its request is dropped after 100 ms).
    server.faults().next_request(Fault::SlowCommit {
        over: Duration::from_millis(1500),
    });
    let dying = tokio::time::timeout(Duration::from_millis(100), sender.send(message.clone()));
    assert!(dying.await.is_err(), "the dying send must not finish");

    // The next drainer takes the claim over at once. Its first look finds
    // nothing yet; it must not resend before the execution limit has passed.
    let pass = sender
        .drain(&spool, &RetrySchedule::default(), T0 + minutes(11), 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.completed, 1, "{pass:?}");
    assert!(
        matches!(
            pass.reports[0].outcome,
            Outcome::Delivered {
                duplicate_avoided: true,
                ..
            }
        ),
        "{:?}",
        pass.reports[0]
    );
    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &message),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_taken_over_and_found_delivered_does_not_wait_out_the_execution_limit() {
    let server = server().await;
    // An execution limit far longer than the test may take: a found message
    // must be completed without waiting for it.
    let ClaimedByDeadDrainer(sender, spool, message, _dir) = claimed_by_dead_drainer(
        &server,
        Duration::from_secs(600),
        "delivered before it died",
    )
    .await;
    assert!(sender.send(message.clone()).await.outcome.is_delivered());
    server.idle().await;

    let pass = tokio::time::timeout(
        Duration::from_secs(30),
        sender.drain(&spool, &RetrySchedule::default(), T0 + minutes(11), 100),
    )
    .await
    .expect("a message found delivered is completed without waiting out the execution limit")
    .unwrap();
    assert_eq!(pass.completed, 1, "{pass:?}");
    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &message),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_wait_and_permanent_ones_become_dead_letters() {
    let server = server().await;
    let sender = offline_im::send::Sender::from_settings(
        transport(&server, Duration::from_secs(5)),
        offline_im::settings::Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(fast_retry().deadline(Duration::from_millis(50)))
    .build()
    .unwrap();
    let dir = spool_dir("failures");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let busy = im("kim@contoso.com", "pat@contoso.com", "server busy");
    let quota = im("kim@contoso.com", "full@contoso.com", "mailbox full");
    let denied = im("lee@contoso.com", "pat@contoso.com", "no archiving");
    sender
        .spool_all(
            &spool,
            [busy.clone(), quota.clone(), denied.clone()],
            T0,
            Duration::ZERO,
        )
        .await;
    server
        .faults()
        .per_recipient(
            &smtp("pat@contoso.com"),
            ItemFault::ServerBusy {
                back_off: Duration::from_millis(5),
            },
        )
        .per_recipient(&smtp("full@contoso.com"), ItemFault::QuotaExceeded);

    let schedule = RetrySchedule::new(
        Duration::from_secs(60),
        2.0,
        Duration::from_secs(3600),
        Duration::from_secs(600),
    )
    .unwrap();
    let pass = sender.drain(&spool, &schedule, T0, 100).await.unwrap();
    server.idle().await;
    assert_eq!(
        (pass.completed, pass.retried, pass.dead_lettered),
        (0, 1, 2),
        "{pass:?}"
    );

    let dead = spool.dead_letters().await.unwrap();
    let reason = |id| {
        dead.iter()
            .find(|d| d.entry().delivery_id() == id)
            .map(|d| d.reason().to_owned())
    };
    assert!(
        reason(quota.delivery_id())
            .unwrap()
            .contains("ErrorQuotaExceeded")
    );
    assert!(
        reason(denied.delivery_id())
            .unwrap()
            .contains("EnableIMAutoArchiving")
    );

    // The busy one waits a minute (the schedule's base), then goes once the server recovers.
    assert!(
        sender
            .drain(&spool, &schedule, T0 + minutes(0), 100)
            .await
            .unwrap()
            .is_empty()
    );
    server.faults().clear();
    let pass = sender
        .drain(&spool, &schedule, T0 + minutes(1), 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.completed, 1, "{pass:?}");
    assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, &busy), 1);

    // A dead letter can be put back and then goes through.
    spool
        .requeue(quota.delivery_id(), T0 + minutes(2))
        .await
        .unwrap();
    let pass = sender
        .drain(&spool, &schedule, T0 + minutes(2), 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.completed, 1, "{pass:?}");
    assert_eq!(
        copies(&server, "full@contoso.com", Folder::Inbox, &quota),
        1
    );
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_too_old_to_retry_become_dead_letters() {
    let server = server().await;
    server.faults().next_requests(
        1000,
        Fault::ServiceUnavailable {
            retry_after_secs: 0,
        },
    );
    let sender = offline_im::send::Sender::from_settings(
        transport(&server, Duration::from_secs(5)),
        offline_im::settings::Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(fast_retry().deadline(Duration::from_millis(30)))
    .build()
    .unwrap();
    let dir = spool_dir("old");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let message = im("kim@contoso.com", "pat@contoso.com", "never gets through");
    spool_at_t0(&sender, &spool, &message).await;
    let schedule = RetrySchedule::default(); // maximum age 24 h
    let pass = sender
        .drain(&spool, &schedule, T0 + time::Duration::hours(25), 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.dead_lettered, 1);
    let dead = spool
        .find_dead_letter(message.delivery_id())
        .await
        .unwrap()
        .unwrap();
    assert!(
        dead.reason().contains("too old") && dead.reason().contains("503"),
        "{}",
        dead.reason()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_only_messages_drained_from_a_spool_are_sent() {
    let server = server().await;
    let planner = offline_im::settings::Settings::from_toml_str(SETTINGS)
        .unwrap()
        .planner()
        .disposition(offline_im::plan::Disposition::SendOnly)
        .build();
    let sender =
        offline_im::send::Sender::builder(transport(&server, Duration::from_secs(5)), planner)
            .retry(fast_retry())
            .build()
            .unwrap();
    let dir = spool_dir("send-only");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let message = im("kim@contoso.com", "pat@contoso.com", "no copy kept");
    spool_at_t0(&sender, &spool, &message).await;
    let pass = sender
        .drain(&spool, &RetrySchedule::default(), T0, 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.completed, 1, "{pass:?}");
    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &message),
        1
    );
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::ConversationHistory)
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_back_off_longer_than_the_deadline_waits_in_the_spool() {
    let server = server().await;
    let sender = sender(&server);
    let dir = spool_dir("back-off");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let message = im(
        "kim@contoso.com",
        "pat@contoso.com",
        "busy for five minutes",
    );
    spool_at_t0(&sender, &spool, &message).await;
    // Exchange asks for five minutes (297,749 ms), longer than the deadline.
    server.faults().next_request(Fault::ServerBusyFault {
        back_off: Duration::from_millis(297_749),
    });
    let pass = sender
        .drain(&spool, &RetrySchedule::default(), T0, 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.retried, 1, "{pass:?}");
    let Outcome::Deferred(failure) = &pass.reports[0].outcome else {
        panic!("{}", pass.reports[0])
    };
    assert!(failure.is_throttled(), "{failure:?}");
    let waiting = spool.blocking_waiting().unwrap();
    let next = waiting[0].next_attempt_at();
    assert!(
        next >= T0 + time::Duration::milliseconds(297_000),
        "next attempt {next} is inside the server's back-off"
    );
    // Nothing was sent, or even asked, while the server said no.
    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &message),
        0
    );
    assert_eq!(server.requests().len(), 1);

    // Once the back-off is over, it goes, once.
    let pass = sender
        .drain(&spool, &RetrySchedule::default(), next, 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.completed, 1, "{pass:?}");
    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &message),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_due_sends_what_is_due_now_and_an_early_drain_sends_nothing() {
    let server = server().await;
    let sender = sender(&server);
    let dir = spool_dir("drain-due");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let now = OffsetDateTime::now_utc();
    let later = im(
        "kim@contoso.com",
        "pat@contoso.com",
        "after SfB's two minutes",
    );
    let at_once = im("kim@contoso.com", "ann@fabrikam.com", "at the next drain");
    sender
        .spool_all(&spool, [later.clone()], now, DEFAULT_PICKUP_DELAY)
        .await[0]
        .as_ref()
        .unwrap();
    sender
        .spool_all(&spool, [at_once.clone()], now, Duration::ZERO)
        .await[0]
        .as_ref()
        .unwrap();

    let pass = sender.drain_due(&spool).await.unwrap();
    server.idle().await;
    assert_eq!((pass.completed, pass.reports.len()), (1, 1), "{pass:?}");
    assert_eq!(pass.reports[0].delivery_id, at_once.delivery_id());
    assert_eq!(server.outbound().len(), 1);
    // The message spooled with the default pickup delay is not due yet: an
    // early drain returns nothing and sends nothing.
    let early = sender.drain_due(&spool).await.unwrap();
    server.idle().await;
    assert!(early.is_empty(), "{early:?}");
    assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, &later), 0);
    assert_eq!(spool.blocking_waiting().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_until_empty_makes_passes_until_nothing_is_due_and_adds_them_up() {
    let server = server().await;
    let sender = sender(&server);
    let dir = spool_dir("until-empty");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let now = OffsetDateTime::now_utc();
    let messages: Vec<_> = (0..5)
        .map(|i| im("kim@contoso.com", &format!("user{i}@contoso.com"), "hello"))
        .chain([im("lee@contoso.com", "pat@contoso.com", "no archiving")])
        .collect();
    let spooled = sender
        .spool_all(&spool, messages.clone(), now, Duration::ZERO)
        .await;
    assert!(spooled.iter().all(Result::is_ok));
    let waits = im("kim@contoso.com", "pat@contoso.com", "not due yet");
    sender
        .spool_all(&spool, [waits.clone()], now, DEFAULT_PICKUP_DELAY)
        .await[0]
        .as_ref()
        .unwrap();

    // Passes of two: three of them claim the six due messages.
    let pass = sender
        .drain_all(&spool, &RetrySchedule::default(), now, 2)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(
        (pass.completed, pass.dead_lettered, pass.reports.len()),
        (5, 1, 6),
        "{pass:?}"
    );
    for (i, message) in messages.iter().take(5).enumerate() {
        let to = format!("user{i}@contoso.com");
        assert_eq!(copies(&server, &to, Folder::Inbox, message), 1, "{to}");
    }
    // It does not wait for the message whose pickup time has not come.
    assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, &waits), 0);
    assert_eq!(spool.blocking_waiting().unwrap().len(), 1);

    // With the defaults, and nothing due: an empty pass.
    let nothing = sender.drain_until_empty(&spool).await.unwrap();
    assert!(nothing.is_empty(), "{nothing:?}");
    assert_eq!(nothing, DrainPass::default());
}

/// `spool_all` hands its messages to the spool in one `put_all`: 250 messages
/// of one sender due together take three batch files (100, 100, 50), not 250
/// files, and a drain delivers each once; the same message twice in one call
/// is refused the second time and still delivered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spool_all_writes_batch_files_and_each_message_arrives_once() {
    let server = server().await;
    let sender = sender(&server);
    let dir = spool_dir("spool-all-batches");
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let mut messages: Vec<_> = (0..250)
        .map(|i| im("kim@contoso.com", "pat@contoso.com", &format!("note {i}")))
        .collect();
    messages.push(messages[7].clone());
    let spooled = sender
        .spool_all(&spool, messages.clone(), T0, Duration::ZERO)
        .await;
    assert!(spooled[..250].iter().all(Result::is_ok), "{spooled:?}");
    assert!(
        matches!(
            spooled[250],
            Err(offline_im::spool::SpoolError::AlreadySpooled { id, .. })
                if id == messages[7].delivery_id()
        ),
        "{:?}",
        spooled[250]
    );
    let files: Vec<String> = std::fs::read_dir(dir.path().join("kim@contoso.com/History Spooler"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "claimed")
        .collect();
    assert!(files.iter().all(|n| n.ends_with(".batch")), "{files:?}");
    // `<batch id>.<messages>.batch`
    let mut counts: Vec<&str> = files.iter().filter_map(|n| n.split('.').nth(1)).collect();
    counts.sort_unstable();
    assert_eq!(counts, ["100", "100", "50"], "{files:?}");

    let pass = sender
        .drain_all(&spool, &RetrySchedule::default(), T0, 1000)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.completed, 250);
    for message in &messages[..250] {
        assert_eq!(
            copies(&server, "pat@contoso.com", Folder::Inbox, message),
            1
        );
    }
    let overview = spool.overview(T0).await.unwrap();
    assert_eq!(
        (overview.waiting, overview.claimed, overview.dead),
        (0, 0, 0)
    );
}
