//! Reading spool files, and setting aside those that are not valid ones.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::fsio::{create_dir, move_file};
use super::{FORMAT_VERSION, SpoolError};

/// Decodes a spool file, or says why it is not a valid one (without its content).
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    #[derive(serde::Deserialize)]
    struct Probe {
        format_version: Option<serde_json::Value>,
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the file is empty".to_owned());
    }
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            format!("the file is truncated ({e})")
        } else {
            format!("the file is not a JSON spool record ({e})")
        }
    })?;
    match probe.format_version {
        None => return Err("the file has no format_version: not a spool record".to_owned()),
        Some(v) if v.as_u64() != Some(u64::from(FORMAT_VERSION)) => {
            return Err(format!(
                "the file is in format version {v}, this program reads version {FORMAT_VERSION}; \
                 kept for a program that knows that version"
            ));
        }
        Some(_) => {}
    }
    serde_json::from_slice(bytes).map_err(|e| format!("the record is invalid ({e})"))
}

/// Moves `file` into `quarantine_dir` (never replacing an earlier quarantined
/// file) and logs a warning with the reason. Nothing happens when `file` is gone
/// already (another drainer set it aside first).
pub(crate) fn quarantine(
    file: &Path,
    quarantine_dir: &Path,
    reason: &str,
) -> Result<(), SpoolError> {
    create_dir(quarantine_dir)?;
    let name = file
        .file_name()
        .map_or_else(|| "unnamed".into(), |n| n.to_string_lossy().into_owned());
    let mut target = quarantine_dir.join(&name);
    if target.exists() {
        let random = uuid::Uuid::new_v4().simple().to_string();
        target = quarantine_dir.join(format!("{name}.{}", &random[..8]));
    }
    if move_file(file, &target)? {
        tracing::warn!(
            file = %file.display(),
            moved_to = %target.display(),
            reason,
            "spool: set aside a file that is not a valid spool record"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Small {
        format_version: u32,
        x: u32,
    }

    #[test]
    fn says_why_a_file_is_refused() {
        let reason = |bytes: &[u8]| decode::<Small>(bytes).unwrap_err();
        assert!(reason(b"").contains("empty"));
        assert!(reason(b"{\"format_version\": 1, \"x\"").contains("truncated"));
        assert!(reason(b"hello").contains("not a JSON spool record"));
        assert!(reason(b"{\"x\": 1}").contains("no format_version"));
        assert!(reason(b"{\"format_version\": 2, \"x\": 1}").contains("format version 2"));
        assert!(reason(b"{\"format_version\": 1}").contains("invalid"));
        assert!(decode::<Small>(b"{\"format_version\": 1, \"x\": 1}").is_ok());
    }
}
