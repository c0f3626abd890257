//! HttpTransport against a loopback server: what goes on the wire, what comes back,
//! how failures are classified, and that secrets never show.
#![cfg(feature = "http")]

#[path = "support/scripted_http_server.rs"]
mod scripted_http_server;

use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use offline_im::transport::{
    DEFAULT_USER_AGENT, EwsRequest, HttpTransport, HttpTransportBuilder, Method, Request,
    RetryAfter, SecretString, TokenError, TokenProvider, Transport, TransportBuildError,
};
use scripted_http_server::{Action, Server, base64_encode, response, serve};
use uuid::Uuid;

const PASSWORD: &str = "Pa55-w0rd-that-must-never-show";
const TOKEN: &str = "eyJ0eXAiOiJKV1Qi.must-never-show.c2lnbmF0dXJl";
const SOAP: &str =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<soap:Envelope>Grüße, 李</soap:Envelope>";

fn loopback(server: &Server) -> HttpTransportBuilder {
    HttpTransport::builder(server.url())
        .allow_http(true)
        .env_proxy(false)
}

fn create_item() -> EwsRequest {
    EwsRequest::new("CreateItem", SOAP)
}

#[tokio::test]
async fn sends_post_with_headers_and_body_unchanged() {
    let reply_body = b"<s:Envelope>\xE2\x9C\x93 reply</s:Envelope>".to_vec();
    let mut server = serve(vec![response(
        "200 OK",
        &[("Content-Type", "text/xml; charset=utf-8")],
        &reply_body,
    )])
    .await;
    let transport = loopback(&server)
        .basic("CONTOSO\\kim", PASSWORD)
        .build()
        .unwrap();
    let id = Uuid::new_v4();
    let request = create_item()
        .anchor_mailbox("Kim.Akers@Contoso.com".parse().unwrap())
        .client_request_id(id);

    let reply = transport.send(request).await.unwrap();

    assert_eq!(reply.status, 200);
    assert_eq!(reply.retry_after, None);
    assert_eq!(&reply.body[..], &reply_body[..]);

    let received = server.received().await;
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/EWS/Exchange.asmx");
    assert_eq!(got.body, SOAP.as_bytes());
    assert_eq!(got.header("content-type"), Some("text/xml; charset=utf-8"));
    // base64("CONTOSO\kim:" + PASSWORD)
    let expected_basic = format!(
        "Basic {}",
        base64_encode(format!("CONTOSO\\kim:{PASSWORD}").as_bytes())
    );
    assert_eq!(got.header("authorization"), Some(expected_basic.as_str()));
    assert_eq!(got.header("x-anchormailbox"), Some("kim.akers@contoso.com"));
    assert_eq!(
        got.header("client-request-id"),
        Some(id.hyphenated().to_string().as_str())
    );
    assert_eq!(got.header("return-client-request-id"), Some("true"));
    assert_eq!(got.header("user-agent"), Some(DEFAULT_USER_AGENT));
    assert!(DEFAULT_USER_AGENT.starts_with("offline-im/"));
}

#[tokio::test]
async fn optional_headers_are_absent_when_not_asked_for() {
    let mut server = serve(vec![response("200 OK", &[], b"")]).await;
    let transport = loopback(&server).user_agent("probe/1.0").build().unwrap();

    transport.send(create_item()).await.unwrap();

    let got = &server.received().await[0];
    assert_eq!(got.header("authorization"), None);
    assert_eq!(got.header("x-anchormailbox"), None);
    assert_eq!(got.header("client-request-id"), None);
    assert_eq!(got.header("return-client-request-id"), None);
    assert_eq!(got.header("user-agent"), Some("probe/1.0"));
}

#[tokio::test]
async fn bearer_token_is_sent() {
    let mut server = serve(vec![response("200 OK", &[], b"")]).await;
    let transport = loopback(&server).bearer(TOKEN).build().unwrap();

    // The future is Send + 'static when the transport is owned: it can be spawned.
    tokio::spawn(async move { transport.send(create_item()).await })
        .await
        .unwrap()
        .unwrap();

    let expected = format!("Bearer {TOKEN}");
    assert_eq!(
        server.received().await[0].header("authorization"),
        Some(expected.as_str())
    );
}

