//! Files that are corrupt, truncated, of an unknown version or not ours are set
//! aside with a warning, and the drainer goes on; leftover temporary files are
//! never read and are removed once old.

#[path = "support/spool_entries.rs"]
mod spool_entries;

use std::fs;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use offline_im::compose::DeliveryId;
use offline_im::spool::{DirectorySpool, SpoolEntry};
use spool_entries::*;
use time::OffsetDateTime;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Collects every log event as "LEVEL field=value ...".
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<String>>>);

impl Logs {
    fn capture<T>(&self, f: impl FnOnce() -> T) -> T {
        tracing::subscriber::with_default(self.clone(), f)
    }

    fn warnings(&self) -> Vec<String> {
        let lines = self.0.lock().unwrap();
        lines
            .iter()
            .filter(|l| l.starts_with("WARN"))
            .cloned()
            .collect()
    }
}

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for Logs {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn json_of(entry: &SpoolEntry) -> String {
    serde_json::to_string_pretty(entry).unwrap()
}

#[test]
fn bad_files_are_quarantined_with_a_warning_and_good_ones_still_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let good = entry("good");
    spool.blocking_put(good.clone()).unwrap();
    let spooler = kim_spooler(&spool);

    let valid_json = json_of(&entry("another"));
    let named = |id: DeliveryId| spooler.join(format!("{id}.json"));
    let (empty, truncated, future, mismatched, misplaced) = (
        DeliveryId::new(),
        DeliveryId::new(),
        DeliveryId::new(),
        DeliveryId::new(),
        DeliveryId::new(),
    );
    fs::write(named(empty), "").unwrap();
    fs::write(named(truncated), &valid_json[..valid_json.len() / 2]).unwrap();
    fs::write(
        named(future),
        valid_json.replace("\"format_version\": 1", "\"format_version\": 2"),
    )
    .unwrap();
    fs::write(named(mismatched), &valid_json).unwrap(); // holds another delivery id
    let lee = SpoolEntry::new(message_from("lee", "wrong place"), T0);
    let lee_json = json_of(&lee);
    fs::write(
        named(misplaced),
        lee_json.replace(&lee.delivery_id().to_string(), &misplaced.to_string()),
    )
    .unwrap();
    fs::write(spooler.join("notes.txt"), "not a message").unwrap();
    fs::write(spooler.join("claimed").join("stray.json"), "{}").unwrap();
    fs::write(dir.path().join("README"), "left by someone").unwrap();

    let logs = Logs::default();
    let claims = logs.capture(|| spool.blocking_claim_due(T0, 100).unwrap());

    let claimed: Vec<_> = claims.iter().map(|c| c.delivery_id()).collect();
    assert_eq!(claimed, vec![good.delivery_id()], "only the good message");

    let quarantine = spool.sender_dir(good.sender()).join("Quarantine");
    let mut expected: Vec<String> = [empty, truncated, future, mismatched, misplaced]
        .iter()
        .map(|id| format!("{id}.json"))
        .collect();
    expected.extend(["notes.txt".to_owned(), "stray.json".to_owned()]);
    expected.sort();
    assert_eq!(names(&quarantine), expected, "set aside, nothing deleted");
    assert_eq!(names(&dir.path().join("Quarantine")), ["README"]);
    assert_eq!(
        fs::read_to_string(quarantine.join("notes.txt")).unwrap(),
        "not a message",
        "moved unchanged"
    );

    let warnings = logs.warnings();
    assert_eq!(warnings.len(), 8, "one warning per file: {warnings:#?}");
    let about = |needle: &str| {
        warnings
            .iter()
            .find(|w| w.contains(needle))
            .unwrap_or_else(|| panic!("no warning about {needle}: {warnings:#?}"))
            .clone()
    };
    assert!(about(&empty.to_string()).contains("empty"));
    assert!(about(&truncated.to_string()).contains("truncated"));
    assert!(about(&future.to_string()).contains("format version 2"));
    assert!(about(&mismatched.to_string()).contains("holds delivery"));
    assert!(about(&misplaced.to_string()).contains("belongs in directory"));
    assert!(about("notes.txt").contains("not <delivery id>.json"));
    assert!(about("README").contains("outside any sender directory"));

    // The next pass finds nothing more to complain about.
    let logs = Logs::default();
    let again = logs.capture(|| spool.blocking_claim_due(at(10_000), 100).unwrap());
    assert_eq!(again.len(), 1, "the good claim came back after its lease");
    assert!(logs.warnings().is_empty());
}

#[test]
fn a_corrupt_dead_letter_is_quarantined_and_the_others_listed() {
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let e = entry("dies");
    spool.blocking_put(e.clone()).unwrap();
    let claim = spool.blocking_claim_due(T0, 1).unwrap().pop().unwrap();
    spool
        .blocking_dead_letter(claim, "ErrorMailRecipientNotFound", at(1))
        .unwrap();
    let dead = spool.sender_dir(e.sender()).join("Dead Letters");
    let broken = DeliveryId::new();
    fs::write(
        dead.join(format!("{broken}.json")),
        "{\"format_version\": 1",
    )
    .unwrap();

    let logs = Logs::default();
    let letters = logs.capture(|| spool.blocking_dead_letters().unwrap());
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].entry().delivery_id(), e.delivery_id());
    assert_eq!(logs.warnings().len(), 1);
    assert!(spool.blocking_find_dead_letter(broken).unwrap().is_none());
    assert_eq!(
        names(&spool.sender_dir(e.sender()).join("Quarantine")),
        [format!("{broken}.json")]
    );
}

#[test]
fn leftover_temporary_files_are_never_read_and_removed_once_old() {
    let dir = tempfile::tempdir().unwrap();
    let spool = DirectorySpool::builder(dir.path())
        .claimant("a".parse().unwrap())
        .stale_temp_after(secs(3600))
        .open()
        .unwrap();
    // These files carry real file-system times, so this test uses the real clock.
    let now = OffsetDateTime::now_utc();
    let due = SpoolEntry::new(
        message_from("kim", "half written"),
        now - time::Duration::hours(3),
    )
    .pickup_delay(secs(0));
    spool.blocking_put(entry("make the directories")).unwrap();
    let spooler = kim_spooler(&spool);
    let claimed = spooler.join("claimed");

    // A complete-looking temporary file and a half-written one, as a crash
    // mid-write leaves them; an old one and a young one.
    let id = due.delivery_id();
    let full = spooler.join(format!(".{id}.json.tmp-0123456789ab"));
    let young = spooler.join(format!(".{id}.json.tmp-ba9876543210"));
    let half = claimed.join(format!(".{id}.json.tmp-aaaaaaaaaaaa"));
    fs::write(&full, json_of(&due)).unwrap();
    fs::write(&young, json_of(&due)).unwrap();
    fs::write(&half, &json_of(&due)[..40]).unwrap();
    let two_hours_ago = SystemTime::now() - secs(7200);
    for old in [&full, &half] {
        fs::File::options()
            .write(true)
            .open(old)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }

    let logs = Logs::default();
    let claims = logs.capture(|| spool.blocking_claim_due(now, 100).unwrap());
    assert!(
        claims.iter().all(|c| c.delivery_id() != id),
        "a temporary file is never a message"
    );
    assert!(!full.exists() && !half.exists(), "old leftovers removed");
    assert!(young.exists(), "a young one may still be being written");
    assert!(
        logs.warnings().is_empty(),
        "temporary files are not quarantined"
    );
    assert!(!spool.sender_dir(due.sender()).join("Quarantine").exists());
}
