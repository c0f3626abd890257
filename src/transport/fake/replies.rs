//! EWS replies written for tests: what Exchange would answer, built in a line.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::compose::DeliveryId;
use crate::ews::{
    DELIVERY_ID_PROPERTY_NAME, ItemId, MESSAGES, OFFLINE_IM_PROPERTY_SET, ResponseCode, SOAP, TYPES,
};
use crate::transport::Reply;
use crate::xml::escape::{push_attr, push_text};

/// One response message's status, as written.
#[derive(Debug, Clone)]
enum Status {
    Success,
    Error {
        code: ResponseCode,
        text: String,
        values: Vec<(&'static str, String)>,
    },
}

impl Status {
    fn error(code: ResponseCode, text: impl Into<String>) -> Self {
        Self::Error {
            code,
            text: text.into(),
            values: Vec::new(),
        }
    }

    fn busy(back_off: Duration) -> Self {
        Self::Error {
            code: ResponseCode::ErrorServerBusy,
            text: "The server cannot service this request right now. Try again later.".into(),
            values: vec![("BackOffMilliseconds", back_off.as_millis().to_string())],
        }
    }

    fn busy_inside_internal_error(back_off: Duration) -> Self {
        Self::Error {
            code: ResponseCode::ErrorInternalServerError,
            text: "An internal server error occurred. The operation failed.".into(),
            values: vec![
                ("InnerErrorMessageText", "The server is busy.".into()),
                ("InnerErrorResponseCode", "ErrorServerBusy".into()),
                ("InnerErrorDescriptiveLinkKey", "0".into()),
                ("BackOffMilliseconds", back_off.as_millis().to_string()),
            ],
        }
    }

    fn write(&self, buf: &mut Vec<u8>, element: &str, payload: impl FnOnce(&mut Vec<u8>)) {
        let class = match self {
            Self::Success => "Success",
            Self::Error { .. } => "Error",
        };
        buf.extend_from_slice(format!("<m:{element} ResponseClass=\"{class}\">").as_bytes());
        match self {
            Self::Success => buf.extend_from_slice(b"<m:ResponseCode>NoError</m:ResponseCode>"),
            Self::Error { code, text, values } => {
                buf.extend_from_slice(b"<m:MessageText>");
                push_text(buf, text);
                buf.extend_from_slice(b"</m:MessageText><m:ResponseCode>");
                push_text(buf, code.as_str());
                buf.extend_from_slice(
                    b"</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>",
                );
                write_message_xml(buf, "m", values);
            }
        }
        payload(buf);
        buf.extend_from_slice(format!("</m:{element}>").as_bytes());
    }
}

fn write_message_xml(buf: &mut Vec<u8>, prefix: &str, values: &[(&str, String)]) {
    if values.is_empty() {
        return;
    }
    buf.extend_from_slice(format!("<{prefix}:MessageXml>").as_bytes());
    for (name, value) in values {
        buf.extend_from_slice(b"<t:Value Name=\"");
        push_attr(buf, name);
        buf.extend_from_slice(b"\">");
        push_text(buf, value);
        buf.extend_from_slice(b"</t:Value>");
    }
    buf.extend_from_slice(format!("</{prefix}:MessageXml>").as_bytes());
}

fn envelope(operation: &str, messages: impl FnOnce(&mut Vec<u8>)) -> Reply {
    let mut buf = Vec::with_capacity(1024);
    buf.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"");
    buf.extend_from_slice(SOAP.as_bytes());
    buf.extend_from_slice(b"\"><s:Header><t:ServerVersionInfo MajorVersion=\"15\" MinorVersion=\"2\" MajorBuildNumber=\"1544\" MinorBuildNumber=\"4\" Version=\"V2017_07_11\" xmlns:t=\"");
    buf.extend_from_slice(TYPES.as_bytes());
    buf.extend_from_slice(b"\"/></s:Header><s:Body>");
    buf.extend_from_slice(format!("<m:{operation}Response xmlns:m=\"").as_bytes());
    buf.extend_from_slice(MESSAGES.as_bytes());
    buf.extend_from_slice(b"\" xmlns:t=\"");
    buf.extend_from_slice(TYPES.as_bytes());
    buf.extend_from_slice(b"\"><m:ResponseMessages>");
    messages(&mut buf);
    buf.extend_from_slice(format!("</m:ResponseMessages></m:{operation}Response>").as_bytes());
    buf.extend_from_slice(b"</s:Body></s:Envelope>");
    Reply::ok(buf)
}

