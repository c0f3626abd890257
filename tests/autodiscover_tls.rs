//! Autodiscover through its default transport (`HttpTransport`: reqwest,
//! rustls), built from `AutodiscoverBuilder::credentials`, against loopback
//! servers with a test CA made at run time; host names are mapped to 127.0.0.1
//! with the builder's `resolve`.
#![cfg(feature = "http")]

#[path = "support/autodiscover_fake.rs"]
mod autodiscover_fake;
#[path = "support/loopback_http.rs"]
mod loopback_http;

use std::net::SocketAddr;

use loopback_http::{Reply, Server, TestCa, closed_port};
use offline_im::address::SmtpAddress;
use offline_im::autodiscover::{
    AttemptOutcome, Autodiscover, AutodiscoverBuilder, Credentials, NoSrvResolver, Refusal,
};

const EWS: &str = "https://mail.contoso.com/EWS/Exchange.asmx";
const PASSWORD: &str = "tls-test-password";

fn pox_body(response: offline_im::transport::Reply) -> String {
    String::from_utf8(response.body.to_vec()).unwrap()
}

/// Autodiscover with Kim's Basic credentials, trusting `ca` (or the platform's
/// roots), its hosts mapped to `hosts`.
fn kims_autodiscover(ca: Option<&TestCa>, hosts: &[(&str, SocketAddr)]) -> AutodiscoverBuilder {
    let mut builder = Autodiscover::builder()
        .credentials(Credentials::basic("kim@contoso.com", PASSWORD))
        .resolver(NoSrvResolver); // no DNS query leaves the test
    if let Some(ca) = ca {
        builder = builder.trust_only_root_der(ca.ca_der.clone());
    }
    for (host, addr) in hosts {
        builder = builder.resolve(*host, *addr);
    }
    builder
}

fn kim() -> SmtpAddress {
    "kim@contoso.com".parse().unwrap()
}

#[tokio::test]
async fn http_redirect_probe_leads_to_https_autodiscover_with_credentials() {
    let ca = TestCa::new(&["mail.contoso.com"]);
    let mail = Server::start(Some(ca.tls.clone()), |_| {
        Reply::ok(pox_body(autodiscover_fake::pox_settings(EWS)))
    })
    .await;
    // Plain HTTP on autodiscover.contoso.com: redirects every GET; the HTTPS
    // attempts on the same name fail their TLS handshake here.
    let plain = Server::start(None, |_| {
        Reply::redirect("https://mail.contoso.com/autodiscover/autodiscover.xml")
    })
    .await;
    let nothing = closed_port().await;

    let autodiscover = kims_autodiscover(
        Some(&ca),
        &[
            ("contoso.com", nothing),
            ("autodiscover.contoso.com", plain.addr),
            ("mail.contoso.com", mail.addr),
        ],
    )
    .build()
    .unwrap();
    let endpoint = autodiscover.discover(&kim()).await.unwrap();
    assert_eq!(endpoint.url().as_str(), EWS);
    assert_eq!(
        endpoint.answered_by().as_str(),
        "https://mail.contoso.com/autodiscover/autodiscover.xml"
    );

    // The plain server parsed exactly one request: the unauthenticated GET.
    let probes = plain.received();
    assert_eq!(probes.len(), 1, "{probes:?}");
    assert_eq!(probes[0].method, "GET");
    assert_eq!(probes[0].path, "/autodiscover/autodiscover.xml");
    assert!(probes[0].header("authorization").is_none());
    assert!(probes[0].body.is_empty());

    // The HTTPS server got the POX request, with the credentials.
    let posts = mail.received();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].method, "POST");
    assert!(
        posts[0]
            .body
            .contains("<EMailAddress>kim@contoso.com</EMailAddress>")
    );
    let expected = Credentials::basic("kim@contoso.com", PASSWORD)
        .authorization()
        .unwrap();
    assert_eq!(posts[0].header("authorization"), Some(expected.as_str()));
}

