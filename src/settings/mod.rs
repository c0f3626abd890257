//! Settings: everything the planner needs, from one file or a directory of
//! PowerShell output.
//!
//! [`Settings`] bundles the [`Organization`](crate::route::Organization), the
//! [`PolicySet`](crate::policy::PolicySet) and, optionally, a
//! [`SenderProfile`](crate::policy::SenderProfile) per sender. It is read from:
//!
//! - a hand-written TOML or JSON file ([`Settings::from_toml_str`],
//!   [`Settings::from_json_str`], [`Settings::from_path`]), in this form:
//!
//! ```toml
//! [organization]
//! sip_domains = ["contoso.com"]
//! allow_federated_users = true
//! allowed_domains = [{ domain = "fabrikam.com" }]
//! blocked_domains = [{ domain = "spam.example" }]
//!
//! [[policies.client_policies]]
//! scope = "Tag:NoArchiving"
//! enable_im_auto_archiving = false
//!
//! [[policies.external_access_policies]]
//! scope = "Global"
//! enable_federation_access = true
//!
//! [senders."sip:kim@contoso.com"]
//! client_policy = "NoArchiving"
//! ```
//!
//! - a directory of `Get-Cs*.json` files saved by an administrator
//!   ([`Settings::from_powershell_dir`]).
//!
//! Unknown keys in a hand-written file are errors (a typo should not silently
//! switch a policy off); unknown properties in PowerShell output are ignored
//! (every SfB version prints more).
//!
//! # Sender profiles
//!
//! `[senders."sip:<address>"]` describes one sender (a
//! [`SenderProfile`](crate::policy::SenderProfile)); a sender not listed gets
//! every default. Every key is optional:
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `site` | the SfB site the sender is homed on (the name after `Site:`); its site policies apply when no tag is granted | none: the global policies |
//! | `client_policy` | the client policy granted to the sender (the name after `Tag:`, as in `Grant-CsClientPolicy -PolicyName`) | none: the site's, else the global client policy |
//! | `external_access_policy` | the external access policy granted to the sender (the name after `Tag:`) | none: the site's, else the global one |
//! | `client_build` | the sender's SfB client build, `16.0.6920.1000`; older than the minimum for its mailbox denies offline IM | none: not checked |
//! | `mailbox` | where the sender's mailbox lives: `"on_premises"` (minimum build 16.0.6920.1000) or `"exchange_online"` (16.0.6701.1000) | `"on_premises"` |
//!
//! The mailbox defaults to on-premises because that is this crate's home: EWS
//! in Exchange Online is blocked for most tenants and is being shut down, so
//! the crate targets Exchange Server (Subscription Edition).
//!
//! Every loader checks the profiles' references before it returns
//! ([`Settings::validate`]): a sender granted a `client_policy` or
//! `external_access_policy` tag that the policies do not define is a
//! [`LoadSettingsError::UndefinedPolicy`] naming the file, the sender, the
//! missing tag and the tags that exist, rather than a failure of each of its
//! messages at send time. A `site` need not have policies of its own (its users
//! get the global ones, as in SfB), so it is not checked.

mod check;
mod error;
mod load;

pub use error::{LoadSettingsError, UndefinedPolicy};
pub use load::Settings;
