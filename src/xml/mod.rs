//! XML: the crate's one reader and one escaper (crate-private).
//!
//! Every stage that reads or writes XML for Exchange goes through this layer, so
//! each hardening rule is written once:
//!
//! - [`cursor`]: the reader, over quick-xml. DTDs refused, only the predefined
//!   entities and character references resolved, namespaces checked, depth and
//!   declarations bounded, never a panic. The EWS reply reader streams over it;
//!   Autodiscover builds a small [`tree`] with it.
//! - [`escape`]: the escaper of every request written (EWS envelopes and
//!   Autodiscover requests): markup escaped, `\r` kept through line-end
//!   normalization, characters XML cannot carry ([`is_xml_char`]) replaced.
//! - [`html`]: escaping for the HTML body a message is rendered into. It
//!   differs from [`escape`] on purpose: the HTML is a document of its own (sent
//!   in a CDATA section, shown by Outlook's HTML renderer), so it escapes `'` as
//!   `&#39;` (HTML 4 knows no `&apos;`) and quotes everywhere, writes line breaks
//!   as `<br/>` rather than keeping `\r`, and leaves the XML character rule to
//!   the message builder.
//! - [`namespaces`]: every namespace URI and SOAP action, EWS's and
//!   Autodiscover's.
//!
//! The embedded test server ([`testkit`](crate::testkit)) keeps a grammar of its
//! own and shares none of this on purpose: a test server built on the client's
//! reader and escaper could not catch their bugs.

mod attributes;
mod chars;
pub(crate) mod cursor;
mod error;
pub(crate) mod escape;
pub(crate) mod html;
pub(crate) mod namespaces;
mod start_tag;
mod tree;

pub use chars::is_xml_char;
pub(crate) use error::{XmlError, shorten};
pub(crate) use escape::escaped;
pub(crate) use tree::{Element, tree};
