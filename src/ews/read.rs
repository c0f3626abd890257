//! The response reader: bytes from Exchange in, typed results out.

use std::borrow::Cow;

use quick_xml::events::BytesStart;

use super::ReadError;
use super::cursor::{Cursor, Ev, Ns, attribute, local};
use super::error::shorten;
use super::fault::SoapFault;
use super::response::{
    CreateItemResult, DeleteItemResult, FindItemResult, FoundItem, ItemId, MessageXmlValue, Reply,
    Response, ResponseClass, ResponseMessage, ServerVersionInfo,
};
use super::{DELIVERY_ID_PROPERTY_NAME, ResponseCode};

/// Bounds on what the reader accepts, so a hostile or broken reply costs bounded
/// time and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReaderLimits {
    /// Largest reply read, in bytes (default 16 MiB). Larger replies are refused
    /// before any parsing.
    pub max_bytes: usize,
    /// Deepest element nesting (default 64; EWS replies nest about 10 deep).
    pub max_depth: usize,
    /// Most response messages, and most items in one `FindItem` result
    /// (default 10 000).
    pub max_items: usize,
}

impl Default for ReaderLimits {
    fn default() -> Self {
        Self {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_items: 10_000,
        }
    }
}

/// Reads EWS replies (HTTP 200 responses and HTTP 500 SOAP faults alike).
///
/// ```
/// use offline_im::ews::{Reply, ResponseCode, ResponseReader};
///
/// let reply = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
///   <m:DeleteItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
///     <m:ResponseMessages>
///       <m:DeleteItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:DeleteItemResponseMessage>
///     </m:ResponseMessages>
///   </m:DeleteItemResponse></s:Body></s:Envelope>"#;
/// let Reply::Response(response) = ResponseReader::default().read_delete_item(reply)? else { panic!() };
/// assert_eq!(response.messages[0].code, ResponseCode::NoError);
/// # Ok::<(), offline_im::ews::ReadError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ResponseReader {
    limits: ReaderLimits,
}

impl ResponseReader {
    /// A reader with `limits`.
    #[must_use]
    pub const fn with_limits(limits: ReaderLimits) -> Self {
        Self { limits }
    }

    /// The limits in force.
    #[must_use]
    pub const fn limits(&self) -> &ReaderLimits {
        &self.limits
    }

    /// Reads the reply to a `CreateItem`: one result per message, in order.
    ///
    /// # Errors
    /// A [`ReadError`] saying what is wrong when the reply is not a readable
    /// `CreateItemResponse` or SOAP fault.
    pub fn read_create_item(&self, reply: &[u8]) -> Result<Reply<CreateItemResult>, ReadError> {
        self.read(reply, &CREATE_ITEM).map(|r| {
            r.map(|m| CreateItemResult {
                status: m.status,
                item_id: m.item_ids.into_iter().next(),
            })
        })
    }

    /// Reads the reply to a `FindItem`: one result per folder, in order.
    ///
    /// # Errors
    /// As [`read_create_item`](Self::read_create_item), for `FindItemResponse`.
    pub fn read_find_item(&self, reply: &[u8]) -> Result<Reply<FindItemResult>, ReadError> {
        self.read(reply, &FIND_ITEM).map(|r| {
            r.map(|m| FindItemResult {
                status: m.status,
                items: m.found,
                total_items_in_view: m.total_items_in_view,
                includes_last_item_in_range: m.includes_last_item_in_range,
            })
        })
    }

    /// Reads the reply to a `DeleteItem`: one result per item id, in order.
    ///
    /// # Errors
    /// As [`read_create_item`](Self::read_create_item), for `DeleteItemResponse`.
    pub fn read_delete_item(&self, reply: &[u8]) -> Result<Reply<DeleteItemResult>, ReadError> {
        self.read(reply, &DELETE_ITEM).map(|r| r.map(|m| m.status))
    }

    fn read(&self, reply: &[u8], op: &Operation) -> Result<Reply<Raw>, ReadError> {
        if reply.len() > self.limits.max_bytes {
            return Err(ReadError::TooLarge {
                limit: self.limits.max_bytes,
                actual: reply.len(),
            });
        }
        let text = std::str::from_utf8(reply).map_err(|e| ReadError::NotUtf8 {
            position: e.valid_up_to(),
        })?;
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        Parser {
            cursor: Cursor::new(text, self.limits.max_depth),
            limits: self.limits,
            op,
        }
        .envelope()
    }
}

