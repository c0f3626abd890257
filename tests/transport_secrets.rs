//! Secrets never show: not in `Debug`, not in errors, not in traces.
//!
//! Alone in its own test binary: `tracing` caches per-callsite interest process-wide,
//! and a thread-local subscriber in one test races with other tests' threads.
#![cfg(feature = "http")]

#[path = "support/log_capture.rs"]
mod log_capture;
#[path = "support/scripted_http_server.rs"]
mod scripted_http_server;

use std::error::Error as _;

use offline_im::transport::{
    EwsRequest, HttpTransport, HttpTransportBuilder, SecretString, TokenError, TokenProvider,
    Transport,
};
use scripted_http_server::{Action, Server, base64_encode, response, serve};
use uuid::Uuid;

const PASSWORD: &str = "Pa55-w0rd-that-must-never-show";
const TOKEN: &str = "eyJ0eXAiOiJKV1Qi.must-never-show.c2lnbmF0dXJl";
const BODY_MARKER: &str = "Grüße, private words";

fn loopback(server: &Server) -> HttpTransportBuilder {
    HttpTransport::builder(server.url())
        .allow_http(true)
        .env_proxy(false)
}

fn create_item() -> EwsRequest {
    EwsRequest::new(
        "CreateItem",
        format!("<soap:Envelope>{BODY_MARKER}</soap:Envelope>"),
    )
}

struct RotatingProvider;

impl TokenProvider for RotatingProvider {
    async fn token(&self) -> Result<SecretString, TokenError> {
        Ok(SecretString::from(format!("first-{TOKEN}")))
    }

    async fn refresh(&self) -> Result<SecretString, TokenError> {
        Ok(SecretString::from(format!("fresh-{TOKEN}")))
    }
}

#[tokio::test]
async fn secrets_never_show_in_debug_errors_or_traces() {
    let (capture, subscriber) = log_capture::subscriber(tracing::Level::TRACE);
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut server = serve(vec![
        response("200 OK", &[], b"fine"),
        response("401 Unauthorized", &[], b""),
        response("200 OK", &[], b""),
        Action::Close,
    ])
    .await;

    let basic = loopback(&server).basic("kim", PASSWORD);
    let mut shown = vec![format!("{basic:?}")];
    let basic = basic.build().unwrap();
    shown.push(format!("{basic:?}"));
    basic
        .send(create_item().client_request_id(Uuid::new_v4()))
        .await
        .unwrap();

    let bearer = loopback(&server).bearer(TOKEN);
    shown.push(format!("{bearer:?}"));
    let bearer = bearer.build().unwrap();
    shown.push(format!("{bearer:?}"));

    let provided = loopback(&server).token_provider(RotatingProvider);
    shown.push(format!("{provided:?}"));
    let provided = provided.build().unwrap();
    shown.push(format!("{provided:?}"));
    provided.send(create_item()).await.unwrap();

    // A failure while the credentials are in use.
    let err = bearer.send(create_item()).await.unwrap_err();
    shown.push(format!("{err:?}"));
    shown.push(err.to_string());
    let mut source = err.source();
    while let Some(cause) = source {
        shown.push(format!("{cause} / {cause:?}"));
        source = cause.source();
    }
    assert_eq!(server.received().await.len(), 4);

    let traces = capture.text();
    assert!(
        traces.contains("ews_request"),
        "no span recorded:\n{traces}"
    );
    assert!(traces.contains("CreateItem"), "{traces}");
    assert!(traces.contains("refreshing"), "{traces}");
    shown.push(traces);

    for text in &shown {
        assert!(!text.contains(PASSWORD), "password shown in: {text}");
        assert!(!text.contains("must-never-show"), "token shown in: {text}");
        assert!(
            !text.contains(&base64_encode(format!("kim:{PASSWORD}").as_bytes())),
            "{text}"
        );
        assert!(!text.contains(BODY_MARKER), "body shown in: {text}");
    }
}
