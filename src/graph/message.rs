//! The JSON of a message to create in the sender's mailbox (Graph `message`).

use std::borrow::Cow;

use serde::Serialize;

use super::GraphWriteError;
use super::property_id::{MESSAGE_CLASS_PROPERTY_ID, delivery_id_property_id};
use super::write_error::shorten;
use crate::compose::{DeliveryId, Importance};
use crate::plan::DeliveryPlan;

/// The format of a message body (Graph `bodyType`: `text` or `html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentType {
    /// `html`, the default (what the EWS path sends).
    #[default]
    Html,
    /// `text`.
    Text,
}

/// A message body (Graph `itemBody`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody<'a> {
    /// HTML or text.
    pub content_type: ContentType,
    /// The content as the recipient should see it; JSON escaping is the writer's job.
    pub content: &'a str,
}

/// An e-mail address with an optional display name (Graph `emailAddress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct EmailAddress<'a> {
    /// The SMTP address.
    pub address: &'a str,
    /// The display name, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

/// A recipient (Graph `recipient`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient<'a> {
    /// Who.
    pub email_address: EmailAddress<'a>,
}

impl<'a> Recipient<'a> {
    /// The recipient `address`, shown as `name` when given.
    #[must_use]
    pub const fn new(address: &'a str, name: Option<&'a str>) -> Self {
        Self {
            email_address: EmailAddress { address, name },
        }
    }
}

/// One single-value extended property (Graph `singleValueLegacyExtendedProperty`):
/// its id in Graph's string syntax and its value as a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ExtendedPropertyValue<'a> {
    /// The property id, e.g. `String 0x001A` (see [`delivery_id_property_id`]).
    pub id: Cow<'a, str>,
    /// The value, as Graph carries every type: a string.
    pub value: Cow<'a, str>,
}

impl<'a> ExtendedPropertyValue<'a> {
    /// The delivery-id property with `id` in lower-case hyphenated form.
    #[must_use]
    pub fn delivery_id(id: DeliveryId) -> Self {
        Self {
            id: Cow::Owned(delivery_id_property_id()),
            value: Cow::Owned(id.to_string()),
        }
    }

    /// The message class (`String 0x001A`) `class`.
    #[must_use]
    pub const fn message_class(class: &'a str) -> Self {
        Self {
            id: Cow::Borrowed(MESSAGE_CLASS_PROPERTY_ID),
            value: Cow::Borrowed(class),
        }
    }
}

/// The Graph importance value of `importance` (`low`, `normal`, `high`).
#[must_use]
pub const fn graph_importance(importance: Importance) -> &'static str {
    match importance {
        Importance::Low => "low",
        Importance::High => "high",
        Importance::Normal => "normal",
    }
}

/// A message to create in the sender's mailbox: the body of
/// `POST /users/{id}/messages` (or `.../mailFolders/{folder}/messages`), and the
/// `message` of a `sendMail`.
///
/// Made from a [`DeliveryPlan`] with [`GraphMessage::from_plan`], mapping it as
/// the EWS path maps it into `t:Message`: the same subject and HTML body, the
/// recipient by address and shown name, the sender as `from`, the importance, and
/// as single-value extended properties the delivery id (the same named property as
/// EWS, [`delivery_id_property_id`]) and the item class (`String 0x001A`). Written
/// with [`write_create_message`].
///
/// ```
/// use offline_im::graph::{ContentType, ExtendedPropertyValue, GraphMessage, ItemBody, Recipient};
/// use offline_im::graph::write_create_message;
///
/// let to = [Recipient::new("pat@contoso.com", Some("Pat Coleman"))];
/// let message = GraphMessage {
///     subject: "Missed conversation with Kim",
///     body: ItemBody { content_type: ContentType::Html, content: "<p>Hi</p>" },
///     importance: "normal",
///     to_recipients: &to,
///     from: None,
///     single_value_extended_properties: vec![ExtendedPropertyValue::message_class(
///         "IPM.Note.Microsoft.Missed",
///     )],
/// };
/// let mut buf = Vec::new();
/// write_create_message(&mut buf, &message)?;
/// let json = std::str::from_utf8(&buf)?;
/// assert!(json.contains(r#""id":"String 0x001A","value":"IPM.Note.Microsoft.Missed""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphMessage<'a> {
    /// The subject.
    pub subject: &'a str,
    /// The body.
    pub body: ItemBody<'a>,
    /// `low`, `normal` or `high` ([`graph_importance`]).
    pub importance: &'static str,
    /// The recipients, at least one.
    pub to_recipients: &'a [Recipient<'a>],
    /// The sender; `None`: left out, so Graph uses the mailbox owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Recipient<'a>>,
    /// Extended properties: the delivery id and the class, and any of the caller's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub single_value_extended_properties: Vec<ExtendedPropertyValue<'a>>,
}

