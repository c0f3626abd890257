//! The planner's decisions: what is delivered how, what is denied and why.

use offline_im::compose::{Composer, ImLine, ItemClass, OfflineIm, Participant};
use offline_im::plan::{Decision, DenialReason, Disposition, Folder, PlanError, Planner};
use offline_im::policy::{
    ClientPolicy, ExternalAccessPolicy, PolicyDenial, PolicySet, Scope, SenderProfile,
};
use offline_im::route::{AllowedDomain, BlockReason, BlockedDomain, Organization, Route};
use time::macros::datetime;

fn person(user: &str, domain: &str, name: &str) -> Participant {
    Participant::new(
        format!("sip:{user}@{domain}").parse().unwrap(),
        format!("{user}@{domain}").parse().unwrap(),
        name,
    )
}

fn im(to: Participant, text: &str) -> OfflineIm {
    let kim = person("kim", "contoso.com", "Kim Akers");
    OfflineIm::builder()
        .sender(kim.clone())
        .recipient(to)
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:15 UTC),
            text,
        ))
        .build()
        .unwrap()
}

fn contoso() -> Organization {
    Organization::builder()
        .sip_domain("contoso.com".parse().unwrap())
        .allow_federated_users(true)
        .allowed_domain(AllowedDomain::new("fabrikam.com".parse().unwrap()))
        .blocked_domain(BlockedDomain::new("spam.example".parse().unwrap()))
        .build()
        .unwrap()
}

fn policies() -> PolicySet {
    PolicySet::builder()
        .client_policy(ClientPolicy {
            scope: Scope::tag("NoArchiving").unwrap(),
            enable_im_auto_archiving: Some(false),
            ..ClientPolicy::default()
        })
        .external_access_policy(ExternalAccessPolicy {
            scope: Scope::Global,
            enable_federation_access: true,
        })
        .build()
        .unwrap()
}

fn no_archiving() -> SenderProfile {
    SenderProfile {
        client_policy: Some("NoArchiving".into()),
        ..SenderProfile::default()
    }
}

#[test]
fn same_organization_is_a_missed_conversation_with_a_copy_in_conversation_history() {
    let planner = Planner::builder(contoso()).policies(policies()).build();
    let message = im(
        person("pat", "contoso.com", "Pat Coleman"),
        "Lunch at <noon> & then?",
    );
    let decision = planner.decide(&message, &SenderProfile::default()).unwrap();
    let plan = decision.plan().expect("allowed");
    assert_eq!(plan.route(), &Route::SameOrganization);
    assert_eq!(plan.item_class().as_str(), "IPM.Note.Microsoft.Missed");
    assert_eq!(plan.disposition(), Disposition::SendAndSaveCopy);
    assert_eq!(plan.saved_item_folder(), Some(Folder::ConversationHistory));
    assert_eq!(plan.delivery_id(), message.delivery_id());
    assert_eq!(plan.recipient().smtp().as_str(), "pat@contoso.com");
    assert_eq!(
        plan.message().subject(),
        "Missed conversation with Kim Akers"
    );
    assert!(
        plan.message()
            .html()
            .contains("Lunch at &lt;noon&gt; &amp; then?")
    );
    // The one-line summary never shows the text.
    let line = decision.to_string();
    assert!(
        line.starts_with("deliver: sip:kim@contoso.com -> sip:pat@contoso.com"),
        "{line}"
    );
    assert!(!line.contains("Lunch"), "{line}");
}

#[test]
fn federated_recipients_get_plain_mail() {
    let planner = Planner::builder(contoso()).policies(policies()).build();
    let decision = planner
        .decide(
            &im(person("ann", "fabrikam.com", "Ann Beebe"), "hi"),
            &SenderProfile::default(),
        )
        .unwrap();
    let plan = decision.plan().expect("allowed");
    assert!(matches!(plan.route(), Route::Federated(_)));
    assert_eq!(plan.item_class(), &ItemClass::NOTE);
    assert_eq!(plan.saved_item_folder(), Some(Folder::ConversationHistory));
}

#[test]
fn blocked_domains_are_denied_with_the_reason() {
    let planner = Planner::builder(contoso()).policies(policies()).build();
    let decision = planner
        .decide(
            &im(person("x", "spam.example", "X"), "hi"),
            &SenderProfile::default(),
        )
        .unwrap();
    let denial = decision.denial().expect("denied");
    assert!(denial.is_blocked());
    assert!(matches!(
        denial.reasons(),
        [DenialReason::Route(BlockReason::DomainBlocked { .. })]
    ));
    assert!(decision.to_string().contains("spam.example"), "{decision}");
}

