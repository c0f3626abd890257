//! One mail message to create: a borrowed view the writer turns into `t:Message`.

use super::Importance;
use super::property::{ExtendedProperty, write_delivery_id_property};
use crate::address::SmtpAddress;
use crate::delivery_id::DeliveryId;
use crate::xml::escape::{push_cdata, push_text};

/// The format of a message body (`BodyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BodyType {
    /// HTML (`HTML`), the default.
    #[default]
    Html,
    /// Plain text (`Text`).
    Text,
}

impl BodyType {
    /// The schema value.
    #[must_use]
    pub const fn as_ews_str(self) -> &'static str {
        match self {
            Self::Html => "HTML",
            Self::Text => "Text",
        }
    }
}

/// A message body: its format and content (unescaped; the writer escapes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Body<'a> {
    /// HTML or text.
    pub kind: BodyType,
    /// The content as the recipient should see it (HTML markup for [`BodyType::Html`]).
    pub content: &'a str,
}

impl<'a> Body<'a> {
    /// An HTML body.
    #[must_use]
    pub const fn html(content: &'a str) -> Self {
        Self {
            kind: BodyType::Html,
            content,
        }
    }

    /// A plain-text body.
    #[must_use]
    pub const fn text(content: &'a str) -> Self {
        Self {
            kind: BodyType::Text,
            content,
        }
    }
}

/// A mailbox in a message: SMTP address and optional display name (`t:Mailbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mailbox<'a> {
    /// The SMTP address.
    pub address: &'a SmtpAddress,
    /// The display name (`t:Name`), if any.
    pub name: Option<&'a str>,
}

impl<'a> Mailbox<'a> {
    /// A mailbox without display name.
    #[must_use]
    pub const fn new(address: &'a SmtpAddress) -> Self {
        Self {
            address,
            name: None,
        }
    }

    /// A mailbox with a display name.
    #[must_use]
    pub const fn named(address: &'a SmtpAddress, name: &'a str) -> Self {
        Self {
            address,
            name: Some(name),
        }
    }

    pub(crate) fn write(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"<t:Mailbox>");
        if let Some(name) = self.name {
            buf.extend_from_slice(b"<t:Name>");
            push_text(buf, name);
            buf.extend_from_slice(b"</t:Name>");
        }
        buf.extend_from_slice(b"<t:EmailAddress>");
        push_text(buf, self.address.as_str());
        buf.extend_from_slice(b"</t:EmailAddress></t:Mailbox>");
    }
}

/// One message of a `CreateItem` request, borrowed from the caller's data.
///
/// Build it with [`MessageItem::new`] and the chained setters, or fill the public
/// fields directly. Unset optional fields are left out of the request, so Exchange
/// applies its own defaults (class `IPM.Note`, importance normal, unread). Text may
/// be any Unicode: the writer escapes markup and replaces characters XML 1.0 cannot
/// carry with `U+FFFD`.
///
/// Written in the schema's order: `t:ItemClass`, `t:Subject`, `t:Body`,
/// `t:Importance`, the extended properties (the caller's, then the delivery id),
/// `t:ToRecipients`, `t:From`, `t:IsRead`.
///
/// ```
/// use offline_im::compose::DeliveryId;
/// use offline_im::ews::{Body, Importance, Mailbox, MessageItem};
///
/// let kim = "kim@contoso.com".parse()?;
/// let pat = "pat@contoso.com".parse()?;
/// let to = [Mailbox::named(&pat, "Pat Coleman")];
/// let item = MessageItem::new("Missed conversation with Kim", Body::html("<p>Hi</p>"))
///     .item_class("IPM.Note.Microsoft.Missed")
///     .importance(Importance::High)
///     .from(Mailbox::named(&kim, "Kim Akers"))
///     .to(&to)
///     .delivery_id(DeliveryId::new());
/// assert_eq!(item.to.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageItem<'a> {
    /// The item class (`t:ItemClass`), e.g. `IPM.Note.Microsoft.Missed`; `None`: left out.
    pub item_class: Option<&'a str>,
    /// The subject.
    pub subject: &'a str,
    /// The body.
    pub body: Body<'a>,
    /// The importance; `None`: left out (normal).
    pub importance: Option<Importance>,
    /// Whether the item is marked read; `None`: left out.
    pub is_read: Option<bool>,
    /// The sender (`t:From`); `None`: the mailbox the request acts on.
    pub from: Option<Mailbox<'a>>,
    /// The recipients (`t:ToRecipients`); empty: left out.
    pub to: &'a [Mailbox<'a>],
    /// Extended properties, written in this order.
    pub extended_properties: &'a [ExtendedProperty<'a>],
    /// The delivery id, written as the [`DELIVERY_ID_PROPERTY`](super::DELIVERY_ID_PROPERTY)
    /// extended property after the others; `None`: left out.
    pub delivery_id: Option<DeliveryId>,
}

