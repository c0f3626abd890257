//! A deployment's policies, and how one sender's policies are resolved from them.

use serde::{Deserialize, Serialize};

use super::{
    ClientPolicy, EffectivePolicy, ExternalAccessPolicy, ImConfiguration, PolicyError,
    PolicySource, Resolved, Scope, SenderProfile,
};

/// Every IM configuration, client policy and external access policy of a deployment.
///
/// Built with [`PolicySet::builder`], loaded from PowerShell output with
/// [`PolicySet::from_powershell_json`], or deserialized from a settings file
/// (`im_configurations`, `client_policies`, `external_access_policies`: lists of
/// [`ImConfiguration`], [`ClientPolicy`], [`ExternalAccessPolicy`]). Each scope
/// holds at most one policy of each kind. An empty set means SfB's built-in
/// defaults: offline IM on, IMs archived, no federation access.
///
/// ```
/// use offline_im::policy::{ClientPolicy, PolicySet, Scope, SenderProfile};
///
/// let policies = PolicySet::builder()
///     .client_policy(ClientPolicy {
///         scope: Scope::tag("NoArchiving")?,
///         enable_im_auto_archiving: Some(false),
///         ..ClientPolicy::default()
///     })
///     .build()?;
///
/// let kim = SenderProfile { client_policy: Some("NoArchiving".into()), ..SenderProfile::default() };
/// let effective = policies.resolve(&kim)?;
/// assert_eq!(effective.denials().len(), 1);
/// assert!(policies.resolve(&SenderProfile::default())?.denials().is_empty());
/// # Ok::<(), offline_im::policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicySetBuilder", into = "PolicySetBuilder")]
pub struct PolicySet {
    im_configurations: Vec<ImConfiguration>,
    client_policies: Vec<ClientPolicy>,
    external_access_policies: Vec<ExternalAccessPolicy>,
}

/// Collects policies for a [`PolicySet`]; [`build`](Self::build) checks them.
///
/// Also the settings-file form of a policy set (snake_case keys, every list
/// optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[must_use]
pub struct PolicySetBuilder {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    im_configurations: Vec<ImConfiguration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    client_policies: Vec<ClientPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    external_access_policies: Vec<ExternalAccessPolicy>,
}

impl PolicySetBuilder {
    /// Adds an IM configuration (`Global` or `Site:<name>`).
    pub fn im_configuration(mut self, configuration: ImConfiguration) -> Self {
        self.im_configurations.push(configuration);
        self
    }

    /// Adds a client policy.
    pub fn client_policy(mut self, policy: ClientPolicy) -> Self {
        self.client_policies.push(policy);
        self
    }

    /// Adds an external access policy.
    pub fn external_access_policy(mut self, policy: ExternalAccessPolicy) -> Self {
        self.external_access_policies.push(policy);
        self
    }

    /// Checks the policies and makes the set.
    ///
    /// # Errors
    /// [`PolicyError::ScopeNotAllowed`] for a tag-scoped IM configuration;
    /// [`PolicyError::Duplicate`] when two policies of one kind share a scope.
    pub fn build(self) -> Result<PolicySet, PolicyError> {
        const IM: &str = "IM configuration";
        for configuration in &self.im_configurations {
            if matches!(configuration.scope, Scope::Tag(_)) {
                return Err(PolicyError::ScopeNotAllowed {
                    kind: IM,
                    scope: configuration.scope.clone(),
                });
            }
        }
        check_unique(IM, self.im_configurations.iter().map(|c| &c.scope))?;
        check_unique(
            "client policy",
            self.client_policies.iter().map(|p| &p.scope),
        )?;
        check_unique(
            "external access policy",
            self.external_access_policies.iter().map(|p| &p.scope),
        )?;
        Ok(PolicySet {
            im_configurations: self.im_configurations,
            client_policies: self.client_policies,
            external_access_policies: self.external_access_policies,
        })
    }
}

