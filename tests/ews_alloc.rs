//! The writer allocates nothing once its buffer has grown: not per request, not per
//! message, whatever the message holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use offline_im::compose::{DeliveryId, Importance};
use offline_im::ews::Folder;
use offline_im::ews::{
    Body, CreateItem, DeleteItem, DeleteType, DistinguishedPropertySet, ExtendedProperty, FindItem,
    FolderTarget, Impersonation, ItemId, Mailbox, MessageItem, PropertyPath, PropertySet,
    PropertyValue, RequestHeader, ServerVersion, write_create_item, write_delete_item,
    write_find_item,
};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn writing_into_a_grown_buffer_allocates_nothing() {
    let kim = "kim@contoso.com".parse().unwrap();
    let pat = "pat@contoso.com".parse().unwrap();
    let to = [Mailbox::named(&pat, "Pat & <Co>")];
    let when = time::macros::datetime!(2026-03-02 09:15:30.5 +01:00);
    let properties = [
        ExtendedProperty::new(
            PropertyPath::tag(0x0E06).unwrap(),
            PropertyValue::SystemTime(when),
        ),
        ExtendedProperty::new(
            PropertyPath::tag(0x0E07).unwrap(),
            PropertyValue::Integer(-7),
        ),
        ExtendedProperty::new(
            PropertyPath::tag(0x0E08).unwrap(),
            PropertyValue::Long(1 << 40),
        ),
        ExtendedProperty::new(
            PropertyPath::named_id(
                PropertySet::Distinguished(DistinguishedPropertySet::Common),
                0x8501,
            ),
            PropertyValue::Boolean(true),
        ),
    ];
    let items: Vec<_> = (0..100)
        .map(|_| {
            MessageItem::new(
                "Missed \"conversation\" 🙂",
                Body::html("<p>a ]]> b\r\n</p>\u{1}"),
            )
            .item_class("IPM.Note.Microsoft.Missed")
            .importance(Importance::High)
            .is_read(true)
            .from(Mailbox::named(&kim, "Kim"))
            .to(&to)
            .extended_properties(&properties)
            .delivery_id(DeliveryId::new())
        })
        .collect();
    let header = RequestHeader::new(ServerVersion::Exchange2016)
        .impersonate(Impersonation::smtp_address(kim.clone()));
    let folders = [FolderTarget::new(Folder::Drafts).in_mailbox(&pat)];
    let ids: Vec<_> = items.iter().filter_map(|i| i.delivery_id).collect();
    let item_ids = [ItemId {
        id: "AAMk\"=".into(),
        change_key: Some("CQ".into()),
    }];

    let mut buf = Vec::new();
    let write_all = |buf: &mut Vec<u8>| {
        buf.clear();
        write_create_item(buf, &header, &CreateItem::new(&items)).unwrap();
        write_find_item(buf, &header, &FindItem::new(&folders, &ids).max_entries(5)).unwrap();
        write_delete_item(
            buf,
            &header,
            &DeleteItem::new(&item_ids, DeleteType::HardDelete),
        )
        .unwrap();
    };
    write_all(&mut buf); // grows the buffer
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    write_all(&mut buf);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(allocations, 0, "the writer allocated {allocations} times");
    assert!(buf.len() > 100 * 1000);
}
