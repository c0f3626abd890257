//! Escaping text for XML: the one escaper of every request the crate writes
//! (EWS envelopes, Autodiscover requests).
//!
//! A vectorizable scan finds the next byte that needs attention, 16 bytes at a time;
//! runs in between are copied whole. Besides the markup characters, the writer
//! defends against text that XML 1.0 cannot carry: C0 controls other than tab, LF
//! and CR, `U+FFFE` and `U+FFFF` become `U+FFFD`, so whatever the caller passes, the
//! envelope stays well-formed. Carriage returns are written as `&#13;` so that XML
//! end-of-line normalization does not turn `\r\n` into `\n`; in attributes tab and
//! LF are written as character references too, so attribute-value normalization
//! keeps them.
//!
//! Markup-heavy content (HTML bodies) is written as a CDATA section instead
//! ([`push_cdata`]): nothing inside needs escaping except the rare `]]>`, CR and
//! forbidden characters, so the content is copied in a few large pieces.

/// UTF-8 of U+FFFD REPLACEMENT CHARACTER.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// How one kind of output treats special bytes.
trait Mode {
    /// Whether `b` may need rewriting (a cheap, vectorizable test).
    fn special(b: u8) -> bool;
    /// What to write for the special byte at `bytes[i]`, and how many input bytes it
    /// replaces; `None` when it needs nothing after all.
    fn replace(bytes: &[u8], i: usize) -> Option<(&'static [u8], usize)>;
}

/// Bytes that are special everywhere: C0 controls (tab and LF are decided per mode)
/// and the lead byte of U+FFFE / U+FFFF.
#[inline(always)]
fn common(bytes: &[u8], i: usize) -> Option<(&'static [u8], usize)> {
    match bytes[i] {
        // EF BF BE (U+FFFE) and EF BF BF (U+FFFF) are not XML characters; every
        // other sequence starting with EF is.
        0xEF => (bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)))
            .then_some((REPLACEMENT, 3)),
        b'\r' => Some((b"&#13;", 1)),
        0..0x20 => Some((REPLACEMENT, 1)),
        _ => None,
    }
}

struct Text;
impl Mode for Text {
    #[inline(always)]
    fn special(b: u8) -> bool {
        (b < 0x20) & (b != b'\t') & (b != b'\n')
            | (b == b'&')
            | (b == b'<')
            | (b == b'>')
            | (b == 0xEF)
    }
    #[inline(always)]
    fn replace(bytes: &[u8], i: usize) -> Option<(&'static [u8], usize)> {
        match bytes[i] {
            b'&' => Some((b"&amp;", 1)),
            b'<' => Some((b"&lt;", 1)),
            b'>' => Some((b"&gt;", 1)),
            _ => common(bytes, i),
        }
    }
}

/// Element content's rules, plus the quote and the whitespace that attribute-value
/// normalization would otherwise turn into spaces.
struct Attribute;
impl Mode for Attribute {
    #[inline(always)]
    fn special(b: u8) -> bool {
        Text::special(b) | (b == b'"') | (b == b'\t') | (b == b'\n')
    }
    #[inline(always)]
    fn replace(bytes: &[u8], i: usize) -> Option<(&'static [u8], usize)> {
        match bytes[i] {
            b'"' => Some((b"&quot;", 1)),
            b'\n' => Some((b"&#10;", 1)),
            b'\t' => Some((b"&#9;", 1)),
            _ => Text::replace(bytes, i),
        }
    }
}

struct CData;
impl Mode for CData {
    #[inline(always)]
    fn special(b: u8) -> bool {
        (b < 0x20) & (b != b'\t') & (b != b'\n') | (b == b']') | (b == 0xEF)
    }
    #[inline(always)]
    fn replace(bytes: &[u8], i: usize) -> Option<(&'static [u8], usize)> {
        match bytes[i] {
            // Split "]]>" across two sections.
            b']' => bytes[i..]
                .starts_with(b"]]>")
                .then_some((b"]]]]><![CDATA[>", 3)),
            // A CR must leave the section to survive line-end normalization.
            b'\r' => Some((b"]]>&#13;<![CDATA[", 1)),
            _ => common(bytes, i),
        }
    }
}

/// Index of the first byte at or after `from` that may be special, or `bytes.len()`.
#[inline(always)]
fn find<M: Mode>(bytes: &[u8], from: usize) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    let mut i = from;
    for chunk in rest.chunks_exact(16) {
        if chunk.iter().fold(false, |any, &b| any | M::special(b)) {
            break;
        }
        i += 16;
    }
    while i < bytes.len() && !M::special(bytes[i]) {
        i += 1;
    }
    i
}

