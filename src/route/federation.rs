//! Federation settings: which other organizations' users may be reached.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::address::Domain;

/// An entry of the federation allow list (`CsAllowedDomain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedDomain {
    /// The partner's SIP domain.
    pub domain: Domain,
    /// The partner's Access Edge FQDN, when configured (informational here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_fqdn: Option<String>,
    /// The administrator's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl AllowedDomain {
    /// An allow-list entry with no proxy FQDN and no comment.
    #[must_use]
    pub fn new(domain: Domain) -> Self {
        Self {
            domain,
            proxy_fqdn: None,
            comment: None,
        }
    }
}

/// An entry of the federation block list (`CsBlockedDomain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedDomain {
    /// The blocked SIP domain (and, see [`Federation`], every domain below it).
    pub domain: Domain,
    /// The administrator's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl BlockedDomain {
    /// A block-list entry with no comment.
    #[must_use]
    pub fn new(domain: Domain) -> Self {
        Self {
            domain,
            comment: None,
        }
    }
}

/// The organization-wide federation settings (`CsAccessEdgeConfiguration` plus the
/// allowed and blocked domain lists).
///
/// Defaults are SfB's: federation off, partner discovery off, both lists empty.
///
/// # How domains match
/// - An **allowed** entry admits exactly its own domain. `fabrikam.com` on the allow
///   list does not admit `sales.fabrikam.com`: a subdomain is a different SIP domain
///   that its owner lists separately (Get-CsSipDomain shows one entry per domain),
///   and trusting it implicitly would widen what the administrator approved.
/// - A **blocked** entry blocks its domain *and every domain below it*: a block is
///   meant to keep a whole organization out, so failing closed is the safe reading.
/// - Matching is on normalized [`Domain`]s, so case and internationalized spellings
///   never matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Federation {
    pub(super) allow_federated_users: bool,
    pub(super) enable_partner_discovery: bool,
    pub(super) allowed: BTreeMap<Domain, AllowedDomain>,
    pub(super) blocked: BTreeMap<Domain, BlockedDomain>,
}

impl Federation {
    /// `AllowFederatedUsers`: whether users may communicate with other organizations at all.
    #[must_use]
    pub fn allow_federated_users(&self) -> bool {
        self.allow_federated_users
    }

    /// `EnablePartnerDiscovery`: whether domains not on the allow list may federate
    /// (discovered through DNS). When off, only allow-listed domains federate.
    #[must_use]
    pub fn enable_partner_discovery(&self) -> bool {
        self.enable_partner_discovery
    }

    /// The allow list, ordered by domain.
    pub fn allowed_domains(&self) -> impl Iterator<Item = &AllowedDomain> {
        self.allowed.values()
    }

    /// The block list, ordered by domain.
    pub fn blocked_domains(&self) -> impl Iterator<Item = &BlockedDomain> {
        self.blocked.values()
    }

    /// The block-list entry that covers `domain` (the domain itself or a parent), if any.
    #[must_use]
    pub fn blocking_entry(&self, domain: &Domain) -> Option<&BlockedDomain> {
        domain
            .self_and_parents()
            .find_map(|name| self.blocked.get(name))
    }

    /// Whether `domain` itself is on the allow list.
    #[must_use]
    pub fn is_allow_listed(&self, domain: &Domain) -> bool {
        self.allowed.contains_key(domain)
    }
}
