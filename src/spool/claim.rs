//! Who holds a message while delivering it, and until when.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use super::holder::{ClaimHolder, this_host};
use super::{SpoolEntry, SpoolError};
use crate::compose::DeliveryId;

/// The longest claimant id, in characters.
pub const MAX_CLAIMANT_CHARS: usize = 64;

/// The name of one drainer, recorded on every message it claims.
///
/// 1 to [`MAX_CLAIMANT_CHARS`] ASCII letters, digits, `-` and `_`, so it is safe in
/// a file name. Every drainer (every process, or every task in one) needs its own:
/// [`ClaimantId::generate`] makes one from the host name, the process id and a
/// random part, `<host>_p<pid>_<random>`, so that a drainer on the same host can
/// tell when the holder of a claim has died ([`ClaimantId::holder`]).
///
/// ```
/// use offline_im::spool::ClaimantId;
///
/// let id: ClaimantId = "drainer-1".parse()?;
/// assert_eq!(id.as_str(), "drainer-1");
/// assert!("../etc".parse::<ClaimantId>().is_err());
/// assert_ne!(ClaimantId::generate(), ClaimantId::generate());
/// # Ok::<(), offline_im::spool::SpoolError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClaimantId(Box<str>);

impl ClaimantId {
    /// Checks a claimant id.
    ///
    /// # Errors
    /// [`SpoolError::Config`] naming the value and the rule it broke.
    pub fn parse(value: &str) -> Result<Self, SpoolError> {
        let fail = |rule| SpoolError::Config {
            field: "claimant id",
            value: value.chars().take(MAX_CLAIMANT_CHARS + 8).collect(),
            rule,
        };
        if value.is_empty() || value.len() > MAX_CLAIMANT_CHARS {
            return Err(fail("must be 1 to 64 characters long"));
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(fail(
                "may contain only ASCII letters, digits, \"-\" and \"_\"",
            ));
        }
        Ok(Self(value.into()))
    }

    /// A new id for this process: `<host>_p<process id>_<12 random hex digits>`
    /// (the host name cut to 30 letters, digits and `-`), or
    /// `p<process id>-<12 random hex digits>` when the host name is unknown.
    ///
    /// Claims made under such an id are taken over at once by a drainer on the
    /// same host once this process is gone (see [`ClaimHolder`]), rather than
    /// after their lease.
    #[must_use]
    pub fn generate() -> Self {
        let random = uuid::Uuid::new_v4().simple().to_string();
        let pid = std::process::id();
        match this_host() {
            Some(host) => Self(format!("{host}_p{pid}_{}", &random[..12]).into()),
            None => Self(format!("p{pid}-{}", &random[..12]).into()),
        }
    }

    /// The process that holds claims made under this id, when the id names one
    /// (`<host>_p<pid>_<suffix>`, as [`generate`](Self::generate) makes them).
    /// Ids chosen otherwise name none, and their claims always keep their lease.
    #[must_use]
    pub fn holder(&self) -> Option<ClaimHolder> {
        ClaimHolder::of(self)
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ClaimantId {
    type Err = SpoolError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ClaimantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ClaimantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimantId({})", self.0)
    }
}

/// A message taken out of the spool by one drainer, to deliver.
///
/// Returned by [`Spool::claim_due`](super::Spool::claim_due). While the claim
/// holds, no other drainer gets the message. The holder ends it with exactly one
/// of [`complete`](super::Spool::complete) (delivered, or found already
/// delivered), [`retry_later`](super::Spool::retry_later) (transient failure)
/// or [`dead_letter`](super::Spool::dead_letter) (permanent failure). A claim
/// whose holder dies becomes claimable again when its lease runs out
/// ([`lease_expires_at`](Self::lease_expires_at)); the new holder may resend a
/// message the old one had delivered, which is why the pipeline checks the
/// delivery id in the mailbox before sending a message again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    entry: SpoolEntry,
    claimant: ClaimantId,
    claimed_at: OffsetDateTime,
    lease_expires_at: OffsetDateTime,
}

impl Claim {
    /// A claim on `entry` by `claimant` at `claimed_at`, held until `lease_expires_at`.
    ///
    /// Public so that other [`Spool`](super::Spool) implementations can hand out
    /// claims; a spool checks a claim it is given against its own records.
    #[must_use]
    pub fn new(
        entry: SpoolEntry,
        claimant: ClaimantId,
        claimed_at: OffsetDateTime,
        lease_expires_at: OffsetDateTime,
    ) -> Self {
        Self {
            entry,
            claimant,
            claimed_at,
            lease_expires_at,
        }
    }

    /// The claimed message and its delivery state.
    #[must_use]
    pub fn entry(&self) -> &SpoolEntry {
        &self.entry
    }

    /// The claimed message's delivery id.
    #[must_use]
    pub fn delivery_id(&self) -> DeliveryId {
        self.entry.delivery_id()
    }

    /// Who holds the claim.
    #[must_use]
    pub fn claimant(&self) -> &ClaimantId {
        &self.claimant
    }

    /// When the claim was made.
    #[must_use]
    pub fn claimed_at(&self) -> OffsetDateTime {
        self.claimed_at
    }

    /// When the lease runs out and another drainer may take the message over.
    #[must_use]
    pub fn lease_expires_at(&self) -> OffsetDateTime {
        self.lease_expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_path_characters_and_bad_lengths() {
        for bad in ["", "a/b", "a\\b", "..", "a.b", "ä", &"x".repeat(65)] {
            assert!(ClaimantId::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(ClaimantId::parse(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn generated_ids_are_valid() {
        let id = ClaimantId::generate();
        assert_eq!(ClaimantId::parse(id.as_str()).unwrap(), id);
    }
}
