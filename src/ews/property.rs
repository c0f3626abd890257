//! Extended (MAPI) properties: which property, and its value.

use std::fmt;
use std::io::Write as _;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::WriteError;
use super::error::shorten;
use crate::delivery_id::DeliveryId;
use crate::xml::escape::{push_attr, push_text};

/// A MAPI property tag (its id part, without the type), usable as `PropertyTag`.
///
/// Only `0x0001..=0x7FFF` are tagged properties; ids from `0x8000` are named
/// properties whose ids differ per mailbox, so EWS must address them by property set
/// and name or id instead ([`PropertyPath::named`], [`PropertyPath::named_id`]).
///
/// ```
/// use offline_im::ews::PropertyTag;
///
/// assert_eq!(PropertyTag::new(0x001A)?.get(), 0x001A); // PR_MESSAGE_CLASS
/// assert!(PropertyTag::new(0x8001).is_err());
/// # Ok::<(), offline_im::ews::WriteError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropertyTag(u16);

impl PropertyTag {
    /// The tag `id`.
    ///
    /// # Errors
    /// [`WriteError::PropertyTag`] when `id` is 0 or at least `0x8000`.
    pub const fn new(id: u16) -> Result<Self, WriteError> {
        match id {
            0 => Err(WriteError::PropertyTag {
                tag: id,
                rule: "property tag 0 does not exist; tags run from 0x0001 to 0x7FFF",
            }),
            0x8000.. => Err(WriteError::PropertyTag {
                tag: id,
                rule: "tags from 0x8000 are named properties: address them with \
                       PropertyPath::named or PropertyPath::named_id in their property set",
            }),
            _ => Ok(Self(id)),
        }
    }

    /// The tag's id.
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for PropertyTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#06x}", self.0)
    }
}

/// A well-known property set (`DistinguishedPropertySetId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)] // the names are the schema's
pub enum DistinguishedPropertySet {
    Meeting,
    Appointment,
    Common,
    PublicStrings,
    Address,
    InternetHeaders,
    CalendarAssistant,
    UnifiedMessaging,
    Task,
    Sharing,
}

impl DistinguishedPropertySet {
    /// The schema value.
    #[must_use]
    pub const fn as_ews_str(self) -> &'static str {
        match self {
            Self::Meeting => "Meeting",
            Self::Appointment => "Appointment",
            Self::Common => "Common",
            Self::PublicStrings => "PublicStrings",
            Self::Address => "Address",
            Self::InternetHeaders => "InternetHeaders",
            Self::CalendarAssistant => "CalendarAssistant",
            Self::UnifiedMessaging => "UnifiedMessaging",
            Self::Task => "Task",
            Self::Sharing => "Sharing",
        }
    }
}

/// The property set of a named property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertySet {
    /// A property set by GUID (`PropertySetId`).
    Guid(Uuid),
    /// A well-known property set (`DistinguishedPropertySetId`).
    Distinguished(DistinguishedPropertySet),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Path<'a> {
    Tag(PropertyTag),
    Name(PropertySet, &'a str),
    Id(PropertySet, i32),
}

/// Which extended property (`t:ExtendedFieldURI` without its type).
///
/// Constructed so that only the attribute combinations Exchange accepts exist: a
/// property tag alone, or a property set with a name or a numeric id.
///
/// ```
/// use offline_im::ews::{DistinguishedPropertySet, PropertyPath, PropertySet};
///
/// let class = PropertyPath::tag(0x001A)?;
/// let custom = PropertyPath::named(
///     PropertySet::Distinguished(DistinguishedPropertySet::PublicStrings),
///     "X-Contoso-Thread",
/// )?;
/// # Ok::<(), offline_im::ews::WriteError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PropertyPath<'a>(Path<'a>);

impl<'a> PropertyPath<'a> {
    /// A tagged property, `0x0001..=0x7FFF`.
    ///
    /// # Errors
    /// [`WriteError::PropertyTag`] outside that range (see [`PropertyTag::new`]).
    pub fn tag(id: u16) -> Result<Self, WriteError> {
        PropertyTag::new(id).map(|tag| Self(Path::Tag(tag)))
    }

    /// A named property: `name` in `set`.
    ///
    /// # Errors
    /// [`WriteError::Invalid`] when `name` is empty or only whitespace.
    pub fn named(set: PropertySet, name: &'a str) -> Result<Self, WriteError> {
        if name.trim().is_empty() {
            return Err(WriteError::Invalid {
                field: "property name",
                value: shorten(name),
                rule: "a named property needs a non-empty name",
            });
        }
        Ok(Self(Path::Name(set, name)))
    }

    /// A named property by numeric id (`PropertyId`) in `set`.
    #[must_use]
    pub const fn named_id(set: PropertySet, id: i32) -> Self {
        Self(Path::Id(set, id))
    }

    /// The property tag, for a tagged property.
    #[must_use]
    pub const fn as_tag(&self) -> Option<PropertyTag> {
        match self.0 {
            Path::Tag(t) => Some(t),
            _ => None,
        }
    }

