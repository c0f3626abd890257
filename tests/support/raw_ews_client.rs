//! Shared helpers for the testkit tests: a raw HTTP/1.1 client over a TCP socket and
//! hand-written EWS SOAP requests.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

pub const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const T: &str = "http://schemas.microsoft.com/exchange/services/2006/types";
pub const M: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";

/// An HTTP reply as read off the socket.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every `m:ResponseCode`, in order.
    pub fn response_codes(&self) -> Vec<String> {
        between_all(&self.body, "<m:ResponseCode>", "</m:ResponseCode>")
    }

    /// The `e:ResponseCode` of a SOAP fault.
    pub fn fault_code(&self) -> Option<String> {
        let start = self.body.find("<e:ResponseCode")?;
        let rest = &self.body[start..];
        let open_end = rest.find('>')?;
        let close = rest.find("</e:ResponseCode>")?;
        Some(rest[open_end + 1..close].to_owned())
    }

    /// Every `t:ItemId/@Id`, in order.
    pub fn item_ids(&self) -> Vec<String> {
        between_all(&self.body, "<t:ItemId Id=\"", "\"")
    }

    /// Every text of element `<tag>` (with its prefix, e.g. `t:IsSubmitted`), in order.
    pub fn texts(&self, tag: &str) -> Vec<String> {
        between_all(&self.body, &format!("<{tag}>"), &format!("</{tag}>"))
    }

    /// Every `MessageXml` value named `name`, in order.
    pub fn values_named(&self, name: &str) -> Vec<String> {
        between_all(
            &self.body,
            &format!("<t:Value Name=\"{name}\">"),
            "</t:Value>",
        )
    }

    /// Every `BackOffMilliseconds` value, in order.
    pub fn back_offs(&self) -> Vec<u64> {
        between_all(
            &self.body,
            "<t:Value Name=\"BackOffMilliseconds\">",
            "</t:Value>",
        )
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect()
    }
}

fn between_all(text: &str, open: &str, close: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else { break };
        out.push(after[..end].to_owned());
        rest = &after[end..];
    }
    out
}

/// `Authorization: Basic ...` for `user:password`.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// Sends one HTTP/1.1 request on a fresh connection. `None` when the server closed
/// the connection without replying.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Reply> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\nConnection: close\r\n"
    );
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        let _ = write!(head, "Content-Length: {}\r\n", body.len());
    }
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect to the test server");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf))
        .await
        .expect("the server answers or closes within 20 s");
    if read.is_err() || buf.is_empty() {
        return None;
    }
    Some(parse_reply(&buf))
}