/// The reply to a `CreateItem`: one result per message, in order.
///
/// ```
/// use std::time::Duration;
/// use offline_im::ews::ResponseCode;
/// use offline_im::transport::fake::CreateItemReply;
///
/// // Three messages: the first created, the second refused, the third throttled.
/// let reply = CreateItemReply::new()
///     .created()
///     .failed(ResponseCode::ErrorQuotaExceeded, "The mailbox is full.")
///     .busy(Duration::from_secs(5))
///     .build();
/// assert_eq!(reply.status, 200);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CreateItemReply {
    results: Vec<Status>,
}

impl CreateItemReply {
    /// A reply with no results yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every one of `messages` created: what Exchange answers when all is well.
    pub fn all_created(messages: usize) -> Reply {
        let mut reply = Self::new();
        reply.results = vec![Status::Success; messages];
        reply.build()
    }

    /// The next message was created (and, if it was to be sent, submitted).
    pub fn created(mut self) -> Self {
        self.results.push(Status::Success);
        self
    }

    /// The next message failed with `code` and `text`.
    pub fn failed(mut self, code: ResponseCode, text: impl Into<String>) -> Self {
        self.results.push(Status::error(code, text));
        self
    }

    /// The next message was throttled: `ErrorServerBusy` with `BackOffMilliseconds`.
    pub fn busy(mut self, back_off: Duration) -> Self {
        self.results.push(Status::busy(back_off));
        self
    }

    /// The next message was throttled, reported as Exchange sometimes does:
    /// `ErrorInternalServerError` with `InnerErrorResponseCode` `ErrorServerBusy`.
    pub fn busy_inside_internal_error(mut self, back_off: Duration) -> Self {
        self.results
            .push(Status::busy_inside_internal_error(back_off));
        self
    }

    /// The reply: HTTP 200 with a `CreateItemResponse`.
    pub fn build(self) -> Reply {
        envelope("CreateItem", |buf| {
            for status in &self.results {
                status.write(buf, "CreateItemResponseMessage", |buf| {
                    buf.extend_from_slice(b"<m:Items/>");
                });
            }
        })
    }
}

/// An item a [`FindItemReply`] returns: its id, delivery id and state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct FoundMessage {
    item_id: ItemId,
    delivery_id: DeliveryId,
    created: OffsetDateTime,
    submitted: bool,
}

impl FoundMessage {
    /// The message with `delivery_id`, as item `item_id`, created now, not submitted.
    pub fn new(item_id: impl Into<String>, delivery_id: DeliveryId) -> Self {
        Self {
            item_id: ItemId::new(item_id),
            delivery_id,
            created: OffsetDateTime::now_utc(),
            submitted: false,
        }
    }

    /// When Exchange created it (default: now).
    pub fn created_at(mut self, created: OffsetDateTime) -> Self {
        self.created = created;
        self
    }

    /// Whether Exchange's transport has it (`IsSubmitted`; a message in Drafts
    /// waiting to be sent). Default: false.
    pub fn submitted(mut self, submitted: bool) -> Self {
        self.submitted = submitted;
        self
    }

    fn write(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"<t:Message><t:ItemId Id=\"");
        push_attr(buf, &self.item_id.id);
        buf.extend_from_slice(b"\"/><t:IsSubmitted>");
        buf.extend_from_slice(if self.submitted { b"true" } else { b"false" });
        buf.extend_from_slice(b"</t:IsSubmitted><t:DateTimeCreated>");
        let created = self
            .created
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(self.created);
        push_text(buf, &created.format(&Rfc3339).unwrap_or_default());
        buf.extend_from_slice(
            b"</t:DateTimeCreated><t:ExtendedProperty><t:ExtendedFieldURI PropertySetId=\"",
        );
        buf.extend_from_slice(OFFLINE_IM_PROPERTY_SET.to_string().as_bytes());
        buf.extend_from_slice(b"\" PropertyName=\"");
        buf.extend_from_slice(DELIVERY_ID_PROPERTY_NAME.as_bytes());
        buf.extend_from_slice(b"\" PropertyType=\"String\"/><t:Value>");
        buf.extend_from_slice(self.delivery_id.to_string().as_bytes());
        buf.extend_from_slice(b"</t:Value></t:ExtendedProperty></t:Message>");
    }
}

/// The reply to a `FindItem`: one result per folder searched, in the order of
/// the request (the sender asks for Drafts first, then the saved folder).
///
/// ```
/// use offline_im::compose::DeliveryId;
/// use offline_im::transport::fake::{FindItemReply, FoundMessage};
///
/// let id = DeliveryId::new();
/// // Drafts empty; the saved folder holds the message: it was sent.
/// let reply = FindItemReply::new()
///     .folder([])
///     .folder([FoundMessage::new("AAMk1", id)])
///     .build();
/// assert_eq!(reply.status, 200);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct FindItemReply {
    folders: Vec<Result<Vec<FoundMessage>, Status>>,
}

