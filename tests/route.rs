//! Routing through the public API: every classification and every block reason.

use offline_im::address::{Domain, SipUri};
use offline_im::route::{
    AllowedDomain, BlockReason, BlockedDomain, FederationBasis, Organization, OrganizationError,
    Route,
};

fn d(s: &str) -> Domain {
    s.parse().unwrap()
}

fn sip(s: &str) -> SipUri {
    s.parse().unwrap()
}

fn contoso(federation: bool, discovery: bool) -> Organization {
    Organization::builder()
        .default_sip_domain(d("contoso.com"))
        .sip_domain(d("emea.contoso.com"))
        .allow_federated_users(federation)
        .enable_partner_discovery(discovery)
        .allowed_domain(AllowedDomain::new(d("fabrikam.com")))
        .blocked_domain(BlockedDomain::new(d("spam.example")))
        .build()
        .unwrap()
}

#[test]
fn own_domains_are_same_organization_whatever_federation_says() {
    let org = contoso(false, false);
    let kim = sip("sip:kim@contoso.com");
    assert_eq!(
        org.route(&kim, &sip("sip:lee@contoso.com"), false),
        Route::SameOrganization
    );
    assert_eq!(
        org.route(&kim, &sip("sip:ana@emea.contoso.com"), false),
        Route::SameOrganization
    );
    assert_eq!(org.default_domain(), Some(&d("contoso.com")));
}

#[test]
fn subdomains_of_own_domains_are_not_owned_unless_listed() {
    let org = contoso(true, false);
    let route = org.route(
        &sip("sip:kim@contoso.com"),
        &sip("sip:x@apac.contoso.com"),
        true,
    );
    assert_eq!(
        route,
        Route::Blocked(BlockReason::NotAllowListed {
            domain: d("apac.contoso.com")
        })
    );
}

#[test]
fn allow_listed_partner_is_federated() {
    let org = contoso(true, false);
    let route = org.route(
        &sip("sip:kim@contoso.com"),
        &sip("sip:ann@Fabrikam.COM"),
        true,
    );
    assert_eq!(route, Route::Federated(FederationBasis::AllowList));
    assert!(route.is_deliverable());
}

#[test]
fn allow_list_matches_exactly_but_block_list_covers_subdomains() {
    let org = contoso(true, false);
    let kim = sip("sip:kim@contoso.com");
    assert_eq!(
        org.route(&kim, &sip("sip:x@sales.fabrikam.com"), true),
        Route::Blocked(BlockReason::NotAllowListed {
            domain: d("sales.fabrikam.com")
        })
    );
    let route = org.route(&kim, &sip("sip:x@mail.spam.example"), true);
    assert_eq!(
        route,
        Route::Blocked(BlockReason::DomainBlocked {
            domain: d("mail.spam.example"),
            entry: d("spam.example")
        })
    );
    assert!(route.to_string().contains("below spam.example"), "{route}");
}

#[test]
fn partner_discovery_admits_unlisted_domains_but_never_blocked_ones() {
    let org = contoso(true, true);
    let kim = sip("sip:kim@contoso.com");
    assert_eq!(
        org.route(&kim, &sip("sip:bo@tailspin.example"), true),
        Route::Federated(FederationBasis::PartnerDiscovery)
    );
    assert!(matches!(
        org.route(&kim, &sip("sip:bo@spam.example"), true),
        Route::Blocked(BlockReason::DomainBlocked { .. })
    ));
}

#[test]
fn federation_switches_block_in_order() {
    let kim = sip("sip:kim@contoso.com");
    let ann = sip("sip:ann@fabrikam.com");
    let off = contoso(false, false).route(&kim, &ann, true);
    assert_eq!(
        off,
        Route::Blocked(BlockReason::FederationDisabled {
            domain: d("fabrikam.com")
        })
    );
    assert!(off.to_string().contains("AllowFederatedUsers is off"));

    let user_off = contoso(true, true).route(&kim, &ann, false);
    assert_eq!(
        user_off,
        Route::Blocked(BlockReason::SenderFederationAccessDisabled {
            domain: d("fabrikam.com")
        })
    );
    assert!(user_off.to_string().contains("EnableFederationAccess"));
}

#[test]
fn a_sender_outside_the_organization_is_blocked() {
    let route = contoso(true, true).route(
        &sip("sip:eve@fabrikam.com"),
        &sip("sip:kim@contoso.com"),
        true,
    );
    assert_eq!(
        route,
        Route::Blocked(BlockReason::SenderOutsideOrganization {
            domain: d("fabrikam.com")
        })
    );
    assert!(!route.is_deliverable());
}

#[test]
fn contradictory_settings_are_refused() {
    assert_eq!(
        Organization::builder().build().unwrap_err(),
        OrganizationError::NoSipDomain
    );

    let both = Organization::builder()
        .sip_domain(d("contoso.com"))
        .allowed_domain(AllowedDomain::new(d("fabrikam.com")))
        .blocked_domain(BlockedDomain::new(d("fabrikam.com")))
        .build()
        .unwrap_err();
    assert_eq!(
        both,
        OrganizationError::AllowedAndBlocked(d("fabrikam.com"))
    );
    assert!(both.to_string().contains("fabrikam.com"));

    let own = Organization::builder()
        .sip_domain(d("contoso.com"))
        .blocked_domain(BlockedDomain::new(d("contoso.com")))
        .build()
        .unwrap_err();
    assert_eq!(own, OrganizationError::OwnDomainListed(d("contoso.com")));

    let twice = Organization::builder()
        .sip_domain(d("contoso.com"))
        .allowed_domain(AllowedDomain::new(d("fabrikam.com")))
        .allowed_domain(AllowedDomain::new(d("FABRIKAM.com")))
        .build()
        .unwrap_err();
    assert_eq!(
        twice,
        OrganizationError::Duplicate {
            domain: d("fabrikam.com"),
            list: "allowed"
        }
    );
}
