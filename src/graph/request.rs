//! Graph requests as values: method, URL below the version root, JSON body.

use serde::Serialize;

use super::GraphWriteError;
use super::encode::{push_query_value, push_segment};
use super::message::GraphMessage;
use super::property_id::delivery_id_property_id;
use super::write_error::shorten;
use crate::compose::DeliveryId;
use crate::plan::Folder;

/// The HTTP method of a Graph request: the transport's `Method`, the same type.
pub use crate::transport::Method;

/// Graph's well-known name of `folder` (Microsoft Graph, "mailFolder resource
/// type", well-known folder names: `conversationhistory`, `sentitems`, `drafts`,
/// `inbox`, `outbox`, `deleteditems`). The same spelling as EWS's
/// `DistinguishedFolderId`.
#[must_use]
pub const fn well_known_folder_name(folder: Folder) -> &'static str {
    folder.as_ews_str()
}

/// One Graph request: its method, its URL relative to the version root
/// (`/users/...`, as a `$batch` entry names it; prefix
/// `https://graph.microsoft.com/v1.0` to send it alone) and its JSON body.
///
/// Made by the constructors below, which percent-encode every id they put into
/// the URL, so a `/`, `?` or `#` inside an id cannot change the request.
///
/// ```
/// use offline_im::graph::{GraphRequest, Method};
///
/// let send = GraphRequest::send("kim@contoso.com", "AAMkAD/x=")?;
/// assert_eq!(send.method, Method::Post);
/// assert_eq!(send.url, "/users/kim@contoso.com/messages/AAMkAD%2Fx%3D/send");
/// assert!(send.body.is_none());
/// # Ok::<(), offline_im::graph::GraphWriteError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GraphRequest {
    /// The method.
    pub method: Method,
    /// The URL below the version root, starting with `/`.
    pub url: String,
    /// The JSON body; `None`: no body (`Content-Length: 0` for a `POST`).
    pub body: Option<serde_json::Value>,
}

fn user_url(user: &str) -> Result<String, GraphWriteError> {
    let mut url = String::with_capacity(64);
    url.push_str("/users/");
    push_segment(&mut url, "user id", user)?;
    Ok(url)
}

fn folder_url(user: &str, folder: Option<Folder>) -> Result<String, GraphWriteError> {
    let mut url = user_url(user)?;
    if let Some(folder) = folder {
        url.push_str("/mailFolders/");
        url.push_str(well_known_folder_name(folder));
    }
    url.push_str("/messages");
    Ok(url)
}

fn to_value(
    what: &'static str,
    body: &impl Serialize,
) -> Result<serde_json::Value, GraphWriteError> {
    serde_json::to_value(body).map_err(|e| GraphWriteError::Invalid {
        field: what,
        value: shorten(&e.to_string()),
        rule: "the body must serialize to JSON",
    })
}

impl GraphRequest {
    /// `POST /users/{user}/messages` (or `/users/{user}/mailFolders/{folder}/messages`):
    /// creates `message` as a draft in `user`'s mailbox (in Drafts without a folder).
    ///
    /// # Errors
    /// [`GraphWriteError`] for an empty or control-character user id, or what
    /// [`GraphMessage::check`] finds.
    pub fn create_message(
        user: &str,
        folder: Option<Folder>,
        message: &GraphMessage<'_>,
    ) -> Result<Self, GraphWriteError> {
        message.check()?;
        Ok(Self {
            method: Method::Post,
            url: folder_url(user, folder)?,
            body: Some(to_value("message", message)?),
        })
    }

    /// `POST /users/{user}/messages/{message_id}/send`: sends a draft. No body.
    ///
    /// # Errors
    /// [`GraphWriteError::Invalid`] for an empty or control-character id.
    pub fn send(user: &str, message_id: &str) -> Result<Self, GraphWriteError> {
        let mut url = user_url(user)?;
        url.push_str("/messages/");
        push_segment(&mut url, "message id", message_id)?;
        url.push_str("/send");
        Ok(Self {
            method: Method::Post,
            url,
            body: None,
        })
    }

    /// `POST /users/{user}/sendMail`: creates and sends `message` in one step.
    ///
    /// # Errors
    /// As [`create_message`](Self::create_message).
    pub fn send_mail(
        user: &str,
        message: &GraphMessage<'_>,
        save_to_sent_items: bool,
    ) -> Result<Self, GraphWriteError> {
        message.check()?;
        let mut url = user_url(user)?;
        url.push_str("/sendMail");
        Ok(Self {
            method: Method::Post,
            url,
            body: Some(serde_json::json!({
                "message": to_value("message", message)?,
                "saveToSentItems": save_to_sent_items,
            })),
        })
    }

    /// `DELETE /users/{user}/messages/{message_id}`: removes a draft that was never
    /// sent (Graph moves it to Deleted Items).
    ///
    /// # Errors
    /// [`GraphWriteError::Invalid`] for an empty or control-character id.
    pub fn delete_message(user: &str, message_id: &str) -> Result<Self, GraphWriteError> {
        let mut url = user_url(user)?;
        url.push_str("/messages/");
        push_segment(&mut url, "message id", message_id)?;
        Ok(Self {
            method: Method::Delete,
            url,
            body: None,
        })
    }

