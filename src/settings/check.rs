//! Checks that every name a sender profile refers to is defined.

use std::path::Path;

use super::{LoadSettingsError, Settings, UndefinedPolicy};
use crate::address::SipUri;
use crate::policy::{Scope, SenderProfile};

/// One kind of tag policy a sender profile can be granted.
struct TagKind<'a> {
    /// The profile key, e.g. `client_policy`.
    key: &'static str,
    /// The policy kind, e.g. `client policy`.
    kind: &'static str,
    /// The settings list it lives in, e.g. `policies.client_policies`.
    list: &'static str,
    /// The scopes of the policies of this kind.
    scopes: Vec<&'a Scope>,
    /// The tag a profile is granted, if any.
    granted: fn(&SenderProfile) -> Option<&str>,
}

/// Fails on the first sender granted a tag policy that `settings` does not hold,
/// naming `file` when the settings came from one.
///
/// Tags are matched as [`PolicySet::resolve`](crate::policy::PolicySet::resolve)
/// matches them at send time (by name, without regard to case), so settings
/// that pass here never fail a message for an unknown policy. Sites are not
/// checked: in SfB a site without a policy of its own is valid, and its users
/// get the global policy.
pub(super) fn check_references(
    settings: &Settings,
    file: Option<&Path>,
) -> Result<(), LoadSettingsError> {
    let kinds = [
        TagKind {
            key: "client_policy",
            kind: "client policy",
            list: "policies.client_policies",
            scopes: settings
                .policies
                .client_policies()
                .iter()
                .map(|p| &p.scope)
                .collect(),
            granted: |profile| profile.client_policy.as_deref(),
        },
        TagKind {
            key: "external_access_policy",
            kind: "external access policy",
            list: "policies.external_access_policies",
            scopes: settings
                .policies
                .external_access_policies()
                .iter()
                .map(|p| &p.scope)
                .collect(),
            granted: |profile| profile.external_access_policy.as_deref(),
        },
    ];
    for (sender, profile) in &settings.senders {
        for kind in &kinds {
            if let Some(name) = (kind.granted)(profile) {
                check_tag(kind, name, sender, file)?;
            }
        }
    }
    Ok(())
}

fn check_tag(
    kind: &TagKind<'_>,
    name: &str,
    sender: &SipUri,
    file: Option<&Path>,
) -> Result<(), LoadSettingsError> {
    let tags = || kind.scopes.iter().filter(|s| matches!(s, Scope::Tag(_)));
    if tags().any(|scope| scope.is_named(name)) {
        return Ok(());
    }
    Err(LoadSettingsError::UndefinedPolicy(Box::new(
        UndefinedPolicy {
            file: file.map(Path::to_owned),
            sender: sender.clone(),
            key: kind.key,
            kind: kind.kind,
            list: kind.list,
            name: name.to_owned(),
            defined: tags()
                .filter_map(|scope| scope.name().map(str::to_owned))
                .collect(),
        },
    )))
}