#[tokio::test]
async fn error_statuses_and_retry_after_come_back_as_replies() {
    let date = "Wed, 21 Oct 2037 07:28:00 GMT";
    let server = serve(vec![
        response(
            "503 Service Unavailable",
            &[("Retry-After", "120")],
            b"busy",
        ),
        response("503 Service Unavailable", &[("Retry-After", date)], b""),
        response(
            "503 Service Unavailable",
            &[("Retry-After", "whenever")],
            b"",
        ),
        response("500 Internal Server Error", &[], b"<s:Fault/>"),
    ])
    .await;
    let transport = loopback(&server).build().unwrap();

    let seconds = transport.send(create_item()).await.unwrap();
    assert_eq!(seconds.status, 503);
    assert_eq!(&seconds.body[..], b"busy");
    assert_eq!(
        seconds.retry_after,
        Some(RetryAfter::Delay(Duration::from_secs(120)))
    );

    let at = transport.send(create_item()).await.unwrap();
    let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(2_139_722_880);
    assert_eq!(at.retry_after, Some(RetryAfter::At(expected)));

    let garbage = transport.send(create_item()).await.unwrap();
    assert_eq!(garbage.status, 503);
    assert_eq!(garbage.retry_after, None);

    let fault = transport.send(create_item()).await.unwrap();
    assert_eq!(fault.status, 500);
    assert_eq!(&fault.body[..], b"<s:Fault/>");
}

#[tokio::test]
async fn timeout_after_sending_leaves_the_outcome_unknown() {
    let mut server = serve(vec![Action::Hang(Duration::from_secs(5))]).await;
    let transport = loopback(&server)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let err = transport.send(create_item()).await.unwrap_err();

    assert!(err.is_timeout(), "{err:?}");
    assert!(err.outcome_unknown(), "{err:?}");
    assert!(!err.is_connect(), "{err:?}");
    assert!(err.is_transient());
    let text = err.to_string();
    assert!(text.contains("CreateItem"), "{text}");
    assert!(text.contains(&server.url().to_string()), "{text}");
    assert_eq!(server.received().await.len(), 1, "the request did arrive");
}

#[tokio::test]
async fn connection_closed_before_reply_leaves_the_outcome_unknown() {
    let mut server = serve(vec![Action::Close]).await;
    let transport = loopback(&server).build().unwrap();

    let err = transport.send(create_item()).await.unwrap_err();

    assert!(err.outcome_unknown(), "{err:?}");
    assert!(!err.is_connect() && !err.is_timeout(), "{err:?}");
    assert!(err.is_transient());
    assert!(err.source().is_some());
    assert_eq!(server.received().await.len(), 1, "the request did arrive");
}

#[tokio::test]
async fn refused_connection_means_not_sent() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}/EWS/Exchange.asmx").parse().unwrap();
    let transport = HttpTransport::builder(url)
        .allow_http(true)
        .env_proxy(false)
        .basic("kim", PASSWORD)
        .build()
        .unwrap();

    let err = transport.send(create_item()).await.unwrap_err();

    assert!(err.is_connect(), "{err:?}");
    assert!(!err.outcome_unknown(), "{err:?}");
    assert!(err.is_transient());
    assert!(err.to_string().contains("not sent"), "{err}");
}

#[test]
fn endpoint_rules_are_checked_at_build() {
    let http = HttpTransport::builder("http://mail.contoso.com/EWS/Exchange.asmx".parse().unwrap())
        .build()
        .unwrap_err();
    assert!(
        matches!(http, TransportBuildError::PlainHttp { .. }),
        "{http:?}"
    );
    let text = http.to_string();
    assert!(
        text.contains("http://mail.contoso.com/EWS/Exchange.asmx"),
        "{text}"
    );
    assert!(text.contains("https://"), "{text}");

    let ftp = HttpTransport::builder("ftp://mail.contoso.com/".parse().unwrap())
        .allow_http(true)
        .build()
        .unwrap_err();
    assert!(
        matches!(ftp, TransportBuildError::UnsupportedScheme { .. }),
        "{ftp:?}"
    );

    let url = format!("https://kim:{PASSWORD}@mail.contoso.com/EWS/Exchange.asmx?x=1");
    let builder = HttpTransport::builder(url.parse().unwrap());
    assert!(!format!("{builder:?}").contains(PASSWORD));
    let creds = builder.build().unwrap_err();
    assert!(
        matches!(creds, TransportBuildError::CredentialsInUrl { .. }),
        "{creds:?}"
    );
    assert!(!creds.to_string().contains(PASSWORD), "{creds}");
    assert!(!format!("{creds:?}").contains(PASSWORD), "{creds:?}");

    let https = "https://mail.contoso.com/EWS/Exchange.asmx"
        .parse()
        .unwrap();
    let user = HttpTransport::builder(https)
        .basic("kim:akers", PASSWORD)
        .build()
        .unwrap_err();
    assert!(
        matches!(user, TransportBuildError::InvalidUserName { .. }),
        "{user:?}"
    );
}

