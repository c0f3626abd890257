//! A small element tree over a short document, read with the crate's cursor.
//!
//! Autodiscover responses are small (a few kilobytes) and their readers look
//! elements up by local name, so a tree is the simplest reading. The cursor does
//! the XML: a DTD or an undeclared prefix is refused, only the predefined entities
//! and character references are resolved, nesting is bounded by [`MAX_DEPTH`].
//! The body size is capped by the caller.

use super::cursor::{Cursor, Ev, local};

/// How deep a document may nest elements.
const MAX_DEPTH: usize = 32;

/// One element: local name, text content and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
}

impl Element {
    /// The first child named `name` (local name).
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The path of children `names`, from this element.
    pub(crate) fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |el, name| el.child(name))
    }

    /// The trimmed text of the child `name`, if present and not empty.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }
}

/// Reads `body` into its root element.
///
/// # Errors
/// A short description of what is wrong: not UTF-8, not well-formed, a DTD,
/// nesting too deep, no root element.
pub(crate) fn tree(body: &[u8]) -> Result<Element, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the response is not UTF-8: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut cursor = Cursor::new(text, MAX_DEPTH);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        match cursor.next().map_err(|e| e.to_string())? {
            Ev::Start(_, start) => {
                if root.is_some() {
                    return Err("the response has content after its root element".into());
                }
                stack.push(Element {
                    name: local(&start).to_owned(),
                    ..Element::default()
                });
            }
            Ev::End => {
                let Some(done) = stack.pop() else {
                    return Err("an end tag without a start tag".into());
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Ev::Text(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&t);
                }
            }
            Ev::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("the response ends inside an element".into());
    }
    root.ok_or_else(|| "the response has no root element".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_tree_with_entities_and_namespaces() {
        let root = tree(
            br#"<?xml version="1.0"?><a:R xmlns:a="urn:x"><B>x &amp; y</B><C/><B>z</B></a:R>"#,
        )
        .unwrap();
        assert_eq!(root.name, "R");
        assert_eq!(root.child_text("B"), Some("x & y"));
        assert_eq!(root.children_named("B").count(), 2);
        assert_eq!(root.child_text("C"), None);
    }

    #[test]
    fn refuses_bad_documents() {
        for body in [
            &b"<a><b></a>"[..],
            b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",
            b"<a>&e;</a>",
            b"",
            b"\xff\xfe",
            b"<a></a><b></b>",
            b"<a><b>",
        ] {
            assert!(tree(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(tree(deep.as_bytes()).is_err());
    }
}
