//! The policies in force for one sender, and what they deny.

use std::fmt;

use super::{
    ClientBuild, ClientPolicy, ExternalAccessPolicy, ImConfiguration, MailboxLocation, Scope,
};

/// Where an effective policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// A policy of the set, with its scope (`Tag:NoArchiving`, `Site:Redmond`, `Global`).
    Configured(Scope),
    /// No policy applied, not even a global one: SfB's built-in defaults.
    BuiltInDefault,
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Configured(scope) => write!(f, "{scope}"),
            Self::BuiltInDefault => f.write_str("built-in default"),
        }
    }
}

/// A policy together with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<T> {
    /// The policy object in force, whole: SfB does not merge settings across scopes.
    pub policy: T,
    /// The scope it was found at, or the built-in default.
    pub source: PolicySource,
}

/// The policies in force for one sender, made by
/// [`PolicySet::resolve`](super::PolicySet::resolve).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivePolicy {
    /// The IM configuration: the sender's site's, else the global one.
    pub im_configuration: Resolved<ImConfiguration>,
    /// The client policy: the sender's tag, else its site's, else the global one.
    pub client_policy: Resolved<ClientPolicy>,
    /// The external access policy: the sender's tag, else its site's, else the global one.
    pub external_access_policy: Resolved<ExternalAccessPolicy>,
    /// The sender's client build, if known.
    pub client_build: Option<ClientBuild>,
    /// Where the sender's mailbox lives.
    pub mailbox: MailboxLocation,
}

impl EffectivePolicy {
    /// Whether the sender may use federation (`EnableFederationAccess`).
    #[must_use]
    pub fn federation_access(&self) -> bool {
        self.external_access_policy.policy.enable_federation_access
    }

    /// Every reason the policies deny offline IM to this sender; empty when allowed.
    #[must_use]
    pub fn denials(&self) -> Vec<PolicyDenial> {
        let mut denials = Vec::new();
        if !self.im_configuration.policy.enable_offline_im {
            denials.push(PolicyDenial::OfflineImDisabled {
                source: self.im_configuration.source.clone(),
            });
        }
        if !self.client_policy.policy.im_auto_archiving() {
            denials.push(PolicyDenial::ImAutoArchivingDisabled {
                source: self.client_policy.source.clone(),
            });
        }
        if let Some(build) = self.client_build {
            let minimum = self.mailbox.minimum_client_build();
            if build < minimum {
                denials.push(PolicyDenial::ClientTooOld {
                    build,
                    minimum,
                    mailbox: self.mailbox,
                });
            }
        }
        denials
    }
}

/// One reason the policies deny offline IM to a sender.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyDenial {
    /// `EnableOfflineIM` is off in the IM configuration in force.
    OfflineImDisabled {
        /// The configuration that switched it off.
        source: PolicySource,
    },
    /// `EnableIMAutoArchiving` is off in the sender's client policy.
    ImAutoArchivingDisabled {
        /// The client policy that switched it off.
        source: PolicySource,
    },
    /// The sender's client build is older than offline IM needs.
    ClientTooOld {
        /// The sender's build.
        build: ClientBuild,
        /// The oldest build that works with the sender's mailbox.
        minimum: ClientBuild,
        /// Where the sender's mailbox lives (it sets the minimum).
        mailbox: MailboxLocation,
    },
}

impl fmt::Display for PolicyDenial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OfflineImDisabled { source } => {
                write!(
                    f,
                    "offline IM is disabled (EnableOfflineIM is off in the IM configuration {source})"
                )
            }
            Self::ImAutoArchivingDisabled { source } => write!(
                f,
                "the sender's IMs are not archived (EnableIMAutoArchiving is off in client policy {source})"
            ),
            Self::ClientTooOld {
                build,
                minimum,
                mailbox,
            } => write!(
                f,
                "client build {build} is older than {minimum}, the minimum with a mailbox in {mailbox}"
            ),
        }
    }
}
