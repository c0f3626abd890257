//! Reading `m:FindItem`, `m:GetItem` and `m:DeleteItem`.

use super::props::ExtendedFieldUri;
use super::soap_in::{DeleteItem, FindItem, GetItem, InError, parse_folder_id};
use super::soap_in_view::{parse_page, parse_sort_order};
use super::xml::{Cursor, El, M_NS, Sequence, T_NS, check_enum};

/// `t:ItemResponseShapeType` children, in order.
const SHAPE_ORDER: &[(&str, bool)] = &[
    ("BaseShape", false),
    ("IncludeMimeContent", false),
    ("BodyType", false),
    ("UniqueBodyType", false),
    ("NormalizedBodyType", false),
    ("FilterHtmlContent", false),
    ("ConvertHtmlCodePageToUTF8", false),
    ("InlineImageUrlTemplate", false),
    ("BlockExternalImages", false),
    ("AddBlankTargetToLinks", false),
    ("MaximumBodySize", false),
    ("AdditionalProperties", false),
];

/// `m:FindItemType` children, in order.
const FIND_ORDER: &[(&str, bool)] = &[
    ("ItemShape", false),
    ("IndexedPageItemView", false),
    ("FractionalPageItemView", false),
    ("SeekToConditionPageItemView", false),
    ("CalendarView", false),
    ("ContactsView", false),
    ("GroupBy", false),
    ("DistinguishedGroupBy", false),
    ("Restriction", false),
    ("SortOrder", false),
    ("ParentFolderIds", false),
    ("QueryString", false),
];

/// `BaseShape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaseShape {
    IdOnly,
    Default,
    AllProperties,
}

/// `m:ItemShape`.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    pub(crate) base: BaseShape,
    pub(crate) additional: Vec<PropPath>,
}

/// A property path (`t:FieldURI` or `t:ExtendedFieldURI`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PropPath {
    Field(String),
    Extended(ExtendedFieldUri),
}

/// A FindItem restriction this server can evaluate.
#[derive(Debug, Clone)]
pub(crate) enum Restriction {
    Equal(PropPath, String),
    And(Vec<Restriction>),
    Or(Vec<Restriction>),
    /// A search expression this server does not evaluate (named).
    Unsupported(String),
}

/// `DeleteType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeleteType {
    HardDelete,
    SoftDelete,
    MoveToDeletedItems,
}

/// Reads `m:FindItem` (start tag already read).
pub(crate) fn parse_find_item(cur: &mut Cursor<'_>, el: &El) -> Result<FindItem, InError> {
    let Some(traversal) = el.attr("Traversal") else {
        return Err(InError::Schema(
            "The required attribute 'Traversal' is missing on 'FindItem'.".into(),
        ));
    };
    check_enum(
        "Traversal",
        traversal,
        &["Shallow", "SoftDeleted", "Associated"],
    )?;
    let mut seq = Sequence::new("FindItem", M_NS, FIND_ORDER);
    let mut shape = None;
    let mut page = None;
    let mut restriction = None;
    let mut sort = Vec::new();
    let mut folders = Vec::new();
    while let Some(child) = cur.child("FindItem")? {
        seq.accept(&child)?;
        match child.name.as_str() {
            "ItemShape" => shape = Some(parse_shape(cur)?),
            "IndexedPageItemView" => {
                page = Some(parse_page(&child)?);
                cur.skip();
            }
            "SortOrder" => sort = parse_sort_order(cur)?,
            "Restriction" => {
                let mut inner = None;
                while let Some(expr) = cur.child("Restriction")? {
                    if inner.is_some() {
                        return Err(InError::Schema(
                            "The element 'Restriction' takes exactly one search expression.".into(),
                        ));
                    }
                    inner = Some(parse_expression(cur, &expr)?);
                }
                restriction = Some(inner.ok_or_else(|| {
                    InError::Schema("The element 'Restriction' has incomplete content.".into())
                })?);
            }
            "ParentFolderIds" => {
                while let Some(f) = cur.child("ParentFolderIds")? {
                    folders.push(parse_folder_id(cur, &f)?);
                }
                if folders.is_empty() {
                    return Err(InError::Schema(
                        "The element 'ParentFolderIds' has incomplete content.".into(),
                    ));
                }
            }
            _ => cur.skip(),
        }
    }
    seq.require("ItemShape")?;
    seq.require("ParentFolderIds")?;
    let shape = shape.ok_or_else(|| InError::Schema("ItemShape is missing.".into()))?;
    Ok(FindItem {
        shape,
        page,
        restriction,
        sort,
        folders,
    })
}

/// Reads `m:GetItem` (start tag already read).
pub(crate) fn parse_get_item(cur: &mut Cursor<'_>, _el: &El) -> Result<GetItem, InError> {
    let mut seq = Sequence::new("GetItem", M_NS, &[("ItemShape", false), ("ItemIds", false)]);
    let mut shape = None;
    let mut ids = Vec::new();
    while let Some(child) = cur.child("GetItem")? {
        seq.accept(&child)?;
        if child.name == "ItemShape" {
            shape = Some(parse_shape(cur)?);
        } else {
            ids = parse_item_ids(cur)?;
        }
    }
    seq.require("ItemShape")?;
    seq.require("ItemIds")?;
    let shape = shape.ok_or_else(|| InError::Schema("ItemShape is missing.".into()))?;
    Ok(GetItem { shape, ids })
}

