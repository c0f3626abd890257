//! `put_all` writes the messages of one sender that fall due in the same second
//! into batch files of up to 100 messages; a claim takes a due batch whole by
//! one rename. These tests check what a drainer sees through the public API:
//! every message claimed once, the limit kept, batches of stopped drainers
//! taken over (marked, so nothing is sent twice), duplicates refused, and bad
//! batch files set aside; and, through the pipeline and the embedded server,
//! what arrives in the mailboxes when drainers of batches die (by a gone
//! process's claimant, and by SIGKILL: this binary, run with
//! `OFFLINE_IM_BATCH_CHILD` set, is the killed drainer, see
//! `batch_child_drainer`).

#[path = "support/holders.rs"]
mod holders;
#[path = "support/killed_children.rs"]
mod killed_children;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;
#[path = "support/spool_entries.rs"]
mod spool_entries;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use holders::{has_proc, this_host};
use offline_im::compose::{DeliveryId, OfflineIm};
use offline_im::plan::Folder;
use offline_im::send::Outcome;
use offline_im::spool::RetrySchedule;
use offline_im::spool::{Claim, DirectorySpool, Spool, SpoolEntry};
use spool_entries::*;

/// `n` messages from `from` to pat, spooled at T0 and due at `T0 + delay_secs`.
fn entries_from(from: &str, n: usize, delay_secs: u64) -> Vec<SpoolEntry> {
    (0..n)
        .map(|i| {
            SpoolEntry::new(message_from(from, &format!("message {i}")), T0)
                .pickup_delay(secs(delay_secs))
        })
        .collect()
}

fn ids_of(entries: &[SpoolEntry]) -> Vec<DeliveryId> {
    entries.iter().map(SpoolEntry::delivery_id).collect()
}

/// The delivery ids of `claims`, checking that none is there twice.
fn claimed_once(claims: &[Claim]) -> HashSet<DeliveryId> {
    let ids: HashSet<DeliveryId> = claims.iter().map(Claim::delivery_id).collect();
    assert_eq!(ids.len(), claims.len(), "a message was claimed twice");
    ids
}

fn sender_dir(spool: &DirectorySpool, user: &str) -> PathBuf {
    spool.sender_dir(&format!("sip:{user}@contoso.com").parse().unwrap())
}

fn spooler_of(spool: &DirectorySpool, user: &str) -> PathBuf {
    sender_dir(spool, user).join("History Spooler")
}

fn claimed_of(spool: &DirectorySpool, user: &str) -> PathBuf {
    spooler_of(spool, user).join("claimed")
}

/// The files in `dir` (not folders), sorted.
fn files(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|name| dir.join(name).is_file())
        .collect()
}

/// The message counts in the names of the batch files in `dir`, sorted
/// (`<batch id>.<count>.batch`, or `<batch id>.<count>.<ms>.<claimant>.batch`
/// when claimed).
fn batch_counts(dir: &Path) -> Vec<usize> {
    let mut counts: Vec<usize> = files(dir)
        .iter()
        .filter(|name| name.ends_with(".batch"))
        .map(|name| name.split('.').nth(1).unwrap().parse().unwrap())
        .collect();
    counts.sort_unstable();
    counts
}

