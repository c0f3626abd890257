//! Spool cost, on the file system of the temporary directory (`TMPDIR`; a disk,
//! not tmpfs, for figures that mean anything).
//!
//! `cargo bench --bench spool`.
//!
//! - `put_claim_complete`: one message through put, claim and complete.
//! - `scan_waiting`: a claim that finds nothing due among `n` waiting messages.
//! - `put_all_1000`: spooling 1,000 messages in one call (batched syncs).
//!   Target: at least 5,000 messages/s.
//! - `claim_complete_1000`: the spool's share of a delivery pass, claiming and
//!   completing 1,000 messages spooled by `put_all`. Target (with the next
//!   one): the spool is not the bottleneck, it handles messages faster than
//!   `send_all` delivers them.
//! - `drain_service` vs `send_all_direct`: 6,000 messages through the embedded
//!   server with 5 ms latency (batch 100, 8 requests in flight), by the delivery
//!   service from the spool (1,000 and 3,200 messages claimed per pass) and by
//!   `send_all` straight.
//! - `heap_with_100k_waiting`: the largest heap in use while the service claims
//!   from (and overviews) a spool of 100,000 waiting messages, printed once.
//!   Target: under 64 MiB.
//!
//! Spool cost: one message through put, claim and complete (fsync-bound), and
//! one drain pass over a spool of waiting messages (a read and parse per file).
//!
//! `PgSpool` on the server of `OFFLINE_IM_PG_URL` (start one with
//! `eval "$(bash .ci/postgres)"`; without it these benches print that they are
//! skipped): puts in batches of 1,000 (goal: 5,000 messages/s or more), and
//! four drainers claiming and completing 2,000 messages at once (goal: 2,000
//! claims+completes/s or more). Divan's "items/s" column is the figure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::send::{Sender, ServeOptions};
use offline_im::settings::Settings;
use offline_im::spool::{DirectorySpool, SpoolEntry};
use offline_im::testkit::TestServer;
use offline_im::transport::HttpTransport;
use time::OffsetDateTime;
use time::macros::datetime;

/// The system allocator, counting the bytes in use and the most ever in use.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    divan::main();
}

const T0: OffsetDateTime = datetime!(2026-03-02 09:15 UTC);

fn message(sender: usize) -> OfflineIm {
    let person = |user: &str| {
        Participant::new(
            format!("sip:{user}@contoso.com").parse().unwrap(),
            format!("{user}@contoso.com").parse().unwrap(),
            format!("User {user}"),
        )
    };
    let from = person(&format!("user{sender}"));
    OfflineIm::builder()
        .sender(from.clone())
        .recipient(person("pat"))
        .line(ImLine::new(
            from.sip().clone(),
            T0,
            "Are you there? The contract is signed.",
        ))
        .build()
        .unwrap()
}

#[divan::bench(sample_count = 50)]
fn put_claim_complete(bencher: Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let spool = DirectorySpool::open(dir.path()).unwrap();
    bencher
        .with_inputs(|| SpoolEntry::new(message(1), T0))
        .bench_local_values(|entry| {
            spool.blocking_put(entry).unwrap();
            let claim = spool
                .blocking_claim_due(datetime!(2026-03-02 10:00 UTC), 1)
                .unwrap();
            spool
                .blocking_complete(claim.into_iter().next().unwrap())
                .unwrap();
        });
}

/// A drain pass that finds nothing due among `n` waiting messages of 10 senders.
#[divan::bench(args = [100, 1000], sample_count = 20)]
fn scan_waiting(bencher: Bencher, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let spool = DirectorySpool::open(dir.path()).unwrap();
    for i in 0..n {
        spool
            .blocking_put(SpoolEntry::new(message(i % 10), T0))
            .unwrap();
    }
    bencher.bench_local(|| black_box(spool.blocking_claim_due(T0, 100).unwrap()));
}

/// Spooling 1,000 messages in one `put_all` call.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn put_all_1000(bencher: Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let spool = DirectorySpool::open(dir.path()).unwrap();
    bencher
        .counter(ItemsCount::new(1000usize))
        .with_inputs(|| {
            (0..1000)
                .map(|i| SpoolEntry::new(message(i % 10), T0))
                .collect::<Vec<_>>()
        })
        .bench_local_values(|entries| {
            let results = spool.blocking_put_all(entries);
            assert!(results.iter().all(Result::is_ok));
        });
}

