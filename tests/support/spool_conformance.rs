//! One suite of spool behaviour, run against every `Spool` implementation
//! (tests/spool_conformance.rs): the same steps, the same edge cases, through
//! the trait only.
#![allow(dead_code)]

use std::collections::HashSet;
use std::future::Future;

use offline_im::compose::DeliveryId;
use offline_im::spool::{Claim, MAX_ERROR_CHARS, RetrySchedule, Spool, SpoolEntry};

use crate::spool_entries::*;

/// A fresh, empty store; `open` gives a drainer on it named `claimant`, with a
/// lease of 300 s. Drainers opened on one store share its messages.
pub trait Store {
    type Spool: Spool;
    fn open(&self, claimant: &str) -> impl Future<Output = Self::Spool>;
}

async fn one(spool: &impl Spool, now: time::OffsetDateTime) -> Claim {
    let mut claims = spool.claim_due(now, 1).await.unwrap();
    assert_eq!(claims.len(), 1, "one message due at {now}");
    claims.pop().unwrap()
}

pub async fn put_claim_complete_removes_the_message(store: impl Store) {
    let spool = store.open("a").await;
    let entry = entry("hello");
    spool.put(entry.clone()).await.unwrap();

    let claim = one(&spool, T0).await;
    assert_eq!(
        claim.entry(),
        &entry,
        "the message comes back as it was put"
    );
    assert_eq!(claim.claimant().as_str(), "a");
    assert_eq!(claim.claimed_at(), T0);
    assert_eq!(claim.lease_expires_at(), at(300));
    assert!(
        spool.claim_due(T0, 10).await.unwrap().is_empty(),
        "claimed once"
    );

    spool.complete(claim).await.unwrap();
    assert!(spool.claim_due(at(10_000), 10).await.unwrap().is_empty());
    assert!(spool.dead_letters().await.unwrap().is_empty());
}

pub async fn a_message_waits_for_the_pickup_delay(store: impl Store) {
    let spool = store.open("a").await;
    spool
        .put(SpoolEntry::new(message_from("kim", "hi"), T0))
        .await
        .unwrap();
    assert!(spool.claim_due(at(119), 10).await.unwrap().is_empty());
    spool.complete(one(&spool, at(120)).await).await.unwrap();

    let custom = SpoolEntry::new(message_from("kim", "later"), T0).pickup_delay(secs(600));
    spool.put(custom).await.unwrap();
    assert!(spool.claim_due(at(599), 10).await.unwrap().is_empty());
    assert_eq!(spool.claim_due(at(600), 10).await.unwrap().len(), 1);
    // Sub-second times are kept too: due 1 µs after a whole second is not due at it.
    let fine = SpoolEntry::new(
        message_from("kim", "fine"),
        T0 + time::Duration::nanoseconds(1),
    )
    .pickup_delay(secs(0));
    spool.put(fine).await.unwrap();
    assert!(spool.claim_due(T0, 10).await.unwrap().is_empty());
}

pub async fn claims_respect_the_limit_and_take_the_earliest_first(store: impl Store) {
    let spool = store.open("a").await;
    let mut ids = Vec::new();
    for (i, from) in ["kim", "lee", "max", "kim", "lee"].iter().enumerate() {
        let e =
            SpoolEntry::new(message_from(from, "x"), T0).pickup_delay(secs(100 - 10 * i as u64));
        ids.push((e.eligible_at(), e.delivery_id()));
        spool.put(e).await.unwrap();
    }
    ids.sort();
    assert!(spool.claim_due(at(1000), 0).await.unwrap().is_empty());
    let first = spool.claim_due(at(1000), 2).await.unwrap();
    let got: Vec<DeliveryId> = first.iter().map(Claim::delivery_id).collect();
    assert_eq!(got, vec![ids[0].1, ids[1].1]);
    let rest = spool.claim_due(at(1000), 10).await.unwrap();
    let got: Vec<DeliveryId> = rest.iter().map(Claim::delivery_id).collect();
    assert_eq!(got, ids[2..].iter().map(|(_, id)| *id).collect::<Vec<_>>());
}