    /// Writes `<t:ExtendedFieldURI .../>`.
    pub(crate) fn write_uri(&self, buf: &mut Vec<u8>, ty: PropertyType) {
        buf.extend_from_slice(b"<t:ExtendedFieldURI ");
        let set = match self.0 {
            Path::Tag(tag) => {
                buf.extend_from_slice(b"PropertyTag=\"");
                push_hex_tag(buf, tag.0);
                buf.extend_from_slice(b"\" ");
                None
            }
            Path::Name(set, _) | Path::Id(set, _) => Some(set),
        };
        match set {
            Some(PropertySet::Guid(guid)) => {
                buf.extend_from_slice(b"PropertySetId=\"");
                let mut tmp = [0u8; 36];
                buf.extend_from_slice(guid.hyphenated().encode_lower(&mut tmp).as_bytes());
                buf.extend_from_slice(b"\" ");
            }
            Some(PropertySet::Distinguished(d)) => {
                buf.extend_from_slice(b"DistinguishedPropertySetId=\"");
                buf.extend_from_slice(d.as_ews_str().as_bytes());
                buf.extend_from_slice(b"\" ");
            }
            None => {}
        }
        match self.0 {
            Path::Name(_, name) => {
                buf.extend_from_slice(b"PropertyName=\"");
                push_attr(buf, name);
                buf.extend_from_slice(b"\" ");
            }
            Path::Id(_, id) => {
                let _ = write!(buf, "PropertyId=\"{id}\" ");
            }
            Path::Tag(_) => {}
        }
        buf.extend_from_slice(b"PropertyType=\"");
        buf.extend_from_slice(ty.as_ews_str().as_bytes());
        buf.extend_from_slice(b"\"/>");
    }
}

fn push_hex_tag(buf: &mut Vec<u8>, tag: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    buf.extend_from_slice(b"0x");
    for shift in [12, 8, 4, 0] {
        buf.push(HEX[usize::from((tag >> shift) & 0xF)]);
    }
}

/// The MAPI type of an extended property (`PropertyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PropertyType {
    /// `String`.
    String,
    /// `Boolean`.
    Boolean,
    /// `Integer` (32 bits).
    Integer,
    /// `Long` (64 bits).
    Long,
    /// `SystemTime`.
    SystemTime,
}

impl PropertyType {
    /// The schema value.
    #[must_use]
    pub const fn as_ews_str(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Boolean => "Boolean",
            Self::Integer => "Integer",
            Self::Long => "Long",
            Self::SystemTime => "SystemTime",
        }
    }
}

/// The value of an extended property; its variant decides the `PropertyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PropertyValue<'a> {
    /// A string.
    String(&'a str),
    /// A boolean, written `true` / `false`.
    Boolean(bool),
    /// A 32-bit integer.
    Integer(i32),
    /// A 64-bit integer.
    Long(i64),
    /// A point in time, written in UTC as RFC 3339.
    SystemTime(OffsetDateTime),
}

impl PropertyValue<'_> {
    /// The MAPI type this value is written as.
    #[must_use]
    pub const fn property_type(&self) -> PropertyType {
        match self {
            Self::String(_) => PropertyType::String,
            Self::Boolean(_) => PropertyType::Boolean,
            Self::Integer(_) => PropertyType::Integer,
            Self::Long(_) => PropertyType::Long,
            Self::SystemTime(_) => PropertyType::SystemTime,
        }
    }

    fn write(&self, buf: &mut Vec<u8>) {
        match *self {
            Self::String(s) => push_text(buf, s),
            Self::Boolean(b) => buf.extend_from_slice(if b { b"true" } else { b"false" }),
            Self::Integer(n) => {
                let _ = write!(buf, "{n}");
            }
            Self::Long(n) => {
                let _ = write!(buf, "{n}");
            }
            Self::SystemTime(t) => {
                let utc = t.to_offset(time::UtcOffset::UTC);
                // Years outside 0..=9999 cannot be written as RFC 3339; EWS would
                // refuse them too, so they are clamped to the representable range.
                let utc = if utc.year() < 1 {
                    time::macros::datetime!(0001-01-01 00:00 UTC)
                } else if utc.year() > 9999 {
                    time::macros::datetime!(9999-12-31 23:59:59 UTC)
                } else {
                    utc
                };
                let _ = utc.format_into(buf, &Rfc3339);
            }
        }
    }
}

/// One extended property of a message: which property, and its value.
///
/// ```
/// use offline_im::ews::{ExtendedProperty, PropertyPath, PropertyValue};
///
/// let flag = ExtendedProperty::new(PropertyPath::tag(0x0E07)?, PropertyValue::Integer(1));
/// # Ok::<(), offline_im::ews::WriteError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtendedProperty<'a> {
    /// Which property.
    pub path: PropertyPath<'a>,
    /// Its value (and so its type).
    pub value: PropertyValue<'a>,
}

impl<'a> ExtendedProperty<'a> {
    /// The property `path` with `value`.
    #[must_use]
    pub const fn new(path: PropertyPath<'a>, value: PropertyValue<'a>) -> Self {
        Self { path, value }
    }

