//! What can go wrong while building or rendering an offline IM.

use thiserror::Error;

use crate::address::SipUri;

/// How many characters of a rejected value an error message shows.
const SHOWN_CHARS: usize = 40;

/// A message that breaks a rule, or a rendering that cannot be delivered.
///
/// Every variant names the field, the offending value (shortened to 40 characters
/// when long, so an error never carries a whole conversation) and the rule broken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ComposeError {
    /// A required field of [`OfflineImBuilder`](super::OfflineImBuilder) was never set.
    #[error("the {field} of an offline IM is missing: set it with OfflineImBuilder::{field}()")]
    Missing {
        /// The field: `"sender"` or `"recipient"`.
        field: &'static str,
    },
    /// The message has no IM lines.
    #[error("an offline IM needs at least one IM line: add one with OfflineImBuilder::line()")]
    NoLines,
    /// Sender and recipient are the same person (same SIP URI or same mailbox).
    #[error(
        "the sender and the recipient of an offline IM must be different people, \
         but both are {value:?}"
    )]
    SameParticipant {
        /// The SIP URI or SMTP address they share.
        value: String,
    },
    /// A line was written by someone who is neither the sender nor the recipient.
    #[error(
        "IM line {line} was written by {author}, who is neither the sender nor the recipient \
         of this offline IM"
    )]
    UnknownAuthor {
        /// The index of the line (0-based).
        line: usize,
        /// The stranger who wrote it.
        author: SipUri,
    },
    /// A line's timestamp cannot be written as RFC 3339, so the message could not be
    /// persisted or sent.
    #[error("IM line {line} has the timestamp {value}: {rule}")]
    Timestamp {
        /// The index of the line (0-based).
        line: usize,
        /// The timestamp, as text.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A line's text is empty or only whitespace.
    #[error("IM line {line} has no text: an IM line must not be empty or only whitespace")]
    EmptyText {
        /// The index of the line (0-based).
        line: usize,
    },
    /// A text holds a character XML 1.0 cannot carry, and the policy is
    /// [`InvalidCharacters::Reject`](super::InvalidCharacters::Reject).
    #[error(
        "the {field}{} holds {}, a character XML 1.0 cannot carry, in {value:?}: \
         remove it or use InvalidCharacters::Replace",
        line.map(|l| format!(" of IM line {l}")).unwrap_or_default(),
        code_point_name(*code_point)
    )]
    InvalidCharacter {
        /// The field: `"text"`, `"subject"`, `"sender display name"`,
        /// `"recipient display name"`, or for renderer output `"rendered subject"`,
        /// `"rendered html"`, `"rendered text"`.
        field: &'static str,
        /// The index of the IM line (0-based) when the field belongs to a line.
        line: Option<usize>,
        /// The offending character.
        code_point: char,
        /// The value it was found in, shortened.
        value: String,
    },
    /// The text is not a valid Exchange message class.
    #[error("invalid item class {value:?}: {rule}")]
    ItemClass {
        /// The value as given, shortened.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// The text is not a UUID.
    #[error(
        "invalid delivery id {value:?}: a delivery id must be a UUID such as 67e55044-10b1-426f-9247-bb680e5fe0c8"
    )]
    DeliveryId {
        /// The value as given, shortened.
        value: String,
    },
    /// The rendered message is bigger than the composer's limit.
    #[error(
        "the rendered offline IM is {size} bytes, over the limit of {limit} bytes: \
         split the conversation into several offline IMs or raise the limit with Composer::max_bytes"
    )]
    TooLarge {
        /// Size of subject + HTML body + text body, in UTF-8 bytes.
        size: usize,
        /// The limit that was exceeded.
        limit: usize,
    },
}

/// `U+0001`-style name of a code point.
pub(crate) fn code_point_name(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// The value to show in an error: the first 40 characters, then `…` if there was more.
pub(crate) fn shorten(value: &str) -> String {
    match value.char_indices().nth(SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_keeps_short_values_and_cuts_long_ones() {
        assert_eq!(shorten("hello"), "hello");
        let long = "é".repeat(100);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), SHOWN_CHARS + 1);
        assert!(short.ends_with('…'));
    }

    #[test]
    fn invalid_character_message_names_field_line_and_code_point() {
        let e = ComposeError::InvalidCharacter {
            field: "text",
            line: Some(2),
            code_point: '\u{1}',
            value: "a\u{1}b".into(),
        };
        let msg = e.to_string();
        assert!(msg.contains("text of IM line 2"), "{msg}");
        assert!(msg.contains("U+0001"), "{msg}");
    }
}
