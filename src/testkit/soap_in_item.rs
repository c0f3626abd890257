//! Reading `m:CreateItem` and the `t:Message` items inside it.

use crate::ews::Disposition;

use super::props::{ExtendedFieldUri, ExtendedProperty, PropertyValue};
use super::soap_in::{CreateItem, InError, parse_folder_id};
use super::xml::{Cursor, El, M_NS, Sequence, T_NS, check_enum, parse_bool};
use crate::ews::BodyType;

/// `t:ItemType` then `t:MessageType` children, in schema order, with whether each
/// may repeat. Elements this server does not store are accepted and skipped.
const MESSAGE_ORDER: &[(&str, bool)] = &[
    ("MimeContent", false),
    ("ItemId", false),
    ("ParentFolderId", false),
    ("ItemClass", false),
    ("Subject", false),
    ("Sensitivity", false),
    ("Body", false),
    ("Attachments", false),
    ("DateTimeReceived", false),
    ("Size", false),
    ("Categories", false),
    ("Importance", false),
    ("InReplyTo", false),
    ("IsSubmitted", false),
    ("IsDraft", false),
    ("IsFromMe", false),
    ("IsResend", false),
    ("IsUnmodified", false),
    ("InternetMessageHeaders", false),
    ("DateTimeSent", false),
    ("DateTimeCreated", false),
    ("ResponseObjects", false),
    ("ReminderDueBy", false),
    ("ReminderIsSet", false),
    ("ReminderNextTime", false),
    ("ReminderMinutesBeforeStart", false),
    ("DisplayCc", false),
    ("DisplayTo", false),
    ("DisplayBcc", false),
    ("HasAttachments", false),
    ("ExtendedProperty", true),
    ("Culture", false),
    // (further ItemType elements are read-only or newer; not accepted here)
    ("Sender", false),
    ("ToRecipients", false),
    ("CcRecipients", false),
    ("BccRecipients", false),
    ("IsReadReceiptRequested", false),
    ("IsDeliveryReceiptRequested", false),
    ("ConversationIndex", false),
    ("ConversationTopic", false),
    ("From", false),
    ("InternetMessageId", false),
    ("IsRead", false),
    ("IsResponseRequested", false),
    ("References", false),
    ("ReplyTo", false),
];

/// A recipient as sent: display name and address text (not yet checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawRecipient {
    pub(crate) name: Option<String>,
    pub(crate) address: Option<String>,
}

/// A `t:Message` of a CreateItem request.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewMessage {
    pub(crate) item_class: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) body: Option<(BodyType, String)>,
    pub(crate) importance: Option<String>,
    pub(crate) extended: Vec<ExtendedProperty>,
    pub(crate) to: Vec<RawRecipient>,
    pub(crate) cc: Vec<RawRecipient>,
    pub(crate) bcc: Vec<RawRecipient>,
    pub(crate) from: Option<RawRecipient>,
    pub(crate) is_read: Option<bool>,
}

/// Reads `m:CreateItem` (its start tag already read).
pub(crate) fn parse_create_item(cur: &mut Cursor<'_>, el: &El) -> Result<CreateItem, InError> {
    let disposition = el
        .attr("MessageDisposition")
        .map(|v| {
            Ok::<_, InError>(
                match check_enum(
                    "MessageDisposition",
                    v,
                    &["SaveOnly", "SendOnly", "SendAndSaveCopy"],
                )? {
                    "SaveOnly" => Disposition::SaveOnly,
                    "SendOnly" => Disposition::SendOnly,
                    _ => Disposition::SendAndSaveCopy,
                },
            )
        })
        .transpose()?;
    let mut seq = Sequence::new(
        "CreateItem",
        M_NS,
        &[("SavedItemFolderId", false), ("Items", false)],
    );
    let mut saved_folder = None;
    let mut items = Vec::new();
    while let Some(child) = cur.child("CreateItem")? {
        seq.accept(&child)?;
        if child.name == "SavedItemFolderId" {
            let mut inner = Sequence::new(
                "SavedItemFolderId",
                T_NS,
                &[("FolderId", false), ("DistinguishedFolderId", false)],
            );
            while let Some(f) = cur.child("SavedItemFolderId")? {
                inner.accept(&f)?;
                if saved_folder.is_some() {
                    return Err(InError::Schema(
                        "The element 'SavedItemFolderId' must hold exactly one folder id.".into(),
                    ));
                }
                saved_folder = Some(parse_folder_id(cur, &f)?);
            }
            if saved_folder.is_none() {
                return Err(InError::Schema(
                    "The element 'SavedItemFolderId' has incomplete content.".into(),
                ));
            }
        } else {
            while let Some(item) = cur.child("Items")? {
                if !item.is(T_NS, "Message") {
                    return Err(InError::Schema(format!(
                        "This server accepts only 't:Message' items, not '{}' in namespace '{}'.",
                        item.name, item.ns
                    )));
                }
                items.push(parse_message(cur)?);
            }
            if items.is_empty() {
                return Err(InError::Schema(
                    "The element 'Items' has incomplete content. List of possible elements expected: 'Item, Message, ...'."
                        .into(),
                ));
            }
        }
    }
    seq.require("Items")?;
    Ok(CreateItem {
        disposition,
        saved_folder,
        items,
    })
}

