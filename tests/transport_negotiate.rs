//! `NtlmTransport::negotiate` against a real MIT Kerberos realm and a real
//! GSSAPI acceptor on loopback, with the embedded EWS server behind it: the
//! KDCs come from tests/kerberos/realm.py, the acceptor (Python `gssapi`) from
//! tests/kerberos/acceptor.py, both started by the tests.
//!
//! Without the Kerberos tools and Python's gssapi the tests print "skipped"
//! and pass, unless `OFFLINE_IM_REQUIRE_KERBEROS_CHECK=1` (set by CI) makes
//! that a failure.

use std::time::Duration;

use offline_im::plan::Folder;
use offline_im::send::Sender;
use offline_im::settings::Settings;
use offline_im::testkit::TestServer;
use offline_im::transport::{
    EwsRequest, NegotiateCredentials, NtlmTransport, NtlmTransportBuilder, Transport,
    TransportError,
};
use serde_json::Value;

#[path = "support/kerberos_realm.rs"]
mod kerberos_realm;
#[path = "support/ntlm_acceptor.rs"]
mod ntlm_acceptor;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use kerberos_realm::{
    Acceptor, EVE_EXPIRING, KIM, KIM_PASSWORD, LEE_PASSWORD, LEE_SKEWED, Realm, SERVICE_ACCOUNT,
    UPSTREAM_PASSWORD, UPSTREAM_USER, realm,
};
use sender_on_testkit::{SETTINGS, copies, fast_retry, im};

/// The embedded EWS server and the Kerberos front end before it.
async fn exchange(realm: &Realm, faults: &[&str]) -> (TestServer, Acceptor) {
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user(UPSTREAM_USER, UPSTREAM_PASSWORD)
        .start()
        .await
        .unwrap();
    let acceptor = Acceptor::start(realm, &server.url(), faults);
    (server, acceptor)
}

fn builder(acceptor: &Acceptor, credentials: NegotiateCredentials) -> NtlmTransportBuilder {
    NtlmTransport::negotiate(acceptor.endpoint(), credentials)
        .trust_only_root_der(acceptor.ca_der.clone())
        .timeout(Duration::from_secs(20))
}

fn sender(transport: NtlmTransport) -> Sender<NtlmTransport> {
    Sender::from_settings(transport, Settings::from_toml_str(SETTINGS).unwrap())
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn create_item() -> EwsRequest {
    EwsRequest::new("CreateItem", "<soap:Envelope>mail</soap:Envelope>")
        .anchor_mailbox("kim@contoso.com".parse().unwrap())
}

/// Nothing reached the EWS server, and no body went before authentication.
fn nothing_sent(stats: &Value) {
    assert_eq!(stats["requests"], 0, "{stats}");
    let lengths = stats["unauthenticated_body_lengths"].as_array().unwrap();
    assert!(lengths.iter().all(|length| length == 0), "{stats}");
}

/// An error that stopped the handshake, naming the cause, without the password.
fn auth_error(err: &TransportError, cause: &str, password: &str) {
    let shown = format!("{err} / {err:?} / {:?}", std::error::Error::source(err));
    assert!(err.is_auth(), "{shown}");
    assert!(!err.outcome_unknown(), "{shown}");
    assert!(shown.contains(cause), "expected {cause:?} in {shown}");
    assert!(!shown.contains(password), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_from_kinit_delivers_an_im_through_kerberos() {
    let Some(realm) = realm() else { return };
    let (server, acceptor) = exchange(realm, &[]).await;
    let transport = builder(&acceptor, NegotiateCredentials::default_credentials())
        .build()
        .unwrap();
    let sender = sender(transport.clone());

    let message = im("kim@contoso.com", "ann@contoso.com", "over Kerberos");
    let report = sender.send(message.clone()).await;
    assert!(report.outcome.is_delivered(), "{report}");
    server.idle().await;
    assert_eq!(
        copies(&server, "ann@contoso.com", Folder::Inbox, &message),
        1
    );

    let stats = acceptor.stats().await;
    // The principal derived from https://localhost:... is HTTP/localhost; the
    // ticket is kim's, from the credential cache kinit filled.
    assert_eq!(stats["users"], serde_json::json!([KIM]), "{stats}");
    assert_eq!(stats["handshakes"], 1, "one connection, authenticated once");
    assert!(
        stats["unauthenticated_body_lengths"]
            .as_array()
            .unwrap()
            .iter()
            .all(|length| length == 0),
        "{stats}"
    );
    assert_eq!(transport.idle_connections(), 1);
}

#[tokio::test]
async fn a_401_on_an_authenticated_connection_authenticates_a_new_one() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &[]).await;
    let transport = builder(&acceptor, NegotiateCredentials::default_credentials())
        .build()
        .unwrap();
    assert_ne!(transport.send(create_item()).await.unwrap().status, 401);
    acceptor.forget().await;
    // The idle connection answers 401; the request goes once more, on a new
    // connection with a new ticket, and reaches the server once.
    assert_ne!(transport.send(create_item()).await.unwrap().status, 401);
    let stats = acceptor.stats().await;
    assert_eq!(stats["handshakes"], 2, "{stats}");
    assert_eq!(stats["requests"], 2, "{stats}");
}

#[tokio::test]
async fn service_account_keytab_authenticates() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &[]).await;
    let transport = builder(
        &acceptor,
        NegotiateCredentials::cached_for(SERVICE_ACCOUNT).unwrap(),
    )
    .build()
    .unwrap();
    let reply = transport.send(create_item()).await.unwrap();
    // The EWS server answered (its SOAP fault for this stub envelope is fine):
    // the request got past Kerberos as the service account.
    assert_ne!(reply.status, 401);
    let stats = acceptor.stats().await;
    assert_eq!(
        stats["users"],
        serde_json::json!([SERVICE_ACCOUNT]),
        "{stats}"
    );
    assert_eq!(stats["requests"], 1);
}

