//! A small element tree over an Autodiscover response, and the escaping the
//! request writers need.
//!
//! Autodiscover responses are small (a few kilobytes) and their readers look
//! elements up by local name, so a tree is the simplest reading. Limits: the
//! body size is capped by the caller, nesting by [`MAX_DEPTH`]; a DTD is refused.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// How deep a response may nest elements.
const MAX_DEPTH: usize = 32;

/// One element: namespace, local name, text content and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) ns: String,
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
pub(crate) fn parse(body: &[u8]) -> Result<Element, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the response is not UTF-8: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("the response is not well-formed XML: {e}"))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err("the response has content after its root element".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("elements nest deeper than {MAX_DEPTH} levels"));
                }
                let ns = match ns {
                    ResolveResult::Bound(n) => n.as_ref().to_owned(),
                    _ => String::new(),
                };
                let name = start.local_name().as_ref().to_owned();
                stack.push(Element {
                    ns,
                    name,
                    ..Element::default()
                });
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err("an end tag without a start tag".into());
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(c) => push_text(&mut stack, &c.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r
                    .resolve_char_ref()
                    .map_err(|e| format!("a bad character reference: {e}"))?
                {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&r)
                        .ok_or_else(|| format!("the entity '&{};' is not defined", &*r))?
                        .to_owned(),
                };
                push_text(&mut stack, &resolved);
            }
            Event::DocType(_) => return Err("a DTD is not allowed in a response".into()),
            Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("the response ends inside an element".into());
    }
    root.ok_or_else(|| "the response has no root element".into())
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(current) = stack.last_mut() {
        current.text.push_str(text);
    }
}

/// `text` escaped for XML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_tree_with_entities_and_namespaces() {
        let root = parse(
            br#"<?xml version="1.0"?><a:R xmlns:a="urn:x"><B>x &amp; y</B><C/><B>z</B></a:R>"#,
        )
        .unwrap();
        assert_eq!(root.ns, "urn:x");
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
            b"",
            b"\xff\xfe",
            b"<a></a><b></b>",
        ] {
            assert!(parse(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
