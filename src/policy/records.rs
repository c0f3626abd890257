//! The three SfB policy objects offline IM depends on, as plain data.
//!
//! Field names follow the PowerShell properties in snake_case; settings that SfB
//! leaves unset by default are `Option`s, and `None` means "the client's default".

use serde::{Deserialize, Serialize};

use super::Scope;

/// `CsImConfiguration`: whether offline IM is switched on, for the whole
/// deployment (`Global`) or one site (`Site:<name>`). There are no tag-scoped IM
/// configurations; a [`PolicySet`](super::PolicySet) refuses one.
///
/// ```toml
/// [[im_configurations]]
/// scope = "Site:Redmond"
/// enable_offline_im = false   # default true
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImConfiguration {
    /// `Identity`: `Global` or `Site:<name>`.
    pub scope: Scope,
    /// `EnableOfflineIM`: default `true` (since SfB Server 2015 CU3).
    #[serde(default = "default_true")]
    pub enable_offline_im: bool,
}

impl Default for ImConfiguration {
    /// The global configuration as SfB ships it: offline IM on.
    fn default() -> Self {
        Self {
            scope: Scope::Global,
            enable_offline_im: true,
        }
    }
}

fn default_true() -> bool {
    true
}

/// `CsClientPolicy`: the client settings that bear on offline IM.
///
/// Every setting is optional, as in SfB: `None` means the client's default.
/// Only [`enable_im_auto_archiving`](Self::enable_im_auto_archiving) gates offline
/// IM (the source document says a sender with `EnableIMAutoArchiving = $false`
/// cannot use it); the others are carried so a caller can log or act on them.
///
/// ```
/// use offline_im::policy::{ClientPolicy, Scope};
///
/// let no_archiving = ClientPolicy {
///     scope: Scope::tag("NoArchiving")?,
///     enable_im_auto_archiving: Some(false),
///     ..ClientPolicy::default()
/// };
/// assert!(!no_archiving.im_auto_archiving());
/// assert!(ClientPolicy::default().im_auto_archiving()); // unset means on
/// # Ok::<(), offline_im::policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientPolicy {
    /// `Identity`: `Global`, `Site:<name>` or `Tag:<name>`.
    pub scope: Scope,
    /// `EnableIMAutoArchiving`: IMs are saved to Conversation History. Unset means
    /// on. Off denies offline IM to the users this policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_im_auto_archiving: Option<bool>,
    /// `EnableCallLogAutoArchiving`: call logs are saved to Conversation History.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_call_log_auto_archiving: Option<bool>,
    /// `DisableSavingIM`: users may not save IM transcripts by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_saving_im: Option<bool>,
    /// `EnableServerConversationHistory`: conversation history kept by Exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_server_conversation_history: Option<bool>,
    /// `BlockConversationFromFederatedContacts`: federated contacts cannot start
    /// conversations with the users this policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_conversation_from_federated_contacts: Option<bool>,
}

impl ClientPolicy {
    /// Whether IMs are auto-archived under this policy: the setting, or `true`
    /// when it is unset.
    #[must_use]
    pub fn im_auto_archiving(&self) -> bool {
        self.enable_im_auto_archiving.unwrap_or(true)
    }
}

/// `CsExternalAccessPolicy`: whether a user may talk to federated organizations.
///
/// ```toml
/// [[external_access_policies]]
/// scope = "Tag:FederationAllowed"
/// enable_federation_access = true   # default false
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalAccessPolicy {
    /// `Identity`: `Global`, `Site:<name>` or `Tag:<name>`.
    pub scope: Scope,
    /// `EnableFederationAccess`: default `false`, as in SfB.
    #[serde(default)]
    pub enable_federation_access: bool,
}
