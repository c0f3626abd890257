//! The request writer, through the public API: what arrives is what was meant.

#[path = "support/ews_requests.rs"]
mod ews_requests;

use ews_requests::{addr, delivery_id, expected_arrival, hostile_texts, representative_envelopes};
use offline_im::ews::{
    Body, CreateItem, DeleteItem, DeleteType, FindItem, FolderTarget, Mailbox, MessageItem,
    RecentItems, RequestHeader, WriteError, write_create_item, write_delete_item, write_find_item,
    write_recent_items,
};
use offline_im::plan::{Disposition, Folder};
use quick_xml::events::Event;

/// Every element's text (references resolved) and every attribute, in document order,
/// as (path, value). Fails the test on XML that is not well-formed.
fn contents(xml: &[u8]) -> Vec<(String, String)> {
    let mut reader = quick_xml::Reader::from_str(std::str::from_utf8(xml).expect("UTF-8"));
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(s) => {
                stack.push(s.name().into_inner().to_owned());
                for a in s.attributes() {
                    let a = a.expect("attribute");
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("value");
                    out.push((
                        format!("{}@{}", stack.join("/"), a.key.into_inner()),
                        value.into_owned(),
                    ));
                }
                text.clear();
            }
            Event::Empty(s) => {
                let path = format!("{}/{}", stack.join("/"), s.name().into_inner());
                for a in s.attributes() {
                    let a = a.expect("attribute");
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("value");
                    out.push((format!("{path}@{}", a.key.into_inner()), value.into_owned()));
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref().expect("char ref") {
                Some(c) => text.push(c),
                None => text.push_str(
                    quick_xml::escape::resolve_predefined_entity(&r).expect("predefined entity"),
                ),
            },
            Event::CData(c) => text.push_str(&c.xml10_content()),
            Event::DocType(_) => panic!("the writer never writes DTDs"),
            Event::End(_) => {
                out.push((stack.join("/"), std::mem::take(&mut text)));
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty());
    out
}

fn value<'a>(contents: &'a [(String, String)], path_end: &str) -> Vec<&'a str> {
    contents
        .iter()
        .filter(|(p, _)| p.ends_with(path_end))
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn hostile_text_arrives_unchanged_except_forbidden_characters() {
    let kim = addr("kim@contoso.com");
    let pat = addr("pat@contoso.com");
    for (kind, text) in hostile_texts() {
        let to = [Mailbox::named(&pat, &text)];
        let items = [MessageItem::new(&text, Body::text(&text))
            .item_class(&text)
            .from(Mailbox::named(&kim, &text))
            .to(&to)];
        let mut buf = Vec::new();
        write_create_item(
            &mut buf,
            &RequestHeader::default(),
            &CreateItem::new(&items),
        )
        .unwrap();
        let c = contents(&buf);
        let expected = expected_arrival(&text);
        for field in [
            "t:Message/t:Subject",
            "t:Message/t:Body",
            "t:Message/t:ItemClass",
            "t:Mailbox/t:Name",
        ] {
            for got in value(&c, field) {
                assert!(got == expected, "{kind}: {field} arrived changed");
            }
        }
        assert_eq!(value(&c, "t:Mailbox/t:Name").len(), 2, "{kind}");

        let ids = [offline_im::ews::ItemId {
            id: text.clone(),
            change_key: Some(text.clone()),
        }];
        let mut buf = Vec::new();
        write_delete_item(
            &mut buf,
            &RequestHeader::default(),
            &DeleteItem::new(&ids, DeleteType::SoftDelete),
        )
        .unwrap();
        let c = contents(&buf);
        assert_eq!(
            value(&c, "t:ItemId@Id"),
            [expected.as_str()],
            "{kind}: attribute arrived changed"
        );
        assert_eq!(
            value(&c, "t:ItemId@ChangeKey"),
            [expected.as_str()],
            "{kind}"
        );
    }
}

#[test]
fn every_representative_envelope_is_well_formed() {
    for e in representative_envelopes() {
        let c = contents(&e.xml);
        assert!(
            c.iter()
                .any(|(p, _)| p.starts_with("soap:Envelope/soap:Body/m:")),
            "{}",
            e.name
        );
    }
}

#[test]
fn a_batch_keeps_its_order_and_delivery_ids() {
    let subjects: Vec<String> = (0..100).map(|i| format!("IM {i}")).collect();
    let items: Vec<_> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| MessageItem::new(s, Body::text("x")).delivery_id(delivery_id(i as u128)))
        .collect();
    let mut buf = Vec::new();
    write_create_item(
        &mut buf,
        &RequestHeader::default(),
        &CreateItem::new(&items),
    )
    .unwrap();
    let c = contents(&buf);
    let got: Vec<_> = value(&c, "t:Message/t:Subject");
    assert_eq!(got, subjects.iter().map(String::as_str).collect::<Vec<_>>());
    let ids = value(&c, "t:ExtendedProperty/t:Value");
    assert_eq!(ids.len(), 100);
    assert_eq!(ids[42], delivery_id(42).to_string());
}

