//! The cache (hits within the TTL, expiry after it, SRV TTLs) and the error that
//! lists every step, with tokio's paused clock.

#[path = "support/autodiscover_fake.rs"]
mod autodiscover_fake;

use std::time::Duration;

use autodiscover_fake::*;
use offline_im::address::SmtpAddress;
use offline_im::autodiscover::{
    AttemptOutcome, Autodiscover, Credentials, NoSrvResolver, SrvRecord, StaticSrvResolver,
};
use offline_im::transport::Reply;

const EWS: &str = "https://mail.contoso.com/EWS/Exchange.asmx";
const SOAP_ROOT: &str = "https://contoso.com/autodiscover/autodiscover.svc";
const POX_ROOT: &str = "https://contoso.com/autodiscover/autodiscover.xml";

fn kim() -> SmtpAddress {
    "kim@contoso.com".parse().unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_result_is_cached_for_its_ttl_then_discovered_again() {
    let net = FakeNet::new();
    net.route(SOAP_ROOT, soap_settings(EWS));
    let autodiscover = Autodiscover::builder()
        .transport(net.clone())
        .cache_ttl(Duration::from_secs(3600))
        .build()
        .unwrap();

    autodiscover.discover(&kim()).await.unwrap();
    assert_eq!(net.urls().len(), 1);

    tokio::time::advance(Duration::from_secs(3599)).await;
    let again = autodiscover
        .discover(&"KIM@Contoso.com".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(again.url().as_str(), EWS);
    assert_eq!(
        net.urls().len(),
        1,
        "served from the cache, whatever the case of the address"
    );

    // Another mailbox is discovered on its own.
    autodiscover
        .discover(&"pat@contoso.com".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(net.urls().len(), 2);

    tokio::time::advance(Duration::from_secs(2)).await;
    net.route(
        SOAP_ROOT,
        soap_settings("https://mail2.contoso.com/EWS/Exchange.asmx"),
    );
    let renewed = autodiscover.discover(&kim()).await.unwrap();
    assert_eq!(
        renewed.url().as_str(),
        "https://mail2.contoso.com/EWS/Exchange.asmx"
    );
    assert_eq!(net.urls().len(), 3, "expired after an hour");
}

#[tokio::test(start_paused = true)]
async fn the_default_ttl_is_a_day_and_forget_drops_an_entry() {
    let net = FakeNet::new();
    net.route(SOAP_ROOT, soap_settings(EWS));
    let autodiscover = Autodiscover::builder()
        .transport(net.clone())
        .build()
        .unwrap();
    autodiscover.discover(&kim()).await.unwrap();
    tokio::time::advance(Duration::from_secs(24 * 3600 - 1)).await;
    autodiscover.discover(&kim()).await.unwrap();
    assert_eq!(net.urls().len(), 1);
    autodiscover.forget(&kim());
    autodiscover.discover(&kim()).await.unwrap();
    assert_eq!(net.urls().len(), 2);
    tokio::time::advance(Duration::from_secs(24 * 3600)).await;
    autodiscover.discover(&kim()).await.unwrap();
    assert_eq!(net.urls().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn an_srv_found_endpoint_lives_no_longer_than_its_record() {
    let net = FakeNet::new();
    net.route(
        "https://mail.contoso.com/autodiscover/autodiscover.xml",
        pox_settings(EWS),
    );
    let record = SrvRecord {
        ttl: Duration::from_secs(300),
        ..SrvRecord::new("mail.contoso.com", 443)
    };
    let autodiscover = Autodiscover::builder()
        .transport(net.clone())
        .resolver(StaticSrvResolver::new().record("_autodiscover._tcp.contoso.com", record))
        .build()
        .unwrap();
    autodiscover.discover(&kim()).await.unwrap();
    let first = net.urls().len();
    tokio::time::advance(Duration::from_secs(299)).await;
    autodiscover.discover(&kim()).await.unwrap();
    assert_eq!(net.urls().len(), first);
    tokio::time::advance(Duration::from_secs(2)).await;
    autodiscover.discover(&kim()).await.unwrap();
    assert_eq!(
        net.urls().len(),
        2 * first,
        "the SRV record's 300 s TTL capped the cache"
    );
}

#[tokio::test(start_paused = true)]
async fn failures_are_not_cached() {
    let net = FakeNet::new();
    let autodiscover = Autodiscover::builder()
        .transport(net.clone())
        .resolver(NoSrvResolver) // no DNS query leaves the test
        .build()
        .unwrap();
    autodiscover.discover(&kim()).await.unwrap_err();
    net.route(POX_ROOT, pox_settings(EWS));
    assert_eq!(
        autodiscover.discover(&kim()).await.unwrap().url().as_str(),
        EWS
    );
}

#[tokio::test]
async fn the_error_lists_every_step_and_why_it_failed() {
    let net = FakeNet::new();
    net.route(SOAP_ROOT, Reply::new(401, ""));
    net.route(
        POX_ROOT,
        pox_error("500", "The e-mail address cannot be found."),
    );
    net.route(
        "https://autodiscover.contoso.com/autodiscover/autodiscover.svc",
        Reply::new(200, "<html>welcome</html>"),
    );
    net.route(
        "http://autodiscover.contoso.com/autodiscover/autodiscover.xml",
        Reply::new(404, ""),
    );
    let err = Autodiscover::builder()
        .transport(net.holding(Credentials::bearer("eyJ-token-secret")))
        .resolver(NoSrvResolver)
        .build()
        .unwrap()
        .discover(&kim())
        .await
        .unwrap_err();

    let steps: Vec<&str> = err.attempts().iter().map(|a| a.step()).collect();
    assert_eq!(
        steps,
        [
            "SOAP https://contoso.com/autodiscover/autodiscover.svc",
            "POX https://contoso.com/autodiscover/autodiscover.xml",
            "SOAP https://autodiscover.contoso.com/autodiscover/autodiscover.svc",
            "POX https://autodiscover.contoso.com/autodiscover/autodiscover.xml",
            "redirect probe GET http://autodiscover.contoso.com/autodiscover/autodiscover.xml",
            "SRV lookup _autodiscover._tcp.contoso.com",
        ]
    );
    let outcomes: Vec<&AttemptOutcome> = err.attempts().iter().map(|a| a.outcome()).collect();
    assert_eq!(outcomes[0], &AttemptOutcome::Unauthorized { status: 401 });
    assert!(matches!(outcomes[1], AttemptOutcome::ServerError { code, .. } if code == "500"));
    assert!(matches!(outcomes[2], AttemptOutcome::Unreadable(_)));
    assert!(matches!(outcomes[3], AttemptOutcome::Unreachable(_)));
    assert_eq!(outcomes[4], &AttemptOutcome::NoRedirect { status: 404 });
    assert!(
        matches!(outcomes[5], AttemptOutcome::SrvFailed(why) if why.contains("no SRV resolver"))
    );
    assert!(err.credentials_refused());
    assert!(!err.refused());
    assert_eq!(err.address(), &kim());

    let shown = err.to_string();
    assert!(
        shown.contains("kim@contoso.com") && shown.contains("after 6 steps"),
        "{shown}"
    );
    for (n, attempt) in err.attempts().iter().enumerate() {
        assert!(shown.contains(&format!("{}. {attempt}", n + 1)), "{shown}");
    }
    let debug = format!("{err:?}");
    assert!(!shown.contains("eyJ-token") && !debug.contains("eyJ-token"));
}

#[test]
fn a_transport_with_credentials_or_settings_beside_it_is_refused() {
    let with_credentials = Autodiscover::builder()
        .credentials(Credentials::basic("CONTOSO\\kim", "hunter2-secret"))
        .transport(FakeNet::new())
        .build()
        .unwrap_err();
    let shown = with_credentials.to_string();
    assert!(shown.contains("credentials()"), "{shown}");
    assert!(!format!("{shown} {with_credentials:?}").contains("hunter2"));

    let with_timeout = Autodiscover::builder()
        .timeout(Duration::from_secs(5))
        .transport(FakeNet::new())
        .build()
        .unwrap_err();
    assert!(
        with_timeout.to_string().contains("connection()"),
        "{with_timeout}"
    );
}
