//! What the XML reader refuses, and how offending text is shown in errors.

use thiserror::Error;

/// How many characters of an offending value an error shows.
const SHOWN_CHARS: usize = 60;

/// `value`, cut to [`SHOWN_CHARS`] characters with an ellipsis when longer.
pub(crate) fn shorten(value: &str) -> String {
    let mut chars = value.char_indices();
    match chars.nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// Why a document could not be read as XML.
///
/// Each stage turns it into its own error: the EWS reader into the same-named
/// `ReadError` variants (where they are documented for users), Autodiscover into
/// its description of a bad response. Positions are byte offsets into the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum XmlError {
    /// Not well-formed (or not namespace-well-formed) XML.
    #[error("the document is not well-formed XML at offset {position}: {reason}")]
    Malformed { position: u64, reason: String },
    /// The input ends inside the element `inside` (or `the prolog`).
    #[error("the document ends at offset {position} inside {inside}: it was cut short")]
    Truncated { position: u64, inside: String },
    /// A document type declaration: refused, so no entity is ever defined.
    #[error("the document has a <!DOCTYPE> at offset {position}: DTDs are refused")]
    Doctype { position: u64 },
    /// An entity other than the five predefined ones; never expanded.
    #[error("the document uses the entity &{name}; at offset {position}: it is not expanded")]
    Entity { name: String, position: u64 },
    /// An element where the reader expected none, or another one.
    #[error("expected {expected} at offset {position}, found {found}")]
    UnexpectedElement {
        expected: &'static str,
        found: String,
        position: u64,
    },
    /// Elements nest deeper than the reader's `limit`.
    #[error("elements nest deeper than the limit of {limit} at offset {position}")]
    TooDeep { limit: usize, position: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_long_values_on_a_character_boundary() {
        assert_eq!(shorten("hello"), "hello");
        let short = shorten(&"é".repeat(100));
        assert_eq!(short.chars().count(), SHOWN_CHARS + 1);
        assert!(short.ends_with('…'));
    }
}