#[test]
fn writer_appends_and_a_reused_buffer_gives_the_same_bytes() {
    let items = [MessageItem::new("a", Body::text("b"))];
    let request = CreateItem::new(&items);
    let mut first = Vec::new();
    write_create_item(&mut first, &RequestHeader::default(), &request).unwrap();
    let mut buf = b"prefix".to_vec();
    write_create_item(&mut buf, &RequestHeader::default(), &request).unwrap();
    assert_eq!(&buf[6..], &first[..]);
    buf.clear();
    write_create_item(&mut buf, &RequestHeader::default(), &request).unwrap();
    assert_eq!(buf, first);
}

#[test]
fn refused_requests_write_nothing_and_say_why() {
    let mut buf = b"untouched".to_vec();
    let err =
        write_create_item(&mut buf, &RequestHeader::default(), &CreateItem::new(&[])).unwrap_err();
    assert!(matches!(err, WriteError::Empty { .. }), "{err}");
    assert!(err.to_string().contains("CreateItem items"), "{err}");

    let items = [MessageItem::new("a", Body::text("b"))];
    let request = CreateItem {
        disposition: Disposition::SendOnly,
        saved_item_folder: Some(FolderTarget::new(Folder::SentItems)),
        items: &items,
    };
    let err = write_create_item(&mut buf, &RequestHeader::default(), &request).unwrap_err();
    assert!(
        err.to_string().contains("SendOnly") && err.to_string().contains("sentitems"),
        "{err}"
    );

    let folders = [FolderTarget::new(Folder::Drafts)];
    let err = write_find_item(
        &mut buf,
        &RequestHeader::default(),
        &FindItem::new(&folders, &[]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("delivery ids"), "{err}");
    let err = write_find_item(
        &mut buf,
        &RequestHeader::default(),
        &FindItem::new(&[], &[delivery_id(1)]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("folders"), "{err}");
    let err = write_delete_item(
        &mut buf,
        &RequestHeader::default(),
        &DeleteItem::new(&[], DeleteType::HardDelete),
    )
    .unwrap_err();
    assert!(err.to_string().contains("item ids"), "{err}");
    assert_eq!(buf, b"untouched");
}

#[test]
fn send_only_drops_the_default_folder() {
    let items = [MessageItem::new("a", Body::text("b"))];
    let request = CreateItem::new(&items).disposition(Disposition::SendOnly);
    let mut buf = Vec::new();
    write_create_item(&mut buf, &RequestHeader::default(), &request).unwrap();
    let c = contents(&buf);
    assert_eq!(value(&c, "m:CreateItem@MessageDisposition"), ["SendOnly"]);
    assert!(value(&c, "DistinguishedFolderId@Id").is_empty());
}

#[test]
fn find_item_searches_the_delivery_id_and_asks_for_it_back() {
    let archive = addr("archive@contoso.com");
    let folders = [FolderTarget::new(Folder::Drafts).in_mailbox(&archive)];
    let ids = [delivery_id(5)];
    let mut buf = Vec::new();
    write_find_item(
        &mut buf,
        &RequestHeader::default(),
        &FindItem::new(&folders, &ids),
    )
    .unwrap();
    let c = contents(&buf);
    assert_eq!(value(&c, "m:FindItem@Traversal"), ["Shallow"]);
    assert_eq!(
        value(&c, "t:AdditionalProperties/t:ExtendedFieldURI@PropertyName"),
        ["OfflineImDeliveryId"]
    );
    assert_eq!(
        value(&c, "t:IsEqualTo/t:ExtendedFieldURI@PropertySetId"),
        [offline_im::ews::OFFLINE_IM_PROPERTY_SET
            .to_string()
            .as_str()]
    );
    assert_eq!(
        value(&c, "t:Constant@Value"),
        [delivery_id(5).to_string().as_str()]
    );
    assert_eq!(
        value(&c, "m:ParentFolderIds/t:DistinguishedFolderId@Id"),
        ["drafts"]
    );
    assert_eq!(
        value(&c, "t:DistinguishedFolderId/t:Mailbox/t:EmailAddress"),
        ["archive@contoso.com"]
    );
}

#[test]
fn recent_items_reads_the_newest_page_without_a_restriction() {
    let archive = addr("archive@contoso.com");
    let folders = [
        FolderTarget::new(Folder::SentItems),
        FolderTarget::new(Folder::Drafts).in_mailbox(&archive),
    ];
    let mut buf = Vec::new();
    write_recent_items(
        &mut buf,
        &RequestHeader::default(),
        &RecentItems::new(&folders).max_entries(25).offset(75),
    )
    .unwrap();
    let c = contents(&buf);
    assert_eq!(value(&c, "m:FindItem@Traversal"), ["Shallow"]);
    assert_eq!(value(&c, "m:ItemShape/t:BaseShape"), ["IdOnly"]);
    assert_eq!(
        value(&c, "t:AdditionalProperties/t:FieldURI@FieldURI"),
        ["item:DateTimeCreated", "item:IsSubmitted"]
    );
    assert_eq!(
        value(&c, "t:AdditionalProperties/t:ExtendedFieldURI@PropertyName"),
        ["OfflineImDeliveryId"]
    );
    assert_eq!(
        value(&c, "m:IndexedPageItemView@MaxEntriesReturned"),
        ["25"]
    );
    assert_eq!(value(&c, "m:IndexedPageItemView@Offset"), ["75"]);
    assert_eq!(value(&c, "m:IndexedPageItemView@BasePoint"), ["Beginning"]);
    assert_eq!(value(&c, "m:SortOrder/t:FieldOrder@Order"), ["Descending"]);
    assert_eq!(
        value(&c, "t:FieldOrder/t:FieldURI@FieldURI"),
        ["item:DateTimeCreated"]
    );
    assert_eq!(
        value(&c, "m:ParentFolderIds/t:DistinguishedFolderId@Id"),
        ["sentitems", "drafts"]
    );
    let xml = std::str::from_utf8(&buf).unwrap();
    assert!(!xml.contains("Restriction"), "{xml}");
    // Defaults: the newest 100; values above i32::MAX are capped.
    buf.clear();
    write_recent_items(
        &mut buf,
        &RequestHeader::default(),
        &RecentItems::new(&folders),
    )
    .unwrap();
    let c = contents(&buf);
    assert_eq!(
        value(&c, "m:IndexedPageItemView@MaxEntriesReturned"),
        ["100"]
    );
    assert_eq!(value(&c, "m:IndexedPageItemView@Offset"), ["0"]);
    buf.clear();
    let request = RecentItems::new(&folders)
        .max_entries(u32::MAX)
        .offset(u32::MAX);
    write_recent_items(&mut buf, &RequestHeader::default(), &request).unwrap();
    let c = contents(&buf);
    assert_eq!(
        value(&c, "m:IndexedPageItemView@MaxEntriesReturned"),
        ["2147483647"]
    );
    assert_eq!(value(&c, "m:IndexedPageItemView@Offset"), ["2147483647"]);
}

#[test]
fn recent_items_refuses_what_exchange_would() {
    let mut buf = b"untouched".to_vec();
    let err = write_recent_items(&mut buf, &RequestHeader::default(), &RecentItems::new(&[]))
        .unwrap_err();
    assert!(matches!(err, WriteError::Empty { .. }), "{err:?}");
    assert!(err.to_string().contains("folders"), "{err}");
    let folders = [FolderTarget::new(Folder::SentItems)];
    let err = write_recent_items(
        &mut buf,
        &RequestHeader::default(),
        &RecentItems::new(&folders).max_entries(0),
    )
    .unwrap_err();
    assert!(err.to_string().contains("max_entries"), "{err}");
    assert_eq!(buf, b"untouched");
}
