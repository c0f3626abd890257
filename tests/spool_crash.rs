//! Crash safety of the History Spooler through the real pipeline: a drainer in a
//! child process is killed with SIGKILL at random points, again and again; in the
//! end every message is in its recipient's inbox exactly once and the spool is empty.
//!
//! The child is this test binary itself, run with `OFFLINE_IM_DRAIN_CHILD` set: it
//! then acts as a drainer (see `child_drainer`) instead of testing.

#[path = "support/killed_children.rs"]
mod killed_children;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::time::Duration;

use killed_children::{kill_while_working, next_random, run_child, spawn_ready};
use offline_im::plan::Folder;
use offline_im::send::Sender;
use offline_im::settings::Settings;
use offline_im::spool::{DirectorySpool, RetrySchedule, Spool, SpoolEntry};
use sender_on_testkit::*;
use time::OffsetDateTime;

const MESSAGES: usize = 400;
const KILLS: usize = 15;
const LEASE: Duration = Duration::from_millis(300);

fn open(dir: &str) -> DirectorySpool {
    DirectorySpool::builder(dir).lease(LEASE).open().unwrap()
}

/// The drainer the parent test kills. A no-op in a normal test run.
#[test]
fn child_drainer() {
    run_child(
        "OFFLINE_IM_DRAIN_CHILD",
        "OFFLINE_IM_DRAIN_URL",
        |dir, url| async move {
            let transport = offline_im::transport::HttpTransport::builder(url.parse().unwrap())
                .basic("svc-offline-im@contoso.com", "service password")
                .allow_http(true)
                .env_proxy(false)
                .build()
                .unwrap();
            let sender =
                Sender::from_settings(transport, Settings::from_toml_str(SETTINGS).unwrap())
                    .batch_size(10)
                    .concurrency(2)
                    .retry(fast_retry())
                    .build()
                    .unwrap();
            let spool = open(&dir);
            // Tell the parent the drainer is about to start, so that kill points are
            // measured from here and not from process start-up on a loaded machine.
            println!("ready");
            loop {
                let pass = sender
                    .drain(
                        &spool,
                        &RetrySchedule::default(),
                        OffsetDateTime::now_utc(),
                        40,
                    )
                    .await
                    .unwrap();
                if pass.is_empty() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_drainers_lose_nothing_and_deliver_nothing_twice() {
    // Slow enough that the kills land while messages are in flight.
    let server = offline_im::testkit::TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .latency(Duration::from_millis(25))
        .start()
        .await
        .unwrap();
    let dir = tempfile::Builder::new()
        .prefix("offline-im-crash-")
        .tempdir()
        .unwrap();
    let root = dir.path().to_str().unwrap().to_owned();
    let spool = open(&root);
    let messages: Vec<_> = (0..MESSAGES)
        .map(|i| {
            im(
                "kim@contoso.com",
                &format!("user{}@contoso.com", i % 40),
                &format!("message {i}"),
            )
        })
        .collect();
    for message in &messages {
        spool
            .put(
                SpoolEntry::new(message.clone(), OffsetDateTime::now_utc())
                    .pickup_delay(Duration::ZERO),
            )
            .await
            .unwrap();
    }

    let mut seed = 0x5EED_2026_1203;
    for _ in 0..KILLS {
        let child = spawn_ready(
            "child_drainer",
            &[
                ("OFFLINE_IM_DRAIN_CHILD", &root),
                ("OFFLINE_IM_DRAIN_URL", &server.url()),
            ],
        )
        .await;
        let alive = Duration::from_millis(next_random(&mut seed) % 150);
        kill_while_working(child, &server, alive).await;
    }

    let delivered_by_children: usize = (0..40)
        .map(|r| {
            server
                .folder(&smtp(&format!("user{r}@contoso.com")), Folder::Inbox)
                .len()
        })
        .sum();
    eprintln!("children delivered {delivered_by_children} of {MESSAGES} before the last kill");
    assert!(delivered_by_children > 0, "the children did real work");

    // Let the dead drainers' leases run out, then finish in this process.
    tokio::time::sleep(LEASE + Duration::from_millis(100)).await;
    let sender = sender(&server);
    let mut idle = 0;
    while idle < 2 {
        let pass = sender
            .drain(
                &spool,
                &RetrySchedule::default(),
                OffsetDateTime::now_utc(),
                500,
            )
            .await
            .unwrap();
        if pass.is_empty() {
            idle += 1;
            tokio::time::sleep(LEASE + Duration::from_millis(50)).await;
        }
    }
    server.idle().await;

    for (i, message) in messages.iter().enumerate() {
        let to = message.recipient().smtp().as_str();
        assert_eq!(
            copies(&server, to, Folder::Inbox, message),
            1,
            "message {i} in {to}'s inbox"
        );
        assert_eq!(
            copies(
                &server,
                "kim@contoso.com",
                Folder::ConversationHistory,
                message
            ),
            1,
            "message {i}: sender's copy"
        );
    }
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
    assert!(
        spool.blocking_waiting().unwrap().is_empty(),
        "nothing left waiting"
    );
    assert!(
        spool.dead_letters().await.unwrap().is_empty(),
        "no dead letters: every failure was transient"
    );
    let claimed = std::fs::read_dir(dir.path().join("kim@contoso.com/History Spooler/claimed"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(claimed, 0, "no claims left behind");
}
