//! Graph wire layer speed: writing the JSON that creates one message, and a
//! `$batch` of 20 of them.
//!
//! `cargo bench --bench graph`. No target yet: Graph's round trip (tens of
//! milliseconds) and its per-mailbox limits bound throughput long before the
//! writer; the figures show the writer stays far below that (README, Performance).

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::graph::{
    BatchEntry, GraphMessage, GraphRequest, plan_recipient, write_batch, write_create_message,
};
use offline_im::plan::{DeliveryPlan, Folder, Planner};
use offline_im::policy::SenderProfile;
use offline_im::route::Organization;
use time::macros::datetime;

fn main() {
    divan::main();
}

/// A same-organization plan for a three-line offline IM, as the sender gets it.
fn plan() -> DeliveryPlan {
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
    let pat = Participant::new(
        "sip:pat@contoso.com".parse().unwrap(),
        "pat@contoso.com".parse().unwrap(),
        "Pat Coleman",
    );
    let lines = [
        "Hi Pat, are you there?",
        "The build for <release 4.2> & the notes are ready",
        "Ping me when you're back 🙂",
    ];
    let im = OfflineIm::builder()
        .sender(kim.clone())
        .recipient(pat)
        .lines(
            lines
                .iter()
                .map(|t| ImLine::new(kim.sip().clone(), datetime!(2026-03-02 09:15 +01:00), *t)),
        )
        .build()
        .unwrap();
    planner
        .decide(&im, &SenderProfile::default())
        .unwrap()
        .plan()
        .cloned()
        .unwrap()
}

/// Map one plan to a Graph message and write its create body into a reused buffer.
#[divan::bench]
fn write_create_message_1(bencher: Bencher) {
    let plan = plan();
    let to = plan_recipient(&plan);
    let mut buf = Vec::with_capacity(4096);
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        buf.clear();
        let message = GraphMessage::from_plan(black_box(&plan), &to);
        write_create_message(&mut buf, &message).unwrap();
        black_box(buf.len())
    });
}

/// Twenty create requests (JSON values) in one `$batch` body.
#[divan::bench]
fn write_batch_20_creates(bencher: Bencher) {
    let plan = plan();
    let to = plan_recipient(&plan);
    let mut buf = Vec::with_capacity(64 * 1024);
    bencher.counter(ItemsCount::new(20usize)).bench_local(|| {
        let message = GraphMessage::from_plan(black_box(&plan), &to);
        let entries: Vec<BatchEntry> = (0..20)
            .map(|i| {
                let request =
                    GraphRequest::create_message("kim@contoso.com", Some(Folder::Drafts), &message)
                        .unwrap();
                BatchEntry::new(i.to_string(), request)
            })
            .collect();
        buf.clear();
        write_batch(&mut buf, &entries).unwrap();
        black_box(buf.len())
    });
}
