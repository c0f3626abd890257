//! What can be wrong with an organization's settings.

use thiserror::Error;

use crate::address::{AddressError, Domain};

/// Organization or federation settings that contradict each other or a rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum OrganizationError {
    /// The organization has no SIP domain, so no user could belong to it.
    #[error("an organization needs at least one SIP domain (Get-CsSipDomain lists them)")]
    NoSipDomain,
    /// A domain is on both the allowed and the blocked list; SfB never allows that.
    #[error(
        "domain {0} is on both the allowed and the blocked federation list; a domain may be on one list only"
    )]
    AllowedAndBlocked(Domain),
    /// One of the organization's own SIP domains is on a federation list.
    #[error(
        "domain {0} is one of the organization's own SIP domains and cannot be on a federation list"
    )]
    OwnDomainListed(Domain),
    /// The same domain was listed twice on one list.
    #[error("domain {domain} is listed twice on the {list} list")]
    Duplicate {
        /// The repeated domain.
        domain: Domain,
        /// `"SIP domain"`, `"allowed"` or `"blocked"`.
        list: &'static str,
    },
    /// A domain in the settings is not a valid domain.
    #[error(transparent)]
    Address(#[from] AddressError),
}
