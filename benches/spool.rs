//! Spool cost: one message through put, claim and complete (fsync-bound), and
//! one drain pass over a spool of waiting messages (a read and parse per file).

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
