//! The Graph backend behind the Sender, against the embedded server's Graph
//! endpoints: Exchange Online senders delivered once, with the class and the
//! delivery id, the copy kept in Conversation History (or Sent Items where the
//! mailbox has none), no draft left; on-premises senders still over EWS.

#[path = "support/graph_on_testkit.rs"]
mod graph_on_testkit;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::time::Duration;

use graph_on_testkit::*;
use offline_im::plan::Folder;
use offline_im::send::{FailureKind, Outcome, Sender};
use offline_im::settings::Settings;
use sender_on_testkit::{im, smtp};

const MISSED: &str = "IPM.Note.Microsoft.Missed";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_senders_messages_arrive_once_with_class_and_id_and_the_copy_in_history() {
    let server = server().await;
    let sender = sender(&server);
    let messages = vec![
        im("kim@contoso.com", "pat@contoso.com", "are you there?"),
        im("kim@contoso.com", "lee@contoso.com", "call me"),
        im("kim@contoso.com", "pat@contoso.com", "later then"),
    ];
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    for (report, message) in reports.iter().zip(&messages) {
        assert!(report.outcome.is_delivered(), "{report:?}");
        assert_eq!(report.saved_folder, Some(Folder::ConversationHistory));
        let to = message.recipient().smtp().to_string();
        assert_eq!(where_is(&server, &to, message), [Folder::Inbox]);
        assert_eq!(
            where_is(&server, "kim@contoso.com", message),
            [Folder::ConversationHistory]
        );
    }
    for item in server.folder(&smtp("pat@contoso.com"), Folder::Inbox) {
        assert_eq!(item.item_class(), MISSED);
    }
    let kim = smtp("kim@contoso.com");
    assert!(server.folder(&kim, Folder::Drafts).is_empty());
    assert!(server.folder(&kim, Folder::SentItems).is_empty());
    let (graph, ews) = request_counts(&server);
    assert!(
        graph >= 6,
        "create and send per message through Graph: {graph}"
    );
    assert_eq!(ews, 0, "nothing of an online sender goes over EWS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_and_on_premises_senders_in_one_send_all_take_their_own_backend() {
    let server = server().await;
    let sender = sender(&server);
    let online = im("kim@contoso.com", "pat@contoso.com", "from the cloud");
    let on_premises = im("sam@contoso.com", "pat@contoso.com", "from the basement");
    let reports = sender
        .send_all(vec![online.clone(), on_premises.clone()])
        .await;
    server.idle().await;
    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "{reports:?}"
    );
    assert_eq!(
        where_is(&server, "pat@contoso.com", &online),
        [Folder::Inbox]
    );
    assert_eq!(
        where_is(&server, "pat@contoso.com", &on_premises),
        [Folder::Inbox]
    );
    assert_eq!(
        where_is(&server, "sam@contoso.com", &on_premises),
        [Folder::ConversationHistory]
    );
    let requests = server.requests();
    let create_items = requests
        .iter()
        .filter(|r| r.operation() == Some("CreateItem"))
        .count();
    let graph_creates = requests
        .iter()
        .filter(|r| r.operation() == Some("graph.createMessage"))
        .count();
    assert_eq!((create_items, graph_creates), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_graph_transport_online_senders_fail_clearly_and_nothing_is_sent() {
    let server = server().await;
    let sender = Sender::from_settings(
        ews(&server, Duration::from_secs(5)),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(fast_retry())
    .build()
    .unwrap();
    let online = im("kim@contoso.com", "pat@contoso.com", "lost?");
    let report = sender.send(online.clone()).await;
    let Outcome::Failed(failure) = &report.outcome else {
        panic!("expected a failure: {report:?}");
    };
    assert_eq!(failure.kind(), FailureKind::NoGraphBackend);
    assert!(failure.is_permanent());
    assert!(
        failure.to_string().contains("SenderBuilder::graph"),
        "{failure}"
    );
    server.idle().await;
    assert!(where_is(&server, "pat@contoso.com", &online).is_empty());
    assert!(server.requests().is_empty(), "not sent over EWS either");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_without_conversation_history_keeps_the_copy_in_sent_items() {
    let server = builder()
        .mailbox_without_conversation_history("kim@contoso.com")
        .start()
        .await
        .unwrap();
    let sender = sender(&server);
    let message = im("kim@contoso.com", "pat@contoso.com", "no history here");
    let report = sender.send(message.clone()).await;
    server.idle().await;
    assert!(report.outcome.is_delivered(), "{report:?}");
    assert_eq!(report.saved_folder, Some(Folder::SentItems));
    assert_eq!(
        where_is(&server, "kim@contoso.com", &message),
        [Folder::SentItems]
    );
    assert_eq!(
        where_is(&server, "pat@contoso.com", &message),
        [Folder::Inbox]
    );
}
