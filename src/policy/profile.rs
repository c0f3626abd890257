//! What the policy stage needs to know about the sender.

use serde::{Deserialize, Serialize};

use super::{ClientBuild, MailboxLocation};

/// The sender's place in the deployment: its site, the policies granted to it,
/// its client build and where its mailbox lives.
///
/// Every field is optional. With none set, the sender gets the global policies,
/// its client build is not checked, and its mailbox is taken to be on-premises.
/// Site and tag names are compared without regard to case, as PowerShell does.
/// In a settings file a profile is a `[senders."sip:..."]` table with these
/// fields as keys (see [`settings`](crate::settings)).
///
/// ```
/// use offline_im::policy::{MailboxLocation, SenderProfile};
///
/// let kim = SenderProfile {
///     site: Some("Redmond".into()),
///     client_policy: Some("NoArchiving".into()),
///     client_build: Some("16.0.6920.1000".parse()?),
///     mailbox: MailboxLocation::OnPremises,
///     ..SenderProfile::default()
/// };
/// assert_eq!(kim.external_access_policy, None);
/// # Ok::<(), offline_im::policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderProfile {
    /// The site the sender is homed on (the name after `Site:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The client policy granted to the sender (the name after `Tag:`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_policy: Option<String>,
    /// The external access policy granted to the sender (the name after `Tag:`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_access_policy: Option<String>,
    /// The sender's SfB client build, when known. Unknown builds are not checked:
    /// the caller may not know the client, and refusing every message would be worse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_build: Option<ClientBuild>,
    /// Where the sender's mailbox lives: on-premises by default (this crate's
    /// home is Exchange Server; EWS in Exchange Online is being shut down). It
    /// sets the minimum [`client_build`](Self::client_build).
    #[serde(default)]
    pub mailbox: MailboxLocation,
}
