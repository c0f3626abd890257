//! XML, the crate's one reader and one writer-side escaper (crate-private).
//!
//! Every stage that reads or writes XML for Exchange uses this layer: the EWS
//! request writer and reply reader ([`ews`](crate::ews)), the Autodiscover request
//! writers and response reader ([`autodiscover`](crate::autodiscover)), and the
//! message builder's character rule and HTML escaping
//! ([`compose`](crate::compose)). The embedded test server keeps a grammar of its
//! own on purpose (see [`testkit`](crate::testkit)'s docs).

mod chars;

pub use chars::is_xml_char;
