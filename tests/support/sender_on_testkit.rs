//! Shared set-up for the sender's tests: contoso.com on the testkit server.
#![allow(dead_code)]

use std::time::Duration;

use offline_im::address::SmtpAddress;
use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::plan::Folder;
use offline_im::send::{RetryPolicy, Sender};
use offline_im::settings::Settings;
use offline_im::testkit::TestServer;
use offline_im::transport::HttpTransport;
use time::macros::datetime;

pub const SETTINGS: &str = r#"
[organization]
sip_domains = ["contoso.com"]
allow_federated_users = true
allowed_domains = [{ domain = "fabrikam.com" }]
blocked_domains = [{ domain = "spam.example" }]

[[policies.client_policies]]
scope = "Tag:NoArchiving"
enable_im_auto_archiving = false

[[policies.external_access_policies]]
scope = "Global"
enable_federation_access = true

[senders."sip:lee@contoso.com"]
client_policy = "NoArchiving"
"#;

pub async fn server() -> TestServer {
    TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .start()
        .await
        .unwrap()
}

pub fn transport(server: &TestServer, timeout: Duration) -> HttpTransport {
    HttpTransport::builder(server.url().parse().unwrap())
        .basic("svc-offline-im@contoso.com", "service password")
        .allow_http(true)
        .env_proxy(false)
        .timeout(timeout)
        .build()
        .unwrap()
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::new()
        .base(Duration::from_millis(2))
        .cap(Duration::from_millis(40))
        .max_server_delay(Duration::from_millis(200))
        .deadline(Duration::from_secs(30))
        .check_delay(Duration::from_millis(20))
        // The embedded server finishes a request as soon as it replies or drops the
        // connection, and submits within 200 ms: the test settings are scaled to it.
        .execution_limit(Duration::from_millis(300))
        .draft_grace(Duration::from_secs(1))
}

pub fn sender(server: &TestServer) -> Sender<HttpTransport> {
    Sender::from_settings(
        transport(server, Duration::from_secs(5)),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(fast_retry())
    .build()
    .unwrap()
}

pub fn person(address: &str) -> Participant {
    let name = address.split('@').next().unwrap_or(address);
    Participant::new(
        format!("sip:{address}").parse().unwrap(),
        address.parse().unwrap(),
        name,
    )
}

pub fn im(from: &str, to: &str, text: &str) -> OfflineIm {
    let sender = person(from);
    OfflineIm::builder()
        .sender(sender.clone())
        .recipient(person(to))
        .line(ImLine::new(
            sender.sip().clone(),
            datetime!(2026-03-02 09:15 UTC),
            text,
        ))
        .build()
        .unwrap()
}

pub fn smtp(address: &str) -> SmtpAddress {
    address.parse().unwrap()
}

/// How many items in `address`'s `folder` carry `im`'s delivery id.
pub fn copies(server: &TestServer, address: &str, folder: Folder, im: &OfflineIm) -> usize {
    let id = im.delivery_id().to_string();
    server
        .folder(&smtp(address), folder)
        .iter()
        .filter(|item| item.extended_property_by_name("OfflineImDeliveryId") == Some(id.as_str()))
        .count()
}
