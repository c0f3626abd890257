//! Entra ID secrets never show in traces: not the client secret, not the private
//! key, not the signed client assertion, not the access token.
//!
//! Alone in its own test binary: `tracing` caches per-callsite interest
//! process-wide, and a thread-local subscriber in one test races with other
//! tests' threads.

#[path = "support/log_capture.rs"]
mod log_capture;

use offline_im::testkit::{AppCredential, TestServer};
use offline_im::transport::{ClientCertificate, EntraTokenProvider, TokenProvider};
use secrecy::ExposeSecret as _;

const TENANT: &str = "contoso.onmicrosoft.com";
const APP: &str = "11112222-aaaa-3333-bbbb-4444cccc5555";
const SECRET: &str = "Qx8~s3cr3t-value-never-shown";
const WRONG: &str = "Wr0ng~secret-value-never-shown";

#[tokio::test]
async fn entra_secrets_never_show_in_traces() {
    let (capture, subscriber) = log_capture::subscriber(tracing::Level::TRACE);
    let _guard = tracing::subscriber::set_default(subscriber);

    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["offline-im-test-app".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
    let server = TestServer::builder()
        .entra_tenant(TENANT)
        .entra_app(APP, AppCredential::secret(SECRET))
        .entra_app(APP, AppCredential::certificate_pem(&cert_pem))
        .start()
        .await
        .unwrap();
    let builder = || {
        EntraTokenProvider::builder(TENANT, APP)
            .authority(server.entra_authority().parse().unwrap())
            .allow_http(true)
    };

    let mut tokens = Vec::new();
    let by_secret = builder().client_secret(SECRET).build().unwrap();
    tokens.push(by_secret.token().await.unwrap().expose_secret().to_owned());
    let certificate = ClientCertificate::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    let by_certificate = builder().certificate(certificate).build().unwrap();
    tokens.push(
        by_certificate
            .token()
            .await
            .unwrap()
            .expose_secret()
            .to_owned(),
    );
    tokens.push(
        by_certificate
            .refresh()
            .await
            .unwrap()
            .expose_secret()
            .to_owned(),
    );
    let wrong = builder().client_secret(WRONG).build().unwrap();
    let err = wrong.token().await.unwrap_err();

    let traces = capture.text();
    // The traces say what happened...
    assert!(traces.contains("obtained an access token"), "{traces}");
    assert!(traces.contains("AADSTS7000215"), "{traces}");
    // ...and hold none of the secrets.
    let key_line = key_pem.lines().nth(1).unwrap();
    for (what, secret) in [
        ("secret", SECRET),
        ("wrong secret", WRONG),
        ("private key", key_line),
    ] {
        assert!(!traces.contains(secret), "{what} in traces");
        assert!(
            !format!("{err:?} {err}").contains(secret),
            "{what} in the error"
        );
    }
    for token in &tokens {
        assert!(
            !traces.contains(token.as_str()),
            "an access token in traces"
        );
    }
    // A client assertion is a JWT whose header starts `{"alg":`.
    assert!(
        !traces.contains("eyJhbGciOi"),
        "a client assertion in traces"
    );
    assert_eq!(server.issued_tokens().len(), 3);
}
