//! Names of the directory spool's folders and files.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use uuid::Uuid;

use super::ClaimantId;
use crate::address::SipUri;
use crate::compose::DeliveryId;

/// The folder of waiting messages in a sender's directory, named as in Skype for Business.
pub const HISTORY_SPOOLER: &str = "History Spooler";
/// The folder of claimed messages, inside [`HISTORY_SPOOLER`].
pub const CLAIMED: &str = "claimed";
/// The folder of given-up messages in a sender's directory.
pub const DEAD_LETTERS: &str = "Dead Letters";
/// The folder of set-aside files, in a sender's directory and in the root.
pub const QUARANTINE: &str = "Quarantine";

const TMP_MARK: &str = ".tmp-";
const BATCH_EXT: &str = "batch";
const CLAIMED_EXT: &str = "json";
const RELEASING_EXT: &str = "releasing";

/// The directory name for a sender: its SIP address without `sip:`, e.g.
/// `kim@contoso.com`.
///
/// [`SipUri`] already allows no `/`, `\` or `%`; to be safe on any file system
/// all bytes but ASCII letters, digits and `@ . - _ +` are written as `%XX`
/// (e.g. `o'neil@contoso.com` becomes `o%27neil@contoso.com`), and so is a
/// leading `.`, so the name can never be `.`, `..`, hidden, or leave the root.
#[must_use]
pub fn sender_dir_name(sender: &SipUri) -> String {
    let mut name = String::new();
    for (i, byte) in sender.address().bytes().enumerate() {
        let keep =
            byte.is_ascii_alphanumeric() || b"@-_+".contains(&byte) || (byte == b'.' && i > 0);
        if keep {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

/// The paths of one sender's folders.
#[derive(Debug, Clone)]
pub(crate) struct SenderDirs {
    pub(crate) dir: PathBuf,
}

impl SenderDirs {
    pub(crate) fn new(root: &Path, sender: &SipUri) -> Self {
        Self {
            dir: root.join(sender_dir_name(sender)),
        }
    }

    pub(crate) fn spooler(&self) -> PathBuf {
        self.dir.join(HISTORY_SPOOLER)
    }

    pub(crate) fn claimed(&self) -> PathBuf {
        self.spooler().join(CLAIMED)
    }

    pub(crate) fn dead_letters(&self) -> PathBuf {
        self.dir.join(DEAD_LETTERS)
    }

    pub(crate) fn quarantine(&self) -> PathBuf {
        self.dir.join(QUARANTINE)
    }

    pub(crate) fn pending_file(&self, id: DeliveryId) -> PathBuf {
        self.spooler().join(entry_file_name(id))
    }

    pub(crate) fn dead_letter_file(&self, id: DeliveryId) -> PathBuf {
        self.dead_letters().join(entry_file_name(id))
    }
}

/// `<delivery id>.json`: a waiting message or a dead letter.
pub(crate) fn entry_file_name(id: DeliveryId) -> String {
    format!("{id}.json")
}

/// The delivery id of a file named `<delivery id>.json` (canonical form only).
pub(crate) fn parse_entry_file_name(name: &str) -> Option<DeliveryId> {
    let stem = name.strip_suffix(".json")?;
    let uuid = Uuid::try_parse(stem).ok()?;
    let id = DeliveryId::from_uuid(uuid);
    (id.to_string() == stem).then_some(id)
}

/// Whether `name` is one of the spool's temporary files, `.<name>.tmp-<random>`.
pub(crate) fn is_temp_file_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(TMP_MARK)
}

/// A new temporary file name for `final_name`.
pub(crate) fn temp_file_name(final_name: &str) -> String {
    let random = Uuid::new_v4().simple().to_string();
    format!(".{final_name}{TMP_MARK}{}", &random[..12])
}

/// Whether a claimed file is held (`.json`) or being handed on (`.releasing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClaimState {
    Held,
    Releasing,
}

/// The parts of a claimed file's name, `<id>.<claimed at, Unix ms>.<claimant>.<json|releasing>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimName {
    pub(crate) id: DeliveryId,
    pub(crate) at_ms: i64,
    pub(crate) claimant: ClaimantId,
    pub(crate) state: ClaimState,
}

