//! Several drainers on one directory, and drainers that die: no message is
//! claimed twice while its lease holds, none is lost when a drainer dies.

#[path = "support/spool_entries.rs"]
mod spool_entries;

use std::collections::HashMap;
use std::fs;
use std::sync::{Barrier, Mutex};

use offline_im::compose::DeliveryId;
use offline_im::spool::{DirectorySpool, SpoolEntry};
use spool_entries::*;

const SENDERS: [&str; 4] = ["kim", "lee", "max", "ann"];

fn fill(spool: &DirectorySpool, count: usize) -> Vec<DeliveryId> {
    (0..count)
        .map(|i| {
            let e = SpoolEntry::new(message_from(SENDERS[i % SENDERS.len()], "x"), T0)
                .pickup_delay(secs(0));
            let id = e.delivery_id();
            spool.blocking_put(e).unwrap();
            id
        })
        .collect()
}

/// Runs `threads` drainers over `root`, each its own spool with its own claimant.
fn drain_concurrently(
    root: &std::path::Path,
    threads: usize,
    work: impl Fn(&DirectorySpool) + Sync,
) {
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (barrier, work) = (&barrier, &work);
            s.spawn(move || {
                let spool = spool(root, &format!("drainer-{t}"));
                barrier.wait();
                work(&spool);
            });
        }
    });
}

#[test]
fn many_drainers_claim_each_message_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let ids = fill(&spool(dir.path(), "filler"), 240);
    let claimed = Mutex::new(Vec::new());

    drain_concurrently(dir.path(), 8, |spool| {
        loop {
            let claims = spool.blocking_claim_due(T0, 5).unwrap();
            if claims.is_empty() {
                break;
            }
            for claim in claims {
                claimed
                    .lock()
                    .unwrap()
                    .push((claim.delivery_id(), claim.claimant().clone()));
                spool.blocking_complete(claim).unwrap();
            }
        }
    });

    let claimed = claimed.into_inner().unwrap();
    let mut counts: HashMap<DeliveryId, usize> = HashMap::new();
    for (id, _) in &claimed {
        *counts.entry(*id).or_default() += 1;
    }
    assert_eq!(counts.len(), ids.len(), "every message was claimed");
    assert!(
        counts.values().all(|&n| n == 1),
        "no message was claimed twice"
    );
    let drainers: std::collections::HashSet<_> = claimed.iter().map(|(_, c)| c).collect();
    assert!(drainers.len() > 1, "the work was actually shared");
}

#[test]
fn drainers_retrying_and_claiming_at_once_deliver_each_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let ids = fill(&spool(dir.path(), "filler"), 120);
    let completed = Mutex::new(Vec::new());

    // Every message fails once (due again at once), then succeeds: retried
    // files are rewritten while other drainers scan and claim.
    drain_concurrently(dir.path(), 6, |spool| {
        loop {
            let claims = spool.blocking_claim_due(at(1), 4).unwrap();
            if claims.is_empty() {
                break;
            }
            for claim in claims {
                if claim.entry().attempts() == 0 {
                    spool
                        .blocking_retry_later(claim, at(1), at(1), "ErrorServerBusy")
                        .unwrap();
                } else {
                    completed
                        .lock()
                        .unwrap()
                        .push((claim.delivery_id(), claim.entry().attempts()));
                    spool.blocking_complete(claim).unwrap();
                }
            }
        }
    });

    let mut completed = completed.into_inner().unwrap();
    completed.sort();
    let mut expected: Vec<_> = ids.iter().map(|id| (*id, 1)).collect();
    expected.sort();
    assert_eq!(
        completed, expected,
        "each message completed once, after exactly one failed attempt"
    );
    let left = spool(dir.path(), "check");
    assert!(
        left.blocking_claim_due(at(100_000), 1000)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn claims_of_a_dead_drainer_come_back_after_the_lease_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let ids = fill(&spool(dir.path(), "filler"), 60);
    {
        // This drainer claims everything and dies without a word.
        let dead = spool(dir.path(), "dead");
        assert_eq!(dead.blocking_claim_due(T0, 1000).unwrap().len(), ids.len());
    }
    let survivor = spool(dir.path(), "survivor");
    assert!(
        survivor
            .blocking_claim_due(at(299), 1000)
            .unwrap()
            .is_empty(),
        "the lease (300 s) still holds"
    );

    // After the lease, several drainers race to recover and claim.
    let claimed = Mutex::new(Vec::new());
    drain_concurrently(dir.path(), 6, |spool| {
        loop {
            let claims = spool.blocking_claim_due(at(300), 3).unwrap();
            if claims.is_empty() {
                break;
            }
            for claim in claims {
                assert_eq!(claim.entry().attempts(), 0);
                claimed.lock().unwrap().push(claim.delivery_id());
                spool.blocking_complete(claim).unwrap();
            }
        }
    });
    let mut claimed = claimed.into_inner().unwrap();
    claimed.sort();
    let mut expected = ids;
    expected.sort();
    assert_eq!(claimed, expected, "each recovered once, none lost");
}

