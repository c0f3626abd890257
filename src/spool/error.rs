//! What can go wrong when keeping messages in a spool.

use std::io;
use std::path::PathBuf;

use crate::compose::DeliveryId;

/// An error from a [`Spool`](super::Spool) operation.
///
/// Files that are corrupt, truncated or not the spool's own are never reported
/// as errors: they are moved to quarantine with a log line, and the operation
/// goes on. What remains are failures of the storage itself and mistakes of the
/// caller.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    /// A file system operation failed.
    #[error("spool: cannot {op} {}: {source}", path.display())]
    Io {
        /// What the spool was doing, e.g. "create directory".
        op: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A message with this delivery id is already in the spool (waiting,
    /// claimed or dead-lettered); nothing was written.
    #[error(
        "spool: delivery {id} is already spooled at {}; a delivery id is handed over once",
        path.display()
    )]
    AlreadySpooled {
        /// The delivery id.
        id: DeliveryId,
        /// Where the existing copy is.
        path: PathBuf,
    },
    /// The claim is no longer held: its lease ran out and another drainer took
    /// the message over (or the file was removed by hand). Nothing was changed;
    /// the new owner will deliver or report the message.
    #[error(
        "spool: the claim on delivery {id} was lost ({} is gone); its lease ran out and another drainer owns it now",
        path.display()
    )]
    ClaimLost {
        /// The delivery id.
        id: DeliveryId,
        /// The claimed file that was expected.
        path: PathBuf,
    },
    /// No dead letter has this delivery id.
    #[error("spool: no dead letter with delivery id {id}")]
    NoDeadLetter {
        /// The delivery id asked for.
        id: DeliveryId,
    },
    /// An entry could not be encoded as JSON (should not happen for valid entries).
    #[error("spool: cannot encode delivery {id} as JSON: {source}")]
    Encode {
        /// The delivery id.
        id: DeliveryId,
        /// The encoder's error.
        #[source]
        source: serde_json::Error,
    },
    /// A configuration value breaks a rule.
    #[error("spool: invalid {field} {value:?}: {rule}")]
    Config {
        /// The setting, e.g. "claimant id".
        field: &'static str,
        /// The value given.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// An error of another spool implementation's backend (a database, a broker).
    #[error("spool backend: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl SpoolError {
    /// Wraps an error of another [`Spool`](super::Spool) implementation's backend.
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend(error.into())
    }

    /// Whether the claim was lost to another drainer ([`SpoolError::ClaimLost`]).
    #[must_use]
    pub fn is_claim_lost(&self) -> bool {
        matches!(self, Self::ClaimLost { .. })
    }

    /// Whether the delivery id was already spooled ([`SpoolError::AlreadySpooled`]).
    #[must_use]
    pub fn is_already_spooled(&self) -> bool {
        matches!(self, Self::AlreadySpooled { .. })
    }

    /// Whether a dead letter asked for does not exist ([`SpoolError::NoDeadLetter`]).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NoDeadLetter { .. })
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
