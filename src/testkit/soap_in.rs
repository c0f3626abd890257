//! Reading a SOAP request: the envelope, the EWS headers, and which operation it is.
//!
//! Only the parts of EWS this crate uses are understood. Structure and order are
//! checked the way Exchange's schema validation checks them, so a request Exchange
//! would refuse with `ErrorSchemaValidation` is refused here too.

use crate::ews::Folder;

use super::soap_in_item::{NewMessage, parse_create_item};
use super::soap_in_other::{
    FindFolder, GetFolder, GetServerTimeZones, ResolveNames, parse_find_folder, parse_get_folder,
    parse_get_server_time_zones, parse_resolve_names,
};
use super::soap_in_query::{parse_delete_item, parse_find_item, parse_get_item};
use super::soap_in_update::{UpdateItem, parse_update_item};
use super::xml::{Cursor, El, M_NS, SOAP_NS, Sequence, T_NS, check_enum, tokenize};

pub(crate) use super::soap_in_query::{BaseShape, DeleteType, PropPath, Restriction, Shape};
pub(crate) use super::soap_in_view::{Page, SortKey};

/// Why a request could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InError {
    /// Not well-formed XML.
    Malformed(String),
    /// Well-formed, but the schema refuses it (order, enumeration values, ...).
    Schema(String),
    /// A body element this server does not implement.
    UnknownOperation(String),
}

/// `t:ExchangeVersionType`, oldest first.
pub(crate) const VERSIONS: &[&str] = &[
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2009",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2012",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2016",
    "V2015_10_05",
    "V2016_01_06",
    "V2016_04_13",
    "V2016_07_13",
    "V2016_10_10",
    "V2017_01_07",
    "V2017_04_14",
    "V2017_07_11",
    "V2017_10_09",
    "V2018_01_08",
];

/// A parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// `RequestServerVersion/@Version`, if the header was sent.
    pub(crate) version: Option<String>,
    /// The SMTP address (as sent) in `ExchangeImpersonation/ConnectingSID`, if any.
    pub(crate) impersonation: Option<String>,
    pub(crate) operation: Operation,
}

impl Request {
    /// Whether the request's version is Exchange2013 or later (a missing header
    /// means the oldest version, as on Exchange).
    pub(crate) fn at_least_2013(&self) -> bool {
        let index = |v: &str| VERSIONS.iter().position(|x| *x == v);
        match (
            self.version.as_deref().and_then(index),
            index("Exchange2013"),
        ) {
            (Some(v), Some(min)) => v >= min,
            _ => false,
        }
    }
}

/// The body of a request.
#[derive(Debug, Clone)]
#[allow(clippy::enum_variant_names)] // named after the EWS operations
pub(crate) enum Operation {
    CreateItem(CreateItem),
    FindItem(FindItem),
    DeleteItem(DeleteItem),
    GetItem(GetItem),
    GetFolder(GetFolder),
    ResolveNames(ResolveNames),
    GetServerTimeZones(GetServerTimeZones),
    UpdateItem(UpdateItem),
    FindFolder(FindFolder),
}

impl Operation {
    /// The EWS operation name.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::CreateItem(_) => "CreateItem",
            Self::FindItem(_) => "FindItem",
            Self::DeleteItem(_) => "DeleteItem",
            Self::GetItem(_) => "GetItem",
            Self::GetFolder(_) => "GetFolder",
            Self::ResolveNames(_) => "ResolveNames",
            Self::GetServerTimeZones(_) => "GetServerTimeZones",
            Self::UpdateItem(_) => "UpdateItem",
            Self::FindFolder(_) => "FindFolder",
        }
    }

    /// The distinguished folders the request names.
    pub(crate) fn folders(&self) -> Vec<&FolderTarget> {
        match self {
            Self::CreateItem(c) => c.saved_folder.iter().collect(),
            Self::FindItem(f) => f.folders.iter().collect(),
            Self::GetFolder(g) => g.folders.iter().collect(),
            Self::FindFolder(f) => f.parents.iter().collect(),
            Self::DeleteItem(_)
            | Self::GetItem(_)
            | Self::ResolveNames(_)
            | Self::GetServerTimeZones(_)
            | Self::UpdateItem(_) => Vec::new(),
        }
    }
}

/// A `t:DistinguishedFolderId` (with its optional `t:Mailbox`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FolderTarget {
    pub(crate) folder: FolderName,
    pub(crate) mailbox: Option<String>,
}

/// A distinguished folder name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FolderName {
    /// A folder every test mailbox has.
    Known(Folder),
    /// A valid-looking name of a folder this server does not keep (`calendar`, ...)
    /// or a `t:FolderId`: answered with `ErrorFolderNotFound`.
    Other(String),
}

/// `m:CreateItem`.
#[derive(Debug, Clone)]
pub(crate) struct CreateItem {
    /// `MessageDisposition`; `None` when absent.
    pub(crate) disposition: Option<crate::ews::Disposition>,
    pub(crate) saved_folder: Option<FolderTarget>,
    pub(crate) items: Vec<NewMessage>,
}

