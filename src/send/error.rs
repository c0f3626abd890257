//! Why a sender could not be built.

use thiserror::Error;

/// A sender setting that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SenderError {
    /// A setting is out of range.
    #[error("sender setting {setting} = {value}: must be {rule}")]
    Setting {
        /// The setting's name.
        setting: &'static str,
        /// The value given.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
}
