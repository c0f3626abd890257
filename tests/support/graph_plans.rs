//! Delivery plans for the Graph tests: what the planner makes for real messages.

use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::plan::{DeliveryPlan, Planner};
use offline_im::policy::{ExternalAccessPolicy, PolicySet, Scope, SenderProfile};
use offline_im::route::{AllowedDomain, Organization};
use time::macros::datetime;

#[allow(dead_code)] // not every test file uses every helper
pub fn person(user: &str, domain: &str, name: &str) -> Participant {
    Participant::new(
        format!("sip:{user}@{domain}").parse().unwrap(),
        format!("{user}@{domain}").parse().unwrap(),
        name,
    )
}

fn planner() -> Planner {
    let org = Organization::builder()
        .sip_domain("contoso.com".parse().unwrap())
        .allow_federated_users(true)
        .allowed_domain(AllowedDomain::new("fabrikam.com".parse().unwrap()))
        .build()
        .unwrap();
    let policies = PolicySet::builder()
        .external_access_policy(ExternalAccessPolicy {
            scope: Scope::Global,
            enable_federation_access: true,
        })
        .build()
        .unwrap();
    Planner::builder(org).policies(policies).build()
}

/// The plan for Kim writing `lines` (texts, alternating Kim and the recipient) to `to`.
pub fn plan(to: Participant, lines: &[&str]) -> DeliveryPlan {
    let kim = person("kim", "contoso.com", "Kim Akers");
    let mut at = datetime!(2026-03-02 09:15 UTC);
    let mut builder = OfflineIm::builder()
        .sender(kim.clone())
        .recipient(to.clone());
    for (i, text) in lines.iter().enumerate() {
        let author = if i % 2 == 0 { kim.sip() } else { to.sip() };
        builder = builder.line(ImLine::new(author.clone(), at, *text));
        at += time::Duration::seconds(20);
    }
    let im = builder.build().unwrap();
    planner()
        .decide(&im, &SenderProfile::default())
        .unwrap()
        .plan()
        .expect("the planner allows this message")
        .clone()
}

#[allow(dead_code)] // not every test file uses every helper
/// Named plans covering what a body can hold: same organization, federated,
/// Unicode (emoji, right-to-left, combining marks, JSON's own specials), a long
/// transcript.
pub fn plans() -> Vec<(&'static str, DeliveryPlan)> {
    let long: Vec<String> = (0..400)
        .map(|i| format!("line {i}: the quarterly numbers, \"revised\" <again> & again"))
        .collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    vec![
        (
            "same-org",
            plan(
                person("pat", "contoso.com", "Pat Coleman"),
                &["Are you free at 3?"],
            ),
        ),
        (
            "federated",
            plan(
                person("ann", "fabrikam.com", "Ann Beebe"),
                &["Contract draft attached?", "yes"],
            ),
        ),
        (
            "unicode",
            plan(
                person(
                    "zoe",
                    "contoso.com",
                    "Zoë \"Z\" Ölund \u{05E9}\u{05DC}\u{05D5}\u{05DD}",
                ),
                &[
                    "😀 caf\u{0065}\u{0301} \\ back\\slash \"quoted\" tab\there",
                    "\u{0645}\u{0631}\u{062D}\u{0628}\u{0627} \u{2028} line\nbreak </script>",
                ],
            ),
        ),
        (
            "long",
            plan(person("pat", "contoso.com", "Pat Coleman"), &long),
        ),
    ]
}