impl ClaimName {
    pub(crate) fn new(
        id: DeliveryId,
        at: OffsetDateTime,
        claimant: &ClaimantId,
        state: ClaimState,
    ) -> Self {
        Self {
            id,
            at_ms: unix_ms(at),
            claimant: claimant.clone(),
            state,
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        let mut parts = name.split('.');
        let (id, at, claimant, ext) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let state = match ext {
            CLAIMED_EXT => ClaimState::Held,
            RELEASING_EXT => ClaimState::Releasing,
            _ => return None,
        };
        Some(Self {
            id: parse_entry_file_name(&format!("{id}.json"))?,
            at_ms: at.parse().ok()?,
            claimant: ClaimantId::parse(claimant).ok()?,
            state,
        })
    }

    pub(crate) fn file_name(&self) -> String {
        let ext = match self.state {
            ClaimState::Held => CLAIMED_EXT,
            ClaimState::Releasing => RELEASING_EXT,
        };
        format!("{}.{}.{}.{ext}", self.id, self.at_ms, self.claimant)
    }

    /// When the claim was made (or the release started).
    pub(crate) fn at(&self) -> OffsetDateTime {
        from_unix_ms(self.at_ms)
    }
}

/// The name of a batch file, many waiting messages of one sender written by one
/// `put_all` call: `<batch id>.<number of messages>.batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchName {
    pub(crate) id: Uuid,
    pub(crate) count: usize,
}

impl BatchName {
    pub(crate) fn new(count: usize) -> Self {
        Self {
            id: Uuid::new_v4(),
            count,
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        let mut parts = name.split('.');
        let (id, count, ext) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || ext != BATCH_EXT {
            return None;
        }
        Self::from_parts(id, count)
    }

    /// Canonical forms only (lower-case hyphenated id, count without leading zeros).
    fn from_parts(id_text: &str, count_text: &str) -> Option<Self> {
        let id = Uuid::try_parse(id_text).ok()?;
        let count: usize = count_text.parse().ok()?;
        let canonical = id.hyphenated().to_string() == id_text && count.to_string() == count_text;
        (canonical && count > 0).then_some(Self { id, count })
    }

    pub(crate) fn file_name(&self) -> String {
        format!("{}.{}.{BATCH_EXT}", self.id.hyphenated(), self.count)
    }
}

/// The name of a claimed batch file:
/// `<batch id>.<number of messages>.<claimed at, Unix ms>.<claimant>.batch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BatchClaimName {
    pub(crate) batch: BatchName,
    pub(crate) at_ms: i64,
    pub(crate) claimant: ClaimantId,
}

