//! Fault injection, driven with raw HTTP: what the client sees and what is stored.

#[path = "support/raw_ews_client.rs"]
mod raw_ews_client;

use std::time::{Duration, Instant, SystemTime};

use offline_im::plan::Folder;
use offline_im::testkit::{Fault, InjectedFault, ItemFault, TestServer};
use raw_ews_client::*;

async fn server() -> TestServer {
    TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("kim@contoso.com", "pw")
        .start()
        .await
        .expect("the server starts")
}

fn auth() -> String {
    basic("kim@contoso.com", "pw")
}

fn one_im(id: &str) -> String {
    send_im(&[Msg::new(id)
        .class("IPM.Note.Microsoft.Missed")
        .named("X-Id", id)
        .to("pat@contoso.com")])
}

/// Pat's inbox once the server has settled (sent mail delivered).
async fn pat_inbox(server: &TestServer) -> usize {
    server.idle().await;
    server.folder(&addr("pat@contoso.com"), Folder::Inbox).len()
}

#[tokio::test]
async fn server_busy_fault_carries_back_off_and_applies_nothing() {
    let server = server().await;
    server.faults().next_request(Fault::ServerBusyFault {
        back_off: Duration::from_millis(1500),
    });
    let reply = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.fault_code().as_deref(), Some("ErrorServerBusy"));
    assert_eq!(reply.back_offs(), [1500]);
    assert_eq!(pat_inbox(&server).await, 0);

    let reply = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(reply.status, 200, "the fault was used once");
    assert_eq!(pat_inbox(&server).await, 1);
    assert_eq!(
        server.injected_faults(),
        [InjectedFault::Request {
            request_index: 0,
            fault: Fault::ServerBusyFault {
                back_off: Duration::from_millis(1500)
            }
        }]
    );
    assert_eq!(
        server.requests()[0].fault(),
        Some(&Fault::ServerBusyFault {
            back_off: Duration::from_millis(1500)
        })
    );
}

#[tokio::test]
async fn service_unavailable_with_retry_after_seconds_or_date() {
    let server = server().await;
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
    server
        .faults()
        .next_request(Fault::ServiceUnavailable {
            retry_after_secs: 7,
        })
        .next_request(Fault::ServiceUnavailableUntil(when));
    let first = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(first.status, 503);
    assert_eq!(first.header("retry-after"), Some("7"));
    let second = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(second.status, 503);
    assert_eq!(
        second.header("retry-after"),
        Some("Sun, 06 Nov 1994 08:49:37 GMT")
    );
    assert_eq!(pat_inbox(&server).await, 0);
}