/// Reads a `CreateItem` reply with the default [`ReaderLimits`].
///
/// # Errors
/// See [`ResponseReader::read_create_item`].
pub fn read_create_item_response(reply: &[u8]) -> Result<Reply<CreateItemResult>, ReadError> {
    ResponseReader::default().read_create_item(reply)
}

/// Reads a `FindItem` reply with the default [`ReaderLimits`].
///
/// # Errors
/// See [`ResponseReader::read_find_item`].
pub fn read_find_item_response(reply: &[u8]) -> Result<Reply<FindItemResult>, ReadError> {
    ResponseReader::default().read_find_item(reply)
}

/// Reads a `DeleteItem` reply with the default [`ReaderLimits`].
///
/// # Errors
/// See [`ResponseReader::read_delete_item`].
pub fn read_delete_item_response(reply: &[u8]) -> Result<Reply<DeleteItemResult>, ReadError> {
    ResponseReader::default().read_delete_item(reply)
}

impl<M> Reply<M> {
    fn map<N>(self, f: impl FnMut(M) -> N) -> Reply<N> {
        match self {
            Self::Response(r) => Reply::Response(Response {
                server_version: r.server_version,
                messages: r.messages.into_iter().map(f).collect(),
            }),
            Self::Fault(fault) => Reply::Fault(fault),
        }
    }
}

/// The names one operation's reply uses.
struct Operation {
    response: &'static str,
    message: &'static str,
    expected_body: &'static str,
    expected_message: &'static str,
}

const CREATE_ITEM: Operation = Operation {
    response: "CreateItemResponse",
    message: "CreateItemResponseMessage",
    expected_body: "m:CreateItemResponse or soap:Fault",
    expected_message: "m:CreateItemResponseMessage",
};
const FIND_ITEM: Operation = Operation {
    response: "FindItemResponse",
    message: "FindItemResponseMessage",
    expected_body: "m:FindItemResponse or soap:Fault",
    expected_message: "m:FindItemResponseMessage",
};
const DELETE_ITEM: Operation = Operation {
    response: "DeleteItemResponse",
    message: "DeleteItemResponseMessage",
    expected_body: "m:DeleteItemResponse or soap:Fault",
    expected_message: "m:DeleteItemResponseMessage",
};

/// Everything any of the three response messages can carry.
struct Raw {
    status: ResponseMessage,
    item_ids: Vec<ItemId>,
    found: Vec<FoundItem>,
    total_items_in_view: Option<u32>,
    includes_last_item_in_range: Option<bool>,
}

struct Parser<'i, 'o> {
    cursor: Cursor<'i>,
    limits: ReaderLimits,
    op: &'o Operation,
}

