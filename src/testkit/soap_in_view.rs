//! Reading how `m:FindItem` wants its items: `m:IndexedPageItemView` and `m:SortOrder`.

use super::soap_in::InError;
use super::soap_in_query::{PropPath, parse_path};
use super::xml::{Cursor, El, T_NS, check_enum};

/// `m:IndexedPageItemView`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    pub(crate) offset: usize,
    pub(crate) max: Option<usize>,
    /// `BasePoint="End"`: the offset counts from the last item backwards.
    pub(crate) from_end: bool,
}

/// One `t:FieldOrder` of `m:SortOrder`.
#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    pub(crate) path: PropPath,
    pub(crate) descending: bool,
}

/// Reads the attributes of `m:IndexedPageItemView` (the caller skips its content).
pub(crate) fn parse_page(el: &El) -> Result<Page, InError> {
    let offset = int_attr(el, "Offset")?.unwrap_or(0);
    let max = int_attr(el, "MaxEntriesReturned")?;
    let from_end = match el.attr("BasePoint") {
        None => {
            return Err(InError::Schema(
                "The required attribute 'BasePoint' is missing on 'IndexedPageItemView'.".into(),
            ));
        }
        Some(b) => check_enum("BasePoint", b, &["Beginning", "End"])? == "End",
    };
    Ok(Page {
        offset,
        max,
        from_end,
    })
}

/// Reads `m:SortOrder` (start tag already read): one or more `t:FieldOrder`.
pub(crate) fn parse_sort_order(cur: &mut Cursor<'_>) -> Result<Vec<SortKey>, InError> {
    let mut keys = Vec::new();
    while let Some(order) = cur.child("SortOrder")? {
        if !order.is(T_NS, "FieldOrder") {
            return Err(InError::Schema(format!(
                "The element 'SortOrder' has invalid child element '{}'.",
                order.name
            )));
        }
        let Some(direction) = order.attr("Order") else {
            return Err(InError::Schema(
                "The required attribute 'Order' is missing on 'FieldOrder'.".into(),
            ));
        };
        let descending =
            check_enum("Order", direction, &["Ascending", "Descending"])? == "Descending";
        let mut path = None;
        while let Some(p) = cur.child("FieldOrder")? {
            if path.is_some() {
                return Err(InError::Schema(
                    "The element 'FieldOrder' takes exactly one property path.".into(),
                ));
            }
            path = Some(parse_path(cur, &p)?);
        }
        let path = path.ok_or_else(|| {
            InError::Schema("The element 'FieldOrder' has incomplete content.".into())
        })?;
        keys.push(SortKey { path, descending });
    }
    if keys.is_empty() {
        return Err(InError::Schema(
            "The element 'SortOrder' has incomplete content.".into(),
        ));
    }
    Ok(keys)
}

fn int_attr(el: &El, name: &str) -> Result<Option<usize>, InError> {
    el.attr(name)
        .map(|v| {
            v.trim().parse::<usize>().map_err(|_| {
                InError::Schema(format!(
                    "The '{name}' attribute is invalid - the value '{v}' is not a non-negative xs:int."
                ))
            })
        })
        .transpose()
}
