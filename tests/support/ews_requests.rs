//! Representative EWS requests shared by the schema check and the writer tests.
#![allow(dead_code)] // each test binary uses a part

use offline_im::address::SmtpAddress;
use offline_im::compose::{DeliveryId, Importance};
use offline_im::ews::{
    Body, CreateItem, DeleteItem, DeleteType, DistinguishedPropertySet, ExtendedProperty, FindItem,
    FolderTarget, Impersonation, ItemId, Mailbox, MessageItem, PropertyPath, PropertySet,
    PropertyValue, RecentItems, RequestHeader, ServerVersion, SetItemClass, write_create_item,
    write_delete_item, write_find_item, write_recent_items, write_update_item,
};
use offline_im::plan::{Disposition, Folder};
use uuid::Uuid;

/// Text that tries to break XML in every way a caller could pass it.
pub fn hostile_texts() -> Vec<(&'static str, String)> {
    vec![
        ("cdata-end", "a ]]> b ]]]]><![CDATA[ c".to_owned()),
        (
            "ampersands",
            "Tom & Jerry &amp; &lt; &#0; &#x1F600; &bogus;".to_owned(),
        ),
        (
            "markup",
            "<script>alert(\"x\")</script><!-- c --><?pi?></t:Subject>".to_owned(),
        ),
        (
            "quotes",
            "\"double\" 'single' `back` “curly” ‘ones’".to_owned(),
        ),
        ("emoji", "🙂 👩‍👩‍👧‍👦 🏳️‍🌈 \u{1F600}\u{FE0F}".to_owned()),
        (
            "right-to-left",
            "שלום עולם مرحبا بالعالم \u{202E}desrever\u{202C} \u{200F}".to_owned(),
        ),
        (
            "forbidden-chars",
            "nul\u{0} bell\u{7} bs\u{8} vt\u{B} ff\u{C} esc\u{1B} us\u{1F} \u{FFFE}\u{FFFF}"
                .to_owned(),
        ),
        (
            "line-ends",
            "one\r\ntwo\rthree\nfour\tfive\u{85}six\u{2028}seven".to_owned(),
        ),
        (
            "combining",
            "e\u{301} a\u{308}\u{332} Z\u{36B}\u{36B}\u{36B}".to_owned(),
        ),
        ("very-long", "long & <long> \"text\" 🙂 ".repeat(20_000)),
        ("empty", String::new()),
    ]
}

/// The text as it must arrive: forbidden characters replaced, nothing else changed.
pub fn expected_arrival(text: &str) -> String {
    text.chars()
        .map(|c| {
            if offline_im::compose::is_xml_char(c) {
                c
            } else {
                '\u{FFFD}'
            }
        })
        .collect()
}

pub fn addr(s: &str) -> SmtpAddress {
    s.parse().expect("test address")
}

pub fn delivery_id(n: u128) -> DeliveryId {
    DeliveryId::from_uuid(Uuid::from_u128(
        0x0000_0000_0000_4000_8000_0000_0000_0000 | n,
    ))
}

/// A named envelope.
pub struct Envelope {
    pub name: String,
    pub xml: Vec<u8>,
}

fn create(name: &str, header: &RequestHeader, request: &CreateItem<'_>) -> Envelope {
    let mut xml = Vec::new();
    write_create_item(&mut xml, header, request).expect("valid request");
    Envelope {
        name: name.to_owned(),
        xml,
    }
}

fn find(name: &str, header: &RequestHeader, request: &FindItem<'_>) -> Envelope {
    let mut xml = Vec::new();
    write_find_item(&mut xml, header, request).expect("valid request");
    Envelope {
        name: name.to_owned(),
        xml,
    }
}

fn recent(name: &str, header: &RequestHeader, request: &RecentItems<'_>) -> Envelope {
    let mut xml = Vec::new();
    write_recent_items(&mut xml, header, request).expect("valid request");
    Envelope {
        name: name.to_owned(),
        xml,
    }
}

fn delete(name: &str, header: &RequestHeader, request: &DeleteItem<'_>) -> Envelope {
    let mut xml = Vec::new();
    write_delete_item(&mut xml, header, request).expect("valid request");
    Envelope {
        name: name.to_owned(),
        xml,
    }
}

