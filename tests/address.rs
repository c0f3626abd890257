//! Address parsing through the public API: normalization, every rejection rule,
//! and property tests that parsing never panics and is idempotent.

use offline_im::address::{AddressError, Domain, SipUri, SmtpAddress};
use proptest::prelude::*;

#[test]
fn domains_are_normalized_once() {
    let cases = [
        ("contoso.com", "contoso.com"),
        ("  Contoso.COM  ", "contoso.com"),
        ("contoso.com.", "contoso.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("a-b.c0ntoso.co.uk", "a-b.c0ntoso.co.uk"),
    ];
    for (input, expected) in cases {
        let domain: Domain = input.parse().unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(domain.as_str(), expected, "input {input:?}");
    }
}

#[test]
fn bad_domains_name_value_and_rule() {
    let cases = [
        ("", "must not be empty"),
        ("contoso", "at least two labels"),
        ("contoso..com", "empty label"),
        ("-contoso.com", "hyphen"),
        ("contoso-.com", "hyphen"),
        ("con toso.com", "whitespace"),
        ("contoso_corp.com", "letters, digits, hyphens"),
        ("10.0.0.1", "IP address"),
    ];
    for (input, rule) in cases {
        let err = input.parse::<Domain>().expect_err(input);
        assert_eq!(err.value(), input);
        assert!(err.to_string().contains(rule), "{input:?}: {err}");
        assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
    }
    let long_label = format!("{}.com", "a".repeat(64));
    assert!(
        long_label
            .parse::<Domain>()
            .unwrap_err()
            .to_string()
            .contains("63")
    );
    let long_name = format!("{}com", "abcdefghi.".repeat(26));
    assert!(
        long_name
            .parse::<Domain>()
            .unwrap_err()
            .to_string()
            .contains("253")
    );
}

#[test]
fn subdomains_are_within_their_parent_only() {
    let parent: Domain = "contoso.com".parse().unwrap();
    let sub: Domain = "emea.contoso.com".parse().unwrap();
    let lookalike: Domain = "badcontoso.com".parse().unwrap();
    assert!(sub.is_within(&parent));
    assert!(parent.is_within(&parent));
    assert!(!lookalike.is_within(&parent));
    assert!(!parent.is_within(&sub));
}

#[test]
fn sip_uris_are_normalized() {
    let cases = [
        ("sip:kim@contoso.com", "sip:kim@contoso.com"),
        ("  SIP:Kim@Contoso.COM\t", "sip:kim@contoso.com"),
        ("sip:kim@contoso.com;transport=tls", "sip:kim@contoso.com"),
        ("sip:kim@contoso.com?subject=hello", "sip:kim@contoso.com"),
        (
            "sip:o'neil+im@bücher.example",
            "sip:o'neil+im@xn--bcher-kva.example",
        ),
    ];
    for (input, expected) in cases {
        let uri: SipUri = input.parse().unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(uri.as_str(), expected);
        assert_eq!(uri.to_string(), expected);
    }
    let uri: SipUri = "sip:Kim.Akers@Contoso.com".parse().unwrap();
    assert_eq!(uri.user(), "kim.akers");
    assert_eq!(uri.domain().as_str(), "contoso.com");
    assert_eq!(uri.address(), "kim.akers@contoso.com");
}

#[test]
fn bad_sip_uris_name_value_and_rule() {
    let cases = [
        ("kim@contoso.com", "must start with \"sip:\""),
        ("sips:kim@contoso.com", "must start with \"sip:\""),
        ("tel:+14255550100", "must start with \"sip:\""),
        ("sip:contoso.com", "sip:user@domain"),
        ("sip:@contoso.com", "must not be empty"),
        ("sip:kim@@contoso.com", "exactly one"),
        ("sip:kim@contoso.com:5061", "port"),
        ("sip:kim lee@contoso.com", "whitespace"),
        ("sip:kim%20lee@contoso.com", "percent-encoded"),
        ("sip:kim<x>@contoso.com", "user part may contain"),
    ];
    for (input, rule) in cases {
        let err = input.parse::<SipUri>().expect_err(input);
        assert!(
            matches!(err, AddressError::SipUri { .. }),
            "{input:?}: {err:?}"
        );
        assert_eq!(err.value(), input);
        assert!(err.to_string().contains(rule), "{input:?}: {err}");
    }
    let err = "sip:kim@contoso".parse::<SipUri>().unwrap_err();
    assert!(matches!(err, AddressError::Domain { .. }), "{err:?}");
}

#[test]
fn smtp_addresses_are_normalized_and_checked() {
    let kim: SmtpAddress = " Kim.Akers@Contoso.COM ".parse().unwrap();
    assert_eq!(kim.as_str(), "kim.akers@contoso.com");
    assert_eq!(kim.local_part(), "kim.akers");
    assert_eq!(kim.domain().as_str(), "contoso.com");
    assert_eq!(kim, "kim.akers@contoso.com".parse().unwrap());

    let cases = [
        ("kim", "local@domain"),
        ("@contoso.com", "must not be empty"),
        ("kim@@contoso.com", "exactly one"),
        (".kim@contoso.com", "single dots"),
        ("kim..lee@contoso.com", "single dots"),
        ("\"kim lee\"@contoso.com", "whitespace"),
        ("\"kim\"@contoso.com", "quoted"),
        ("kïm@contoso.com", "local part must be"),
    ];
    for (input, rule) in cases {
        let err = input.parse::<SmtpAddress>().expect_err(input);
        assert_eq!(err.value(), input);
        assert!(err.to_string().contains(rule), "{input:?}: {err}");
    }
    let long_local = format!("{}@contoso.com", "k".repeat(65));
    assert!(
        long_local
            .parse::<SmtpAddress>()
            .unwrap_err()
            .to_string()
            .contains("64")
    );
}

#[test]
fn addresses_round_trip_through_serde() {
    let uri: SipUri = "sip:kim@contoso.com".parse().unwrap();
    let json = serde_json::to_string(&uri).unwrap();
    assert_eq!(json, "\"sip:kim@contoso.com\"");
    assert_eq!(serde_json::from_str::<SipUri>(&json).unwrap(), uri);
    let err = serde_json::from_str::<SmtpAddress>("\"not an address\"").unwrap_err();
    assert!(err.to_string().contains("not an address"), "{err}");
}

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(s in "\\PC*") {
        let _ = s.parse::<Domain>();
        let _ = s.parse::<SipUri>();
        let _ = s.parse::<SmtpAddress>();
    }

    #[test]
    fn sip_parsing_is_idempotent(
        user in "[A-Za-z0-9][A-Za-z0-9._+-]{0,20}",
        labels in prop::collection::vec("[A-Za-z][A-Za-z0-9-]{0,10}[A-Za-z0-9]", 2..4),
        params in prop::option::of(";[a-z]{1,8}=[a-z0-9]{1,8}"),
    ) {
        let input = format!("Sip:{user}@{}{}", labels.join("."), params.unwrap_or_default());
        let once: SipUri = input.parse().unwrap();
        let twice: SipUri = once.as_str().parse().unwrap();
        prop_assert_eq!(&once, &twice);
        prop_assert_eq!(once.user(), user.to_ascii_lowercase());
        prop_assert_eq!(once.domain().as_str(), labels.join(".").to_ascii_lowercase());
    }

    #[test]
    fn smtp_parsing_is_idempotent_and_lower_case(
        local in "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(\\.[A-Za-z0-9_-]{1,10}){0,2}",
        labels in prop::collection::vec("[A-Za-z][A-Za-z0-9-]{0,10}[A-Za-z0-9]", 2..4),
    ) {
        let input = format!("{local}@{}", labels.join("."));
        let once: SmtpAddress = input.parse().unwrap();
        prop_assert_eq!(once.as_str(), input.to_ascii_lowercase());
        let twice: SmtpAddress = once.as_str().parse().unwrap();
        prop_assert_eq!(once, twice);
    }
}
