//! Mailboxes as they really are: a sender whose mailbox has no Conversation
//! History folder (it never ran Lync or Skype for Business), through the public
//! API against the embedded EWS server.

#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::time::Duration;

use offline_im::ews::ResponseCode;
use offline_im::plan::Folder;
use offline_im::send::{FailureKind, MissingHistoryFolder, Outcome, Sender, SenderCopyClass};
use offline_im::settings::Settings;
use offline_im::testkit::TestServer;
use offline_im::transport::HttpTransport;
use sender_on_testkit::*;

async fn server_where_kim_has_no_history() -> TestServer {
    TestServer::builder()
        .hosted_domain("contoso.com")
        .mailbox_without_conversation_history("kim@contoso.com")
        .mailbox("sam@contoso.com")
        .mailbox("pat@contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .start()
        .await
        .unwrap()
}

fn sender_choosing(server: &TestServer, choice: MissingHistoryFolder) -> Sender<HttpTransport> {
    Sender::from_settings(
        transport(server, Duration::from_secs(5)),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(fast_retry())
    .missing_history_folder(choice)
    .build()
    .unwrap()
}

/// The `CreateItem` requests the server has seen so far, as text.
fn create_items(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.operation() == Some("CreateItem"))
        .map(|r| String::from_utf8_lossy(r.body()).into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_without_conversation_history_gets_every_message_delivered_to_sent_items() {
    let server = server_where_kim_has_no_history().await;
    let sender = sender(&server);
    let messages = [
        im("kim@contoso.com", "pat@contoso.com", "Lunch?"),
        im("kim@contoso.com", "pat@contoso.com", "At noon"),
        im("sam@contoso.com", "pat@contoso.com", "Coffee?"),
    ];

    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;

    for report in &reports {
        assert!(report.outcome.is_delivered(), "{report}");
    }
    assert_eq!(reports[0].saved_folder, Some(Folder::SentItems));
    assert_eq!(reports[1].saved_folder, Some(Folder::SentItems));
    assert_eq!(
        reports[2].saved_folder,
        Some(Folder::ConversationHistory),
        "Sam's mailbox has the folder: nothing changes for Sam"
    );
    for im in &messages[..2] {
        assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, im), 1);
        assert_eq!(copies(&server, "kim@contoso.com", Folder::SentItems, im), 1);
    }
    assert_eq!(
        copies(
            &server,
            "sam@contoso.com",
            Folder::ConversationHistory,
            &messages[2]
        ),
        1
    );
    let kim = server.mailbox(&smtp("kim@contoso.com")).unwrap();
    assert!(
        !kim.has_folder(Folder::ConversationHistory),
        "the sender must not make up a folder the client owns"
    );
    assert!(
        kim.folder(Folder::Drafts).is_empty(),
        "no drafts left behind"
    );
    assert_eq!(
        server.folder(&smtp("pat@contoso.com"), Folder::Inbox)[0].item_class(),
        "IPM.Note.Microsoft.Missed",
        "the recipient's copy is unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_batch_goes_straight_to_sent_items_without_a_second_discovery() {
    let server = server_where_kim_has_no_history().await;
    let sender = sender(&server);

    let first = sender
        .send_all([im("kim@contoso.com", "pat@contoso.com", "one")])
        .await;
    assert!(first[0].outcome.is_delivered(), "{}", first[0]);
    let discovery = create_items(&server);
    assert_eq!(
        discovery.len(),
        2,
        "one CreateItem finds the folder missing, one sends to Sent Items"
    );
    assert!(discovery[0].contains(r#"Id="conversationhistory""#));
    assert!(discovery[1].contains(r#"Id="sentitems""#));

    let second = sender
        .send_all([
            im("kim@contoso.com", "pat@contoso.com", "two"),
            im("kim@contoso.com", "pat@contoso.com", "three"),
        ])
        .await;
    server.idle().await;

    for report in &second {
        assert!(report.outcome.is_delivered(), "{report}");
        assert_eq!(report.saved_folder, Some(Folder::SentItems));
    }
    let all = create_items(&server);
    assert_eq!(all.len(), 3, "the second batch is one request");
    assert!(all[2].contains(r#"Id="sentitems""#));
    assert!(!all[2].contains("conversationhistory"));
    assert_eq!(
        server.folder(&smtp("pat@contoso.com"), Folder::Inbox).len(),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fail_choice_fails_the_messages_with_exchanges_code_and_remembers_it() {
    let server = server_where_kim_has_no_history().await;
    let sender = sender_choosing(&server, MissingHistoryFolder::Fail);

    let reports = sender
        .send_all([im("kim@contoso.com", "pat@contoso.com", "one")])
        .await;
    let Outcome::Failed(failure) = &reports[0].outcome else {
        panic!("expected a failure, got {}", reports[0]);
    };
    assert_eq!(failure.kind(), FailureKind::Rejected);
    assert_eq!(failure.code(), Some(&ResponseCode::ErrorFolderNotFound));
    assert!(failure.message().contains("kim@contoso.com"), "{failure}");
    assert!(
        failure.message().contains("Conversation History"),
        "{failure}"
    );
    assert_eq!(reports[0].saved_folder, None);

    let again = sender
        .send_all([im("kim@contoso.com", "pat@contoso.com", "two")])
        .await;
    server.idle().await;
    assert!(
        matches!(again[0].outcome, Outcome::Failed(_)),
        "{}",
        again[0]
    );
    assert_eq!(
        create_items(&server).len(),
        1,
        "no request for a known answer"
    );
    assert!(
        server
            .folder(&smtp("pat@contoso.com"), Folder::Inbox)
            .is_empty()
    );
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_resumed_by_a_new_sender_are_found_in_sent_items_not_sent_twice() {
    let server = server_where_kim_has_no_history().await;
    let messages = [
        im("kim@contoso.com", "pat@contoso.com", "one"),
        im("kim@contoso.com", "pat@contoso.com", "two"),
    ];
    let first = sender(&server).send_all(messages.clone()).await;
    assert!(first.iter().all(|r| r.outcome.is_delivered()));
    server.idle().await;

    // A new process (no memory of the mailbox) resumes the same messages, as a
    // spool drained after a crash would.
    let resumed = sender(&server).resume_all(messages.clone()).await;
    server.idle().await;

    for report in &resumed {
        assert!(
            matches!(
                report.outcome,
                Outcome::Delivered {
                    duplicate_avoided: true,
                    ..
                }
            ),
            "{report}"
        );
        assert_eq!(report.saved_folder, Some(Folder::SentItems));
    }
    for im in &messages {
        assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, im), 1);
        assert_eq!(copies(&server, "kim@contoso.com", Folder::SentItems, im), 1);
    }
}

fn restamping_sender(server: &TestServer) -> Sender<HttpTransport> {
    Sender::from_settings(
        transport(server, Duration::from_secs(5)),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(fast_retry())
    .sender_copy_class(SenderCopyClass::Restamp)
    .build()
    .unwrap()
}

/// The item class of the copy of `im` in `address`'s `folder`.
fn class_of(
    server: &TestServer,
    address: &str,
    folder: Folder,
    im: &offline_im::compose::OfflineIm,
) -> String {
    let id = im.delivery_id().to_string();
    let items = server.folder(&smtp(address), folder);
    let copy = items
        .iter()
        .find(|item| item.extended_property_by_name("OfflineImDeliveryId") == Some(id.as_str()))
        .unwrap_or_else(|| panic!("no copy of {id} in {address} {folder}"));
    copy.item_class().to_owned()
}

fn operations(server: &TestServer, name: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.operation() == Some(name))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_the_senders_copy_keeps_the_class_it_was_sent_with() {
    let server = server_where_kim_has_no_history().await;
    let im = im("sam@contoso.com", "pat@contoso.com", "Lunch?");
    let reports = sender(&server).send_all([im.clone()]).await;
    server.idle().await;
    assert!(reports[0].outcome.is_delivered(), "{}", reports[0]);
    assert_eq!(
        class_of(&server, "sam@contoso.com", Folder::ConversationHistory, &im),
        "IPM.Note.Microsoft.Missed"
    );
    assert_eq!(operations(&server, "UpdateItem"), 0, "no extra request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restamp_makes_the_senders_copies_conversation_history_in_one_request() {
    let server = server_where_kim_has_no_history().await;
    let same_org = [
        im("sam@contoso.com", "pat@contoso.com", "Lunch?"),
        im("sam@contoso.com", "pat@contoso.com", "At noon"),
    ];
    let federated = im("sam@contoso.com", "ann@fabrikam.com", "Contract signed");
    let mut all = same_org.to_vec();
    all.push(federated.clone());

    let reports = restamping_sender(&server).send_all(all).await;
    server.idle().await;

    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "{reports:?}"
    );
    for im in &same_org {
        assert_eq!(
            class_of(&server, "sam@contoso.com", Folder::ConversationHistory, im),
            "IPM.Note.Microsoft.Conversation",
            "the sender's own copy is conversation history"
        );
        assert_eq!(
            class_of(&server, "pat@contoso.com", Folder::Inbox, im),
            "IPM.Note.Microsoft.Missed",
            "the recipient's copy is still a missed conversation"
        );
        assert_eq!(
            copies(&server, "sam@contoso.com", Folder::ConversationHistory, im),
            1
        );
    }
    assert_eq!(
        class_of(
            &server,
            "sam@contoso.com",
            Folder::ConversationHistory,
            &federated
        ),
        "IPM.Note",
        "plain federated mail is left alone"
    );
    assert_eq!(
        operations(&server, "UpdateItem"),
        1,
        "one UpdateItem for the batch"
    );
    assert!(
        server
            .folder(&smtp("sam@contoso.com"), Folder::Drafts)
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restamped_copies_in_sent_items_are_still_found_by_the_exactly_once_check() {
    let server = server_where_kim_has_no_history().await;
    let messages = [
        im("kim@contoso.com", "pat@contoso.com", "one"),
        im("kim@contoso.com", "pat@contoso.com", "two"),
    ];
    let first = restamping_sender(&server).send_all(messages.clone()).await;
    server.idle().await;
    for (report, im) in first.iter().zip(&messages) {
        assert_eq!(report.saved_folder, Some(Folder::SentItems));
        assert_eq!(
            class_of(&server, "kim@contoso.com", Folder::SentItems, im),
            "IPM.Note.Microsoft.Conversation"
        );
    }

    let resumed = restamping_sender(&server)
        .resume_all(messages.clone())
        .await;
    server.idle().await;
    for report in &resumed {
        assert!(
            matches!(
                report.outcome,
                Outcome::Delivered {
                    duplicate_avoided: true,
                    ..
                }
            ),
            "{report}"
        );
    }
    for im in &messages {
        assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, im), 1);
        assert_eq!(copies(&server, "kim@contoso.com", Folder::SentItems, im), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_reply_to_the_discovering_request_still_delivers_each_message_once() {
    let server = server_where_kim_has_no_history().await;
    // The first CreateItem (to the missing folder) is processed, but its reply
    // never arrives: the sender only learns of the missing folder when it
    // looks for the messages.
    server
        .faults()
        .next_request(offline_im::testkit::Fault::CloseAfterCommit);
    let messages = [
        im("kim@contoso.com", "pat@contoso.com", "one"),
        im("kim@contoso.com", "pat@contoso.com", "two"),
    ];

    let reports = sender(&server).send_all(messages.clone()).await;
    server.idle().await;

    for report in &reports {
        assert!(report.outcome.is_delivered(), "{report}");
        assert_eq!(report.saved_folder, Some(Folder::SentItems));
    }
    for im in &messages {
        assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, im), 1);
        assert_eq!(copies(&server, "kim@contoso.com", Folder::SentItems, im), 1);
    }
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
    assert!(
        operations(&server, "FindItem") >= 1,
        "the sender looked first"
    );
    let sends = create_items(&server);
    assert_eq!(sends.len(), 2, "one lost, one resend");
    assert!(sends[1].contains(r#"Id="sentitems""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_not_saved_within_the_grace_keeps_its_class_and_the_message_is_still_delivered() {
    // Exchange's transport takes longer than the draft grace (1 s here) to
    // submit: the copies are still in Drafts when the sender gives up waiting.
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .submission_lag(Duration::from_millis(2500), Duration::from_millis(2500))
        .start()
        .await
        .unwrap();
    let im = im("sam@contoso.com", "pat@contoso.com", "Lunch?");

    let started = std::time::Instant::now();
    let reports = restamping_sender(&server).send_all([im.clone()]).await;
    let waited = started.elapsed();
    server.idle().await;

    assert!(reports[0].outcome.is_delivered(), "{}", reports[0]);
    assert!(waited < Duration::from_millis(2500), "waited {waited:?}");
    assert_eq!(
        class_of(&server, "sam@contoso.com", Folder::ConversationHistory, &im),
        "IPM.Note.Microsoft.Missed"
    );
    assert_eq!(operations(&server, "UpdateItem"), 0);
    assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, &im), 1);
}