#[tokio::test]
async fn unauthorized_fault_refuses_good_credentials_once() {
    let server = server().await;
    server.faults().next_request(Fault::Unauthorized);
    let reply = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(reply.status, 401);
    assert!(reply.header("www-authenticate").is_some());
    let reply = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn per_item_server_busy_fails_only_that_item() {
    let server = server().await;
    server.faults().next_item(ItemFault::ServerBusy {
        back_off: Duration::from_millis(250),
    });
    let items = [
        Msg::new("1").to("pat@contoso.com"),
        Msg::new("2").to("pat@contoso.com"),
        Msg::new("3").to("pat@contoso.com"),
    ];
    let reply = post_ok(server.addr(), Some(&auth()), &send_im(&items)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.response_codes(),
        ["ErrorServerBusy", "NoError", "NoError"]
    );
    assert_eq!(reply.back_offs(), [250]);
    server.idle().await;
    // Each message has its own submission lag: they arrive in any order.
    let mut subjects: Vec<_> = server
        .folder(&addr("pat@contoso.com"), Folder::Inbox)
        .iter()
        .map(|i| i.subject().unwrap_or_default().to_owned())
        .collect();
    subjects.sort();
    assert_eq!(subjects, ["2", "3"]);
    assert!(matches!(
        server.injected_faults()[..],
        [InjectedFault::Item {
            request_index: 0,
            item_index: 0,
            recipient: None,
            ..
        }]
    ));
}

#[tokio::test]
async fn per_recipient_faults_hit_every_item_to_that_recipient() {
    let server = server().await;
    let pat = addr("pat@contoso.com");
    server
        .faults()
        .per_recipient(&pat, ItemFault::QuotaExceeded)
        .next_item(ItemFault::InvalidRecipients)
        .next_item(ItemFault::NonExistentMailbox);
    let items = [
        Msg::new("1").to("pat@contoso.com"),
        Msg::new("2").to("lee@contoso.com"),
        Msg::new("3").to("lee@contoso.com"),
        Msg::new("4").to("lee@contoso.com"),
        Msg::new("5").to("pat@contoso.com"),
    ];
    let reply = post_ok(server.addr(), Some(&auth()), &send_im(&items)).await;
    assert_eq!(
        reply.response_codes(),
        [
            "ErrorQuotaExceeded",
            "ErrorInvalidRecipients",
            "ErrorNonExistentMailbox",
            "NoError",
            "ErrorQuotaExceeded"
        ]
    );
    assert_eq!(pat_inbox(&server).await, 0);
    assert_eq!(
        server.folder(&addr("lee@contoso.com"), Folder::Inbox).len(),
        1
    );
    let recipients: Vec<_> = server
        .injected_faults()
        .into_iter()
        .map(|f| match f {
            InjectedFault::Item { recipient, .. } => recipient,
            _ => None,
        })
        .collect();
    assert_eq!(recipients, [Some(pat.clone()), None, None, Some(pat)]);
}

#[tokio::test]
async fn close_before_commit_loses_the_reply_and_stores_nothing() {
    let server = server().await;
    server.faults().next_request(Fault::CloseBeforeCommit);
    assert!(
        post(server.addr(), Some(&auth()), &one_im("a"))
            .await
            .is_none()
    );
    assert_eq!(pat_inbox(&server).await, 0);
    server.idle().await;
    assert!(server.mailbox(&addr("kim@contoso.com")).is_none());
    let rec = &server.requests()[0];
    assert_eq!(rec.status(), None);
    assert_eq!(rec.fault(), Some(&Fault::CloseBeforeCommit));
}

#[tokio::test]
async fn close_after_commit_loses_the_reply_but_the_item_exists() {
    let server = server().await;
    server.faults().next_request(Fault::CloseAfterCommit);
    assert!(
        post(server.addr(), Some(&auth()), &one_im("a"))
            .await
            .is_none()
    );
    assert_eq!(pat_inbox(&server).await, 1);
    let copies = server.folder(&addr("kim@contoso.com"), Folder::ConversationHistory);
    assert_eq!(copies.len(), 1);
    assert_eq!(server.requests()[0].status(), None);
    assert_eq!(server.requests()[0].operation(), Some("CreateItem"));

    // The client can find the item it could not confirm.
    let find = envelope(
        Some("Exchange2013"),
        None,
        &find_by_named("conversationhistory", None, "X-Id", "a"),
    );
    let reply = post_ok(server.addr(), Some(&auth()), &find).await;
    assert_eq!(reply.item_ids(), [copies[0].id().to_owned()]);
}

#[tokio::test]
async fn delay_slows_one_reply_and_latency_slows_all() {
    let server = server().await;
    server
        .faults()
        .next_request(Fault::Delay(Duration::from_millis(300)));
    let start = Instant::now();
    let reply = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(reply.status, 200);
    assert_eq!(pat_inbox(&server).await, 1);

    let slow = TestServer::builder()
        .latency(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let start = Instant::now();
    let reply = post_ok(slow.addr(), Some(&auth()), &one_im("b")).await;
    assert!(start.elapsed() >= Duration::from_millis(200));
    assert_eq!(reply.response_codes(), ["NoError"]);
}

#[tokio::test]
async fn malformed_reply_is_not_xml_but_the_request_was_applied() {
    let server = server().await;
    server.faults().next_request(Fault::MalformedReply);
    let reply = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.starts_with("<?xml"));
    let mut reader = quick_xml::Reader::from_str(&reply.body);
    let mut well_formed = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(_) => {
                well_formed = false;
                break;
            }
        }
    }
    let unclosed = !reply.body.trim_end().ends_with("</s:Envelope>");
    assert!(
        !well_formed || unclosed,
        "the reply must not be a complete document: {}",
        reply.body
    );
    assert_eq!(pat_inbox(&server).await, 1);
}

