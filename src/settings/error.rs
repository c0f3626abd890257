//! Why settings could not be loaded.

use std::path::PathBuf;

use thiserror::Error;

use crate::address::SipUri;
use crate::policy::LoadPolicyError;
use crate::route::LoadOrganizationError;

/// Settings that could not be read or that break a rule.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LoadSettingsError {
    /// A file could not be read.
    #[error("cannot read settings file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A settings file has an extension other than `.toml` or `.json`.
    #[error("settings file {} must end in .toml or .json", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A TOML settings file is not valid TOML or does not fit the settings format.
    #[error("invalid TOML settings: {0}")]
    Toml(#[from] toml::de::Error),
    /// A JSON settings file is not valid JSON or does not fit the settings format.
    #[error("invalid JSON settings at {path}: {message}")]
    Json {
        /// Where in the document the problem is, e.g. `policies.client_policies[0].scope`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The organization part of a PowerShell directory could not be loaded.
    #[error(transparent)]
    Organization(#[from] LoadOrganizationError),
    /// The policy part of a PowerShell directory could not be loaded.
    #[error(transparent)]
    Policy(#[from] LoadPolicyError),
    /// A sender is granted a tag policy (`client_policy`, `external_access_policy`)
    /// that the settings do not define. Caught at load, so that no message fails
    /// for it at send time.
    #[error(transparent)]
    UndefinedPolicy(Box<UndefinedPolicy>),
}

/// A sender granted a tag policy that the settings do not define: the
/// details of [`LoadSettingsError::UndefinedPolicy`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
#[error("{}", self.message())]
pub struct UndefinedPolicy {
    /// The settings file, when the settings were read from one.
    pub file: Option<PathBuf>,
    /// The sender whose profile names the policy.
    pub sender: SipUri,
    /// The profile key, `client_policy` or `external_access_policy`.
    pub key: &'static str,
    /// The policy kind, e.g. `client policy`.
    pub kind: &'static str,
    /// Where such policies are defined, e.g. `policies.client_policies`.
    pub list: &'static str,
    /// The tag name as the profile gives it.
    pub name: String,
    /// The tag names the settings do define for this kind.
    pub defined: Vec<String>,
}

impl UndefinedPolicy {
    /// Where, who, what is missing, what exists and what to do.
    fn message(&self) -> String {
        let Self {
            file,
            sender,
            key,
            kind,
            list,
            name,
            defined,
        } = self;
        let place = file.as_deref().map_or_else(String::new, |file| {
            format!("settings file {}: ", file.display())
        });
        let exists = match defined.as_slice() {
            [] => format!("no {kind} has a Tag: scope"),
            tags => format!("the {kind} tags defined are {}", tags.join(", ")),
        };
        let fix = if name.contains(':') {
            format!("write the tag's name alone in {key}, without a \"Tag:\" prefix")
        } else {
            format!(
                "add a policy with scope = \"Tag:{}\" to {list} or fix the sender's {key}",
                name.trim()
            )
        };
        format!("{place}sender {sender}: {key} = {name:?} is not defined ({exists}); {fix}")
    }
}
