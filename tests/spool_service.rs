//! The delivery service (`Sender::serve`) as a deployment runs it: drainer
//! processes killed with SIGKILL again and again while they deliver through a
//! faulty Exchange, a final drainer that takes their claims over at once
//! (not a lease later), and a service stopped by its shutdown signal and
//! started again. In the end every message arrived exactly once.
//!
//! The killed drainers are this test binary itself, run with
//! `OFFLINE_IM_SERVICE_CHILD` set (see `child_service`).

#[path = "support/killed_children.rs"]
mod killed_children;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::time::{Duration, Instant};

use killed_children::{kill_while_working, next_random, run_child, spawn_ready};
use offline_im::compose::OfflineIm;
use offline_im::plan::Folder;
use offline_im::send::{Sender, ServeOptions, ServiceMonitor};
use offline_im::settings::Settings;
use offline_im::spool::{DirectorySpool, Spool, SpoolEntry};
use offline_im::testkit::TestServer;
use sender_on_testkit::*;
use time::OffsetDateTime;

/// The lease is the default, ten minutes: only holder detection can finish in seconds.
const MESSAGES: usize = 3000;
const KILLS: usize = 20;
const SENDERS: usize = 10;
const RECIPIENTS: usize = 50;

fn messages(count: usize, tag: &str) -> Vec<OfflineIm> {
    (0..count)
        .map(|i| {
            im(
                &format!("sender{}@contoso.com", i % SENDERS),
                &format!("user{}@contoso.com", i % RECIPIENTS),
                &format!("{tag} {i}"),
            )
        })
        .collect()
}

async fn spool_all(spool: &DirectorySpool, messages: &[OfflineIm]) {
    let entries: Vec<SpoolEntry> = messages
        .iter()
        .map(|m| SpoolEntry::new(m.clone(), OffsetDateTime::now_utc()).pickup_delay(Duration::ZERO))
        .collect();
    let results = spool.put_all(entries).await;
    assert!(results.iter().all(Result::is_ok), "every put succeeded");
}

fn service_sender(url: &str) -> Sender<offline_im::transport::HttpTransport> {
    let transport = offline_im::transport::HttpTransport::builder(url.parse().unwrap())
        .basic("svc-offline-im@contoso.com", "service password")
        .allow_http(true)
        .env_proxy(false)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    Sender::from_settings(transport, Settings::from_toml_str(SETTINGS).unwrap())
        .batch_size(50)
        .concurrency(4)
        .per_sender_concurrency(2)
        .retry(fast_retry())
        .build()
        .unwrap()
}

async fn faulty_server(seed: u64) -> TestServer {
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .latency(Duration::from_millis(5))
        .submission_lag(Duration::from_millis(20), Duration::from_millis(200))
        .seed(seed)
        .start()
        .await
        .unwrap();
    // One request in ten and one item in a hundred meet a transient fault,
    // reply-losing ones included.
    server.faults().every_transient_fault(0.1, 0.01);
    server
}

/// Every message in its recipient's inbox exactly once, no drafts left, and
/// the spool holds nothing but dead letters (here: none, every fault is transient).
async fn assert_each_arrived_once(
    server: &TestServer,
    spool: &DirectorySpool,
    messages: &[OfflineIm],
) {
    server.idle().await;
    let mut wrong = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let to = message.recipient().smtp().as_str();
        let n = copies(server, to, Folder::Inbox, message);
        if n != 1 {
            wrong.push((i, n));
        }
    }
    assert!(
        wrong.is_empty(),
        "(message, copies) not arrived once: {wrong:?}"
    );
    for s in 0..SENDERS {
        let drafts = server.folder(&smtp(&format!("sender{s}@contoso.com")), Folder::Drafts);
        assert!(drafts.is_empty(), "drafts left for sender{s}");
    }
    let overview = spool.overview(OffsetDateTime::now_utc()).await.unwrap();
    assert!(overview.only_dead_letters_left(), "{overview:?}");
    assert_eq!(
        overview.dead, 0,
        "no dead letters: every fault was transient"
    );
}

