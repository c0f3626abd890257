//! Extended (MAPI) properties as the server stores and matches them.

use std::fmt;

use super::soap_in::InError;
use super::xml::{El, check_enum};

/// The `PropertyType` values EWS knows (`t:MapiPropertyTypeType`).
const PROPERTY_TYPES: &[&str] = &[
    "ApplicationTime",
    "ApplicationTimeArray",
    "Binary",
    "BinaryArray",
    "Boolean",
    "CLSID",
    "CLSIDArray",
    "Currency",
    "CurrencyArray",
    "Double",
    "DoubleArray",
    "Error",
    "Float",
    "FloatArray",
    "Integer",
    "IntegerArray",
    "Long",
    "LongArray",
    "Null",
    "Object",
    "ObjectArray",
    "Short",
    "ShortArray",
    "SystemTime",
    "SystemTimeArray",
    "String",
    "StringArray",
];

/// The `DistinguishedPropertySetId` values EWS knows.
const PROPERTY_SETS: &[&str] = &[
    "Meeting",
    "Appointment",
    "Common",
    "PublicStrings",
    "Address",
    "InternetHeaders",
    "CalendarAssistant",
    "UnifiedMessaging",
    "Task",
    "Sharing",
];

/// The `PropertyTag` of the message class (`PR_MESSAGE_CLASS`).
pub(crate) const TAG_MESSAGE_CLASS: u16 = 0x001A;

/// Which extended property a `t:ExtendedFieldURI` names, normalized: tags as
/// numbers, property-set GUIDs in lower case. Two URIs name the same property when
/// they are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtendedFieldUri {
    distinguished_property_set_id: Option<String>,
    property_set_id: Option<String>,
    property_tag: Option<u16>,
    property_name: Option<String>,
    property_id: Option<i32>,
    property_type: String,
}

impl ExtendedFieldUri {
    /// `DistinguishedPropertySetId`, e.g. `PublicStrings`.
    #[must_use]
    pub fn distinguished_property_set_id(&self) -> Option<&str> {
        self.distinguished_property_set_id.as_deref()
    }

    /// `PropertySetId`, a GUID in lower case.
    #[must_use]
    pub fn property_set_id(&self) -> Option<&str> {
        self.property_set_id.as_deref()
    }

    /// `PropertyTag` as a number (`0x001A` is the message class).
    #[must_use]
    pub fn property_tag(&self) -> Option<u16> {
        self.property_tag
    }

    /// `PropertyName` of a named property.
    #[must_use]
    pub fn property_name(&self) -> Option<&str> {
        self.property_name.as_deref()
    }

    /// `PropertyId` of a numbered named property.
    #[must_use]
    pub fn property_id(&self) -> Option<i32> {
        self.property_id
    }

    /// `PropertyType`, e.g. `String`.
    #[must_use]
    pub fn property_type(&self) -> &str {
        &self.property_type
    }

    /// Reads the attributes of a `t:ExtendedFieldURI` (or `t:ExtendedFieldURI` path),
    /// refusing unknown enumeration values the way the schema does.
    pub(crate) fn from_element(el: &El) -> Result<Self, InError> {
        let Some(property_type) = el.attr("PropertyType") else {
            return Err(InError::Schema(
                "The required attribute 'PropertyType' is missing on 'ExtendedFieldURI'.".into(),
            ));
        };
        check_enum("PropertyType", property_type, PROPERTY_TYPES)?;
        let distinguished = el
            .attr("DistinguishedPropertySetId")
            .map(|v| check_enum("DistinguishedPropertySetId", v, PROPERTY_SETS).map(str::to_owned))
            .transpose()?;
        let property_tag = el.attr("PropertyTag").map(parse_tag).transpose()?;
        let property_id = el
            .attr("PropertyId")
            .map(|v| {
                v.trim().parse::<i32>().map_err(|_| {
                    InError::Schema(format!(
                        "The 'PropertyId' attribute is invalid - the value '{v}' is not an xs:int."
                    ))
                })
            })
            .transpose()?;
        Ok(Self {
            distinguished_property_set_id: distinguished,
            property_set_id: el.attr("PropertySetId").map(str::to_ascii_lowercase),
            property_tag,
            property_name: el.attr("PropertyName").map(str::to_owned),
            property_id,
            property_type: property_type.to_owned(),
        })
    }

