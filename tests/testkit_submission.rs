//! Asynchronous submission and the reads clients use instead of scans, driven with
//! raw HTTP: drafts waiting with `IsSubmitted`, pickup, cancellation, newest-first
//! paging, the restriction scan limit.

#[path = "support/raw_ews_client.rs"]
mod raw_ews_client;

use std::time::Duration;

use offline_im::plan::Folder;
use offline_im::testkit::TestServer;
use raw_ews_client::*;

const MISSED: &str = "IPM.Note.Microsoft.Missed";

async fn server(lag: Duration) -> TestServer {
    TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("kim@contoso.com", "pw")
        .submission_lag(lag, lag)
        .start()
        .await
        .expect("the server starts")
}

fn auth() -> String {
    basic("kim@contoso.com", "pw")
}

fn im(id: &str) -> Msg {
    Msg::new(id)
        .class(MISSED)
        .delivery_id(id)
        .to("pat@contoso.com")
}

fn v2013(body: &str) -> String {
    envelope(Some("Exchange2013"), None, body)
}

#[tokio::test]
async fn a_sent_message_waits_in_drafts_then_arrives_after_pickup() {
    let server = server(Duration::from_secs(2)).await;
    let (kim, pat) = (addr("kim@contoso.com"), addr("pat@contoso.com"));
    let reply = post_ok(server.addr(), Some(&auth()), &send_im(&[im("a")])).await;
    assert_eq!(reply.response_codes(), ["NoError"]);

    // Before pickup: a submitted draft, nothing delivered.
    let drafts = server.folder(&kim, Folder::Drafts);
    assert_eq!(drafts.len(), 1);
    assert!(drafts[0].is_submitted());
    assert_eq!(drafts[0].item_class(), MISSED);
    assert_eq!(server.pending_submissions(), 1);
    assert!(server.folder(&pat, Folder::Inbox).is_empty());
    assert!(server.folder(&kim, Folder::ConversationHistory).is_empty());
    let draft_id = drafts[0].id().to_owned();
    let found = post_ok(
        server.addr(),
        Some(&auth()),
        &v2013(&find_newest("drafts", None, 10, 0)),
    )
    .await;
    assert_eq!(found.item_ids(), std::slice::from_ref(&draft_id));
    assert_eq!(found.texts("t:IsSubmitted"), ["true"]);
    assert_eq!(found.texts("t:Value"), ["a"], "{}", found.body);
    let got = post_ok(
        server.addr(),
        Some(&auth()),
        &v2013(&get_item(&[&draft_id])),
    )
    .await;
    assert_eq!(got.response_codes(), ["NoError"]);

    // After pickup: delivered, the copy moved under a new id, the draft gone.
    server.idle().await;
    assert_eq!(server.pending_submissions(), 0);
    assert!(server.folder(&kim, Folder::Drafts).is_empty());
    let inbox = server.folder(&pat, Folder::Inbox);
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox[0].extended_property_by_name("OfflineImDeliveryId"),
        Some("a")
    );
    assert!(!inbox[0].is_submitted());
    let copies = server.folder(&kim, Folder::ConversationHistory);
    assert_eq!(copies.len(), 1);
    assert_ne!(copies[0].id(), draft_id, "a move gives a new id");
    assert_eq!(copies[0].created(), drafts[0].created(), "created is kept");
    assert!(!copies[0].is_submitted());
    assert!(inbox[0].created() >= copies[0].created());

    for body in [
        get_item(&[&draft_id]),
        delete_item("MoveToDeletedItems", &[&draft_id]),
    ] {
        let reply = post_ok(server.addr(), Some(&auth()), &v2013(&body)).await;
        assert_eq!(reply.response_codes(), ["ErrorItemNotFound"], "{body}");
    }
    assert!(server.cancelled().is_empty());
}

#[tokio::test]
async fn deleting_the_draft_before_pickup_cancels_the_submission() {
    let server = server(Duration::from_secs(60)).await;
    let (kim, pat) = (addr("kim@contoso.com"), addr("pat@contoso.com"));
    let msg = im("gone").to("lee@fabrikam.com");
    post_ok(server.addr(), Some(&auth()), &send_im(&[msg])).await;
    let draft_id = server.folder(&kim, Folder::Drafts)[0].id().to_owned();
    let reply = post_ok(
        server.addr(),
        Some(&auth()),
        &v2013(&delete_item("HardDelete", &[&draft_id])),
    )
    .await;
    assert_eq!(reply.response_codes(), ["NoError"]);
    assert_eq!(server.pending_submissions(), 0);

    // Nothing is waiting any more: idle returns at once, nothing was delivered.
    tokio::time::timeout(Duration::from_secs(5), server.idle())
        .await
        .expect("idle without waiting for the cancelled message");
    assert!(server.folder(&pat, Folder::Inbox).is_empty());
    assert!(server.outbound().is_empty());
    assert!(server.folder(&kim, Folder::ConversationHistory).is_empty());
    let cancelled = server.cancelled();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].id(), draft_id);
    assert_eq!(cancelled[0].subject(), Some("gone"));
}