#[tokio::test]
async fn principal_and_password_authenticate() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &[]).await;
    let transport = builder(
        &acceptor,
        NegotiateCredentials::password(KIM, KIM_PASSWORD).unwrap(),
    )
    .build()
    .unwrap();
    let reply = transport.send(create_item()).await.unwrap();
    assert_ne!(reply.status, 401);
    assert_eq!(acceptor.stats().await["users"], serde_json::json!([KIM]));
    assert!(!format!("{transport:?}").contains(KIM_PASSWORD));
}

#[tokio::test]
async fn wrong_password_is_named_and_nothing_is_sent() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &[]).await;
    let password = "not-kims-password";
    let transport = builder(
        &acceptor,
        NegotiateCredentials::password(KIM, password).unwrap(),
    )
    .build()
    .unwrap();
    let err = transport.send(create_item()).await.unwrap_err();
    auth_error(&err, "Preauthentication failed", password);
    let stats = acceptor.stats().await;
    nothing_sent(&stats);
    assert_eq!(stats["handshakes"], 0, "no ticket reached the server");
}

#[tokio::test]
async fn expired_ticket_is_named() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &[]).await;
    // eve's ticket in the cache lives 5 seconds from the realm's start.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let transport = builder(
        &acceptor,
        NegotiateCredentials::cached_for(EVE_EXPIRING).unwrap(),
    )
    .build()
    .unwrap();
    let err = transport.send(create_item()).await.unwrap_err();
    auth_error(&err, "expired", KIM_PASSWORD);
    nothing_sent(&acceptor.stats().await);
}

#[tokio::test]
async fn unknown_principal_is_named() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &[]).await;
    let password = "whatever-password";
    let transport = builder(
        &acceptor,
        NegotiateCredentials::password("nobody@CONTOSO.TEST", password).unwrap(),
    )
    .build()
    .unwrap();
    let err = transport.send(create_item()).await.unwrap_err();
    auth_error(&err, "not found in Kerberos database", password);
    nothing_sent(&acceptor.stats().await);
}