/// `m:FindItem`.
#[derive(Debug, Clone)]
pub(crate) struct FindItem {
    pub(crate) shape: Shape,
    /// `IndexedPageItemView`.
    pub(crate) page: Option<Page>,
    pub(crate) restriction: Option<Restriction>,
    /// `SortOrder`, most significant key first.
    pub(crate) sort: Vec<SortKey>,
    pub(crate) folders: Vec<FolderTarget>,
}

/// `m:DeleteItem`.
#[derive(Debug, Clone)]
pub(crate) struct DeleteItem {
    pub(crate) delete_type: DeleteType,
    pub(crate) ids: Vec<String>,
}

/// `m:GetItem`.
#[derive(Debug, Clone)]
pub(crate) struct GetItem {
    pub(crate) shape: Shape,
    pub(crate) ids: Vec<String>,
}

/// Parses a whole SOAP request body.
pub(crate) fn parse_request(body: &[u8]) -> Result<Request, InError> {
    let toks = tokenize(body)?;
    let mut cur = Cursor::new(&toks);
    let root = cur.root()?;
    if root.name != "Envelope" || root.ns != SOAP_NS {
        return Err(InError::Schema(format!(
            "The root element must be 'Envelope' in namespace '{SOAP_NS}', not '{}' in namespace '{}'.",
            root.name, root.ns
        )));
    }
    let mut version = None;
    let mut impersonation = None;
    let mut operation = None;
    let mut seq = Sequence::new("Envelope", SOAP_NS, &[("Header", false), ("Body", false)]);
    while let Some(el) = cur.child("Envelope")? {
        seq.accept(&el)?;
        if el.name == "Header" {
            parse_header(&mut cur, &mut version, &mut impersonation)?;
        } else {
            operation = Some(parse_body(&mut cur)?);
        }
    }
    seq.require("Body")?;
    if !cur.at_end() {
        return Err(InError::Malformed("content after the SOAP envelope".into()));
    }
    let operation = operation.ok_or_else(|| InError::Schema("The soap:Body is empty.".into()))?;
    Ok(Request {
        version,
        impersonation,
        operation,
    })
}

fn parse_header(
    cur: &mut Cursor<'_>,
    version: &mut Option<String>,
    impersonation: &mut Option<String>,
) -> Result<(), InError> {
    while let Some(el) = cur.child("Header")? {
        if el.is(T_NS, "RequestServerVersion") {
            let Some(v) = el.attr("Version") else {
                return Err(InError::Schema(
                    "The required attribute 'Version' is missing on 'RequestServerVersion'.".into(),
                ));
            };
            *version = Some(check_enum("RequestServerVersion Version", v, VERSIONS)?.to_owned());
            cur.skip();
        } else if el.is(T_NS, "ExchangeImpersonation") {
            *impersonation = Some(parse_impersonation(cur)?);
        } else {
            // Other header blocks (TimeZoneContext, DateTimePrecision, ...) are accepted
            // and ignored.
            cur.skip();
        }
    }
    Ok(())
}

fn parse_impersonation(cur: &mut Cursor<'_>) -> Result<String, InError> {
    let mut seq = Sequence::new("ExchangeImpersonation", T_NS, &[("ConnectingSID", false)]);
    let mut address = None;
    while let Some(el) = cur.child("ExchangeImpersonation")? {
        seq.accept(&el)?;
        let mut id_seq = Sequence::new(
            "ConnectingSID",
            T_NS,
            &[
                ("PrincipalName", false),
                ("SID", false),
                ("PrimarySmtpAddress", false),
                ("SmtpAddress", false),
            ],
        );
        let mut count = 0;
        while let Some(id) = cur.child("ConnectingSID")? {
            id_seq.accept(&id)?;
            count += 1;
            if count > 1 {
                return Err(InError::Schema(
                    "The element 'ConnectingSID' must hold exactly one identifier.".into(),
                ));
            }
            let text = cur.text(&id.name)?;
            if text.trim().is_empty() {
                return Err(InError::Schema(format!(
                    "The element '{}' must not be empty.",
                    id.name
                )));
            }
            address = Some(text.trim().to_owned());
        }
        if count == 0 {
            return Err(InError::Schema(
                "The element 'ConnectingSID' has incomplete content. List of possible elements expected: \
                 'PrincipalName, SID, PrimarySmtpAddress, SmtpAddress'."
                    .into(),
            ));
        }
    }
    seq.require("ConnectingSID")?;
    address.ok_or_else(|| InError::Schema("ExchangeImpersonation names nobody.".into()))
}

fn parse_body(cur: &mut Cursor<'_>) -> Result<Operation, InError> {
    let mut operation = None;
    while let Some(el) = cur.child("Body")? {
        if operation.is_some() {
            return Err(InError::Schema(
                "The soap:Body must hold exactly one element.".into(),
            ));
        }
        operation = Some(parse_operation(cur, &el)?);
    }
    operation.ok_or_else(|| InError::Schema("The soap:Body is empty.".into()))
}