    /// Reads a Graph extended-property id: `"{type} {proptag}"` (`String 0x001A`) or
    /// `"{type} {guid} Name {name}"` / `"{type} {guid} Id {id}"` (Microsoft Graph,
    /// "Outlook extended properties overview", id formats). `None` for anything
    /// else; the type must be one MAPI knows (the same names as EWS's
    /// `PropertyType`), the GUID 36 characters.
    pub(crate) fn from_graph_id(id: &str) -> Option<Self> {
        let mut parts = id.split_whitespace();
        let property_type = parts.next()?;
        let ty = PROPERTY_TYPES
            .iter()
            .find(|t| t.eq_ignore_ascii_case(property_type))?;
        let second = parts.next()?;
        let mut uri = Self {
            distinguished_property_set_id: None,
            property_set_id: None,
            property_tag: None,
            property_name: None,
            property_id: None,
            property_type: (*ty).to_owned(),
        };
        if second.starts_with("0x") || second.starts_with("0X") {
            uri.property_tag = Some(parse_tag(second).ok()?);
            return parts.next().is_none().then_some(uri);
        }
        let guid = second.trim_start_matches('{').trim_end_matches('}');
        if guid.len() != 36 || !guid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return None;
        }
        uri.property_set_id = Some(guid.to_ascii_lowercase());
        let kind = parts.next()?;
        let rest: Vec<&str> = parts.collect();
        if rest.is_empty() {
            return None;
        }
        if kind.eq_ignore_ascii_case("Name") {
            uri.property_name = Some(rest.join(" "));
        } else if kind.eq_ignore_ascii_case("Id") && rest.len() == 1 {
            let text = rest[0];
            let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) => i32::from_str_radix(hex, 16).ok(),
                None => text.parse().ok(),
            };
            uri.property_id = Some(parsed?);
        } else {
            return None;
        }
        Some(uri)
    }

    /// Whether the attribute combination is one Exchange accepts: a tag alone, or
    /// one property set plus one of name/id.
    pub(crate) fn is_well_formed(&self) -> bool {
        let sets = usize::from(self.distinguished_property_set_id.is_some())
            + usize::from(self.property_set_id.is_some());
        let names =
            usize::from(self.property_name.is_some()) + usize::from(self.property_id.is_some());
        match self.property_tag {
            Some(_) => sets == 0 && names == 0,
            None => sets == 1 && names == 1,
        }
    }

    /// The attributes as written in a reply, in a fixed order.
    pub(crate) fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(v) = &self.distinguished_property_set_id {
            out.push(("DistinguishedPropertySetId", v.clone()));
        }
        if let Some(v) = &self.property_set_id {
            out.push(("PropertySetId", v.clone()));
        }
        if let Some(v) = self.property_tag {
            out.push(("PropertyTag", format!("{v:#x}")));
        }
        if let Some(v) = &self.property_name {
            out.push(("PropertyName", v.clone()));
        }
        if let Some(v) = self.property_id {
            out.push(("PropertyId", v.to_string()));
        }
        out.push(("PropertyType", self.property_type.clone()));
        out
    }
}

impl fmt::Display for ExtendedFieldUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .attributes()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        f.write_str(&parts.join(" "))
    }
}

fn parse_tag(value: &str) -> Result<u16, InError> {
    let v = value.trim();
    let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) if (1..=4).contains(&hex.len()) => u16::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None => v.parse::<u16>().ok(),
    };
    parsed.ok_or_else(|| {
        InError::Schema(format!(
            "The 'PropertyTag' attribute is invalid - the value '{value}' is neither a hex tag nor an unsigned short."
        ))
    })
}

/// The value of an extended property as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PropertyValue {
    /// `t:Value`.
    Single(String),
    /// `t:Values/t:Value*` (array types).
    Multi(Vec<String>),
}

impl PropertyValue {
    /// The single value, or `None` for a multi-valued property.
    #[must_use]
    pub fn as_single(&self) -> Option<&str> {
        match self {
            Self::Single(v) => Some(v),
            Self::Multi(_) => None,
        }
    }
}

/// One extended property of a stored item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedProperty {
    pub(crate) uri: ExtendedFieldUri,
    pub(crate) value: PropertyValue,
}

impl ExtendedProperty {
    /// Which property this is.
    #[must_use]
    pub fn uri(&self) -> &ExtendedFieldUri {
        &self.uri
    }

    /// Its value.
    #[must_use]
    pub fn value(&self) -> &PropertyValue {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(attrs: &[(&str, &str)]) -> El {
        El {
            ns: std::borrow::Cow::Borrowed(""),
            name: "ExtendedFieldURI".into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn hex_and_decimal_tags_name_the_same_property() {
        let a = ExtendedFieldUri::from_element(&el(&[
            ("PropertyTag", "0x001A"),
            ("PropertyType", "String"),
        ]))
        .unwrap();
        let b = ExtendedFieldUri::from_element(&el(&[
            ("PropertyTag", "26"),
            ("PropertyType", "String"),
        ]))
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.property_tag(), Some(TAG_MESSAGE_CLASS));
    }

    #[test]
    fn unknown_property_type_is_a_schema_error() {
        let err = ExtendedFieldUri::from_element(&el(&[
            ("PropertyTag", "0x001A"),
            ("PropertyType", "string"),
        ]));
        assert!(matches!(err, Err(InError::Schema(_))));
    }

    #[test]
    fn tag_plus_property_set_is_not_well_formed() {
        let uri = ExtendedFieldUri::from_element(&el(&[
            ("PropertyTag", "0x001A"),
            ("DistinguishedPropertySetId", "PublicStrings"),
            ("PropertyType", "String"),
        ]))
        .unwrap();
        assert!(!uri.is_well_formed());
    }
}
