//! Classifying a sender/recipient pair: same organization, federated or blocked.

use std::fmt;

use super::Organization;
use crate::address::{Domain, SipUri};

/// How an offline IM from a sender reaches a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// The recipient's SIP domain is one of the organization's own: the message
    /// arrives as a missed-conversation item (its item class survives transport).
    SameOrganization,
    /// The recipient is in another organization that federation allows: the message
    /// arrives as plain mail (MIME keeps no message class across organizations).
    Federated(FederationBasis),
    /// The message may not go; the reason says why.
    Blocked(BlockReason),
}

impl Route {
    /// Whether the message may be delivered on this route.
    #[must_use]
    pub fn is_deliverable(&self) -> bool {
        !matches!(self, Self::Blocked(_))
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SameOrganization => f.write_str("same organization"),
            Self::Federated(basis) => write!(f, "federated ({basis})"),
            Self::Blocked(reason) => write!(f, "blocked: {reason}"),
        }
    }
}

/// Why federation admits a recipient's domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FederationBasis {
    /// The domain is on the allow list (`CsAllowedDomain`).
    AllowList,
    /// Partner discovery is on and the domain is not blocked.
    PartnerDiscovery,
}

impl fmt::Display for FederationBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AllowList => "domain is on the allow list",
            Self::PartnerDiscovery => "partner discovery is enabled",
        })
    }
}

/// Why a recipient cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockReason {
    /// The sender's SIP domain is not one of the organization's domains, so the
    /// organization's settings do not apply to it.
    SenderOutsideOrganization {
        /// The sender's domain.
        domain: Domain,
    },
    /// The recipient's domain is on the block list, or below a blocked domain.
    DomainBlocked {
        /// The recipient's domain.
        domain: Domain,
        /// The block-list entry that covers it.
        entry: Domain,
    },
    /// `AllowFederatedUsers` is off: no one may reach other organizations.
    FederationDisabled {
        /// The recipient's domain.
        domain: Domain,
    },
    /// The sender's external access policy has `EnableFederationAccess` off.
    SenderFederationAccessDisabled {
        /// The recipient's domain.
        domain: Domain,
    },
    /// Partner discovery is off and the domain is not on the allow list.
    NotAllowListed {
        /// The recipient's domain.
        domain: Domain,
    },
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SenderOutsideOrganization { domain } => write!(
                f,
                "sender domain {domain} is not one of the organization's SIP domains"
            ),
            Self::DomainBlocked { domain, entry } if domain == entry => {
                write!(f, "recipient domain {domain} is on the blocked domain list")
            }
            Self::DomainBlocked { domain, entry } => write!(
                f,
                "recipient domain {domain} is below {entry}, which is on the blocked domain list"
            ),
            Self::FederationDisabled { domain } => write!(
                f,
                "recipient domain {domain} is another organization and AllowFederatedUsers is off"
            ),
            Self::SenderFederationAccessDisabled { domain } => write!(
                f,
                "recipient domain {domain} is another organization and the sender's external access policy has EnableFederationAccess off"
            ),
            Self::NotAllowListed { domain } => write!(
                f,
                "recipient domain {domain} is not on the allowed domain list and EnablePartnerDiscovery is off"
            ),
        }
    }
}

impl Organization {
    /// Classifies one sender/recipient pair.
    ///
    /// `sender_federation_access` is the sender's effective `EnableFederationAccess`
    /// (from its external access policy). Checks run in this order and the first
    /// that fails gives the reason: the sender belongs to the organization; the
    /// recipient's domain is one of ours (same organization, whatever the
    /// federation settings); it is not blocked; federation is on; the sender may
    /// federate; the domain is allow-listed or partner discovery is on.
    ///
    /// ```
    /// use offline_im::route::{BlockReason, FederationBasis, Organization, AllowedDomain, Route};
    ///
    /// let org = Organization::builder()
    ///     .sip_domain("contoso.com".parse()?)
    ///     .allow_federated_users(true)
    ///     .allowed_domain(AllowedDomain::new("fabrikam.com".parse()?))
    ///     .build()?;
    /// let kim = "sip:kim@contoso.com".parse()?;
    /// assert_eq!(org.route(&kim, &"sip:lee@contoso.com".parse()?, false), Route::SameOrganization);
    /// assert_eq!(
    ///     org.route(&kim, &"sip:ann@fabrikam.com".parse()?, true),
    ///     Route::Federated(FederationBasis::AllowList)
    /// );
    /// assert!(matches!(
    ///     org.route(&kim, &"sip:bo@tailspin.example".parse()?, true),
    ///     Route::Blocked(BlockReason::NotAllowListed { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn route(
        &self,
        sender: &SipUri,
        recipient: &SipUri,
        sender_federation_access: bool,
    ) -> Route {
        if !self.owns(sender.domain()) {
            return Route::Blocked(BlockReason::SenderOutsideOrganization {
                domain: sender.domain().clone(),
            });
        }
        let domain = recipient.domain();
        if self.owns(domain) {
            return Route::SameOrganization;
        }
        let federation = self.federation();
        let reason = if let Some(entry) = federation.blocking_entry(domain) {
            BlockReason::DomainBlocked {
                domain: domain.clone(),
                entry: entry.domain.clone(),
            }
        } else if !federation.allow_federated_users() {
            BlockReason::FederationDisabled {
                domain: domain.clone(),
            }
        } else if !sender_federation_access {
            BlockReason::SenderFederationAccessDisabled {
                domain: domain.clone(),
            }
        } else if federation.is_allow_listed(domain) {
            return Route::Federated(FederationBasis::AllowList);
        } else if federation.enable_partner_discovery() {
            return Route::Federated(FederationBasis::PartnerDiscovery);
        } else {
            BlockReason::NotAllowListed {
                domain: domain.clone(),
            }
        };
        Route::Blocked(reason)
    }
}
