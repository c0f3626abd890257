//! Policy scopes, resolution and denials, through the public API.

use offline_im::policy::{
    ClientBuild, ClientPolicy, ExternalAccessPolicy, ImConfiguration, MailboxLocation,
    PolicyDenial, PolicyError, PolicySet, PolicySource, Scope, SenderProfile,
};

fn scope(identity: &str) -> Scope {
    identity.parse().unwrap()
}

fn client(identity: &str, archiving: Option<bool>) -> ClientPolicy {
    ClientPolicy {
        scope: scope(identity),
        enable_im_auto_archiving: archiving,
        ..ClientPolicy::default()
    }
}

fn profile(site: Option<&str>, tag: Option<&str>) -> SenderProfile {
    SenderProfile {
        site: site.map(str::to_owned),
        client_policy: tag.map(str::to_owned),
        ..SenderProfile::default()
    }
}

#[test]
fn identities_parse_as_sfb_writes_them() {
    assert_eq!(scope("Global"), Scope::Global);
    assert_eq!(scope(" global "), Scope::Global);
    assert_eq!(scope("Site:Redmond"), Scope::Site("Redmond".into()));
    assert_eq!(scope("site:redmond"), Scope::site("Redmond").unwrap());
    assert_eq!(scope("Tag:NoArchiving"), Scope::Tag("NoArchiving".into()));
    assert_eq!(scope("NoArchiving"), Scope::Tag("NoArchiving".into()));
    assert_eq!(scope("Site:Redmond").to_string(), "Site:Redmond");
    assert_eq!(scope("NoArchiving").to_string(), "Tag:NoArchiving");
    assert_ne!(scope("Site:Redmond"), scope("Tag:Redmond"));
}

#[test]
fn bad_identities_name_the_value_and_rule() {
    for bad in ["Site:", "Tag:  ", "", "Service:Registrar:pool", "Site:a:b"] {
        let err = bad.parse::<Scope>().unwrap_err();
        let PolicyError::Scope { value, rule } = &err else {
            panic!("{bad:?}: {err:?}");
        };
        assert_eq!(value, bad);
        assert!(!rule.is_empty());
        assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
    }
}

#[test]
fn empty_set_gives_sfb_built_in_defaults() {
    let effective = PolicySet::default()
        .resolve(&SenderProfile::default())
        .unwrap();
    assert!(effective.denials().is_empty());
    assert!(!effective.federation_access());
    assert_eq!(effective.client_policy.source, PolicySource::BuiltInDefault);
    assert!(effective.im_configuration.policy.enable_offline_im);
}

#[test]
fn tag_beats_site_beats_global() {
    let set = PolicySet::builder()
        .client_policy(client("Global", Some(false)))
        .client_policy(client("Site:Redmond", Some(true)))
        .client_policy(client("Tag:Archive", Some(true)))
        .client_policy(client("Tag:NoArchiving", Some(false)))
        .build()
        .unwrap();
    let source = |p: SenderProfile| set.resolve(&p).unwrap().client_policy.source;
    assert_eq!(
        source(profile(None, None)),
        PolicySource::Configured(Scope::Global)
    );
    assert_eq!(
        source(profile(Some("Redmond"), None)),
        PolicySource::Configured(scope("Site:Redmond"))
    );
    assert_eq!(
        source(profile(Some("REDMOND"), Some("noarchiving"))),
        PolicySource::Configured(scope("Tag:NoArchiving"))
    );
    // A site without a policy of its own falls back to global.
    assert_eq!(
        source(profile(Some("Dublin"), None)),
        PolicySource::Configured(Scope::Global)
    );
    assert!(
        set.resolve(&profile(Some("Redmond"), None))
            .unwrap()
            .denials()
            .is_empty()
    );
    assert_eq!(
        set.resolve(&profile(None, None)).unwrap().denials().len(),
        1
    );
}

#[test]
fn policies_resolve_whole_not_merged() {
    // The tag leaves EnableIMAutoArchiving unset: that means "on", whatever global says.
    let set = PolicySet::builder()
        .client_policy(client("Global", Some(false)))
        .client_policy(ClientPolicy {
            scope: scope("Tag:Sales"),
            disable_saving_im: Some(true),
            ..ClientPolicy::default()
        })
        .build()
        .unwrap();
    let effective = set.resolve(&profile(None, Some("Sales"))).unwrap();
    assert_eq!(
        effective.client_policy.policy.enable_im_auto_archiving,
        None
    );
    assert!(effective.denials().is_empty());
}

#[test]
fn offline_im_switch_is_global_or_site() {
    let set = PolicySet::builder()
        .im_configuration(ImConfiguration::default())
        .im_configuration(ImConfiguration {
            scope: scope("Site:Dublin"),
            enable_offline_im: false,
        })
        .build()
        .unwrap();
    assert!(
        set.resolve(&profile(Some("Redmond"), None))
            .unwrap()
            .denials()
            .is_empty()
    );
    let denials = set
        .resolve(&profile(Some("Dublin"), None))
        .unwrap()
        .denials();
    assert_eq!(
        denials,
        vec![PolicyDenial::OfflineImDisabled {
            source: PolicySource::Configured(scope("Site:Dublin"))
        }]
    );
    assert!(
        denials[0].to_string().contains("Site:Dublin"),
        "{}",
        denials[0]
    );

    let err = PolicySet::builder()
        .im_configuration(ImConfiguration {
            scope: scope("Tag:X"),
            enable_offline_im: false,
        })
        .build()
        .unwrap_err();
    assert!(
        matches!(err, PolicyError::ScopeNotAllowed { .. }),
        "{err:?}"
    );
}

