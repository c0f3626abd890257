//! Loading a [`PolicySet`] from the administrator's PowerShell output.

use serde::Deserialize;

use super::{
    ClientPolicy, ExternalAccessPolicy, ImConfiguration, LoadPolicyError, PolicySet, Scope,
};
use crate::powershell::read_list;

/// The outputs of the SfB cmdlets that hold offline-IM policies, as JSON text
/// (`Get-CsImConfiguration | ConvertTo-Json`, ...). Leave a field `None` when
/// that output is not available: the kind then has SfB's built-in defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct PowerShellPolicies<'a> {
    /// `Get-CsImConfiguration | ConvertTo-Json`.
    pub im_configuration: Option<&'a str>,
    /// `Get-CsClientPolicy | ConvertTo-Json`.
    pub client_policies: Option<&'a str>,
    /// `Get-CsExternalAccessPolicy | ConvertTo-Json`.
    pub external_access_policies: Option<&'a str>,
}

#[derive(Deserialize)]
struct ImConfigurationJson {
    #[serde(rename = "Identity")]
    identity: Scope,
    // The cmdlet's parameter is spelled EnableOfflineIM; accept the other casing too.
    #[serde(rename = "EnableOfflineIM", alias = "EnableOfflineIm", default)]
    enable_offline_im: Option<bool>,
}

#[derive(Deserialize)]
struct ClientPolicyJson {
    #[serde(rename = "Identity")]
    identity: Scope,
    #[serde(rename = "EnableIMAutoArchiving", default)]
    enable_im_auto_archiving: Option<bool>,
    #[serde(rename = "EnableCallLogAutoArchiving", default)]
    enable_call_log_auto_archiving: Option<bool>,
    #[serde(rename = "DisableSavingIM", default)]
    disable_saving_im: Option<bool>,
    #[serde(rename = "EnableServerConversationHistory", default)]
    enable_server_conversation_history: Option<bool>,
    #[serde(rename = "BlockConversationFromFederatedContacts", default)]
    block_conversation_from_federated_contacts: Option<bool>,
}

#[derive(Deserialize)]
struct ExternalAccessPolicyJson {
    #[serde(rename = "Identity")]
    identity: Scope,
    #[serde(rename = "EnableFederationAccess", default)]
    enable_federation_access: Option<bool>,
}

impl PolicySet {
    /// Builds a policy set from the administrator's PowerShell output.
    ///
    /// Unset (`null`) settings keep SfB's defaults: `EnableOfflineIM` on,
    /// `EnableFederationAccess` off, client-policy settings unset.
    ///
    /// ```
    /// use offline_im::policy::{PolicySet, PowerShellPolicies, SenderProfile};
    ///
    /// let policies = PolicySet::from_powershell_json(PowerShellPolicies {
    ///     im_configuration: Some(r#"{ "Identity": "Global", "EnableOfflineIM": true }"#),
    ///     client_policies: Some(r#"[ { "Identity": "Global", "EnableIMAutoArchiving": null },
    ///                               { "Identity": "Tag:NoArchiving", "EnableIMAutoArchiving": false } ]"#),
    ///     external_access_policies: None,
    /// })?;
    /// let sender = SenderProfile { client_policy: Some("NoArchiving".into()), ..Default::default() };
    /// assert!(!policies.resolve(&sender)?.denials().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`LoadPolicyError::PowerShell`] naming the cmdlet (and the object and
    /// property) when an output is not JSON or a property has the wrong type or an
    /// invalid `Identity`; [`LoadPolicyError::Invalid`] when the policies break a
    /// rule of [`PolicySetBuilder::build`](super::PolicySetBuilder::build).
    pub fn from_powershell_json(input: PowerShellPolicies<'_>) -> Result<Self, LoadPolicyError> {
        let mut builder = PolicySet::builder();
        if let Some(json) = input.im_configuration {
            for item in read_list::<ImConfigurationJson>("Get-CsImConfiguration", json)? {
                builder = builder.im_configuration(ImConfiguration {
                    scope: item.identity,
                    enable_offline_im: item.enable_offline_im.unwrap_or(true),
                });
            }
        }
        if let Some(json) = input.client_policies {
            for item in read_list::<ClientPolicyJson>("Get-CsClientPolicy", json)? {
                builder = builder.client_policy(ClientPolicy {
                    scope: item.identity,
                    enable_im_auto_archiving: item.enable_im_auto_archiving,
                    enable_call_log_auto_archiving: item.enable_call_log_auto_archiving,
                    disable_saving_im: item.disable_saving_im,
                    enable_server_conversation_history: item.enable_server_conversation_history,
                    block_conversation_from_federated_contacts: item
                        .block_conversation_from_federated_contacts,
                });
            }
        }
        if let Some(json) = input.external_access_policies {
            for item in read_list::<ExternalAccessPolicyJson>("Get-CsExternalAccessPolicy", json)? {
                builder = builder.external_access_policy(ExternalAccessPolicy {
                    scope: item.identity,
                    enable_federation_access: item.enable_federation_access.unwrap_or(false),
                });
            }
        }
        Ok(builder.build()?)
    }
}
