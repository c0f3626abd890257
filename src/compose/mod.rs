//! Compose: the offline IM message, its text and its rendering.
//!
//! This stage is pure and synchronous. It turns "who wrote what to whom" into the
//! parts of a mail message, and nothing in it touches the network.
//!
//! - [`OfflineIm`], built with [`OfflineIm::builder`]: sender and recipient
//!   ([`Participant`]), the [`ImLine`]s, an optional subject (topic),
//!   [`Importance`] and a [`DeliveryId`]. Setters never fail; `build()` checks the
//!   rules across fields and returns a [`ComposeError`] naming what is wrong.
//! - [`ItemClass`]: the Exchange message class; [`ItemClass::MISSED_IM`] for
//!   same-organization recipients, [`ItemClass::NOTE`] for federated ones. Which
//!   one a message gets is decided by the routing stage, not here.
//! - [`Composer`] renders an `OfflineIm` with a [`Renderer`] (by default
//!   [`TranscriptRenderer`]) into a [`RenderedMessage`]: subject, HTML body, text body.
//!
//! # Text safety
//!
//! Text may be any Unicode and is never interpreted: markup characters are escaped in
//! HTML ([`escape_html`]), emoji, right-to-left text and combining marks pass
//! unchanged. Characters XML 1.0 cannot carry ([`is_xml_char`]: C0 controls other
//! than tab, LF and CR, `U+FFFE`, `U+FFFF`) would break the EWS request, so by
//! default they are replaced with `U+FFFD` when the message is built ([`xml_safe`]);
//! nothing else is changed, and an IM is never refused for one stray control
//! character. [`InvalidCharacters::Reject`] refuses such text instead. The rule
//! covers line texts, display names and the subject, and the composer applies it
//! again to whatever a renderer produced.
//!
//! # Example
//!
//! ```
//! use offline_im::compose::{Composer, ImLine, OfflineIm, Participant};
//! use time::macros::datetime;
//!
//! let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim Akers");
//! let pat = Participant::new("sip:pat@contoso.com".parse()?, "pat@contoso.com".parse()?, "Pat Coleman");
//! let im = OfflineIm::builder()
//!     .sender(kim.clone())
//!     .recipient(pat.clone())
//!     .line(ImLine::new(kim.sip().clone(), datetime!(2026-03-02 09:15 +01:00), "Are you <there>?"))
//!     .line(ImLine::new(pat.sip().clone(), datetime!(2026-03-02 09:16 +01:00), "Yes & no"))
//!     .build()?;
//!
//! let message = Composer::new().compose(&im)?;
//! assert_eq!(message.subject(), "Missed conversation with Kim Akers");
//! assert!(message.html().contains("Are you &lt;there&gt;?"));
//! assert_eq!(message.text(), "[09:15] Kim Akers: Are you <there>?\n[09:16] Pat Coleman: Yes & no\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod composer;
mod delivery_id;
mod error;
mod item_class;
mod line;
mod message;
mod participant;
mod render;
mod text;

pub use crate::delivery_id::DeliveryId;
pub use crate::ews::Importance;
pub use crate::xml::html::{escape_html, escape_html_lines};
pub use crate::xml::is_xml_char;
pub use composer::{Composer, RenderedMessage};
pub use error::ComposeError;
pub use item_class::ItemClass;
pub use line::ImLine;
pub use message::{OfflineIm, OfflineImBuilder};
pub use participant::Participant;
pub use render::{Renderer, TranscriptRenderer};
pub use text::{InvalidCharacters, first_invalid_char, xml_safe};
