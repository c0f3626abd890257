//! Percent-encoding for the parts of a Graph URL the writers build.

use super::GraphWriteError;
use super::write_error::shorten;

/// Appends `value` to `out`, percent-encoding every byte but RFC 3986's
/// unreserved characters (`A-Z a-z 0-9 - . _ ~`) and those in `keep`.
pub(crate) fn push_encoded(out: &mut String, value: &str, keep: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b)
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
}

/// One path segment (a user id, a message id): everything but unreserved
/// characters and `@` is encoded, so a `/` or `?` inside an id cannot change
/// the path.
///
/// # Errors
/// [`GraphWriteError::Invalid`] when `value` is empty or has a control character.
pub(crate) fn push_segment(
    out: &mut String,
    field: &'static str,
    value: &str,
) -> Result<(), GraphWriteError> {
    if value.trim().is_empty() {
        return Err(GraphWriteError::Invalid {
            field,
            value: shorten(value),
            rule: "a Graph id in a URL path must not be empty",
        });
    }
    if value.chars().any(char::is_control) {
        return Err(GraphWriteError::Invalid {
            field,
            value: shorten(value),
            rule: "a Graph id in a URL path must not contain control characters",
        });
    }
    push_encoded(out, value, b"@");
    Ok(())
}

/// A query option's value: like a segment, but `(`, `)`, `/`, `:` and `,` stay
/// as they are (allowed in a query, RFC 3986 3.4) for readable URLs, while
/// space, `'`, `{`, `}`, `&`, `=`, `+`, `#` and `$` are encoded.
pub(crate) fn push_query_value(out: &mut String, value: &str) {
    push_encoded(out, value, b"()/:,@");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_encodes_what_could_change_the_path() {
        let mut out = String::new();
        push_segment(&mut out, "id", "AAMk/a+b=?#").unwrap();
        assert_eq!(out, "AAMk%2Fa%2Bb%3D%3F%23");
    }

    #[test]
    fn query_value_encodes_quotes_spaces_and_braces() {
        let mut out = String::new();
        push_query_value(&mut out, "id eq 'String {a} Name X'&x=1");
        assert_eq!(out, "id%20eq%20%27String%20%7Ba%7D%20Name%20X%27%26x%3D1");
    }

    #[test]
    fn utf8_is_encoded_byte_by_byte() {
        let mut out = String::new();
        push_query_value(&mut out, "é");
        assert_eq!(out, "%C3%A9");
    }
}
