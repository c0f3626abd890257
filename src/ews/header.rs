//! SOAP headers of a request: the server version it speaks and whose mailbox it acts on.

use std::fmt;
use std::str::FromStr;

use super::WriteError;
use super::error::shorten;
use crate::address::SmtpAddress;
use crate::xml::escape::push_text;

macro_rules! server_versions {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// The EWS schema version a request declares (`t:RequestServerVersion`).
        ///
        /// The values are exactly those of the EWS schema's `ExchangeVersionType`;
        /// there is no `Exchange2019`: Exchange 2019 and Subscription Edition speak
        /// `Exchange2016`. The default is [`ServerVersion::Exchange2013`], the oldest
        /// version that knows the `conversationhistory` folder.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        #[non_exhaustive]
        #[allow(non_camel_case_types)]
        pub enum ServerVersion {
            $( $(#[$doc])* $variant, )*
        }

        impl ServerVersion {
            /// Every version, oldest first.
            pub const ALL: &'static [ServerVersion] = &[$(ServerVersion::$variant,)*];

            /// The value of the `Version` attribute.
            #[must_use]
            pub const fn as_ews_str(self) -> &'static str {
                match self {
                    $( ServerVersion::$variant => $text, )*
                }
            }
        }
    };
}

server_versions! {
    /// `Exchange2007`.
    Exchange2007 = "Exchange2007",
    /// `Exchange2007_SP1`.
    Exchange2007Sp1 = "Exchange2007_SP1",
    /// `Exchange2009`.
    Exchange2009 = "Exchange2009",
    /// `Exchange2010`.
    Exchange2010 = "Exchange2010",
    /// `Exchange2010_SP1`.
    Exchange2010Sp1 = "Exchange2010_SP1",
    /// `Exchange2010_SP2`.
    Exchange2010Sp2 = "Exchange2010_SP2",
    /// `Exchange2012`.
    Exchange2012 = "Exchange2012",
    /// `Exchange2013` (the default).
    #[default]
    Exchange2013 = "Exchange2013",
    /// `Exchange2013_SP1`.
    Exchange2013Sp1 = "Exchange2013_SP1",
    /// `Exchange2015`.
    Exchange2015 = "Exchange2015",
    /// `Exchange2016` (also Exchange 2019 and Subscription Edition).
    Exchange2016 = "Exchange2016",
    /// `V2015_10_05`.
    V2015_10_05 = "V2015_10_05",
    /// `V2016_01_06`.
    V2016_01_06 = "V2016_01_06",
    /// `V2016_04_13`.
    V2016_04_13 = "V2016_04_13",
    /// `V2016_07_13`.
    V2016_07_13 = "V2016_07_13",
    /// `V2016_10_10`.
    V2016_10_10 = "V2016_10_10",
    /// `V2017_01_07`.
    V2017_01_07 = "V2017_01_07",
    /// `V2017_04_14`.
    V2017_04_14 = "V2017_04_14",
    /// `V2017_07_11`.
    V2017_07_11 = "V2017_07_11",
    /// `V2017_10_09`.
    V2017_10_09 = "V2017_10_09",
    /// `V2018_01_08`.
    V2018_01_08 = "V2018_01_08",
}

impl ServerVersion {
    /// Whether this version knows the `conversationhistory` folder (Exchange 2013 or later).
    #[must_use]
    pub fn has_conversation_history(self) -> bool {
        self >= Self::Exchange2013
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ews_str())
    }
}

impl FromStr for ServerVersion {
    type Err = WriteError;

    /// Parses the exact schema value, e.g. `"Exchange2013_SP1"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_ews_str() == s)
            .ok_or_else(|| WriteError::Invalid {
                field: "server version",
                value: shorten(s),
                rule: "it must be one of the EWS schema's ExchangeVersionType values, \
                       e.g. Exchange2013 or Exchange2016",
            })
    }
}

/// Whose mailbox a request acts on (`t:ExchangeImpersonation/t:ConnectingSID`).
///
/// The account that authenticates needs the `ApplicationImpersonation` role.
///
/// ```
/// use offline_im::ews::Impersonation;
///
/// let by_smtp = Impersonation::smtp_address("kim@contoso.com".parse()?);
/// let by_upn = Impersonation::principal_name("kim@corp.contoso.com")?;
/// let by_sid = Impersonation::sid("S-1-5-21-1004336348-1177238915-682003330-512")?;
/// assert!(Impersonation::sid("kim").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Impersonation(Connecting);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Connecting {
    SmtpAddress(SmtpAddress),
    PrimarySmtpAddress(SmtpAddress),
    PrincipalName(Box<str>),
    Sid(Box<str>),
}

impl Impersonation {
    /// Act as the mailbox with this SMTP address (`t:SmtpAddress`; any proxy address).
    #[must_use]
    pub fn smtp_address(address: SmtpAddress) -> Self {
        Self(Connecting::SmtpAddress(address))
    }

    /// Act as the mailbox whose primary SMTP address this is (`t:PrimarySmtpAddress`).
    #[must_use]
    pub fn primary_smtp_address(address: SmtpAddress) -> Self {
        Self(Connecting::PrimarySmtpAddress(address))
    }

