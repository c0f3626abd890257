//! The organization: its own SIP domains and its federation settings.

use std::collections::{BTreeMap, BTreeSet};

use super::{AllowedDomain, BlockedDomain, Federation, OrganizationError};
use crate::address::Domain;

/// A Skype for Business organization as far as routing is concerned: the SIP
/// domains it owns (`Get-CsSipDomain`) and its [`Federation`] settings.
///
/// Build one with [`Organization::builder`], load it from the administrator's
/// PowerShell output ([`Organization::from_powershell_json`]) or deserialize it
/// from a settings file ([`OrganizationFile`](super::OrganizationFile) shows the format).
///
/// ```
/// use offline_im::route::{AllowedDomain, BlockedDomain, Organization};
///
/// let contoso = Organization::builder()
///     .sip_domain("contoso.com".parse()?)
///     .allow_federated_users(true)
///     .allowed_domain(AllowedDomain::new("fabrikam.com".parse()?))
///     .blocked_domain(BlockedDomain::new("spam.example".parse()?))
///     .build()?;
/// assert!(contoso.owns(&"contoso.com".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    sip_domains: BTreeSet<Domain>,
    default_domain: Option<Domain>,
    federation: Federation,
}

impl Organization {
    /// Starts an organization with no domains and SfB's default federation
    /// settings (federation off, partner discovery off, empty lists).
    pub fn builder() -> OrganizationBuilder {
        OrganizationBuilder::default()
    }

    /// Whether `domain` is one of the organization's own SIP domains (exact match;
    /// each SIP domain, subdomains included, is listed on its own in SfB).
    #[must_use]
    pub fn owns(&self, domain: &Domain) -> bool {
        self.sip_domains.contains(domain)
    }

    /// The organization's SIP domains, ordered.
    pub fn sip_domains(&self) -> impl Iterator<Item = &Domain> {
        self.sip_domains.iter()
    }

    /// The default SIP domain (`IsDefault` in Get-CsSipDomain), when known.
    #[must_use]
    pub fn default_domain(&self) -> Option<&Domain> {
        self.default_domain.as_ref()
    }

    /// The federation settings.
    #[must_use]
    pub fn federation(&self) -> &Federation {
        &self.federation
    }
}

/// Builds an [`Organization`]; [`build`](Self::build) checks the rules across fields.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct OrganizationBuilder {
    sip_domains: Vec<Domain>,
    default_domain: Option<Domain>,
    federation: Federation,
    allowed: Vec<AllowedDomain>,
    blocked: Vec<BlockedDomain>,
}

impl OrganizationBuilder {
    /// Adds one of the organization's SIP domains.
    pub fn sip_domain(mut self, domain: Domain) -> Self {
        self.sip_domains.push(domain);
        self
    }

    /// Adds the organization's default SIP domain (also counted as one of its domains).
    pub fn default_sip_domain(mut self, domain: Domain) -> Self {
        self.sip_domains.push(domain.clone());
        self.default_domain = Some(domain);
        self
    }

    /// `AllowFederatedUsers` (default `false`).
    pub fn allow_federated_users(mut self, allow: bool) -> Self {
        self.federation.allow_federated_users = allow;
        self
    }

    /// `EnablePartnerDiscovery` (default `false`).
    pub fn enable_partner_discovery(mut self, enable: bool) -> Self {
        self.federation.enable_partner_discovery = enable;
        self
    }

    /// Adds a domain to the federation allow list.
    pub fn allowed_domain(mut self, entry: AllowedDomain) -> Self {
        self.allowed.push(entry);
        self
    }

    /// Adds a domain to the federation block list.
    pub fn blocked_domain(mut self, entry: BlockedDomain) -> Self {
        self.blocked.push(entry);
        self
    }

    /// Checks the settings and builds the organization.
    ///
    /// # Errors
    /// - [`OrganizationError::NoSipDomain`] when no SIP domain was given;
    /// - [`OrganizationError::Duplicate`] when a domain is listed twice on one list;
    /// - [`OrganizationError::AllowedAndBlocked`] when a domain is on both lists;
    /// - [`OrganizationError::OwnDomainListed`] when an own SIP domain is on a list.
    pub fn build(self) -> Result<Organization, OrganizationError> {
        let mut sip_domains = BTreeSet::new();
        for domain in self.sip_domains {
            if Some(&domain) != self.default_domain.as_ref() && sip_domains.contains(&domain) {
                return Err(OrganizationError::Duplicate {
                    domain,
                    list: "SIP domain",
                });
            }
            sip_domains.insert(domain);
        }
        if sip_domains.is_empty() {
            return Err(OrganizationError::NoSipDomain);
        }
        let allowed = keyed(self.allowed, |e| &e.domain, "allowed", &sip_domains)?;
        let blocked = keyed(self.blocked, |e| &e.domain, "blocked", &sip_domains)?;
        if let Some(domain) = allowed.keys().find(|d| blocked.contains_key(*d)) {
            return Err(OrganizationError::AllowedAndBlocked(domain.clone()));
        }
        Ok(Organization {
            sip_domains,
            default_domain: self.default_domain,
            federation: Federation {
                allowed,
                blocked,
                ..self.federation
            },
        })
    }
}

fn keyed<T>(
    entries: Vec<T>,
    domain_of: impl Fn(&T) -> &Domain,
    list: &'static str,
    own: &BTreeSet<Domain>,
) -> Result<BTreeMap<Domain, T>, OrganizationError> {
    let mut map = BTreeMap::new();
    for entry in entries {
        let domain = domain_of(&entry).clone();
        if own.contains(&domain) {
            return Err(OrganizationError::OwnDomainListed(domain));
        }
        if map.contains_key(&domain) {
            return Err(OrganizationError::Duplicate { domain, list });
        }
        map.insert(domain, entry);
    }
    Ok(map)
}
