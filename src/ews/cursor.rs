//! The reader's low-level cursor over quick-xml events.
//!
//! Adds what the EWS reader needs on top of quick-xml's raw reader: namespaces
//! resolved and classified (a small resolver that only looks at attributes when a
//! tag declares a namespace), empty elements reported as start + end, text chunks and
//! references merged, DOCTYPEs and entities other than the predefined ones refused,
//! and limits on depth and namespace declarations. Never panics.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::errors::SyntaxError;
use quick_xml::events::{BytesStart, Event};

use super::ReadError;
use super::attributes::{Attributes, normalize, resolve_reference};
use super::error::shorten;
use super::namespaces::{ERRORS, MESSAGES, SOAP, TYPES};

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
    /// Another namespace.
    Other(String),
}

impl Ns {
    fn classify(uri: &str) -> Self {
        match uri {
            SOAP => Self::Soap,
            MESSAGES => Self::Messages,
            TYPES => Self::Types,
            ERRORS => Self::Errors,
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
    pub(crate) fn next(&mut self) -> Result<Ev<'i>, ReadError> {
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
                    return Err(ReadError::Doctype {
                        position: self.position(),
                    });
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => continue,
                Event::Eof => Ev::Eof,
            });
        }
    }

    /// An element starts: depth, namespace declarations, its namespace.
    fn open(&mut self, start: BytesStart<'i>, before: u64) -> Result<Ev<'i>, ReadError> {
        if self.open.len() == self.max_depth {
            return Err(ReadError::TooDeep {
                limit: self.max_depth,
                position: self.position(),
            });
        }
        self.open
            .push(usize::try_from(before).unwrap_or(usize::MAX));
        let depth = self.open.len();
        if start.attributes_raw().contains("xmlns") {
            self.declare(&start, depth)?;
        }
        let name = start.name().into_inner();
        let (prefix, _) = name.split_once(':').unwrap_or(("", name));
        let ns = match self.bindings.iter().rev().find(|b| b.prefix == prefix) {
            Some(binding) => binding.ns.clone(),
            None if prefix.is_empty() => Ns::None,
            None => {
                return Err(ReadError::Malformed {
                    position: self.position(),
                    reason: format!("the namespace prefix {:?} is not declared", shorten(prefix)),
                });
            }
        };
        Ok(Ev::Start(ns, start))
    }

    /// Records the `xmlns` and `xmlns:p` declarations of `start`.
    fn declare(&mut self, start: &BytesStart<'_>, depth: usize) -> Result<(), ReadError> {
        let position = self.position();
        for attr in Attributes::new(start.attributes_raw(), position) {
            let (name, value) = attr?;
            let prefix = match name.strip_prefix("xmlns") {
                Some("") => "",
                Some(p) if p.starts_with(':') && p.len() > 1 => &p[1..],
                _ => continue,
            };
            if self.bindings.len() == MAX_BINDINGS {
                return Err(ReadError::Malformed {
                    position,
                    reason: format!("more than {MAX_BINDINGS} namespace declarations in scope"),
                });
            }
            let uri = normalize(value, position)?;
            self.bindings.push(Binding {
                prefix: prefix.to_owned(),
                ns: Ns::classify(&uri),
                depth,
            });
        }
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

    fn malformed(&self, e: &quick_xml::Error) -> ReadError {
        let position = self.reader.error_position();
        match e {
            // Markup left open at the end of the input: the reply was cut short.
            quick_xml::Error::Syntax(syntax)
                if !matches!(syntax, SyntaxError::InvalidBangMarkup) =>
            {
                ReadError::Truncated {
                    position: self.text.len() as u64,
                    inside: self.inside("the prolog"),
                }
            }
            _ => ReadError::Malformed {
                position,
                reason: shorten_reason(&e.to_string()),
            },
        }
    }

    /// The text content of the element just started, up to its end. Child
    /// elements are refused.
    pub(crate) fn text(&mut self, element: &'static str) -> Result<Cow<'i, str>, ReadError> {
        let mut out: Option<Cow<'i, str>> = None;
        loop {
            match self.next()? {
                Ev::Text(t) => match &mut out {
                    None => out = Some(t),
                    Some(acc) => acc.to_mut().push_str(&t),
                },
                Ev::End => return Ok(out.unwrap_or(Cow::Borrowed(""))),
                Ev::Start(ns, start) => {
                    return Err(ReadError::UnexpectedElement {
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
    ) -> Result<String, ReadError> {
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
    pub(crate) fn skip(&mut self, inside: &'static str) -> Result<(), ReadError> {
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
    pub(crate) fn truncated(&self, outside: &'static str) -> ReadError {
        ReadError::Truncated {
            position: self.position(),
            inside: self.inside(outside),
        }
    }

    fn inside(&self, outside: &'static str) -> String {
        self.innermost().unwrap_or_else(|| outside.to_owned())
    }

    pub(crate) fn unexpected(
        &self,
        expected: &'static str,
        ns: &Ns,
        start: &BytesStart<'_>,
    ) -> ReadError {
        ReadError::UnexpectedElement {
            expected,
            found: display_name(ns, start),
            position: self.position(),
        }
    }
}

/// The local name of an element.
pub(crate) fn local<'a>(start: &'a BytesStart<'_>) -> &'a str {
    start.local_name().into_inner()
}

/// The value of the unqualified attribute `name`, normalized, if present.
pub(crate) fn attribute<'a>(
    start: &'a BytesStart<'_>,
    name: &str,
    position: u64,
) -> Result<Option<Cow<'a, str>>, ReadError> {
    for attr in Attributes::new(start.attributes_raw(), position) {
        let (key, value) = attr?;
        if key == name {
            return normalize(value, position).map(Some);
        }
    }
    Ok(None)
}

/// Every attribute of `start` except namespace declarations, normalized.
pub(crate) fn attributes<'a>(
    start: &'a BytesStart<'_>,
    position: u64,
) -> impl Iterator<Item = Result<(&'a str, Cow<'a, str>), ReadError>> {
    Attributes::new(start.attributes_raw(), position)
        .filter(|a| {
            a.as_ref()
                .map_or(true, |(k, _)| *k != "xmlns" && !k.starts_with("xmlns:"))
        })
        .map(move |a| a.and_then(|(k, v)| Ok((k, normalize(v, position)?))))
}

/// `{namespace}local` or `local` for error messages.
pub(crate) fn display_name(ns: &Ns, start: &BytesStart<'_>) -> String {
    let local = shorten(local(start));
    match ns {
        Ns::Soap => format!("soap:{local}"),
        Ns::Messages => format!("m:{local}"),
        Ns::Types => format!("t:{local}"),
        Ns::Errors => format!("e:{local}"),
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
