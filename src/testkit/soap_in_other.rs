//! Reading the requests other EWS clients start with: `GetFolder`,
//! `FindFolder`, `ResolveNames`, `GetServerTimeZones`.
//!
//! exchangelib and the EWS Managed API open a mailbox with `GetFolder` on
//! distinguished folders (for their ids and counts), resolve addresses with
//! `ResolveNames`, and read time zones with `GetServerTimeZones`. Only what
//! those calls need is understood; order is checked as the schema orders it.

use super::soap_in::{FolderTarget, InError, parse_folder_id};
use super::xml::{Cursor, El, M_NS, Sequence, T_NS};

/// `m:GetFolder`.
#[derive(Debug, Clone)]
pub(crate) struct GetFolder {
    pub(crate) folders: Vec<FolderTarget>,
}

/// `m:ResolveNames`.
#[derive(Debug, Clone)]
pub(crate) struct ResolveNames {
    /// `m:UnresolvedEntry`, as sent.
    pub(crate) entry: String,
}

/// `m:GetServerTimeZones`.
#[derive(Debug, Clone)]
pub(crate) struct GetServerTimeZones {
    /// `m:Ids/t:Id`: the zones asked for; empty: every zone.
    pub(crate) ids: Vec<String>,
}

/// Reads `m:GetFolder` (start tag already read). The shape is checked for
/// order and otherwise ignored: folders are always written with their counts.
pub(crate) fn parse_get_folder(cur: &mut Cursor<'_>, _el: &El) -> Result<GetFolder, InError> {
    let mut seq = Sequence::new(
        "GetFolder",
        M_NS,
        &[("FolderShape", false), ("FolderIds", false)],
    );
    let mut folders = Vec::new();
    while let Some(child) = cur.child("GetFolder")? {
        seq.accept(&child)?;
        if child.name == "FolderShape" {
            parse_folder_shape(cur)?;
        } else {
            while let Some(id) = cur.child("FolderIds")? {
                folders.push(parse_folder_id(cur, &id)?);
            }
            if folders.is_empty() {
                return Err(InError::Schema(
                    "The element 'FolderIds' has incomplete content. List of possible elements \
                     expected: 'FolderId, DistinguishedFolderId'."
                        .into(),
                ));
            }
        }
    }
    seq.require("FolderShape")?;
    seq.require("FolderIds")?;
    Ok(GetFolder { folders })
}

fn parse_folder_shape(cur: &mut Cursor<'_>) -> Result<(), InError> {
    let mut seq = Sequence::new(
        "FolderShape",
        T_NS,
        &[("BaseShape", false), ("AdditionalProperties", false)],
    );
    while let Some(child) = cur.child("FolderShape")? {
        seq.accept(&child)?;
        if child.name == "BaseShape" {
            let shape = cur.text("BaseShape")?;
            super::xml::check_enum(
                "BaseShape",
                shape.trim(),
                &["IdOnly", "Default", "AllProperties", "PcxPeopleSearch"],
            )?;
        } else {
            cur.skip();
        }
    }
    seq.require("BaseShape")?;
    Ok(())
}

/// Reads `m:ResolveNames` (start tag already read).
pub(crate) fn parse_resolve_names(cur: &mut Cursor<'_>, el: &El) -> Result<ResolveNames, InError> {
    if el.attr("ReturnFullContactData").is_none() {
        return Err(InError::Schema(
            "The required attribute 'ReturnFullContactData' is missing on 'ResolveNames'.".into(),
        ));
    }
    let mut seq = Sequence::new(
        "ResolveNames",
        M_NS,
        &[("ParentFolderIds", false), ("UnresolvedEntry", false)],
    );
    let mut entry = None;
    while let Some(child) = cur.child("ResolveNames")? {
        seq.accept(&child)?;
        if child.name == "UnresolvedEntry" {
            entry = Some(cur.text("UnresolvedEntry")?);
        } else {
            cur.skip();
        }
    }
    seq.require("UnresolvedEntry")?;
    let entry = entry.unwrap_or_default();
    if entry.trim().is_empty() {
        return Err(InError::Schema(
            "The element 'UnresolvedEntry' must not be empty.".into(),
        ));
    }
    Ok(ResolveNames { entry })
}