/// The drainer the parent test kills. A no-op in a normal test run.
#[test]
fn child_service() {
    run_child(
        "OFFLINE_IM_SERVICE_CHILD",
        "OFFLINE_IM_SERVICE_URL",
        |dir, url| async move {
            let sender = service_sender(&url);
            let spool = DirectorySpool::open(&dir).unwrap();
            println!("ready");
            let options = ServeOptions::new()
                .claim_limit(100)
                .idle_poll(Duration::from_millis(20));
            sender
                .serve(&spool, &options, std::future::pending())
                .await
                .unwrap();
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drainers_killed_twenty_times_are_taken_over_in_seconds_and_deliver_once() {
    // Telling a dead drainer from a live one reads /proc; without it claims
    // keep their ten-minute lease.
    if !std::path::Path::new("/proc/self/stat").exists() {
        assert!(
            std::env::var_os("OFFLINE_IM_REQUIRE_PROC").is_none(),
            "OFFLINE_IM_REQUIRE_PROC is set but /proc is not mounted"
        );
        eprintln!("skipped: no /proc, so killed drainers' claims wait for their lease");
        return;
    }
    let server = faulty_server(0x14).await;
    let dir = tempfile::Builder::new()
        .prefix("offline-im-service-")
        .tempdir()
        .unwrap();
    let root = dir.path().to_str().unwrap().to_owned();
    let spool = DirectorySpool::open(&root).unwrap();
    let messages = messages(MESSAGES, "killed");
    spool_all(&spool, &messages).await;

    let mut seed = 0x5EED_0014;
    let started = Instant::now();
    for _ in 0..KILLS {
        let child = spawn_ready(
            "child_service",
            &[
                ("OFFLINE_IM_SERVICE_CHILD", &root),
                ("OFFLINE_IM_SERVICE_URL", &server.url()),
            ],
        )
        .await;
        let alive = Duration::from_millis(next_random(&mut seed) % 500);
        kill_while_working(child, &server, alive).await;
    }
    let killed_at = Instant::now();
    eprintln!("{KILLS} kills took {:?}", started.elapsed());
    let left = spool.overview(OffsetDateTime::now_utc()).await.unwrap();
    eprintln!("after the last kill: {left:?}");
    assert!(
        left.waiting + left.claimed < MESSAGES,
        "the children did real work"
    );

    // The final drainer: no lease wait (the lease is ten minutes).
    let sender = service_sender(&server.url());
    let options = ServeOptions::new()
        .until_drained(true)
        .idle_poll(Duration::from_millis(20));
    let stats = sender
        .serve(&spool, &options, std::future::pending())
        .await
        .unwrap();
    let took = killed_at.elapsed();
    eprintln!("final drainer: {stats:?} in {took:?}");
    assert!(
        took < Duration::from_secs(30),
        "the final drain took {took:?}: the dead drainers' claims waited for their lease"
    );
    assert_each_arrived_once(&server, &spool, &messages).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_stopped_mid_flight_and_restarted_loses_nothing_and_sends_nothing_twice() {
    let server = faulty_server(0x15).await;
    let dir = tempfile::Builder::new()
        .prefix("offline-im-service-stop-")
        .tempdir()
        .unwrap();
    let spool = DirectorySpool::open(dir.path()).unwrap();
    let messages = messages(600, "stopped");
    spool_all(&spool, &messages).await;

    let sender = service_sender(&server.url());
    let monitor = ServiceMonitor::new();
    let options = ServeOptions::new()
        .claim_limit(100)
        .idle_poll(Duration::from_millis(20))
        .monitor(monitor.clone());
    // Stop once the service is in the middle of a pass.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = {
        let monitor = monitor.clone();
        tokio::spawn(async move {
            while monitor.snapshot().in_flight == 0 || monitor.snapshot().passes == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let _ = stop.send(());
        })
    };
    let first = sender
        .serve(&spool, &options, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    watcher.await.unwrap();
    assert_eq!(first.in_flight, 0, "the pass in flight was recorded");
    let after_stop = spool.overview(OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(after_stop.claimed, 0, "no claim abandoned: {after_stop:?}");
    assert!(
        first.delivered > 0 && first.delivered < messages.len(),
        "stopped mid-way: {first:?}"
    );
    assert_eq!(
        after_stop.waiting + first.delivered + first.dead,
        messages.len(),
        "every message delivered, dead or waiting again"
    );

    let second = sender
        .serve(
            &spool,
            &options.clone().until_drained(true),
            std::future::pending(),
        )
        .await
        .unwrap();
    eprintln!("first run: {first:?}; second run: {second:?}");
    assert_each_arrived_once(&server, &spool, &messages).await;
}
