//! What can go wrong writing a request or reading a reply.

use thiserror::Error;

use super::{ResponseClass, ResponseCode};
use crate::xml::XmlError;

pub(crate) use crate::xml::shorten;

/// A value that breaks an EWS rule, found while building or writing a request.
///
/// Nothing is written when a request is refused: the buffer is left as it was.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A list EWS requires to be non-empty is empty.
    #[error("{what} is empty: EWS requires at least one")]
    Empty {
        /// What is empty, e.g. `"CreateItem items"`.
        what: &'static str,
    },
    /// A `CreateItem` with `MessageDisposition="SendOnly"` names a folder to save into.
    #[error(
        "a CreateItem with MessageDisposition SendOnly keeps no copy, so it cannot have the \
         saved-item folder {folder}: leave the folder out or use SendAndSaveCopy"
    )]
    FolderWithSendOnly {
        /// The folder that was given.
        folder: String,
    },
    /// A MAPI property tag outside the range EWS accepts as `PropertyTag`.
    #[error("the property tag {tag:#06x} is not usable: {rule}")]
    PropertyTag {
        /// The tag.
        tag: u16,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A value that must not be empty or must follow a format does not.
    #[error("the {field} {value:?} is not usable: {rule}")]
    Invalid {
        /// What the value is, e.g. `"property name"`.
        field: &'static str,
        /// The value, shortened.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
}

/// Why a reply from Exchange could not be read.
///
/// Every variant says what was wrong and, where it helps, the byte offset in the
/// reply. Text from the reply appears only shortened. Reading never panics and never
/// allocates more than a small multiple of the (capped) input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The reply is larger than [`ReaderLimits::max_bytes`](super::ReaderLimits::max_bytes).
    #[error("the reply is {actual} bytes, more than the limit of {limit} bytes; nothing was read")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The reply's size.
        actual: usize,
    },
    /// The reply is not UTF-8.
    #[error("the reply is not UTF-8 (invalid bytes at offset {position}); EWS replies are UTF-8")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        position: usize,
    },
    /// The reply is not well-formed XML.
    #[error("the reply is not well-formed XML at offset {position}: {reason}")]
    Malformed {
        /// Byte offset where the problem was found.
        position: u64,
        /// What the XML parser reported.
        reason: String,
    },
    /// The reply ends before the document does.
    #[error("the reply ends at offset {position} inside {inside}: it was cut short")]
    Truncated {
        /// The length of the reply.
        position: u64,
        /// The innermost element still open, e.g. `<m:Items>`, or `the prolog`.
        inside: String,
    },
    /// The reply has a document type declaration. EWS never sends one; it is refused
    /// so that no entity is ever defined, let alone expanded.
    #[error(
        "the reply has a <!DOCTYPE> at offset {position}: DTDs are refused, no entity is expanded"
    )]
    Doctype {
        /// Byte offset of the declaration.
        position: u64,
    },
    /// The reply uses an entity other than the five predefined ones and character
    /// references. It is not expanded.
    #[error(
        "the reply uses the entity &{name}; at offset {position}: only &lt; &gt; &amp; &quot; \
         &apos; and character references are allowed, nothing else is expanded"
    )]
    Entity {
        /// The entity's name.
        name: String,
        /// Byte offset after the reference.
        position: u64,
    },
    /// An element is not the one the EWS response has at that place (often a wrong
    /// namespace, or the reply to another operation).
    #[error("expected {expected} at offset {position}, found {found}")]
    UnexpectedElement {
        /// What was expected, e.g. `"m:CreateItemResponse"`.
        expected: &'static str,
        /// What was found, as `{namespace}name`.
        found: String,
        /// Byte offset after the element's start tag.
        position: u64,
    },
    /// A required element is missing.
    #[error("{element} is missing from {parent}")]
    MissingElement {
        /// The missing element, e.g. `"m:ResponseCode"`.
        element: &'static str,
        /// Where it should have been.
        parent: &'static str,
    },
    /// A required attribute is missing.
    #[error("the attribute {attribute} is missing from {element} at offset {position}")]
    MissingAttribute {
        /// The attribute.
        attribute: &'static str,
        /// The element.
        element: &'static str,
        /// Byte offset after the element's start tag.
        position: u64,
    },
    /// An element or attribute holds a value outside its type.
    #[error("{what} at offset {position} is {value:?}: {rule}")]
    InvalidValue {
        /// Which element or attribute.
        what: &'static str,
        /// The value, shortened.
        value: String,
        /// The rule it broke.
        rule: &'static str,
        /// Byte offset near the value.
        position: u64,
    },
    /// Elements nest deeper than [`ReaderLimits::max_depth`](super::ReaderLimits::max_depth).
    #[error("elements nest deeper than the limit of {limit} at offset {position}")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Byte offset where the limit was passed.
        position: u64,
    },
    /// More response messages or items than
    /// [`ReaderLimits::max_items`](super::ReaderLimits::max_items).
    #[error("the reply has more than {limit} {what}")]
    TooManyItems {
        /// What was counted: `"response messages"` or `"items"`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A response message whose `ResponseClass` and `ResponseCode` disagree:
    /// `Success` with a code other than `NoError`, or `Warning`/`Error` with
    /// `NoError`. An item counts as succeeded only with `Success` and `NoError`
    /// (or no code); anything else is not guessed at.
    #[error(
        "the response message at offset {position} has ResponseClass {class} with ResponseCode \
         {code}: an item succeeds only with Success and NoError, so the reply contradicts itself \
         and whether the item was done is unknown"
    )]
    Contradiction {
        /// The `ResponseClass`.
        class: ResponseClass,
        /// The `ResponseCode`.
        code: ResponseCode,
        /// Byte offset after the response message's start tag.
        position: u64,
    },
}

impl From<XmlError> for ReadError {
    /// The same defect, in the EWS reader's words.
    #[inline]
    fn from(error: XmlError) -> Self {
        match error {
            XmlError::Malformed { position, reason } => Self::Malformed { position, reason },
            XmlError::Truncated { position, inside } => Self::Truncated { position, inside },
            XmlError::Doctype { position } => Self::Doctype { position },
            XmlError::Entity { name, position } => Self::Entity { name, position },
            XmlError::UnexpectedElement {
                expected,
                found,
                position,
            } => Self::UnexpectedElement {
                expected,
                found,
                position,
            },
            XmlError::TooDeep { limit, position } => Self::TooDeep { limit, position },
        }
    }
}
