//! Loading policies from PowerShell `ConvertTo-Json` output.

use offline_im::policy::{
    LoadPolicyError, PolicyError, PolicySet, PolicySource, PowerShellPolicies, Scope, SenderProfile,
};
use offline_im::powershell::PowerShellError;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/powershell/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn loaded() -> PolicySet {
    PolicySet::from_powershell_json(PowerShellPolicies {
        im_configuration: Some(&fixture("Get-CsImConfiguration.json")),
        client_policies: Some(&fixture("Get-CsClientPolicy.json")),
        external_access_policies: Some(&fixture("Get-CsExternalAccessPolicy.json")),
    })
    .unwrap()
}

#[test]
fn fixtures_load_with_every_setting() {
    let set = loaded();
    assert_eq!(set.im_configurations().len(), 2);
    assert_eq!(set.client_policies().len(), 3);
    assert_eq!(set.external_access_policies().len(), 3);
    let global = &set.client_policies()[0];
    assert_eq!(global.scope, Scope::Global);
    assert_eq!(global.enable_im_auto_archiving, None); // null stays unset
    assert_eq!(global.enable_server_conversation_history, Some(true));
    let tag = &set.client_policies()[2];
    assert_eq!(tag.scope, Scope::tag("NoArchiving").unwrap());
    assert_eq!(tag.enable_im_auto_archiving, Some(false));
    assert_eq!(tag.disable_saving_im, Some(true));
    assert_eq!(tag.enable_call_log_auto_archiving, Some(false));
}

#[test]
fn loaded_policies_decide_as_the_administrator_set_them() {
    let set = loaded();
    // Dublin has offline IM switched off.
    let dublin = SenderProfile {
        site: Some("Dublin".into()),
        ..SenderProfile::default()
    };
    let effective = set.resolve(&dublin).unwrap();
    assert_eq!(effective.denials().len(), 1);
    assert_eq!(
        effective.im_configuration.source,
        PolicySource::Configured(Scope::site("Dublin").unwrap())
    );
    // Redmond users may federate through their site's external access policy.
    let redmond = SenderProfile {
        site: Some("Redmond".into()),
        ..SenderProfile::default()
    };
    assert!(set.resolve(&redmond).unwrap().federation_access());
    assert!(
        !set.resolve(&SenderProfile::default())
            .unwrap()
            .federation_access()
    );
    // NoArchiving is denied.
    let no_archiving = SenderProfile {
        client_policy: Some("NoArchiving".into()),
        ..SenderProfile::default()
    };
    assert!(!set.resolve(&no_archiving).unwrap().denials().is_empty());
}

#[test]
fn a_single_object_and_unknown_properties_are_accepted() {
    let set = PolicySet::from_powershell_json(PowerShellPolicies {
        im_configuration: Some(r#"{"Identity":"Global","EnableOfflineIm":false,"Future":1}"#),
        ..Default::default()
    })
    .unwrap();
    assert!(!set.im_configurations()[0].enable_offline_im);
}

#[test]
fn wrong_types_name_the_cmdlet_object_and_property() {
    let err = PolicySet::from_powershell_json(PowerShellPolicies {
        client_policies: Some(
            r#"[{"Identity":"Global"},{"Identity":"Tag:X","EnableIMAutoArchiving":"no"}]"#,
        ),
        ..Default::default()
    })
    .unwrap_err();
    let LoadPolicyError::PowerShell(PowerShellError::Property {
        cmdlet,
        index,
        property,
        ..
    }) = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (*cmdlet, *index, property.as_str()),
        ("Get-CsClientPolicy", 1, "EnableIMAutoArchiving")
    );

    let err = PolicySet::from_powershell_json(PowerShellPolicies {
        external_access_policies: Some(r#"{"Identity":"Site:","EnableFederationAccess":true}"#),
        ..Default::default()
    })
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Get-CsExternalAccessPolicy") && text.contains("Identity"),
        "{text}"
    );

    let err = PolicySet::from_powershell_json(PowerShellPolicies {
        im_configuration: Some("[{"),
        ..Default::default()
    })
    .unwrap_err();
    assert!(matches!(
        err,
        LoadPolicyError::PowerShell(PowerShellError::Json {
            cmdlet: "Get-CsImConfiguration",
            ..
        })
    ));
}

#[test]
fn loaded_rules_are_checked() {
    let err = PolicySet::from_powershell_json(PowerShellPolicies {
        im_configuration: Some(r#"[{"Identity":"Global"},{"Identity":"Global"}]"#),
        ..Default::default()
    })
    .unwrap_err();
    assert!(matches!(
        err,
        LoadPolicyError::Invalid(PolicyError::Duplicate { .. })
    ));
}
