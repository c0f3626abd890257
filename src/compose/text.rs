//! The XML character rule: which characters a message may carry.
//!
//! Exchange stores and sends items as XML 1.0, which cannot carry C0 control
//! characters other than tab, line feed and carriage return, nor `U+FFFE` and
//! `U+FFFF` (Rust strings never hold surrogates, the other excluded range).
//! A stray control character pasted into a chat would make the whole EWS request
//! invalid, so every caller-supplied text passes through this rule once.

use std::borrow::Cow;

use super::ComposeError;
use super::error::shorten;
use crate::xml::is_xml_char;

/// What to do with characters XML 1.0 cannot carry (see [`is_xml_char`]).
///
/// The default is [`Replace`](Self::Replace): an offline IM is never refused for
/// one stray control character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum InvalidCharacters {
    /// Replace each such character with `U+FFFD REPLACEMENT CHARACTER`; nothing else
    /// is changed (the default).
    #[default]
    Replace,
    /// Refuse the text with [`ComposeError::InvalidCharacter`], naming the field,
    /// the line and the code point.
    Reject,
}

/// `text` with every character XML 1.0 cannot carry replaced by `U+FFFD`.
///
/// Borrows when nothing needs replacing, which is the common case.
///
/// ```
/// use offline_im::compose::xml_safe;
///
/// assert_eq!(xml_safe("bell\u{7}!"), "bell\u{FFFD}!");
/// assert_eq!(xml_safe("<b>ok</b> 🙂"), "<b>ok</b> 🙂"); // only the character rule, no escaping
/// ```
#[must_use]
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    if first_invalid_char(text).is_none() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// The first character in `text` XML 1.0 cannot carry, if any.
#[must_use]
pub fn first_invalid_char(text: &str) -> Option<char> {
    // Byte by byte: an invalid character is an ASCII control byte other than tab,
    // LF and CR, or the UTF-8 sequences EF BF BE (U+FFFE) and EF BF BF (U+FFFF).
    let bytes = text.as_bytes();
    // Most text has neither; this check vectorizes, the exact search below does not.
    let suspect = bytes
        .iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF);
    if !suspect {
        return None;
    }
    bytes.iter().enumerate().find_map(|(i, &b)| match b {
        b'\t' | b'\n' | b'\r' => None,
        0..=0x1F => Some(char::from(b)),
        0xEF => match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(0xBF), Some(0xBE)) => Some('\u{FFFE}'),
            (Some(0xBF), Some(0xBF)) => Some('\u{FFFF}'),
            _ => None,
        },
        _ => None,
    })
}

/// Applies `policy` to `text`, the value of `field` (of IM line `line`).
pub(crate) fn apply_policy(
    policy: InvalidCharacters,
    field: &'static str,
    line: Option<usize>,
    text: String,
) -> Result<String, ComposeError> {
    match first_invalid_char(&text) {
        None => Ok(text),
        Some(code_point) => match policy {
            InvalidCharacters::Replace => Ok(xml_safe(&text).into_owned()),
            InvalidCharacters::Reject => Err(ComposeError::InvalidCharacter {
                field,
                line,
                code_point,
                value: shorten(&text),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_matches_the_xml_char_production() {
        for c in [
            '\t', '\n', '\r', ' ', '\u{7F}', '\u{85}', '\u{D7FF}', '\u{E000}', '\u{FFFD}',
        ] {
            assert!(is_xml_char(c), "{c:?}");
        }
        for c in [
            '\u{0}', '\u{8}', '\u{B}', '\u{C}', '\u{1F}', '\u{FFFE}', '\u{FFFF}',
        ] {
            assert!(!is_xml_char(c), "{c:?}");
        }
        assert!(is_xml_char('\u{10000}') && is_xml_char('\u{10FFFF}'));
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn byte_scan_agrees_with_the_character_rule(
            chars in proptest::collection::vec(
                prop_oneof![
                    any::<char>(),
                    Just('\u{FFFE}'),
                    Just('\u{FFFF}'),
                    Just('\u{FFFD}'),
                    (0u8..0x20).prop_map(char::from),
                ],
                0..40,
            )
        ) {
            let text: String = chars.into_iter().collect();
            prop_assert_eq!(first_invalid_char(&text), text.chars().find(|&c| !is_xml_char(c)));
        }
    }

    #[test]
    fn xml_safe_borrows_clean_text() {
        assert!(matches!(xml_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(xml_safe("a\u{0}b\u{FFFE}"), "a\u{FFFD}b\u{FFFD}");
    }

    #[test]
    fn policy_replaces_or_rejects() {
        let text = "x\u{1b}y".to_owned();
        assert_eq!(
            apply_policy(InvalidCharacters::Replace, "text", Some(0), text.clone()).ok(),
            Some("x\u{FFFD}y".to_owned())
        );
        let err = apply_policy(InvalidCharacters::Reject, "text", Some(3), text);
        assert!(matches!(
            err,
            Err(ComposeError::InvalidCharacter {
                field: "text",
                line: Some(3),
                code_point: '\u{1b}',
                ..
            })
        ));
    }
}
