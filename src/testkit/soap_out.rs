//! Writing SOAP replies the way Exchange writes them (and valid against the EWS schema).

use std::fmt::Write as _;
use std::time::Duration;

use quick_xml::escape::escape;

use super::props::{ExtendedFieldUri, PropertyValue};
use super::store::{Recipient, StoredItem};
use super::xml::{E_NS, M_NS, SOAP_NS, T_NS};

/// The `t:ServerVersionInfo` this server claims (Exchange Server 2019 CU-era numbers).
const SERVER_VERSION: &str = r#"MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="11" Version="V2017_07_11""#;

/// One `m:*ResponseMessage`.
#[derive(Debug, Clone)]
pub(crate) struct ResponseMessage {
    /// `None` for success; else (code, text).
    pub(crate) error: Option<(&'static str, String)>,
    /// `m:MessageXml/t:Value` elements: (name, text).
    pub(crate) values: Vec<(&'static str, String)>,
    pub(crate) payload: Payload,
}

impl ResponseMessage {
    pub(crate) fn success(payload: Payload) -> Self {
        Self {
            error: None,
            values: Vec::new(),
            payload,
        }
    }

    pub(crate) fn error(code: &'static str, text: impl Into<String>, payload: Payload) -> Self {
        Self {
            error: Some((code, text.into())),
            values: Vec::new(),
            payload,
        }
    }
}

/// What follows the response code.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    /// Nothing (DeleteItem).
    None,
    /// `m:Items` holding these items (written already).
    Items(Vec<String>),
    /// Elements written already (`m:Folders`, `m:ResolutionSet`, ...).
    Raw(String),
    /// `m:RootFolder` of a FindItem: (offset after this page, total, last page?, items).
    RootFolder {
        next_offset: usize,
        total: usize,
        last: bool,
        items: Vec<String>,
    },
}

/// Which properties an item is written with.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    pub(crate) item_class: bool,
    pub(crate) subject: bool,
    pub(crate) body: bool,
    pub(crate) importance: bool,
    pub(crate) to: bool,
    pub(crate) cc: bool,
    pub(crate) from: bool,
    pub(crate) is_read: bool,
    pub(crate) created: bool,
    pub(crate) is_submitted: bool,
    pub(crate) extended: Vec<ExtendedFieldUri>,
}

/// A whole success envelope around `m:{operation}Response`.
pub(crate) fn response(operation: &str, messages: &[ResponseMessage]) -> String {
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP_NS}"><s:Header><h:ServerVersionInfo {SERVER_VERSION} xmlns:h="{T_NS}"/></s:Header><s:Body><m:{operation}Response xmlns:m="{M_NS}" xmlns:t="{T_NS}"><m:ResponseMessages>"#
    );
    for msg in messages {
        write_message(&mut out, operation, msg);
    }
    let _ = write!(
        out,
        "</m:ResponseMessages></m:{operation}Response></s:Body></s:Envelope>"
    );
    out
}

fn write_message(out: &mut String, operation: &str, msg: &ResponseMessage) {
    let class = if msg.error.is_some() {
        "Error"
    } else {
        "Success"
    };
    let _ = write!(
        out,
        r#"<m:{operation}ResponseMessage ResponseClass="{class}">"#
    );
    match &msg.error {
        None => out.push_str("<m:ResponseCode>NoError</m:ResponseCode>"),
        Some((code, text)) => {
            let _ = write!(
                out,
                "<m:MessageText>{}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>",
                escape(text.as_str())
            );
            if !msg.values.is_empty() {
                out.push_str("<m:MessageXml>");
                write_values(out, &msg.values);
                out.push_str("</m:MessageXml>");
            }
        }
    }
    match &msg.payload {
        Payload::None => {}
        Payload::Raw(xml) => out.push_str(xml),
        Payload::Items(items) if items.is_empty() => out.push_str("<m:Items/>"),
        Payload::Items(items) => {
            out.push_str("<m:Items>");
            items.iter().for_each(|i| out.push_str(i));
            out.push_str("</m:Items>");
        }
        Payload::RootFolder {
            next_offset,
            total,
            last,
            items,
        } => {
            let _ = write!(
                out,
                r#"<m:RootFolder IndexedPagingOffset="{next_offset}" TotalItemsInView="{total}" IncludesLastItemInRange="{last}"><t:Items>"#
            );
            items.iter().for_each(|i| out.push_str(i));
            out.push_str("</t:Items></m:RootFolder>");
        }
    }
    let _ = write!(out, "</m:{operation}ResponseMessage>");
}