    /// `GET` the messages in `user`'s `folder` (all folders when `None`) that carry
    /// delivery id `id`, each with its `id`, `isDraft`, `parentFolderId`,
    /// `createdDateTime` and the delivery-id property expanded
    /// ([`delivery_id_query`]).
    ///
    /// # Errors
    /// [`GraphWriteError::Invalid`] for an empty or control-character user id.
    pub fn find_by_delivery_id(
        user: &str,
        folder: Option<Folder>,
        id: DeliveryId,
    ) -> Result<Self, GraphWriteError> {
        let mut url = folder_url(user, folder)?;
        url.push('?');
        url.push_str(&delivery_id_query(id));
        Ok(Self {
            method: Method::Get,
            url,
            body: None,
        })
    }
}

impl GraphRequest {
    /// [`find_by_delivery_id`](Self::find_by_delivery_id) in `folder`, with the
    /// message flags expanded too ([`recovery_query`]), so that a draft handed
    /// to the transport can be told from one never sent.
    ///
    /// # Errors
    /// [`GraphWriteError::Invalid`] for an empty or control-character user id.
    pub fn find_for_recovery(
        user: &str,
        folder: Folder,
        id: DeliveryId,
    ) -> Result<Self, GraphWriteError> {
        let mut url = folder_url(user, Some(folder))?;
        url.push('?');
        url.push_str(&recovery_query(id));
        Ok(Self {
            method: Method::Get,
            url,
            body: None,
        })
    }

    /// `POST /users/{user}/messages/{message_id}/move` to the well-known
    /// `folder` ("message: move"; the moved message gets a new id).
    ///
    /// # Errors
    /// [`GraphWriteError::Invalid`] for an empty or control-character id.
    pub fn move_message(
        user: &str,
        message_id: &str,
        folder: Folder,
    ) -> Result<Self, GraphWriteError> {
        let mut url = user_url(user)?;
        url.push_str("/messages/");
        push_segment(&mut url, "message id", message_id)?;
        url.push_str("/move");
        Ok(Self {
            method: Method::Post,
            url,
            body: Some(serde_json::json!({ "destinationId": well_known_folder_name(folder) })),
        })
    }
}

/// The id of `PidTagMessageFlags` in Graph's syntax: `Integer 0x0E07`
/// ([MS-OXCMSG] 2.2.1.6: `mfSubmitted` 0x4 marks a message handed to the
/// transport, `mfUnsent` 0x8 one not sent yet). Whether Exchange Online returns
/// it through `$expand` is **unverified**; a lookup that gets no flags treats a
/// draft as submitted, so nothing in flight is deleted.
pub const MESSAGE_FLAGS_PROPERTY_ID: &str = "Integer 0x0E07";

/// [`delivery_id_query`] with the message flags ([`MESSAGE_FLAGS_PROPERTY_ID`])
/// expanded next to the delivery id.
#[must_use]
pub fn recovery_query(id: DeliveryId) -> String {
    lookup_query(
        id,
        &format!(
            "id eq '{}' or id eq '{MESSAGE_FLAGS_PROPERTY_ID}'",
            delivery_id_property_id()
        ),
    )
}

/// The OData `$filter` expression that matches messages whose delivery-id
/// property is `id`, in the form Microsoft documents for a single-value extended
/// property ("Get singleValueLegacyExtendedProperty", filter example):
///
/// `singleValueExtendedProperties/Any(ep: ep/id eq 'String {…} Name OfflineImDeliveryId' and ep/value eq '…')`
///
/// Not URL-encoded: [`delivery_id_query`] encodes it. One id per filter: whether
/// Graph accepts `or` inside the lambda is not documented, and a `$batch` of up
/// to 20 such queries looks up 20 ids in one round trip.
///
/// ```
/// use offline_im::compose::DeliveryId;
/// use offline_im::graph::delivery_id_filter;
///
/// let id: DeliveryId = "67e55044-10b1-426f-9247-bb680e5fe0c8".parse()?;
/// assert_eq!(
///     delivery_id_filter(id),
///     "singleValueExtendedProperties/Any(ep: ep/id eq \
///      'String {84e14aa7-1b60-4f34-b909-719b1387b4c7} Name OfflineImDeliveryId' \
///      and ep/value eq '67e55044-10b1-426f-9247-bb680e5fe0c8')"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn delivery_id_filter(id: DeliveryId) -> String {
    // Neither the property id nor a hyphenated UUID holds a `'`, so no OData
    // quote doubling is needed.
    format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq '{}' and ep/value eq '{id}')",
        delivery_id_property_id()
    )
}

/// The URL-encoded query string (without `?`) that finds messages by delivery
/// id: `$filter` ([`delivery_id_filter`]), `$select` of what the exactly-once
/// check needs, and `$expand` of the delivery-id property so each match says
/// which id it carries.
#[must_use]
pub fn delivery_id_query(id: DeliveryId) -> String {
    lookup_query(id, &format!("id eq '{}'", delivery_id_property_id()))
}

/// `$filter` by delivery id, the `$select` the exactly-once check needs, and
/// `$expand` of the extended properties `expanded` (an OData filter on `id`)
/// selects; every value URL-encoded.
fn lookup_query(id: DeliveryId, expanded: &str) -> String {
    let mut query = String::with_capacity(512);
    query.push_str("$filter=");
    push_query_value(&mut query, &delivery_id_filter(id));
    query.push_str("&$select=id,isDraft,parentFolderId,createdDateTime");
    query.push_str("&$expand=");
    push_query_value(
        &mut query,
        &format!("singleValueExtendedProperties($filter={expanded})"),
    );
    query
}
