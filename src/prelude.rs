//! The names a first program needs, in one `use`.
//!
//! ```
//! use offline_im::prelude::*;
//! ```
//!
//! brings the message builders ([`OfflineIm`], [`Participant`], [`ImLine`]), the
//! settings ([`Settings`]), the sender and its reports ([`Sender`],
//! [`DeliveryReport`], [`Outcome`], [`Summary`]), the folders ([`Folder`]), the
//! transport trait and, with the `http` feature, [`HttpTransport`], and
//! [`OffsetDateTime`] (the crate re-exports [`time`](mod@crate::time), whose type its
//! API takes).

pub use crate::compose::{ImLine, OfflineIm, Participant};
pub use crate::plan::Folder;
pub use crate::send::{DeliveryReport, Outcome, Sender, Summary};
pub use crate::settings::Settings;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use crate::transport::HttpTransport;
pub use crate::transport::Transport;
pub use time::OffsetDateTime;
