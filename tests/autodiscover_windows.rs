//! Autodiscover with Windows authentication: the EWS URL found with NTLM
//! credentials (pyspnego's acceptor, tests/ntlm_server/server.py) and with
//! Negotiate credentials (a real MIT KDC and Python's gssapi acceptor,
//! tests/kerberos/), both answering as contoso.com's Autodiscover on loopback.
//!
//! Skipped (printing why) without those tools unless
//! `OFFLINE_IM_REQUIRE_NTLM_CHECK=1` / `OFFLINE_IM_REQUIRE_KERBEROS_CHECK=1`.

use std::net::SocketAddr;

use offline_im::address::SmtpAddress;
use offline_im::autodiscover::{Autodiscover, Credentials};
use offline_im::transport::{NegotiateCredentials, NtlmCredentials};

#[path = "support/kerberos_realm.rs"]
mod kerberos_realm;
#[path = "support/ntlm_acceptor.rs"]
mod ntlm_acceptor;

const EWS: &str = "https://mail.contoso.com/EWS/Exchange.asmx";

/// Autodiscover whose contoso.com hosts are the server on `port`, through the
/// default transport built from `credentials` (`NtlmTransport`, which
/// authenticates each host's connections with `HTTP/<that host>`).
fn autodiscover(port: u16, ca_der: &[u8], credentials: Credentials) -> Autodiscover {
    let here = SocketAddr::from(([127, 0, 0, 1], port));
    Autodiscover::builder()
        .credentials(credentials)
        .trust_only_root_der(ca_der.to_vec())
        .resolve("contoso.com", here)
        .resolve("autodiscover.contoso.com", here)
        .build()
        .unwrap()
}

fn kim() -> SmtpAddress {
    "kim@contoso.com".parse().unwrap()
}

#[tokio::test]
async fn finds_the_ews_url_with_ntlm_credentials() {
    let Some(server) = ntlm_acceptor::Server::start(&["--tls", "--autodiscover", EWS]) else {
        return;
    };
    let credentials = NtlmCredentials::parse("CONTOSO\\kim", ntlm_acceptor::KIM_PASSWORD).unwrap();
    let endpoint = autodiscover(
        server.port,
        server.ca_der().unwrap(),
        Credentials::ntlm(credentials),
    )
    .discover(&kim())
    .await
    .unwrap();
    assert_eq!(endpoint.url().as_str(), EWS);
    let stats = server.stats().await;
    assert_eq!(stats["users"][0], "CONTOSO\\kim", "{stats}");
}

#[tokio::test]
async fn finds_the_ews_url_with_negotiate_credentials() {
    let Some(realm) = kerberos_realm::realm() else {
        return;
    };
    let acceptor = kerberos_realm::Acceptor::autodiscover(realm, EWS);
    let endpoint = autodiscover(
        acceptor.port,
        &acceptor.ca_der,
        Credentials::negotiate(NegotiateCredentials::default_credentials()),
    )
    .discover(&kim())
    .await
    .unwrap();
    assert_eq!(endpoint.url().as_str(), EWS);
    let stats = acceptor.stats().await;
    // The ticket was for HTTP/contoso.com or HTTP/autodiscover.contoso.com,
    // derived from the Autodiscover URL, and kim's.
    assert_eq!(stats["users"][0], kerberos_realm::KIM, "{stats}");
    assert!(
        stats["unauthenticated_body_lengths"]
            .as_array()
            .unwrap()
            .iter()
            .all(|length| length == 0),
        "{stats}"
    );
}