/// The claimed file of a message claimed by `spool` at `T0`.
fn claimed_file(spool: &DirectorySpool, id: DeliveryId) -> std::path::PathBuf {
    let claimed = kim_spooler(spool).join("claimed");
    let name = names(&claimed)
        .into_iter()
        .find(|n| n.starts_with(&id.to_string()))
        .expect("a claimed file");
    claimed.join(name)
}

#[test]
fn a_drainer_killed_while_handing_a_message_on_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let releasing = |path: &std::path::Path| path.with_extension("releasing");

    // Killed after marking the claim as being released, before writing the new
    // file: the message comes back as it was.
    let lost = entry("killed before writing");
    spool.blocking_put(lost.clone()).unwrap();
    spool.blocking_claim_due(T0, 1).unwrap();
    let file = claimed_file(&spool, lost.delivery_id());
    fs::rename(&file, releasing(&file)).unwrap();

    // Killed after writing the retry, before removing the old file: one copy,
    // the new one.
    let retried = entry("killed after retry written");
    spool.blocking_put(retried.clone()).unwrap();
    let claim = spool.blocking_claim_due(T0, 1).unwrap().pop().unwrap();
    let file = claimed_file(&spool, retried.delivery_id());
    let old = fs::read(&file).unwrap();
    spool
        .blocking_retry_later(claim, at(1), at(2), "ErrorServerBusy")
        .unwrap();
    fs::write(releasing(&file), old).unwrap();

    // Killed after writing the dead letter, before removing the old file: the
    // message stays dead.
    let dead = entry("killed after dead letter written");
    spool.blocking_put(dead.clone()).unwrap();
    let claim = spool.blocking_claim_due(T0, 1).unwrap().pop().unwrap();
    let file = claimed_file(&spool, dead.delivery_id());
    let old = fs::read(&file).unwrap();
    spool.blocking_dead_letter(claim, "gone", at(1)).unwrap();
    fs::write(releasing(&file), old).unwrap();

    let restarted = spool_entries::spool(dir.path(), "restarted");
    let claims = restarted.blocking_claim_due(at(300), 100).unwrap();
    let mut got: Vec<_> = claims
        .iter()
        .map(|c| (c.delivery_id(), c.entry().attempts()))
        .collect();
    got.sort();
    let mut expected = vec![(lost.delivery_id(), 0), (retried.delivery_id(), 1)];
    expected.sort();
    assert_eq!(got, expected);
    let letters = restarted.blocking_dead_letters().unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].entry().delivery_id(), dead.delivery_id());
    let left = names(&kim_spooler(&restarted).join("claimed"));
    assert_eq!(left.len(), 2, "only the two new claims: {left:?}");
    assert!(left.iter().all(|n| n.ends_with(".restarted.json")));
}
