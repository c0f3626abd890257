//! What can be wrong with policies, their scopes, or a user's assignments.

use thiserror::Error;

use super::Scope;
use crate::powershell::PowerShellError;

/// A policy setting, scope or assignment that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// An `Identity` that is not `Global`, `Site:<name>` or `Tag:<name>`.
    #[error("invalid policy identity {value:?}: {rule}")]
    Scope {
        /// The identity as given.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A client build that is not four dot-separated numbers.
    #[error("invalid client build {value:?}: {rule}")]
    ClientBuild {
        /// The build as given.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A policy kind that does not exist at this scope (IM configurations have no tags).
    #[error("{kind} cannot have scope {scope}: only Global and Site:<name> exist for it")]
    ScopeNotAllowed {
        /// The policy kind, e.g. `"IM configuration"`.
        kind: &'static str,
        /// The refused scope.
        scope: Scope,
    },
    /// Two policies of one kind with the same scope.
    #[error("{kind} {scope} is defined twice; each scope has at most one")]
    Duplicate {
        /// The policy kind, e.g. `"client policy"`.
        kind: &'static str,
        /// The repeated scope.
        scope: Scope,
    },
    /// A user is assigned a tag policy that the policy set does not hold.
    #[error(
        "{kind} {scope} is assigned to the sender but is not defined; add it to the policies or fix the assignment"
    )]
    UnknownPolicy {
        /// The policy kind, e.g. `"client policy"`.
        kind: &'static str,
        /// The assigned scope that was not found.
        scope: Scope,
    },
}

/// Why a [`PolicySet`](super::PolicySet) could not be loaded from PowerShell output.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LoadPolicyError {
    /// One cmdlet's output is not JSON or has a property of the wrong type.
    #[error(transparent)]
    PowerShell(#[from] PowerShellError),
    /// The policies were read but break a rule (a duplicate scope, say).
    #[error(transparent)]
    Invalid(#[from] PolicyError),
}