impl<'a> MessageItem<'a> {
    /// A message with `subject` and `body`, everything else unset.
    #[must_use]
    pub const fn new(subject: &'a str, body: Body<'a>) -> Self {
        Self {
            item_class: None,
            subject,
            body,
            importance: None,
            is_read: None,
            from: None,
            to: &[],
            extended_properties: &[],
            delivery_id: None,
        }
    }

    /// Sets the item class.
    #[must_use]
    pub const fn item_class(mut self, class: &'a str) -> Self {
        self.item_class = Some(class);
        self
    }

    /// Sets the importance.
    #[must_use]
    pub const fn importance(mut self, importance: Importance) -> Self {
        self.importance = Some(importance);
        self
    }

    /// Sets whether the item is marked read.
    #[must_use]
    pub const fn is_read(mut self, is_read: bool) -> Self {
        self.is_read = Some(is_read);
        self
    }

    /// Sets the sender.
    #[must_use]
    pub const fn from(mut self, from: Mailbox<'a>) -> Self {
        self.from = Some(from);
        self
    }

    /// Sets the recipients.
    #[must_use]
    pub const fn to(mut self, to: &'a [Mailbox<'a>]) -> Self {
        self.to = to;
        self
    }

    /// Sets the extended properties.
    #[must_use]
    pub const fn extended_properties(mut self, properties: &'a [ExtendedProperty<'a>]) -> Self {
        self.extended_properties = properties;
        self
    }

    /// Sets the delivery id.
    #[must_use]
    pub const fn delivery_id(mut self, id: DeliveryId) -> Self {
        self.delivery_id = Some(id);
        self
    }

    /// Writes `<t:Message>...</t:Message>`.
    pub(crate) fn write(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"<t:Message>");
        if let Some(class) = self.item_class {
            buf.extend_from_slice(b"<t:ItemClass>");
            push_text(buf, class);
            buf.extend_from_slice(b"</t:ItemClass>");
        }
        buf.extend_from_slice(b"<t:Subject>");
        push_text(buf, self.subject);
        buf.extend_from_slice(b"</t:Subject><t:Body BodyType=\"");
        buf.extend_from_slice(self.body.kind.as_ews_str().as_bytes());
        buf.extend_from_slice(b"\">");
        push_cdata(buf, self.body.content);
        buf.extend_from_slice(b"</t:Body>");
        if let Some(importance) = self.importance {
            buf.extend_from_slice(b"<t:Importance>");
            buf.extend_from_slice(importance.as_ews_str().as_bytes());
            buf.extend_from_slice(b"</t:Importance>");
        }
        for property in self.extended_properties {
            property.write(buf);
        }
        if let Some(id) = self.delivery_id {
            write_delivery_id_property(buf, id);
        }
        if !self.to.is_empty() {
            buf.extend_from_slice(b"<t:ToRecipients>");
            for mailbox in self.to {
                mailbox.write(buf);
            }
            buf.extend_from_slice(b"</t:ToRecipients>");
        }
        if let Some(from) = &self.from {
            buf.extend_from_slice(b"<t:From>");
            from.write(buf);
            buf.extend_from_slice(b"</t:From>");
        }
        if let Some(is_read) = self.is_read {
            buf.extend_from_slice(if is_read {
                b"<t:IsRead>true</t:IsRead>"
            } else {
                b"<t:IsRead>false</t:IsRead>"
            });
        }
        buf.extend_from_slice(b"</t:Message>");
    }
}