    /// Act as the user with this user principal name (`t:PrincipalName`).
    ///
    /// # Errors
    /// [`WriteError::Invalid`] when the name is empty or holds whitespace or control
    /// characters.
    pub fn principal_name(name: &str) -> Result<Self, WriteError> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(WriteError::Invalid {
                field: "principal name",
                value: shorten(name),
                rule: "a user principal name must be non-empty, without whitespace or control characters",
            });
        }
        Ok(Self(Connecting::PrincipalName(name.into())))
    }

    /// Act as the user with this security identifier (`t:SID`), e.g. `S-1-5-21-...`.
    ///
    /// # Errors
    /// [`WriteError::Invalid`] when `sid` is not of the form `S-1-` followed by
    /// decimal numbers separated by hyphens.
    pub fn sid(sid: &str) -> Result<Self, WriteError> {
        let sid = sid.trim();
        let well_formed = sid.len() <= 256
            && sid.strip_prefix("S-1-").is_some_and(|rest| {
                rest.split('-')
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            });
        if !well_formed {
            return Err(WriteError::Invalid {
                field: "SID",
                value: shorten(sid),
                rule: "a SID has the form S-1-<authority>-<sub-authority>... with decimal numbers",
            });
        }
        Ok(Self(Connecting::Sid(sid.into())))
    }

    fn write(&self, buf: &mut Vec<u8>) {
        let (tag, value): (&[u8], &str) = match &self.0 {
            Connecting::SmtpAddress(a) => (b"SmtpAddress", a.as_str()),
            Connecting::PrimarySmtpAddress(a) => (b"PrimarySmtpAddress", a.as_str()),
            Connecting::PrincipalName(n) => (b"PrincipalName", n),
            Connecting::Sid(s) => (b"SID", s),
        };
        buf.extend_from_slice(b"<t:ExchangeImpersonation><t:ConnectingSID><t:");
        buf.extend_from_slice(tag);
        buf.push(b'>');
        push_text(buf, value);
        buf.extend_from_slice(b"</t:");
        buf.extend_from_slice(tag);
        buf.extend_from_slice(b"></t:ConnectingSID></t:ExchangeImpersonation>");
    }
}

/// The SOAP header of every request.
///
/// Written in the order of the EWS WSDL: `t:ExchangeImpersonation` (when set), then
/// `t:RequestServerVersion`.
///
/// ```
/// use offline_im::ews::{Impersonation, RequestHeader, ServerVersion};
///
/// let header = RequestHeader::default(); // Exchange2013, no impersonation
/// assert_eq!(header.server_version, ServerVersion::Exchange2013);
/// let header = RequestHeader::new(ServerVersion::Exchange2016)
///     .impersonate(Impersonation::smtp_address("kim@contoso.com".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RequestHeader {
    /// The declared schema version (default [`ServerVersion::Exchange2013`]).
    pub server_version: ServerVersion,
    /// Whose mailbox to act on (default: the authenticated account's own).
    pub impersonation: Option<Impersonation>,
}

impl RequestHeader {
    /// A header declaring `server_version`, without impersonation.
    #[must_use]
    pub const fn new(server_version: ServerVersion) -> Self {
        Self {
            server_version,
            impersonation: None,
        }
    }

    /// The same header, acting on `impersonation`'s mailbox.
    #[must_use]
    pub fn impersonate(mut self, impersonation: Impersonation) -> Self {
        self.impersonation = Some(impersonation);
        self
    }

    pub(crate) fn write(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"<soap:Header>");
        if let Some(imp) = &self.impersonation {
            imp.write(buf);
        }
        buf.extend_from_slice(b"<t:RequestServerVersion Version=\"");
        buf.extend_from_slice(self.server_version.as_ews_str().as_bytes());
        buf.extend_from_slice(b"\"/></soap:Header>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_and_default_knows_conversation_history() {
        for v in ServerVersion::ALL {
            assert_eq!(v.as_ews_str().parse::<ServerVersion>().unwrap(), *v);
        }
        assert!(ServerVersion::default().has_conversation_history());
        assert!(!ServerVersion::Exchange2010Sp2.has_conversation_history());
        assert!("Exchange2019".parse::<ServerVersion>().is_err());
    }

    #[test]
    fn sid_and_principal_name_rules() {
        assert!(Impersonation::sid("S-1-5-18").is_ok());
        for bad in ["", "S-1-", "S-1-5--1", "S-2-5", "S-1-5-x"] {
            assert!(Impersonation::sid(bad).is_err(), "{bad}");
        }
        assert!(Impersonation::principal_name(" ").is_err());
        assert!(Impersonation::principal_name("a b@c").is_err());
    }

    #[test]
    fn impersonation_comes_before_version() {
        let mut buf = Vec::new();
        RequestHeader::default()
            .impersonate(Impersonation::sid("S-1-5-18").unwrap())
            .write(&mut buf);
        let s = String::from_utf8(buf).unwrap();
        assert!(s.find("ExchangeImpersonation").unwrap() < s.find("RequestServerVersion").unwrap());
        assert!(s.contains("<t:SID>S-1-5-18</t:SID>"));
    }
}
