//! `NtlmTransport` against a real NTLM acceptor on loopback: pyspnego, driven by
//! `tests/ntlm_server/server.py`, which this test starts on 127.0.0.1.
//!
//! Without python3 and pyspnego the tests print "skipped" and pass, unless
//! `OFFLINE_IM_REQUIRE_NTLM_CHECK=1` (set by CI) makes that a failure.

use std::time::Duration;

use offline_im::transport::{
    EwsRequest, NtlmCredentials, NtlmTransport, Transport, TransportBuildError,
};
use serde_json::Value;

#[path = "support/ntlm_acceptor.rs"]
mod ntlm_acceptor;

use ntlm_acceptor::{ANN_PASSWORD, KIM_PASSWORD, Server};

fn kim() -> NtlmCredentials {
    NtlmCredentials::parse("CONTOSO\\kim", KIM_PASSWORD).unwrap()
}

fn create_item(text: &str) -> EwsRequest {
    EwsRequest::new(
        "CreateItem",
        format!("<soap:Envelope>{text}</soap:Envelope>"),
    )
    .anchor_mailbox("kim@contoso.com".parse().unwrap())
}

fn body(reply: &offline_im::transport::EwsReply) -> String {
    String::from_utf8(reply.body.to_vec()).unwrap()
}

/// Every request the server saw before authentication carried no body.
fn no_body_before_authentication(stats: &Value) {
    let lengths = stats["unauthenticated_body_lengths"].as_array().unwrap();
    assert!(!lengths.is_empty(), "the handshake requests were recorded");
    assert!(
        lengths.iter().all(|length| length == 0),
        "a body went to an unauthenticated connection: {lengths:?}"
    );
}

#[tokio::test]
async fn down_level_account_authenticates_once_per_connection() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let transport = server.transport(kim());

    let request = create_item("first");
    let sent_bytes = request.body.len();
    let reply = transport.send(request).await.unwrap();
    assert_eq!(reply.status, 200, "{}", body(&reply));
    assert!(
        body(&reply).contains(r#"user="CONTOSO\kim""#),
        "{}",
        body(&reply)
    );
    assert!(
        body(&reply).contains(&format!(r#"bytes="{sent_bytes}""#)),
        "{}",
        body(&reply)
    );
    assert!(
        body(&reply).contains(r#"anchor="kim@contoso.com""#),
        "{}",
        body(&reply)
    );

    // The second request reuses the authenticated connection: no new handshake.
    let reply = transport.send(create_item("second")).await.unwrap();
    assert_eq!(reply.status, 200);
    let stats = server.stats().await;
    assert_eq!(stats["negotiates"], 1);
    assert_eq!(stats["authenticated"], 1);
    assert_eq!(stats["requests"], 2);
    assert_eq!(transport.idle_connections(), 1);
    no_body_before_authentication(&stats);
}

#[tokio::test]
async fn user_principal_name_and_separate_domain_authenticate() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let upn = NtlmCredentials::parse("ann@contoso.com", ANN_PASSWORD).unwrap();
    let reply = server.transport(upn).send(create_item("hi")).await.unwrap();
    assert_eq!(reply.status, 200, "{}", body(&reply));
    assert!(
        body(&reply).contains(r#"user="ann@contoso.com""#),
        "{}",
        body(&reply)
    );

    let separate = NtlmCredentials::new("KIM", "CONTOSO", KIM_PASSWORD).unwrap();
    let reply = server
        .transport(separate)
        .send(create_item("hi"))
        .await
        .unwrap();
    assert_eq!(
        reply.status,
        200,
        "user names are case-insensitive: {}",
        body(&reply)
    );
}

#[tokio::test]
async fn refused_credentials_come_back_as_401_without_sending_the_body() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    for credentials in [
        NtlmCredentials::parse("CONTOSO\\kim", "wrong password").unwrap(),
        NtlmCredentials::parse("CONTOSO\\nobody", KIM_PASSWORD).unwrap(),
        NtlmCredentials::parse("FABRIKAM\\kim", KIM_PASSWORD).unwrap(),
    ] {
        let shown = credentials.to_string();
        let reply = server
            .transport(credentials)
            .send(create_item("secret plans"))
            .await;
        let reply = reply.unwrap_or_else(|err| panic!("{shown}: {err}"));
        assert_eq!(reply.status, 401, "{shown}");
    }
    let stats = server.stats().await;
    assert_eq!(stats["refused"], 3);
    assert_eq!(stats["requests"], 0, "no request was served");
    no_body_before_authentication(&stats);
}

#[tokio::test]
async fn concurrent_requests_share_at_most_max_connections() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let transport = NtlmTransport::builder(server.endpoint(), kim())
        .allow_http(true)
        .max_connections(4)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..16 {
        let transport = transport.clone();
        tasks.spawn(async move { transport.send(create_item(&format!("message {n}"))).await });
    }
    while let Some(result) = tasks.join_next().await {
        let reply = result.unwrap().unwrap();
        assert_eq!(reply.status, 200, "{}", body(&reply));
    }
    let stats = server.stats().await;
    assert_eq!(stats["requests"], 16);
    let handshakes = stats["negotiates"].as_u64().unwrap();
    assert!(
        (1..=4).contains(&handshakes),
        "{handshakes} handshakes for 4 connections"
    );
    assert_eq!(stats["authenticated"].as_u64(), Some(handshakes));
    assert!(transport.idle_connections() <= 4);
    no_body_before_authentication(&stats);
}

#[tokio::test]
async fn a_401_on_an_authenticated_connection_triggers_one_new_handshake() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let transport = server.transport(kim());
    assert_eq!(
        transport.send(create_item("before")).await.unwrap().status,
        200
    );

    server.forget().await; // the server drops every connection's authentication
    let reply = transport.send(create_item("after")).await.unwrap();
    assert_eq!(reply.status, 200, "{}", body(&reply));

    let stats = server.stats().await;
    assert_eq!(stats["negotiates"], 2);
    assert_eq!(stats["requests"], 2);
    // The request that met the 401 carried its body; that is the one resend.
    let lengths = stats["unauthenticated_body_lengths"].as_array().unwrap();
    assert_eq!(
        lengths.iter().filter(|length| **length != 0).count(),
        1,
        "{lengths:?}"
    );
}

