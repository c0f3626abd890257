//! App-only authentication with Microsoft Entra ID against the embedded server's
//! token endpoint: the secret and certificate grants, the cache, renewal, the
//! AADSTS errors, and EWS requests made with the tokens.

#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use offline_im::plan::Folder;
use offline_im::send::Sender;
use offline_im::settings::Settings;
use offline_im::testkit::{AppCredential, TestServer, TokenFault};
use offline_im::transport::{
    AssertionAlgorithm, CertificateError, ClientCertificate, EntraBuildError, EntraError,
    EntraTokenProvider, HttpTransport, TokenError, TokenProvider,
};
use secrecy::ExposeSecret as _;
use sender_on_testkit::{SETTINGS, copies, fast_retry, im};

const TENANT: &str = "contoso.onmicrosoft.com";
const APP: &str = "11112222-aaaa-3333-bbbb-4444cccc5555";
const SECRET: &str = "Qx8~s3cr3t-value-never-shown";

/// A 2048-bit RSA key and a self-signed certificate for it, made now.
struct TestCertificate {
    cert_pem: String,
    key_pem: String,
}

fn test_certificate() -> TestCertificate {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["offline-im-test-app".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    TestCertificate {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// The same key as PKCS#1 (`RSA PRIVATE KEY`, what `openssl genrsa` wrote for
/// years): PKCS#8 wraps it in an OCTET STRING after a fixed 26-byte prefix for a
/// 2048-bit RSA key.
fn pkcs1_pem(cert: &TestCertificate) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    let body: String = cert
        .key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let pkcs8 = STANDARD.decode(body).unwrap();
    assert_eq!(&pkcs8[22..24], [0x04, 0x82], "an OCTET STRING at byte 22");
    let encoded = STANDARD.encode(&pkcs8[26..]);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

fn client_certificate(cert: &TestCertificate) -> ClientCertificate {
    ClientCertificate::from_pem(cert.cert_pem.as_bytes(), cert.key_pem.as_bytes()).unwrap()
}

async fn server_with(credentials: Vec<AppCredential>, lifetime: Option<Duration>) -> TestServer {
    let mut builder = TestServer::builder()
        .hosted_domain("contoso.com")
        .entra_tenant(TENANT);
    for credential in credentials {
        builder = builder.entra_app(APP, credential);
    }
    if let Some(lifetime) = lifetime {
        builder = builder.entra_token_lifetime(lifetime);
    }
    builder.start().await.unwrap()
}

fn provider(server: &TestServer) -> offline_im::transport::EntraTokenProviderBuilder {
    EntraTokenProvider::builder(TENANT, APP)
        .authority(server.entra_authority().parse().unwrap())
        .allow_http(true)
}

/// A sender whose EWS transport authenticates with `tokens`.
fn ews_sender(server: &TestServer, tokens: EntraTokenProvider) -> Sender<HttpTransport> {
    let transport = HttpTransport::builder(server.url().parse().unwrap())
        .token_provider(tokens)
        .allow_http(true)
        .env_proxy(false)
        .build()
        .unwrap();
    Sender::from_settings(transport, Settings::from_toml_str(SETTINGS).unwrap())
        .retry(fast_retry())
        .build()
        .unwrap()
}

/// The [`EntraError`] behind a [`TokenError`].
fn entra(err: &TokenError) -> &EntraError {
    err.source()
        .and_then(|s| s.downcast_ref::<EntraError>())
        .unwrap_or_else(|| panic!("not an EntraError: {err:?}"))
}

#[tokio::test]
async fn client_secret_grant_gets_a_graph_token() {
    let server = server_with(vec![AppCredential::secret(SECRET)], None).await;
    let tokens = provider(&server).client_secret(SECRET).build().unwrap();

    let token = tokens.token().await.unwrap();

    assert!(!token.expose_secret().is_empty());
    let issued = server.issued_tokens();
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(issued[0].client_id, APP);
    assert_eq!(issued[0].tenant, TENANT);
    assert_eq!(issued[0].scope, "https://graph.microsoft.com/.default");
    assert_eq!(issued[0].credential, "client_secret");
}

#[tokio::test]
async fn certificate_grant_signs_a_client_assertion_ps256_and_rs256() {
    let cert = test_certificate();
    let server = server_with(vec![AppCredential::certificate_pem(&cert.cert_pem)], None).await;
    for algorithm in [AssertionAlgorithm::Ps256, AssertionAlgorithm::Rs256] {
        let tokens = provider(&server)
            .certificate(client_certificate(&cert))
            .assertion_algorithm(algorithm)
            .build()
            .unwrap();
        tokens
            .token()
            .await
            .unwrap_or_else(|e| panic!("{algorithm:?}: {e:?}"));
    }
    let issued = server.issued_tokens();
    assert_eq!(issued.len(), 2);
    assert!(issued.iter().all(|t| t.credential == "client_assertion"));
}

#[tokio::test]
async fn certificate_and_key_are_read_from_pem_files() {
    let cert = test_certificate();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path, both) = (
        dir.path().join("app.crt"),
        dir.path().join("app.key"),
        dir.path().join("app.pem"),
    );
    std::fs::write(&cert_path, &cert.cert_pem).unwrap();
    std::fs::write(&key_path, &cert.key_pem).unwrap();
    std::fs::write(&both, format!("{}{}", cert.cert_pem, cert.key_pem)).unwrap();
    let pkcs1 = dir.path().join("app-pkcs1.key");
    std::fs::write(&pkcs1, pkcs1_pem(&cert)).unwrap();
    let server = server_with(vec![AppCredential::certificate_pem(&cert.cert_pem)], None).await;

    for certificate in [
        ClientCertificate::from_pem_files(&cert_path, &key_path).unwrap(),
        ClientCertificate::from_pem_file(&both).unwrap(),
        ClientCertificate::from_pem_files(&cert_path, &pkcs1).unwrap(),
    ] {
        let shown = format!("{certificate:?}");
        assert!(
            !shown.contains("PRIVATE") && shown.contains("app."),
            "{shown}"
        );
        let tokens = provider(&server).certificate(certificate).build().unwrap();
        tokens.token().await.unwrap();
    }
    assert_eq!(server.issued_tokens().len(), 3);
}

#[test]
fn bad_pem_files_are_named_with_the_rule() {
    let cert = test_certificate();
    let other = test_certificate();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let cert_path = write("app.crt", &cert.cert_pem);
    let key_path = write("app.key", &cert.key_pem);
    let garbage = write("garbage.pem", "not a certificate at all\n");
    let other_key = write("other.key", &other.key_pem);
    let encrypted = write(
        "encrypted.key",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let missing = dir.path().join("missing.crt");

    let err = ClientCertificate::from_pem_files(&garbage, &key_path).unwrap_err();
    assert!(
        matches!(err, CertificateError::NoCertificate { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("garbage.pem") && err.to_string().contains("BEGIN CERTIFICATE"),
        "{err}"
    );

    let err = ClientCertificate::from_pem_files(&cert_path, &garbage).unwrap_err();
    assert!(
        matches!(err, CertificateError::NoPrivateKey { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("garbage.pem"), "{err}");

    let err = ClientCertificate::from_pem_files(&cert_path, &encrypted).unwrap_err();
    assert!(
        matches!(err, CertificateError::EncryptedKey { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("encrypted.key"), "{err}");

    let err = ClientCertificate::from_pem_files(&cert_path, &other_key).unwrap_err();
    assert!(
        matches!(err, CertificateError::KeyMismatch { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("other.key") && text.contains("app.crt"),
        "{text}"
    );
    assert!(
        !text.contains(other.key_pem.lines().nth(1).unwrap()),
        "{text}"
    );

    let err = ClientCertificate::from_pem_files(&missing, &key_path).unwrap_err();
    assert!(matches!(err, CertificateError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.crt"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_asking_at_once_make_one_request() {
    let server = server_with(vec![AppCredential::secret(SECRET)], None).await;
    let tokens = Arc::new(provider(&server).client_secret(SECRET).build().unwrap());

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let tokens = Arc::clone(&tokens);
            tokio::spawn(async move { tokens.token().await.unwrap().expose_secret().to_owned() })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }

    assert_eq!(
        server.token_requests().len(),
        1,
        "{:?}",
        server.token_requests()
    );
    assert!(seen.iter().all(|t| *t == seen[0]));
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires_and_refresh_forces_a_new_one() {
    // Two seconds of life: renewed at half of it (the five-minute margin is longer).
    let server = server_with(
        vec![AppCredential::secret(SECRET)],
        Some(Duration::from_secs(2)),
    )
    .await;
    let tokens = provider(&server).client_secret(SECRET).build().unwrap();

    let first = tokens.token().await.unwrap().expose_secret().to_owned();
    let again = tokens.token().await.unwrap().expose_secret().to_owned();
    assert_eq!(first, again, "cached while young");
    assert_eq!(server.token_requests().len(), 1);

    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let renewed = tokens.token().await.unwrap().expose_secret().to_owned();
    assert_ne!(renewed, first, "renewed before expiry");
    assert_eq!(server.token_requests().len(), 2);

    let forced = tokens.refresh().await.unwrap().expose_secret().to_owned();
    assert_ne!(forced, renewed);
    assert_eq!(server.token_requests().len(), 3);
}

#[tokio::test]
async fn wrong_secret_names_aadsts7000215_and_never_shows_the_secret() {
    let server = server_with(vec![AppCredential::secret(SECRET)], None).await;
    let wrong = "Wr0ng~secret-value-never-shown";
    let tokens = provider(&server).client_secret(wrong).build().unwrap();

    let err = tokens.token().await.unwrap_err();

    assert!(!err.is_transient());
    let entra = entra(&err);
    assert_eq!(entra.aadsts(), Some(7_000_215));
    assert_eq!(entra.oauth_error(), Some("invalid_client"));
    assert_eq!(entra.http_status(), Some(401));
    let text = entra.to_string();
    assert!(
        text.contains("AADSTS7000215") && text.contains("Secret ID"),
        "{text}"
    );
    for shown in [
        format!("{err:?}"),
        format!("{err}"),
        text,
        format!("{tokens:?}"),
        format!("{server:?}"),
    ] {
        assert!(!shown.contains(wrong) && !shown.contains(SECRET), "{shown}");
    }
}

#[tokio::test]
async fn unknown_app_tenant_and_certificate_each_name_their_code() {
    let cert = test_certificate();
    let unregistered = test_certificate();
    let server = server_with(
        vec![
            AppCredential::secret(SECRET),
            AppCredential::certificate_pem(&cert.cert_pem),
        ],
        None,
    )
    .await;
    let authority: url::Url = server.entra_authority().parse().unwrap();

    let unknown_app = EntraTokenProvider::builder(TENANT, "99998888-ffff-7777-eeee-666655554444")
        .authority(authority.clone())
        .allow_http(true)
        .client_secret(SECRET)
        .build()
        .unwrap();
    let err = unknown_app.token().await.unwrap_err();
    assert_eq!(entra(&err).aadsts(), Some(700_016), "{err:?}");
    assert!(
        entra(&err).to_string().contains("client id"),
        "{}",
        entra(&err)
    );

    let unknown_tenant = EntraTokenProvider::builder("fabrikam.onmicrosoft.com", APP)
        .authority(authority.clone())
        .allow_http(true)
        .client_secret(SECRET)
        .build()
        .unwrap();
    let err = unknown_tenant.token().await.unwrap_err();
    assert_eq!(entra(&err).aadsts(), Some(90_002), "{err:?}");
    assert!(
        entra(&err).to_string().contains("tenant"),
        "{}",
        entra(&err)
    );

    let not_uploaded = provider(&server)
        .certificate(client_certificate(&unregistered))
        .build()
        .unwrap();
    let err = not_uploaded.token().await.unwrap_err();
    assert!(!err.is_transient());
    assert_eq!(entra(&err).aadsts(), Some(700_027), "{err:?}");
    assert!(
        entra(&err).to_string().contains("upload this certificate"),
        "{}",
        entra(&err)
    );
    assert!(!format!("{err:?}").contains(&unregistered.key_pem[40..80]));

    let statuses: Vec<_> = server.token_requests().iter().map(|r| r.aadsts).collect();
    assert_eq!(statuses, [Some(700_016), Some(90_002), Some(700_027)]);
    assert!(server.issued_tokens().is_empty());
}

#[tokio::test]
async fn busy_endpoint_is_transient_with_retry_after_and_the_old_token_carries_on() {
    let server = server_with(
        vec![AppCredential::secret(SECRET)],
        Some(Duration::from_secs(2)),
    )
    .await;
    let tokens = provider(&server).client_secret(SECRET).build().unwrap();

    server.fail_token_requests([TokenFault::Unavailable {
        retry_after_secs: 7,
    }]);
    let err = tokens.token().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(entra(&err).http_status(), Some(503));
    assert_eq!(entra(&err).retry_after(), Some(Duration::from_secs(7)));

    let first = tokens.token().await.unwrap().expose_secret().to_owned();
    // Renewal is due after a second; Entra throttles; the token still valid is used.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    server.fail_token_requests([TokenFault::TooManyRequests {
        retry_after_secs: 1,
    }]);
    let during = tokens.token().await.unwrap().expose_secret().to_owned();
    assert_eq!(during, first);
    let after = tokens.token().await.unwrap().expose_secret().to_owned();
    assert_ne!(after, first);
    let statuses: Vec<_> = server.token_requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 200, 429, 200]);
}

#[test]
fn settings_are_checked_at_build() {
    let base = || EntraTokenProvider::builder(TENANT, APP);
    assert!(matches!(base().build(), Err(EntraBuildError::NoCredential)));
    let err = EntraTokenProvider::builder("common", APP)
        .client_secret(SECRET)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("\"common\""), "{err}");
    let err = base()
        .client_secret(SECRET)
        .scope("Mail.Send")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, EntraBuildError::InvalidScope { .. })
            && err.to_string().contains("/.default"),
        "{err}"
    );
    let err = base()
        .client_secret(SECRET)
        .authority("http://login.example.test".parse().unwrap())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("https://"), "{err}");
    let sovereign = base()
        .client_secret(SECRET)
        .authority("https://login.microsoftonline.us".parse().unwrap())
        .build()
        .unwrap();
    assert_eq!(
        sovereign.token_url().as_str(),
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert!(!format!("{sovereign:?}").contains(SECRET));
}

/// EWS in Exchange Online takes tokens for `https://outlook.office365.com/.default`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ews_requests_carry_entra_tokens_renewed_after_they_expire_mid_run() {
    let cert = test_certificate();
    let server = server_with(vec![AppCredential::certificate_pem(&cert.cert_pem)], None).await;
    let tokens = provider(&server)
        .certificate(client_certificate(&cert))
        .scope("https://outlook.office365.com/.default")
        .build()
        .unwrap();
    let sender = ews_sender(&server, tokens);

    let before = im("kim@contoso.com", "pat@contoso.com", "before expiry");
    let reports = sender.send_all([before.clone()]).await;
    assert!(reports[0].outcome.is_delivered(), "{}", reports[0]);

    // Entra's token stops being accepted mid-run (expired or revoked early):
    // the next request gets 401, the transport refreshes, and it goes through.
    server.expire_entra_tokens();
    let after = im("kim@contoso.com", "pat@contoso.com", "after expiry");
    let reports = sender.send_all([after.clone()]).await;
    assert!(reports[0].outcome.is_delivered(), "{}", reports[0]);
    server.idle().await;

    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &before),
        1
    );
    assert_eq!(copies(&server, "pat@contoso.com", Folder::Inbox, &after), 1);
    assert_eq!(server.token_requests().len(), 2);
    let statuses: Vec<_> = server
        .requests()
        .iter()
        .filter_map(|r| r.status())
        .collect();
    assert!(statuses.contains(&401), "{statuses:?}");
}

#[tokio::test]
async fn a_graph_token_is_refused_by_ews() {
    let server = server_with(vec![AppCredential::secret(SECRET)], None).await;
    let tokens = provider(&server).client_secret(SECRET).build().unwrap();
    let sender = ews_sender(&server, tokens);
    let message = im("kim@contoso.com", "pat@contoso.com", "wrong audience");
    let reports = sender.send_all([message.clone()]).await;
    assert!(!reports[0].outcome.is_delivered(), "{}", reports[0]);
    server.idle().await;
    assert_eq!(
        copies(&server, "pat@contoso.com", Folder::Inbox, &message),
        0
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_transient() {
    // A port nobody listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tokens = EntraTokenProvider::builder(TENANT, APP)
        .authority(format!("http://127.0.0.1:{port}").parse().unwrap())
        .allow_http(true)
        .client_secret(SECRET)
        .build()
        .unwrap();
    let err = tokens.token().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(entra(&err).http_status(), None);
    assert!(
        entra(&err).to_string().contains("no answer"),
        "{}",
        entra(&err)
    );
    assert!(!format!("{err:?}").contains(SECRET));
}