#[inline(always)]
fn escape_into<M: Mode>(buf: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut from = 0;
    loop {
        let i = find::<M>(bytes, from);
        if i >= bytes.len() {
            buf.extend_from_slice(&bytes[start..]);
            return;
        }
        match M::replace(bytes, i) {
            Some((replacement, consumed)) => {
                buf.extend_from_slice(&bytes[start..i]);
                buf.extend_from_slice(replacement);
                start = i + consumed;
                from = start;
            }
            None => from = i + 1,
        }
    }
}

/// Appends `text` escaped for element content.
#[inline]
pub(crate) fn push_text(buf: &mut Vec<u8>, text: &str) {
    escape_into::<Text>(buf, text);
}

/// Appends `text` escaped for a double-quoted attribute value.
#[inline]
pub(crate) fn push_attr(buf: &mut Vec<u8>, text: &str) {
    escape_into::<Attribute>(buf, text);
}

/// Appends `text` as element content in a CDATA section (nothing for empty text).
#[inline]
pub(crate) fn push_cdata(buf: &mut Vec<u8>, text: &str) {
    if text.is_empty() {
        return;
    }
    buf.extend_from_slice(b"<![CDATA[");
    escape_into::<CData>(buf, text);
    buf.extend_from_slice(b"]]>");
}

/// `text` escaped for element content, as a new string (for the short requests
/// written with `format!`).
pub(crate) fn escaped(text: &str) -> String {
    let mut buf = Vec::with_capacity(text.len());
    push_text(&mut buf, text);
    // The escaper copies UTF-8 runs whole and writes only UTF-8 replacements.
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&mut Vec<u8>, &str), s: &str) -> String {
        let mut buf = Vec::new();
        f(&mut buf, s);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn escapes_markup_and_keeps_unicode() {
        assert_eq!(
            run(push_text, "a]]>b & <c> \"q\" 'p'"),
            "a]]&gt;b &amp; &lt;c&gt; \"q\" 'p'"
        );
        assert_eq!(run(push_attr, "a\"b&c<"), "a&quot;b&amp;c&lt;");
        let unicode = "🙂 שלום \u{FFFD} \u{EFFF} \u{FE0F} 0123456789abcdef0123456789";
        assert_eq!(run(push_text, unicode), unicode);
    }

    #[test]
    fn long_runs_and_specials_past_the_first_chunk() {
        let s = format!("{}&{}<", "x".repeat(40), "y".repeat(17));
        assert_eq!(
            run(push_text, &s),
            format!("{}&amp;{}&lt;", "x".repeat(40), "y".repeat(17))
        );
    }

    #[test]
    fn keeps_line_ends_and_tabs_through_normalization() {
        assert_eq!(run(push_text, "a\r\nb\tc\n"), "a&#13;\nb\tc\n");
        assert_eq!(run(push_attr, "a\r\nb\tc"), "a&#13;&#10;b&#9;c");
    }

    #[test]
    fn replaces_characters_xml_forbids() {
        assert_eq!(
            run(push_text, "x\u{0}y\u{1b}z\u{FFFE}\u{FFFF}"),
            "x\u{FFFD}y\u{FFFD}z\u{FFFD}\u{FFFD}"
        );
        assert_eq!(run(push_attr, "\u{7}"), "\u{FFFD}");
        assert_eq!(
            run(push_cdata, "\u{7}\u{FFFF}"),
            "<![CDATA[\u{FFFD}\u{FFFD}]]>"
        );
    }

    #[test]
    fn cdata_splits_its_terminator_and_keeps_cr() {
        assert_eq!(run(push_cdata, ""), "");
        assert_eq!(run(push_cdata, "<p>a & b</p>"), "<![CDATA[<p>a & b</p>]]>");
        assert_eq!(
            run(push_cdata, "x]]>y]]z]"),
            "<![CDATA[x]]]]><![CDATA[>y]]z]]]>"
        );
        assert_eq!(
            run(push_cdata, "a\r\nb"),
            "<![CDATA[a]]>&#13;<![CDATA[\nb]]>"
        );
    }

    #[test]
    fn escaped_strings_match_the_buffer_writer() {
        assert_eq!(
            escaped("o'brien&co<x>\u{7}"),
            "o'brien&amp;co&lt;x&gt;\u{FFFD}"
        );
    }
}
