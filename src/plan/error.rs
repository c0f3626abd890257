//! Why a message could not be planned at all.

use thiserror::Error;

use crate::compose::ComposeError;
use crate::policy::PolicyError;

/// A message that could not be planned: the settings or the message itself are
/// wrong, as opposed to a [`Denial`](super::Denial), where the settings work and
/// say no.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The sender's policies could not be resolved (an assigned tag is missing).
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The message could not be rendered (too large, or a character XML cannot carry).
    #[error(transparent)]
    Compose(#[from] ComposeError),
}
