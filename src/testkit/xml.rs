//! A flat token stream over a request body, and a cursor that walks it.
//!
//! quick-xml reads the body once (streaming, namespaces resolved); the result is a
//! list of start tags, end tags and texts, not a tree. The request parsers walk it
//! with [`Cursor`], checking names and order as they go.

use std::borrow::Cow;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::soap_in::InError;

/// SOAP 1.1 envelope namespace.
pub(crate) const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// EWS messages namespace (`m:`).
pub(crate) const M_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";
/// EWS types namespace (`t:`).
pub(crate) const T_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/types";
/// EWS errors namespace (`e:`), used in fault details.
pub(crate) const E_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/errors";

/// How deep a request may nest elements before it is refused.
const MAX_DEPTH: usize = 64;

/// A start tag: its namespace, local name and unprefixed attributes.
#[derive(Debug, Clone)]
pub(crate) struct El {
    pub(crate) ns: Cow<'static, str>,
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
}

impl El {
    /// The value of the unprefixed attribute `name`.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is `{ns}name`.
    pub(crate) fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }
}

/// One token of the stream.
#[derive(Debug, Clone)]
pub(crate) enum Tok {
    Start(El),
    End,
    Text(String),
}

/// Reads `body` into tokens. Whitespace-only text is dropped; comments, processing
/// instructions and the XML declaration are skipped; a DTD is refused.
pub(crate) fn tokenize(body: &[u8]) -> Result<Vec<Tok>, InError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| InError::Malformed(format!("the request is not UTF-8: {e}")))?;
    let mut reader = NsReader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    // About one token per tag and one per text: sized once, so that a large
    // request's token list is not copied over and over as it grows.
    let tags = body.iter().filter(|&&b| b == b'<').count();
    let mut toks = Vec::with_capacity(tags + tags / 2);
    let mut depth = 0usize;
    let mut pending = String::new();
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| InError::Malformed(format!("the request is not well-formed XML: {e}")))?;
        // The namespaces EWS uses are shared constants: no allocation per element.
        let ns: Cow<'static, str> = match ns {
            ResolveResult::Bound(n) => match n.as_ref() {
                b if b == SOAP_NS => Cow::Borrowed(SOAP_NS),
                b if b == M_NS => Cow::Borrowed(M_NS),
                b if b == T_NS => Cow::Borrowed(T_NS),
                b if b == E_NS => Cow::Borrowed(E_NS),
                other => Cow::Owned(other.to_owned()),
            },
            ResolveResult::Unbound => Cow::Borrowed(""),
            ResolveResult::Unknown(p) => {
                return Err(InError::Malformed(format!(
                    "the namespace prefix '{}' is not declared",
                    p
                )));
            }
        };
        match event {
            Event::Start(start) => {
                flush_text(&mut pending, &mut toks);
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(InError::Malformed(format!(
                        "elements nest deeper than {MAX_DEPTH} levels"
                    )));
                }
                let name = start.local_name().as_ref().to_owned();
                let mut attrs = Vec::new();
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| {
                        InError::Malformed(format!("a bad attribute on '{name}': {e}"))
                    })?;
                    let key = attr.key;
                    if key.as_namespace_binding().is_some() || key.prefix().is_some() {
                        continue;
                    }
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| {
                            InError::Malformed(format!("a bad attribute value on '{name}': {e}"))
                        })?;
                    attrs.push((key.local_name().as_ref().to_owned(), value.into_owned()));
                }
                toks.push(Tok::Start(El { ns, name, attrs }));
            }
            Event::End(_) => {
                flush_text(&mut pending, &mut toks);
                depth = depth.saturating_sub(1);
                toks.push(Tok::End);
            }
            Event::Text(t) => pending.push_str(&t.xml10_content()),
            Event::CData(c) => pending.push_str(&c.xml10_content()),
            Event::GeneralRef(r) => {
                if let Some(c) = r
                    .resolve_char_ref()
                    .map_err(|e| InError::Malformed(format!("a bad character reference: {e}")))?
                {
                    pending.push(c);
                } else if let Some(s) = resolve_predefined_entity(&r) {
                    pending.push_str(s);
                } else {
                    return Err(InError::Malformed(format!(
                        "the entity '&{};' is not defined",
                        &*r
                    )));
                }
            }
            Event::DocType(_) => {
                return Err(InError::Malformed(
                    "a DTD is not allowed in a SOAP request".into(),
                ));
            }
            Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if depth != 0 {
        return Err(InError::Malformed(
            "the request ends inside an element".into(),
        ));
    }
    Ok(toks)
}

fn flush_text(pending: &mut String, toks: &mut Vec<Tok>) {
    if !pending.trim().is_empty() {
        toks.push(Tok::Text(std::mem::take(pending)));
    } else {
        pending.clear();
    }
}