#[test]
fn every_denial_is_listed() {
    let set = PolicySet::builder()
        .im_configuration(ImConfiguration {
            scope: Scope::Global,
            enable_offline_im: false,
        })
        .client_policy(client("Tag:NoArchiving", Some(false)))
        .build()
        .unwrap();
    let sender = SenderProfile {
        client_policy: Some("NoArchiving".into()),
        client_build: Some("16.0.6701.1000".parse().unwrap()),
        mailbox: MailboxLocation::OnPremises,
        ..SenderProfile::default()
    };
    let denials = set.resolve(&sender).unwrap().denials();
    assert_eq!(denials.len(), 3, "{denials:?}");
    assert!(matches!(denials[0], PolicyDenial::OfflineImDisabled { .. }));
    assert!(matches!(
        denials[1],
        PolicyDenial::ImAutoArchivingDisabled { .. }
    ));
    assert_eq!(
        denials[2],
        PolicyDenial::ClientTooOld {
            build: ClientBuild::new(16, 0, 6701, 1000),
            minimum: ClientBuild::new(16, 0, 6920, 1000),
            mailbox: MailboxLocation::OnPremises,
        }
    );
}

#[test]
fn client_build_minimum_depends_on_mailbox() {
    let check = |build: &str, mailbox| {
        PolicySet::default()
            .resolve(&SenderProfile {
                client_build: Some(build.parse().unwrap()),
                mailbox,
                ..SenderProfile::default()
            })
            .unwrap()
            .denials()
            .is_empty()
    };
    assert!(check("16.0.6701.1000", MailboxLocation::ExchangeOnline));
    assert!(!check("16.0.6700.9999", MailboxLocation::ExchangeOnline));
    assert!(!check("15.0.5023.1000", MailboxLocation::ExchangeOnline));
    assert!(!check("16.0.6769.2015", MailboxLocation::OnPremises));
    assert!(check("16.0.6920.1000", MailboxLocation::OnPremises));
    assert!(check("16.0.10000.1", MailboxLocation::OnPremises)); // numeric, not text, order
}

#[test]
fn bad_builds_name_the_value() {
    for bad in [
        "16.0.6701",
        "16.0.6701.1000.1",
        "16.0.x.1000",
        "16..6701.1000",
        "",
        "16.0.6701.99999999999",
    ] {
        let err = bad.parse::<ClientBuild>().unwrap_err();
        assert!(
            matches!(&err, PolicyError::ClientBuild { value, .. } if value == bad),
            "{bad}: {err:?}"
        );
    }
    assert_eq!(
        "16.0.6920.1000".parse::<ClientBuild>().unwrap().to_string(),
        "16.0.6920.1000"
    );
}

#[test]
fn assigned_tag_that_does_not_exist_is_an_error() {
    let set = PolicySet::builder()
        .client_policy(client("Global", None))
        .build()
        .unwrap();
    let err = set.resolve(&profile(None, Some("Missing"))).unwrap_err();
    assert_eq!(
        err,
        PolicyError::UnknownPolicy {
            kind: "client policy",
            scope: scope("Tag:Missing")
        }
    );
    let err = set
        .resolve(&SenderProfile {
            external_access_policy: Some("Partners".into()),
            ..SenderProfile::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("Tag:Partners"), "{err}");
}

#[test]
fn duplicate_scopes_are_refused() {
    let err = PolicySet::builder()
        .client_policy(client("Site:Redmond", None))
        .client_policy(client("site:REDMOND", Some(false)))
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, PolicyError::Duplicate { kind: "client policy", scope } if *scope == Scope::site("Redmond").unwrap()),
        "{err:?}"
    );
    // Same name at different scopes is fine.
    PolicySet::builder()
        .external_access_policy(ExternalAccessPolicy {
            scope: scope("Site:X"),
            enable_federation_access: true,
        })
        .external_access_policy(ExternalAccessPolicy {
            scope: scope("Tag:X"),
            enable_federation_access: true,
        })
        .build()
        .unwrap();
}

#[test]
fn federation_access_comes_from_the_external_access_policy() {
    let set = PolicySet::builder()
        .external_access_policy(ExternalAccessPolicy {
            scope: scope("Tag:Partners"),
            enable_federation_access: true,
        })
        .build()
        .unwrap();
    let with = SenderProfile {
        external_access_policy: Some("Partners".into()),
        ..SenderProfile::default()
    };
    assert!(set.resolve(&with).unwrap().federation_access());
    assert!(
        !set.resolve(&SenderProfile::default())
            .unwrap()
            .federation_access()
    );
}
