//! Route: same organization, federated, or blocked.
//!
//! An [`Organization`] knows its own SIP domains and its [`Federation`] settings.
//! [`Organization::route`] classifies a sender/recipient pair into a [`Route`]:
//!
//! | recipient's SIP domain | route | what the recipient gets |
//! |---|---|---|
//! | one of the organization's | [`Route::SameOrganization`] | a missed-conversation item (`IPM.Note.Microsoft.Missed`) |
//! | another, admitted by federation | [`Route::Federated`] | plain mail (`IPM.Note`) |
//! | anything else | [`Route::Blocked`] with a [`BlockReason`] | nothing |
//!
//! Federated recipients get plain mail because, across organizations, Exchange
//! carries the message as MIME, which keeps no message class: setting one would be
//! lost anyway. See [`Federation`] for how subdomains match.

mod classify;
mod error;
mod federation;
mod file;
mod load;
mod organization;

pub use classify::{BlockReason, FederationBasis, Route};
pub use error::OrganizationError;
pub use federation::{AllowedDomain, BlockedDomain, Federation};
pub use file::OrganizationFile;
pub use load::{LoadOrganizationError, PowerShellOrganization};
pub use organization::{Organization, OrganizationBuilder};
