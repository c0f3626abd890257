//! Loading the settings bundle: hand-written TOML/JSON and a directory of PowerShell output.

use std::path::PathBuf;

use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::policy::{MailboxLocation, PolicyDenial, PolicySource, Scope, SenderProfile};
use offline_im::settings::{LoadSettingsError, Settings};
use time::macros::datetime;

const TOML: &str = r#"
[organization]
sip_domains = ["contoso.com"]
allow_federated_users = true
allowed_domains = [{ domain = "fabrikam.com", comment = "partner" }]
blocked_domains = [{ domain = "spam.example" }]

[[policies.client_policies]]
scope = "Tag:NoArchiving"
enable_im_auto_archiving = false

[[policies.external_access_policies]]
scope = "Global"
enable_federation_access = true

[senders."sip:Kim@Contoso.com"]
client_policy = "NoArchiving"
client_build = "16.0.6920.1000"
mailbox = "on_premises"
"#;

fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("offline-im-settings-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn message(from: &str, to: &str) -> OfflineIm {
    let person = |sip: &str| {
        let address = sip.trim_start_matches("sip:");
        Participant::new(sip.parse().unwrap(), address.parse().unwrap(), address)
    };
    let sender = person(from);
    OfflineIm::builder()
        .sender(sender.clone())
        .recipient(person(to))
        .line(ImLine::new(
            sender.sip().clone(),
            datetime!(2026-01-01 8:00 UTC),
            "hi",
        ))
        .build()
        .unwrap()
}

#[test]
fn toml_settings_drive_the_planner() {
    let settings = Settings::from_toml_str(TOML).unwrap();
    let kim = "sip:kim@contoso.com".parse().unwrap();
    let profile = settings.sender(&kim);
    assert_eq!(profile.client_policy.as_deref(), Some("NoArchiving"));
    assert_eq!(profile.client_build.unwrap().to_string(), "16.0.6920.1000");

    let planner = settings.planner().build();
    let kim_to_pat = message("sip:kim@contoso.com", "sip:pat@contoso.com");
    assert!(!planner.decide(&kim_to_pat, &profile).unwrap().is_deliver());
    let pat = "sip:pat@contoso.com".parse().unwrap();
    let pat_to_ann = message("sip:pat@contoso.com", "sip:ann@fabrikam.com");
    assert!(
        planner
            .decide(&pat_to_ann, &settings.sender(&pat))
            .unwrap()
            .is_deliver()
    );
}

#[test]
fn json_settings_use_the_same_keys_and_round_trip() {
    let from_toml = Settings::from_toml_str(TOML).unwrap();
    let json = serde_json::to_string_pretty(&from_toml).unwrap();
    assert_eq!(Settings::from_json_str(&json).unwrap(), from_toml);
    let toml_again = toml::to_string(&from_toml).unwrap();
    assert_eq!(Settings::from_toml_str(&toml_again).unwrap(), from_toml);
}

#[test]
fn mistakes_in_files_name_the_place() {
    let err = Settings::from_toml_str(
        "[organization]\nsip_domains = [\"contoso.com\"]\nalow_federated_users = true\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("alow_federated_users"), "{err}");

    let err = Settings::from_json_str(
        r#"{"organization":{"sip_domains":["contoso.com"]},
            "policies":{"client_policies":[{"scope":"Site:","enable_im_auto_archiving":false}]}}"#,
    )
    .unwrap_err();
    let LoadSettingsError::Json { path, message } = &err else {
        panic!("{err:?}")
    };
    assert!(path.starts_with("policies"), "{path}");
    assert!(message.contains("Site:"), "{message}");

    let err = Settings::from_toml_str("[organization]\nsip_domains = []\n").unwrap_err();
    assert!(err.to_string().contains("at least one SIP domain"), "{err}");
}

