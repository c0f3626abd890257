//! Why a sender could not be built.

use thiserror::Error;

/// A sender setting that breaks a rule: why [`SenderBuilder::build`](super::SenderBuilder::build)
/// refused. (Delivery problems are not errors but [`DeliveryReport`](super::DeliveryReport)s.)
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SenderBuildError {
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

/// The former name of [`SenderBuildError`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to SenderBuildError: it is only ever a build error"
)]
pub type SenderError = SenderBuildError;
