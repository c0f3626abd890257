//! Every refusal: hosts outside the user's domain, public-suffix hosts, plain
//! HTTP, redirect loops and limits, SRV targets; and that a refused host never
//! receives anything, least of all credentials.

#[path = "support/autodiscover_fake.rs"]
mod autodiscover_fake;

use autodiscover_fake::*;
use offline_im::address::SmtpAddress;
use offline_im::autodiscover::{
    AttemptOutcome, Autodiscover, AutodiscoverBuilder, AutodiscoverError, Credentials,
    NoSrvResolver, Refusal, SrvRecord, StaticSrvResolver,
};
use offline_im::transport::{Method, Reply};

const EWS: &str = "https://mail.contoso.com/EWS/Exchange.asmx";
const SOAP_ROOT: &str = "https://contoso.com/autodiscover/autodiscover.svc";
const POX_ROOT: &str = "https://contoso.com/autodiscover/autodiscover.xml";
const PROBE: &str = "http://autodiscover.contoso.com/autodiscover/autodiscover.xml";
const HOSTER: &str = "https://autodiscover.hoster.net/autodiscover/autodiscover.xml";
const PASSWORD: &str = "s3cret-pw";

fn kim() -> SmtpAddress {
    "kim@contoso.com".parse().unwrap()
}

fn builder(net: &FakeNet) -> AutodiscoverBuilder {
    Autodiscover::builder()
        .transport(net.holding(Credentials::basic("kim@contoso.com", PASSWORD)))
        .resolver(NoSrvResolver) // no DNS query leaves the test
}

