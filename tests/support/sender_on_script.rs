//! Shared by the tests that drive the sender through a scripted transport.
#![allow(dead_code)]

use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::plan::Planner;
use offline_im::route::Organization;
use offline_im::send::{RetryPolicy, Sender};
use offline_im::transport::{EwsReply, RecordingTransport};
use time::macros::datetime;

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/ews/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub fn one_success() -> EwsReply {
    EwsReply::ok(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CreateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items/></m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>"#,
    )
}

pub fn message(text: &str) -> OfflineIm {
    let person = |user: &str| {
        Participant::new(
            format!("sip:{user}@contoso.com").parse().unwrap(),
            format!("{user}@contoso.com").parse().unwrap(),
            user,
        )
    };
    OfflineIm::builder()
        .sender(person("kim"))
        .recipient(person("pat"))
        .line(ImLine::new(
            person("kim").sip().clone(),
            datetime!(2026-03-02 09:15 UTC),
            text,
        ))
        .build()
        .unwrap()
}

pub fn sender(transport: RecordingTransport, retry: RetryPolicy) -> Sender<RecordingTransport> {
    let organization = Organization::builder()
        .sip_domain("contoso.com".parse().unwrap())
        .build()
        .unwrap();
    Sender::builder(transport, Planner::builder(organization).build())
        .retry(retry)
        .jitter_seed(7)
        .build()
        .unwrap()
}
