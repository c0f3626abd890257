//! Escaping text for the request writer.
//!
//! One pass over the bytes, copying runs that need nothing and rewriting the few
//! bytes that do. Besides the markup characters, the writer defends against text that
//! XML 1.0 cannot carry: C0 controls other than tab, LF and CR, `U+FFFE` and
//! `U+FFFF` become `U+FFFD`, so whatever the caller passes, the envelope stays
//! well-formed. Carriage returns are written as `&#13;` so that XML end-of-line
//! normalization does not turn `\r\n` into `\n`; in attributes tab and LF are written
//! as character references too, so attribute-value normalization keeps them.

/// Which bytes need rewriting (how is decided in [`escape_into`]).
const fn table(attribute: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        // In text, tab and LF pass unchanged; every other C0 byte needs work.
        t[b] = attribute || (b != b'\t' as usize && b != b'\n' as usize);
        b += 1;
    }
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'"' as usize] = attribute;
    // First byte of U+FFFE / U+FFFF (EF BF BE / EF BF BF); checked further below.
    t[0xEF] = true;
    t
}

static TEXT: [bool; 256] = table(false);
static ATTRIBUTE: [bool; 256] = table(true);

/// UTF-8 of U+FFFD REPLACEMENT CHARACTER.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// Appends `text` escaped for element content.
#[inline]
pub(crate) fn push_text(buf: &mut Vec<u8>, text: &str) {
    escape_into(buf, text, &TEXT);
}

/// Appends `text` escaped for a double-quoted attribute value.
#[inline]
pub(crate) fn push_attr(buf: &mut Vec<u8>, text: &str) {
    escape_into(buf, text, &ATTRIBUTE);
}

#[inline]
fn escape_into(buf: &mut Vec<u8>, text: &str, needs: &[bool; 256]) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !needs[b as usize] {
            i += 1;
            continue;
        }
        let replacement: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\r' => b"&#13;",
            b'\n' => b"&#10;",
            b'\t' => b"&#9;",
            0xEF => {
                // EF BF BE (U+FFFE) and EF BF BF (U+FFFF) are not XML characters;
                // every other three-byte sequence starting with EF is.
                if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF))
                {
                    buf.extend_from_slice(&bytes[start..i]);
                    buf.extend_from_slice(REPLACEMENT);
                    i += 3;
                    start = i;
                } else {
                    i += 1;
                }
                continue;
            }
            _ => REPLACEMENT, // other C0 controls
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(replacement);
        i += 1;
        start = i;
    }
    buf.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        let mut buf = Vec::new();
        push_text(&mut buf, s);
        String::from_utf8(buf).unwrap()
    }

    fn attr(s: &str) -> String {
        let mut buf = Vec::new();
        push_attr(&mut buf, s);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn escapes_markup_and_keeps_unicode() {
        assert_eq!(
            text("a]]>b & <c> \"q\" 'p'"),
            "a]]&gt;b &amp; &lt;c&gt; \"q\" 'p'"
        );
        assert_eq!(attr("a\"b&c<"), "a&quot;b&amp;c&lt;");
        assert_eq!(
            text("🙂 שלום \u{FFFD} \u{EFFF}"),
            "🙂 שלום \u{FFFD} \u{EFFF}"
        );
    }

    #[test]
    fn keeps_line_ends_and_tabs_through_normalization() {
        assert_eq!(text("a\r\nb\tc\n"), "a&#13;\nb\tc\n");
        assert_eq!(attr("a\r\nb\tc"), "a&#13;&#10;b&#9;c");
    }

    #[test]
    fn replaces_characters_xml_forbids() {
        assert_eq!(
            text("x\u{0}y\u{1b}z\u{FFFE}\u{FFFF}"),
            "x\u{FFFD}y\u{FFFD}z\u{FFFD}\u{FFFD}"
        );
        assert_eq!(attr("\u{7}"), "\u{FFFD}");
    }
}
