//! Policy: may this sender use offline IM at all?
//!
//! Skype for Business decides with three kinds of policy object, each a plain
//! struct here with the PowerShell properties that matter:
//!
//! | object | scopes | setting | default | effect |
//! |---|---|---|---|---|
//! | [`ImConfiguration`] | Global, Site | `EnableOfflineIM` | on | off denies offline IM |
//! | [`ClientPolicy`] | Global, Site, Tag | `EnableIMAutoArchiving` | unset = on | off denies offline IM |
//! | [`ExternalAccessPolicy`] | Global, Site, Tag | `EnableFederationAccess` | off | off blocks federated recipients (see [`route`](crate::route)) |
//!
//! A [`PolicySet`] holds a deployment's policies; [`PolicySet::resolve`] picks the
//! ones in force for a [`SenderProfile`]: for each kind, the policy granted to the
//! user (its [`Scope::Tag`]), else its site's, else the global one, else SfB's
//! built-in default. Policies are taken whole, never merged setting by setting,
//! so a tag policy with `EnableIMAutoArchiving` unset means "on", even if the
//! global policy switches it off. The [`EffectivePolicy`] records where each
//! policy came from and lists every [`PolicyDenial`] that applies, including a
//! client build older than the minimum for the sender's [`MailboxLocation`].
//!
//! Policies come from code, from a settings file (serde), or from what
//! administrators already have: [`PolicySet::from_powershell_json`] reads the
//! output of `Get-CsImConfiguration`, `Get-CsClientPolicy` and
//! `Get-CsExternalAccessPolicy` piped to `ConvertTo-Json`.

mod client_build;
mod effective;
mod error;
mod load;
mod profile;
mod records;
mod scope;
mod set;

pub use client_build::{ClientBuild, MailboxLocation};
pub use effective::{EffectivePolicy, PolicyDenial, PolicySource, Resolved};
pub use error::{LoadPolicyError, PolicyError};
pub use load::PowerShellPolicies;
pub use profile::SenderProfile;
pub use records::{ClientPolicy, ExternalAccessPolicy, ImConfiguration};
pub use scope::Scope;
pub use set::{PolicySet, PolicySetBuilder};