impl<'i> Parser<'i, '_> {
    fn envelope(mut self) -> Result<Reply<Raw>, ReadError> {
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
        let position = self.cursor.position();
        let int = |name| -> Result<Option<i32>, ReadError> {
            Ok(attribute(start, name, position)?.and_then(|v| v.trim().parse().ok()))
        };
        Ok(ServerVersionInfo {
            major_version: int("MajorVersion")?,
            minor_version: int("MinorVersion")?,
            major_build_number: int("MajorBuildNumber")?,
            minor_build_number: int("MinorBuildNumber")?,
            version: attribute(start, "Version", position)?.map(Cow::into_owned),
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
        let class = match attribute(start, "ResponseClass", position)?.as_deref() {
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
            item_ids: Vec::new(),
            found: Vec::new(),
            total_items_in_view: None,
            includes_last_item_in_range: None,
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
                    "Items" => raw.item_ids = self.created_items()?,
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
        Ok(raw)
    }

    /// `MessageXml` (of a response message or a fault's detail).
    fn message_xml(&mut self, inside: &'static str) -> Result<Vec<MessageXmlValue>, ReadError> {
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

    fn message_xml_value(
        &mut self,
        start: &BytesStart<'_>,
        inside: &'static str,
    ) -> Result<MessageXmlValue, ReadError> {
        let position = self.cursor.position();
        let local_name = local(start);
        let name = match local_name {
            "Value" => attribute(start, "Name", position)?
                .map_or_else(|| "Value".to_owned(), Cow::into_owned),
            other => other.to_owned(),
        };
        let mut attributes = String::new();
        for attr in start.attributes().flatten() {
            let key = attr.key.into_inner();
            if key == "xmlns"
                || key.starts_with("xmlns:")
                || (local_name == "Value" && key == "Name")
            {
                continue;
            }
            if !attributes.is_empty() {
                attributes.push(' ');
            }
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .unwrap_or(Cow::Borrowed(""));
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

    /// `m:Items` of a `CreateItemResponseMessage`: the id of each item.
    fn created_items(&mut self) -> Result<Vec<ItemId>, ReadError> {
        let mut ids = Vec::new();
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, _) => {
                    if ids.len() == self.limits.max_items {
                        return Err(ReadError::TooManyItems {
                            what: "items",
                            limit: self.limits.max_items,
                        });
                    }
                    let (id, _) = self.item(false)?;
                    ids.extend(id);
                }
                Ev::Start(..) => self.cursor.skip("m:Items")?,
                Ev::Text(_) => {}
                Ev::End => return Ok(ids),
                Ev::Eof => return Err(self.cursor.truncated("m:Items")),
            }
        }
    }

    /// `m:RootFolder` of a `FindItemResponseMessage`.
    fn root_folder(&mut self, start: &BytesStart<'_>, raw: &mut Raw) -> Result<(), ReadError> {
        let position = self.cursor.position();
        if let Some(total) = attribute(start, "TotalItemsInView", position)? {
            raw.total_items_in_view =
                Some(total.trim().parse().map_err(|_| ReadError::InvalidValue {
                    what: "TotalItemsInView",
                    value: shorten(&total),
                    rule: "it must be a non-negative integer",
                    position,
                })?);
        }
        if let Some(last) = attribute(start, "IncludesLastItemInRange", position)? {
            raw.includes_last_item_in_range = Some(match last.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(ReadError::InvalidValue {
                        what: "IncludesLastItemInRange",
                        value: shorten(&last),
                        rule: "it must be true or false",
                        position,
                    });
                }
            });
        }
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, start) if local(&start) == "Items" => self.found_items(raw)?,
                Ev::Start(..) => self.cursor.skip("m:RootFolder")?,
                Ev::Text(_) => {}
                Ev::End => return Ok(()),
                Ev::Eof => return Err(self.cursor.truncated("m:RootFolder")),
            }
        }
    }

    fn found_items(&mut self, raw: &mut Raw) -> Result<(), ReadError> {
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, _) => {
                    if raw.found.len() == self.limits.max_items {
                        return Err(ReadError::TooManyItems {
                            what: "items",
                            limit: self.limits.max_items,
                        });
                    }
                    let (id, delivery_id) = self.item(true)?;
                    let item_id = id.ok_or(ReadError::MissingElement {
                        element: "t:ItemId",
                        parent: "an item of a FindItem result",
                    })?;
                    raw.found.push(FoundItem {
                        item_id,
                        delivery_id,
                    });
                }
                Ev::Start(..) => self.cursor.skip("t:Items")?,
                Ev::Text(_) => {}
                Ev::End => return Ok(()),
                Ev::Eof => return Err(self.cursor.truncated("t:Items")),
            }
        }
    }

    /// One item (`t:Message`, `t:Item`, ...): its id and, when asked, its delivery id.
    fn item(
        &mut self,
        with_delivery_id: bool,
    ) -> Result<(Option<ItemId>, Option<crate::compose::DeliveryId>), ReadError> {
        let mut id = None;
        let mut delivery_id = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, start) if local(&start) == "ItemId" => {
                    let position = self.cursor.position();
                    let value =
                        attribute(&start, "Id", position)?.ok_or(ReadError::MissingAttribute {
                            attribute: "Id",
                            element: "t:ItemId",
                            position,
                        })?;
                    id = Some(ItemId {
                        id: value.into_owned(),
                        change_key: attribute(&start, "ChangeKey", position)?.map(Cow::into_owned),
                    });
                    self.cursor.skip("t:ItemId")?;
                }
                Ev::Start(Ns::Types, start)
                    if with_delivery_id && local(&start) == "ExtendedProperty" =>
                {
                    if let Some(found) = self.delivery_id_property()? {
                        delivery_id = Some(found);
                    }
                }
                Ev::Start(..) => self.cursor.skip("an item")?,
                Ev::Text(_) => {}
                Ev::End => return Ok((id, delivery_id)),
                Ev::Eof => return Err(self.cursor.truncated("an item")),
            }
        }
    }

    /// A `t:ExtendedProperty`: the delivery id if it is the delivery-id property
    /// and its value parses.
    fn delivery_id_property(&mut self) -> Result<Option<crate::compose::DeliveryId>, ReadError> {
        let mut is_delivery_id = false;
        let mut value = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, start) if local(&start) == "ExtendedFieldURI" => {
                    let position = self.cursor.position();
                    is_delivery_id = attribute(&start, "PropertyName", position)?.as_deref()
                        == Some(DELIVERY_ID_PROPERTY_NAME)
                        && attribute(&start, "PropertySetId", position)?.is_some_and(|set| {
                            set.parse::<uuid::Uuid>().ok() == Some(super::OFFLINE_IM_PROPERTY_SET)
                        });
                    self.cursor.skip("t:ExtendedFieldURI")?;
                }
                Ev::Start(Ns::Types, start) if local(&start) == "Value" => {
                    value = Some(self.cursor.text("t:Value")?);
                }
                Ev::Start(..) => self.cursor.skip("t:ExtendedProperty")?,
                Ev::Text(_) => {}
                Ev::End => break,
                Ev::Eof => return Err(self.cursor.truncated("t:ExtendedProperty")),
            }
        }
        Ok(value
            .filter(|_| is_delivery_id)
            .and_then(|v| v.parse().ok()))
    }

    fn fault(&mut self) -> Result<SoapFault, ReadError> {
        let mut fault_code = None;
        let mut fault_string = None;
        let mut detail = Detail::default();
        loop {
            match self.cursor.next()? {
                // SOAP 1.1 fault children are unqualified; some servers qualify them.
                Ev::Start(_, start) => match local(&start) {
                    "faultcode" => {
                        fault_code = Some(self.cursor.text("faultcode")?.trim().to_owned())
                    }
                    "faultstring" => {
                        fault_string = Some(self.cursor.text("faultstring")?.into_owned())
                    }
                    "detail" => detail = self.detail()?,
                    _ => self.cursor.skip("soap:Fault")?,
                },
                Ev::Text(_) => {}
                Ev::End => break,
                Ev::Eof => return Err(self.cursor.truncated("soap:Fault")),
            }
        }
        let fault_code = fault_code.ok_or(ReadError::MissingElement {
            element: "faultcode",
            parent: "soap:Fault",
        })?;
        let fault_string = fault_string.ok_or(ReadError::MissingElement {
            element: "faultstring",
            parent: "soap:Fault",
        })?;
        let response_code = detail.code.or_else(|| {
            let local = fault_code.rsplit(':').next().unwrap_or_default();
            match ResponseCode::from_ews_str(local) {
                ResponseCode::Other(_) => None,
                code => Some(code),
            }
        });
        Ok(SoapFault {
            fault_code,
            fault_string,
            response_code,
            message: detail.message,
            message_xml: detail.values,
        })
    }

    fn detail(&mut self) -> Result<Detail, ReadError> {
        let mut detail = Detail::default();
        loop {
            match self.cursor.next()? {
                Ev::Start(ns, start) => match (ns, local(&start)) {
                    (_, "ResponseCode") => {
                        let text = self.cursor.text("e:ResponseCode")?;
                        detail.code = Some(ResponseCode::from_ews_str(&text));
                    }
                    (_, "Message") => {
                        detail.message = Some(self.cursor.text("e:Message")?.into_owned());
                    }
                    (Ns::Types | Ns::Errors, "MessageXml") => {
                        let values = self.message_xml("MessageXml")?;
                        self.push_values(&mut detail.values, values)?;
                    }
                    _ => {
                        let value = self.message_xml_value(&start, "detail")?;
                        self.push_values(&mut detail.values, vec![value])?;
                    }
                },
                Ev::Text(_) => {}
                Ev::End => return Ok(detail),
                Ev::Eof => return Err(self.cursor.truncated("detail")),
            }
        }
    }

    fn push_values(
        &self,
        into: &mut Vec<MessageXmlValue>,
        values: Vec<MessageXmlValue>,
    ) -> Result<(), ReadError> {
        if into.len() + values.len() > self.limits.max_items {
            return Err(ReadError::TooManyItems {
                what: "MessageXml values",
                limit: self.limits.max_items,
            });
        }
        into.extend(values);
        Ok(())
    }
}

enum Body {
    Fault(SoapFault),
    Messages(Vec<Raw>),
}

#[derive(Default)]
struct Detail {
    code: Option<ResponseCode>,
    message: Option<String>,
    values: Vec<MessageXmlValue>,
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
