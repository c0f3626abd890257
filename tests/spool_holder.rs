//! Claims name their holder: a drainer takes over at once the claims of a
//! process of its own host that no longer exists, and leaves those of live
//! processes and of other hosts to their lease. A message taken over is marked,
//! so the pipeline looks for it in the mailbox before sending it again.

#[path = "support/holders.rs"]
mod holders;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::process::Command;
use std::time::Duration;

use holders::{has_proc, this_host};
use offline_im::spool::{DirectorySpool, Spool, SpoolEntry};
use sender_on_testkit::im;
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

/// A spool at `dir` whose claims are made under `claimant`.
fn drainer(dir: &std::path::Path, claimant: &str) -> DirectorySpool {
    DirectorySpool::builder(dir)
        .claimant(claimant.parse().unwrap())
        .open()
        .unwrap()
}

/// Spools one message, due at T0, and claims it as `holder`.
async fn claimed_by(dir: &std::path::Path, holder: &str) -> offline_im::compose::DeliveryId {
    let spool = drainer(dir, holder);
    let message = im("kim@contoso.com", "pat@contoso.com", "held");
    let id = message.delivery_id();
    spool
        .put(SpoolEntry::new(message, T0).pickup_delay(Duration::ZERO))
        .await
        .unwrap();
    let claims = spool.claim_due(T0, 10).await.unwrap();
    assert_eq!(claims.len(), 1);
    assert!(!claims[0].entry().may_have_been_sent(), "never attempted");
    id
}

#[tokio::test]
async fn a_gone_process_claims_are_taken_over_at_once_and_marked() {
    if !has_proc() {
        eprintln!("skipped: no /proc, so no process can be known gone (claims keep their lease)");
        return;
    }
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let id = claimed_by(dir.path(), &format!("{}_p{pid}_dead", this_host())).await;

    // One second later, far inside the ten-minute lease.
    let next = DirectorySpool::open(dir.path()).unwrap();
    let claims = next
        .claim_due(T0 + time::Duration::seconds(1), 10)
        .await
        .unwrap();
    assert_eq!(claims.len(), 1, "taken over at once");
    assert_eq!(claims[0].delivery_id(), id);
    assert!(claims[0].entry().was_taken_over());
    assert!(
        claims[0].entry().may_have_been_sent(),
        "looked for before it is resent"
    );
}

#[tokio::test]
async fn a_killed_process_not_yet_reaped_counts_as_gone() {
    if !has_proc() {
        eprintln!("skipped: no /proc");
        return;
    }
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = child.id();
    child.kill().unwrap(); // a zombie until it is waited for
    std::thread::sleep(Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    claimed_by(dir.path(), &format!("{}_p{pid}_zombie", this_host())).await;
    let next = DirectorySpool::open(dir.path()).unwrap();
    let claims = next.claim_due(T0, 10).await.unwrap();
    child.wait().unwrap();
    assert_eq!(claims.len(), 1, "a zombie holds nothing");
}

#[tokio::test]
async fn a_live_process_keeps_its_claims() {
    let dir = tempfile::tempdir().unwrap();
    // This very process, under another claimant name: alive.
    let holder = format!("{}_p{}_live", this_host(), std::process::id());
    claimed_by(dir.path(), &holder).await;
    let next = DirectorySpool::open(dir.path()).unwrap();
    let claims = next
        .claim_due(T0 + time::Duration::minutes(9), 10)
        .await
        .unwrap();
    assert!(claims.is_empty(), "held until its lease runs out");
    let after = next
        .claim_due(T0 + time::Duration::minutes(10), 10)
        .await
        .unwrap();
    assert_eq!(after.len(), 1, "then taken over");
    assert!(after[0].entry().was_taken_over());
}

#[tokio::test]
async fn other_hosts_and_unnamed_holders_keep_the_lease() {
    for holder in ["another-host-zz_p4194305_x", "drainer-1"] {
        let dir = tempfile::tempdir().unwrap();
        claimed_by(dir.path(), holder).await;
        let next = DirectorySpool::open(dir.path()).unwrap();
        let early = next
            .claim_due(T0 + time::Duration::minutes(5), 10)
            .await
            .unwrap();
        assert!(
            early.is_empty(),
            "{holder}: nothing known about it, so its lease holds"
        );
        let late = next
            .claim_due(T0 + time::Duration::minutes(11), 10)
            .await
            .unwrap();
        assert_eq!(late.len(), 1, "{holder}: taken over after the lease");
    }
}

#[tokio::test]
async fn the_old_holder_cannot_complete_what_was_taken_over() {
    if !has_proc() {
        eprintln!("skipped: no /proc");
        return;
    }
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gone = drainer(dir.path(), &format!("{}_p{pid}_gone", this_host()));
    let message = im("kim@contoso.com", "pat@contoso.com", "held");
    gone.put(SpoolEntry::new(message, T0).pickup_delay(Duration::ZERO))
        .await
        .unwrap();
    let old = gone.claim_due(T0, 10).await.unwrap().remove(0);
    let next = DirectorySpool::open(dir.path()).unwrap();
    let new = next.claim_due(T0, 10).await.unwrap().remove(0);
    let err = gone.complete(old).await.unwrap_err();
    assert!(err.is_claim_lost(), "{err}");
    next.complete(new).await.unwrap();
    let overview = next.overview(T0).await.unwrap();
    assert!(
        overview.only_dead_letters_left() && overview.dead == 0,
        "{overview:?}"
    );
}
