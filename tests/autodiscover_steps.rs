//! Autodiscover's steps, in order, through a fake network: each step succeeding
//! after the ones before it failed, and every kind of redirect.

#[path = "support/autodiscover_fake.rs"]
mod autodiscover_fake;

use autodiscover_fake::*;
use offline_im::address::SmtpAddress;
use offline_im::autodiscover::{
    AttemptOutcome, Autodiscover, Credentials, Protocol, SrvRecord, StaticSrvResolver,
};
use offline_im::transport::{Method, Reply};

const EWS: &str = "https://mail.contoso.com/EWS/Exchange.asmx";
const SOAP_ROOT: &str = "https://contoso.com/autodiscover/autodiscover.svc";
const POX_ROOT: &str = "https://contoso.com/autodiscover/autodiscover.xml";
const SOAP_AD: &str = "https://autodiscover.contoso.com/autodiscover/autodiscover.svc";
const POX_AD: &str = "https://autodiscover.contoso.com/autodiscover/autodiscover.xml";
const PROBE: &str = "http://autodiscover.contoso.com/autodiscover/autodiscover.xml";
const MAIL_POX: &str = "https://mail.contoso.com/autodiscover/autodiscover.xml";

fn kim() -> SmtpAddress {
    "kim@contoso.com".parse().unwrap()
}

fn client(net: &FakeNet) -> Autodiscover {
    Autodiscover::builder()
        .transport(net.holding(Credentials::basic("kim@contoso.com", "s3cret-pw")))
        .resolver(StaticSrvResolver::new().record(
            "_autodiscover._tcp.contoso.com",
            SrvRecord::new("mail.contoso.com", 443),
        ))
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_step_is_tried_in_order_until_one_answers() {
    // (what answers, the URLs requested in order)
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("soap at the domain", vec![SOAP_ROOT]),
        ("pox at the domain", vec![SOAP_ROOT, POX_ROOT]),
        ("soap at autodiscover.", vec![SOAP_ROOT, POX_ROOT, SOAP_AD]),
        (
            "pox at autodiscover.",
            vec![SOAP_ROOT, POX_ROOT, SOAP_AD, POX_AD],
        ),
        (
            "redirect probe",
            vec![SOAP_ROOT, POX_ROOT, SOAP_AD, POX_AD, PROBE, MAIL_POX],
        ),
        (
            "srv",
            vec![SOAP_ROOT, POX_ROOT, SOAP_AD, POX_AD, PROBE, MAIL_POX],
        ),
    ];
    for (case, expected) in cases {
        let net = FakeNet::new();
        // The steps before the answering one fail in different ways.
        net.route(SOAP_ROOT, Reply::new(404, "not found"));
        net.route(POX_ROOT, Reply::new(200, "<html>It works!</html>"));
        net.route(SOAP_AD, Reply::new(500, ""));
        net.route(POX_AD, pox_error("600", "Invalid Request"));
        match case {
            "soap at the domain" => net.route(SOAP_ROOT, soap_settings(EWS)),
            "pox at the domain" => net.route(POX_ROOT, pox_settings(EWS)),
            "soap at autodiscover." => net.route(SOAP_AD, soap_settings(EWS)),
            "pox at autodiscover." => net.route(POX_AD, pox_settings(EWS)),
            "redirect probe" => net
                .route(PROBE, Reply::redirect(302, MAIL_POX))
                .route(MAIL_POX, pox_settings(EWS)),
            // The probe gets no redirect; SRV points at mail.contoso.com.
            _ => net
                .route(PROBE, Reply::new(200, "hello"))
                .route(MAIL_POX, pox_settings(EWS)),
        };
        let endpoint = client(&net)
            .discover(&kim())
            .await
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(endpoint.url().as_str(), EWS, "{case}");
        assert_eq!(endpoint.mailbox(), &kim(), "{case}");
        assert_eq!(net.urls(), expected, "{case}");
    }
}

#[tokio::test]
async fn requests_carry_the_address_the_credentials_and_the_soap_action() {
    let net = FakeNet::new();
    net.route(SOAP_ROOT, Reply::new(404, ""));
    net.route(POX_ROOT, pox_settings(EWS));
    let endpoint = client(&net).discover(&kim()).await.unwrap();
    assert_eq!(endpoint.protocol(), Protocol::Pox);
    assert_eq!(endpoint.answered_by().as_str(), POX_ROOT);
    let seen = net.seen();
    assert_eq!(
        seen[0].soap_action.as_deref(),
        Some(&*format!("\"{SOAP_ACTION}\""))
    );
    assert!(
        seen[0]
            .body
            .contains("<a:Mailbox>kim@contoso.com</a:Mailbox>")
    );
    assert!(
        seen[1]
            .body
            .contains("<EMailAddress>kim@contoso.com</EMailAddress>")
    );
    for request in &seen {
        assert_eq!(request.method, Method::Post);
        assert!(
            request
                .authorization
                .as_deref()
                .unwrap()
                .starts_with("Basic ")
        );
    }
}

