//! Address: the atoms every other stage relies on.
//!
//! [`SipUri`] names a Skype for Business user, [`SmtpAddress`] an Exchange mailbox,
//! [`Domain`] a DNS name. Each is validated and normalized once, when parsed
//! (`FromStr`, `TryFrom<&str>`, serde), and is valid from then on, so the rest of
//! the crate never re-checks them. A rejected value gives an [`AddressError`] that
//! names the value and the rule it broke.

mod domain;
mod error;
mod sip;
mod smtp;
mod string_impls;

pub use domain::Domain;
pub use error::AddressError;
pub use sip::SipUri;
pub use smtp::SmtpAddress;