fn parse_message(cur: &mut Cursor<'_>) -> Result<NewMessage, InError> {
    let mut seq = Sequence::new("Message", T_NS, MESSAGE_ORDER);
    let mut msg = NewMessage::default();
    while let Some(el) = cur.child("Message")? {
        seq.accept(&el)?;
        match el.name.as_str() {
            "ItemClass" => msg.item_class = Some(cur.text("ItemClass")?),
            "Subject" => msg.subject = Some(cur.text("Subject")?),
            "Body" => {
                let Some(bt) = el.attr("BodyType") else {
                    return Err(InError::Schema(
                        "The required attribute 'BodyType' is missing on 'Body'.".into(),
                    ));
                };
                let body_type = match check_enum("BodyType", bt, &["HTML", "Text"])? {
                    "HTML" => BodyType::Html,
                    _ => BodyType::Text,
                };
                msg.body = Some((body_type, cur.text("Body")?));
            }
            "Importance" => {
                let v = cur.text("Importance")?;
                check_enum("Importance", v.trim(), &["Low", "Normal", "High"])?;
                msg.importance = Some(v.trim().to_owned());
            }
            "ExtendedProperty" => msg.extended.push(parse_extended_property(cur)?),
            "ToRecipients" => msg.to = parse_recipients(cur, "ToRecipients")?,
            "CcRecipients" => msg.cc = parse_recipients(cur, "CcRecipients")?,
            "BccRecipients" => msg.bcc = parse_recipients(cur, "BccRecipients")?,
            "From" => msg.from = Some(parse_single_recipient(cur, "From")?),
            "IsRead" => msg.is_read = Some(parse_bool("IsRead", &cur.text("IsRead")?)?),
            _ => cur.skip(),
        }
    }
    Ok(msg)
}

/// Reads a `t:ExtendedProperty` (start tag already read).
pub(crate) fn parse_extended_property(cur: &mut Cursor<'_>) -> Result<ExtendedProperty, InError> {
    let mut seq = Sequence::new(
        "ExtendedProperty",
        T_NS,
        &[
            ("ExtendedFieldURI", false),
            ("Value", false),
            ("Values", false),
        ],
    );
    let mut uri = None;
    let mut value = None;
    while let Some(el) = cur.child("ExtendedProperty")? {
        seq.accept(&el)?;
        match el.name.as_str() {
            "ExtendedFieldURI" => {
                uri = Some(ExtendedFieldUri::from_element(&el)?);
                cur.skip();
            }
            "Value" => {
                if value.is_some() {
                    return Err(InError::Schema(
                        "'ExtendedProperty' takes either 'Value' or 'Values', not both.".into(),
                    ));
                }
                value = Some(PropertyValue::Single(cur.text("Value")?));
            }
            _ => {
                if value.is_some() {
                    return Err(InError::Schema(
                        "'ExtendedProperty' takes either 'Value' or 'Values', not both.".into(),
                    ));
                }
                let mut values = Vec::new();
                let mut vseq = Sequence::new("Values", T_NS, &[("Value", true)]);
                while let Some(v) = cur.child("Values")? {
                    vseq.accept(&v)?;
                    values.push(cur.text("Value")?);
                }
                vseq.require("Value")?;
                value = Some(PropertyValue::Multi(values));
            }
        }
    }
    seq.require("ExtendedFieldURI")?;
    match (uri, value) {
        (Some(uri), Some(value)) => Ok(ExtendedProperty { uri, value }),
        _ => Err(InError::Schema(
            "The element 'ExtendedProperty' has incomplete content. List of possible elements expected: 'Value, Values'."
                .into(),
        )),
    }
}

fn parse_recipients(cur: &mut Cursor<'_>, parent: &str) -> Result<Vec<RawRecipient>, InError> {
    let mut out = Vec::new();
    let mut seq = Sequence::new(parent, T_NS, &[("Mailbox", true)]);
    while let Some(el) = cur.child(parent)? {
        seq.accept(&el)?;
        out.push(parse_mailbox(cur)?);
    }
    Ok(out)
}

