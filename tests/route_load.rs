//! Loading an organization from PowerShell `ConvertTo-Json` output.

use offline_im::address::Domain;
use offline_im::powershell::PowerShellError;
use offline_im::route::{
    BlockReason, FederationBasis, LoadOrganizationError, Organization, PowerShellOrganization,
    Route,
};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/powershell/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn d(s: &str) -> Domain {
    s.parse().unwrap()
}

#[test]
fn loads_the_whole_organization_from_cmdlet_output() {
    let (sip, edge, allowed, blocked) = (
        fixture("Get-CsSipDomain"),
        fixture("Get-CsAccessEdgeConfiguration"),
        fixture("Get-CsAllowedDomain"),
        fixture("Get-CsBlockedDomain"),
    );
    let org = Organization::from_powershell_json(PowerShellOrganization {
        sip_domains: &sip,
        access_edge_configuration: Some(&edge),
        allowed_domains: Some(&allowed),
        blocked_domains: Some(&blocked),
    })
    .unwrap();

    assert_eq!(
        org.sip_domains().cloned().collect::<Vec<_>>(),
        [d("contoso.com"), d("emea.contoso.com")]
    );
    assert_eq!(org.default_domain(), Some(&d("contoso.com")));
    assert!(org.federation().allow_federated_users());
    assert!(!org.federation().enable_partner_discovery());
    let allowed: Vec<_> = org.federation().allowed_domains().collect();
    assert_eq!(allowed.len(), 2);
    assert_eq!(allowed[0].proxy_fqdn.as_deref(), Some("sip.fabrikam.com"));
    assert_eq!(allowed[1].comment, None);

    let kim = "sip:kim@contoso.com".parse().unwrap();
    assert_eq!(
        org.route(&kim, &"sip:ann@litwareinc.com".parse().unwrap(), true),
        Route::Federated(FederationBasis::AllowList)
    );
    assert!(matches!(
        org.route(&kim, &"sip:x@spam.example".parse().unwrap(), true),
        Route::Blocked(BlockReason::DomainBlocked { .. })
    ));
}

#[test]
fn missing_outputs_mean_sfb_defaults() {
    let org = Organization::from_powershell_json(PowerShellOrganization {
        sip_domains: r#"{"Identity": "contoso.com", "IsDefault": true}"#,
        ..Default::default()
    })
    .unwrap();
    assert!(!org.federation().allow_federated_users());
    assert_eq!(org.federation().allowed_domains().count(), 0);
}

#[test]
fn wrong_types_name_the_cmdlet_and_property() {
    let err = Organization::from_powershell_json(PowerShellOrganization {
        sip_domains: r#"{"Identity": "contoso.com"}"#,
        access_edge_configuration: Some(r#"{"Identity": "Global", "AllowFederatedUsers": "yes"}"#),
        ..Default::default()
    })
    .unwrap_err();
    let LoadOrganizationError::PowerShell(PowerShellError::Property {
        cmdlet, property, ..
    }) = &err
    else {
        panic!("expected a property error, got {err:?}");
    };
    assert_eq!(
        (*cmdlet, property.as_str()),
        ("Get-CsAccessEdgeConfiguration", "AllowFederatedUsers")
    );
    assert!(err.to_string().contains("AllowFederatedUsers"), "{err}");

    let err = Organization::from_powershell_json(PowerShellOrganization {
        sip_domains: r#"[{"Identity": "contoso.com"}, {"Identity": "not a domain"}]"#,
        ..Default::default()
    })
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Get-CsSipDomain") && text.contains("object 1") && text.contains("Identity"),
        "{text}"
    );
    assert!(text.contains("not a domain"), "{text}");

    let err = Organization::from_powershell_json(PowerShellOrganization {
        sip_domains: "{not json",
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            LoadOrganizationError::PowerShell(PowerShellError::Json {
                cmdlet: "Get-CsSipDomain",
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn contradictions_in_loaded_settings_are_refused() {
    let err = Organization::from_powershell_json(PowerShellOrganization {
        sip_domains: r#"{"Identity": "contoso.com"}"#,
        allowed_domains: Some(r#"{"Identity": "fabrikam.com", "Domain": "fabrikam.com"}"#),
        blocked_domains: Some(r#"{"Identity": "fabrikam.com", "Domain": "fabrikam.com"}"#),
        ..Default::default()
    })
    .unwrap_err();
    assert!(matches!(err, LoadOrganizationError::Invalid(_)));
    assert!(
        err.to_string().contains("both the allowed and the blocked"),
        "{err}"
    );
}

#[test]
fn loads_from_a_hand_written_toml_file_and_round_trips() {
    let toml_text = r#"
        sip_domains = ["emea.contoso.com"]
        default_sip_domain = "Contoso.com"
        allow_federated_users = true

        [[allowed_domains]]
        domain = "fabrikam.com"
        comment = "partner"

        [[blocked_domains]]
        domain = "spam.example"
    "#;
    let org: Organization = toml::from_str(toml_text).unwrap();
    assert_eq!(org.default_domain(), Some(&d("contoso.com")));
    assert!(org.owns(&d("emea.contoso.com")));
    assert!(!org.federation().enable_partner_discovery());
    assert_eq!(
        org.federation().blocked_domains().next().unwrap().domain,
        d("spam.example")
    );

    let json = serde_json::to_string(&org).unwrap();
    let again: Organization = serde_json::from_str(&json).unwrap();
    assert_eq!(again, org);

    let err = toml::from_str::<Organization>("sip_domains = []").unwrap_err();
    assert!(err.to_string().contains("at least one SIP domain"), "{err}");
    let err = toml::from_str::<Organization>("sip_domains = [\"contoso\"]").unwrap_err();
    assert!(err.to_string().contains("\"contoso\""), "{err}");
    let err =
        toml::from_str::<Organization>("sip_domains = [\"contoso.com\"]\nallow_federated = true")
            .unwrap_err();
    assert!(err.to_string().contains("allow_federated"), "{err}");
}