/// Walks a token stream. After [`Cursor::child`] returns an element, the caller
/// reads its content with [`Cursor::child`]/[`Cursor::text`]/[`Cursor::skip`], each of
/// which consumes the element's end tag when it is done.
pub(crate) struct Cursor<'a> {
    toks: &'a [Tok],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(toks: &'a [Tok]) -> Self {
        Self { toks, pos: 0 }
    }

    /// The next top-level element of the document.
    pub(crate) fn root(&mut self) -> Result<El, InError> {
        match self.toks.first() {
            Some(Tok::Start(el)) => {
                self.pos = 1;
                Ok(el.clone())
            }
            _ => Err(InError::Malformed("the request has no root element".into())),
        }
    }

    /// The next child element of the current element, or `None` after consuming
    /// the current element's end tag. Text between child elements is an error.
    pub(crate) fn child(&mut self, parent: &str) -> Result<Option<El>, InError> {
        match self.toks.get(self.pos) {
            Some(Tok::Start(el)) => {
                self.pos += 1;
                Ok(Some(el.clone()))
            }
            Some(Tok::End) => {
                self.pos += 1;
                Ok(None)
            }
            Some(Tok::Text(_)) => Err(InError::Schema(format!(
                "The element '{parent}' cannot contain text."
            ))),
            None => Err(InError::Malformed(
                "the request ends inside an element".into(),
            )),
        }
    }

    /// The text content of the current element (which must have no child elements).
    pub(crate) fn text(&mut self, element: &str) -> Result<String, InError> {
        let mut out = String::new();
        loop {
            match self.toks.get(self.pos) {
                Some(Tok::Text(t)) => {
                    out.push_str(t);
                    self.pos += 1;
                }
                Some(Tok::End) => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(Tok::Start(el)) => {
                    return Err(InError::Schema(format!(
                        "The element '{element}' cannot contain child element '{}'.",
                        el.name
                    )));
                }
                None => {
                    return Err(InError::Malformed(
                        "the request ends inside an element".into(),
                    ));
                }
            }
        }
    }

    /// Skips the rest of the current element, whatever it holds.
    pub(crate) fn skip(&mut self) {
        let mut depth = 1usize;
        while let Some(tok) = self.toks.get(self.pos) {
            self.pos += 1;
            match tok {
                Tok::Start(_) => depth += 1,
                Tok::End => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                Tok::Text(_) => {}
            }
        }
    }

    /// Whether anything follows the root element (which would be malformed).
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }
}

/// Checks that children come in schema order: `order` lists the allowed names,
/// each with whether it may repeat.
pub(crate) struct Sequence<'s> {
    parent: &'s str,
    ns: &'s str,
    order: &'s [(&'s str, bool)],
    last: Option<usize>,
    seen: Vec<bool>,
}

impl<'s> Sequence<'s> {
    pub(crate) fn new(parent: &'s str, ns: &'s str, order: &'s [(&'s str, bool)]) -> Self {
        Self {
            parent,
            ns,
            order,
            last: None,
            seen: vec![false; order.len()],
        }
    }

    /// Accepts `el` as the next child, or explains why the schema refuses it.
    pub(crate) fn accept(&mut self, el: &El) -> Result<(), InError> {
        let index = self
            .order
            .iter()
            .position(|(n, _)| *n == el.name)
            .filter(|_| el.ns == self.ns);
        let ok = match (index, self.last) {
            (None, _) => false,
            (Some(i), None) => {
                self.last = Some(i);
                true
            }
            (Some(i), Some(last)) => {
                let repeat_ok = i == last && self.order[i].1;
                if i > last || repeat_ok {
                    self.last = Some(i);
                    true
                } else {
                    false
                }
            }
        };
        if let Some(i) = index.filter(|_| ok) {
            self.seen[i] = true;
            return Ok(());
        }
        let expected: Vec<&str> = match self.last {
            Some(l) => self.order[l + 1..].iter().map(|(n, _)| *n).collect(),
            None => self.order.iter().map(|(n, _)| *n).collect(),
        };
        Err(InError::Schema(format!(
            "The element '{}' has invalid child element '{}' in namespace '{}'. \
             List of possible elements expected: '{}'.",
            self.parent,
            el.name,
            el.ns,
            expected.join(", ")
        )))
    }

    /// Fails unless the required child `name` was seen.
    pub(crate) fn require(&self, name: &str) -> Result<(), InError> {
        let seen = self
            .order
            .iter()
            .position(|(n, _)| *n == name)
            .is_some_and(|i| self.seen[i]);
        if seen {
            Ok(())
        } else {
            Err(InError::Schema(format!(
                "The element '{}' has incomplete content. \
                 List of possible elements expected: '{name}' in namespace '{}'.",
                self.parent, self.ns
            )))
        }
    }
}

/// Parses an `xs:boolean`.
pub(crate) fn parse_bool(element: &str, value: &str) -> Result<bool, InError> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(InError::Schema(format!(
            "The '{element}' element is invalid - The value '{other}' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:boolean'."
        ))),
    }
}

/// Refuses `value` unless it is one of `allowed` (an XSD enumeration).
pub(crate) fn check_enum<'v>(
    what: &str,
    value: &'v str,
    allowed: &[&str],
) -> Result<&'v str, InError> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(InError::Schema(format!(
            "The '{what}' value '{value}' is invalid - the Enumeration constraint failed."
        )))
    }
}
