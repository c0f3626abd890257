//! The schema step: every request the crate writes is valid against Microsoft's EWS
//! schema, and every reply fixture is a valid EWS reply.
//!
//! Runs `python3 ../shared/ews-schema/validate.py --strict`. Where that validator,
//! python3 or lxml is missing (a crates.io user running the tests) the step reports
//! itself skipped, unless `OFFLINE_IM_REQUIRE_SCHEMA_CHECK=1` (set by `.ci/run`).

#[path = "support/ews_requests.rs"]
mod ews_requests;
#[path = "support/python_oracle.rs"]
mod python_oracle;

use std::path::{Path, PathBuf};

use ews_requests::representative_envelopes;
use python_oracle::{Oracle, check_files};

const SCHEMA_CHECK: Oracle = Oracle {
    name: "the EWS schema check",
    script: "../shared/ews-schema/validate.py",
    needs_module: Some("lxml"),
    require: "OFFLINE_IM_REQUIRE_SCHEMA_CHECK",
};

fn validator() -> Option<PathBuf> {
    SCHEMA_CHECK.script()
}

/// Runs the validator on `files`; fails naming every file that is not OK.
fn validate(script: &Path, files: &[PathBuf]) {
    check_files(script, &["--strict"], files);
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("offline-im-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn every_written_request_is_schema_valid() {
    let Some(script) = validator() else { return };
    let dir = TempDir::new("ews-schema");
    let envelopes = representative_envelopes();
    assert!(
        envelopes.len() > 60,
        "the representative set shrank to {}",
        envelopes.len()
    );
    let files: Vec<PathBuf> = envelopes
        .iter()
        .map(|e| {
            let path = dir.0.join(format!("{}.xml", e.name));
            std::fs::write(&path, &e.xml).expect("write envelope");
            path
        })
        .collect();
    validate(&script, &files);
}

#[test]
fn every_reply_fixture_is_schema_valid() {
    let Some(script) = validator() else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ews");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 12, "fixtures missing: {files:?}");
    validate(&script, &files);
}

#[test]
fn every_fake_reply_is_schema_valid() {
    use offline_im::compose::DeliveryId;
    use offline_im::ews::ResponseCode;
    use offline_im::transport::fake::{
        CreateItemReply, DeleteItemReply, FindItemReply, FoundMessage, fault,
    };
    use std::time::Duration;

    let Some(script) = validator() else { return };
    let dir = TempDir::new("fake-replies");
    let replies = [
        (
            "create",
            CreateItemReply::new()
                .created()
                .failed(ResponseCode::ErrorQuotaExceeded, "full & <closed>")
                .busy(Duration::from_secs(2))
                .busy_inside_internal_error(Duration::from_secs(300))
                .build(),
        ),
        (
            "find",
            FindItemReply::new()
                .folder([])
                .folder([FoundMessage::new("AAMk1", DeliveryId::new()).submitted(true)])
                .failed(ResponseCode::ErrorTimeoutExpired, "too slow")
                .build(),
        ),
        ("delete", DeleteItemReply::all_deleted(2)),
        (
            "fault",
            fault(ResponseCode::ErrorServerBusy, Some(Duration::from_secs(30))),
        ),
    ];
    let files: Vec<PathBuf> = replies
        .iter()
        .map(|(name, reply)| {
            let path = dir.0.join(format!("{name}.xml"));
            std::fs::write(&path, &reply.body).expect("write reply");
            path
        })
        .collect();
    validate(&script, &files);
}