#[tokio::test]
async fn pox_redirect_addr_starts_over_for_the_new_address() {
    let net = FakeNet::new();
    net.route(POX_ROOT, pox_redirect_addr("kim.akers@emea.contoso.com"));
    net.route(
        "https://emea.contoso.com/autodiscover/autodiscover.xml",
        pox_settings("https://emea-mail.contoso.com/EWS/Exchange.asmx"),
    );
    let endpoint = client(&net).discover(&kim()).await.unwrap();
    assert_eq!(
        endpoint.url().as_str(),
        "https://emea-mail.contoso.com/EWS/Exchange.asmx"
    );
    assert_eq!(endpoint.mailbox().as_str(), "kim.akers@emea.contoso.com");
    let emea = net.to_host("emea.contoso.com");
    assert_eq!(emea.len(), 2, "SOAP, then POX at emea.contoso.com");
    assert!(
        emea[1]
            .body
            .contains("<EMailAddress>kim.akers@emea.contoso.com</EMailAddress>")
    );
}

#[tokio::test]
async fn pox_redirect_url_is_followed_within_the_domain() {
    let net = FakeNet::new();
    let second = "https://ad2.contoso.com/autodiscover/autodiscover.xml";
    net.route(POX_ROOT, pox_redirect_url(second));
    net.route(second, pox_settings(EWS));
    let endpoint = client(&net).discover(&kim()).await.unwrap();
    assert_eq!(endpoint.url().as_str(), EWS);
    assert_eq!(endpoint.answered_by().as_str(), second);
    assert_eq!(net.urls(), [SOAP_ROOT, POX_ROOT, second]);
}

#[tokio::test]
async fn soap_redirects_by_url_and_by_address() {
    let net = FakeNet::new();
    let second = "https://ad2.contoso.com/autodiscover/autodiscover.svc";
    net.route(SOAP_ROOT, soap_redirect("RedirectUrl", second));
    net.route(
        second,
        soap_redirect("RedirectAddress", "kim@sub.contoso.com"),
    );
    net.route(
        "https://sub.contoso.com/autodiscover/autodiscover.svc",
        soap_settings(EWS),
    );
    let endpoint = client(&net).discover(&kim()).await.unwrap();
    assert_eq!(endpoint.url().as_str(), EWS);
    assert_eq!(endpoint.mailbox().as_str(), "kim@sub.contoso.com");
    assert_eq!(endpoint.protocol(), Protocol::Soap);
    assert_eq!(
        net.urls(),
        [
            SOAP_ROOT,
            second,
            "https://sub.contoso.com/autodiscover/autodiscover.svc"
        ]
    );
}

#[tokio::test]
async fn an_http_redirect_on_a_request_is_followed_within_the_domain() {
    let net = FakeNet::new();
    let cas = "https://cas2.contoso.com/autodiscover/autodiscover.xml";
    net.route(SOAP_ROOT, Reply::new(404, ""));
    net.route(POX_ROOT, Reply::redirect(302, cas));
    net.route(cas, pox_settings(EWS));
    let endpoint = client(&net).discover(&kim()).await.unwrap();
    assert_eq!(endpoint.answered_by().as_str(), cas);
    assert!(net.to_host("cas2.contoso.com")[0].authorization.is_some());
}

#[tokio::test]
async fn internal_url_is_used_when_preferred_or_alone() {
    let net = FakeNet::new();
    net.route(
        SOAP_ROOT,
        Reply::new(
            200,
            "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
             <GetUserSettingsResponseMessage xmlns=\"http://schemas.microsoft.com/exchange/2010/Autodiscover\">\
             <Response><ErrorCode>NoError</ErrorCode><UserResponses><UserResponse><ErrorCode>NoError</ErrorCode>\
             <UserSettings><UserSetting><Name>InternalEwsUrl</Name><Value>https://int.contoso.local/EWS/Exchange.asmx</Value></UserSetting>\
             </UserSettings></UserResponse></UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>",
        ),
    );
    let endpoint = client(&net).discover(&kim()).await.unwrap();
    assert_eq!(
        endpoint.url().as_str(),
        "https://int.contoso.local/EWS/Exchange.asmx"
    );
    assert!(AttemptOutcome::NoEwsUrl.to_string().contains("no EWS URL"));
}