fn parse_reply(buf: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(buf);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// POSTs a SOAP request and hangs up after `after` without reading the reply, as a
/// client whose timeout expired.
pub async fn post_and_hang_up(addr: SocketAddr, auth: Option<&str>, body: &str, after: Duration) {
    let mut head = format!(
        "POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(a) = auth {
        let _ = write!(head, "Authorization: {a}\r\n");
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect to the test server");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body.as_bytes()).await.expect("write body");
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(after, stream.read(&mut buf)).await;
    assert!(
        read.is_err(),
        "the server answered before the client gave up"
    );
    drop(stream);
}

/// POSTs a SOAP request to the EWS path.
pub async fn post(addr: SocketAddr, auth: Option<&str>, body: &str) -> Option<Reply> {
    let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
    http(
        addr,
        "POST",
        "/EWS/Exchange.asmx",
        &headers,
        body.as_bytes(),
    )
    .await
}

/// POSTs and insists on a reply.
pub async fn post_ok(addr: SocketAddr, auth: Option<&str>, body: &str) -> Reply {
    post(addr, auth, body).await.expect("a reply")
}

/// A SOAP envelope with the usual EWS headers.
pub fn envelope(version: Option<&str>, impersonate: Option<&str>, body: &str) -> String {
    let mut header = String::new();
    if let Some(v) = version {
        let _ = write!(header, r#"<t:RequestServerVersion Version="{v}"/>"#);
    }
    if let Some(who) = impersonate {
        let _ = write!(
            header,
            "<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>{who}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
        );
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="{SOAP}" xmlns:t="{T}" xmlns:m="{M}">
  <soap:Header>{header}</soap:Header>
  <soap:Body>{body}</soap:Body>
</soap:Envelope>"#
    )
}

/// A `t:Message`, written in schema order.
#[derive(Debug, Clone, Default)]
pub struct Msg {
    pub item_class: Option<String>,
    pub subject: String,
    pub html: Option<String>,
    pub text: Option<String>,
    pub importance: Option<String>,
    /// (ExtendedFieldURI attributes, value).
    pub props: Vec<(String, String)>,
    pub to: Vec<String>,
    pub from: Option<String>,
    pub is_read: Option<bool>,
}

impl Msg {
    pub fn new(subject: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            text: Some(format!("body of {subject}")),
            ..Self::default()
        }
    }

    pub fn class(mut self, class: &str) -> Self {
        self.item_class = Some(class.to_owned());
        self
    }

    pub fn to(mut self, address: &str) -> Self {
        self.to.push(address.to_owned());
        self
    }

    pub fn from(mut self, address: &str) -> Self {
        self.from = Some(address.to_owned());
        self
    }

    pub fn html(mut self, html: &str) -> Self {
        self.html = Some(html.to_owned());
        self.text = None;
        self
    }

    /// A PublicStrings named string property.
    pub fn named(mut self, name: &str, value: &str) -> Self {
        self.props.push((
            format!(r#"DistinguishedPropertySetId="PublicStrings" PropertyName="{name}" PropertyType="String""#),
            value.to_owned(),
        ));
        self
    }

    /// The crate's delivery id (`OfflineImDeliveryId` in its own property set).
    pub fn delivery_id(mut self, value: &str) -> Self {
        self.props.push((
            format!(r#"PropertySetId="{DELIVERY_SET}" PropertyName="OfflineImDeliveryId" PropertyType="String""#),
            value.to_owned(),
        ));
        self
    }

    pub fn tag(mut self, tag: &str, kind: &str, value: &str) -> Self {
        self.props.push((
            format!(r#"PropertyTag="{tag}" PropertyType="{kind}""#),
            value.to_owned(),
        ));
        self
    }

    pub fn xml(&self) -> String {
        let mut x = String::from("<t:Message>");
        if let Some(c) = &self.item_class {
            let _ = write!(x, "<t:ItemClass>{c}</t:ItemClass>");
        }
        let _ = write!(x, "<t:Subject>{}</t:Subject>", escape(&self.subject));
        if let Some(h) = &self.html {
            let _ = write!(x, r#"<t:Body BodyType="HTML">{}</t:Body>"#, escape(h));
        } else if let Some(t) = &self.text {
            let _ = write!(x, r#"<t:Body BodyType="Text">{}</t:Body>"#, escape(t));
        }
        if let Some(i) = &self.importance {
            let _ = write!(x, "<t:Importance>{i}</t:Importance>");
        }
        for (attrs, value) in &self.props {
            let _ = write!(
                x,
                "<t:ExtendedProperty><t:ExtendedFieldURI {attrs}/><t:Value>{}</t:Value></t:ExtendedProperty>",
                escape(value)
            );
        }
        if !self.to.is_empty() {
            x.push_str("<t:ToRecipients>");
            for a in &self.to {
                let _ = write!(
                    x,
                    "<t:Mailbox><t:EmailAddress>{a}</t:EmailAddress></t:Mailbox>"
                );
            }
            x.push_str("</t:ToRecipients>");
        }
        if let Some(f) = &self.from {
            let _ = write!(
                x,
                "<t:From><t:Mailbox><t:EmailAddress>{f}</t:EmailAddress></t:Mailbox></t:From>"
            );
        }
        if let Some(r) = self.is_read {
            let _ = write!(x, "<t:IsRead>{r}</t:IsRead>");
        }
        x.push_str("</t:Message>");
        x
    }
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `m:CreateItem` (body only) with an optional saved-item folder `(id, mailbox)`.
pub fn create_item(
    disposition: &str,
    saved: Option<(&str, Option<&str>)>,
    items: &[Msg],
) -> String {
    let mut x = format!(r#"<m:CreateItem MessageDisposition="{disposition}">"#);
    if let Some((id, mailbox)) = saved {
        x.push_str("<m:SavedItemFolderId>");
        match mailbox {
            Some(mb) => {
                let _ = write!(
                    x,
                    r#"<t:DistinguishedFolderId Id="{id}"><t:Mailbox><t:EmailAddress>{mb}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"#
                );
            }
            None => {
                let _ = write!(x, r#"<t:DistinguishedFolderId Id="{id}"/>"#);
            }
        }
        x.push_str("</m:SavedItemFolderId>");
    }
    x.push_str("<m:Items>");
    for m in items {
        x.push_str(&m.xml());
    }
    x.push_str("</m:Items></m:CreateItem>");
    x
}

/// A whole SendAndSaveCopy request (Exchange2013, copy in conversationhistory).
pub fn send_im(items: &[Msg]) -> String {
    envelope(
        Some("Exchange2013"),
        None,
        &create_item(
            "SendAndSaveCopy",
            Some(("conversationhistory", None)),
            items,
        ),
    )
}

/// `m:FindItem` (body only) in a distinguished folder, restricted to a PublicStrings
/// property equal to `value`, returning that property.
pub fn find_by_named(folder: &str, mailbox: Option<&str>, name: &str, value: &str) -> String {
    let uri = format!(
        r#"<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="{name}" PropertyType="String"/>"#
    );
    let folder_id = match mailbox {
        Some(mb) => format!(
            r#"<t:DistinguishedFolderId Id="{folder}"><t:Mailbox><t:EmailAddress>{mb}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"#
        ),
        None => format!(r#"<t:DistinguishedFolderId Id="{folder}"/>"#),
    };
    format!(
        r#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:ItemClass"/><t:FieldURI FieldURI="item:Subject"/>{uri}</t:AdditionalProperties></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/><m:Restriction><t:IsEqualTo>{uri}<t:FieldURIOrConstant><t:Constant Value="{value}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds>{folder_id}</m:ParentFolderIds></m:FindItem>"#
    )
}

/// The property set of the crate's delivery id.
pub const DELIVERY_SET: &str = "84e14aa7-1b60-4f34-b909-719b1387b4c7";

/// `m:FindItem` (body only) exactly as the client reads the newest items of a folder:
/// no restriction, newest first by `item:DateTimeCreated`, one indexed page, with
/// `DateTimeCreated`, `IsSubmitted` and the delivery id.
pub fn find_newest(folder: &str, mailbox: Option<&str>, max: usize, offset: usize) -> String {
    let folder_id = match mailbox {
        Some(mb) => format!(
            r#"<t:DistinguishedFolderId Id="{folder}"><t:Mailbox><t:EmailAddress>{mb}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"#
        ),
        None => format!(r#"<t:DistinguishedFolderId Id="{folder}"/>"#),
    };
    format!(
        r#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:DateTimeCreated"/><t:FieldURI FieldURI="item:IsSubmitted"/><t:ExtendedFieldURI PropertySetId="{DELIVERY_SET}" PropertyName="OfflineImDeliveryId" PropertyType="String"/></t:AdditionalProperties></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="{max}" Offset="{offset}" BasePoint="Beginning"/><m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="item:DateTimeCreated"/></t:FieldOrder></m:SortOrder><m:ParentFolderIds>{folder_id}</m:ParentFolderIds></m:FindItem>"#
    )
}

/// `m:GetItem` (body only) of `ids` with all properties.
pub fn get_item(ids: &[&str]) -> String {
    let mut x = String::from(
        "<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>",
    );
    for id in ids {
        let _ = write!(x, r#"<t:ItemId Id="{id}"/>"#);
    }
    x.push_str("</m:ItemIds></m:GetItem>");
    x
}

/// `m:DeleteItem` (body only).
pub fn delete_item(kind: &str, ids: &[&str]) -> String {
    let mut x = format!(r#"<m:DeleteItem DeleteType="{kind}"><m:ItemIds>"#);
    for id in ids {
        let _ = write!(x, r#"<t:ItemId Id="{id}"/>"#);
    }
    x.push_str("</m:ItemIds></m:DeleteItem>");
    x
}

pub fn addr(text: &str) -> offline_im::address::SmtpAddress {
    text.parse().expect("a valid SMTP address")
}
