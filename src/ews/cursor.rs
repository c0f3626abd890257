//! The reader's low-level cursor over quick-xml events.
//!
//! Adds what the EWS reader needs on top of quick-xml: namespaces classified,
//! empty elements expanded, text chunks and references merged, DOCTYPEs and
//! non-predefined entities refused, and a depth limit. Never panics.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::errors::SyntaxError;
use quick_xml::escape::EscapeError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::ReadError;
use super::error::shorten;
use super::namespaces::{ERRORS, MESSAGES, SOAP, TYPES};

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
    fn classify(result: &ResolveResult<'_>) -> Self {
        match result {
            ResolveResult::Bound(ns) => match ns.into_inner() {
                SOAP => Self::Soap,
                MESSAGES => Self::Messages,
                TYPES => Self::Types,
                ERRORS => Self::Errors,
                other => Self::Other(shorten(other)),
            },
            // An undeclared prefix is reported by the caller through `Ev::Start`.
            ResolveResult::Unbound | ResolveResult::Unknown(_) => Self::None,
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

/// A cursor over one reply.
pub(crate) struct Cursor<'i> {
    text: &'i str,
    reader: NsReader<&'i [u8]>,
    /// Offsets of the `<` of every open element, innermost last.
    open: Vec<usize>,
    max_depth: usize,
}

impl<'i> Cursor<'i> {
    pub(crate) fn new(text: &'i str, max_depth: usize) -> Self {
        let mut reader = NsReader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        Self {
            text,
            reader,
            open: Vec::new(),
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
        let tag = self.text.get(start + 1..)?;
        let end = tag
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(tag.len());
        Some(format!("<{}>", shorten(&tag[..end])))
    }

    /// The next event that matters; comments, processing instructions and the XML
    /// declaration are skipped.
    pub(crate) fn next(&mut self) -> Result<Ev<'i>, ReadError> {
        loop {
            let before = self.position();
            let (ns, event) = match self.reader.read_resolved_event() {
                Ok((ResolveResult::Unknown(prefix), _)) => {
                    return Err(ReadError::Malformed {
                        position: self.position(),
                        reason: format!(
                            "the namespace prefix {:?} is not declared",
                            shorten(&prefix)
                        ),
                    });
                }
                Ok((ns, event)) => (Ns::classify(&ns), event),
                Err(e) => return Err(self.malformed(&e)),
            };
            return Ok(match event {
                Event::Start(start) => {
                    if self.open.len() == self.max_depth {
                        return Err(ReadError::TooDeep {
                            limit: self.max_depth,
                            position: self.position(),
                        });
                    }
                    self.open
                        .push(usize::try_from(before).unwrap_or(usize::MAX));
                    Ev::Start(ns, start)
                }
                Event::End(_) => {
                    self.open.pop();
                    Ev::End
                }
                Event::Empty(_) => {
                    // expand_empty_elements is on, so this never comes; refuse it
                    // rather than lose an End.
                    return Err(ReadError::Malformed {
                        position: self.position(),
                        reason: "unexpected empty-element event".into(),
                    });
                }
                Event::Text(text) => Ev::Text(text.xml10_content()),
                Event::CData(data) => Ev::Text(data.xml10_content()),
                Event::GeneralRef(reference) => Ev::Text(Cow::Owned(self.resolve(&reference)?)),
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

    /// A reference in text: a character reference or one of the five predefined
    /// entities. Anything else is refused, never expanded.
    fn resolve(&self, reference: &str) -> Result<String, ReadError> {
        let c = match reference {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ if reference.starts_with('#') => {
                char_ref(reference).ok_or_else(|| ReadError::Malformed {
                    position: self.position(),
                    reason: format!(
                        "&{}; is not a valid character reference",
                        shorten(reference)
                    ),
                })?
            }
            _ => {
                return Err(ReadError::Entity {
                    name: shorten(reference),
                    position: self.position(),
                });
            }
        };
        Ok(c.to_string())
    }

    fn malformed(&self, e: &quick_xml::Error) -> ReadError {
        let position = self.reader.error_position();
        match e {
            quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                return ReadError::Entity {
                    name: shorten(name),
                    position,
                };
            }
            // Markup left open at the end of the input: the reply was cut short.
            quick_xml::Error::Syntax(syntax)
                if !matches!(syntax, SyntaxError::InvalidBangMarkup) =>
            {
                return ReadError::Truncated {
                    position: self.text.len() as u64,
                    inside: self.inside("the prolog"),
                };
            }
            _ => {}
        }
        ReadError::Malformed {
            position,
            reason: shorten_reason(&e.to_string()),
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
    for attr in start.attributes() {
        let attr = attr.map_err(|e| ReadError::Malformed {
            position,
            reason: shorten_reason(&e.to_string()),
        })?;
        if attr.key.into_inner() == name {
            return attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(Some)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, entity)) => {
                        ReadError::Entity {
                            name: shorten(&entity),
                            position,
                        }
                    }
                    other => ReadError::Malformed {
                        position,
                        reason: shorten_reason(&other.to_string()),
                    },
                });
        }
    }
    Ok(None)
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

fn char_ref(reference: &str) -> Option<char> {
    let digits = reference.strip_prefix('#')?;
    let code = match digits.strip_prefix('x') {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u32>().ok()?,
    };
    char::from_u32(code).filter(|&c| crate::compose::is_xml_char(c))
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