fn refusals(err: &AutodiscoverError) -> Vec<Refusal> {
    err.attempts()
        .iter()
        .filter_map(|a| match a.outcome() {
            AttemptOutcome::Refused(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// Every request that carried credentials went to a host of contoso.com.
fn assert_credentials_stayed_home(net: &FakeNet) {
    for seen in net.seen() {
        let host = url::Url::parse(&seen.url)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        if seen.authorization.is_some() {
            assert!(
                host == "contoso.com" || host.ends_with(".contoso.com"),
                "credentials went to {host}"
            );
        }
    }
}

#[tokio::test]
async fn probe_redirect_outside_the_domain_is_refused_unless_allowed() {
    let net = FakeNet::new();
    net.route(PROBE, Reply::redirect(302, HOSTER));
    net.route(
        HOSTER,
        pox_settings("https://ex.hoster.net/EWS/Exchange.asmx"),
    );

    let err = builder(&net)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert!(
        net.to_host("autodiscover.hoster.net").is_empty(),
        "the hoster received nothing"
    );
    assert!(err.refused());
    assert!(refusals(&err).iter().any(|r| matches!(
        r,
        Refusal::OutsideDomain { host, domain } if host == "autodiscover.hoster.net" && domain == "contoso.com"
    )));
    assert_credentials_stayed_home(&net);
    let probe = &net
        .to_host("autodiscover.contoso.com")
        .into_iter()
        .find(|s| s.url == PROBE)
        .unwrap();
    assert_eq!(probe.method, Method::Get);
    assert!(
        probe.authorization.is_none(),
        "the probe is unauthenticated"
    );
    assert!(probe.body.is_empty());

    // Allow-listed, the same redirect is followed, with credentials.
    let net2 = FakeNet::new();
    net2.route(PROBE, Reply::redirect(302, HOSTER));
    net2.route(
        HOSTER,
        pox_settings("https://ex.hoster.net/EWS/Exchange.asmx"),
    );
    let endpoint = builder(&net2)
        .allow_host("hoster.net")
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap();
    assert_eq!(
        endpoint.url().as_str(),
        "https://ex.hoster.net/EWS/Exchange.asmx"
    );
    assert!(
        net2.to_host("autodiscover.hoster.net")[0]
            .authorization
            .is_some()
    );
}

#[tokio::test]
async fn redirects_to_plain_http_are_refused() {
    let net = FakeNet::new();
    let plain = "http://mail.contoso.com/autodiscover/autodiscover.xml";
    net.route(PROBE, Reply::redirect(301, plain));
    net.route(POX_ROOT, pox_redirect_url(plain));
    net.route(plain, pox_settings(EWS));
    let err = builder(&net)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert!(!net.urls().iter().any(|u| u == plain), "{:?}", net.urls());
    let not_https = refusals(&err)
        .into_iter()
        .filter(|r| matches!(r, Refusal::NotHttps { .. }))
        .count();
    assert_eq!(not_https, 2, "{err}");
}

#[tokio::test]
async fn an_http_ews_url_is_refused() {
    let net = FakeNet::new();
    net.route(
        SOAP_ROOT,
        soap_settings("http://mail.contoso.com/EWS/Exchange.asmx"),
    );
    let err = builder(&net)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert!(matches!(refusals(&err)[0], Refusal::NotHttps { .. }));
}

#[tokio::test]
async fn autodiscover_dot_tld_is_refused_even_when_allow_listed() {
    for target in [
        "https://autodiscover.com/autodiscover/autodiscover.xml",
        "https://com/autodiscover/autodiscover.xml",
    ] {
        let net = FakeNet::new();
        net.route(POX_ROOT, pox_redirect_url(target));
        net.route(target, pox_settings(EWS));
        let err = builder(&net)
            .allow_host("autodiscover.com")
            .build()
            .unwrap()
            .discover(&kim())
            .await
            .unwrap_err();
        assert!(
            !net.urls().iter().any(|u| u == target),
            "{target} was contacted"
        );
        assert!(
            refusals(&err).iter().any(|r| matches!(
                r,
                Refusal::PublicSuffixAutodiscover { .. } | Refusal::PublicSuffix { .. }
            )),
            "{err}"
        );
    }
}

#[tokio::test]
async fn caller_refused_suffixes_apply_inside_the_users_domain() {
    let net = FakeNet::new();
    let user: SmtpAddress = "kim@contoso.co.uk".parse().unwrap();
    let target = "https://autodiscover.co.uk/autodiscover/autodiscover.xml";
    net.route(
        "https://contoso.co.uk/autodiscover/autodiscover.xml",
        pox_redirect_url(target),
    );
    let err = builder(&net)
        .allow_host("co.uk")
        .refuse_suffix("co.uk")
        .build()
        .unwrap()
        .discover(&user)
        .await
        .unwrap_err();
    assert!(net.to_host("autodiscover.co.uk").is_empty());
    assert!(refusals(&err).iter().any(
        |r| matches!(r, Refusal::PublicSuffixAutodiscover { host } if host == "autodiscover.co.uk")
    ));
}

#[tokio::test]
async fn redirect_addr_to_another_domain_sends_nothing_there_unless_allowed() {
    let net = FakeNet::new();
    net.route(POX_ROOT, pox_redirect_addr("kim@fabrikam.com"));
    net.route(
        "https://fabrikam.com/autodiscover/autodiscover.xml",
        pox_settings("https://mail.fabrikam.com/EWS/Exchange.asmx"),
    );
    let err = builder(&net)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert!(net.to_host("fabrikam.com").is_empty());
    assert!(net.to_host("autodiscover.fabrikam.com").is_empty());
    assert!(
        refusals(&err)
            .iter()
            .any(|r| matches!(r, Refusal::OutsideDomain { .. }))
    );

    let net = FakeNet::new();
    net.route(POX_ROOT, pox_redirect_addr("kim@fabrikam.com"));
    net.route(
        "https://fabrikam.com/autodiscover/autodiscover.xml",
        pox_settings("https://mail.fabrikam.com/EWS/Exchange.asmx"),
    );
    let endpoint = builder(&net)
        .allow_host("fabrikam.com")
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap();
    assert_eq!(endpoint.mailbox().as_str(), "kim@fabrikam.com");
}

#[tokio::test]
async fn redirect_loops_are_detected() {
    let a = "https://a.contoso.com/autodiscover/autodiscover.xml";
    let b = "https://b.contoso.com/autodiscover/autodiscover.xml";
    let net = FakeNet::new();
    net.route(POX_ROOT, pox_redirect_url(a));
    net.route(a, pox_redirect_url(b));
    net.route(b, pox_redirect_url(a));
    let err = builder(&net)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert_eq!(net.to_host("a.contoso.com").len(), 1, "a is asked once");
    assert!(
        refusals(&err)
            .iter()
            .any(|r| matches!(r, Refusal::RedirectLoop { target } if target == a))
    );

    // Addresses redirecting to each other.
    let net = FakeNet::new();
    net.route(POX_ROOT, pox_redirect_addr("kim@sub.contoso.com"));
    net.route(
        "https://sub.contoso.com/autodiscover/autodiscover.xml",
        pox_redirect_addr("kim@contoso.com"),
    );
    let err = builder(&net)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert!(
        refusals(&err)
            .iter()
            .any(|r| matches!(r, Refusal::RedirectLoop { target } if target == "kim@contoso.com"))
    );
}

#[tokio::test]
async fn redirect_chains_stop_at_the_limit() {
    let net = FakeNet::new();
    let hop = |n: usize| format!("https://hop{n}.contoso.com/autodiscover/autodiscover.xml");
    net.route(POX_ROOT, pox_redirect_url(&hop(1)));
    for n in 1..=20 {
        net.route(&hop(n), Reply::redirect(302, hop(n + 1)));
    }
    let err = builder(&net)
        .max_redirects(3)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    let hops = net.urls().iter().filter(|u| u.contains("://hop")).count();
    assert_eq!(
        hops,
        3,
        "three redirects followed, then stop: {:?}",
        net.urls()
    );
    assert!(refusals(&err).contains(&Refusal::TooManyRedirects { max: 3 }));
    assert!(
        !net.urls().iter().any(|u| u == PROBE),
        "discovery stops at the limit"
    );

    // The default limit is 10.
    let net = FakeNet::new();
    net.route(POX_ROOT, pox_redirect_url(&hop(1)));
    for n in 1..=20 {
        net.route(&hop(n), Reply::redirect(302, hop(n + 1)));
    }
    builder(&net)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert_eq!(
        net.urls().iter().filter(|u| u.contains("://hop")).count(),
        10
    );
}

#[tokio::test]
async fn srv_targets_must_be_in_the_domain_or_allowed() {
    let resolver = StaticSrvResolver::new()
        .record(
            "_autodiscover._tcp.contoso.com",
            SrvRecord {
                priority: 0,
                ..SrvRecord::new("autodiscover.hoster.net", 443)
            },
        )
        .record(
            "_autodiscover._tcp.contoso.com",
            SrvRecord {
                priority: 5,
                ..SrvRecord::new("mail.contoso.com", 8443)
            },
        );
    let inside = "https://mail.contoso.com:8443/autodiscover/autodiscover.xml";
    let net = FakeNet::new();
    net.route(
        HOSTER,
        pox_settings("https://ex.hoster.net/EWS/Exchange.asmx"),
    );
    net.route(inside, pox_settings(EWS));
    let endpoint = builder(&net)
        .resolver(resolver.clone())
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap();
    assert_eq!(
        endpoint.url().as_str(),
        EWS,
        "the hoster, first by priority, was skipped"
    );
    assert!(net.to_host("autodiscover.hoster.net").is_empty());

    let net = FakeNet::new();
    net.route(
        HOSTER,
        pox_settings("https://ex.hoster.net/EWS/Exchange.asmx"),
    );
    let endpoint = builder(&net)
        .resolver(resolver)
        .allow_host("hoster.net")
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap();
    assert_eq!(
        endpoint.url().as_str(),
        "https://ex.hoster.net/EWS/Exchange.asmx"
    );
}

#[tokio::test]
async fn credentials_reach_only_allowed_hosts_across_every_kind_of_redirect() {
    let net = FakeNet::new();
    net.route(
        SOAP_ROOT,
        Reply::redirect(307, "https://evil.example/autodiscover/autodiscover.svc"),
    );
    net.route(
        POX_ROOT,
        pox_redirect_url("https://autodiscover.evil.example/autodiscover/autodiscover.xml"),
    );
    net.route(
        "https://autodiscover.contoso.com/autodiscover/autodiscover.svc",
        soap_redirect(
            "RedirectUrl",
            "https://contoso.com.evil.example/autodiscover/autodiscover.svc",
        ),
    );
    net.route(
        "https://autodiscover.contoso.com/autodiscover/autodiscover.xml",
        pox_redirect_addr("kim@evil.example"),
    );
    net.route(
        PROBE,
        Reply::redirect(302, "https://badcontoso.com/autodiscover/autodiscover.xml"),
    );
    let err = builder(&net)
        .resolver(StaticSrvResolver::new().record(
            "_autodiscover._tcp.contoso.com",
            SrvRecord::new("autodiscover.evil.example", 443),
        ))
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();
    assert_credentials_stayed_home(&net);
    for seen in net.seen() {
        assert!(
            !seen.url.contains("evil") && !seen.url.contains("badcontoso"),
            "{}",
            seen.url
        );
    }
    let shown = format!("{err}\n{err:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    // Each of the six steps was refused (the SRV step at its target), none skipped.
    assert_eq!(refusals(&err).len(), 6, "{err}");
    assert!(
        net.urls().iter().any(|u| u == PROBE),
        "the plan went on after the refused redirect"
    );
}