#[tokio::test]
async fn zero_lag_delivers_inside_the_request() {
    let server = server(Duration::ZERO).await;
    let (kim, pat) = (addr("kim@contoso.com"), addr("pat@contoso.com"));
    post_ok(server.addr(), Some(&auth()), &send_im(&[im("now")])).await;
    // No idle(): the reply came after delivery.
    assert_eq!(server.pending_submissions(), 0);
    assert_eq!(server.folder(&pat, Folder::Inbox).len(), 1);
    assert_eq!(server.folder(&kim, Folder::ConversationHistory).len(), 1);
    assert!(server.folder(&kim, Folder::Drafts).is_empty());
}

#[tokio::test]
async fn save_only_is_saved_at_once_and_not_submitted() {
    let server = server(Duration::from_secs(60)).await;
    let body = v2013(&create_item("SaveOnly", None, &[im("draft")]));
    let reply = post_ok(server.addr(), Some(&auth()), &body).await;
    assert_eq!(reply.item_ids().len(), 1);
    assert_eq!(server.pending_submissions(), 0);
    let drafts = server.folder(&addr("kim@contoso.com"), Folder::Drafts);
    assert_eq!(drafts.len(), 1);
    assert!(!drafts[0].is_submitted());
}

#[tokio::test]
async fn find_item_pages_newest_first_by_date_time_created() {
    // The default lag: pickups finish in any order, the creation times keep it.
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("kim@contoso.com", "pw")
        .start()
        .await
        .unwrap();
    for id in ["1", "2", "3", "4", "5"] {
        post_ok(server.addr(), Some(&auth()), &send_im(&[im(id)])).await;
        // Distinct creation times, whatever the clock's resolution.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.idle().await;
    let at = server.addr();
    let page = async |offset| {
        let body = v2013(&find_newest("conversationhistory", None, 2, offset));
        post_ok(at, Some(&auth()), &body).await
    };
    let first = page(0).await;
    assert_eq!(first.response_codes(), ["NoError"]);
    assert_eq!(first.texts("t:Value"), ["5", "4"], "{}", first.body);
    assert!(first.body.contains(
        r#"IndexedPagingOffset="2" TotalItemsInView="5" IncludesLastItemInRange="false""#
    ));
    assert_eq!(first.texts("t:IsSubmitted"), ["false", "false"]);
    let created = first.texts("t:DateTimeCreated");
    assert_eq!(created.len(), 2);
    assert!(
        created.iter().all(|c| c.ends_with('Z') && c.len() == 20),
        "{created:?}"
    );
    // Schema order: IsSubmitted, DateTimeCreated, then the extended property.
    let (s, c, e) = (
        first.body.find("<t:IsSubmitted>").unwrap(),
        first.body.find("<t:DateTimeCreated>").unwrap(),
        first.body.find("<t:ExtendedProperty>").unwrap(),
    );
    assert!(s < c && c < e, "{}", first.body);

    assert_eq!(page(2).await.texts("t:Value"), ["3", "2"]);
    let last = page(4).await;
    assert_eq!(last.texts("t:Value"), ["1"]);
    assert!(last.body.contains(
        r#"IndexedPagingOffset="5" TotalItemsInView="5" IncludesLastItemInRange="true""#
    ));

    // Ascending reads the oldest first.
    let ascending =
        find_newest("conversationhistory", None, 1, 0).replace("Descending", "Ascending");
    let oldest = post_ok(server.addr(), Some(&auth()), &v2013(&ascending)).await;
    assert_eq!(oldest.texts("t:Value"), ["1"]);
}

#[tokio::test]
async fn a_restriction_on_a_big_folder_times_out_but_reading_the_newest_does_not() {
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("kim@contoso.com", "pw")
        .restriction_scan_limit(2)
        .submission_lag(Duration::ZERO, Duration::ZERO)
        .start()
        .await
        .unwrap();
    let restricted = |folder: &str| v2013(&find_by_named(folder, None, "X-Id", "a"));
    post_ok(
        server.addr(),
        Some(&auth()),
        &send_im(&[im("a").named("X-Id", "a"), im("b")]),
    )
    .await;
    let small = post_ok(
        server.addr(),
        Some(&auth()),
        &restricted("conversationhistory"),
    )
    .await;
    assert_eq!(
        small.response_codes(),
        ["NoError"],
        "two items: under the limit"
    );
    assert_eq!(small.item_ids().len(), 1);

    post_ok(server.addr(), Some(&auth()), &send_im(&[im("c")])).await;
    let big = post_ok(
        server.addr(),
        Some(&auth()),
        &restricted("conversationhistory"),
    )
    .await;
    assert_eq!(big.status, 200);
    assert_eq!(
        big.response_codes(),
        ["ErrorTimeoutExpired"],
        "{}",
        big.body
    );
    let newest = post_ok(
        server.addr(),
        Some(&auth()),
        &v2013(&find_newest("conversationhistory", None, 10, 0)),
    )
    .await;
    assert_eq!(newest.response_codes(), ["NoError"]);
    assert_eq!(newest.item_ids().len(), 3);
}