#[test]
fn policy_denial_and_route_block_are_both_reported() {
    let planner = Planner::builder(contoso()).policies(policies()).build();
    let decision = planner
        .decide(&im(person("x", "spam.example", "X"), "hi"), &no_archiving())
        .unwrap();
    let denial = decision.denial().expect("denied");
    assert_eq!(denial.reasons().len(), 2, "{denial}");
    assert!(matches!(
        denial.reasons()[0],
        DenialReason::Policy(PolicyDenial::ImAutoArchivingDisabled { .. })
    ));
    assert!(matches!(denial.reasons()[1], DenialReason::Route(_)));
    let text = denial.to_string();
    assert!(
        text.contains("EnableIMAutoArchiving") && text.contains("Tag:NoArchiving"),
        "{text}"
    );
}

#[test]
fn no_archiving_sender_is_denied_even_inside_the_organization() {
    let planner = Planner::builder(contoso()).policies(policies()).build();
    let decision = planner
        .decide(
            &im(person("pat", "contoso.com", "Pat"), "hi"),
            &no_archiving(),
        )
        .unwrap();
    let denial = decision.denial().expect("denied");
    assert!(!denial.is_blocked());
    assert_eq!(denial.reasons().len(), 1);
}

#[test]
fn sender_without_federation_access_cannot_reach_partners() {
    let planner = Planner::builder(contoso()).build(); // default: EnableFederationAccess off
    let decision = planner
        .decide(
            &im(person("ann", "fabrikam.com", "Ann"), "hi"),
            &SenderProfile::default(),
        )
        .unwrap();
    assert!(matches!(
        decision.denial().unwrap().reasons(),
        [DenialReason::Route(
            BlockReason::SenderFederationAccessDisabled { .. }
        )]
    ));
}

#[test]
fn denied_messages_are_not_rendered_but_allowed_oversized_ones_are_errors() {
    let tiny = || Composer::new().max_bytes(10);
    let planner = Planner::builder(contoso())
        .policies(policies())
        .composer(tiny())
        .build();
    // Denied: no rendering, so the size cap does not matter.
    let denied = planner
        .decide(
            &im(person("pat", "contoso.com", "Pat"), "a long text"),
            &no_archiving(),
        )
        .unwrap();
    assert!(!denied.is_deliver());
    // Allowed but too large: an error, not a denial.
    let err = planner
        .decide(
            &im(person("pat", "contoso.com", "Pat"), "a long text"),
            &SenderProfile::default(),
        )
        .unwrap_err();
    assert!(matches!(err, PlanError::Compose(_)), "{err:?}");
}

#[test]
fn unknown_assigned_policy_is_an_error() {
    let planner = Planner::builder(contoso()).build();
    let err = planner
        .decide(
            &im(person("pat", "contoso.com", "Pat"), "hi"),
            &SenderProfile {
                client_policy: Some("Ghost".into()),
                ..SenderProfile::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, PlanError::Policy(_)));
    assert!(err.to_string().contains("Tag:Ghost"), "{err}");
}

#[test]
fn classes_disposition_and_folder_are_configurable() {
    let planner = Planner::builder(contoso())
        .policies(policies())
        .same_organization_class(ItemClass::DOCUMENTED_ALIAS)
        .saved_item_folder(Folder::SentItems)
        .build();
    let decision = planner
        .decide(
            &im(person("pat", "contoso.com", "Pat"), "hi"),
            &SenderProfile::default(),
        )
        .unwrap();
    let plan = decision.plan().unwrap();
    assert_eq!(plan.item_class().as_str(), "IM.Note.MissedConversation");
    assert_eq!(plan.saved_item_folder(), Some(Folder::SentItems));

    let send_only = Planner::builder(contoso())
        .disposition(Disposition::SendOnly)
        .build();
    let decision = send_only
        .decide(
            &im(person("pat", "contoso.com", "Pat"), "hi"),
            &SenderProfile::default(),
        )
        .unwrap();
    assert_eq!(decision.plan().unwrap().saved_item_folder(), None);
    assert!(matches!(decision, Decision::Deliver(_)));
}

#[test]
fn deciding_an_owned_message_gives_the_same_decision() {
    let planner = Planner::builder(contoso()).policies(policies()).build();
    for to in [
        person("pat", "contoso.com", "Pat"),
        person("ann", "fabrikam.com", "Ann"),
        person("x", "spam.example", "X"),
    ] {
        let message = im(to, "hello <there>");
        let borrowed = planner.decide(&message, &SenderProfile::default()).unwrap();
        let owned = planner
            .decide_owned(message, &SenderProfile::default())
            .unwrap();
        assert_eq!(borrowed, owned);
    }
}