impl FindItemReply {
    /// A reply with no folders yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `folders` folders searched, nothing found in any.
    pub fn nothing_found(folders: usize) -> Reply {
        let mut reply = Self::new();
        reply.folders = vec![Ok(Vec::new()); folders];
        reply.build()
    }

    /// The next folder holds `messages` (the whole folder: the reply says it
    /// includes the last item).
    pub fn folder(mut self, messages: impl IntoIterator<Item = FoundMessage>) -> Self {
        self.folders.push(Ok(messages.into_iter().collect()));
        self
    }

    /// The search of the next folder failed with `code`.
    pub fn failed(mut self, code: ResponseCode, text: impl Into<String>) -> Self {
        self.folders.push(Err(Status::error(code, text)));
        self
    }

    /// The reply: HTTP 200 with a `FindItemResponse`.
    pub fn build(self) -> Reply {
        envelope("FindItem", |buf| {
            for folder in &self.folders {
                match folder {
                    Ok(messages) => Status::Success.write(buf, "FindItemResponseMessage", |buf| {
                        let total = messages.len();
                        buf.extend_from_slice(
                            format!(
                                "<m:RootFolder IndexedPagingOffset=\"{total}\" TotalItemsInView=\"{total}\" IncludesLastItemInRange=\"true\"><t:Items>"
                            )
                            .as_bytes(),
                        );
                        for message in messages {
                            message.write(buf);
                        }
                        buf.extend_from_slice(b"</t:Items></m:RootFolder>");
                    }),
                    Err(status) => status.write(buf, "FindItemResponseMessage", |_| {}),
                }
            }
        })
    }
}

/// The reply to a `DeleteItem`: one result per item id.
#[derive(Debug, Clone, Copy)]
pub struct DeleteItemReply;

impl DeleteItemReply {
    /// Every one of `items` deleted.
    #[must_use]
    pub fn all_deleted(items: usize) -> Reply {
        envelope("DeleteItem", |buf| {
            for _ in 0..items {
                Status::Success.write(buf, "DeleteItemResponseMessage", |_| {});
            }
        })
    }
}

/// A SOAP fault (HTTP 500): the whole request failed. `back_off` adds
/// `BackOffMilliseconds` to the detail, as Exchange does for `ErrorServerBusy`.
///
/// ```
/// use std::time::Duration;
/// use offline_im::ews::ResponseCode;
/// use offline_im::transport::fake::fault;
///
/// let busy = fault(ResponseCode::ErrorServerBusy, Some(Duration::from_secs(30)));
/// assert_eq!(busy.status, 500);
/// ```
#[must_use]
pub fn fault(code: ResponseCode, back_off: Option<Duration>) -> Reply {
    let mut buf = Vec::with_capacity(768);
    buf.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"");
    buf.extend_from_slice(SOAP.as_bytes());
    buf.extend_from_slice(b"\"><s:Body><s:Fault><faultcode xmlns:a=\"");
    buf.extend_from_slice(crate::ews::ERRORS.as_bytes());
    buf.extend_from_slice(b"\">a:");
    push_text(&mut buf, code.as_str());
    buf.extend_from_slice(b"</faultcode><faultstring xml:lang=\"en-US\">");
    push_text(&mut buf, code.as_str());
    buf.extend_from_slice(b"</faultstring><detail><e:ResponseCode xmlns:e=\"");
    buf.extend_from_slice(crate::ews::ERRORS.as_bytes());
    buf.extend_from_slice(b"\">");
    push_text(&mut buf, code.as_str());
    buf.extend_from_slice(b"</e:ResponseCode><e:Message xmlns:e=\"");
    buf.extend_from_slice(crate::ews::ERRORS.as_bytes());
    buf.extend_from_slice(b"\">");
    push_text(&mut buf, code.as_str());
    buf.extend_from_slice(b"</e:Message>");
    if let Some(back_off) = back_off {
        buf.extend_from_slice(b"<t:MessageXml xmlns:t=\"");
        buf.extend_from_slice(TYPES.as_bytes());
        buf.extend_from_slice(b"\"><t:Value Name=\"BackOffMilliseconds\">");
        buf.extend_from_slice(back_off.as_millis().to_string().as_bytes());
        buf.extend_from_slice(b"</t:Value></t:MessageXml>");
    }
    buf.extend_from_slice(b"</detail></s:Fault></s:Body></s:Envelope>");
    Reply::new(500, buf)
}
