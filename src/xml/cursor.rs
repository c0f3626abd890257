//! The crate's XML reader: a cursor over quick-xml events.
//!
//! Adds what the EWS reply reader and the Autodiscover response reader need on top
//! of quick-xml's raw reader: namespaces
//! resolved and classified (a small resolver that only looks at attributes when a
//! tag declares a namespace), empty elements reported as start + end, text chunks and
//! references merged, DOCTYPEs and entities other than the predefined ones refused,
//! and limits on depth and namespace declarations. Never panics.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::errors::SyntaxError;
use quick_xml::events::{BytesStart, Event};

use super::attributes::{Attributes, normalize, resolve_reference};
use super::error::XmlError;
use super::error::shorten;
use super::namespaces::{ERRORS, MESSAGES, SOAP, TYPES, XML};
use super::start_tag::{TagAttributes, duplicate, split_qname};

/// Most namespace declarations in scope at once (EWS replies use fewer than ten).
const MAX_BINDINGS: usize = 64;

/// The namespace of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ns {
    Soap,
    Messages,
    Types,
    Errors,
    /// No namespace.
    None,
    /// The XML namespace (prefix `xml`, predeclared).
    Xml,
    /// Another namespace.
    Other(String),
}

/// The namespace the `xml` prefix is bound to without any declaration.
const XML_NS: Ns = Ns::Xml;

impl Ns {
    fn classify(uri: &str) -> Self {
        match uri {
            SOAP => Self::Soap,
            MESSAGES => Self::Messages,
            TYPES => Self::Types,
            ERRORS => Self::Errors,
            XML => Self::Xml,
            "" => Self::None,
            other => Self::Other(shorten(other)),
        }
    }
}

/// One event, as the reader sees it.
pub(crate) enum Ev<'i> {
    /// An element starts (empty elements too: an `End` follows).
    Start(Ns, BytesStart<'i>),
    /// The current element ends.
    End,
    /// Text (character data, CDATA, or one resolved reference).
    Text(Cow<'i, str>),
    /// End of input.
    Eof,
}

/// A namespace declaration in scope.
struct Binding {
    /// The prefix; empty for the default namespace.
    prefix: String,
    ns: Ns,
    /// The depth of the element that declared it.
    depth: usize,
}

/// A cursor over one reply.
pub(crate) struct Cursor<'i> {
    text: &'i str,
    reader: Reader<&'i [u8]>,
    /// Offsets of the `<` of every open element, innermost last.
    open: Vec<usize>,
    bindings: Vec<Binding>,
    /// The last event was an empty element: report its end next.
    pending_end: bool,
    max_depth: usize,
    /// The attributes of the latest start tag.
    attrs: TagAttributes,
}