#[test]
fn static_token_and_timeouts_are_checked_at_build() {
    let https = || {
        "https://mail.contoso.com/EWS/Exchange.asmx"
            .parse()
            .unwrap()
    };
    let secret_with_space = "two words-must-never-show";
    let token = HttpTransport::builder(https())
        .bearer(secret_with_space)
        .build()
        .unwrap_err();
    assert!(
        matches!(token, TransportBuildError::InvalidToken { .. }),
        "{token:?}"
    );
    assert!(!token.to_string().contains("never-show"), "{token}");

    let zero = HttpTransport::builder(https())
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(matches!(
        zero,
        TransportBuildError::InvalidTimeout {
            setting: "timeout",
            ..
        }
    ));

    let agent = HttpTransport::builder(https())
        .user_agent("bad\nagent")
        .build()
        .unwrap_err();
    assert!(matches!(
        agent,
        TransportBuildError::InvalidUserAgent { .. }
    ));

    assert!(
        HttpTransport::builder(https())
            .bearer(TOKEN)
            .build()
            .is_ok()
    );
}

#[tokio::test]
async fn redirects_are_returned_not_followed() {
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!(
        "http://{}/EWS/Exchange.asmx",
        elsewhere.local_addr().unwrap()
    );
    let mut server = serve(vec![response("302 Found", &[("Location", &target)], b"")]).await;
    let transport = loopback(&server).basic("kim", PASSWORD).build().unwrap();

    let reply = transport.send(create_item()).await.unwrap();

    assert_eq!(reply.status, 302);
    assert_eq!(server.received().await.len(), 1);
    let contacted = tokio::time::timeout(Duration::from_millis(300), elsewhere.accept()).await;
    assert!(contacted.is_err(), "the redirect target was contacted");
}

/// Hands out "first-<TOKEN>", then "fresh-<TOKEN>" on refresh.
#[derive(Default)]
struct CountingProvider {
    tokens: AtomicUsize,
    refreshes: AtomicUsize,
}

impl TokenProvider for CountingProvider {
    async fn token(&self) -> Result<SecretString, TokenError> {
        self.tokens.fetch_add(1, Ordering::SeqCst);
        Ok(SecretString::from(format!("first-{TOKEN}")))
    }

    async fn refresh(&self) -> Result<SecretString, TokenError> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        Ok(SecretString::from(format!("fresh-{TOKEN}")))
    }
}

