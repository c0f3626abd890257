//! The characters XML 1.0 can carry: one rule for the message builder, the
//! request writer's escaper and the reply reader's character references.

/// Whether XML 1.0 can carry `c` (its `Char` production).
///
/// Allowed: tab, line feed, carriage return, `U+0020..=U+D7FF`,
/// `U+E000..=U+FFFD`, `U+10000..=U+10FFFF`.
///
/// ```
/// use offline_im::compose::is_xml_char;
///
/// assert!(is_xml_char('a') && is_xml_char('\n') && is_xml_char('🙂'));
/// assert!(!is_xml_char('\u{0}') && !is_xml_char('\u{1b}') && !is_xml_char('\u{FFFF}'));
/// ```
#[must_use]
pub const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}