impl<'i> Cursor<'i> {
    pub(crate) fn new(text: &'i str, max_depth: usize) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        Self {
            text,
            reader,
            open: Vec::new(),
            bindings: Vec::new(),
            pending_end: false,
            max_depth,
            attrs: TagAttributes::default(),
        }
    }

    /// Byte offset after the last event.
    pub(crate) fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// Current element depth (0 outside the root).
    pub(crate) fn depth(&self) -> usize {
        self.open.len()
    }

    /// The qualified name of the innermost open element, as written.
    fn innermost(&self) -> Option<String> {
        let start = *self.open.last()?;
        let tag = self.text.get(start.saturating_add(1)..)?;
        let end = tag
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(tag.len());
        Some(format!("<{}>", shorten(&tag[..end])))
    }

    /// The next event that matters; comments, processing instructions and the XML
    /// declaration are skipped.
    pub(crate) fn next(&mut self) -> Result<Ev<'i>, XmlError> {
        if self.pending_end {
            self.pending_end = false;
            self.close();
            return Ok(Ev::End);
        }
        loop {
            let before = self.position();
            let event = self.reader.read_event().map_err(|e| self.malformed(&e))?;
            return Ok(match event {
                Event::Start(start) => self.open(start, before)?,
                Event::Empty(start) => {
                    let ev = self.open(start, before)?;
                    self.pending_end = true;
                    ev
                }
                Event::End(_) => {
                    self.close();
                    Ev::End
                }
                Event::Text(text) => Ev::Text(text.xml10_content()),
                Event::CData(data) => Ev::Text(data.xml10_content()),
                Event::GeneralRef(reference) => {
                    let c = resolve_reference(&reference, self.position())?;
                    Ev::Text(Cow::Owned(c.to_string()))
                }
                Event::DocType(_) => {
                    return Err(XmlError::Doctype {
                        position: self.position(),
                    });
                }
                // The XML declaration may only open the document.
                Event::Decl(_) if before != 0 => {
                    return Err(XmlError::Malformed {
                        position: before,
                        reason: "an XML declaration (<?xml ...?>) is allowed only at the very \
                                 start of the reply"
                            .into(),
                    });
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => continue,
                Event::Eof => Ev::Eof,
            });
        }
    }

    /// An element starts: depth, attributes (well-formed, unique, namespace
    /// declarations recorded, prefixes declared), its namespace.
    fn open(&mut self, start: BytesStart<'i>, before: u64) -> Result<Ev<'i>, XmlError> {
        if self.open.len() == self.max_depth {
            return Err(XmlError::TooDeep {
                limit: self.max_depth,
                position: self.position(),
            });
        }
        self.open
            .push(usize::try_from(before).unwrap_or(usize::MAX));
        let depth = self.open.len();
        // "" or "/" (an empty tag) or " " when the tag has no attributes.
        if start.attributes_raw().len() > 1 {
            self.check_attributes(&start, depth)?;
        } else {
            self.attrs.none(start.attributes_raw());
        }
        let position = self.position();
        let (prefix, _) = split_qname(start.name().into_inner(), position)?;
        let ns = match self.resolve(prefix) {
            Some(ns) => ns.clone(),
            None if prefix.is_empty() => Ns::None,
            None if prefix == "xml" => Ns::Xml,
            None => {
                return Err(XmlError::Malformed {
                    position,
                    reason: format!("the namespace prefix {:?} is not declared", shorten(prefix)),
                });
            }
        };
        Ok(Ev::Start(ns, start))
    }

    /// The namespace bound to `prefix` (empty: the default namespace) in scope.
    fn resolve(&self, prefix: &str) -> Option<&Ns> {
        self.bindings
            .iter()
            .rev()
            .find(|b| b.prefix == prefix)
            .map(|b| &b.ns)
    }

    /// Parses every attribute of `start` once (so a malformed or repeated one is
    /// refused even on an element the reader skips), records its `xmlns` and
    /// `xmlns:p` declarations, and refuses an attribute prefix that is not
    /// declared and two prefixed attributes that are one (two prefixes of one
    /// namespace, same local name).
    fn check_attributes(&mut self, start: &BytesStart<'_>, depth: usize) -> Result<(), XmlError> {
        let position = self.position();
        let raw = start.attributes_raw();
        let element = start.name().into_inner();
        let mut attrs = std::mem::take(&mut self.attrs);
        let checked = attrs.parse(raw, element, position).and_then(|()| {
            // Most tags have neither a declaration nor a prefixed attribute.
            if attrs.qualified() {
                self.bind(&attrs, raw, element, position, depth)
            } else {
                Ok(())
            }
        });
        self.attrs = attrs;
        checked
    }

    fn bind(
        &mut self,
        attrs: &TagAttributes,
        raw: &str,
        element: &str,
        position: u64,
        depth: usize,
    ) -> Result<(), XmlError> {
        let mut prefixed = 0usize;
        let Some(all) = attrs.of(raw) else {
            return Ok(());
        };
        for (name, value) in all {
            match split_qname(name, position)? {
                ("", "xmlns") => self.declare("", value, position, depth)?,
                ("xmlns", declared) => {
                    let rule = match declared {
                        _ if value.is_empty() => Some("declared with an empty name"),
                        "xmlns" => Some("reserved and never declared"),
                        "xml" if value != XML => Some("bound to the XML namespace only"),
                        _ => None,
                    };
                    if let Some(rule) = rule {
                        return Err(XmlError::Malformed {
                            position,
                            reason: format!(
                                "the namespace prefix {:?} is {rule}",
                                shorten(declared)
                            ),
                        });
                    }
                    self.declare(declared, value, position, depth)?;
                }
                ("", _) => {}
                _ => prefixed += 1,
            }
        }
        if prefixed == 0 {
            return Ok(());
        }
        let mut seen: Vec<(&str, &str, &Ns)> = Vec::with_capacity(prefixed);
        for (name, _) in attrs.of(raw).into_iter().flatten() {
            let (prefix, local) = split_qname(name, position)?;
            if prefix.is_empty() {
                continue;
            }
            let ns = match prefix {
                "xmlns" => continue,
                "xml" => &XML_NS,
                _ => self.resolve(prefix).ok_or_else(|| XmlError::Malformed {
                    position,
                    reason: format!(
                        "the namespace prefix {:?} of the attribute {:?} is not declared",
                        shorten(prefix),
                        shorten(name)
                    ),
                })?,
            };
            if let Some((other, ..)) = seen.iter().find(|(_, l, n)| *l == local && *n == ns) {
                return Err(duplicate(element, other, name, position));
            }
            seen.push((name, local, ns));
        }
        Ok(())
    }

    /// The value of the unqualified attribute `name` of `start` (the start tag
    /// just read), normalized, if present.
    pub(crate) fn attribute<'a>(
        &self,
        start: &'a BytesStart<'_>,
        name: &str,
    ) -> Result<Option<Cow<'a, str>>, XmlError> {
        let position = self.position();
        for attr in self.attributes_raw(start) {
            let (key, value) = attr?;
            if key == name {
                return normalize(value, position).map(Some);
            }
        }
        Ok(None)
    }

    /// Every attribute of `start` (the start tag just read) except namespace
    /// declarations, normalized.
    pub(crate) fn attributes<'a>(
        &self,
        start: &'a BytesStart<'_>,
    ) -> impl Iterator<Item = Result<(&'a str, Cow<'a, str>), XmlError>> {
        let position = self.position();
        self.attributes_raw(start)
            .filter(|a| {
                a.as_ref()
                    .map_or(true, |(k, _)| *k != "xmlns" && !k.starts_with("xmlns:"))
            })
            .map(move |a| a.and_then(|(k, v)| Ok((k, normalize(v, position)?))))
    }

    /// `(name, raw value)` of every attribute of `start`: from the parse made when
    /// the tag was read, or (for any other tag) parsed again.
    fn attributes_raw<'a>(
        &self,
        start: &'a BytesStart<'_>,
    ) -> impl Iterator<Item = Result<(&'a str, &'a str), XmlError>> {
        let raw = start.attributes_raw();
        let cached = self.attrs.of(raw);
        let again = match cached {
            Some(_) => "",
            None => raw,
        };
        cached
            .into_iter()
            .flatten()
            .map(Ok)
            .chain(Attributes::new(again, self.position()))
    }

    /// Records the declaration of `prefix` (empty: the default namespace) as `raw_uri`.
    fn declare(
        &mut self,
        prefix: &str,
        raw_uri: &str,
        position: u64,
        depth: usize,
    ) -> Result<(), XmlError> {
        if self.bindings.len() == MAX_BINDINGS {
            return Err(XmlError::Malformed {
                position,
                reason: format!("more than {MAX_BINDINGS} namespace declarations in scope"),
            });
        }
        let uri = normalize(raw_uri, position)?;
        self.bindings.push(Binding {
            prefix: prefix.to_owned(),
            ns: Ns::classify(&uri),
            depth,
        });
        Ok(())
    }

    /// The innermost element ends: its namespace declarations go out of scope.
    fn close(&mut self) {
        let depth = self.open.len();
        while self.bindings.last().is_some_and(|b| b.depth >= depth) {
            self.bindings.pop();
        }
        self.open.pop();
    }

    fn malformed(&self, e: &quick_xml::Error) -> XmlError {
        let position = self.reader.error_position();
        match e {
            // Markup left open at the end of the input: the reply was cut short.
            quick_xml::Error::Syntax(syntax)
                if !matches!(syntax, SyntaxError::InvalidBangMarkup) =>
            {
                XmlError::Truncated {
                    position: self.text.len() as u64,
                    inside: self.inside("the prolog"),
                }
            }
            _ => XmlError::Malformed {
                position,
                reason: shorten_reason(&e.to_string()),
            },
        }
    }

    /// The text content of the element just started, up to its end. Child
    /// elements are refused.
    pub(crate) fn text(&mut self, element: &'static str) -> Result<Cow<'i, str>, XmlError> {
        let mut out: Option<Cow<'i, str>> = None;
        loop {
            match self.next()? {
                Ev::Text(t) => match &mut out {
                    None => out = Some(t),
                    Some(acc) => acc.to_mut().push_str(&t),
                },
                Ev::End => return Ok(out.unwrap_or(Cow::Borrowed(""))),
                Ev::Start(ns, start) => {
                    return Err(XmlError::UnexpectedElement {
                        expected: element,
                        found: format!("the child element {} inside it", display_name(&ns, &start)),
                        position: self.position(),
                    });
                }
                Ev::Eof => return Err(self.truncated(element)),
            }
        }
    }

    /// The direct text of the element just started, skipping any child elements.
    pub(crate) fn text_skipping_children(
        &mut self,
        element: &'static str,
    ) -> Result<String, XmlError> {
        let mut out = String::new();
        loop {
            match self.next()? {
                Ev::Text(t) => out.push_str(&t),
                Ev::End => return Ok(out),
                Ev::Start(..) => self.skip(element)?,
                Ev::Eof => return Err(self.truncated(element)),
            }
        }
    }

    /// Skips the rest of the element just started, up to and including its end.
    pub(crate) fn skip(&mut self, inside: &'static str) -> Result<(), XmlError> {
        let target = self.depth().saturating_sub(1);
        loop {
            match self.next()? {
                Ev::End if self.depth() == target => return Ok(()),
                Ev::Eof => return Err(self.truncated(inside)),
                _ => {}
            }
        }
    }

    /// The input ended inside the innermost open element (`outside`: when none is open).
    pub(crate) fn truncated<E: From<XmlError>>(&self, outside: &'static str) -> E {
        XmlError::Truncated {
            position: self.position(),
            inside: self.inside(outside),
        }
        .into()
    }

    fn inside(&self, outside: &'static str) -> String {
        self.innermost().unwrap_or_else(|| outside.to_owned())
    }

    pub(crate) fn unexpected<E: From<XmlError>>(
        &self,
        expected: &'static str,
        ns: &Ns,
        start: &BytesStart<'_>,
    ) -> E {
        XmlError::UnexpectedElement {
            expected,
            found: display_name(ns, start),
            position: self.position(),
        }
        .into()
    }
}

/// The local name of an element.
pub(crate) fn local<'a>(start: &'a BytesStart<'_>) -> &'a str {
    start.local_name().into_inner()
}

/// `{namespace}local` or `local` for error messages.
pub(crate) fn display_name(ns: &Ns, start: &BytesStart<'_>) -> String {
    let local = shorten(local(start));
    match ns {
        Ns::Soap => format!("soap:{local}"),
        Ns::Messages => format!("m:{local}"),
        Ns::Types => format!("t:{local}"),
        Ns::Errors => format!("e:{local}"),
        Ns::Xml => format!("xml:{local}"),
        Ns::None => format!("{local} (no namespace)"),
        Ns::Other(uri) => format!("{{{uri}}}{local}"),
    }
}

fn shorten_reason(reason: &str) -> String {
    const MAX: usize = 200;
    if reason.len() <= MAX {
        return reason.to_owned();
    }
    let mut cut = MAX;
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &reason[..cut])
}