#[tokio::test]
async fn clock_skew_is_named() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &[]).await;
    let transport = builder(
        &acceptor,
        NegotiateCredentials::password(LEE_SKEWED, LEE_PASSWORD).unwrap(),
    )
    .build()
    .unwrap();
    let err = transport.send(create_item()).await.unwrap_err();
    auth_error(&err, "Clock skew too great", LEE_PASSWORD);
    nothing_sent(&acceptor.stats().await);
}

#[tokio::test]
async fn service_principal_unknown_to_the_kdc_is_named() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &[]).await;
    let transport = builder(&acceptor, NegotiateCredentials::default_credentials())
        .service_principal("HTTP/mail.contoso.test")
        .build()
        .unwrap();
    let err = transport.send(create_item()).await.unwrap_err();
    auth_error(&err, "HTTP/mail.contoso.test", KIM_PASSWORD);
    let shown = format!("{err:?}");
    assert!(shown.contains("not found in Kerberos database"), "{shown}");
    nothing_sent(&acceptor.stats().await);
}

#[tokio::test]
async fn binding_to_another_certificate_is_refused_unless_switched_off() {
    let Some(realm) = realm() else { return };
    // The acceptor checks the binding against another certificate: what a
    // TLS-inspecting proxy between client and server looks like.
    let (_server, acceptor) = exchange(realm, &["--wrong-bindings"]).await;
    let bound = builder(&acceptor, NegotiateCredentials::default_credentials())
        .build()
        .unwrap();
    let reply = bound.send(create_item()).await.unwrap();
    assert_eq!(reply.status, 401, "the server refused the ticket");
    let stats = acceptor.stats().await;
    nothing_sent(&stats);
    assert_eq!(stats["refused"], 1, "{stats}");
    assert!(
        stats["errors"][0].as_str().unwrap().contains("binding"),
        "{stats}"
    );

    // Without a binding, a server whose Extended Protection is `Allow` accepts.
    let unbound = builder(&acceptor, NegotiateCredentials::default_credentials())
        .channel_bindings(false)
        .build()
        .unwrap();
    let reply = unbound.send(create_item()).await.unwrap();
    assert_ne!(reply.status, 401);
    assert_eq!(acceptor.stats().await["requests"], 1);
}

#[tokio::test]
async fn server_that_does_not_prove_its_identity_gets_nothing() {
    let Some(realm) = realm() else { return };
    let (_server, acceptor) = exchange(realm, &["--no-mutual"]).await;
    let transport = builder(&acceptor, NegotiateCredentials::default_credentials())
        .build()
        .unwrap();
    let err = transport.send(create_item()).await.unwrap_err();
    auth_error(&err, "mutual authentication failed", KIM_PASSWORD);
    nothing_sent(&acceptor.stats().await);
}

#[tokio::test]
async fn ntlm_only_server_is_answered_with_ntlm_as_the_same_account() {
    let Some(_realm) = realm() else { return };
    let Some(ntlm) = ntlm_acceptor::Server::start(&["--tls"]) else {
        return;
    };
    let with_password =
        NegotiateCredentials::password("ann@contoso.com", ntlm_acceptor::ANN_PASSWORD).unwrap();
    let transport = NtlmTransport::negotiate(ntlm.endpoint(), with_password)
        .trust_only_root_der(ntlm.ca_der().unwrap().to_vec())
        .build()
        .unwrap();
    let reply = transport.send(create_item()).await.unwrap();
    assert_eq!(reply.status, 200);
    let body = String::from_utf8(reply.body.to_vec()).unwrap();
    assert!(body.contains(r#"user="ann@contoso.com""#), "{body}");
    assert_eq!(ntlm.stats().await["requests"], 1);

    // From a credential cache there is no password for NTLM: a clear error.
    let cached =
        NtlmTransport::negotiate(ntlm.endpoint(), NegotiateCredentials::default_credentials())
            .trust_only_root_der(ntlm.ca_der().unwrap().to_vec())
            .build()
            .unwrap();
    let err = cached.send(create_item()).await.unwrap_err();
    auth_error(&err, "offers only NTLM", ntlm_acceptor::ANN_PASSWORD);
    assert_eq!(ntlm.stats().await["requests"], 1, "nothing more was sent");
}