fn all_ok(results: Vec<Result<(), offline_im::spool::SpoolError>>) {
    for (i, result) in results.into_iter().enumerate() {
        if let Err(error) = result {
            panic!("entry {i}: {error}");
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn one_senders_messages_due_together_go_into_batches_of_100_and_are_claimed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let entries = entries_from("kim", 250, 0);
    let put: HashSet<DeliveryId> = ids_of(&entries).into_iter().collect();
    all_ok(spool.put_all(entries).await);

    let waiting = files(&kim_spooler(&spool));
    assert_eq!(
        batch_counts(&kim_spooler(&spool)),
        vec![50, 100, 100],
        "{waiting:?}"
    );
    assert_eq!(waiting.len(), 3, "no file per message: {waiting:?}");
    let overview = spool.overview(T0).await.unwrap();
    assert_eq!(
        (overview.waiting, overview.claimed),
        (250, 0),
        "{overview:?}"
    );
    let listed: Vec<DeliveryId> = spool
        .blocking_waiting()
        .unwrap()
        .iter()
        .map(SpoolEntry::delivery_id)
        .collect();
    assert_eq!(listed.len(), 250, "each waiting message listed once");
    assert_eq!(listed.into_iter().collect::<HashSet<_>>(), put);

    let claims = spool.claim_due(T0, 1000).await.unwrap();
    assert_eq!(claims.len(), 250);
    let overview = spool.overview(T0).await.unwrap();
    assert_eq!(
        (overview.waiting, overview.claimed),
        (0, 250),
        "{overview:?}"
    );
    assert_eq!(claimed_once(&claims), put, "exactly the messages put");
    let claimed = files(&claimed_of(&spool, "kim"));
    assert_eq!(
        batch_counts(&claimed_of(&spool, "kim")),
        vec![50, 100, 100],
        "one claimed file per batch, none per message: {claimed:?}"
    );
    assert_eq!(claimed.len(), 3, "{claimed:?}");
    assert!(files(&kim_spooler(&spool)).is_empty());

    all_ok(spool.complete_all(claims).await);
    assert!(files(&claimed_of(&spool, "kim")).is_empty());
    assert!(files(&kim_spooler(&spool)).is_empty());
    let overview = spool.overview(T0).await.unwrap();
    assert_eq!(
        (overview.waiting, overview.claimed, overview.dead),
        (0, 0, 0),
        "{overview:?}"
    );
    assert!(spool.claim_due(at(3600), 1000).await.unwrap().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn senders_and_due_times_far_apart_get_their_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let kim_now = entries_from("kim", 3, 0);
    let kim_later = entries_from("kim", 4, 600);
    let lee_now = entries_from("lee", 5, 0);
    let due_now: HashSet<DeliveryId> = ids_of(&kim_now)
        .into_iter()
        .chain(ids_of(&lee_now))
        .collect();
    let due_later: HashSet<DeliveryId> = ids_of(&kim_later).into_iter().collect();
    // Interleaved, as a busy front end hands them over.
    let mut all = Vec::new();
    let (mut a, mut b, mut c) = (
        kim_now.into_iter(),
        kim_later.into_iter(),
        lee_now.into_iter(),
    );
    loop {
        let next: Vec<SpoolEntry> = [a.next(), b.next(), c.next()]
            .into_iter()
            .flatten()
            .collect();
        if next.is_empty() {
            break;
        }
        all.extend(next);
    }
    all_ok(spool.put_all(all).await);

    assert_eq!(batch_counts(&kim_spooler(&spool)), vec![3, 4]);
    assert_eq!(files(&kim_spooler(&spool)).len(), 2);
    assert_eq!(batch_counts(&spooler_of(&spool, "lee")), vec![5]);
    assert_eq!(files(&spooler_of(&spool, "lee")).len(), 1);

    let now = spool.claim_due(T0, 1000).await.unwrap();
    assert_eq!(claimed_once(&now), due_now, "only the due ones at T0");
    all_ok(spool.complete_all(now).await);
    assert!(spool.claim_due(at(599), 1000).await.unwrap().is_empty());
    let later = spool.claim_due(at(600), 1000).await.unwrap();
    assert_eq!(claimed_once(&later), due_later);
    all_ok(spool.complete_all(later).await);
    let overview = spool.overview(at(600)).await.unwrap();
    assert!(overview.only_dead_letters_left(), "{overview:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_limit_below_a_batch_is_kept_and_the_rest_drains_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let entries = entries_from("kim", 50, 0);
    let put: HashSet<DeliveryId> = ids_of(&entries).into_iter().collect();
    all_ok(spool.put_all(entries).await);
    assert_eq!(batch_counts(&kim_spooler(&spool)), vec![50]);

    let first = spool.claim_due(T0, 10).await.unwrap();
    assert_eq!(first.len(), 10, "the limit holds");
    let waiting = files(&kim_spooler(&spool));
    assert_eq!(waiting.len(), 40, "{waiting:?}");
    assert!(
        waiting.iter().all(|name| name.ends_with(".json")),
        "the rest wait one file each: {waiting:?}"
    );
    let overview = spool.overview(T0).await.unwrap();
    assert_eq!(
        (overview.waiting, overview.claimed),
        (40, 10),
        "{overview:?}"
    );

    let mut seen = claimed_once(&first);
    all_ok(spool.complete_all(first).await);
    for round in 0..10 {
        let claims = spool.claim_due(T0, 10).await.unwrap();
        if claims.is_empty() {
            break;
        }
        assert!(claims.len() <= 10, "round {round}: {}", claims.len());
        for id in claimed_once(&claims) {
            assert!(seen.insert(id), "{id} claimed again");
        }
        all_ok(spool.complete_all(claims).await);
    }
    assert_eq!(seen, put, "every message claimed, none missing");
    assert!(files(&kim_spooler(&spool)).is_empty());
    assert!(files(&claimed_of(&spool, "kim")).is_empty());
}

/// A claimant naming a process of this host that has exited (and was reaped).
fn gone_claimant(suffix: &str) -> String {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    format!("{}_p{pid}_{suffix}", this_host())
}

#[tokio::test(flavor = "current_thread")]
async fn a_gone_drainers_batch_is_taken_over_at_once_and_nothing_is_lost() {
    if !has_proc() {
        eprintln!("skipped: no /proc, so no process can be known gone (claims keep their lease)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let gone = spool(dir.path(), &gone_claimant("dead"));
    let entries = entries_from("kim", 5, 0);
    let put: HashSet<DeliveryId> = ids_of(&entries).into_iter().collect();
    all_ok(gone.put_all(entries).await);
    assert_eq!(batch_counts(&kim_spooler(&gone)), vec![5]);

    let mut claims = gone.claim_due(T0, 100).await.unwrap();
    assert_eq!(claims.len(), 5);
    let retried = claims.remove(0);
    let retried_id = retried.delivery_id();
    gone.retry_later(retried, T0, at(120), "the server was busy")
        .await
        .unwrap();
    let completed: Vec<Claim> = claims.drain(..2).collect();
    all_ok(gone.complete_all(completed).await);
    // The other two are held when the drainer's process goes.
    drop(claims);
    assert_eq!(batch_counts(&claimed_of(&gone, "kim")), vec![5]);

    // One second later, far inside the five-minute lease.
    let next = spool(dir.path(), "drainer-b");
    let taken = next.claim_due(at(1), 100).await.unwrap();
    assert_eq!(taken.len(), 4, "the completed and the held ones come back");
    let taken_ids = claimed_once(&taken);
    assert!(
        !taken_ids.contains(&retried_id),
        "the retried one keeps its file"
    );
    for claim in &taken {
        assert!(
            claim.entry().was_taken_over(),
            "{} is looked for in the mailbox before it is resent",
            claim.delivery_id()
        );
    }
    assert!(
        batch_counts(&claimed_of(&next, "kim")).is_empty(),
        "the batch file is gone: {:?}",
        files(&claimed_of(&next, "kim"))
    );
    all_ok(next.complete_all(taken).await);

    assert!(next.claim_due(at(119), 100).await.unwrap().is_empty());
    let later = next.claim_due(at(120), 100).await.unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].delivery_id(), retried_id);
    assert!(
        !later[0].entry().was_taken_over(),
        "retried, not taken over"
    );
    assert_eq!(later[0].entry().attempts(), 1);
    let mut all = taken_ids;
    all.insert(retried_id);
    assert_eq!(all, put, "nothing lost");
    all_ok(next.complete_all(later).await);
    let overview = next.overview(at(120)).await.unwrap();
    assert!(
        overview.only_dead_letters_left() && overview.dead == 0,
        "{overview:?}"
    );
    assert!(files(&claimed_of(&next, "kim")).is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_whose_lease_ran_out_is_taken_over_and_its_old_holder_loses_it() {
    let dir = tempfile::tempdir().unwrap();
    let first = spool(dir.path(), "drainer-a");
    let entries = entries_from("kim", 4, 0);
    let put: HashSet<DeliveryId> = ids_of(&entries).into_iter().collect();
    all_ok(first.put_all(entries).await);
    let mut held = first.claim_due(T0, 100).await.unwrap();
    assert_eq!(held.len(), 4);

    let second = spool(dir.path(), "drainer-b");
    assert!(
        second.claim_due(at(299), 100).await.unwrap().is_empty(),
        "a live holder keeps its batch for the lease"
    );
    let taken = second.claim_due(at(301), 100).await.unwrap();
    assert_eq!(claimed_once(&taken), put, "taken over whole");
    assert!(taken.iter().all(|c| c.entry().was_taken_over()));

    let err = first.complete(held.remove(0)).await.unwrap_err();
    assert!(err.is_claim_lost(), "{err}");
    let err = first
        .retry_later(held.remove(0), at(302), at(900), "busy")
        .await
        .unwrap_err();
    assert!(err.is_claim_lost(), "{err}");

    all_ok(second.complete_all(taken).await);
    let overview = second.overview(at(302)).await.unwrap();
    assert!(
        overview.only_dead_letters_left() && overview.dead == 0,
        "the old holder's retry wrote nothing: {overview:?}"
    );
    assert!(second.claim_due(at(3600), 100).await.unwrap().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_delivery_id_inside_a_waiting_batch_is_not_spooled_again() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let entries = entries_from("kim", 3, 0);
    let again = entries[1].clone();
    all_ok(spool.put_all(entries).await);
    assert_eq!(batch_counts(&kim_spooler(&spool)), vec![3]);

    let err = spool.put(again.clone()).await.unwrap_err();
    assert!(err.is_already_spooled(), "{err}");

    let mut next = entries_from("kim", 2, 0);
    next.insert(1, again.clone());
    let new: HashSet<DeliveryId> = ids_of(&next)
        .into_iter()
        .filter(|id| *id != again.delivery_id())
        .collect();
    let results = spool.put_all(next).await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(
        results[1].as_ref().is_err_and(|e| e.is_already_spooled()),
        "{:?}",
        results[1]
    );
    assert!(results[2].is_ok(), "{:?}", results[2]);

    let claims = spool.claim_due(T0, 100).await.unwrap();
    let ids = claimed_once(&claims);
    assert_eq!(ids.len(), 5, "three from the first call, two new");
    assert!(ids.contains(&again.delivery_id()));
    assert!(new.is_subset(&ids));
}

/// Spools three messages from kim in one batch and one on its own; returns the
/// path of the batch file and the single message's id.
async fn batch_and_single(spool: &DirectorySpool) -> (PathBuf, DeliveryId) {
    all_ok(spool.put_all(entries_from("kim", 3, 0)).await);
    let single = entry("on its own");
    let single_id = single.delivery_id();
    spool.put(single).await.unwrap();
    let spooler = kim_spooler(spool);
    let batch = files(&spooler)
        .into_iter()
        .find(|name| name.ends_with(".batch"))
        .expect("a batch file");
    (spooler.join(batch), single_id)
}

/// The batch id a batch file's name starts with.
fn batch_id(path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    name.split('.').next().unwrap().to_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn a_truncated_batch_is_quarantined_and_other_messages_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let (batch, single) = batch_and_single(&spool).await;
    let bytes = std::fs::read(&batch).unwrap();
    std::fs::write(&batch, &bytes[..bytes.len() / 2]).unwrap();

    let claims = spool.claim_due(T0, 100).await.unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].delivery_id(), single);
    let quarantine = sender_dir(&spool, "kim").join("Quarantine");
    let set_aside = files(&quarantine);
    assert!(
        set_aside
            .iter()
            .any(|name| name.starts_with(&batch_id(&batch))),
        "{set_aside:?}"
    );
    assert!(!batch.exists());
    spool
        .complete(claims.into_iter().next().unwrap())
        .await
        .unwrap();
    assert!(spool.claim_due(at(3600), 100).await.unwrap().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_whose_name_miscounts_its_messages_is_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let (batch, single) = batch_and_single(&spool).await;
    let name = batch.file_name().unwrap().to_str().unwrap().to_owned();
    let wrong = batch.with_file_name(name.replace(".3.batch", ".2.batch"));
    std::fs::rename(&batch, &wrong).unwrap();

    let claims = spool.claim_due(T0, 100).await.unwrap();
    let ids = claimed_once(&claims);
    assert_eq!(ids, HashSet::from([single]), "none of the bad batch");
    let set_aside = files(&sender_dir(&spool, "kim").join("Quarantine"));
    assert!(
        set_aside.iter().any(|n| n.starts_with(&batch_id(&wrong))),
        "{set_aside:?}"
    );
    assert!(!wrong.exists());
    assert!(
        files(&claimed_of(&spool, "kim")).len() <= 1,
        "only the single one is held"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn single_files_and_batches_mixed_are_all_claimed_once() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let mut put = HashSet::new();
    // As an older version left them: one file per message.
    for i in 0..7 {
        let single = entry(&format!("single {i}"));
        put.insert(single.delivery_id());
        spool.put(single).await.unwrap();
    }
    for delay in [0, 0, 30] {
        let batch = entries_from("kim", 20, delay);
        put.extend(ids_of(&batch));
        all_ok(spool.put_all(batch).await);
    }
    let lee = entries_from("lee", 150, 0);
    put.extend(ids_of(&lee));
    all_ok(spool.put_all(lee).await);
    let waiting = files(&kim_spooler(&spool));
    assert_eq!(
        batch_counts(&kim_spooler(&spool)),
        vec![20, 20, 20],
        "{waiting:?}"
    );
    assert_eq!(waiting.len(), 10, "{waiting:?}");
    assert_eq!(spool.overview(at(30)).await.unwrap().waiting, put.len());

    let mut seen = HashSet::new();
    for round in 0..50 {
        let claims = spool.claim_due(at(30), 25).await.unwrap();
        if claims.is_empty() {
            break;
        }
        assert!(claims.len() <= 25, "round {round}: {}", claims.len());
        for id in claimed_once(&claims) {
            assert!(seen.insert(id), "{id} claimed twice");
        }
        all_ok(spool.complete_all(claims).await);
    }
    assert_eq!(seen, put);
    let overview = spool.overview(at(30)).await.unwrap();
    assert!(overview.only_dead_letters_left(), "{overview:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_copied_by_hand_is_read_for_its_due_time() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let entries = entries_from("kim", 3, 600);
    let put: HashSet<DeliveryId> = ids_of(&entries).into_iter().collect();
    all_ok(spool.put_all(entries).await);
    let spooler = kim_spooler(&spool);
    let name = files(&spooler).remove(0);
    assert!(name.ends_with(".3.batch"), "{name}");
    // Copied away and back: the copy's modification time is now (a wall clock
    // time, not the spool's due time).
    let saved = dir.path().join("saved");
    std::fs::copy(spooler.join(&name), &saved).unwrap();
    std::fs::remove_file(spooler.join(&name)).unwrap();
    std::fs::copy(&saved, spooler.join(&name)).unwrap();

    assert!(
        spool.claim_due(at(599), 100).await.unwrap().is_empty(),
        "not due before its messages are"
    );
    let claims = spool.claim_due(at(600), 100).await.unwrap();
    assert_eq!(claimed_once(&claims), put);
}

#[tokio::test(flavor = "current_thread")]
async fn a_clone_of_the_claiming_spool_settles_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    all_ok(spool.put_all(entries_from("kim", 6, 0)).await);
    let mut claims = spool.claim_due(T0, 100).await.unwrap();
    assert_eq!(claims.len(), 6);
    let worker = spool.clone();
    let retried = claims.pop().unwrap();
    let retried_id = retried.delivery_id();
    worker
        .retry_later(retried, T0, at(60), "busy")
        .await
        .unwrap();
    all_ok(worker.complete_all(claims).await);
    assert!(
        files(&claimed_of(&spool, "kim")).is_empty(),
        "the batch is removed once all its messages are settled"
    );
    // Long after the lease: nothing comes back but the retried message.
    let later = spool.claim_due(at(3600), 100).await.unwrap();
    assert_eq!(claimed_once(&later), HashSet::from([retried_id]));
    assert!(!later[0].entry().was_taken_over());
}

#[tokio::test(flavor = "current_thread")]
async fn a_drainer_that_outlived_its_own_lease_completes_what_it_took_back() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let entries = entries_from("kim", 4, 0);
    let put: HashSet<DeliveryId> = ids_of(&entries).into_iter().collect();
    all_ok(spool.put_all(entries).await);
    let old = spool.claim_due(T0, 100).await.unwrap();
    assert_eq!(old.len(), 4);

    // A delivery hung past the lease; the same drainer claims again.
    let again = spool.claim_due(at(301), 100).await.unwrap();
    assert_eq!(claimed_once(&again), put, "its own stale batch taken back");
    assert!(again.iter().all(|c| c.entry().was_taken_over()));
    all_ok(spool.complete_all(again).await);
    for claim in old {
        let err = spool.complete(claim).await.unwrap_err();
        assert!(err.is_claim_lost(), "{err}");
    }
    assert!(
        files(&claimed_of(&spool, "kim")).is_empty(),
        "{:?}",
        files(&claimed_of(&spool, "kim"))
    );
    let overview = spool.overview(at(302)).await.unwrap();
    assert!(overview.only_dead_letters_left(), "{overview:?}");
    assert!(spool.claim_due(at(3600), 100).await.unwrap().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_dead_letter_of_a_taken_over_batch_stays_dead() {
    if !has_proc() {
        eprintln!("skipped: no /proc, so no process can be known gone (claims keep their lease)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let gone = spool(dir.path(), &gone_claimant("dead"));
    all_ok(gone.put_all(entries_from("kim", 3, 0)).await);
    let mut claims = gone.claim_due(T0, 100).await.unwrap();
    let dead = claims.remove(0);
    let dead_id = dead.delivery_id();
    gone.dead_letter(dead, "the mailbox does not exist", T0)
        .await
        .unwrap();

    let next = spool(dir.path(), "drainer-b");
    let taken = next.claim_due(at(1), 100).await.unwrap();
    assert_eq!(taken.len(), 2);
    assert!(!claimed_once(&taken).contains(&dead_id));
    let dead_letters = next.dead_letters().await.unwrap();
    assert_eq!(dead_letters.len(), 1);
    assert_eq!(dead_letters[0].entry().delivery_id(), dead_id);
}

#[test]
fn two_drainers_claiming_at_once_share_the_batches_without_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let writer = spool(dir.path(), "writer");
    let mut put = HashSet::new();
    for user in ["kim", "lee", "ann"] {
        let entries = entries_from(user, 230, 0);
        put.extend(ids_of(&entries));
        all_ok(writer.blocking_put_all(entries));
    }
    let drain = |name: &str| {
        let spool = spool(dir.path(), name);
        move || {
            let mut ids = Vec::new();
            loop {
                let claims = spool.blocking_claim_due(T0, 40).unwrap();
                if claims.is_empty() {
                    return ids;
                }
                assert!(claims.len() <= 40);
                ids.extend(claims.iter().map(Claim::delivery_id));
                all_ok(spool.blocking_complete_all(claims));
            }
        }
    };
    let a = std::thread::spawn(drain("drainer-a"));
    let b = std::thread::spawn(drain("drainer-b"));
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    let mut seen = HashSet::new();
    for id in a.iter().chain(&b) {
        assert!(seen.insert(*id), "{id} claimed by both");
    }
    assert_eq!(seen, put, "every message claimed");
    let overview = writer.blocking_overview(T0).unwrap();
    assert!(overview.only_dead_letters_left(), "{overview:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_part_delivered_by_a_drainer_that_died_arrives_once() {
    if !has_proc() {
        eprintln!("skipped: no /proc, so no process can be known gone (claims keep their lease)");
        return;
    }
    let server = sender_on_testkit::server().await;
    let sender = sender_on_testkit::sender(&server);
    let dir = tempfile::tempdir().unwrap();
    let messages: Vec<OfflineIm> = (0..30)
        .map(|i| sender_on_testkit::im("kim@contoso.com", "pat@contoso.com", &format!("m{i}")))
        .collect();
    let crashed = spool(dir.path(), &gone_claimant("crashed"));
    let entries = messages
        .iter()
        .map(|m| SpoolEntry::new(m.clone(), T0).pickup_delay(secs(0)))
        .collect();
    all_ok(crashed.put_all(entries).await);
    assert_eq!(batch_counts(&kim_spooler(&crashed)), vec![30]);

    // The first drainer claims the batch, delivers twelve of its messages,
    // and its process goes before it records anything.
    let claims = crashed.claim_due(T0, 100).await.unwrap();
    assert_eq!(claims.len(), 30);
    let reports = sender
        .send_all(claims[..12].iter().map(|c| c.entry().message().clone()))
        .await;
    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "{reports:?}"
    );
    drop(claims);

    let next = spool(dir.path(), "drainer-b");
    let pass = sender
        .drain(&next, &RetrySchedule::default(), at(1), 100)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(
        (pass.completed, pass.retried, pass.dead_lettered),
        (30, 0, 0)
    );
    let found = pass
        .reports
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Delivered {
                    duplicate_avoided: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!(found, 12, "the delivered ones were found, not sent again");
    for (i, message) in messages.iter().enumerate() {
        assert_eq!(
            sender_on_testkit::copies(&server, "pat@contoso.com", Folder::Inbox, message),
            1,
            "message {i} arrived once"
        );
    }
    let overview = next.overview(at(1)).await.unwrap();
    assert!(
        overview.only_dead_letters_left() && overview.dead == 0,
        "{overview:?}"
    );
    assert!(files(&claimed_of(&next, "kim")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_all_delivers_a_batch_that_did_not_fit_beside_earlier_messages() {
    let server = sender_on_testkit::server().await;
    let sender = sender_on_testkit::sender(&server);
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let im =
        |i: usize| sender_on_testkit::im("kim@contoso.com", "pat@contoso.com", &format!("m{i}"));
    // Five messages due at T0, spooled one by one, then a batch of 30 due a
    // second later.
    let singles: Vec<OfflineIm> = (0..5).map(im).collect();
    for message in &singles {
        spool
            .put(SpoolEntry::new(message.clone(), T0).pickup_delay(secs(0)))
            .await
            .unwrap();
    }
    let batch: Vec<OfflineIm> = (5..35).map(im).collect();
    let entries = batch
        .iter()
        .map(|m| SpoolEntry::new(m.clone(), T0).pickup_delay(secs(1)))
        .collect();
    all_ok(spool.put_all(entries).await);
    assert_eq!(batch_counts(&kim_spooler(&spool)), vec![30]);

    // Passes of 20: the batch does not fit beside the five.
    let pass = sender
        .drain_all(&spool, &RetrySchedule::default(), at(5), 20)
        .await
        .unwrap();
    server.idle().await;
    assert_eq!(pass.completed, 35, "everything due at the drain's time");
    for message in singles.iter().chain(&batch) {
        assert_eq!(
            sender_on_testkit::copies(&server, "pat@contoso.com", Folder::Inbox, message),
            1
        );
    }
    let overview = spool.overview(at(5)).await.unwrap();
    assert!(overview.only_dead_letters_left(), "{overview:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_delivery_id_twice_in_one_put_all_is_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let mut entries = entries_from("kim", 4, 0);
    entries.push(entries[2].clone());
    let results = spool.put_all(entries).await;
    assert!(results[..4].iter().all(Result::is_ok), "{results:?}");
    assert!(
        results[4].as_ref().is_err_and(|e| e.is_already_spooled()),
        "{:?}",
        results[4]
    );
    assert_eq!(batch_counts(&kim_spooler(&spool)), vec![4]);
    assert_eq!(
        claimed_once(&spool.claim_due(T0, 100).await.unwrap()).len(),
        4
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_in_another_senders_folder_is_quarantined_there() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    all_ok(spool.put_all(entries_from("kim", 3, 0)).await);
    all_ok(spool.put_all(entries_from("lee", 2, 0)).await);
    let name = files(&kim_spooler(&spool)).remove(0);
    let moved = spooler_of(&spool, "lee").join(&name);
    std::fs::rename(kim_spooler(&spool).join(&name), &moved).unwrap();

    let claims = spool.claim_due(T0, 100).await.unwrap();
    assert_eq!(claims.len(), 2, "only lee's own batch");
    assert!(
        claims
            .iter()
            .all(|c| c.entry().sender().to_string() == "sip:lee@contoso.com")
    );
    let set_aside = files(&sender_dir(&spool, "lee").join("Quarantine"));
    assert!(
        set_aside.iter().any(|n| n.starts_with(&batch_id(&moved))),
        "kept, set aside: {set_aside:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_holding_one_message_twice_is_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    let (batch, single) = batch_and_single(&spool).await;
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&batch).unwrap()).unwrap();
    let entries = json["entries"].as_array_mut().unwrap();
    entries[1] = entries[0].clone();
    std::fs::write(&batch, serde_json::to_vec(&json).unwrap()).unwrap();

    let claims = spool.claim_due(T0, 100).await.unwrap();
    assert_eq!(claimed_once(&claims), HashSet::from([single]));
    let set_aside = files(&sender_dir(&spool, "kim").join("Quarantine"));
    assert!(
        set_aside.iter().any(|n| n.starts_with(&batch_id(&batch))),
        "{set_aside:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_with_a_dead_letter_and_a_retry_is_settled_by_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "drainer-a");
    all_ok(spool.put_all(entries_from("kim", 5, 0)).await);
    let mut claims = spool.claim_due(T0, 100).await.unwrap();
    let dead = claims.remove(0);
    let dead_id = dead.delivery_id();
    let retried = claims.remove(0);
    let retried_id = retried.delivery_id();
    spool
        .dead_letter(dead, "the mailbox does not exist", T0)
        .await
        .unwrap();
    spool
        .retry_later(retried, T0, at(90), "the server was busy")
        .await
        .unwrap();
    all_ok(spool.complete_all(claims).await);
    assert!(
        files(&claimed_of(&spool, "kim")).is_empty(),
        "the batch is removed"
    );
    let overview = spool.overview(T0).await.unwrap();
    assert_eq!(
        (overview.waiting, overview.claimed, overview.dead),
        (1, 0, 1),
        "{overview:?}"
    );
    let dead_letters = spool.dead_letters().await.unwrap();
    assert_eq!(dead_letters.len(), 1);
    assert_eq!(dead_letters[0].entry().delivery_id(), dead_id);
    assert!(spool.claim_due(at(89), 100).await.unwrap().is_empty());
    let later = spool.claim_due(at(90), 100).await.unwrap();
    assert_eq!(claimed_once(&later), HashSet::from([retried_id]));
    assert_eq!(later[0].entry().attempts(), 1);
    assert_eq!(later[0].entry().last_error(), Some("the server was busy"));
}

#[tokio::test(flavor = "current_thread")]
async fn the_overview_counts_the_messages_of_claimed_batches() {
    let dir = tempfile::tempdir().unwrap();
    let holder = spool(dir.path(), "drainer-a");
    all_ok(holder.put_all(entries_from("kim", 5, 0)).await);
    let mut claims = holder.claim_due(T0, 100).await.unwrap();
    let done: Vec<Claim> = claims.drain(..2).collect();
    all_ok(holder.complete_all(done).await);

    let mine = holder.overview(T0).await.unwrap();
    assert_eq!((mine.waiting, mine.claimed), (0, 3), "{mine:?}");
    // Another drainer cannot tell which are settled: it counts them all, and
    // does not take the spool for drained.
    let other = spool(dir.path(), "drainer-b").overview(T0).await.unwrap();
    assert_eq!((other.waiting, other.claimed), (0, 5), "{other:?}");
    assert!(!other.only_dead_letters_left());

    all_ok(holder.complete_all(claims).await);
    let after = spool(dir.path(), "drainer-b").overview(T0).await.unwrap();
    assert!(after.only_dead_letters_left(), "{after:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_delivery_id_inside_a_claimed_batch_is_not_spooled_again() {
    let dir = tempfile::tempdir().unwrap();
    let drainer = spool(dir.path(), "drainer-a");
    let entries = entries_from("kim", 3, 0);
    let in_flight = entries[1].clone();
    all_ok(drainer.put_all(entries).await);
    let claims = drainer.claim_due(T0, 100).await.unwrap();
    assert_eq!(claims.len(), 3);

    // Handed over again while a drainer is delivering it: a second copy
    // would be sent without a look in the mailbox.
    let err = drainer.put(in_flight.clone()).await.unwrap_err();
    assert!(err.is_already_spooled(), "{err}");
    let other = spool(dir.path(), "front-end");
    let results = other
        .put_all(vec![entry("new"), in_flight.clone(), entry("newer")])
        .await;
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(
        results[1].as_ref().is_err_and(|e| e.is_already_spooled()),
        "{:?}",
        results[1]
    );
    let waiting: Vec<DeliveryId> = other
        .blocking_waiting()
        .unwrap()
        .iter()
        .map(SpoolEntry::delivery_id)
        .collect();
    assert!(!waiting.contains(&in_flight.delivery_id()), "{waiting:?}");
    all_ok(drainer.complete_all(claims).await);
}

/// The drainer `killed_drainers_of_batches_are_recovered_at_once` kills: claims
/// up to 150 messages a pass (whole batches of 100 and the split rest). A no-op
/// in a normal test run.
#[test]
fn batch_child_drainer() {
    killed_children::run_child(
        "OFFLINE_IM_BATCH_CHILD",
        "OFFLINE_IM_BATCH_URL",
        |dir, url| async move {
            let transport = offline_im::transport::HttpTransport::builder(url.parse().unwrap())
                .basic("svc-offline-im@contoso.com", "service password")
                .allow_http(true)
                .env_proxy(false)
                .build()
                .unwrap();
            let sender = offline_im::send::Sender::from_settings(
                transport,
                offline_im::settings::Settings::from_toml_str(sender_on_testkit::SETTINGS).unwrap(),
            )
            .batch_size(10)
            .concurrency(2)
            .retry(sender_on_testkit::fast_retry())
            .build()
            .unwrap();
            // A claimant naming this host and process, and the default
            // ten-minute lease: only the process being gone frees its claims.
            let spool = DirectorySpool::open(&dir).unwrap();
            println!("ready");
            loop {
                let now = time::OffsetDateTime::now_utc();
                let pass = sender
                    .drain(&spool, &RetrySchedule::default(), now, 150)
                    .await
                    .unwrap();
                if pass.is_empty() {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_drainers_of_batches_are_recovered_at_once() {
    if !has_proc() {
        eprintln!("skipped: no /proc, so no process can be known gone (claims keep their lease)");
        return;
    }
    const MESSAGES: usize = 300;
    let server = offline_im::testkit::TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .latency(std::time::Duration::from_millis(25))
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap().to_owned();
    let spool = DirectorySpool::open(&root).unwrap();
    let messages: Vec<OfflineIm> = (0..MESSAGES)
        .map(|i| {
            sender_on_testkit::im(
                "kim@contoso.com",
                &format!("user{}@contoso.com", i % 30),
                &format!("message {i}"),
            )
        })
        .collect();
    let now = time::OffsetDateTime::now_utc();
    let entries = messages
        .iter()
        .map(|m| SpoolEntry::new(m.clone(), now).pickup_delay(secs(0)))
        .collect();
    all_ok(spool.put_all(entries).await);
    assert_eq!(batch_counts(&kim_spooler(&spool)), vec![100, 100, 100]);

    let mut seed = 0x0BA7_C4ED_2026;
    for _ in 0..6 {
        let child = killed_children::spawn_ready(
            "batch_child_drainer",
            &[
                ("OFFLINE_IM_BATCH_CHILD", &root),
                ("OFFLINE_IM_BATCH_URL", &server.url()),
            ],
        )
        .await;
        let alive = std::time::Duration::from_millis(killed_children::next_random(&mut seed) % 400);
        killed_children::kill_while_working(child, &server, alive).await;
    }

    let delivered_by_children: usize = (0..30)
        .map(|r| {
            server
                .folder(
                    &sender_on_testkit::smtp(&format!("user{r}@contoso.com")),
                    Folder::Inbox,
                )
                .len()
        })
        .sum();
    eprintln!("children delivered {delivered_by_children} of {MESSAGES} before the last kill");
    assert!(delivered_by_children > 0, "the children did real work");

    // Far inside the ten-minute lease: the dead drainers' batches are taken
    // over at once.
    let sender = sender_on_testkit::sender(&server);
    let started = std::time::Instant::now();
    loop {
        let now = time::OffsetDateTime::now_utc();
        sender
            .drain_all(&spool, &RetrySchedule::default(), now, 500)
            .await
            .unwrap();
        let overview = spool.overview(now).await.unwrap();
        if overview.only_dead_letters_left() {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "still not drained: {overview:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    server.idle().await;

    for (i, message) in messages.iter().enumerate() {
        let to = message.recipient().smtp().as_str();
        assert_eq!(
            sender_on_testkit::copies(&server, to, Folder::Inbox, message),
            1,
            "message {i} in {to}'s inbox"
        );
        assert_eq!(
            sender_on_testkit::copies(
                &server,
                "kim@contoso.com",
                Folder::ConversationHistory,
                message
            ),
            1,
            "message {i}: the sender's copy"
        );
    }
    assert!(spool.dead_letters().await.unwrap().is_empty());
    assert!(files(&claimed_of(&spool, "kim")).is_empty());
    assert!(files(&kim_spooler(&spool)).is_empty());
}