#[test]
fn powershell_directory_loads_every_cmdlet() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/powershell");
    let settings = Settings::from_powershell_dir(&fixtures).unwrap();
    assert!(
        settings
            .organization
            .owns(&"emea.contoso.com".parse().unwrap())
    );
    assert_eq!(settings.policies.client_policies().len(), 3);
    let effective = settings
        .policies
        .resolve(&offline_im::policy::SenderProfile {
            site: Some("Dublin".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        effective.im_configuration.source,
        PolicySource::Configured(Scope::site("Dublin").unwrap())
    );
}

#[test]
fn powershell_directory_accepts_utf16_and_needs_only_sip_domains() {
    let dir = scratch_dir("utf16");
    // Windows PowerShell's Out-File default: UTF-16LE with a byte-order mark.
    let text = r#"{ "Identity": "contoso.com", "IsDefault": true }"#;
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.join("Get-CsSipDomain.json"), bytes).unwrap();
    std::fs::write(
        dir.join("Get-CsClientPolicy.json"),
        "\u{feff}{ \"Identity\": \"Global\", \"EnableIMAutoArchiving\": false }",
    )
    .unwrap();
    let settings = Settings::from_powershell_dir(&dir).unwrap();
    assert!(settings.organization.owns(&"contoso.com".parse().unwrap()));
    assert_eq!(
        settings.policies.client_policies()[0].enable_im_auto_archiving,
        Some(false)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn powershell_directory_errors_name_the_file_or_cmdlet() {
    let dir = scratch_dir("errors");
    let err = Settings::from_powershell_dir(&dir).unwrap_err();
    assert!(
        matches!(&err, LoadSettingsError::Io { path, .. } if path.ends_with("Get-CsSipDomain.json")),
        "{err:?}"
    );

    std::fs::write(
        dir.join("Get-CsSipDomain.json"),
        r#"{"Identity":"contoso.com"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("Get-CsExternalAccessPolicy.json"),
        r#"{"Identity":"Global","EnableFederationAccess":"yes"}"#,
    )
    .unwrap();
    let err = Settings::from_powershell_dir(&dir).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Get-CsExternalAccessPolicy") && text.contains("EnableFederationAccess"),
        "{text}"
    );

    let err = Settings::from_path(dir.join("settings.yaml")).unwrap_err();
    assert!(matches!(err, LoadSettingsError::UnknownFormat { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

const CONTOSO_POLICIES: &str = r#"
[organization]
sip_domains = ["contoso.com"]

[[policies.client_policies]]
scope = "Tag:NoArchiving"
enable_im_auto_archiving = false

[[policies.client_policies]]
scope = "Tag:Sales"

[[policies.external_access_policies]]
scope = "Tag:FederationAllowed"
enable_federation_access = true
"#;

/// `CONTOSO_POLICIES` with one sender profile of `profile` (TOML keys).
fn with_sender(sender: &str, profile: &str) -> String {
    format!("{CONTOSO_POLICIES}\n[senders.\"{sender}\"]\n{profile}\n")
}

#[test]
fn a_sender_granted_an_undefined_client_policy_is_refused_at_load() {
    let text = with_sender("sip:lee@contoso.com", "client_policy = \"NoSuchTag\"");
    let err = Settings::from_toml_str(&text).unwrap_err();
    let message = err.to_string();
    for part in [
        "sip:lee@contoso.com",
        "client_policy",
        "NoSuchTag",
        "NoArchiving, Sales",
    ] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
    assert!(
        matches!(&err, LoadSettingsError::UndefinedPolicy(undefined)
            if undefined.file.is_none() && undefined.name == "NoSuchTag"
                && undefined.defined == ["NoArchiving", "Sales"]),
        "{err:?}"
    );
}

#[test]
fn a_sender_granted_an_undefined_external_access_policy_is_refused_at_load() {
    let text = with_sender(
        "sip:lee@contoso.com",
        "external_access_policy = \"NoArchiving\"",
    );
    let message = Settings::from_toml_str(&text).unwrap_err().to_string();
    // NoArchiving is a client policy, not an external access policy.
    assert!(message.contains("external_access_policy"), "{message}");
    assert!(message.contains("FederationAllowed"), "{message}");
}

#[test]
fn json_and_files_are_checked_too_and_the_file_is_named() {
    let json = r#"{"organization":{"sip_domains":["contoso.com"]},
        "senders":{"sip:lee@contoso.com":{"client_policy":"NoSuchTag"}}}"#;
    let err = Settings::from_json_str(json).unwrap_err();
    assert!(
        matches!(err, LoadSettingsError::UndefinedPolicy(_)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("no client policy has a Tag: scope"),
        "{err}"
    );

    let dir = scratch_dir("references");
    for (name, text) in [
        (
            "offline-im.toml",
            with_sender("sip:lee@contoso.com", "client_policy = \"NoSuchTag\""),
        ),
        ("offline-im.json", json.to_owned()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let err = Settings::from_path(&path).unwrap_err();
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert!(err.to_string().contains("sip:lee@contoso.com"), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tags_match_as_at_send_time_and_sites_need_no_policy() {
    // Case does not matter, as in PowerShell; a site without policies is valid.
    let text = with_sender(
        "sip:lee@contoso.com",
        "client_policy = \"noarchiving\"\nexternal_access_policy = \"FEDERATIONALLOWED\"\nsite = \"Dublin\"",
    );
    let settings = Settings::from_toml_str(&text).unwrap();
    let lee = settings.sender(&"sip:lee@contoso.com".parse().unwrap());
    // What loads resolves: no message fails later for an unknown policy.
    let effective = settings.policies.resolve(&lee).unwrap();
    assert!(effective.federation_access());
    assert!(settings.validate().is_ok());
}

#[test]
fn a_tag_written_with_its_prefix_gets_a_hint() {
    let text = with_sender("sip:lee@contoso.com", "client_policy = \"Tag:NoArchiving\"");
    let message = Settings::from_toml_str(&text).unwrap_err().to_string();
    assert!(message.contains("without a \"Tag:\" prefix"), "{message}");
}

#[test]
fn settings_built_in_code_can_be_validated() {
    let mut settings = Settings::from_toml_str(CONTOSO_POLICIES).unwrap();
    settings.senders.insert(
        "sip:lee@contoso.com".parse().unwrap(),
        SenderProfile {
            client_policy: Some("Typo".into()),
            ..SenderProfile::default()
        },
    );
    let err = settings.validate().unwrap_err();
    assert!(err.to_string().contains("Typo"), "{err}");
}

#[test]
fn a_sender_without_a_mailbox_key_is_on_premises() {
    // 16.0.6769 is new enough for Exchange Online but not for on-premises.
    let text = with_sender("sip:lee@contoso.com", "client_build = \"16.0.6769.2015\"");
    let settings = Settings::from_toml_str(&text).unwrap();
    let lee = settings.sender(&"sip:lee@contoso.com".parse().unwrap());
    assert_eq!(lee.mailbox, MailboxLocation::OnPremises);
    let denials = settings.policies.resolve(&lee).unwrap().denials();
    assert!(
        matches!(
            denials.as_slice(),
            [PolicyDenial::ClientTooOld {
                mailbox: MailboxLocation::OnPremises,
                ..
            }]
        ),
        "{denials:?}"
    );
    // An unlisted sender's build is unknown and not checked.
    let pat = settings.sender(&"sip:pat@contoso.com".parse().unwrap());
    assert!(
        settings
            .policies
            .resolve(&pat)
            .unwrap()
            .denials()
            .is_empty()
    );

    let online = with_sender(
        "sip:lee@contoso.com",
        "client_build = \"16.0.6769.2015\"\nmailbox = \"exchange_online\"",
    );
    let settings = Settings::from_toml_str(&online).unwrap();
    let lee = settings.sender(&"sip:lee@contoso.com".parse().unwrap());
    assert!(
        settings
            .policies
            .resolve(&lee)
            .unwrap()
            .denials()
            .is_empty()
    );
}