#[tokio::test]
async fn token_is_refreshed_once_after_401() {
    let unauthorized = || response("401 Unauthorized", &[("WWW-Authenticate", "Bearer")], b"");
    let mut server = serve(vec![unauthorized(), response("200 OK", &[], b"ok")]).await;
    let provider = Arc::new(CountingProvider::default());
    let transport = loopback(&server)
        .token_provider(provider.clone())
        .build()
        .unwrap();

    let reply = transport.send(create_item()).await.unwrap();

    assert_eq!(reply.status, 200);
    assert_eq!(&reply.body[..], b"ok");
    let received = server.received().await;
    let auth: Vec<_> = received.iter().map(|r| r.header("authorization")).collect();
    let first = format!("Bearer first-{TOKEN}");
    let fresh = format!("Bearer fresh-{TOKEN}");
    assert_eq!(auth, [Some(first.as_str()), Some(fresh.as_str())]);
    assert_eq!(received[1].body, SOAP.as_bytes(), "the same body is resent");
    assert_eq!(provider.tokens.load(Ordering::SeqCst), 1);
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1);

    // A second 401 in a row is returned, not retried again.
    let mut server = serve(vec![
        unauthorized(),
        unauthorized(),
        response("200 OK", &[], b""),
    ])
    .await;
    let transport = loopback(&server)
        .token_provider(provider.clone())
        .build()
        .unwrap();
    let reply = transport.send(create_item()).await.unwrap();
    assert_eq!(reply.status, 401);
    assert_eq!(server.received().await.len(), 2);
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn basic_auth_401_is_returned_without_retry() {
    let mut server = serve(vec![
        response("401 Unauthorized", &[("WWW-Authenticate", "Basic")], b""),
        response("200 OK", &[], b""),
    ])
    .await;
    let transport = loopback(&server).basic("kim", PASSWORD).build().unwrap();

    assert_eq!(transport.send(create_item()).await.unwrap().status, 401);
    assert_eq!(server.received().await.len(), 1);
}

struct FailingProvider;

impl TokenProvider for FailingProvider {
    async fn token(&self) -> Result<SecretString, TokenError> {
        Err(TokenError::transient("token endpoint unreachable"))
    }
}

#[tokio::test]
async fn token_provider_failure_means_not_sent() {
    let mut server = serve(vec![response("200 OK", &[], b"")]).await;
    let transport = loopback(&server)
        .token_provider(FailingProvider)
        .build()
        .unwrap();

    let err = transport.send(create_item()).await.unwrap_err();

    assert!(
        err.is_token() && err.is_transient() && !err.outcome_unknown(),
        "{err:?}"
    );
    assert!(server.received().await.is_empty());
}

#[test]
fn base64_helper_matches_rfc_4648_vectors() {
    assert_eq!(base64_encode(b""), "");
    assert_eq!(base64_encode(b"f"), "Zg==");
    assert_eq!(base64_encode(b"fo"), "Zm8=");
    assert_eq!(base64_encode(b"foo"), "Zm9v");
    assert_eq!(base64_encode(b"foob"), "Zm9vYg==");
    assert_eq!(base64_encode(b"fooba"), "Zm9vYmE=");
}

/// The crate's one `Credentials` type drives `HttpTransport` too: Basic is
/// accepted or refused by the server as `.basic(..)` would be.
#[tokio::test]
async fn one_credentials_type_for_http_transport() {
    use offline_im::testkit::TestServer;
    use offline_im::transport::Credentials;

    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc@contoso.com", "right password")
        .start()
        .await
        .unwrap();
    let send = |credentials: Credentials| {
        let transport = HttpTransport::builder(server.url().parse().unwrap())
            .credentials(&credentials)
            .allow_http(true)
            .env_proxy(false)
            .build()
            .unwrap();
        async move {
            transport
                .send(EwsRequest::new("CreateItem", "<soap:Envelope/>"))
                .await
                .unwrap()
                .status
        }
    };
    assert_ne!(
        send(Credentials::basic("svc@contoso.com", "right password")).await,
        401
    );
    assert_eq!(
        send(Credentials::basic("svc@contoso.com", "wrong password")).await,
        401
    );
}

