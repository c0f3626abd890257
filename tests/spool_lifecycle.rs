//! The life of a spooled message through the public API: put, pickup delay,
//! claim, complete, retry with back-off, dead letters, requeue.

#[path = "support/spool_entries.rs"]
mod spool_entries;

use offline_im::compose::DeliveryId;
use offline_im::spool::{RetrySchedule, Spool, SpoolEntry, SpoolError};
use spool_entries::*;

#[tokio::test(flavor = "current_thread")]
async fn put_claim_complete_removes_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let entry = entry("hello");
    let id = entry.delivery_id();
    spool.put(entry.clone()).await.unwrap();

    let file = kim_spooler(&spool).join(format!("{id}.json"));
    assert!(
        file.is_file(),
        "the message is a file named for its delivery id"
    );

    let claims = spool.claim_due(T0, 10).await.unwrap();
    assert_eq!(claims.len(), 1);
    let claim = claims.into_iter().next().unwrap();
    assert_eq!(claim.entry(), &entry);
    assert_eq!(claim.claimant().as_str(), "a");
    assert_eq!(claim.lease_expires_at(), at(300));
    assert!(!file.exists(), "a claimed message is no longer waiting");
    assert!(spool.claim_due(T0, 10).await.unwrap().is_empty());

    spool.complete(claim).await.unwrap();
    assert!(spool.claim_due(at(10_000), 10).await.unwrap().is_empty());
    assert!(spool.blocking_waiting().unwrap().is_empty());
    assert!(names(&kim_spooler(&spool).join("claimed")).is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_message_waits_for_the_pickup_delay() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let entry = SpoolEntry::new(message_from("kim", "hi"), T0);
    assert_eq!(
        entry.eligible_at(),
        at(120),
        "default pickup delay is 120 s"
    );
    spool.put(entry).await.unwrap();

    assert!(spool.claim_due(at(119), 10).await.unwrap().is_empty());
    let claims = spool.claim_due(at(120), 10).await.unwrap();
    assert_eq!(claims.len(), 1);
    spool
        .complete(claims.into_iter().next().unwrap())
        .await
        .unwrap();

    let custom = SpoolEntry::new(message_from("kim", "later"), T0).pickup_delay(secs(600));
    spool.put(custom).await.unwrap();
    assert!(spool.claim_due(at(599), 10).await.unwrap().is_empty());
    assert_eq!(spool.claim_due(at(600), 10).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn claims_respect_the_limit_and_take_the_earliest_first() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let mut ids = Vec::new();
    for (i, from) in ["kim", "lee", "max", "kim", "lee"].iter().enumerate() {
        let delay = secs(100 - 10 * i as u64);
        let e = SpoolEntry::new(message_from(from, "x"), T0).pickup_delay(delay);
        ids.push((e.eligible_at(), e.delivery_id()));
        spool.put(e).await.unwrap();
    }
    ids.sort();
    let first = spool.claim_due(at(1000), 2).await.unwrap();
    let got: Vec<DeliveryId> = first.iter().map(|c| c.delivery_id()).collect();
    assert_eq!(got, vec![ids[0].1, ids[1].1]);
    assert_eq!(spool.claim_due(at(1000), 10).await.unwrap().len(), 3);
    assert!(spool.claim_due(at(1000), 0).await.unwrap().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_delivery_id_is_handed_over_once() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let entry = entry("once");
    spool.put(entry.clone()).await.unwrap();
    let err = spool.put(entry.clone()).await.unwrap_err();
    assert!(err.is_already_spooled(), "{err}");

    // Also while claimed, and while dead.
    let claim = spool.claim_due(T0, 1).await.unwrap().pop().unwrap();
    assert!(
        spool
            .put(entry.clone())
            .await
            .unwrap_err()
            .is_already_spooled()
    );
    spool
        .dead_letter(claim, "mailbox not found", at(5))
        .await
        .unwrap();
    let err = spool.put(entry).await.unwrap_err();
    assert!(err.to_string().contains("Dead Letters"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_transient_failure_keeps_the_message_until_its_next_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let schedule = RetrySchedule::default();
    spool.put(entry("retry me")).await.unwrap();

    let claim = spool.claim_due(at(0), 1).await.unwrap().pop().unwrap();
    let next = schedule.after_failure(claim.entry(), at(1)).unwrap();
    assert_eq!(next, at(61), "first retry after the base delay");
    spool
        .retry_later(claim, at(1), next, "ErrorServerBusy")
        .await
        .unwrap();

    let waiting = spool.blocking_waiting().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].attempts(), 1);
    assert_eq!(waiting[0].last_error(), Some("ErrorServerBusy"));
    assert_eq!(waiting[0].last_attempt_at(), Some(at(1)));
    assert_eq!(waiting[0].next_attempt_at(), at(61));

    assert!(spool.claim_due(at(60), 1).await.unwrap().is_empty());
    let claim = spool.claim_due(at(61), 1).await.unwrap().pop().unwrap();
    assert_eq!(claim.entry().attempts(), 1);
    let next = schedule.after_failure(claim.entry(), at(62)).unwrap();
    assert_eq!(next, at(62 + 120), "second retry waits twice as long");
    spool
        .retry_later(claim, at(62), next, "timeout")
        .await
        .unwrap();
    let claim = spool.claim_due(next, 1).await.unwrap().pop().unwrap();
    assert_eq!(claim.entry().attempts(), 2);
    assert_eq!(claim.entry().last_error(), Some("timeout"));
}

#[test]
fn the_schedule_backs_off_to_its_cap_and_gives_up_at_the_maximum_age() {
    let schedule = RetrySchedule::new(secs(10), 3.0, secs(100), secs(1000)).unwrap();
    let delays: Vec<u64> = (1..=5).map(|n| schedule.delay(n).as_secs()).collect();
    assert_eq!(delays, [10, 30, 90, 100, 100]);
    assert_eq!(schedule.next_attempt(2, at(0)), at(30));

    let entry = entry("old"); // spooled at T0
    assert_eq!(schedule.after_failure(&entry, at(0)), Some(at(10)));
    // Near the deadline the retry is moved to the deadline itself ...
    assert_eq!(schedule.after_failure(&entry, at(995)), Some(at(1000)));
    assert!(!schedule.is_expired(&entry, at(999)));
    // ... and a failure at the deadline gives up.
    assert_eq!(schedule.after_failure(&entry, at(1000)), None);
    assert!(schedule.is_expired(&entry, at(1000)));
}

#[tokio::test(flavor = "current_thread")]
async fn dead_letters_can_be_listed_inspected_requeued_and_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let first = entry("first");
    let second = SpoolEntry::new(message_from("lee", "second"), T0).pickup_delay(secs(0));
    spool.put(first.clone()).await.unwrap();
    spool.put(second.clone()).await.unwrap();

    let (id1, id2) = (first.delivery_id(), second.delivery_id());
    let mut claims = spool.claim_due(T0, 10).await.unwrap();
    assert_eq!(claims.len(), 2);
    claims.sort_by_key(|c| c.delivery_id() != id1);
    let c2 = claims.pop().unwrap();
    let c1 = claims.pop().unwrap();
    assert_eq!((c1.delivery_id(), c2.delivery_id()), (id1, id2));
    spool
        .retry_later(c1, at(1), at(2), "ErrorServerBusy")
        .await
        .unwrap();
    let c1 = spool.claim_due(at(2), 10).await.unwrap().pop().unwrap();
    spool
        .dead_letter(c1, "ErrorMailRecipientNotFound", at(3))
        .await
        .unwrap();
    spool.dead_letter(c2, "too old", at(4)).await.unwrap();

    // Nothing is waiting or due any more.
    assert!(spool.claim_due(at(100_000), 10).await.unwrap().is_empty());

    let letters = spool.dead_letters().await.unwrap();
    let listed: Vec<_> = letters
        .iter()
        .map(|l| (l.entry().delivery_id(), l.reason(), l.dead_lettered_at()))
        .collect();
    assert_eq!(
        listed,
        vec![
            (id1, "ErrorMailRecipientNotFound", at(3)),
            (id2, "too old", at(4))
        ]
    );
    let kim_dead = spool
        .sender_dir(first.sender())
        .join("Dead Letters")
        .join(format!("{id1}.json"));
    assert!(kim_dead.is_file(), "dead letters sit beside the spool");

    let inspected = spool.find_dead_letter(id1).await.unwrap().unwrap();
    assert_eq!(inspected.entry().attempts(), 1);
    assert_eq!(inspected.entry().last_error(), Some("ErrorServerBusy"));
    assert_eq!(inspected.entry().message(), first.message());
    assert!(
        spool
            .find_dead_letter(DeliveryId::new())
            .await
            .unwrap()
            .is_none()
    );

    let requeued = spool.requeue(id1, at(500)).await.unwrap();
    assert_eq!(requeued.attempts(), 0);
    assert_eq!(requeued.next_attempt_at(), at(500));
    assert_eq!(
        requeued.last_error(),
        Some("ErrorServerBusy"),
        "the history stays"
    );
    assert!(!kim_dead.exists());
    let again = spool.claim_due(at(500), 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].entry().message(), first.message());

    spool.discard_dead_letter(id2).await.unwrap();
    assert!(spool.dead_letters().await.unwrap().is_empty());
    let err = spool.requeue(id2, at(600)).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(matches!(err, SpoolError::NoDeadLetter { id } if id == id2));
    assert!(
        spool
            .discard_dead_letter(id2)
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_claim_taken_over_after_its_lease_cannot_be_completed_by_the_old_holder() {
    let dir = tempfile::tempdir().unwrap();
    let slow = spool(dir.path(), "slow");
    let other = spool(dir.path(), "other");
    slow.put(entry("x")).await.unwrap();
    let stale = slow.claim_due(T0, 1).await.unwrap().pop().unwrap();

    assert!(other.claim_due(at(299), 1).await.unwrap().is_empty());
    let taken = other.claim_due(at(300), 1).await.unwrap().pop().unwrap();
    assert_eq!(taken.delivery_id(), stale.delivery_id());

    let err = slow.complete(stale.clone()).await.unwrap_err();
    assert!(err.is_claim_lost(), "{err}");
    let err = slow
        .retry_later(stale.clone(), at(301), at(400), "late")
        .await
        .unwrap_err();
    assert!(err.is_claim_lost(), "{err}");
    let err = slow.dead_letter(stale, "late", at(301)).await.unwrap_err();
    assert!(err.is_claim_lost(), "{err}");

    // The new holder's claim is intact.
    other.complete(taken).await.unwrap();
    assert!(other.claim_due(at(10_000), 10).await.unwrap().is_empty());
    assert!(other.dead_letters().await.unwrap().is_empty());
}