fn check_unique<'a>(
    kind: &'static str,
    scopes: impl Iterator<Item = &'a Scope>,
) -> Result<(), PolicyError> {
    let mut seen: Vec<&Scope> = Vec::new();
    for scope in scopes {
        if seen.contains(&scope) {
            return Err(PolicyError::Duplicate {
                kind,
                scope: scope.clone(),
            });
        }
        seen.push(scope);
    }
    Ok(())
}

impl TryFrom<PolicySetBuilder> for PolicySet {
    type Error = PolicyError;

    fn try_from(builder: PolicySetBuilder) -> Result<Self, Self::Error> {
        builder.build()
    }
}

impl From<PolicySet> for PolicySetBuilder {
    fn from(set: PolicySet) -> Self {
        Self {
            im_configurations: set.im_configurations,
            client_policies: set.client_policies,
            external_access_policies: set.external_access_policies,
        }
    }
}

/// Something with a scope, so that one lookup serves every policy kind.
trait Scoped: Clone + Default {
    fn scope(&self) -> &Scope;
}

impl Scoped for ImConfiguration {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Scoped for ClientPolicy {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Scoped for ExternalAccessPolicy {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

/// Tag, then site, then global, then the built-in default: whole objects.
fn resolve_one<T: Scoped>(
    kind: &'static str,
    policies: &[T],
    tag: Option<&str>,
    site: Option<&str>,
) -> Result<Resolved<T>, PolicyError> {
    let found = |policy: &T| Resolved {
        policy: policy.clone(),
        source: PolicySource::Configured(policy.scope().clone()),
    };
    if let Some(tag) = tag {
        return policies
            .iter()
            .find(|p| matches!(p.scope(), Scope::Tag(_)) && p.scope().is_named(tag))
            .map(found)
            .ok_or_else(|| PolicyError::UnknownPolicy {
                kind,
                scope: Scope::Tag(tag.trim().to_owned()),
            });
    }
    let site_policy = site.and_then(|site| {
        policies
            .iter()
            .find(|p| matches!(p.scope(), Scope::Site(_)) && p.scope().is_named(site))
    });
    Ok(site_policy
        .or_else(|| policies.iter().find(|p| *p.scope() == Scope::Global))
        .map_or_else(
            || Resolved {
                policy: T::default(),
                source: PolicySource::BuiltInDefault,
            },
            found,
        ))
}

impl PolicySet {
    /// Starts an empty set.
    pub fn builder() -> PolicySetBuilder {
        PolicySetBuilder::default()
    }

    /// The IM configurations.
    #[must_use]
    pub fn im_configurations(&self) -> &[ImConfiguration] {
        &self.im_configurations
    }

    /// The client policies.
    #[must_use]
    pub fn client_policies(&self) -> &[ClientPolicy] {
        &self.client_policies
    }

    /// The external access policies.
    #[must_use]
    pub fn external_access_policies(&self) -> &[ExternalAccessPolicy] {
        &self.external_access_policies
    }

    /// The policies in force for `sender`.
    ///
    /// Each kind resolves on its own, as a whole object: the policy granted to the
    /// sender (its tag), else the policy of its site, else the global one, else
    /// SfB's built-in default. IM configurations have no tags. A site without a
    /// policy of its own is not an error: its users get the global policy, as in SfB.
    ///
    /// # Errors
    /// [`PolicyError::UnknownPolicy`] when the sender is granted a tag the set does
    /// not hold: guessing a fallback could send messages the administrator
    /// meant to stop.
    pub fn resolve(&self, sender: &SenderProfile) -> Result<EffectivePolicy, PolicyError> {
        let site = sender.site.as_deref();
        Ok(EffectivePolicy {
            im_configuration: resolve_one("IM configuration", &self.im_configurations, None, site)?,
            client_policy: resolve_one(
                "client policy",
                &self.client_policies,
                sender.client_policy.as_deref(),
                site,
            )?,
            external_access_policy: resolve_one(
                "external access policy",
                &self.external_access_policies,
                sender.external_access_policy.as_deref(),
                site,
            )?,
            client_build: sender.client_build,
            mailbox: sender.mailbox,
        })
    }
}