const SETTINGS: &str = "[organization]\nsip_domains = [\"contoso.com\"]\n";
const THROUGH: usize = 6000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn testkit_sender(runtime: &tokio::runtime::Runtime) -> (TestServer, Sender<HttpTransport>) {
    let server = runtime.block_on(async {
        TestServer::builder()
            .hosted_domain("contoso.com")
            .latency(Duration::from_millis(5))
            .start()
            .await
            .unwrap()
    });
    let transport = HttpTransport::builder(server.url().parse().unwrap())
        .allow_http(true)
        .env_proxy(false)
        .pool_max_idle_per_host(8)
        .build()
        .unwrap();
    let sender = Sender::from_settings(transport, Settings::from_toml_str(SETTINGS).unwrap())
        .batch_size(100)
        .concurrency(8)
        .build()
        .unwrap();
    (server, sender)
}

/// 6,000 spooled messages (10 senders) delivered by the service until
/// drained, claiming `claim_limit` messages per pass (1,000 is the default).
#[divan::bench(args = [1000, 3200], sample_count = 5, sample_size = 1)]
fn drain_service(bencher: Bencher, claim_limit: usize) {
    let runtime = runtime();
    let (server, sender) = testkit_sender(&runtime);
    let options = ServeOptions::new()
        .claim_limit(claim_limit)
        .until_drained(true)
        .idle_poll(Duration::from_millis(5));
    bencher
        .counter(ItemsCount::new(THROUGH))
        .with_inputs(|| {
            let dir = tempfile::tempdir().unwrap();
            let spool = DirectorySpool::open(dir.path()).unwrap();
            let now = OffsetDateTime::now_utc();
            let entries = (0..THROUGH)
                .map(|i| SpoolEntry::new(message(i % 10), now).pickup_delay(Duration::ZERO))
                .collect();
            assert!(spool.blocking_put_all(entries).iter().all(Result::is_ok));
            (dir, spool)
        })
        .bench_local_values(|(dir, spool)| {
            let stats = runtime
                .block_on(sender.serve(&spool, &options, std::future::pending()))
                .unwrap();
            assert_eq!(stats.delivered, THROUGH);
            dir // removed after the sample, outside the timing
        });
    drop(server);
}

/// The spool's share of a delivery pass: claiming 1,000 due messages (written
/// by `put_all`, 10 senders) and completing them.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn claim_complete_1000(bencher: Bencher) {
    bencher
        .counter(ItemsCount::new(1000usize))
        .with_inputs(|| {
            let dir = tempfile::tempdir().unwrap();
            let spool = DirectorySpool::open(dir.path()).unwrap();
            let entries = (0..1000)
                .map(|i| SpoolEntry::new(message(i % 10), T0))
                .collect();
            assert!(spool.blocking_put_all(entries).iter().all(Result::is_ok));
            (dir, spool)
        })
        .bench_local_values(|(dir, spool)| {
            let claims = spool
                .blocking_claim_due(datetime!(2026-03-02 10:00 UTC), 1000)
                .unwrap();
            assert_eq!(claims.len(), 1000);
            assert!(
                spool
                    .blocking_complete_all(claims)
                    .iter()
                    .all(Result::is_ok)
            );
            dir // removed after the sample, outside the timing
        });
}

/// The same 6,000 messages through `send_all`, for comparison.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn send_all_direct(bencher: Bencher) {
    let runtime = runtime();
    let (server, sender) = testkit_sender(&runtime);
    bencher
        .counter(ItemsCount::new(THROUGH))
        .with_inputs(|| (0..THROUGH).map(|i| message(i % 10)).collect::<Vec<_>>())
        .bench_local_values(|messages| {
            let reports = runtime.block_on(sender.send_all(messages));
            assert!(reports.iter().all(|r| r.outcome.is_delivered()));
        });
    drop(server);
}

