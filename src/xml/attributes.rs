//! Attributes of a start tag, parsed by hand for the reader.
//!
//! quick-xml's general attribute iterator is the reader's hottest spot; EWS replies
//! need only a handful of attributes, so this small parser does exactly what XML 1.0
//! requires (`name = "value"` or `'value'`, whitespace around `=`) and no more.

use std::borrow::Cow;

use super::error::XmlError;
use super::error::shorten;

/// An iterator over `(name, raw value)` of the raw attribute text of a start tag.
pub(crate) struct Attributes<'a> {
    rest: &'a str,
    position: u64,
}

impl<'a> Attributes<'a> {
    /// The attributes in `raw` (the text after the element name), for a tag near
    /// byte `position` (used in errors).
    pub(crate) fn new(raw: &'a str, position: u64) -> Self {
        Self {
            rest: raw,
            position,
        }
    }

    fn malformed(&mut self, reason: &str) -> XmlError {
        let at = shorten(self.rest);
        self.rest = "";
        XmlError::Malformed {
            position: self.position,
            reason: format!("{reason} in the attributes {at:?}"),
        }
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<(&'a str, &'a str), XmlError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.trim_start_matches(is_space);
        // A tag read as empty keeps its trailing "/" in the raw text.
        if rest.is_empty() || rest == "/" {
            self.rest = "";
            return None;
        }
        let Some(eq) = rest.find('=') else {
            return Some(Err(self.malformed("an attribute without \"=\"")));
        };
        let name = rest[..eq].trim_end_matches(is_space);
        if name.is_empty()
            || name
                .bytes()
                .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\''))
        {
            return Some(Err(self.malformed("a malformed attribute name")));
        }
        let after = rest[eq + 1..].trim_start_matches(is_space);
        let quote = match after.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => return Some(Err(self.malformed("an unquoted attribute value"))),
        };
        let body = &after[1..];
        let Some(end) = body.find(quote) else {
            return Some(Err(self.malformed("an unterminated attribute value")));
        };
        let value = &body[..end];
        if any_byte(value.as_bytes(), |b| b == b'<') {
            return Some(Err(self.malformed("a \"<\" inside an attribute value")));
        }
        self.rest = &body[end + 1..];
        if !self.rest.is_empty() && !self.rest.starts_with(is_space) && self.rest != "/" {
            return Some(Err(self.malformed("no whitespace between attributes")));
        }
        Some(Ok((name, value)))
    }
}

/// Whether any byte of `bytes` matches: a branch-free scan over a byte
/// accumulator, which the compiler vectorizes (values are often 100+ bytes).
#[inline]
fn any_byte(bytes: &[u8], matches: impl Fn(u8) -> bool) -> bool {
    bytes.iter().fold(0u8, |acc, &b| acc | u8::from(matches(b))) != 0
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The normalized value of a raw attribute value (XML 1.0 §3.3.3): references
/// resolved (only the five predefined entities and character references; anything
/// else is an error, never expanded), literal whitespace characters become spaces.
pub(crate) fn normalize(raw: &str, position: u64) -> Result<Cow<'_, str>, XmlError> {
    // Most values need nothing. Any control character sends the value down the
    // slow path, which changes only tabs and line ends (a cheaper test to vectorize
    // than naming the three).
    if !any_byte(raw.as_bytes(), |b| (b == b'&') | (b < 0x20)) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\t', '\n', '\r']) {
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'&' {
            let Some(semi) = rest[i..].find(';') else {
                return Err(XmlError::Malformed {
                    position,
                    reason: format!(
                        "an unterminated reference in the attribute value {:?}",
                        shorten(raw)
                    ),
                });
            };
            let name = &rest[i + 1..i + semi];
            out.push(resolve_reference(name, position)?);
            rest = &rest[i + semi + 1..];
        } else {
            // "\r\n" is one line end, hence one space.
            out.push(' ');
            let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
            rest = &rest[i + skip..];
        }
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// The character a reference (`name` between `&` and `;`) stands for.
pub(crate) fn resolve_reference(name: &str, position: u64) -> Result<char, XmlError> {
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ if name.starts_with('#') => char_ref(name).ok_or_else(|| XmlError::Malformed {
            position,
            reason: format!("&{}; is not a valid character reference", shorten(name)),
        }),
        _ => Err(XmlError::Entity {
            name: shorten(name),
            position,
        }),
    }
}

fn char_ref(reference: &str) -> Option<char> {
    let digits = reference.strip_prefix('#')?;
    let code = match digits.strip_prefix('x') {
        Some(hex) if !hex.is_empty() && hex.len() <= 8 => u32::from_str_radix(hex, 16).ok()?,
        None if !digits.is_empty() && digits.len() <= 10 => digits.parse::<u32>().ok()?,
        _ => return None,
    };
    char::from_u32(code).filter(|&c| crate::xml::is_xml_char(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(raw: &str) -> Result<Vec<(&str, &str)>, XmlError> {
        Attributes::new(raw, 0).collect()
    }

    #[test]
    fn parses_both_quotes_and_spacing() {
        assert_eq!(
            all(" Id=\"a'b\" ChangeKey = 'c\"d'\n x:y=\"\"/").unwrap(),
            [("Id", "a'b"), ("ChangeKey", "c\"d"), ("x:y", "")]
        );
        assert_eq!(all("").unwrap(), []);
    }

    #[test]
    fn refuses_malformed_attributes() {
        for bad in [
            " a",
            " a=b",
            " a=\"b",
            " a=\"b\"c=\"d\"",
            " =\"x\"",
            " a=\"<\"",
        ] {
            assert!(all(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn normalizes_values() {
        assert_eq!(
            normalize("a&amp;b&#x41;&#66;\r\nc\td", 0).unwrap(),
            "a&bAB c d"
        );
        assert!(matches!(
            normalize("&xxe;", 0),
            Err(XmlError::Entity { .. })
        ));
        assert!(normalize("&#0;", 0).is_err());
        assert!(normalize("&amp", 0).is_err());
        assert!(matches!(normalize("plain", 0).unwrap(), Cow::Borrowed(_)));
    }
}
