//! The reply grammar: envelope, header, body, response messages.

use std::borrow::Cow;

use quick_xml::events::BytesStart;

use super::ReadError;
use super::ResponseCode;
use super::error::shorten;
use super::fault::SoapFault;
use super::read::{Operation, Raw, ReaderLimits};
use super::response::{
    MessageXmlValue, Reply, Response, ResponseClass, ResponseMessage, ServerVersionInfo,
};
use crate::xml::cursor::{Cursor, Ev, Ns, local};

/// Reads one reply for one operation.
pub(super) struct Parser<'i, 'o> {
    pub(super) cursor: Cursor<'i>,
    pub(super) limits: ReaderLimits,
    pub(super) op: &'o Operation,
}

impl<'i, 'o> Parser<'i, 'o> {
    pub(super) fn new(text: &'i str, limits: ReaderLimits, op: &'o Operation) -> Self {
        Self {
            cursor: Cursor::new(text, limits.max_depth),
            limits,
            op,
        }
    }
}

impl Parser<'_, '_> {
    pub(super) fn envelope(mut self) -> Result<Reply<Raw>, ReadError> {
        // The root element.
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Soap, start) if local(&start) == "Envelope" => break,
                Ev::Start(ns, start) => {
                    return Err(self.cursor.unexpected("soap:Envelope", &ns, &start));
                }
                Ev::Text(t) if t.trim().is_empty() => {}
                Ev::Text(_) => {
                    return Err(ReadError::Malformed {
                        position: self.cursor.position(),
                        reason: "text before the root element".into(),
                    });
                }
                Ev::End => unreachable_end(&self.cursor)?,
                Ev::Eof => return Err(self.cursor.truncated("the prolog")),
            }
        }
        let mut server_version = None;
        let mut reply = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Soap, start) if local(&start) == "Header" && reply.is_none() => {
                    server_version = self.header()?;
                }
                Ev::Start(Ns::Soap, start) if local(&start) == "Body" && reply.is_none() => {
                    reply = Some(self.body()?);
                }
                Ev::Start(ns, start) => {
                    return Err(self
                        .cursor
                        .unexpected("soap:Header or soap:Body", &ns, &start));
                }
                Ev::Text(_) => {}
                Ev::End => break,
                Ev::Eof => return Err(self.cursor.truncated("soap:Envelope")),
            }
        }
        loop {
            match self.cursor.next()? {
                Ev::Eof => break,
                Ev::Text(t) if t.trim().is_empty() => {}
                _ => {
                    return Err(ReadError::Malformed {
                        position: self.cursor.position(),
                        reason: "content after the end of soap:Envelope".into(),
                    });
                }
            }
        }
        match reply {
            None => Err(ReadError::MissingElement {
                element: "soap:Body",
                parent: "soap:Envelope",
            }),
            Some(Body::Fault(fault)) => Ok(Reply::Fault(fault)),
            Some(Body::Messages(messages)) => Ok(Reply::Response(Response {
                server_version,
                messages,
            })),
        }
    }

    fn header(&mut self) -> Result<Option<ServerVersionInfo>, ReadError> {
        let mut info = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, start) if local(&start) == "ServerVersionInfo" => {
                    info = Some(self.server_version_info(&start)?);
                    self.cursor.skip("t:ServerVersionInfo")?;
                }
                Ev::Start(..) => self.cursor.skip("soap:Header")?,
                Ev::Text(_) => {}
                Ev::End => return Ok(info),
                Ev::Eof => return Err(self.cursor.truncated("soap:Header")),
            }
        }
    }

    /// Diagnostic only: attributes that are not numbers are left out rather than
    /// failing the whole reply.
    fn server_version_info(&self, start: &BytesStart<'_>) -> Result<ServerVersionInfo, ReadError> {
        let int = |name| -> Result<Option<i32>, ReadError> {
            Ok(self
                .cursor
                .attribute(start, name)?
                .and_then(|v| v.trim().parse().ok()))
        };
        Ok(ServerVersionInfo {
            major_version: int("MajorVersion")?,
            minor_version: int("MinorVersion")?,
            major_build_number: int("MajorBuildNumber")?,
            minor_build_number: int("MinorBuildNumber")?,
            version: self
                .cursor
                .attribute(start, "Version")?
                .map(Cow::into_owned),
        })
    }

    fn body(&mut self) -> Result<Body, ReadError> {
        let mut body = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(ns, start) if body.is_none() => {
                    body = Some(match (&ns, local(&start)) {
                        (Ns::Soap, "Fault") => Body::Fault(self.fault()?),
                        (Ns::Messages, name) if name == self.op.response => {
                            Body::Messages(self.response()?)
                        }
                        _ => {
                            return Err(self.cursor.unexpected(self.op.expected_body, &ns, &start));
                        }
                    });
                }
                Ev::Start(ns, start) => {
                    return Err(self.cursor.unexpected("the end of soap:Body", &ns, &start));
                }
                Ev::Text(_) => {}
                Ev::End => {
                    return body.ok_or(ReadError::MissingElement {
                        element: self.op.expected_body,
                        parent: "soap:Body",
                    });
                }
                Ev::Eof => return Err(self.cursor.truncated("soap:Body")),
            }
        }
    }

    fn response(&mut self) -> Result<Vec<Raw>, ReadError> {
        let mut messages = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Messages, start)
                    if local(&start) == "ResponseMessages" && messages.is_none() =>
                {
                    messages = Some(self.response_messages()?);
                }
                Ev::Start(..) => self.cursor.skip(self.op.response)?,
                Ev::Text(_) => {}
                Ev::End => {
                    return messages.ok_or(ReadError::MissingElement {
                        element: "m:ResponseMessages",
                        parent: self.op.expected_body,
                    });
                }
                Ev::Eof => return Err(self.cursor.truncated(self.op.response)),
            }
        }
    }

    fn response_messages(&mut self) -> Result<Vec<Raw>, ReadError> {
        let mut messages = Vec::new();
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Messages, start) if local(&start) == self.op.message => {
                    if messages.len() == self.limits.max_items {
                        return Err(ReadError::TooManyItems {
                            what: "response messages",
                            limit: self.limits.max_items,
                        });
                    }
                    messages.push(self.message(&start)?);
                }
                Ev::Start(ns, start) => {
                    return Err(self
                        .cursor
                        .unexpected(self.op.expected_message, &ns, &start));
                }
                Ev::Text(_) => {}
                Ev::End => return Ok(messages),
                Ev::Eof => return Err(self.cursor.truncated("m:ResponseMessages")),
            }
        }
    }

    fn message(&mut self, start: &BytesStart<'_>) -> Result<Raw, ReadError> {
        let position = self.cursor.position();
        let class = match self.cursor.attribute(start, "ResponseClass")?.as_deref() {
            Some("Success") => ResponseClass::Success,
            Some("Warning") => ResponseClass::Warning,
            Some("Error") => ResponseClass::Error,
            Some(other) => {
                return Err(ReadError::InvalidValue {
                    what: "ResponseClass",
                    value: shorten(other),
                    rule: "it must be Success, Warning or Error",
                    position,
                });
            }
            None => {
                return Err(ReadError::MissingAttribute {
                    attribute: "ResponseClass",
                    element: self.op.expected_message,
                    position,
                });
            }
        };
        let mut raw = Raw {
            status: ResponseMessage {
                class,
                code: ResponseCode::NoError,
                message_text: None,
                descriptive_link_key: None,
                message_xml: Vec::new(),
            },
            item_id: None,
            found: Vec::new(),
            total_items_in_view: None,
            includes_last_item_in_range: None,
            indexed_paging_offset: None,
        };
        let mut code = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Messages, start) => match local(&start) {
                    "MessageText" => {
                        raw.status.message_text =
                            Some(self.cursor.text("m:MessageText")?.into_owned());
                    }
                    "ResponseCode" => {
                        let text = self.cursor.text("m:ResponseCode")?;
                        code = Some(ResponseCode::from_ews_str(&text));
                    }
                    "DescriptiveLinkKey" => {
                        let position = self.cursor.position();
                        let text = self.cursor.text("m:DescriptiveLinkKey")?;
                        raw.status.descriptive_link_key =
                            Some(text.trim().parse().map_err(|_| ReadError::InvalidValue {
                                what: "m:DescriptiveLinkKey",
                                value: shorten(&text),
                                rule: "it must be a 32-bit integer",
                                position,
                            })?);
                    }
                    "MessageXml" => raw.status.message_xml = self.message_xml("m:MessageXml")?,
                    "Items" => raw.item_id = self.created_items()?,
                    "RootFolder" => self.root_folder(&start, &mut raw)?,
                    _ => self.cursor.skip(self.op.expected_message)?,
                },
                Ev::Start(..) => self.cursor.skip(self.op.expected_message)?,
                Ev::Text(_) => {}
                Ev::End => break,
                Ev::Eof => return Err(self.cursor.truncated(self.op.expected_message)),
            }
        }
        raw.status.code = match (code, class) {
            (Some(code), _) => code,
            (None, ResponseClass::Success) => ResponseCode::NoError,
            (None, _) => {
                return Err(ReadError::MissingElement {
                    element: "m:ResponseCode",
                    parent: "a response message whose ResponseClass is not Success",
                });
            }
        };
        let succeeded = class == ResponseClass::Success;
        if succeeded != (raw.status.code == ResponseCode::NoError) {
            return Err(ReadError::Contradiction {
                class,
                code: raw.status.code,
                position,
            });
        }
        Ok(raw)
    }

    /// `MessageXml` (of a response message or a fault's detail).
    pub(super) fn message_xml(
        &mut self,
        inside: &'static str,
    ) -> Result<Vec<MessageXmlValue>, ReadError> {
        let mut values = Vec::new();
        loop {
            match self.cursor.next()? {
                Ev::Start(_, start) => {
                    if values.len() == self.limits.max_items {
                        return Err(ReadError::TooManyItems {
                            what: "MessageXml values",
                            limit: self.limits.max_items,
                        });
                    }
                    values.push(self.message_xml_value(&start, inside)?);
                }
                Ev::Text(_) => {}
                Ev::End => return Ok(values),
                Ev::Eof => return Err(self.cursor.truncated(inside)),
            }
        }
    }

    pub(super) fn message_xml_value(
        &mut self,
        start: &BytesStart<'_>,
        inside: &'static str,
    ) -> Result<MessageXmlValue, ReadError> {
        let local_name = local(start);
        let name = match local_name {
            "Value" => self
                .cursor
                .attribute(start, "Name")?
                .map_or_else(|| "Value".to_owned(), Cow::into_owned),
            other => other.to_owned(),
        };
        let mut attributes = String::new();
        for attr in self.cursor.attributes(start) {
            let (key, value) = attr?;
            if local_name == "Value" && key == "Name" {
                continue;
            }
            if !attributes.is_empty() {
                attributes.push(' ');
            }
            attributes.push_str(&format!("{key}={value:?}"));
        }
        let text = self.cursor.text_skipping_children(inside)?;
        let value = if text.trim().is_empty() && !attributes.is_empty() {
            attributes
        } else {
            text
        };
        Ok(MessageXmlValue { name, value })
    }
}

enum Body {
    Fault(SoapFault),
    Messages(Vec<Raw>),
}

/// An end tag where none can be (quick-xml reports unmatched ends itself; this
/// keeps the reader total anyway).
fn unreachable_end(cursor: &Cursor<'_>) -> Result<(), ReadError> {
    Err(ReadError::Malformed {
        position: cursor.position(),
        reason: format!(
            "an end tag at depth {} with no element open",
            cursor.depth()
        ),
    })
}