/// `<t:Message><t:ItemId .../></t:Message>`: what a SaveOnly CreateItem returns.
pub(crate) fn item_id_only(id: &str, change_key: &str) -> String {
    format!(
        r#"<t:Message><t:ItemId Id="{}" ChangeKey="{}"/></t:Message>"#,
        escape(id),
        escape(change_key)
    )
}

/// An item with the properties `fields` asks for, in schema order.
pub(crate) fn item(item: &StoredItem, fields: &Fields) -> String {
    let mut out = String::from("<t:Message>");
    let _ = write!(
        out,
        r#"<t:ItemId Id="{}" ChangeKey="{}"/>"#,
        escape(item.id()),
        escape(item.change_key())
    );
    if fields.item_class {
        let _ = write!(
            out,
            "<t:ItemClass>{}</t:ItemClass>",
            escape(item.item_class())
        );
    }
    if fields.subject
        && let Some(s) = item.subject()
    {
        let _ = write!(out, "<t:Subject>{}</t:Subject>", escape(s));
    }
    if fields.body
        && let (Some(t), Some(b)) = (item.body_type(), item.body())
    {
        let _ = write!(
            out,
            r#"<t:Body BodyType="{}">{}</t:Body>"#,
            t.as_ews_str(),
            escape(b)
        );
    }
    if fields.importance {
        let _ = write!(
            out,
            "<t:Importance>{}</t:Importance>",
            item.importance().unwrap_or("Normal")
        );
    }
    // types.xsd ItemType sequence: ... Importance, InReplyTo, IsSubmitted, ...,
    // DateTimeSent, DateTimeCreated, ..., ExtendedProperty.
    if fields.is_submitted {
        let _ = write!(
            out,
            "<t:IsSubmitted>{}</t:IsSubmitted>",
            item.is_submitted()
        );
    }
    if fields.created {
        let _ = write!(
            out,
            "<t:DateTimeCreated>{}</t:DateTimeCreated>",
            utc_date_time(item.created())
        );
    }
    for uri in &fields.extended {
        if let Some(value) = item.extended_value(uri) {
            write_extended(&mut out, uri, value);
        }
    }
    if fields.to && !item.to().is_empty() {
        write_recipients(&mut out, "ToRecipients", item.to());
    }
    if fields.cc && !item.cc().is_empty() {
        write_recipients(&mut out, "CcRecipients", item.cc());
    }
    if fields.from
        && let Some(f) = item.from()
    {
        out.push_str("<t:From>");
        write_mailbox(&mut out, f);
        out.push_str("</t:From>");
    }
    if fields.is_read {
        let _ = write!(out, "<t:IsRead>{}</t:IsRead>", item.is_read());
    }
    out.push_str("</t:Message>");
    out
}