/// Every option of the writer, batches of 1 and 100, hostile text in every text field.
pub fn representative_envelopes() -> Vec<Envelope> {
    let kim = addr("kim.akers@contoso.com");
    let pat = addr("pat@fabrikam.com");
    let lee = addr("lee@contoso.com");
    let archive = addr("shared-archive@contoso.com");
    let mut out = Vec::new();
    let default_header = RequestHeader::default();

    // Every extended-property form and type.
    let when = time::macros::datetime!(2026-03-02 09:15:30.25 +01:00);
    let guid = Uuid::from_u128(0xc11f_f724_aa03_4555_9952_8fa2_48a1_1c3e);
    let properties = [
        ExtendedProperty::new(
            PropertyPath::tag(0x001A).unwrap(),
            PropertyValue::String("IPM.Note.Microsoft.Missed"),
        ),
        ExtendedProperty::new(
            PropertyPath::tag(0x0E07).unwrap(),
            PropertyValue::Integer(1),
        ),
        ExtendedProperty::new(
            PropertyPath::tag(0x7FFF).unwrap(),
            PropertyValue::Long(-9_000_000_000),
        ),
        ExtendedProperty::new(
            PropertyPath::tag(0x0E06).unwrap(),
            PropertyValue::SystemTime(when),
        ),
        ExtendedProperty::new(
            PropertyPath::tag(0x0001).unwrap(),
            PropertyValue::Boolean(false),
        ),
        ExtendedProperty::new(
            PropertyPath::named(
                PropertySet::Distinguished(DistinguishedPropertySet::PublicStrings),
                "X-Offline-Im",
            )
            .unwrap(),
            PropertyValue::Boolean(true),
        ),
        ExtendedProperty::new(
            PropertyPath::named_id(PropertySet::Guid(guid), 0x8501),
            PropertyValue::Integer(-5),
        ),
        ExtendedProperty::new(
            PropertyPath::named(PropertySet::Guid(guid), "Thread").unwrap(),
            PropertyValue::String("t-1"),
        ),
    ];
    let to = [Mailbox::named(&pat, "Pat Coleman"), Mailbox::new(&lee)];
    let full = MessageItem::new(
        "Missed conversation with Kim Akers",
        Body::html("<p>Are you there?</p>"),
    )
    .item_class("IPM.Note.Microsoft.Missed")
    .importance(Importance::High)
    .is_read(false)
    .from(Mailbox::named(&kim, "Kim Akers"))
    .to(&to)
    .extended_properties(&properties)
    .delivery_id(delivery_id(1));
    let full_items = [full];
    out.push(create(
        "create-1-full",
        &default_header,
        &CreateItem::new(&full_items),
    ));

    // Minimal message: only subject and body.
    let minimal = [MessageItem::new("", Body::text(""))];
    out.push(create(
        "create-1-minimal",
        &default_header,
        &CreateItem::new(&minimal),
    ));

    // Every disposition, every folder, with and without another user's mailbox.
    for disposition in [
        Disposition::SendAndSaveCopy,
        Disposition::SendOnly,
        Disposition::SaveOnly,
    ] {
        let request = CreateItem::new(&full_items).disposition(disposition);
        out.push(create(
            &format!("create-disposition-{disposition}"),
            &default_header,
            &request,
        ));
        if disposition != Disposition::SendOnly {
            let request = request.saved_item_folder(None);
            out.push(create(
                &format!("create-disposition-{disposition}-no-folder"),
                &default_header,
                &request,
            ));
        }
    }
    for folder in Folder::ALL {
        let request =
            CreateItem::new(&full_items).saved_item_folder(Some(FolderTarget::new(folder)));
        out.push(create(
            &format!("create-folder-{folder}"),
            &default_header,
            &request,
        ));
        let request = CreateItem::new(&full_items)
            .disposition(Disposition::SaveOnly)
            .saved_item_folder(Some(FolderTarget::new(folder).in_mailbox(&archive)));
        out.push(create(
            &format!("create-folder-{folder}-delegate"),
            &default_header,
            &request,
        ));
    }

    // Every server version and every impersonation form.
    for version in ServerVersion::ALL {
        let header = RequestHeader::new(*version);
        out.push(create(
            &format!("create-version-{version}"),
            &header,
            &CreateItem::new(&full_items),
        ));
    }
    let impersonations = [
        ("smtp", Impersonation::smtp_address(kim.clone())),
        (
            "primary-smtp",
            Impersonation::primary_smtp_address(kim.clone()),
        ),
        (
            "principal-name",
            Impersonation::principal_name("kim.akers@corp.contoso.com").unwrap(),
        ),
        (
            "sid",
            Impersonation::sid("S-1-5-21-1004336348-1177238915-682003330-512").unwrap(),
        ),
    ];
    for (name, imp) in &impersonations {
        let header = RequestHeader::new(ServerVersion::Exchange2016).impersonate(imp.clone());
        out.push(create(
            &format!("create-impersonation-{name}"),
            &header,
            &CreateItem::new(&full_items),
        ));
    }

    // A batch of 100, every message different.
    let subjects: Vec<String> = (0..100).map(|i| format!("Message {i} & <more>")).collect();
    let batch: Vec<MessageItem<'_>> = subjects
        .iter()
        .enumerate()
        .map(|(i, subject)| {
            MessageItem::new(
                subject,
                if i % 2 == 0 {
                    Body::html("<b>hi</b>")
                } else {
                    Body::text("hi")
                },
            )
            .item_class("IPM.Note.Microsoft.Missed")
            .importance([Importance::Low, Importance::Normal, Importance::High][i % 3])
            .is_read(i % 2 == 0)
            .from(Mailbox::named(&kim, "Kim Akers"))
            .to(&to)
            .extended_properties(&properties[..i % properties.len()])
            .delivery_id(delivery_id(i as u128))
        })
        .collect();
    out.push(create(
        "create-100",
        &default_header,
        &CreateItem::new(&batch),
    ));

    // Hostile text in every text field, one envelope per kind of hostility.
    for (kind, text) in hostile_texts() {
        let hostile_props = [
            ExtendedProperty::new(
                PropertyPath::tag(0x0037).unwrap(),
                PropertyValue::String(&text),
            ),
            ExtendedProperty::new(
                PropertyPath::named(
                    PropertySet::Distinguished(DistinguishedPropertySet::PublicStrings),
                    if text.trim().is_empty() { "x" } else { &text },
                )
                .unwrap(),
                PropertyValue::String(&text),
            ),
        ];
        let to = [Mailbox::named(&pat, &text)];
        let items = [
            MessageItem::new(&text, Body::html(&text))
                .item_class(&text)
                .from(Mailbox::named(&kim, &text))
                .to(&to)
                .extended_properties(&hostile_props)
                .delivery_id(delivery_id(7)),
            MessageItem::new(&text, Body::text(&text)),
        ];
        out.push(create(
            &format!("create-hostile-{kind}"),
            &default_header,
            &CreateItem::new(&items),
        ));
        let ids = [ItemId {
            id: text.clone(),
            change_key: Some(text.clone()),
        }];
        out.push(delete(
            &format!("delete-hostile-{kind}"),
            &default_header,
            &DeleteItem::new(&ids, DeleteType::HardDelete),
        ));
    }

    // FindItem: one id, 100 ids, a limit, several folders, another user's folder.
    let one = [delivery_id(1)];
    let hundred: Vec<_> = (0..100).map(delivery_id).collect();
    let own = [FolderTarget::new(Folder::ConversationHistory)];
    let several: Vec<_> = Folder::ALL.iter().map(|f| FolderTarget::new(*f)).collect();
    let theirs = [FolderTarget::new(Folder::Drafts).in_mailbox(&archive)];
    out.push(find("find-1", &default_header, &FindItem::new(&own, &one)));
    out.push(find(
        "find-100-ids",
        &default_header,
        &FindItem::new(&own, &hundred),
    ));
    out.push(find(
        "find-limit",
        &default_header,
        &FindItem::new(&own, &one).max_entries(u32::MAX),
    ));
    out.push(find(
        "find-all-folders",
        &default_header,
        &FindItem::new(&several, &hundred).max_entries(10),
    ));
    let header =
        RequestHeader::new(ServerVersion::Exchange2013Sp1).impersonate(impersonations[0].1.clone());
    out.push(find(
        "find-delegate-impersonated",
        &header,
        &FindItem::new(&theirs, &one),
    ));

    // RecentItems: defaults, a later page, the largest values, every folder,
    // another user's folder with impersonation.
    out.push(recent(
        "recent-default",
        &default_header,
        &RecentItems::new(&own),
    ));
    out.push(recent(
        "recent-page-2",
        &default_header,
        &RecentItems::new(&own).max_entries(50).offset(50),
    ));
    out.push(recent(
        "recent-max",
        &default_header,
        &RecentItems::new(&own)
            .max_entries(u32::MAX)
            .offset(u32::MAX),
    ));
    out.push(recent(
        "recent-all-folders",
        &default_header,
        &RecentItems::new(&several).max_entries(1),
    ));
    out.push(recent(
        "recent-delegate-impersonated",
        &header,
        &RecentItems::new(&theirs),
    ));

    // DeleteItem: every type, 1 and 100 ids, with and without change keys.
    let ids: Vec<ItemId> = (0..100)
        .map(|i| ItemId {
            id: format!("AAMkAD{i}="),
            change_key: (i % 2 == 0).then(|| format!("CQAA{i}")),
        })
        .collect();
    for delete_type in [
        DeleteType::HardDelete,
        DeleteType::SoftDelete,
        DeleteType::MoveToDeletedItems,
    ] {
        out.push(delete(
            &format!("delete-1-{delete_type}"),
            &default_header,
            &DeleteItem::new(&ids[..1], delete_type),
        ));
    }
    out.push(delete(
        "delete-100",
        &header,
        &DeleteItem::new(&ids, DeleteType::HardDelete),
    ));
    // UpdateItem (the sender's copies restamped): 1 and 100 items, with and
    // without change keys, impersonated, hostile class text.
    for (name, ids, class) in [
        ("update-1", &ids[..1], "IPM.Note.Microsoft.Conversation"),
        ("update-100", &ids[..], "IPM.Note.Microsoft.Conversation"),
        ("update-hostile-class", &ids[..2], "IPM.Note.<&\"'>"),
    ] {
        let mut xml = Vec::new();
        write_update_item(&mut xml, &header, &SetItemClass::new(ids, class))
            .expect("valid request");
        out.push(Envelope {
            name: name.to_owned(),
            xml,
        });
    }
    // Straight from delivery plans: every disposition, same organization and
    // federated, hostile text in names and lines, batches of 1 and 100.
    for (name, plans) in plans_for_schema() {
        let refs: Vec<&offline_im::plan::DeliveryPlan> = plans.iter().collect();
        let mut xml = Vec::new();
        offline_im::send::write_create_item_for_plans(&mut xml, &default_header, &refs)
            .expect("valid plans");
        out.push(Envelope { name, xml });
    }
    out
}