impl<'a> GraphMessage<'a> {
    /// The Graph view of `plan`, sent to `to` (make it with [`plan_recipient`]).
    #[must_use]
    pub fn from_plan(plan: &'a DeliveryPlan, to: &'a [Recipient<'a>]) -> Self {
        let message = plan.message();
        Self {
            subject: message.subject(),
            body: ItemBody {
                content_type: ContentType::Html,
                content: message.html(),
            },
            importance: graph_importance(plan.importance()),
            to_recipients: to,
            from: Some(Recipient::new(
                plan.sender().smtp().as_str(),
                Some(plan.sender().shown_name()),
            )),
            single_value_extended_properties: vec![
                ExtendedPropertyValue::message_class(plan.item_class().as_str()),
                ExtendedPropertyValue::delivery_id(plan.delivery_id()),
            ],
        }
    }

    /// Checks what Graph would refuse or what would lose the caller's data.
    ///
    /// # Errors
    /// [`GraphWriteError::Empty`] without recipients; [`GraphWriteError::Invalid`]
    /// for a blank recipient address, a blank property id, or two values for one
    /// property id.
    pub fn check(&self) -> Result<(), GraphWriteError> {
        if self.to_recipients.is_empty() {
            return Err(GraphWriteError::Empty {
                what: "toRecipients",
            });
        }
        if let Some(r) = self
            .to_recipients
            .iter()
            .chain(self.from.as_ref())
            .find(|r| r.email_address.address.trim().is_empty())
        {
            return Err(GraphWriteError::Invalid {
                field: "recipient address",
                value: shorten(r.email_address.address),
                rule: "every recipient needs an SMTP address",
            });
        }
        for (i, p) in self.single_value_extended_properties.iter().enumerate() {
            if p.id.trim().is_empty() {
                return Err(GraphWriteError::Invalid {
                    field: "extended property id",
                    value: shorten(&p.id),
                    rule: "an extended property needs an id such as \"String 0x001A\"",
                });
            }
            if self.single_value_extended_properties[..i]
                .iter()
                .any(|q| q.id.eq_ignore_ascii_case(&p.id))
            {
                return Err(GraphWriteError::Invalid {
                    field: "extended property id",
                    value: shorten(&p.id),
                    rule: "each extended property may be given once; a second value would \
                           silently replace the first",
                });
            }
        }
        Ok(())
    }
}

/// The one recipient of `plan`, by address and shown name, for
/// [`GraphMessage::from_plan`].
#[must_use]
pub fn plan_recipient(plan: &DeliveryPlan) -> [Recipient<'_>; 1] {
    [Recipient::new(
        plan.recipient().smtp().as_str(),
        Some(plan.recipient().shown_name()),
    )]
}

/// Appends the JSON body that creates `message` to `buf`.
///
/// # Errors
/// What [`GraphMessage::check`] finds; nothing is appended then.
pub fn write_create_message(
    buf: &mut Vec<u8>,
    message: &GraphMessage<'_>,
) -> Result<(), GraphWriteError> {
    message.check()?;
    serde_json::to_writer(buf, message).map_err(|e| GraphWriteError::Invalid {
        field: "message",
        value: shorten(&e.to_string()),
        rule: "the message must serialize to JSON",
    })
}

/// The `sendMail` action's parameters: the message and whether Graph keeps a copy
/// in Sent Items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct SendMail<'a, 'm> {
    message: &'m GraphMessage<'a>,
    save_to_sent_items: bool,
}

/// Appends the JSON body of `POST /users/{id}/sendMail` to `buf`: create and send
/// in one step, the copy kept in Sent Items when `save_to_sent_items`.
///
/// Graph answers `202 Accepted` without the new message's id, so only the
/// delivery-id lookup finds it again; see the [module docs](super).
///
/// # Errors
/// What [`GraphMessage::check`] finds; nothing is appended then.
pub fn write_send_mail(
    buf: &mut Vec<u8>,
    message: &GraphMessage<'_>,
    save_to_sent_items: bool,
) -> Result<(), GraphWriteError> {
    message.check()?;
    let body = SendMail {
        message,
        save_to_sent_items,
    };
    serde_json::to_writer(buf, &body).map_err(|e| GraphWriteError::Invalid {
        field: "sendMail",
        value: shorten(&e.to_string()),
        rule: "the message must serialize to JSON",
    })
}
