//! Reading Graph's successful answers: a `$batch` reply, a created message's id,
//! and the messages a delivery-id lookup found.

use std::collections::HashMap;

use serde::Deserialize;

use super::error::GraphError;
use super::property_id::delivery_id_property_id;
use super::write_error::shorten;
use crate::compose::DeliveryId;

/// A Graph answer that could not be read: not the JSON this call expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable Graph {what}: {detail}")]
pub struct GraphReadError {
    what: &'static str,
    detail: String,
}

impl GraphReadError {
    fn new(what: &'static str, e: &serde_json::Error) -> Self {
        Self {
            what,
            detail: shorten(&e.to_string()),
        }
    }
}

/// One answer inside a `$batch` reply.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BatchResponse {
    /// The id of the request it answers.
    pub id: String,
    /// Its HTTP status (`424 Failed Dependency` when a `dependsOn` request failed).
    pub status: u16,
    /// Its headers (`Retry-After`, `Location`, ...), names as Graph sent them.
    #[serde(default)]
    pub headers: HashMap<String, String>,
    /// Its JSON body, if any.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

impl BatchResponse {
    /// Whether the status is 2xx.
    #[must_use]
    pub const fn is_success(&self) -> bool {
        self.status >= 200 && self.status < 300
    }

    /// The header `name`, compared case-insensitively.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The error this answer carries, `None` for a success.
    #[must_use]
    pub fn error(&self) -> Option<GraphError> {
        if self.is_success() {
            return None;
        }
        let body = self
            .body
            .as_ref()
            .map(|b| serde_json::to_vec(b).unwrap_or_default())
            .unwrap_or_default();
        Some(GraphError::from_response(
            self.status,
            self.header("Retry-After"),
            &body,
        ))
    }
}

#[derive(Deserialize)]
struct BatchReply {
    responses: Vec<BatchResponse>,
}

/// Reads the body of a `$batch` reply into its answers, in the order Graph sent
/// them (which need not be the order of the requests: match them by `id`).
///
/// # Errors
/// [`GraphReadError`] when `body` is not a `{"responses": [...]}` object.
pub fn read_batch_response(body: &[u8]) -> Result<Vec<BatchResponse>, GraphReadError> {
    serde_json::from_slice::<BatchReply>(body)
        .map(|r| r.responses)
        .map_err(|e| GraphReadError::new("$batch reply", &e))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMessage {
    id: String,
    #[serde(default)]
    is_draft: Option<bool>,
    #[serde(default)]
    parent_folder_id: Option<String>,
    #[serde(default)]
    single_value_extended_properties: Vec<WireProperty>,
}

#[derive(Deserialize)]
struct WireProperty {
    id: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct WireList {
    value: Vec<WireMessage>,
    #[serde(default, rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// A message a delivery-id lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundMessage {
    /// Graph's id of the message.
    pub id: String,
    /// The delivery id it carries; `None` when the property was not returned or
    /// is not a delivery id.
    pub delivery_id: Option<DeliveryId>,
    /// Whether it is still a draft (not yet submitted, or never sent).
    pub is_draft: Option<bool>,
    /// The id of its folder.
    pub parent_folder_id: Option<String>,
    /// `PidTagMessageFlags` (`Integer 0x0E07`), when the lookup expanded it.
    pub message_flags: Option<i64>,
}

impl FoundMessage {
    /// Whether the message was handed to the transport (`mfSubmitted`); `None`
    /// when the flags were not returned.
    #[must_use]
    pub fn is_submitted(&self) -> Option<bool> {
        self.message_flags.map(|f| f & 0x4 != 0)
    }
}

/// What a lookup page held, and where the next page is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundMessages {
    /// The messages on this page.
    pub messages: Vec<FoundMessage>,
    /// `@odata.nextLink`, the absolute URL of the next page, if any.
    pub next_link: Option<String>,
}

/// Reads the reply to [`GraphRequest::find_by_delivery_id`](super::GraphRequest::find_by_delivery_id)
/// (or a created message, `{"id": ...}`, through [`read_created_message_id`]).
///
/// # Errors
/// [`GraphReadError`] when `body` is not a `{"value": [...]}` list of messages.
pub fn read_found_messages(body: &[u8]) -> Result<FoundMessages, GraphReadError> {
    let list: WireList =
        serde_json::from_slice(body).map_err(|e| GraphReadError::new("message list", &e))?;
    let property = delivery_id_property_id();
    let messages = list
        .value
        .into_iter()
        .map(|m| FoundMessage {
            delivery_id: m
                .single_value_extended_properties
                .iter()
                .find(|p| p.id.eq_ignore_ascii_case(&property))
                .and_then(|p| p.value.as_deref())
                .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
                .map(DeliveryId::from_uuid),
            message_flags: m
                .single_value_extended_properties
                .iter()
                .find(|p| {
                    p.id.eq_ignore_ascii_case(super::request::MESSAGE_FLAGS_PROPERTY_ID)
                })
                .and_then(|p| p.value.as_deref())
                .and_then(|v| v.trim().parse::<i64>().ok()),
            id: m.id,
            is_draft: m.is_draft,
            parent_folder_id: m.parent_folder_id,
        })
        .collect();
    Ok(FoundMessages {
        messages,
        next_link: list.next_link,
    })
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

/// The id of the message a create request made (`201 Created` body).
///
/// # Errors
/// [`GraphReadError`] when `body` has no string `id`.
pub fn read_created_message_id(body: &[u8]) -> Result<String, GraphReadError> {
    serde_json::from_slice::<Created>(body)
        .map(|c| c.id)
        .map_err(|e| GraphReadError::new("created message", &e))
}