/// Delivery plans made by the planner from hostile text, grouped as one request each.
fn plans_for_schema() -> Vec<(String, Vec<offline_im::plan::DeliveryPlan>)> {
    use offline_im::compose::{ImLine, OfflineIm, Participant};
    use offline_im::plan::{Disposition, Planner};
    use offline_im::policy::{ExternalAccessPolicy, PolicySet, Scope, SenderProfile};
    use offline_im::route::{AllowedDomain, Organization};

    let organization = Organization::builder()
        .sip_domain("contoso.com".parse().unwrap())
        .allow_federated_users(true)
        .allowed_domain(AllowedDomain::new("fabrikam.com".parse().unwrap()))
        .build()
        .unwrap();
    let policies = PolicySet::builder()
        .external_access_policy(ExternalAccessPolicy {
            scope: Scope::Global,
            enable_federation_access: true,
        })
        .build()
        .unwrap();
    let mut out = Vec::new();
    for disposition in [
        Disposition::SendAndSaveCopy,
        Disposition::SendOnly,
        Disposition::SaveOnly,
    ] {
        let planner = Planner::builder(organization.clone())
            .policies(policies.clone())
            .disposition(disposition)
            .build();
        for (domain, size) in [
            ("contoso.com", 1),
            ("fabrikam.com", 1),
            ("contoso.com", 100),
        ] {
            let texts = hostile_texts();
            let plans = (0..size)
                .map(|i| {
                    let (_, text) = &texts[i % texts.len()];
                    let kim = Participant::new(
                        "sip:kim@contoso.com".parse().unwrap(),
                        "kim@contoso.com".parse().unwrap(),
                        text.chars().take(200).collect::<String>(),
                    );
                    let to = Participant::new(
                        format!("sip:user{i}@{domain}").parse().unwrap(),
                        format!("user{i}@{domain}").parse().unwrap(),
                        text.chars().take(200).collect::<String>(),
                    );
                    let im = OfflineIm::builder()
                        .sender(kim.clone())
                        .recipient(to)
                        .subject(text.chars().take(300).collect::<String>())
                        .line(ImLine::new(
                            kim.sip().clone(),
                            time::macros::datetime!(2026-03-02 09:15 UTC),
                            format!("x {}", text.chars().take(20_000).collect::<String>()),
                        ))
                        .build()
                        .unwrap();
                    planner
                        .decide(&im, &SenderProfile::default())
                        .unwrap()
                        .plan()
                        .cloned()
                        .expect("allowed")
                })
                .collect();
            out.push((format!("plans-{disposition}-{domain}-{size}"), plans));
        }
    }
    out
}