fn parse_single_recipient(cur: &mut Cursor<'_>, parent: &str) -> Result<RawRecipient, InError> {
    let mut seq = Sequence::new(parent, T_NS, &[("Mailbox", false)]);
    let mut out = None;
    while let Some(el) = cur.child(parent)? {
        seq.accept(&el)?;
        out = Some(parse_mailbox(cur)?);
    }
    out.ok_or_else(|| {
        InError::Schema(format!(
            "The element '{parent}' has incomplete content. List of possible elements expected: 'Mailbox'."
        ))
    })
}

/// Reads a `t:Mailbox` (`t:EmailAddressType`; start tag already read).
pub(crate) fn parse_mailbox(cur: &mut Cursor<'_>) -> Result<RawRecipient, InError> {
    let mut seq = Sequence::new(
        "Mailbox",
        T_NS,
        &[
            ("Name", false),
            ("EmailAddress", false),
            ("RoutingType", false),
            ("MailboxType", false),
            ("ItemId", false),
            ("OriginalDisplayName", false),
        ],
    );
    let mut out = RawRecipient::default();
    while let Some(el) = cur.child("Mailbox")? {
        seq.accept(&el)?;
        match el.name.as_str() {
            "Name" => out.name = Some(cur.text("Name")?),
            "EmailAddress" => {
                let text = cur.text("EmailAddress")?;
                if text.trim().is_empty() {
                    return Err(InError::Schema(
                        "The element 'EmailAddress' must not be empty.".into(),
                    ));
                }
                out.address = Some(text.trim().to_owned());
            }
            _ => cur.skip(),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::soap_in::{Operation, parse_request};
    use super::super::xml::SOAP_NS;
    use super::*;

    fn create(message: &str) -> Result<CreateItem, InError> {
        let xml = format!(
            r#"<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:t="{T_NS}" xmlns:m="{M_NS}"><soap:Body><m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message>{message}</t:Message></m:Items></m:CreateItem></soap:Body></soap:Envelope>"#
        );
        match parse_request(xml.as_bytes())?.operation {
            Operation::CreateItem(c) => Ok(c),
            _ => unreachable!("a CreateItem request"),
        }
    }

    #[test]
    fn reads_fields_in_schema_order() {
        let c = create(
            r#"<t:ItemClass>IPM.Note.Microsoft.Missed</t:ItemClass><t:Subject>Hi &amp; bye</t:Subject><t:Body BodyType="HTML">&lt;p&gt;x&lt;/p&gt;</t:Body><t:Importance>High</t:Importance><t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="X-Id" PropertyType="String"/><t:Value>42</t:Value></t:ExtendedProperty><t:ToRecipients><t:Mailbox><t:Name>Pat</t:Name><t:EmailAddress>pat@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients><t:From><t:Mailbox><t:EmailAddress>kim@contoso.com</t:EmailAddress></t:Mailbox></t:From><t:IsRead>true</t:IsRead>"#,
        )
        .unwrap();
        let m = &c.items[0];
        assert_eq!(m.item_class.as_deref(), Some("IPM.Note.Microsoft.Missed"));
        assert_eq!(m.subject.as_deref(), Some("Hi & bye"));
        assert_eq!(m.body, Some((BodyType::Html, "<p>x</p>".to_owned())));
        assert_eq!(m.extended.len(), 1);
        assert_eq!(m.to[0].address.as_deref(), Some("pat@contoso.com"));
        assert_eq!(
            m.from.as_ref().unwrap().address.as_deref(),
            Some("kim@contoso.com")
        );
        assert_eq!(m.is_read, Some(true));
    }

    #[test]
    fn extended_property_after_recipients_is_a_schema_error() {
        let err = create(
            r#"<t:Subject>x</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>pat@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x001A" PropertyType="String"/><t:Value>IPM.Note</t:Value></t:ExtendedProperty>"#,
        )
        .unwrap_err();
        let InError::Schema(text) = err else {
            panic!("expected a schema error, got {err:?}")
        };
        assert!(text.contains("ExtendedProperty"), "{text}");
    }

    #[test]
    fn body_without_body_type_and_bad_importance_are_refused() {
        assert!(matches!(
            create(r#"<t:Body>x</t:Body>"#),
            Err(InError::Schema(_))
        ));
        assert!(matches!(
            create(r#"<t:Importance>Urgent</t:Importance>"#),
            Err(InError::Schema(_))
        ));
    }
}
