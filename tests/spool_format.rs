//! The spool file format, version 1: the fixtures in tests/fixtures/spool/ are
//! read back as documented, and the spool writes exactly those bytes.

#[path = "support/spool_entries.rs"]
mod spool_entries;

use std::fs;
use std::path::Path;

use offline_im::compose::{DeliveryId, ImLine, Importance, OfflineIm, Participant};
use offline_im::spool::{DirectorySpool, FORMAT_VERSION, SpoolEntry};
use spool_entries::*;
use time::macros::datetime;

const ID: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spool")
        .join(name);
    fs::read_to_string(path).unwrap()
}

/// The message the fixtures hold.
fn fixture_message() -> OfflineIm {
    let kim = Participant::new(
        "sip:kim@contoso.com".parse().unwrap(),
        "kim@contoso.com".parse().unwrap(),
        "Kim Akers",
    );
    let zoe = Participant::new(
        "sip:zoe@contoso.com".parse().unwrap(),
        "zoe@contoso.com".parse().unwrap(),
        "Zoë Bell",
    );
    OfflineIm::builder()
        .delivery_id(ID.parse().unwrap())
        .sender(kim.clone())
        .recipient(zoe)
        .subject("Budget 🙂")
        .importance(Importance::High)
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:15 +01:00),
            "Is the <contract> signed & sent?",
        ))
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:15:30 +01:00),
            "Call me.",
        ))
        .build()
        .unwrap()
}

fn kim_dir(spool: &DirectorySpool) -> std::path::PathBuf {
    spool.sender_dir(&"sip:kim@contoso.com".parse().unwrap())
}

/// Spools the fixture message through the API: spooled at 09:15, a failed
/// attempt at 09:17:01, retry at 09:18:01.
fn spool_fixture_message(spool: &DirectorySpool) {
    spool
        .blocking_put(SpoolEntry::new(fixture_message(), T0))
        .unwrap();
    let claim = spool.blocking_claim_due(at(120), 1).unwrap().pop().unwrap();
    spool
        .blocking_retry_later(
            claim,
            at(121),
            at(181),
            "ErrorServerBusy: the server is busy",
        )
        .unwrap();
}

#[test]
fn a_version_1_file_is_read_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let spooler = kim_dir(&spool).join("History Spooler");
    fs::create_dir_all(&spooler).unwrap();
    fs::write(
        spooler.join(format!("{ID}.json")),
        fixture("v1-waiting.json"),
    )
    .unwrap();

    assert!(spool.blocking_claim_due(at(180), 10).unwrap().is_empty());
    let claim = spool
        .blocking_claim_due(at(181), 10)
        .unwrap()
        .pop()
        .unwrap();
    let entry = claim.entry();
    assert_eq!(entry.format_version(), FORMAT_VERSION);
    assert_eq!(entry.delivery_id(), ID.parse::<DeliveryId>().unwrap());
    assert_eq!(entry.spooled_at(), datetime!(2026-03-02 09:15 UTC));
    assert_eq!(entry.eligible_at(), datetime!(2026-03-02 09:17 UTC));
    assert_eq!(entry.next_attempt_at(), datetime!(2026-03-02 09:18:01 UTC));
    assert_eq!(entry.attempts(), 1);
    assert_eq!(
        entry.last_attempt_at(),
        Some(datetime!(2026-03-02 09:17:01 UTC))
    );
    assert_eq!(
        entry.last_error(),
        Some("ErrorServerBusy: the server is busy")
    );
    assert_eq!(entry.message(), &fixture_message());
}

#[test]
fn the_spool_writes_the_documented_format_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    spool_fixture_message(&spool);
    let written = fs::read_to_string(
        kim_dir(&spool)
            .join("History Spooler")
            .join(format!("{ID}.json")),
    )
    .unwrap();
    assert_eq!(written, fixture("v1-waiting.json"));

    let claim = spool.blocking_claim_due(at(181), 1).unwrap().pop().unwrap();
    spool
        .blocking_dead_letter(claim, "ErrorMailRecipientNotFound", at(182))
        .unwrap();
    let written = fs::read_to_string(
        kim_dir(&spool)
            .join("Dead Letters")
            .join(format!("{ID}.json")),
    )
    .unwrap();
    assert_eq!(written, fixture("v1-dead-letter.json"));
}

#[test]
fn a_version_1_dead_letter_is_read_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let dead = kim_dir(&spool).join("Dead Letters");
    fs::create_dir_all(&dead).unwrap();
    fs::write(
        dead.join(format!("{ID}.json")),
        fixture("v1-dead-letter.json"),
    )
    .unwrap();

    let letter = spool
        .blocking_find_dead_letter(ID.parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(letter.reason(), "ErrorMailRecipientNotFound");
    assert_eq!(
        letter.dead_lettered_at(),
        datetime!(2026-03-02 09:18:02 UTC)
    );
    assert_eq!(letter.entry().attempts(), 1);
    assert_eq!(letter.entry().message(), &fixture_message());
    assert_eq!(spool.blocking_dead_letters().unwrap(), vec![letter]);
}

#[test]
fn version_1_readers_ignore_fields_they_do_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let spooler = kim_dir(&spool).join("History Spooler");
    fs::create_dir_all(&spooler).unwrap();
    let grown = fixture("v1-waiting.json").replacen(
        "\"attempts\": 1,",
        "\"attempts\": 1,\n  \"added_in_a_later_release\": {\"x\": 1},",
        1,
    );
    fs::write(spooler.join(format!("{ID}.json")), grown).unwrap();
    let claims = spool.blocking_claim_due(at(181), 10).unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].entry().message(), &fixture_message());
}

#[test]
fn a_file_of_a_newer_version_is_kept_in_quarantine_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let spooler = kim_dir(&spool).join("History Spooler");
    fs::create_dir_all(&spooler).unwrap();
    let v2 = fixture("v1-waiting.json").replace("\"format_version\": 1", "\"format_version\": 2");
    fs::write(spooler.join(format!("{ID}.json")), &v2).unwrap();

    assert!(spool.blocking_claim_due(at(10_000), 10).unwrap().is_empty());
    let kept = kim_dir(&spool)
        .join("Quarantine")
        .join(format!("{ID}.json"));
    assert_eq!(fs::read_to_string(kept).unwrap(), v2);
}
