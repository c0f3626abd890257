//! Reading what SfB's PowerShell cmdlets print.
//!
//! Administrators already have their settings in a form a program can read:
//! `Get-CsClientPolicy | ConvertTo-Json` and the like. This crate reads that JSON
//! as it is printed: PascalCase property names, one object or an array of them
//! (`ConvertTo-Json` prints a lone result unwrapped), `null` for none. Properties
//! the crate does not use are ignored; a property of the wrong type is a
//! [`PowerShellError`] naming the cmdlet, the object's position and the property.
//!
//! The loaders are [`Organization::from_powershell_json`](crate::route::Organization::from_powershell_json),
//! [`PolicySet::from_powershell_json`](crate::policy::PolicySet::from_powershell_json),
//! and [`Settings::from_powershell_dir`](crate::settings::Settings::from_powershell_dir)
//! for a directory of saved outputs.

use serde::de::DeserializeOwned;

/// One cmdlet's output could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PowerShellError {
    /// The text is not JSON.
    #[error("cannot read the output of {cmdlet} as JSON: {source}")]
    Json {
        /// The cmdlet whose output was being read, e.g. `Get-CsClientPolicy`.
        cmdlet: &'static str,
        /// What serde_json found wrong, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A property of one object has the wrong type or value, or is missing.
    #[error("{cmdlet} output, object {index}: property {property}: {message}")]
    Property {
        /// The cmdlet whose output was being read.
        cmdlet: &'static str,
        /// The position of the object in the output (0 for a single object).
        index: usize,
        /// The property's name as printed by PowerShell, e.g. `EnableIMAutoArchiving`.
        property: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Reads one cmdlet's output as a list of `T`.
pub(crate) fn read_list<T: DeserializeOwned>(
    cmdlet: &'static str,
    json: &str,
) -> Result<Vec<T>, PowerShellError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|source| PowerShellError::Json { cmdlet, source })?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Null => Vec::new(),
        one => vec![one],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            serde_path_to_error::deserialize(item).map_err(|e| PowerShellError::Property {
                cmdlet,
                index,
                property: match e.path().to_string() {
                    root if root == "." => "(the object itself)".to_owned(),
                    path => path,
                },
                message: e.into_inner().to_string(),
            })
        })
        .collect()
}
