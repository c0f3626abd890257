//! Graph's JSON as the embedded server writes it: error bodies, messages, folders.
//!
//! Written with `serde_json::Value` by hand, not with the crate's `graph` module,
//! so that the server cannot agree with the client's bugs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;

use crate::ews::{BodyType, Folder};

use super::props::ExtendedFieldUri;
use super::store::{Recipient, StoredItem};

/// `PidTagMessageFlags` ([MS-OXCMSG] 2.2.1.6), readable through Graph as the
/// extended property `Integer 0x0E07`.
pub(crate) const MESSAGE_FLAGS_ID: &str = "Integer 0x0E07";
/// `mfRead`.
const MF_READ: i64 = 0x1;
/// `mfSubmitted`: the message is marked for sending (handed to the transport).
const MF_SUBMITTED: i64 = 0x4;
/// `mfUnsent`: the message is still being composed or waiting to be sent.
const MF_UNSENT: i64 = 0x8;

/// One answer of the Graph endpoints: status, headers, JSON body.
#[derive(Debug, Clone)]
pub(crate) struct GraphAnswer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<Value>,
}

impl GraphAnswer {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Graph's error answer (Microsoft Graph, "Microsoft Graph error responses and
    /// resource types"): `{"error": {"code", "message", "innerError": {...}}}`.
    pub(crate) fn error(status: u16, code: &str, message: &str) -> Self {
        let date = time::OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        Self::json(
            status,
            json!({
                "error": {
                    "code": code,
                    "message": message,
                    "innerError": {
                        "date": date,
                        "request-id": uuid::Uuid::new_v4().to_string(),
                        "client-request-id": uuid::Uuid::new_v4().to_string(),
                    }
                }
            }),
        )
    }

    /// Adds `Retry-After: seconds`.
    pub(crate) fn retry_after(mut self, value: String) -> Self {
        self.headers.push(("Retry-After", value));
        self
    }
}

/// The `parentFolderId` of `folder`: opaque, as Graph's are.
pub(crate) fn folder_id(folder: Folder) -> String {
    STANDARD.encode(format!("offline-im-testkit-folder:{}", folder.as_ews_str()))
}

/// The folder a Graph URL segment names: a well-known name (Microsoft Graph,
/// "mailFolder resource type": `conversationhistory`, `sentitems`, `drafts`,
/// `inbox`, `outbox`, `deleteditems`; case-insensitive) or an id from
/// [`folder_id`].
pub(crate) fn folder_from_segment(segment: &str) -> Option<Folder> {
    let by_name = |name: &str| {
        Folder::ALL
            .into_iter()
            .find(|f| f.as_ews_str().eq_ignore_ascii_case(name))
    };
    by_name(segment).or_else(|| {
        let decoded = STANDARD.decode(segment).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        by_name(text.strip_prefix("offline-im-testkit-folder:")?)
    })
}

/// The message flags of `item` (see [`MESSAGE_FLAGS_ID`]).
pub(crate) fn message_flags(item: &StoredItem) -> i64 {
    let mut flags = 0;
    if item.is_read {
        flags |= MF_READ;
    }
    if item.is_submitted {
        flags |= MF_SUBMITTED;
    }
    if item.unsent {
        flags |= MF_UNSENT;
    }
    flags
}

fn recipient(r: &Recipient) -> Value {
    let mut address = Map::new();
    address.insert("address".into(), Value::String(r.address.to_string()));
    if let Some(name) = &r.name {
        address.insert("name".into(), Value::String(name.clone()));
    }
    json!({ "emailAddress": address })
}

/// What a message is written with: the `$select`ed properties (all when
/// `None`), and the extended properties `$expand` asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct View {
    pub(crate) select: Option<Vec<String>>,
    pub(crate) expand: Option<Vec<String>>,
}

/// `item` as a Graph `message`.
pub(crate) fn message(item: &StoredItem, view: &View) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::String(item.id.clone()));
    let created = item.created.format(&Rfc3339).unwrap_or_default();
    let mut all = vec![
        ("createdDateTime", Value::String(created)),
        ("isDraft", Value::Bool(item.unsent)),
        ("isRead", Value::Bool(item.is_read)),
        (
            "parentFolderId",
            item.folder
                .map_or(Value::Null, |f| Value::String(folder_id(f))),
        ),
        (
            "subject",
            item.subject.clone().map_or(Value::Null, Value::String),
        ),
        (
            "importance",
            Value::String(
                item.importance
                    .clone()
                    .unwrap_or_else(|| "Normal".into())
                    .to_ascii_lowercase(),
            ),
        ),
        (
            "toRecipients",
            Value::Array(item.to.iter().map(recipient).collect()),
        ),
        (
            "ccRecipients",
            Value::Array(item.cc.iter().map(recipient).collect()),
        ),
        ("from", item.from.as_ref().map_or(Value::Null, recipient)),
    ];
    if let Some((ty, content)) = &item.body {
        let ty = match ty {
            BodyType::Html => "html",
            _ => "text",
        };
        all.push(("body", json!({"contentType": ty, "content": content})));
    }
    for (name, value) in all {
        let wanted = view
            .select
            .as_ref()
            .is_none_or(|s| s.iter().any(|w| w.eq_ignore_ascii_case(name)));
        if wanted {
            out.insert(name.into(), value);
        }
    }
    if let Some(ids) = &view.expand {
        let props: Vec<Value> = ids
            .iter()
            .filter_map(|id| property_value(item, id).map(|v| json!({"id": id, "value": v})))
            .collect();
        out.insert("singleValueExtendedProperties".into(), Value::Array(props));
    }
    Value::Object(out)
}

/// The value of the extended property `id` (Graph syntax) on `item`, as Graph
/// carries every value: a string. The message class and flags are computed.
pub(crate) fn property_value(item: &StoredItem, id: &str) -> Option<String> {
    if id.trim().eq_ignore_ascii_case(MESSAGE_FLAGS_ID) {
        return Some(message_flags(item).to_string());
    }
    let uri = ExtendedFieldUri::from_graph_id(id)?;
    if uri.property_tag() == Some(super::props::TAG_MESSAGE_CLASS) {
        return Some(item.item_class.clone());
    }
    item.extended
        .iter()
        .find(|p| *p.uri() == uri)
        .and_then(|p| p.value().as_single().map(str::to_owned))
}

/// A mail folder (`mailFolder`), as much as a client needs.
pub(crate) fn mail_folder(folder: Folder, total: usize) -> Value {
    json!({
        "id": folder_id(folder),
        "displayName": folder.as_ews_str(),
        "totalItemCount": total,
    })
}
