//! Spool cost: one message through put, claim and complete (fsync-bound), and
//! one drain pass over a spool of waiting messages (a read and parse per file).
//!
//! `PgSpool` on the server of `OFFLINE_IM_PG_URL` (start one with
//! `eval "$(bash .ci/postgres)"`; without it these benches print that they are
//! skipped): puts in batches of 1,000 (goal: 5,000 messages/s or more), and
//! four drainers claiming and completing 2,000 messages at once (goal: 2,000
//! claims+completes/s or more). Divan's "items/s" column is the figure.

use divan::{Bencher, black_box};
use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::spool::{DirectorySpool, SpoolEntry};
use time::OffsetDateTime;
use time::macros::datetime;

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