pub async fn a_delivery_id_is_handed_over_once(store: impl Store) {
    let spool = store.open("a").await;
    let entry = entry("once");
    spool.put(entry.clone()).await.unwrap();
    let err = spool.put(entry.clone()).await.unwrap_err();
    assert!(err.is_already_spooled(), "{err}");
    assert!(
        err.to_string().contains(&entry.delivery_id().to_string()),
        "{err}"
    );

    let claim = one(&spool, T0).await;
    assert!(
        spool
            .put(entry.clone())
            .await
            .unwrap_err()
            .is_already_spooled(),
        "while claimed"
    );
    spool
        .dead_letter(claim, "mailbox not found", at(5))
        .await
        .unwrap();
    assert!(
        spool
            .put(entry.clone())
            .await
            .unwrap_err()
            .is_already_spooled(),
        "while dead"
    );
    // The first copy is untouched.
    let letter = spool
        .find_dead_letter(entry.delivery_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(letter.entry(), &entry);
}

pub async fn a_transient_failure_keeps_the_message_until_its_next_attempt(store: impl Store) {
    let spool = store.open("a").await;
    let schedule = RetrySchedule::default();
    spool.put(entry("retry me")).await.unwrap();

    let claim = one(&spool, at(0)).await;
    let next = schedule.after_failure(claim.entry(), at(1)).unwrap();
    spool
        .retry_later(claim, at(1), next, "ErrorServerBusy")
        .await
        .unwrap();
    assert!(
        spool
            .claim_due(next - time::Duration::seconds(1), 1)
            .await
            .unwrap()
            .is_empty()
    );
    let claim = one(&spool, next).await;
    assert_eq!(claim.entry().attempts(), 1);
    assert_eq!(claim.entry().last_error(), Some("ErrorServerBusy"));
    assert_eq!(claim.entry().last_attempt_at(), Some(at(1)));
    assert_eq!(claim.entry().next_attempt_at(), next);

    let long = "x".repeat(MAX_ERROR_CHARS + 100);
    let later = next + time::Duration::seconds(10);
    spool.retry_later(claim, next, later, &long).await.unwrap();
    let claim = one(&spool, later).await;
    assert_eq!(claim.entry().attempts(), 2);
    assert_eq!(
        claim.entry().last_error().unwrap().chars().count(),
        MAX_ERROR_CHARS + 1,
        "a long error is cut, with an ellipsis"
    );
}

pub async fn dead_letters_can_be_listed_inspected_requeued_and_discarded(store: impl Store) {
    let spool = store.open("a").await;
    let first = entry("first");
    let second = SpoolEntry::new(message_from("lee", "second"), T0).pickup_delay(secs(0));
    spool.put(first.clone()).await.unwrap();
    spool.put(second.clone()).await.unwrap();
    let (id1, id2) = (first.delivery_id(), second.delivery_id());

    let mut claims = spool.claim_due(T0, 10).await.unwrap();
    claims.sort_by_key(|c| c.delivery_id() != id1);
    let (c1, c2) = (claims.remove(0), claims.remove(0));
    spool
        .retry_later(c1, at(1), at(2), "ErrorServerBusy")
        .await
        .unwrap();
    let c1 = one(&spool, at(2)).await;
    spool.dead_letter(c2, "too old", at(4)).await.unwrap();
    spool
        .dead_letter(c1, "ErrorMailRecipientNotFound", at(3))
        .await
        .unwrap();
    assert!(spool.claim_due(at(100_000), 10).await.unwrap().is_empty());

    let listed: Vec<_> = spool
        .dead_letters()
        .await
        .unwrap()
        .iter()
        .map(|l| {
            (
                l.entry().delivery_id(),
                l.reason().to_owned(),
                l.dead_lettered_at(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (id1, "ErrorMailRecipientNotFound".to_owned(), at(3)),
            (id2, "too old".to_owned(), at(4))
        ],
        "oldest first"
    );
    let inspected = spool.find_dead_letter(id1).await.unwrap().unwrap();
    assert_eq!(inspected.entry().attempts(), 1);
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
    assert!(spool.find_dead_letter(id1).await.unwrap().is_none());
    assert!(spool.claim_due(at(499), 10).await.unwrap().is_empty());
    let again = one(&spool, at(500)).await;
    assert_eq!(again.entry(), &requeued);

    spool.discard_dead_letter(id2).await.unwrap();
    assert!(spool.dead_letters().await.unwrap().is_empty());
    assert!(
        spool
            .requeue(id2, at(600))
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        spool
            .discard_dead_letter(id2)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        spool
            .requeue(id1, at(600))
            .await
            .unwrap_err()
            .is_not_found(),
        "claimed, not dead"
    );
}

pub async fn a_claim_taken_over_after_its_lease_cannot_be_ended_by_the_old_holder(
    store: impl Store,
) {
    let slow = store.open("slow").await;
    let other = store.open("other").await;
    slow.put(entry("x")).await.unwrap();
    let stale = one(&slow, T0).await;

    assert!(
        other.claim_due(at(299), 1).await.unwrap().is_empty(),
        "the lease holds"
    );
    let taken = one(&other, at(300)).await;
    assert_eq!(taken.delivery_id(), stale.delivery_id());
    assert_eq!(taken.claimant().as_str(), "other");
    assert_eq!(taken.entry().message(), stale.entry().message());
    assert!(
        taken.entry().was_taken_over() && !stale.entry().was_taken_over(),
        "a claim taken over is marked, so the sender looks before sending again"
    );

    assert!(
        slow.complete(stale.clone())
            .await
            .unwrap_err()
            .is_claim_lost()
    );
    let err = slow
        .retry_later(stale.clone(), at(301), at(400), "late")
        .await
        .unwrap_err();
    assert!(err.is_claim_lost(), "{err}");
    assert!(
        slow.dead_letter(stale, "late", at(301))
            .await
            .unwrap_err()
            .is_claim_lost()
    );

    other.complete(taken).await.unwrap();
    assert!(other.claim_due(at(10_000), 10).await.unwrap().is_empty());
    assert!(other.dead_letters().await.unwrap().is_empty());
}

pub async fn an_expired_claim_not_taken_over_can_still_be_ended(store: impl Store) {
    let spool = store.open("a").await;
    spool.put(entry("x")).await.unwrap();
    let claim = one(&spool, T0).await;
    // The lease ran out but nobody claimed the message: the holder may still finish.
    spool
        .retry_later(claim, at(400), at(500), "busy")
        .await
        .unwrap();
    let claim = one(&spool, at(500)).await;
    assert_eq!(claim.entry().attempts(), 1);
    spool.complete(claim).await.unwrap();
}

/// Four drainers on one store, claiming in small batches at once: every message
/// is claimed by exactly one of them.
pub async fn concurrent_drainers_claim_each_message_once(store: impl Store) {
    let first = store.open("d0").await;
    let mut ids = HashSet::new();
    for i in 0..200 {
        let e = SpoolEntry::new(message_from(["kim", "lee", "max"][i % 3], "x"), T0)
            .pickup_delay(secs(0));
        ids.insert(e.delivery_id());
        first.put(e).await.unwrap();
    }
    let mut drainers = vec![first];
    for i in 1..4 {
        drainers.push(store.open(&format!("d{i}")).await);
    }
    let results = futures_util::future::join_all(drainers.iter().map(|spool| async move {
        let mut mine = Vec::new();
        loop {
            let claims = spool.claim_due(at(1), 7).await.unwrap();
            if claims.is_empty() {
                return mine;
            }
            for claim in claims {
                mine.push(claim.delivery_id());
                spool.complete(claim).await.unwrap();
            }
        }
    }))
    .await;
    let mut claimed = Vec::new();
    for mine in results {
        claimed.extend(mine);
    }
    assert_eq!(claimed.len(), ids.len(), "no message claimed twice");
    assert_eq!(claimed.into_iter().collect::<HashSet<_>>(), ids);
}