#[tokio::test]
async fn negotiate_only_server_gets_the_ntlm_token_under_negotiate() {
    let Some(server) = Server::start(&["--negotiate-only"]) else {
        return;
    };
    let reply = server
        .transport(kim())
        .send(create_item("hi"))
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{}", body(&reply));
    assert!(body(&reply).contains(r#"user="CONTOSO\kim""#));
}

#[tokio::test]
async fn over_tls_the_handshake_is_bound_to_the_server_certificate() {
    let Some(server) = Server::start(&["--tls"]) else {
        return;
    };
    // The server refuses an AUTHENTICATE whose channel bindings do not match its
    // certificate (hashed with SHA-384, the hash of the certificate's signature).
    let reply = server
        .transport(kim())
        .send(create_item("hi"))
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{}", body(&reply));
    let stats = server.stats().await;
    assert_eq!(stats["authenticated"], 1);
    assert_eq!(stats["refused"], 0);

    // Without trusting the test CA, the platform's trust store refuses it.
    let untrusting = NtlmTransport::builder(server.endpoint(), kim())
        .build()
        .unwrap();
    let err = untrusting.send(create_item("hi")).await.unwrap_err();
    assert!(err.is_connect() && !err.outcome_unknown(), "{err}");
}

#[tokio::test]
async fn timeouts_say_whether_the_request_may_have_arrived() {
    // A server that never answers the NEGOTIATE: the request was not sent.
    let Some(server) = Server::start(&["--stall", "handshake", "--lifetime", "30"]) else {
        return;
    };
    let transport = NtlmTransport::builder(server.endpoint(), kim())
        .allow_http(true)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = transport.send(create_item("hi")).await.unwrap_err();
    assert!(err.is_timeout() && !err.outcome_unknown(), "{err}");

    // A server that authenticates, then never answers the request: it may have
    // been delivered.
    let Some(server) = Server::start(&["--stall", "request", "--lifetime", "30"]) else {
        return;
    };
    let transport = NtlmTransport::builder(server.endpoint(), kim())
        .allow_http(true)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = transport.send(create_item("hi")).await.unwrap_err();
    assert!(err.is_timeout() && err.outcome_unknown(), "{err}");
    assert_eq!(server.stats().await["authenticated"], 1);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    // Find a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let transport = NtlmTransport::builder(
        format!("http://127.0.0.1:{port}/EWS/Exchange.asmx")
            .parse()
            .unwrap(),
        kim(),
    )
    .allow_http(true)
    .build()
    .unwrap();
    let err = transport.send(create_item("hi")).await.unwrap_err();
    assert!(
        err.is_connect() && err.is_transient() && !err.outcome_unknown(),
        "{err}"
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(KIM_PASSWORD), "{shown}");
}

#[test]
fn builder_refuses_plain_http_and_zero_limits() {
    let endpoint: url::Url = "http://mail.contoso.com/EWS/Exchange.asmx".parse().unwrap();
    let err = NtlmTransport::builder(endpoint.clone(), kim())
        .build()
        .unwrap_err();
    assert!(
        matches!(err, TransportBuildError::PlainHttp { .. }),
        "{err}"
    );
    let err = NtlmTransport::builder(endpoint, kim())
        .allow_http(true)
        .max_connections(0)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("max_connections"), "{err}");
}

#[tokio::test]
async fn a_request_for_another_host_gets_its_own_authenticated_connection() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let transport = server.transport(kim());
    // The same server under another host name: a different origin.
    let mut other = server.endpoint();
    other.set_host(Some("localhost")).unwrap();

    let reply = transport.send(create_item("endpoint")).await.unwrap();
    assert_eq!(reply.status, 200, "{}", body(&reply));
    let reply = transport
        .send(create_item("other host").url(other.clone()))
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{}", body(&reply));
    let reply = transport
        .send(create_item("other host again").url(other))
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{}", body(&reply));

    let stats = server.stats().await;
    assert_eq!(
        stats["authenticated"], 2,
        "one handshake per host, none on reuse"
    );
    assert_eq!(stats["requests"], 3);
    assert_eq!(transport.idle_connections(), 2);
    no_body_before_authentication(&stats);
}

#[tokio::test]
async fn a_request_without_credentials_gets_no_handshake() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let transport = server.transport(kim());

    let reply = transport
        .send(EwsRequest::new("probe", "").without_credentials())
        .await
        .unwrap();

    assert_eq!(reply.status, 401, "the server wants authentication");
    let stats = server.stats().await;
    assert_eq!(stats["negotiates"], 0);
    assert_eq!(stats["authenticated"], 0);
    assert_eq!(
        transport.idle_connections(),
        0,
        "an unauthenticated connection is not pooled"
    );
}
