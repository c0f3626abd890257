//! EWS wire layer speed: writing CreateItem envelopes, reading CreateItem replies.
//!
//! `cargo bench --bench ews`. Targets (2-core machine): a 100-message CreateItem at
//! most 0.5 µs per message and a one-message envelope at most 1 µs, written into a
//! reused buffer with no allocation (asserted by tests/ews_alloc.rs); a 100-item
//! CreateItemResponse read at 300 MB/s or more.

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use offline_im::address::SmtpAddress;
use offline_im::compose::{
    Composer, DeliveryId, ImLine, Importance, OfflineIm, Participant, RenderedMessage,
};
use offline_im::ews::{
    Body, CreateItem, ExtendedProperty, Mailbox, MessageItem, PropertyPath, PropertyValue,
    RequestHeader, ResponseReader, write_create_item,
};
use time::macros::datetime;

// No allocation profiler here: counting every allocation slows the reader by
// about a tenth. That the writer allocates nothing once its buffer has grown is
// asserted by tests/ews_alloc.rs.

fn main() {
    divan::main();
}

/// A real offline IM, rendered by the default composer: three lines, one with markup.
fn rendered() -> (RenderedMessage, SmtpAddress, SmtpAddress) {
    let kim = Participant::new(
        "sip:kim@contoso.com".parse().unwrap(),
        "kim@contoso.com".parse().unwrap(),
        "Kim Akers",
    );
    let pat = Participant::new(
        "sip:pat@contoso.com".parse().unwrap(),
        "pat@contoso.com".parse().unwrap(),
        "Pat Coleman",
    );
    let im = OfflineIm::builder()
        .sender(kim.clone())
        .recipient(pat.clone())
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:15 +01:00),
            "Hi Pat, are you there?",
        ))
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:16 +01:00),
            "The build for <release 4.2> & the notes are ready",
        ))
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:17 +01:00),
            "Ping me when you're back 🙂",
        ))
        .build()
        .unwrap();
    let message = Composer::new().compose(&im).unwrap();
    (message, kim.smtp().clone(), pat.smtp().clone())
}

fn bench_write(bencher: Bencher, n: usize) {
    let (message, kim, pat) = rendered();
    let to = [Mailbox::named(&pat, "Pat Coleman")];
    let class = [ExtendedProperty::new(
        PropertyPath::tag(0x001A).unwrap(),
        PropertyValue::String("IPM.Note.Microsoft.Missed"),
    )];
    let items: Vec<MessageItem<'_>> = (0..n)
        .map(|_| {
            MessageItem::new(message.subject(), Body::html(message.html()))
                .item_class("IPM.Note.Microsoft.Missed")
                .importance(Importance::Normal)
                .from(Mailbox::named(&kim, "Kim Akers"))
                .to(&to)
                .extended_properties(&class)
                .delivery_id(DeliveryId::new())
        })
        .collect();
    let request = CreateItem::new(&items);
    let header = RequestHeader::default();
    let mut buf = Vec::new();
    write_create_item(&mut buf, &header, &request).unwrap();
    let size = buf.len();
    buf = Vec::with_capacity(size * 2);
    bencher.counter(ItemsCount::new(n)).bench_local(|| {
        buf.clear();
        write_create_item(&mut buf, black_box(&header), black_box(&request)).unwrap();
        black_box(buf.len())
    });
}

/// One message in an envelope: at most 1 µs.
#[divan::bench]
fn write_create_item_1(bencher: Bencher) {
    bench_write(bencher, 1);
}

/// 100 messages in one envelope: at most 0.5 µs per message (50 µs in all).
#[divan::bench]
fn write_create_item_100(bencher: Bencher) {
    bench_write(bencher, 100);
}

/// 100 messages straight from the planner's delivery plans (what the sender
/// writes): at most 0.5 µs per message.
#[divan::bench]
fn write_create_item_100_from_plans(bencher: Bencher) {
    use offline_im::plan::{DeliveryPlan, Planner};
    use offline_im::policy::SenderProfile;
    use offline_im::route::Organization;

    let planner = Planner::builder(
        Organization::builder()
            .sip_domain("contoso.com".parse().unwrap())
            .build()
            .unwrap(),
    )
    .build();
    let kim = Participant::new(
        "sip:kim@contoso.com".parse().unwrap(),
        "kim@contoso.com".parse().unwrap(),
        "Kim Akers",
    );
    let plans: Vec<DeliveryPlan> = (0..100)
        .map(|i| {
            let to = format!("user{i}@contoso.com");
            let im = OfflineIm::builder()
                .sender(kim.clone())
                .recipient(Participant::new(
                    format!("sip:{to}").parse().unwrap(),
                    to.parse().unwrap(),
                    format!("User {i}"),
                ))
                .line(ImLine::new(
                    kim.sip().clone(),
                    datetime!(2026-03-02 09:16 +01:00),
                    "The build for <release 4.2> & the notes are ready",
                ))
                .build()
                .unwrap();
            planner
                .decide(&im, &SenderProfile::default())
                .unwrap()
                .plan()
                .cloned()
                .unwrap()
        })
        .collect();
    let refs: Vec<&DeliveryPlan> = plans.iter().collect();
    let header = RequestHeader::default();
    let mut buf = Vec::new();
    offline_im::send::write_create_item_for_plans(&mut buf, &header, &refs).unwrap();
    buf = Vec::with_capacity(buf.len() * 2);
    bencher.counter(ItemsCount::new(100usize)).bench_local(|| {
        buf.clear();
        offline_im::send::write_create_item_for_plans(
            &mut buf,
            black_box(&header),
            black_box(&refs),
        )
        .unwrap();
        black_box(buf.len())
    });
}

/// A realistic 100-item reply (Exchange 2019 shape, SaveOnly so each item has an id).
fn reply_100() -> Vec<u8> {
    let mut s = String::from(concat!(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>"#,
        r#"<h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" xmlns="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"/>"#,
        r#"</s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#,
        r#"<m:CreateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>"#,
    ));
    for i in 0..100 {
        s.push_str(&format!(
            concat!(
                r#"<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message>"#,
                r#"<t:ItemId Id="AAMkAGQ3ZWYxLTE5OTEtNDk0Ny1hYjcxLTkwZTc0ZDQ3MmJiZQBGAAAAAADwS1+qY2xvdWRmbGFyZQcAd6UdMavz5EaKuhZ5dl79BgAAAAABEAAAd6UdMavz5EaKuhZ5dl79BgAA{i:04}AAA=" "#,
                r#"ChangeKey="CQAAABYAAAB3pR0xq/PkRoq6Fnl2Xv0GAAAB2v{i:04}"/></t:Message></m:Items></m:CreateItemResponseMessage>"#
            ),
            i = i
        ));
    }
    s.push_str("</m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>");
    s.into_bytes()
}

/// Reading a 100-item CreateItemResponse: at least 300 MB/s.
#[divan::bench]
fn read_create_item_100(bencher: Bencher) {
    let reply = reply_100();
    let reader = ResponseReader::default();
    assert_eq!(
        reader
            .read_create_item(&reply)
            .unwrap()
            .into_result()
            .unwrap()
            .messages
            .len(),
        100
    );
    bencher
        .counter(BytesCount::new(reply.len()))
        .bench_local(|| reader.read_create_item(black_box(&reply)).unwrap());
}
