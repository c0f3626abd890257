//! What a reply carries: per-item results, item ids, server version.

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

use super::ResponseCode;
use super::fault::SoapFault;
use crate::delivery_id::DeliveryId;

/// How one item of a request fared (`ResponseClass`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseClass {
    /// Done.
    Success,
    /// Not done, or done only in part; see the code (e.g. `ErrorBatchProcessingStopped`).
    Warning,
    /// Failed; see the code.
    Error,
}

impl ResponseClass {
    /// The schema value.
    #[must_use]
    pub const fn as_ews_str(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Warning => "Warning",
            Self::Error => "Error",
        }
    }
}

impl fmt::Display for ResponseClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ews_str())
    }
}

/// One entry of `MessageXml`: extra machine-readable details of an error.
///
/// `<t:Value Name="BackOffMilliseconds">5000</t:Value>` becomes name
/// `BackOffMilliseconds`, value `5000`; any other element its local name and its
/// text (or, when it has no text, its attributes as `name="value"` pairs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageXmlValue {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
}

/// The `BackOffMilliseconds` among `values`, as a duration.
pub(crate) fn back_off_in(values: &[MessageXmlValue]) -> Option<Duration> {
    values
        .iter()
        .find(|v| v.name == "BackOffMilliseconds")
        .and_then(|v| v.value.trim().parse::<u64>().ok())
        .map(Duration::from_millis)
}

/// The `InnerErrorResponseCode` among `values`: the code Exchange wrapped in an
/// outer `ErrorInternalServerError` (an empty value counts as none).
pub(crate) fn inner_code_in(values: &[MessageXmlValue]) -> Option<ResponseCode> {
    values
        .iter()
        .find(|v| v.name == "InnerErrorResponseCode")
        .map(|v| v.value.trim())
        .filter(|v| !v.is_empty())
        .map(ResponseCode::from_ews_str)
}

/// Whether a failure with code `outer` and details `values` is transient: by
/// the inner code when the outer one is `ErrorInternalServerError` and an inner
/// code is given, else by the outer code.
pub(crate) fn transient(outer: &ResponseCode, values: &[MessageXmlValue]) -> bool {
    match (outer, inner_code_in(values)) {
        (ResponseCode::ErrorInternalServerError, Some(inner)) => inner.is_transient(),
        _ => outer.is_transient(),
    }
}

/// The status part every response message has.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseMessage {
    /// Success, warning or error.
    pub class: ResponseClass,
    /// The code (`NoError` on success).
    pub code: ResponseCode,
    /// The server's explanation, if any.
    pub message_text: Option<String>,
    /// `DescriptiveLinkKey` (reserved by Microsoft; kept as read).
    pub descriptive_link_key: Option<i32>,
    /// `MessageXml` details, in document order.
    pub message_xml: Vec<MessageXmlValue>,
}

impl ResponseMessage {
    /// Whether the item succeeded: `ResponseClass` is `Success` (the reader
    /// refuses a `Success` whose code is not `NoError` as a
    /// [`ReadError::Contradiction`](super::ReadError::Contradiction)).
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.class == ResponseClass::Success
    }

    /// Whether retrying the item can help ([`ResponseCode::is_transient`]). When
    /// the code is `ErrorInternalServerError` and `MessageXml` names an
    /// [`inner_code`](Self::inner_code), the inner code decides: Exchange reports
    /// some throttling as `ErrorInternalServerError` with the inner code
    /// `ErrorServerBusy`. Without an inner code, `ErrorInternalServerError` is
    /// permanent here; a sender may still retry it a bounded number of times.
    ///
    /// ```
    /// use offline_im::ews::{MessageXmlValue, ResponseClass, ResponseCode, ResponseMessage};
    ///
    /// let busy = ResponseMessage {
    ///     class: ResponseClass::Error,
    ///     code: ResponseCode::ErrorInternalServerError,
    ///     message_text: None,
    ///     descriptive_link_key: Some(0),
    ///     message_xml: vec![MessageXmlValue {
    ///         name: "InnerErrorResponseCode".into(),
    ///         value: "ErrorServerBusy".into(),
    ///     }],
    /// };
    /// assert_eq!(busy.inner_code(), Some(ResponseCode::ErrorServerBusy));
    /// assert_eq!(busy.effective_code(), ResponseCode::ErrorServerBusy);
    /// assert!(busy.is_transient());
    /// ```
    #[must_use]
    pub fn is_transient(&self) -> bool {
        !self.is_success() && transient(&self.code, &self.message_xml)
    }

    /// The code Exchange wrapped in this one: `MessageXml`'s
    /// `InnerErrorResponseCode` (sent with an outer `ErrorInternalServerError`,
    /// e.g. `ErrorServerBusy` when throttled, or a code the requested server
    /// version does not know).
    #[must_use]
    pub fn inner_code(&self) -> Option<ResponseCode> {
        inner_code_in(&self.message_xml)
    }

    /// The code that says what happened: the [`inner_code`](Self::inner_code)
    /// when there is one, else [`code`](Self::code).
    #[must_use]
    pub fn effective_code(&self) -> ResponseCode {
        self.inner_code().unwrap_or_else(|| self.code.clone())
    }

    /// How long the server asks the client to wait (`BackOffMilliseconds`).
    #[must_use]
    pub fn back_off(&self) -> Option<Duration> {
        back_off_in(&self.message_xml)
    }
}