/// Reads `m:GetServerTimeZones` (start tag already read).
pub(crate) fn parse_get_server_time_zones(
    cur: &mut Cursor<'_>,
    _el: &El,
) -> Result<GetServerTimeZones, InError> {
    let mut seq = Sequence::new("GetServerTimeZones", M_NS, &[("Ids", false)]);
    let mut ids = Vec::new();
    while let Some(child) = cur.child("GetServerTimeZones")? {
        seq.accept(&child)?;
        while let Some(id) = cur.child("Ids")? {
            if !id.is(T_NS, "Id") {
                return Err(InError::Schema(format!(
                    "Expected 'Id' in 'Ids', found '{}'.",
                    id.name
                )));
            }
            ids.push(cur.text("Id")?.trim().to_owned());
        }
    }
    Ok(GetServerTimeZones { ids })
}

/// `m:FindFolder`: the folders under distinguished parents.
#[derive(Debug, Clone)]
pub(crate) struct FindFolder {
    /// `Traversal="Deep"`: every folder below, not only the children.
    pub(crate) deep: bool,
    /// A `m:Restriction` was sent (not understood: refused per parent).
    pub(crate) restricted: bool,
    /// `IndexedPageFolderView`: (offset, max entries).
    pub(crate) page: Option<(usize, Option<usize>)>,
    pub(crate) parents: Vec<FolderTarget>,
}

/// Reads `m:FindFolder` (start tag already read).
pub(crate) fn parse_find_folder(cur: &mut Cursor<'_>, el: &El) -> Result<FindFolder, InError> {
    let Some(traversal) = el.attr("Traversal") else {
        return Err(InError::Schema(
            "The required attribute 'Traversal' is missing on 'FindFolder'.".into(),
        ));
    };
    let traversal =
        super::xml::check_enum("Traversal", traversal, &["Shallow", "Deep", "SoftDeleted"])?;
    let mut seq = Sequence::new(
        "FindFolder",
        M_NS,
        &[
            ("FolderShape", false),
            ("IndexedPageFolderView", false),
            ("FractionalPageFolderView", false),
            ("Restriction", false),
            ("ParentFolderIds", false),
        ],
    );
    let mut found = FindFolder {
        deep: traversal == "Deep",
        restricted: false,
        page: None,
        parents: Vec::new(),
    };
    while let Some(child) = cur.child("FindFolder")? {
        seq.accept(&child)?;
        match child.name.as_str() {
            "FolderShape" => parse_folder_shape(cur)?,
            "IndexedPageFolderView" => {
                let number = |name: &str| -> Result<Option<usize>, InError> {
                    child
                        .attr(name)
                        .map(|v| {
                            v.trim().parse::<usize>().map_err(|_| {
                                InError::Schema(format!(
                                    "The '{name}' attribute is invalid - The value '{v}' is invalid \
                                     according to its datatype."
                                ))
                            })
                        })
                        .transpose()
                };
                found.page = Some((
                    number("Offset")?.unwrap_or(0),
                    number("MaxEntriesReturned")?,
                ));
                cur.skip();
            }
            "ParentFolderIds" => {
                while let Some(id) = cur.child("ParentFolderIds")? {
                    found.parents.push(parse_folder_id(cur, &id)?);
                }
            }
            "Restriction" => {
                found.restricted = true;
                cur.skip();
            }
            _ => cur.skip(),
        }
    }
    seq.require("FolderShape")?;
    seq.require("ParentFolderIds")?;
    if found.parents.is_empty() {
        return Err(InError::Schema(
            "The element 'ParentFolderIds' has incomplete content.".into(),
        ));
    }
    Ok(found)
}
