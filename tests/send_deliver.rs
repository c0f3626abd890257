//! The sender against the embedded EWS server: what lands in which mailbox and folder.

#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use offline_im::plan::Folder;
use offline_im::send::{Outcome, Summary};
use sender_on_testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_message_lands_where_it_should() {
    let server = server().await;
    let sender = sender(&server);
    let same_org = im(
        "kim@contoso.com",
        "pat@contoso.com",
        "Lunch at <noon> & then?",
    );
    let federated = im("kim@contoso.com", "ann@fabrikam.com", "Contract signed");
    let no_archiving = im("lee@contoso.com", "pat@contoso.com", "Call me");
    let blocked = im("kim@contoso.com", "bo@spam.example", "Hello?");

    let reports = sender
        .send_all([
            same_org.clone(),
            federated.clone(),
            no_archiving.clone(),
            blocked.clone(),
        ])
        .await;
    // Exchange submits after it replies: wait for the transport before looking.
    server.idle().await;

    assert_eq!(reports.len(), 4);
    assert_eq!(reports[0].delivery_id, same_org.delivery_id());
    assert!(reports[0].outcome.is_delivered(), "{}", reports[0]);
    assert!(reports[1].outcome.is_delivered(), "{}", reports[1]);
    assert!(
        matches!(reports[2].outcome, Outcome::Denied(_)),
        "{}",
        reports[2]
    );
    assert!(
        matches!(reports[3].outcome, Outcome::Blocked(_)),
        "{}",
        reports[3]
    );

    // Same organization: a missed conversation in Pat's inbox, Kim's copy in conversation history.
    let inbox = server.folder(&smtp("pat@contoso.com"), Folder::Inbox);
    assert_eq!(inbox.len(), 1, "only Kim's message reaches Pat");
    assert_eq!(inbox[0].item_class(), "IPM.Note.Microsoft.Missed");
    assert_eq!(inbox[0].subject(), Some("Missed conversation with kim"));
    assert!(
        inbox[0]
            .body()
            .unwrap()
            .contains("Lunch at &lt;noon&gt; &amp; then?")
    );
    assert_eq!(
        copies(
            &server,
            "kim@contoso.com",
            Folder::ConversationHistory,
            &same_org
        ),
        1
    );
    assert_eq!(
        copies(
            &server,
            "kim@contoso.com",
            Folder::ConversationHistory,
            &federated
        ),
        1
    );

    // Federated: plain mail leaving the organization.
    let outbound = server.outbound();
    assert_eq!(outbound.len(), 1);
    assert_eq!(outbound[0].item_class(), "IPM.Note");
    assert_eq!(outbound[0].to()[0].address().as_str(), "ann@fabrikam.com");

    // Denied and blocked messages never reach Exchange; nothing is left in Drafts.
    assert!(
        server
            .folder(&smtp("lee@contoso.com"), Folder::ConversationHistory)
            .is_empty()
    );
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
    let summary = Summary::of(&reports);
    assert_eq!(
        (summary.delivered, summary.denied, summary.failed),
        (2, 2, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_messages_go_in_few_requests() {
    let server = server().await;
    let sender = sender(&server);
    let messages: Vec<_> = (0..250)
        .map(|i| {
            im(
                "kim@contoso.com",
                &format!("user{i}@contoso.com"),
                &format!("message {i}"),
            )
        })
        .collect();
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert!(reports.iter().all(|r| r.outcome.is_delivered()));
    let creates = server
        .requests()
        .iter()
        .filter(|r| r.operation() == Some("CreateItem"))
        .count();
    assert_eq!(creates, 3, "250 messages in batches of 100");
    for (i, message) in messages.iter().enumerate() {
        assert_eq!(
            copies(
                &server,
                &format!("user{i}@contoso.com"),
                Folder::Inbox,
                message
            ),
            1
        );
    }
    assert_eq!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::ConversationHistory)
            .len(),
        250
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_messages_gets_its_reports_in_order() {
    use futures_util::StreamExt;
    let server = server().await;
    let sender = offline_im::send::Sender::from_settings(
        transport(&server, std::time::Duration::from_secs(5)),
        offline_im::settings::Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .batch_size(20)
    .concurrency(2)
    .build()
    .unwrap();
    let messages: Vec<_> = (0..130)
        .map(|i| {
            im(
                "kim@contoso.com",
                &format!("user{i}@contoso.com"),
                &format!("message {i}"),
            )
        })
        .collect();
    let reports: Vec<_> = sender
        .send_stream(futures_util::stream::iter(messages.clone()))
        .collect()
        .await;
    server.idle().await;
    let ids: Vec<_> = reports.iter().map(|r| r.delivery_id).collect();
    let expected: Vec<_> = messages.iter().map(|m| m.delivery_id()).collect();
    assert_eq!(ids, expected);
    assert!(reports.iter().all(|r| r.outcome.is_delivered()));
    assert_eq!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::ConversationHistory)
            .len(),
        130
    );
}
