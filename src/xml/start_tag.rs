//! The attributes of the start tag just read: parsed once when the tag is read
//! (so a malformed or repeated attribute is refused on any element, read or
//! skipped), then handed to the parser from that one parse.

use super::attributes::Attributes;
use super::error::XmlError;
use super::error::shorten;

/// Up to this many attributes, a new name is compared with each earlier one;
/// beyond, the names are sorted once (a hostile tag with many attributes costs
/// `n log n`, not `n²`).
const LINEAR_CHECK: usize = 8;

/// Where one attribute's name and raw value lie in the tag's raw attribute text.
#[derive(Debug, Clone, Copy)]
struct Span {
    name: (usize, usize),
    value: (usize, usize),
}

/// The parsed attributes of the latest start tag.
#[derive(Debug, Default)]
pub(crate) struct TagAttributes {
    spans: Vec<Span>,
    /// Address and length of the raw text the spans index, so a lookup for
    /// another tag is never answered from them.
    key: (usize, usize),
    /// Some attribute is a namespace declaration or has a prefix.
    qualified: bool,
}

impl TagAttributes {
    /// Parses `raw`, the attribute text of the start tag `element` read at
    /// `position`: every attribute well-formed, no name given twice.
    pub(crate) fn parse(
        &mut self,
        raw: &str,
        element: &str,
        position: u64,
    ) -> Result<(), XmlError> {
        self.spans.clear();
        self.key = key(raw);
        self.qualified = false;
        let base = raw.as_ptr() as usize;
        for attr in Attributes::new(raw, position) {
            let (name, value) = attr?;
            let (prefix, _) = split_qname(name, position)?;
            self.qualified |= !prefix.is_empty() || name == "xmlns";
            let offset = |s: &str| {
                let start = s.as_ptr() as usize - base;
                (start, start + s.len())
            };
            if self.spans.len() < LINEAR_CHECK
                && self.spans.iter().any(|s| slice(raw, s.name) == name)
            {
                return Err(duplicate(element, name, name, position));
            }
            self.spans.push(Span {
                name: offset(name),
                value: offset(value),
            });
        }
        if self.spans.len() > LINEAR_CHECK {
            let mut names: Vec<&str> = self.spans.iter().map(|s| slice(raw, s.name)).collect();
            names.sort_unstable();
            if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
                return Err(duplicate(element, pair[0], pair[0], position));
            }
        }
        Ok(())
    }

    /// Forgets the attributes: the latest tag (with attribute text `raw`) has none.
    pub(crate) fn none(&mut self, raw: &str) {
        self.spans.clear();
        self.key = key(raw);
        self.qualified = false;
    }

    /// Whether some attribute is a namespace declaration or has a prefix.
    pub(crate) fn qualified(&self) -> bool {
        self.qualified
    }

    /// `(name, raw value)` of each attribute, when `raw` is the attribute text
    /// they were parsed from; `None` for another tag's text.
    pub(crate) fn of<'a>(&self, raw: &'a str) -> Option<impl Iterator<Item = (&'a str, &'a str)>> {
        (key(raw) == self.key).then(|| {
            self.spans
                .iter()
                .map(move |s| (slice(raw, s.name), slice(raw, s.value)))
        })
    }
}

/// The error for an attribute given twice: `first` and `second` are its names as
/// written (the same, or two prefixes of one namespace).
pub(crate) fn duplicate(element: &str, first: &str, second: &str, position: u64) -> XmlError {
    let element = shorten(element);
    let reason = if first == second {
        format!(
            "the attribute {:?} appears more than once on <{element}>",
            shorten(first)
        )
    } else {
        format!(
            "the attributes {:?} and {:?} on <{element}> are one attribute (both prefixes name \
             the same namespace), so it appears more than once",
            shorten(first),
            shorten(second)
        )
    };
    XmlError::Malformed { position, reason }
}

/// `(prefix, local)` of a qualified name (`local` alone: prefix `""`); a name
/// with an empty prefix or local part, or two colons, is refused.
#[inline]
pub(crate) fn split_qname(name: &str, position: u64) -> Result<(&str, &str), XmlError> {
    // Names are short: a plain loop beats a searcher's setup.
    let bytes = name.as_bytes();
    let Some(colon) = bytes.iter().position(|&b| b == b':') else {
        return Ok(("", name));
    };
    if colon == 0 || colon + 1 == bytes.len() || bytes[colon + 1..].contains(&b':') {
        return Err(XmlError::Malformed {
            position,
            reason: format!(
                "{:?} is not a qualified name (prefix:local, one colon at most)",
                shorten(name)
            ),
        });
    }
    Ok((&name[..colon], &name[colon + 1..]))
}

fn key(raw: &str) -> (usize, usize) {
    (raw.as_ptr() as usize, raw.len())
}

/// `raw[start..end]`; empty if out of range (never: spans come from `raw`).
fn slice(raw: &str, (start, end): (usize, usize)) -> &str {
    raw.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Vec<(String, String)>, XmlError> {
        let mut attrs = TagAttributes::default();
        attrs.parse(raw, "e", 0)?;
        Ok(attrs
            .of(raw)
            .map(|i| i.map(|(n, v)| (n.to_owned(), v.to_owned())).collect())
            .unwrap_or_default())
    }

    #[test]
    fn keeps_every_attribute_in_order() {
        assert_eq!(
            parse(" a=\"1\" b='2'/").unwrap(),
            [("a".into(), "1".into()), ("b".into(), "2".into())]
        );
    }

    #[test]
    fn refuses_a_name_given_twice_however_many_attributes() {
        assert!(parse(" a=\"1\" a=\"2\"").is_err());
        let many: String = (0..40).map(|i| format!(" a{i}=\"\"")).collect();
        assert!(parse(&many).is_ok());
        assert!(parse(&format!("{many} a17=\"x\"")).is_err());
    }

    #[test]
    fn answers_only_for_the_text_it_parsed() {
        let mut attrs = TagAttributes::default();
        let raw = String::from(" a=\"1\"");
        attrs.parse(&raw, "e", 0).unwrap();
        let other = raw.clone();
        assert!(attrs.of(&other).is_none());
        assert!(attrs.of(&raw).is_some());
    }
}
