//! Shared set-up for the Graph backend's tests: contoso.com on the testkit
//! server, Kim's mailbox in Exchange Online (Graph), Sam's on-premises (EWS).
#![allow(dead_code)]

use std::time::Duration;

use offline_im::compose::OfflineIm;
use offline_im::plan::Folder;
use offline_im::send::{RetryPolicy, Sender, SenderBuilder};
use offline_im::settings::Settings;
use offline_im::testkit::{TestServer, TestServerBuilder};
use offline_im::transport::HttpTransport;

pub const TOKEN: &str = "app-only-test-token";

pub const SETTINGS: &str = r#"
[organization]
sip_domains = ["contoso.com"]
allow_federated_users = true

[[policies.external_access_policies]]
scope = "Global"
enable_federation_access = true

[senders."sip:kim@contoso.com"]
mailbox = "exchange_online"

[senders."sip:ola@contoso.com"]
mailbox = "exchange_online"
"#;

pub fn builder() -> TestServerBuilder {
    TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .bearer_token(TOKEN)
}

pub async fn server() -> TestServer {
    builder().start().await.unwrap()
}

/// The EWS transport of `sender_on_testkit` (every test that uses this file
/// includes that one too).
pub fn ews(server: &TestServer, timeout: Duration) -> HttpTransport {
    super::sender_on_testkit::transport(server, timeout)
}

pub fn graph(server: &TestServer, timeout: Duration) -> HttpTransport {
    HttpTransport::builder(server.graph_url().parse().unwrap())
        .bearer(TOKEN)
        .allow_http(true)
        .env_proxy(false)
        .timeout(timeout)
        .build()
        .unwrap()
}

/// `sender_on_testkit`'s fast retries, with room for Graph's `Retry-After: 1`
/// and its slower submission.
pub fn fast_retry() -> RetryPolicy {
    super::sender_on_testkit::fast_retry()
        .max_server_delay(Duration::from_secs(3))
        .deadline(Duration::from_secs(60))
        .check_delay(Duration::from_millis(50))
        .execution_limit(Duration::from_millis(500))
        .draft_grace(Duration::from_secs(3))
}

/// A sender with both backends, not yet built.
pub fn sender_builder(server: &TestServer) -> SenderBuilder<HttpTransport> {
    Sender::from_settings(
        ews(server, Duration::from_secs(5)),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .graph(graph(server, Duration::from_secs(5)))
    .graph_root(server.graph_url().parse().unwrap())
    .retry(fast_retry())
}

pub fn sender(server: &TestServer) -> Sender<HttpTransport> {
    sender_builder(server).build().unwrap()
}

/// Every item in any folder of `address` carrying `im`'s delivery id, by folder.
pub fn where_is(server: &TestServer, address: &str, im: &OfflineIm) -> Vec<Folder> {
    let id = im.delivery_id().to_string();
    let mailbox = server.mailbox(&address.parse().unwrap());
    let Some(mailbox) = mailbox else {
        return Vec::new();
    };
    mailbox
        .items()
        .filter(|item| item.extended_property_by_name("OfflineImDeliveryId") == Some(id.as_str()))
        .filter_map(|item| item.folder())
        .collect()
}

/// How many Graph requests and how many EWS requests the server saw.
pub fn request_counts(server: &TestServer) -> (usize, usize) {
    let requests = server.requests();
    let graph = requests
        .iter()
        .filter(|r| r.path().starts_with("/v1.0"))
        .count();
    (graph, requests.len() - graph)
}
