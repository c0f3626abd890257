//! The response reader: bytes from Exchange in, typed results out.

use super::ReadError;
use super::parse::Parser;
use super::response::{
    CreateItemResult, DeleteItemResult, FindItemResult, FoundItem, ItemId, Reply, Response,
    ResponseMessage, UpdateItemResult,
};

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
                item_id: m.item_id,
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
                indexed_paging_offset: m.indexed_paging_offset,
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

    /// Reads an `UpdateItem` reply: one status per item, in request order.
    ///
    /// # Errors
    /// As [`read_create_item`](Self::read_create_item), for `UpdateItemResponse`.
    pub fn read_update_item(&self, reply: &[u8]) -> Result<Reply<UpdateItemResult>, ReadError> {
        self.read(reply, &UPDATE_ITEM).map(|r| r.map(|m| m.status))
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
        Parser::new(text, self.limits, op).envelope()
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

/// Reads an `UpdateItem` reply with the default [`ReaderLimits`].
///
/// # Errors
/// See [`ResponseReader::read_update_item`].
pub fn read_update_item_response(reply: &[u8]) -> Result<Reply<UpdateItemResult>, ReadError> {
    ResponseReader::default().read_update_item(reply)
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
pub(super) struct Operation {
    pub(super) response: &'static str,
    pub(super) message: &'static str,
    pub(super) expected_body: &'static str,
    pub(super) expected_message: &'static str,
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

const UPDATE_ITEM: Operation = Operation {
    response: "UpdateItemResponse",
    message: "UpdateItemResponseMessage",
    expected_body: "m:UpdateItemResponse or soap:Fault",
    expected_message: "m:UpdateItemResponseMessage",
};

/// Everything any of the response messages can carry.
pub(super) struct Raw {
    pub(super) status: ResponseMessage,
    pub(super) item_id: Option<ItemId>,
    pub(super) found: Vec<FoundItem>,
    pub(super) total_items_in_view: Option<u32>,
    pub(super) includes_last_item_in_range: Option<bool>,
    pub(super) indexed_paging_offset: Option<u32>,
}