fn parse_operation(cur: &mut Cursor<'_>, el: &El) -> Result<Operation, InError> {
    if el.ns != M_NS {
        return Err(InError::Schema(format!(
            "The body element '{}' in namespace '{}' is not an EWS request.",
            el.name, el.ns
        )));
    }
    match el.name.as_str() {
        "CreateItem" => parse_create_item(cur, el).map(Operation::CreateItem),
        "FindItem" => parse_find_item(cur, el).map(Operation::FindItem),
        "DeleteItem" => parse_delete_item(cur, el).map(Operation::DeleteItem),
        "GetItem" => parse_get_item(cur, el).map(Operation::GetItem),
        "GetFolder" => parse_get_folder(cur, el).map(Operation::GetFolder),
        "UpdateItem" => parse_update_item(cur, el).map(Operation::UpdateItem),
        "FindFolder" => parse_find_folder(cur, el).map(Operation::FindFolder),
        "ResolveNames" => parse_resolve_names(cur, el).map(Operation::ResolveNames),
        "GetServerTimeZones" => {
            parse_get_server_time_zones(cur, el).map(Operation::GetServerTimeZones)
        }
        other => Err(InError::UnknownOperation(other.to_owned())),
    }
}

/// Reads a `t:DistinguishedFolderId` (the start tag already read), or names a
/// `t:FolderId` as a folder this server does not know.
pub(crate) fn parse_folder_id(cur: &mut Cursor<'_>, el: &El) -> Result<FolderTarget, InError> {
    if el.is(T_NS, "FolderId") {
        let id = el.attr("Id").unwrap_or_default().to_owned();
        cur.skip();
        // A folder id this server handed out (GetFolder) names a distinguished
        // folder of one mailbox; any other id names no folder here.
        return Ok(match super::op_mailbox::parse_folder_id(&id) {
            Some((mailbox, name)) => FolderTarget {
                folder: Folder::from_ews_str(&name)
                    .map_or(FolderName::Other(name), FolderName::Known),
                mailbox: Some(mailbox),
            },
            None => FolderTarget {
                folder: FolderName::Other(id),
                mailbox: None,
            },
        });
    }
    if !el.is(T_NS, "DistinguishedFolderId") {
        return Err(InError::Schema(format!(
            "Expected 'DistinguishedFolderId' or 'FolderId', found '{}' in namespace '{}'.",
            el.name, el.ns
        )));
    }
    let Some(id) = el.attr("Id") else {
        return Err(InError::Schema(
            "The required attribute 'Id' is missing on 'DistinguishedFolderId'.".into(),
        ));
    };
    let folder = match Folder::from_ews_str(id) {
        Some(f) => FolderName::Known(f),
        // The schema's distinguished names are all lower-case letters; a name in
        // another case (`SentItems`) fails the enumeration, as on Exchange.
        None if !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase()) => {
            FolderName::Other(id.to_owned())
        }
        None => {
            return Err(InError::Schema(format!(
                "The 'Id' attribute is invalid - The value '{id}' is invalid according to its \
                 datatype 'DistinguishedFolderIdNameType' - The Enumeration constraint failed."
            )));
        }
    };
    let mut mailbox = None;
    let mut seq = Sequence::new("DistinguishedFolderId", T_NS, &[("Mailbox", false)]);
    while let Some(child) = cur.child("DistinguishedFolderId")? {
        seq.accept(&child)?;
        mailbox = super::soap_in_item::parse_mailbox(cur)?.address;
    }
    Ok(FolderTarget { folder, mailbox })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(header: &str, body: &str) -> String {
        format!(
            r#"<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:t="{T_NS}" xmlns:m="{M_NS}"><soap:Header>{header}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"#
        )
    }

    #[test]
    fn reads_version_and_impersonation() {
        let req = parse_request(
            envelope(
                r#"<t:RequestServerVersion Version="Exchange2013"/><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>kim@contoso.com</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"#,
                r#"<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="x"/></m:ItemIds></m:DeleteItem>"#,
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(req.version.as_deref(), Some("Exchange2013"));
        assert!(req.at_least_2013());
        assert_eq!(req.impersonation.as_deref(), Some("kim@contoso.com"));
        assert_eq!(req.operation.name(), "DeleteItem");
    }

    #[test]
    fn unknown_version_and_unknown_operation_are_refused() {
        let bad_version = parse_request(
            envelope(
                r#"<t:RequestServerVersion Version="Exchange2019"/>"#,
                r#"<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="x"/></m:ItemIds></m:DeleteItem>"#,
            )
            .as_bytes(),
        );
        assert!(matches!(bad_version, Err(InError::Schema(_))));
        let unknown = parse_request(envelope("", "<m:SyncFolderItems/>").as_bytes());
        assert_eq!(
            unknown.unwrap_err(),
            InError::UnknownOperation("SyncFolderItems".into())
        );
    }

    #[test]
    fn header_after_body_is_refused() {
        let xml = format!(
            r#"<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body/><soap:Header/></soap:Envelope>"#
        );
        assert!(matches!(
            parse_request(xml.as_bytes()),
            Err(InError::Schema(_))
        ));
    }

    #[test]
    fn broken_xml_is_malformed() {
        assert!(matches!(
            parse_request(b"<soap:Envelope"),
            Err(InError::Malformed(_))
        ));
    }
}
