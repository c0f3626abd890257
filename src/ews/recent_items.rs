//! `RecentItems`: the newest items of a folder, without a search restriction.

use std::io::Write as _;

use super::folder::FolderTarget;
use super::property::{DELIVERY_ID_PROPERTY, PropertyType};
use super::write::{close_envelope, open_envelope};
use super::{RequestHeader, WriteError};

/// A `FindItem` for the newest items of `folders`, newest first, one page at a
/// time, with no `Restriction`.
///
/// Exchange answers a restriction on a custom property with a sequential scan of
/// the folder, uncached (Microsoft KB 3077710), which can time out on a large
/// folder. Reading a page sorted by `DateTimeCreated` uses the folder's own order
/// instead: a sender that only needs to know whether its recent deliveries exist
/// reads the newest page(s) and compares the delivery ids itself.
///
/// Each found item carries its id, its delivery id (the
/// [`DELIVERY_ID_PROPERTY`](super::DELIVERY_ID_PROPERTY)), `DateTimeCreated` and
/// `IsSubmitted` ([`FoundItem`](super::FoundItem)). The reply is a
/// `FindItemResponse`: read it with
/// [`read_find_item`](super::ResponseReader::read_find_item); its
/// [`FindItemResult::indexed_paging_offset`](super::FindItemResult::indexed_paging_offset)
/// is the offset of the next page.
///
/// ```
/// use offline_im::ews::{FolderTarget, RecentItems, RequestHeader, write_recent_items};
/// use offline_im::ews::Folder;
///
/// let folders = [FolderTarget::new(Folder::SentItems)];
/// let mut buf = Vec::new();
/// let request = RecentItems::new(&folders).max_entries(50).offset(50);
/// write_recent_items(&mut buf, &RequestHeader::default(), &request)?;
/// let xml = std::str::from_utf8(&buf)?;
/// assert!(xml.contains(r#"MaxEntriesReturned="50" Offset="50" BasePoint="Beginning""#));
/// assert!(!xml.contains("Restriction"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecentItems<'a> {
    /// The folders to read, at least one (one response message each, in order).
    pub folders: &'a [FolderTarget<'a>],
    /// At most this many items per folder, at least 1 (default
    /// [`RecentItems::DEFAULT_MAX_ENTRIES`]; values above `i32::MAX` are capped).
    pub max_entries: u32,
    /// How many of the newest items to skip (default 0: start with the newest;
    /// values above `i32::MAX` are capped).
    pub offset: u32,
}

impl<'a> RecentItems<'a> {
    /// The default page size: 100 items.
    pub const DEFAULT_MAX_ENTRIES: u32 = 100;

    /// The newest [`DEFAULT_MAX_ENTRIES`](Self::DEFAULT_MAX_ENTRIES) items of
    /// each of `folders`.
    #[must_use]
    pub const fn new(folders: &'a [FolderTarget<'a>]) -> Self {
        Self {
            folders,
            max_entries: Self::DEFAULT_MAX_ENTRIES,
            offset: 0,
        }
    }

    /// Sets the page size.
    #[must_use]
    pub const fn max_entries(mut self, max: u32) -> Self {
        self.max_entries = max;
        self
    }

    /// Sets how many of the newest items to skip.
    #[must_use]
    pub const fn offset(mut self, offset: u32) -> Self {
        self.offset = offset;
        self
    }
}

/// Appends a whole `FindItem` envelope for `request` to `buf`: shallow, item ids
/// plus `item:DateTimeCreated`, `item:IsSubmitted` and the delivery-id property,
/// an `IndexedPageItemView` from the beginning, sorted by `item:DateTimeCreated`
/// descending, no restriction.
///
/// # Errors
/// [`WriteError::Empty`] without folders, [`WriteError::Invalid`] when
/// `max_entries` is 0; nothing is appended then.
pub fn write_recent_items(
    buf: &mut Vec<u8>,
    header: &RequestHeader,
    request: &RecentItems<'_>,
) -> Result<(), WriteError> {
    if request.folders.is_empty() {
        return Err(WriteError::Empty {
            what: "the RecentItems folders",
        });
    }
    if request.max_entries == 0 {
        return Err(WriteError::Invalid {
            field: "RecentItems max_entries",
            value: "0".to_owned(),
            rule: "a page holds at least one item",
        });
    }
    let cap = |n: u32| n.min(i32::MAX.unsigned_abs());
    open_envelope(buf, header);
    buf.extend_from_slice(
        b"<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>\
          <t:AdditionalProperties><t:FieldURI FieldURI=\"item:DateTimeCreated\"/>\
          <t:FieldURI FieldURI=\"item:IsSubmitted\"/>",
    );
    DELIVERY_ID_PROPERTY.write_uri(buf, PropertyType::String);
    let _ = write!(
        buf,
        "</t:AdditionalProperties></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned=\"{}\" \
         Offset=\"{}\" BasePoint=\"Beginning\"/>",
        cap(request.max_entries),
        cap(request.offset)
    );
    buf.extend_from_slice(
        b"<m:SortOrder><t:FieldOrder Order=\"Descending\">\
          <t:FieldURI FieldURI=\"item:DateTimeCreated\"/></t:FieldOrder></m:SortOrder>\
          <m:ParentFolderIds>",
    );
    for folder in request.folders {
        folder.write(buf);
    }
    buf.extend_from_slice(b"</m:ParentFolderIds></m:FindItem>");
    close_envelope(buf);
    Ok(())
}