/// An item's id (`t:ItemId`); the change key changes with every change of the item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemId {
    /// The id.
    pub id: String,
    /// The change key, if given.
    pub change_key: Option<String>,
}

impl ItemId {
    /// An id without change key.
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            change_key: None,
        }
    }
}

/// The server's version (`t:ServerVersionInfo` in the reply's header).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ServerVersionInfo {
    /// `MajorVersion`, e.g. 15.
    pub major_version: Option<i32>,
    /// `MinorVersion`, e.g. 2 (Exchange 2019 and SE).
    pub minor_version: Option<i32>,
    /// `MajorBuildNumber`.
    pub major_build_number: Option<i32>,
    /// `MinorBuildNumber`.
    pub minor_build_number: Option<i32>,
    /// `Version`, the schema version the server answered with, e.g. `V2017_07_11`.
    pub version: Option<String>,
}

/// The result of one message of a `CreateItem`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateItemResult {
    /// Status.
    pub status: ResponseMessage,
    /// The new item's id. Exchange returns one for `SaveOnly`; for messages it sent
    /// (`SendOnly`, `SendAndSaveCopy`) it returns none: find the saved copy by its
    /// delivery id with `FindItem`.
    pub item_id: Option<ItemId>,
}

/// An item a `FindItem` found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FoundItem {
    /// Its id.
    pub item_id: ItemId,
    /// Its delivery id, read back from the delivery-id property; `None` when the
    /// item has none or an unparsable one.
    pub delivery_id: Option<DeliveryId>,
    /// When it was created (`t:DateTimeCreated`), when the reply carries it (a
    /// [`RecentItems`](super::RecentItems) request asks for it).
    pub created: Option<OffsetDateTime>,
    /// Whether it was submitted for sending (`t:IsSubmitted`), when the reply
    /// carries it (a [`RecentItems`](super::RecentItems) request asks for it).
    pub is_submitted: Option<bool>,
}

/// The result of one folder of a `FindItem`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FindItemResult {
    /// Status.
    pub status: ResponseMessage,
    /// The items found, in the server's order.
    pub items: Vec<FoundItem>,
    /// `TotalItemsInView`: how many items match in all (more than `items` when paged).
    pub total_items_in_view: Option<u32>,
    /// `IncludesLastItemInRange`: whether `items` reaches the last match.
    pub includes_last_item_in_range: Option<bool>,
    /// `IndexedPagingOffset`: the offset of the next page of an indexed view
    /// (ask for it with [`RecentItems::offset`](super::RecentItems::offset)).
    pub indexed_paging_offset: Option<u32>,
}

/// The result of one item of a `DeleteItem`.
pub type DeleteItemResult = ResponseMessage;

/// The result of one item of an `UpdateItem`: its status.
pub type UpdateItemResult = ResponseMessage;

/// A reply that is not a fault: the server version and one result per item (or
/// folder), in request order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Response<M> {
    /// The server's version, when its header carried one.
    pub server_version: Option<ServerVersionInfo>,
    /// One result per item, in request order.
    pub messages: Vec<M>,
}

/// A reply: per-item results, or a SOAP fault that failed the whole request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reply<M> {
    /// Per-item results.
    Response(Response<M>),
    /// The whole request failed.
    Fault(SoapFault),
}

impl<M> Reply<M> {
    /// The results, or the fault as an error.
    ///
    /// # Errors
    /// The [`SoapFault`] when the reply is one.
    pub fn into_result(self) -> Result<Response<M>, SoapFault> {
        match self {
            Self::Response(r) => Ok(r),
            Self::Fault(f) => Err(f),
        }
    }

    /// The fault's back-off, if the reply is a fault that carries one.
    #[must_use]
    pub fn back_off(&self) -> Option<Duration> {
        match self {
            Self::Response(_) => None,
            Self::Fault(f) => f.back_off(),
        }
    }
}