#[tokio::test]
async fn a_redirect_outside_the_domain_never_reaches_the_other_server() {
    let ca = TestCa::new(&["contoso.com", "autodiscover.evil.example"]);
    let evil_url = "https://autodiscover.evil.example/autodiscover/autodiscover.xml";
    let contoso = Server::start(Some(ca.tls.clone()), move |request| {
        if request.path.ends_with(".xml") {
            Reply::ok(pox_body(autodiscover_fake::pox_redirect_url(evil_url)))
        } else {
            Reply {
                status: 404,
                location: None,
                body: String::new(),
            }
        }
    })
    .await;
    let evil = Server::start(Some(ca.tls.clone()), |_| {
        Reply::ok(pox_body(autodiscover_fake::pox_settings(
            "https://mail.evil.example/EWS/Exchange.asmx",
        )))
    })
    .await;
    let nothing = closed_port().await;
    let hosts = [
        ("contoso.com", contoso.addr),
        ("autodiscover.contoso.com", nothing),
        ("autodiscover.evil.example", evil.addr),
    ];

    let err = kims_autodiscover(Some(&ca), &hosts)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert_eq!(
        evil.connections(),
        0,
        "not even a connection to the outside host"
    );
    assert!(err.attempts().iter().any(|a| matches!(
        a.outcome(),
        AttemptOutcome::Refused(Refusal::OutsideDomain { host, .. }) if host == "autodiscover.evil.example"
    )));
    assert!(!format!("{err}{err:?}").contains(PASSWORD));

    // Allow-listed, it is followed over real TLS with the credentials.
    let endpoint = kims_autodiscover(Some(&ca), &hosts)
        .allow_host("evil.example")
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap();
    assert_eq!(
        endpoint.url().as_str(),
        "https://mail.evil.example/EWS/Exchange.asmx"
    );
    assert!(evil.received()[0].header("authorization").is_some());
}

#[tokio::test]
async fn an_untrusted_certificate_makes_the_host_unreachable() {
    let ca = TestCa::new(&["contoso.com"]);
    let server = Server::start(Some(ca.tls.clone()), |_| {
        Reply::ok(pox_body(autodiscover_fake::pox_settings(EWS)))
    })
    .await;
    let nothing = closed_port().await;
    let err = kims_autodiscover(
        None,
        &[
            ("contoso.com", server.addr),
            ("autodiscover.contoso.com", nothing),
        ],
    )
    .protocols([offline_im::autodiscover::Protocol::Pox])
    .build()
    .unwrap()
    .discover(&kim())
    .await
    .unwrap_err();
    assert!(
        server.received().is_empty(),
        "no request went over the untrusted connection"
    );
    assert!(
        matches!(err.attempts()[0].outcome(), AttemptOutcome::Unreachable(_)),
        "{err}"
    );
}

#[tokio::test]
async fn the_probe_alone_goes_over_plain_http_and_without_credentials() {
    // Every contoso.com name answers plain HTTP only: the HTTPS attempts fail
    // their TLS handshake, and the probe's redirect to plain HTTP is refused.
    let plain = Server::start(None, |_| {
        Reply::redirect("http://autodiscover.contoso.com/autodiscover/autodiscover.svc")
    })
    .await;
    let err = kims_autodiscover(
        None,
        &[
            ("contoso.com", plain.addr),
            ("autodiscover.contoso.com", plain.addr),
        ],
    )
    .build()
    .unwrap()
    .discover(&kim())
    .await
    .unwrap_err();
    let received = plain.received();
    assert_eq!(received.len(), 1, "only the probe got through: {err}");
    assert_eq!(received[0].method, "GET");
    assert!(received[0].header("authorization").is_none());
    assert!(received[0].body.is_empty());
    assert!(!format!("{err}{err:?}").contains(PASSWORD));
}