impl BatchClaimName {
    pub(crate) fn new(batch: BatchName, at: OffsetDateTime, claimant: &ClaimantId) -> Self {
        Self {
            batch,
            at_ms: unix_ms(at),
            claimant: claimant.clone(),
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        let mut parts = name.split('.');
        let (id, count, at, claimant, ext) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if parts.next().is_some() || ext != BATCH_EXT {
            return None;
        }
        Some(Self {
            batch: BatchName::from_parts(id, count)?,
            at_ms: at.parse().ok()?,
            claimant: ClaimantId::parse(claimant).ok()?,
        })
    }

    pub(crate) fn file_name(&self) -> String {
        format!(
            "{}.{}.{}.{}.{BATCH_EXT}",
            self.batch.id.hyphenated(),
            self.batch.count,
            self.at_ms,
            self.claimant
        )
    }

    /// When the batch was claimed.
    pub(crate) fn at(&self) -> OffsetDateTime {
        from_unix_ms(self.at_ms)
    }
}

/// `at` in whole milliseconds since the Unix epoch.
pub(crate) fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

/// The time `ms` milliseconds after the Unix epoch, clamped to what `time` can represent.
pub(crate) fn from_unix_ms(ms: i64) -> OffsetDateTime {
    let nanos = i128::from(ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(if ms < 0 {
        OffsetDateTime::UNIX_EPOCH.saturating_sub(time::Duration::MAX)
    } else {
        OffsetDateTime::UNIX_EPOCH.saturating_add(time::Duration::MAX)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(s: &str) -> SipUri {
        s.parse().unwrap()
    }

    #[test]
    fn sender_dirs_are_the_sip_address_and_cannot_escape() {
        assert_eq!(
            sender_dir_name(&sip("sip:Kim@Contoso.com")),
            "kim@contoso.com"
        );
        assert_eq!(
            sender_dir_name(&sip("sip:o'neil*x@contoso.com")),
            "o%27neil%2Ax@contoso.com"
        );
        assert_eq!(
            sender_dir_name(&sip("sip:.hidden@contoso.com")),
            "%2Ehidden@contoso.com"
        );
        let dots = sender_dir_name(&sip("sip:..@contoso.com"));
        assert!(!dots.starts_with('.') && !dots.contains('/'), "{dots}");
    }

    #[test]
    fn entry_names_are_canonical_uuids() {
        let id = DeliveryId::new();
        assert_eq!(parse_entry_file_name(&entry_file_name(id)), Some(id));
        assert_eq!(parse_entry_file_name("notes.json"), None);
        let upper = format!("{}.json", id.to_string().to_uppercase());
        assert_eq!(parse_entry_file_name(&upper), None);
    }

    #[test]
    fn claim_names_round_trip() {
        let name = ClaimName::new(
            DeliveryId::new(),
            time::macros::datetime!(2026-03-02 09:15:00.123 UTC),
            &"worker-1".parse().unwrap(),
            ClaimState::Held,
        );
        let text = name.file_name();
        assert!(text.ends_with(".1772442900123.worker-1.json"), "{text}");
        assert_eq!(ClaimName::parse(&text), Some(name.clone()));
        let releasing = ClaimName {
            state: ClaimState::Releasing,
            ..name.clone()
        };
        assert_eq!(ClaimName::parse(&releasing.file_name()), Some(releasing));
        assert_eq!(ClaimName::parse("x.1.worker.json"), None);
        assert_eq!(
            name.at(),
            time::macros::datetime!(2026-03-02 09:15:00.123 UTC)
        );
    }

    #[test]
    fn batch_names_round_trip_and_are_canonical() {
        let name = BatchName::new(250);
        let text = name.file_name();
        assert!(text.ends_with(".250.batch"), "{text}");
        assert_eq!(BatchName::parse(&text), Some(name));
        assert_eq!(parse_entry_file_name(&text), None);
        for bad in [
            "x.2.batch",
            &text.replace(".250.", ".0250."),
            &text.replace(".250.", ".0."),
        ] {
            assert_eq!(BatchName::parse(bad), None, "{bad}");
        }
        let claimed = BatchClaimName::new(
            name,
            time::macros::datetime!(2026-03-02 09:15:00.123 UTC),
            &"worker-1".parse().unwrap(),
        );
        let text = claimed.file_name();
        assert!(
            text.ends_with(".250.1772442900123.worker-1.batch"),
            "{text}"
        );
        assert_eq!(BatchClaimName::parse(&text), Some(claimed));
        assert_eq!(ClaimName::parse(&text), None);
        assert_eq!(BatchName::parse(&text), None);
    }

    #[test]
    fn temp_names_are_recognized() {
        let tmp = temp_file_name("abc.json");
        assert!(is_temp_file_name(&tmp), "{tmp}");
        assert!(!is_temp_file_name("abc.json"));
    }
}