#[tokio::test]
async fn next_requests_fails_exactly_n_requests() {
    let server = server().await;
    server.faults().next_requests(
        3,
        Fault::ServiceUnavailable {
            retry_after_secs: 1,
        },
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            post_ok(server.addr(), Some(&auth()), &one_im("a"))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [503, 503, 503, 200, 200]);
}

async fn mixed_run(seed: u64, probability: f64) -> (Vec<u16>, Vec<Vec<String>>) {
    let server = TestServer::builder().seed(seed).start().await.unwrap();
    server
        .faults()
        .request_mix(
            probability,
            &[
                Fault::ServiceUnavailable {
                    retry_after_secs: 1,
                },
                Fault::ServerBusyFault {
                    back_off: Duration::from_millis(10),
                },
            ],
        )
        .item_mix(
            probability,
            &[ItemFault::QuotaExceeded, ItemFault::InvalidRecipients],
        );
    let mut statuses = Vec::new();
    let mut codes = Vec::new();
    for i in 0..30 {
        let body = send_im(&[
            Msg::new(&format!("{i}a"))
                .from("kim@contoso.com")
                .to("pat@fabrikam.com"),
            Msg::new(&format!("{i}b"))
                .from("kim@contoso.com")
                .to("pat@fabrikam.com"),
        ]);
        let reply = post_ok(server.addr(), None, &body).await;
        statuses.push(reply.status);
        codes.push(reply.response_codes());
    }
    (statuses, codes)
}

#[tokio::test]
async fn mixes_repeat_for_a_seed_and_follow_the_probability() {
    let a = mixed_run(42, 0.3).await;
    let b = mixed_run(42, 0.3).await;
    assert_eq!(a, b, "same seed, same faults");
    assert!(
        a.0.contains(&200) && a.0.iter().any(|s| *s != 200),
        "{:?}",
        a.0
    );
    assert!(a.1.iter().flatten().any(|c| c != "NoError"));
    assert_ne!(a, mixed_run(7, 0.3).await, "another seed, other faults");

    let (never, codes) = mixed_run(1, 0.0).await;
    assert!(never.iter().all(|s| *s == 200));
    assert!(codes.iter().flatten().all(|c| c == "NoError"));
    let (always, _) = mixed_run(1, 1.0).await;
    assert!(always.iter().all(|s| *s != 200));
}

#[tokio::test]
async fn slow_commit_spreads_items_and_replies_after_the_last() {
    let server = server().await;
    server.faults().next_request(Fault::SlowCommit {
        over: Duration::from_millis(300),
    });
    let start = Instant::now();
    let items = [
        Msg::new("1").to("pat@contoso.com"),
        Msg::new("2").to("pat@contoso.com"),
    ];
    let reply = post_ok(server.addr(), Some(&auth()), &send_im(&items)).await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(reply.response_codes(), ["NoError", "NoError"]);
    assert_eq!(pat_inbox(&server).await, 2);
}

#[tokio::test]
async fn slow_commit_keeps_committing_after_the_client_gave_up() {
    let server = server().await;
    let kim = addr("kim@contoso.com");
    server.faults().next_request(Fault::SlowCommit {
        over: Duration::from_millis(1500),
    });
    let items = [
        Msg::new("1").to("pat@contoso.com"),
        Msg::new("2").to("pat@contoso.com"),
        Msg::new("3").to("pat@contoso.com"),
    ];
    // The client times out after 100 ms; the first item is due at 500 ms.
    post_and_hang_up(
        server.addr(),
        Some(&auth()),
        &send_im(&items),
        Duration::from_millis(100),
    )
    .await;
    let committed_so_far = server.folder(&kim, Folder::Drafts).len()
        + server.folder(&kim, Folder::ConversationHistory).len();
    assert!(
        committed_so_far < 3,
        "the work was not done when the client left"
    );

    server.idle().await;
    assert_eq!(
        pat_inbox(&server).await,
        3,
        "every item was committed and sent"
    );
    assert_eq!(server.folder(&kim, Folder::ConversationHistory).len(), 3);
    assert_eq!(server.requests()[0].status(), None, "nobody got the reply");
    assert_eq!(server.requests()[0].operation(), Some("CreateItem"));
}

