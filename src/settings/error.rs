//! Why settings could not be loaded.

use std::path::PathBuf;

use thiserror::Error;

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
}