/// `xs:dateTime` in UTC with `Z`, whole seconds, as Exchange writes it.
fn utc_date_time(when: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    when.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

fn write_extended(out: &mut String, uri: &ExtendedFieldUri, value: &PropertyValue) {
    out.push_str("<t:ExtendedProperty><t:ExtendedFieldURI");
    for (k, v) in uri.attributes() {
        let _ = write!(out, r#" {k}="{}""#, escape(v.as_str()));
    }
    out.push_str("/>");
    match value {
        PropertyValue::Single(v) => {
            let _ = write!(out, "<t:Value>{}</t:Value>", escape(v.as_str()));
        }
        PropertyValue::Multi(vs) => {
            out.push_str("<t:Values>");
            for v in vs {
                let _ = write!(out, "<t:Value>{}</t:Value>", escape(v.as_str()));
            }
            out.push_str("</t:Values>");
        }
    }
    out.push_str("</t:ExtendedProperty>");
}

fn write_recipients(out: &mut String, element: &str, list: &[Recipient]) {
    let _ = write!(out, "<t:{element}>");
    for r in list {
        write_mailbox(out, r);
    }
    let _ = write!(out, "</t:{element}>");
}

fn write_mailbox(out: &mut String, r: &Recipient) {
    out.push_str("<t:Mailbox>");
    if let Some(n) = r.name() {
        let _ = write!(out, "<t:Name>{}</t:Name>", escape(n));
    }
    let _ = write!(
        out,
        "<t:EmailAddress>{}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox>",
        escape(r.address().as_str())
    );
}

fn write_values(out: &mut String, values: &[(&'static str, String)]) {
    for (name, text) in values {
        let _ = write!(out, r#"<t:Value Name="{name}">{}</t:Value>"#, escape(text));
    }
}

/// The `MessageXml` values of a busy answer.
pub(crate) fn busy_values(back_off: Duration) -> Vec<(&'static str, String)> {
    vec![("BackOffMilliseconds", back_off.as_millis().to_string())]
}

/// The `MessageXml` values of an `ErrorInternalServerError` hiding a busy answer, in
/// the order a real Exchange `ErrorInternalServerError` reply lists its inner error
/// (`InnerErrorMessageText`, `InnerErrorResponseCode`, `InnerErrorDescriptiveLinkKey`),
/// then the back-off. The EWS Managed API (`ServiceResponseException`) and
/// exchangelib (`services/common.py`) both read `InnerErrorResponseCode` from it.
pub(crate) fn inner_busy_values(back_off: Duration) -> Vec<(&'static str, String)> {
    vec![
        (
            "InnerErrorMessageText",
            "The server cannot service this request right now. Try again later.".to_owned(),
        ),
        ("InnerErrorResponseCode", "ErrorServerBusy".to_owned()),
        ("InnerErrorDescriptiveLinkKey", "0".to_owned()),
        ("BackOffMilliseconds", back_off.as_millis().to_string()),
    ]
}

/// A SOAP fault, as Exchange writes it: `faultcode` `a:<code>`, the EWS response code
/// and message in the detail, and `MessageXml` values when given.
pub(crate) fn fault(
    code: &str,
    client: bool,
    text: &str,
    values: &[(&'static str, String)],
) -> String {
    let mut out = String::with_capacity(768);
    let _ = write!(
        out,
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP_NS}"><s:Body><s:Fault>"#
    );
    if client {
        out.push_str("<faultcode>s:Client</faultcode>");
    } else {
        let _ = write!(out, r#"<faultcode xmlns:a="{T_NS}">a:{code}</faultcode>"#);
    }
    let _ = write!(
        out,
        r#"<faultstring xml:lang="en-US">{}</faultstring><detail><e:ResponseCode xmlns:e="{E_NS}">{code}</e:ResponseCode><e:Message xmlns:e="{E_NS}">{}</e:Message>"#,
        escape(text),
        escape(text)
    );
    if !values.is_empty() {
        let _ = write!(out, r#"<t:MessageXml xmlns:t="{T_NS}">"#);
        write_values(&mut out, values);
        out.push_str("</t:MessageXml>");
    }
    out.push_str("</detail></s:Fault></s:Body></s:Envelope>");
    out
}

/// A reply that is cut off in the middle: not well-formed XML.
pub(crate) fn malformed(operation: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP_NS}"><s:Body><m:{operation}Response xmlns:m="{M_NS}"><m:ResponseMessages><m:{operation}ResponseMessage ResponseClass="Succ"#
    )
}
