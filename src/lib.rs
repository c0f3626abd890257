//! Deliver Skype for Business style *offline instant messages* into Exchange mailboxes.
//!
//! (Crate documentation is written as the modules land.)
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod compose;
pub mod ews;
pub mod plan;
pub mod route;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;