/// Windows credentials need the handshake `NtlmTransport` does: refused at
/// build time, naming the scheme and the transport to use.
#[cfg(feature = "ntlm")]
#[test]
fn windows_credentials_are_refused_by_http_transport() {
    use offline_im::transport::{Credentials, NtlmCredentials, TransportBuildError};

    let credentials =
        Credentials::ntlm(NtlmCredentials::parse("CONTOSO\\kim", "Secret-pw1").unwrap());
    let err = HttpTransport::builder(
        "https://mail.contoso.com/EWS/Exchange.asmx"
            .parse()
            .unwrap(),
    )
    .credentials(&credentials)
    .build()
    .unwrap_err();
    assert!(
        matches!(
            err,
            TransportBuildError::UnsupportedCredentials { scheme: "ntlm" }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("use NtlmTransport"), "{err}");
    assert!(!format!("{err} {err:?}").contains("Secret-pw1"));
}

#[tokio::test]
async fn a_json_request_goes_to_its_own_url_with_its_method_and_headers() {
    let mut server = serve(vec![response(
        "200 OK",
        &[("Content-Type", "application/json; odata.metadata=minimal")],
        br#"{"id":"AAMk"}"#,
    )])
    .await;
    let transport = loopback(&server).bearer(TOKEN).build().unwrap();
    let url: url::Url = format!(
        "http://{}/v1.0/users/kim@contoso.com/messages/AAMk",
        server.addr
    )
    .parse()
    .unwrap();
    let request = Request::json("UpdateMessage", Method::Patch, url, r#"{"isRead":true}"#)
        .header("Prefer", "return=minimal");

    let reply = transport.send(request).await.unwrap();

    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/json; odata.metadata=minimal")
    );
    let received = server.received().await;
    let got = &received[0];
    assert_eq!(got.method, "PATCH");
    assert_eq!(got.path, "/v1.0/users/kim@contoso.com/messages/AAMk");
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.header("accept"), Some("application/json"));
    assert_eq!(got.header("prefer"), Some("return=minimal"));
    assert_eq!(got.body, br#"{"isRead":true}"#);
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(got.header("authorization"), Some(bearer.as_str()));
}

#[tokio::test]
async fn a_request_without_credentials_carries_no_authorization_and_gets_the_redirect() {
    let target = "https://autodiscover.contoso.com/autodiscover/autodiscover.xml";
    let mut server = serve(vec![response("302 Found", &[("Location", target)], b"")]).await;
    // A production transport (no allow_http): plain HTTP is still allowed for
    // an anonymous request without a body, as Autodiscover's redirect probe is.
    let transport = HttpTransport::builder(
        "https://mail.contoso.com/EWS/Exchange.asmx"
            .parse()
            .unwrap(),
    )
    .env_proxy(false)
    .basic("CONTOSO\\kim", PASSWORD)
    .build()
    .unwrap();
    let probe: url::Url = format!("http://{}/autodiscover/autodiscover.xml", server.addr)
        .parse()
        .unwrap();
    let request = Request::new("redirect probe", "")
        .method(Method::Get)
        .url(probe)
        .without_credentials();

    let reply = transport.send(request).await.unwrap();

    assert_eq!(reply.status, 302);
    assert_eq!(reply.redirect_target(), Some(target));
    let received = server.received().await;
    assert_eq!(received.len(), 1, "the redirect was not followed");
    assert_eq!(received[0].method, "GET");
    assert_eq!(received[0].header("authorization"), None);
    assert_eq!(received[0].header("content-type"), None);
}

#[tokio::test]
async fn a_per_request_url_breaking_the_scheme_rules_is_refused_before_sending() {
    let mut server = serve(vec![response("200 OK", &[], b"")]).await;
    let transport = HttpTransport::builder(
        "https://mail.contoso.com/EWS/Exchange.asmx"
            .parse()
            .unwrap(),
    )
    .env_proxy(false)
    .basic("CONTOSO\\kim", PASSWORD)
    .build()
    .unwrap();
    let plain: url::Url = format!("http://{}/EWS/Exchange.asmx?token=abc", server.addr)
        .parse()
        .unwrap();

    // A body, or credentials, never go over plain HTTP.
    for request in [
        create_item().url(plain.clone()),
        Request::new("probe", "")
            .method(Method::Get)
            .url(plain.clone()),
        create_item().url(plain.clone()).without_credentials(),
    ] {
        let err = transport.send(request).await.unwrap_err();
        assert!(!err.outcome_unknown(), "{err}");
        let shown = format!("{err}: {}", err.source().unwrap());
        assert!(shown.contains("plain-HTTP URL"), "{shown}");
        assert!(!shown.contains("token=abc"), "{shown}");
    }
    // So do headers the transport sets itself.
    let err = transport
        .send(create_item().header("Authorization", "Basic c2VjcmV0"))
        .await
        .unwrap_err();
    let shown = format!("{err}: {}", err.source().unwrap());
    assert!(shown.contains("set by the transport"), "{shown}");
    assert!(!shown.contains("c2VjcmV0"), "{shown}");
    assert!(server.received().await.is_empty(), "something was sent");
}
