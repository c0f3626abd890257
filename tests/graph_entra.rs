//! The Graph backend with app-only tokens from Microsoft Entra ID: the embedded
//! server's token endpoint issues them, its Graph endpoints check them, and a
//! token that expires in the middle of a run is renewed without sending
//! anything twice.

#[path = "support/graph_on_testkit.rs"]
mod graph_on_testkit;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use graph_on_testkit::{sender_builder, where_is};
use offline_im::plan::Folder;
use offline_im::send::{FailureKind, Outcome, Sender};
use offline_im::testkit::{AppCredential, TestServer};
use offline_im::transport::{EntraTokenProvider, HttpTransport};
use sender_on_testkit::{im, smtp};

const TENANT: &str = "contoso.onmicrosoft.com";
const APP: &str = "11112222-aaaa-3333-bbbb-4444cccc5555";
const SECRET: &str = "Qx8~s3cr3t-value-never-shown";

async fn server() -> TestServer {
    TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .entra_tenant(TENANT)
        .entra_app(APP, AppCredential::secret(SECRET))
        .start()
        .await
        .unwrap()
}

/// A sender whose Graph transport authenticates with Entra tokens for `scope`.
fn sender(server: &TestServer, scope: &str) -> Sender<HttpTransport> {
    let tokens = EntraTokenProvider::builder(TENANT, APP)
        .authority(server.entra_authority().parse().unwrap())
        .allow_http(true)
        .client_secret(SECRET)
        .scope(scope)
        .build()
        .unwrap();
    let graph = HttpTransport::builder(server.graph_url().parse().unwrap())
        .token_provider(tokens)
        .allow_http(true)
        .env_proxy(false)
        .build()
        .unwrap();
    // The support's sender, with this Graph transport in place of its fixed token.
    sender_builder(server).graph(graph).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_tokens_that_expire_mid_run_are_renewed_and_each_message_arrives_once() {
    let server = server().await;
    let sender = sender(&server, "https://graph.microsoft.com/.default");

    let before = im("kim@contoso.com", "pat@contoso.com", "before expiry");
    let reports = sender.send_all([before.clone()]).await;
    assert!(reports[0].outcome.is_delivered(), "{}", reports[0]);

    // Entra's token stops being accepted (expired or revoked early): Graph
    // answers 401, the transport gets a new token and sends once more.
    server.expire_entra_tokens();
    let after = im("kim@contoso.com", "pat@contoso.com", "after expiry");
    let reports = sender.send_all([after.clone()]).await;
    assert!(reports[0].outcome.is_delivered(), "{}", reports[0]);
    server.idle().await;

    for message in [&before, &after] {
        assert_eq!(
            where_is(&server, "pat@contoso.com", message),
            [Folder::Inbox]
        );
    }
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
    assert_eq!(
        server.token_requests().len(),
        2,
        "one token, then one renewal"
    );
    let statuses: Vec<u16> = server
        .requests()
        .iter()
        .filter_map(|r| r.status())
        .collect();
    assert!(
        statuses.contains(&401),
        "the expired token was refused: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_for_exchange_is_refused_by_graph_and_nothing_is_sent() {
    let server = server().await;
    let sender = sender(&server, "https://outlook.office365.com/.default");
    let message = im("kim@contoso.com", "pat@contoso.com", "wrong audience");

    let report = sender.send(message.clone()).await;
    server.idle().await;

    match &report.outcome {
        Outcome::Failed(failure) => assert_eq!(failure.kind(), FailureKind::Unauthorized),
        other => panic!("expected an authorization failure, got {other:?}"),
    }
    assert!(where_is(&server, "pat@contoso.com", &message).is_empty());
    assert!(where_is(&server, "kim@contoso.com", &message).is_empty());
}
