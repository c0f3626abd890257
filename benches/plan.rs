//! Planning cost: policy resolution, routing and rendering of one offline IM.

use divan::{Bencher, black_box};
use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::plan::Planner;
use offline_im::settings::Settings;
use time::macros::datetime;

fn main() {
    divan::main();
}

const SETTINGS: &str = r#"
[organization]
sip_domains = ["contoso.com", "emea.contoso.com"]
allow_federated_users = true
allowed_domains = [{ domain = "fabrikam.com" }, { domain = "litwareinc.com" }]
blocked_domains = [{ domain = "spam.example" }]

[[policies.client_policies]]
scope = "Global"
[[policies.client_policies]]
scope = "Site:Redmond"
enable_im_auto_archiving = true
[[policies.client_policies]]
scope = "Tag:NoArchiving"
enable_im_auto_archiving = false

[[policies.external_access_policies]]
scope = "Global"
enable_federation_access = true
"#;

fn setup(recipient_domain: &str) -> (Planner, OfflineIm, offline_im::policy::SenderProfile) {
    let settings = Settings::from_toml_str(SETTINGS).unwrap();
    let person = |user: &str, domain: &str| {
        Participant::new(
            format!("sip:{user}@{domain}").parse().unwrap(),
            format!("{user}@{domain}").parse().unwrap(),
            format!("User {user}"),
        )
    };
    let kim = person("kim", "contoso.com");
    let im = OfflineIm::builder()
        .sender(kim.clone())
        .recipient(person("pat", recipient_domain))
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:15 UTC),
            "Are you free for a call at 3pm? <b>urgent</b> & important",
        ))
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:16 UTC),
            "Ping me when you are back 🙂",
        ))
        .build()
        .unwrap();
    let profile = settings.sender(kim.sip());
    (settings.planner().build(), im, profile)
}

/// A same-organization message that is delivered: resolve, route, render.
#[divan::bench]
fn decide_same_organization(bencher: Bencher) {
    let (planner, im, profile) = setup("contoso.com");
    bencher.bench_local(|| planner.decide(black_box(&im), black_box(&profile)).unwrap());
}

/// A blocked message: no rendering happens.
#[divan::bench]
fn decide_blocked(bencher: Bencher) {
    let (planner, im, profile) = setup("spam.example");
    bencher.bench_local(|| planner.decide(black_box(&im), black_box(&profile)).unwrap());
}
