//! Loading an [`Organization`] from the administrator's PowerShell output.
//!
//! Each input is the JSON that `ConvertTo-Json` prints for one cmdlet: a single
//! object or an array of them, with PascalCase property names. Properties this
//! crate does not use are ignored; a property of the wrong type is an error that
//! names it.

use serde::Deserialize;

use super::{AllowedDomain, BlockedDomain, Organization, OrganizationError};
use crate::address::Domain;
use crate::powershell::{PowerShellError, read_list};

/// The outputs of the SfB cmdlets that describe an organization's domains and
/// federation, as JSON text (`Get-CsSipDomain | ConvertTo-Json`, ...).
///
/// Leave a field `None` when the cmdlet's output is not available: the lists are
/// then empty and the Access Edge settings are SfB's defaults (federation off).
#[derive(Debug, Clone, Copy, Default)]
pub struct PowerShellOrganization<'a> {
    /// `Get-CsSipDomain | ConvertTo-Json` (required: an organization needs a domain).
    pub sip_domains: &'a str,
    /// `Get-CsAccessEdgeConfiguration | ConvertTo-Json`.
    pub access_edge_configuration: Option<&'a str>,
    /// `Get-CsAllowedDomain | ConvertTo-Json`.
    pub allowed_domains: Option<&'a str>,
    /// `Get-CsBlockedDomain | ConvertTo-Json`.
    pub blocked_domains: Option<&'a str>,
}

/// Why an organization could not be loaded: a cmdlet's output could not be read,
/// or the settings it holds break a rule.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadOrganizationError {
    /// One cmdlet's output is not JSON or has a property of the wrong type.
    #[error(transparent)]
    PowerShell(#[from] PowerShellError),
    /// The settings were read but contradict each other.
    #[error(transparent)]
    Invalid(#[from] OrganizationError),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SipDomainJson {
    identity: Domain,
    #[serde(default)]
    is_default: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccessEdgeJson {
    #[serde(default)]
    allow_federated_users: bool,
    #[serde(default)]
    enable_partner_discovery: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AllowedDomainJson {
    // Get-CsAllowedDomain and Get-CsBlockedDomain print both; hand-made JSON may carry one.
    #[serde(default)]
    identity: Option<Domain>,
    #[serde(default)]
    domain: Option<Domain>,
    #[serde(default)]
    proxy_fqdn: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BlockedDomainJson {
    // Get-CsAllowedDomain and Get-CsBlockedDomain print both; hand-made JSON may carry one.
    #[serde(default)]
    identity: Option<Domain>,
    #[serde(default)]
    domain: Option<Domain>,
    #[serde(default)]
    comment: Option<String>,
}

fn entry_domain(
    cmdlet: &'static str,
    index: usize,
    domain: Option<Domain>,
    identity: Option<Domain>,
) -> Result<Domain, LoadOrganizationError> {
    domain
        .or(identity)
        .ok_or_else(|| PowerShellError::Property {
            cmdlet,
            index,
            property: "Domain".to_owned(),
            message: "missing: each entry needs Domain or Identity".to_owned(),
        })
        .map_err(LoadOrganizationError::from)
}

impl Organization {
    /// Builds an organization from the administrator's PowerShell output.
    ///
    /// ```
    /// use offline_im::route::{Organization, PowerShellOrganization, Route};
    ///
    /// let org = Organization::from_powershell_json(PowerShellOrganization {
    ///     sip_domains: r#"{ "Identity": "contoso.com", "Name": "contoso.com", "IsDefault": true }"#,
    ///     access_edge_configuration: Some(r#"{ "Identity": "Global", "AllowFederatedUsers": true,
    ///                                          "EnablePartnerDiscovery": false }"#),
    ///     allowed_domains: Some(r#"[ { "Identity": "fabrikam.com", "Domain": "fabrikam.com",
    ///                                  "ProxyFqdn": null, "Comment": "partner" } ]"#),
    ///     blocked_domains: None,
    /// })?;
    /// let kim = "sip:kim@contoso.com".parse()?;
    /// assert!(org.route(&kim, &"sip:ann@fabrikam.com".parse()?, true).is_deliverable());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`LoadOrganizationError::PowerShell`] naming the cmdlet when its output is not
    /// JSON, or the cmdlet, object and property when a property has the wrong type
    /// or an invalid domain;
    /// [`LoadOrganizationError::Invalid`] when the settings contradict each other.
    pub fn from_powershell_json(
        input: PowerShellOrganization<'_>,
    ) -> Result<Self, LoadOrganizationError> {
        let mut builder = Organization::builder();
        for domain in read_list::<SipDomainJson>("Get-CsSipDomain", input.sip_domains)? {
            builder = if domain.is_default {
                builder.default_sip_domain(domain.identity)
            } else {
                builder.sip_domain(domain.identity)
            };
        }
        if let Some(json) = input.access_edge_configuration {
            // One global object; if an array arrives, the last one wins as in SfB (there is only Global).
            if let Some(edge) =
                read_list::<AccessEdgeJson>("Get-CsAccessEdgeConfiguration", json)?.pop()
            {
                builder = builder
                    .allow_federated_users(edge.allow_federated_users)
                    .enable_partner_discovery(edge.enable_partner_discovery);
            }
        }
        if let Some(json) = input.allowed_domains {
            for (index, entry) in read_list::<AllowedDomainJson>("Get-CsAllowedDomain", json)?
                .into_iter()
                .enumerate()
            {
                let domain =
                    entry_domain("Get-CsAllowedDomain", index, entry.domain, entry.identity)?;
                builder = builder.allowed_domain(AllowedDomain {
                    domain,
                    proxy_fqdn: entry.proxy_fqdn,
                    comment: entry.comment,
                });
            }
        }
        if let Some(json) = input.blocked_domains {
            for (index, entry) in read_list::<BlockedDomainJson>("Get-CsBlockedDomain", json)?
                .into_iter()
                .enumerate()
            {
                let domain =
                    entry_domain("Get-CsBlockedDomain", index, entry.domain, entry.identity)?;
                builder = builder.blocked_domain(BlockedDomain {
                    domain,
                    comment: entry.comment,
                });
            }
        }
        Ok(builder.build()?)
    }
}
