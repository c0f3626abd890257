//! The organization part of a hand-written settings file.

use serde::{Deserialize, Serialize};

use super::{AllowedDomain, BlockedDomain, Organization, OrganizationError};
use crate::address::Domain;

/// An [`Organization`] as written in a settings file (snake_case keys), and the
/// form `Organization` is serialized in. Deserializing an `Organization` runs
/// the same checks as [`OrganizationBuilder::build`](super::OrganizationBuilder::build).
///
/// ```toml
/// sip_domains = ["contoso.com", "emea.contoso.com"]
/// default_sip_domain = "contoso.com"   # optional; also counted as a SIP domain
/// allow_federated_users = true         # default false
/// enable_partner_discovery = false     # default false
///
/// [[allowed_domains]]
/// domain = "fabrikam.com"
/// comment = "partner"                  # optional; so is proxy_fqdn
///
/// [[blocked_domains]]
/// domain = "spam.example"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationFile {
    /// The organization's SIP domains.
    #[serde(default)]
    pub sip_domains: Vec<Domain>,
    /// The default SIP domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sip_domain: Option<Domain>,
    /// `AllowFederatedUsers`.
    #[serde(default)]
    pub allow_federated_users: bool,
    /// `EnablePartnerDiscovery`.
    #[serde(default)]
    pub enable_partner_discovery: bool,
    /// The federation allow list.
    #[serde(default)]
    pub allowed_domains: Vec<AllowedDomain>,
    /// The federation block list.
    #[serde(default)]
    pub blocked_domains: Vec<BlockedDomain>,
}

impl TryFrom<OrganizationFile> for Organization {
    type Error = OrganizationError;

    fn try_from(file: OrganizationFile) -> Result<Self, Self::Error> {
        let mut builder = Organization::builder()
            .allow_federated_users(file.allow_federated_users)
            .enable_partner_discovery(file.enable_partner_discovery);
        if let Some(default) = file.default_sip_domain {
            builder = builder.default_sip_domain(default);
        }
        for domain in file.sip_domains {
            builder = builder.sip_domain(domain);
        }
        for entry in file.allowed_domains {
            builder = builder.allowed_domain(entry);
        }
        for entry in file.blocked_domains {
            builder = builder.blocked_domain(entry);
        }
        builder.build()
    }
}

impl From<&Organization> for OrganizationFile {
    fn from(org: &Organization) -> Self {
        let federation = org.federation();
        Self {
            sip_domains: org
                .sip_domains()
                .filter(|d| Some(*d) != org.default_domain())
                .cloned()
                .collect(),
            default_sip_domain: org.default_domain().cloned(),
            allow_federated_users: federation.allow_federated_users(),
            enable_partner_discovery: federation.enable_partner_discovery(),
            allowed_domains: federation.allowed_domains().cloned().collect(),
            blocked_domains: federation.blocked_domains().cloned().collect(),
        }
    }
}

impl Serialize for Organization {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        OrganizationFile::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Organization {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let file = OrganizationFile::deserialize(deserializer)?;
        Organization::try_from(file).map_err(serde::de::Error::custom)
    }
}
