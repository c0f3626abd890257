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

mod error;
mod load;

pub use error::LoadSettingsError;
pub use load::Settings;