/// Reads `m:DeleteItem` (start tag already read).
pub(crate) fn parse_delete_item(cur: &mut Cursor<'_>, el: &El) -> Result<DeleteItem, InError> {
    let Some(kind) = el.attr("DeleteType") else {
        return Err(InError::Schema(
            "The required attribute 'DeleteType' is missing on 'DeleteItem'.".into(),
        ));
    };
    let delete_type = match check_enum(
        "DeleteType",
        kind,
        &["HardDelete", "SoftDelete", "MoveToDeletedItems"],
    )? {
        "HardDelete" => DeleteType::HardDelete,
        "SoftDelete" => DeleteType::SoftDelete,
        _ => DeleteType::MoveToDeletedItems,
    };
    let mut seq = Sequence::new("DeleteItem", M_NS, &[("ItemIds", false)]);
    let mut ids = Vec::new();
    while let Some(child) = cur.child("DeleteItem")? {
        seq.accept(&child)?;
        ids = parse_item_ids(cur)?;
    }
    seq.require("ItemIds")?;
    Ok(DeleteItem { delete_type, ids })
}

fn parse_item_ids(cur: &mut Cursor<'_>) -> Result<Vec<String>, InError> {
    let mut ids = Vec::new();
    while let Some(id) = cur.child("ItemIds")? {
        if id.ns != T_NS {
            return Err(InError::Schema(format!(
                "The element 'ItemIds' has invalid child element '{}' in namespace '{}'.",
                id.name, id.ns
            )));
        }
        let value = match id.name.as_str() {
            "ItemId" => id.attr("Id").map(str::to_owned).ok_or_else(|| {
                InError::Schema("The required attribute 'Id' is missing on 'ItemId'.".into())
            })?,
            // Occurrence and recurring-master ids never name a message here.
            _ => String::new(),
        };
        cur.skip();
        ids.push(value);
    }
    if ids.is_empty() {
        return Err(InError::Schema(
            "The element 'ItemIds' has incomplete content.".into(),
        ));
    }
    Ok(ids)
}

fn parse_shape(cur: &mut Cursor<'_>) -> Result<Shape, InError> {
    let mut seq = Sequence::new("ItemShape", T_NS, SHAPE_ORDER);
    let mut base = None;
    let mut additional = Vec::new();
    while let Some(el) = cur.child("ItemShape")? {
        seq.accept(&el)?;
        match el.name.as_str() {
            "BaseShape" => {
                let text = cur.text("BaseShape")?;
                base = Some(
                    match check_enum(
                        "BaseShape",
                        text.trim(),
                        &["IdOnly", "Default", "AllProperties", "PcxPeopleSearch"],
                    )? {
                        "IdOnly" => BaseShape::IdOnly,
                        "AllProperties" => BaseShape::AllProperties,
                        _ => BaseShape::Default,
                    },
                );
            }
            "AdditionalProperties" => {
                while let Some(p) = cur.child("AdditionalProperties")? {
                    additional.push(parse_path(cur, &p)?);
                }
            }
            _ => cur.skip(),
        }
    }
    seq.require("BaseShape")?;
    let base = base.ok_or_else(|| InError::Schema("BaseShape is missing.".into()))?;
    Ok(Shape { base, additional })
}

/// Reads a path element (start tag already read) and its end tag.
pub(crate) fn parse_path(cur: &mut Cursor<'_>, el: &El) -> Result<PropPath, InError> {
    let path = match (el.ns.as_ref(), el.name.as_str()) {
        (T_NS, "FieldURI") => PropPath::Field(
            el.attr("FieldURI")
                .ok_or_else(|| {
                    InError::Schema(
                        "The required attribute 'FieldURI' is missing on 'FieldURI'.".into(),
                    )
                })?
                .to_owned(),
        ),
        (T_NS, "ExtendedFieldURI") => PropPath::Extended(ExtendedFieldUri::from_element(el)?),
        (T_NS, "IndexedFieldURI") => PropPath::Field(el.attr("FieldURI").unwrap_or("").to_owned()),
        _ => {
            return Err(InError::Schema(format!(
                "'{}' in namespace '{}' is not a property path.",
                el.name, el.ns
            )));
        }
    };
    cur.skip();
    Ok(path)
}

fn parse_expression(cur: &mut Cursor<'_>, el: &El) -> Result<Restriction, InError> {
    if el.ns != T_NS {
        return Err(InError::Schema(format!(
            "'{}' in namespace '{}' is not a search expression.",
            el.name, el.ns
        )));
    }
    match el.name.as_str() {
        "IsEqualTo" => {
            let mut path = None;
            let mut constant = None;
            while let Some(child) = cur.child("IsEqualTo")? {
                if path.is_none() {
                    path = Some(parse_path(cur, &child)?);
                } else if child.is(T_NS, "FieldURIOrConstant") && constant.is_none() {
                    while let Some(c) = cur.child("FieldURIOrConstant")? {
                        if c.is(T_NS, "Constant") {
                            constant = Some(c.attr("Value").unwrap_or_default().to_owned());
                        }
                        cur.skip();
                    }
                } else {
                    return Err(InError::Schema(format!(
                        "The element 'IsEqualTo' has invalid child element '{}'.",
                        child.name
                    )));
                }
            }
            match (path, constant) {
                (Some(p), Some(c)) => Ok(Restriction::Equal(p, c)),
                (Some(_), None) => Ok(Restriction::Unsupported(
                    "IsEqualTo between two properties".into(),
                )),
                _ => Err(InError::Schema(
                    "The element 'IsEqualTo' has incomplete content.".into(),
                )),
            }
        }
        "And" => {
            let mut parts = Vec::new();
            while let Some(child) = cur.child("And")? {
                parts.push(parse_expression(cur, &child)?);
            }
            Ok(Restriction::And(parts))
        }
        "Or" => {
            let mut parts = Vec::new();
            while let Some(child) = cur.child("Or")? {
                parts.push(parse_expression(cur, &child)?);
            }
            Ok(Restriction::Or(parts))
        }
        other => {
            cur.skip();
            Ok(Restriction::Unsupported(other.to_owned()))
        }
    }
}