    pub(crate) fn write(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"<t:ExtendedProperty>");
        self.path.write_uri(buf, self.value.property_type());
        buf.extend_from_slice(b"<t:Value>");
        self.value.write(buf);
        buf.extend_from_slice(b"</t:Value></t:ExtendedProperty>");
    }
}

/// The property set of the crate's own named properties.
///
/// `84e14aa7-1b60-4f34-b909-719b1387b4c7`, generated once for this crate; it never changes, because items created by
/// one version must be found by the next.
pub const OFFLINE_IM_PROPERTY_SET: Uuid =
    Uuid::from_u128(0x84e1_4aa7_1b60_4f34_b909_719b_1387_b4c7);

/// The name of the delivery-id property.
pub const DELIVERY_ID_PROPERTY_NAME: &str = "OfflineImDeliveryId";

/// The named property that holds a message's [`DeliveryId`]: `OfflineImDeliveryId` in
/// [`OFFLINE_IM_PROPERTY_SET`], type `String`, the id in lower-case hyphenated form.
///
/// The writer puts it on every message that has a delivery id; `FindItem` requests
/// search and return it.
pub const DELIVERY_ID_PROPERTY: PropertyPath<'static> = PropertyPath(Path::Name(
    PropertySet::Guid(OFFLINE_IM_PROPERTY_SET),
    DELIVERY_ID_PROPERTY_NAME,
));

/// Writes the delivery-id value: 36 lower-case hyphenated characters.
pub(crate) fn push_delivery_id(buf: &mut Vec<u8>, id: DeliveryId) {
    let mut tmp = [0u8; 36];
    buf.extend_from_slice(id.as_uuid().hyphenated().encode_lower(&mut tmp).as_bytes());
}

/// Writes the whole delivery-id `t:ExtendedProperty`.
pub(crate) fn write_delivery_id_property(buf: &mut Vec<u8>, id: DeliveryId) {
    buf.extend_from_slice(b"<t:ExtendedProperty>");
    DELIVERY_ID_PROPERTY.write_uri(buf, PropertyType::String);
    buf.extend_from_slice(b"<t:Value>");
    push_delivery_id(buf, id);
    buf.extend_from_slice(b"</t:Value></t:ExtendedProperty>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(p: &ExtendedProperty<'_>) -> String {
        let mut buf = Vec::new();
        p.write(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn tag_range_is_enforced_with_a_useful_message() {
        assert!(PropertyTag::new(1).is_ok() && PropertyTag::new(0x7FFF).is_ok());
        let err = PropertyTag::new(0x8000).unwrap_err().to_string();
        assert!(err.contains("0x8000") && err.contains("named"), "{err}");
        assert!(
            PropertyTag::new(0)
                .unwrap_err()
                .to_string()
                .contains("0x0000")
        );
    }

    #[test]
    fn writes_each_path_form() {
        let tag = ExtendedProperty::new(
            PropertyPath::tag(0x1A).unwrap(),
            PropertyValue::String("IPM.Note"),
        );
        assert_eq!(
            written(&tag),
            "<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag=\"0x001A\" PropertyType=\"String\"/>\
             <t:Value>IPM.Note</t:Value></t:ExtendedProperty>"
        );
        let set = PropertySet::Distinguished(DistinguishedPropertySet::PublicStrings);
        let named = ExtendedProperty::new(
            PropertyPath::named(set, "a\"b").unwrap(),
            PropertyValue::Boolean(true),
        );
        assert!(written(&named).contains(
            "DistinguishedPropertySetId=\"PublicStrings\" PropertyName=\"a&quot;b\" PropertyType=\"Boolean\"/><t:Value>true<"
        ));
        let id = ExtendedProperty::new(
            PropertyPath::named_id(PropertySet::Guid(Uuid::nil()), -3),
            PropertyValue::Long(-9),
        );
        assert!(written(&id).contains(
            "PropertySetId=\"00000000-0000-0000-0000-000000000000\" PropertyId=\"-3\" PropertyType=\"Long\"/><t:Value>-9<"
        ));
        assert!(PropertyPath::named(set, " ").is_err());
    }

    #[test]
    fn system_time_is_utc_rfc3339() {
        let t = time::macros::datetime!(2026-03-02 09:15:30 +01:00);
        let p = ExtendedProperty::new(
            PropertyPath::tag(0x0E06).unwrap(),
            PropertyValue::SystemTime(t),
        );
        assert!(
            written(&p).contains("<t:Value>2026-03-02T08:15:30Z</t:Value>"),
            "{}",
            written(&p)
        );
    }

    #[test]
    fn delivery_id_property_is_the_documented_one() {
        let id: DeliveryId = "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap();
        let mut buf = Vec::new();
        write_delivery_id_property(&mut buf, id);
        let s = String::from_utf8(buf).unwrap();
        assert!(
            s.contains("PropertySetId=\"84e14aa7-1b60-4f34-b909-719b1387b4c7\""),
            "{s}"
        );
        assert!(s.contains("PropertyName=\"OfflineImDeliveryId\" PropertyType=\"String\""));
        assert!(s.contains("<t:Value>67e55044-10b1-426f-9247-bb680e5fe0c8</t:Value>"));
    }
}