/// The heap while the service claims 1,000 messages from 100,000 waiting and
/// looks at the spool's overview; the peak is printed once.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn heap_with_100k_waiting(bencher: Bencher) {
    const WAITING: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let spool = DirectorySpool::open(dir.path()).unwrap();
    for chunk in 0..WAITING / 5000 {
        let entries = (0..5000)
            .map(|i| SpoolEntry::new(message((chunk * 5000 + i) % 10), T0))
            .collect();
        assert!(spool.blocking_put_all(entries).iter().all(Result::is_ok));
    }
    let later = datetime!(2026-03-02 10:00 UTC);
    bencher.bench_local(|| {
        let base = IN_USE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let claims = spool.blocking_claim_due(later, 1000).unwrap();
        let overview = spool.blocking_overview(later).unwrap();
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        eprintln!(
            "heap_with_100k_waiting: peak {:.1} MiB above the start ({} waiting, {} claimed)",
            peak as f64 / (1024.0 * 1024.0),
            overview.waiting,
            claims.len()
        );
        black_box(claims)
    });
}

mod postgres {
    use std::time::Duration;

    use divan::Bencher;
    use divan::counter::ItemsCount;
    use offline_im::spool::{PgSpool, Spool, SpoolEntry};
    use tokio::runtime::Runtime;

    use super::{T0, message};

    fn runtime() -> Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    /// A spool in a new PostgreSQL schema, or `None` (said) without a server.
    fn spool(rt: &Runtime, bench: &str, claimant: &str) -> Option<(String, PgSpool)> {
        let Ok(url) = std::env::var("OFFLINE_IM_PG_URL") else {
            eprintln!(
                "{bench}: skipped, OFFLINE_IM_PG_URL is not set (eval \"$(bash .ci/postgres)\")"
            );
            return None;
        };
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let task = tokio::spawn(connection);
            client
                .batch_execute(&format!("CREATE SCHEMA {schema}"))
                .await
                .unwrap();
            drop(client);
            let _ = task.await;
        });
        let sep = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
        Some((url.clone(), open(rt, &url, claimant)))
    }

    fn open(rt: &Runtime, url: &str, claimant: &str) -> PgSpool {
        rt.block_on(
            PgSpool::builder(url.to_owned())
                .claimant(claimant.parse().unwrap())
                .lease(Duration::from_secs(600))
                .create_schema(true)
                .connect(),
        )
        .unwrap()
    }

    fn entries(n: usize) -> Vec<SpoolEntry> {
        (0..n)
            .map(|i| SpoolEntry::new(message(i % 10), T0).pickup_delay(Duration::ZERO))
            .collect()
    }

    /// 1,000 messages in one `put_batch` (one transaction).
    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn pg_put_batch_1000(bencher: Bencher) {
        let rt = runtime();
        let Some((_, spool)) = spool(&rt, "pg_put_batch_1000", "bench") else {
            return;
        };
        bencher
            .counter(ItemsCount::new(1000usize))
            .with_inputs(|| entries(1000))
            .bench_local_values(|batch| {
                for result in rt.block_on(spool.put_batch(batch)).unwrap() {
                    result.unwrap();
                }
            });
    }

    /// Four drainers (own pools, own claimant ids) claim 50 at a time and complete
    /// each message, until the 2,000 waiting are gone.
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn pg_claim_complete_four_drainers_2000(bencher: Bencher) {
        let rt = runtime();
        let Some((url, first)) = spool(&rt, "pg_claim_complete_four_drainers_2000", "d0") else {
            return;
        };
        let drainers: Vec<PgSpool> = std::iter::once(first)
            .chain((1..4).map(|i| open(&rt, &url, &format!("d{i}"))))
            .collect();
        let now = T0 + time::Duration::hours(1);
        bencher
            .counter(ItemsCount::new(2000usize))
            .with_inputs(|| {
                for result in rt.block_on(drainers[0].put_batch(entries(2000))).unwrap() {
                    result.unwrap();
                }
            })
            .bench_local_values(|()| {
                rt.block_on(futures_util::future::join_all(drainers.iter().map(
                    |spool| async move {
                        loop {
                            let claims = spool.claim_due(now, 50).await.unwrap();
                            if claims.is_empty() {
                                return;
                            }
                            for claim in claims {
                                spool.complete(claim).await.unwrap();
                            }
                        }
                    },
                )));
            });
    }
}
