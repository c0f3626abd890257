//! Autodiscover through the real `HttpFetcher` (reqwest, rustls) against
//! loopback servers with a test CA made at run time; host names are mapped to
//! 127.0.0.1 with the fetcher's `resolve`.
#![cfg(feature = "http")]

#[path = "support/autodiscover_fake.rs"]
mod autodiscover_fake;
#[path = "support/loopback_http.rs"]
mod loopback_http;

use std::net::SocketAddr;

use loopback_http::{Reply, Server, TestCa, closed_port};
use offline_im::address::SmtpAddress;
use offline_im::autodiscover::{
    AttemptOutcome, Autodiscover, Credentials, FetchRequest, Fetcher, HttpFetcher, NoSrvResolver,
    Refusal,
};

const EWS: &str = "https://mail.contoso.com/EWS/Exchange.asmx";
const PASSWORD: &str = "tls-test-password";

fn pox_body(response: offline_im::autodiscover::FetchResponse) -> String {
    String::from_utf8(response.body.to_vec()).unwrap()
}

fn fetcher(ca: Option<&TestCa>, hosts: &[(&str, SocketAddr)]) -> HttpFetcher {
    let mut builder = HttpFetcher::builder().env_proxy(false);
    if let Some(ca) = ca {
        builder = builder.add_root_certificate(ca.ca_pem.as_bytes());
    }
    for (host, addr) in hosts {
        builder = builder.resolve(*host, *addr);
    }
    builder.build().unwrap()
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

    let autodiscover = Autodiscover::builder()
        .credentials(Credentials::basic("kim@contoso.com", PASSWORD))
        .resolver(NoSrvResolver) // no DNS query leaves the test
        .fetcher(fetcher(
            Some(&ca),
            &[
                ("contoso.com", nothing),
                ("autodiscover.contoso.com", plain.addr),
                ("mail.contoso.com", mail.addr),
            ],
        ))
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

    let err = Autodiscover::builder()
        .credentials(Credentials::basic("kim@contoso.com", PASSWORD))
        .resolver(NoSrvResolver) // no DNS query leaves the test
        .fetcher(fetcher(Some(&ca), &hosts))
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
    let endpoint = Autodiscover::builder()
        .credentials(Credentials::basic("kim@contoso.com", PASSWORD))
        .allow_host("evil.example")
        .resolver(NoSrvResolver) // no DNS query leaves the test
        .fetcher(fetcher(Some(&ca), &hosts))
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
    let err = Autodiscover::builder()
        .credentials(Credentials::basic("kim@contoso.com", PASSWORD))
        .protocols([offline_im::autodiscover::Protocol::Pox])
        .resolver(NoSrvResolver) // no DNS query leaves the test
        .fetcher(fetcher(
            None,
            &[
                ("contoso.com", server.addr),
                ("autodiscover.contoso.com", nothing),
            ],
        ))
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
async fn the_fetcher_refuses_credentials_or_bodies_over_plain_http() {
    let plain = Server::start(None, |_| Reply::ok("")).await;
    let fetcher = fetcher(None, &[("autodiscover.contoso.com", plain.addr)]);
    let url: url::Url = "http://autodiscover.contoso.com/autodiscover/autodiscover.xml"
        .parse()
        .unwrap();
    let with_creds =
        FetchRequest::get(url.clone()).credentials(Credentials::basic("kim", PASSWORD));
    let err = fetcher.fetch(with_creds).await.unwrap_err();
    assert!(!err.to_string().contains(PASSWORD));
    fetcher
        .fetch(FetchRequest::post(url.clone(), "<x/>"))
        .await
        .unwrap_err();
    assert_eq!(plain.connections(), 0);
    // The bare GET is allowed, and redirects are not followed.
    let reply = fetcher.fetch(FetchRequest::get(url)).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(plain.received().len(), 1);
}