#[tokio::test]
async fn commit_without_submit_leaves_an_unsubmitted_draft_and_loses_the_reply() {
    let server = server().await;
    let kim = addr("kim@contoso.com");
    server.faults().next_request(Fault::CommitWithoutSubmit);
    assert!(
        post(server.addr(), Some(&auth()), &one_im("a"))
            .await
            .is_none()
    );
    server.idle().await;
    assert_eq!(pat_inbox(&server).await, 0);
    assert_eq!(server.pending_submissions(), 0);
    let drafts = server.folder(&kim, Folder::Drafts);
    assert_eq!(drafts.len(), 1);
    assert!(!drafts[0].is_submitted());
    assert_eq!(drafts[0].extended_property_by_name("X-Id"), Some("a"));
    assert!(server.folder(&kim, Folder::ConversationHistory).is_empty());

    // It stays until deleted; deleting it cancels nothing.
    let reply = post_ok(server.addr(), Some(&auth()), &one_im("b")).await;
    assert_eq!(reply.response_codes(), ["NoError"]);
    server.idle().await;
    assert_eq!(server.folder(&kim, Folder::Drafts).len(), 1);
    let id = drafts[0].id().to_owned();
    let delete = envelope(None, None, &delete_item("HardDelete", &[&id]));
    let reply = post_ok(server.addr(), Some(&auth()), &delete).await;
    assert_eq!(reply.response_codes(), ["NoError"]);
    assert!(server.folder(&kim, Folder::Drafts).is_empty());
    assert!(server.cancelled().is_empty());
}

#[tokio::test]
async fn internal_server_error_fault_may_hide_server_busy() {
    let server = server().await;
    server
        .faults()
        .next_request(Fault::InternalServerError {
            inner_busy: Some(Duration::from_millis(297_749)),
        })
        .next_request(Fault::InternalServerError { inner_busy: None });
    let reply = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.fault_code().as_deref(),
        Some("ErrorInternalServerError")
    );
    assert_eq!(
        reply.values_named("InnerErrorResponseCode"),
        ["ErrorServerBusy"]
    );
    assert_eq!(reply.values_named("InnerErrorMessageText").len(), 1);
    assert_eq!(reply.back_offs(), [297_749]);

    let reply = post_ok(server.addr(), Some(&auth()), &one_im("a")).await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.fault_code().as_deref(),
        Some("ErrorInternalServerError")
    );
    assert!(reply.values_named("InnerErrorResponseCode").is_empty());
    assert!(reply.back_offs().is_empty());
    assert_eq!(pat_inbox(&server).await, 0, "nothing was applied");
}

#[tokio::test]
async fn per_item_internal_server_error_may_hide_server_busy() {
    let server = server().await;
    server
        .faults()
        .next_item(ItemFault::InternalServerError {
            inner_busy: Some(Duration::from_millis(1200)),
        })
        .next_item(ItemFault::InternalServerError { inner_busy: None });
    let items = [
        Msg::new("1").to("pat@contoso.com"),
        Msg::new("2").to("pat@contoso.com"),
        Msg::new("3").to("pat@contoso.com"),
    ];
    let reply = post_ok(server.addr(), Some(&auth()), &send_im(&items)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.response_codes(),
        [
            "ErrorInternalServerError",
            "ErrorInternalServerError",
            "NoError"
        ]
    );
    assert_eq!(
        reply.values_named("InnerErrorResponseCode"),
        ["ErrorServerBusy"]
    );
    assert_eq!(reply.back_offs(), [1200]);
    assert_eq!(pat_inbox(&server).await, 1, "only the last item was stored");
}
