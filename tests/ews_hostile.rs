//! Hostile and broken replies: always an error naming what was wrong, never a panic.

use offline_im::ews::{
    ReadError, ReaderLimits, Reply, ResponseClass, ResponseCode, ResponseReader,
};
use proptest::prelude::*;

const FIXTURES: &[&str] = &[
    "create_item_saveonly_one.xml",
    "create_item_send_batch.xml",
    "create_item_mixed.xml",
    "create_item_item_busy.xml",
    "create_item_inner_busy.xml",
    "fault_internal_inner_busy.xml",
    "fault_server_busy_types_ns.xml",
    "fault_server_busy_errors_ns.xml",
    "fault_schema_validation.xml",
    "find_item_one.xml",
    "find_item_recent.xml",
    "find_item_many_two_folders.xml",
    "delete_item.xml",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ews")
        .join(name);
    std::fs::read(path).expect("fixture")
}

/// Reads `bytes` as the reply its fixture name says.
fn read(name: &str, bytes: &[u8], reader: &ResponseReader) -> Result<(), ReadError> {
    if name.starts_with("find") {
        reader.read_find_item(bytes).map(drop)
    } else if name.starts_with("delete") {
        reader.read_delete_item(bytes).map(drop)
    } else {
        reader.read_create_item(bytes).map(drop)
    }
}

fn create_err(bytes: &[u8]) -> ReadError {
    ResponseReader::default()
        .read_create_item(bytes)
        .expect_err("must be refused")
}

const ENVELOPE_OPEN: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CreateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>"#;
const ENVELOPE_CLOSE: &str = "</m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>";

fn envelope(messages: &str) -> Vec<u8> {
    format!("{ENVELOPE_OPEN}{messages}{ENVELOPE_CLOSE}").into_bytes()
}

const OK_MESSAGE: &str = r#"<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items/></m:CreateItemResponseMessage>"#;

#[test]
fn every_truncation_is_an_error() {
    let reader = ResponseReader::default();
    for name in FIXTURES {
        let bytes = fixture(name);
        let text = std::str::from_utf8(&bytes).unwrap();
        let close = if text.contains("</s:Envelope>") {
            "</s:Envelope>"
        } else {
            "</soap:Envelope>"
        };
        let end = text.rfind(close).unwrap() + close.len();
        for cut in 0..end {
            let err = read(name, &bytes[..cut], &reader)
                .expect_err(&format!("{name} cut at {cut} was accepted"));
            assert!(!err.to_string().is_empty());
        }
        read(name, &bytes[..end], &reader).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn truncation_names_where_it_stopped() {
    let bytes = envelope(OK_MESSAGE);
    let cut = ENVELOPE_OPEN.len() + 60;
    let err = create_err(&bytes[..cut]);
    assert!(matches!(err, ReadError::Truncated { .. }), "{err:?}");
    assert!(
        err.to_string().contains("m:CreateItemResponseMessage"),
        "{err}"
    );
    assert!(matches!(create_err(b""), ReadError::Truncated { .. }));
    assert!(matches!(create_err(b"  \n"), ReadError::Truncated { .. }));
}

#[test]
fn a_doctype_is_refused_and_nothing_is_expanded() {
    let laughs = format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>{ENVELOPE_OPEN}<m:CreateItemResponseMessage ResponseClass="Error"><m:MessageText>&lol2;</m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode></m:CreateItemResponseMessage>{ENVELOPE_CLOSE}"#
    );
    let err = create_err(laughs.as_bytes());
    assert!(matches!(err, ReadError::Doctype { .. }), "{err:?}");
    assert!(err.to_string().contains("DOCTYPE"), "{err}");

    let xxe = format!(
        r#"<!DOCTYPE x SYSTEM "file:///etc/passwd">{ENVELOPE_OPEN}{OK_MESSAGE}{ENVELOPE_CLOSE}"#
    );
    assert!(matches!(
        create_err(xxe.as_bytes()),
        ReadError::Doctype { .. }
    ));
}

#[test]
fn an_undefined_entity_is_refused_by_name() {
    let bytes = envelope(
        r#"<m:CreateItemResponseMessage ResponseClass="Error"><m:MessageText>a &xxe; b</m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode></m:CreateItemResponseMessage>"#,
    );
    let err = create_err(&bytes);
    assert!(
        matches!(&err, ReadError::Entity { name, .. } if name == "xxe"),
        "{err:?}"
    );
    let in_attribute = envelope(
        r#"<m:CreateItemResponseMessage ResponseClass="&xxe;"><m:ResponseCode>NoError</m:ResponseCode></m:CreateItemResponseMessage>"#,
    );
    assert!(matches!(
        create_err(&in_attribute),
        ReadError::Entity { .. }
    ));
}

#[test]
fn predefined_entities_and_character_references_are_read() {
    let bytes = envelope(
        r#"<m:CreateItemResponseMessage ResponseClass="Error"><m:MessageText>&lt;&amp;&gt;&quot;&apos;&#x1F642;&#65;<![CDATA[<raw>]]></m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode></m:CreateItemResponseMessage>"#,
    );
    let Reply::Response(r) = ResponseReader::default().read_create_item(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(
        r.messages[0].status.message_text.as_deref(),
        Some("<&>\"'🙂A<raw>")
    );
    let bad_char = envelope(
        r#"<m:CreateItemResponseMessage ResponseClass="Error"><m:MessageText>&#0;</m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode></m:CreateItemResponseMessage>"#,
    );
    assert!(matches!(create_err(&bad_char), ReadError::Malformed { .. }));
}

#[test]
fn wrong_namespaces_are_named() {
    let text = String::from_utf8(envelope(OK_MESSAGE)).unwrap();
    let wrong_m = text.replace("services/2006/messages", "services/2099/messages");
    let err = create_err(wrong_m.as_bytes());
    assert!(
        matches!(err, ReadError::UnexpectedElement { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("services/2099/messages"), "{err}");

    let soap12 = text.replace(
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    );
    let err = create_err(soap12.as_bytes());
    assert!(err.to_string().contains("expected soap:Envelope"), "{err}");

    let undeclared = text
        .replacen("<m:ResponseMessages>", "<x:ResponseMessages>", 1)
        .replacen("</m:ResponseMessages>", "</x:ResponseMessages>", 1);
    let err = create_err(undeclared.as_bytes());
    assert!(err.to_string().contains("\"x\" is not declared"), "{err}");

    let not_soap = br#"<html><body>Service Unavailable</body></html>"#;
    let err = create_err(not_soap);
    assert!(err.to_string().contains("html"), "{err}");
}

#[test]
fn missing_parts_are_named() {
    let err = create_err(br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>"#);
    assert_eq!(
        err,
        ReadError::MissingElement {
            element: "soap:Body",
            parent: "soap:Envelope"
        }
    );

    let err = create_err(br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>"#);
    assert!(
        matches!(
            err,
            ReadError::MissingElement {
                parent: "soap:Body",
                ..
            }
        ),
        "{err:?}"
    );

    let no_messages = format!(
        "{}{}",
        ENVELOPE_OPEN.replace("<m:ResponseMessages>", ""),
        "</m:CreateItemResponse></s:Body></s:Envelope>"
    );
    let err = create_err(no_messages.as_bytes());
    assert!(
        err.to_string().contains("m:ResponseMessages is missing"),
        "{err}"
    );

    let err = create_err(&envelope(
        r#"<m:CreateItemResponseMessage><m:ResponseCode>NoError</m:ResponseCode></m:CreateItemResponseMessage>"#,
    ));
    assert!(
        matches!(
            err,
            ReadError::MissingAttribute {
                attribute: "ResponseClass",
                ..
            }
        ),
        "{err:?}"
    );

    let err = create_err(&envelope(
        r#"<m:CreateItemResponseMessage ResponseClass="Error"><m:MessageText>x</m:MessageText></m:CreateItemResponseMessage>"#,
    ));
    assert!(
        err.to_string().contains("m:ResponseCode is missing"),
        "{err}"
    );

    let err = create_err(&envelope(
        r#"<m:CreateItemResponseMessage ResponseClass="Fine"><m:ResponseCode>NoError</m:ResponseCode></m:CreateItemResponseMessage>"#,
    ));
    assert!(
        err.to_string().contains("\"Fine\"")
            && err.to_string().contains("Success, Warning or Error"),
        "{err}"
    );

    let err = create_err(&envelope(
        r#"<m:CreateItemResponseMessage ResponseClass="Error"><m:ResponseCode>ErrorX</m:ResponseCode><m:DescriptiveLinkKey>zero</m:DescriptiveLinkKey></m:CreateItemResponseMessage>"#,
    ));
    assert!(err.to_string().contains("DescriptiveLinkKey"), "{err}");

    let fault = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultstring>x</faultstring></s:Fault></s:Body></s:Envelope>"#;
    assert_eq!(
        create_err(fault),
        ReadError::MissingElement {
            element: "faultcode",
            parent: "soap:Fault"
        }
    );

    let find = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:FindItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder><t:Items><t:Message><t:Subject>no id</t:Subject></t:Message></t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse></s:Body></s:Envelope>"#;
    let err = ResponseReader::default().read_find_item(find).unwrap_err();
    assert!(err.to_string().contains("t:ItemId is missing"), "{err}");
}

#[test]
fn oversized_replies_are_refused_before_parsing() {
    let small = ResponseReader::with_limits(ReaderLimits {
        max_bytes: 100,
        ..ReaderLimits::default()
    });
    let err = small.read_create_item(&envelope(OK_MESSAGE)).unwrap_err();
    assert!(
        matches!(err, ReadError::TooLarge { limit: 100, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("100 bytes"), "{err}");

    let huge = vec![b'<'; ReaderLimits::default().max_bytes + 1];
    assert!(matches!(create_err(&huge), ReadError::TooLarge { .. }));
}

#[test]
fn depth_and_item_counts_are_bounded() {
    let deep = format!("{}{}", "<a>".repeat(200_000), "</a>".repeat(200_000));
    let err = create_err(deep.as_bytes());
    assert!(err.to_string().contains("expected soap:Envelope"), "{err}");
    let deep = envelope(&format!(
        r#"<m:CreateItemResponseMessage ResponseClass="Success">{}{}</m:CreateItemResponseMessage>"#,
        "<m:x>".repeat(100_000),
        "</m:x>".repeat(100_000)
    ));
    assert!(matches!(
        create_err(&deep),
        ReadError::TooDeep { limit: 64, .. }
    ));

    let few = ResponseReader::with_limits(ReaderLimits {
        max_items: 5,
        ..ReaderLimits::default()
    });
    let err = few
        .read_create_item(&envelope(&OK_MESSAGE.repeat(6)))
        .unwrap_err();
    assert!(
        matches!(err, ReadError::TooManyItems { limit: 5, .. }),
        "{err:?}"
    );
    assert!(
        few.read_create_item(&envelope(&OK_MESSAGE.repeat(5)))
            .is_ok()
    );
}

#[test]
fn other_defects_are_errors() {
    assert!(matches!(
        create_err(b"\xff\xfe<\x00s\x00"),
        ReadError::NotUtf8 { position: 0 }
    ));
    let mut trailing = envelope(OK_MESSAGE);
    trailing.extend_from_slice(b"<again/>");
    assert!(create_err(&trailing).to_string().contains("after the end"));
    let mismatched = String::from_utf8(envelope(OK_MESSAGE))
        .unwrap()
        .replace("</m:ResponseMessages>", "</m:ResponseMessagez>");
    assert!(matches!(
        create_err(mismatched.as_bytes()),
        ReadError::Malformed { .. }
    ));
    let mut with_bom = "\u{FEFF}".as_bytes().to_vec();
    with_bom.extend(envelope(OK_MESSAGE));
    assert!(
        ResponseReader::default()
            .read_create_item(&with_bom)
            .is_ok()
    );
}

/// A mutation of a real-shaped reply.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, &'static str),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

const SNIPPETS: &[&str] = &[
    "<!DOCTYPE x [<!ENTITY a \"b\">]>",
    "&a;",
    "&#0;",
    "&#xD800;",
    "&",
    "<",
    "]]>",
    "<![CDATA[",
    "<x>",
    "</x>",
    "<m:Items>",
    "</m:ResponseMessages>",
    "<t:Value Name=\"BackOffMilliseconds\">-1</t:Value>",
    " xmlns:m=\"urn:wrong\"",
    " ResponseClass=\"Error\"",
    "\u{0}",
    "\u{FFFF}",
    "🙂",
    "<?pi x?>",
    "<!-- -->",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), prop::sample::select(SNIPPETS)).prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), 0usize..256).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match *m {
        Mutation::Truncate(i) => bytes.truncate(i % len),
        Mutation::Flip(i, b) => {
            if !bytes.is_empty() {
                bytes[i % len] ^= b;
            }
        }
        Mutation::Insert(i, s) => {
            let at = i % (bytes.len() + 1);
            bytes.splice(at..at, s.bytes());
        }
        Mutation::Delete(i, n) => {
            let at = i % len;
            let end = (at + n).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        Mutation::Duplicate(i, n) => {
            let at = i % len;
            let end = (at + n).min(bytes.len());
            let copy = bytes[at.min(end)..end].to_vec();
            bytes.splice(end..end, copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_replies_never_panic(
        which in 0..FIXTURES.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let name = FIXTURES[which];
        let mut bytes = fixture(name);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let reader = ResponseReader::with_limits(ReaderLimits { max_items: 50, ..ReaderLimits::default() });
        // Any of the three readers on any input: a value or an error with a message.
        for result in [
            read(name, &bytes, &reader),
            reader.read_create_item(&bytes).map(drop),
            reader.read_find_item(&bytes).map(drop),
            reader.read_delete_item(&bytes).map(drop),
        ] {
            if let Err(e) = result {
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = ResponseReader::default().read_create_item(&bytes);
        let _ = ResponseReader::default().read_find_item(&bytes);
    }
}

#[test]
fn a_class_and_code_that_contradict_each_other_are_refused() {
    let cases = [
        (
            "Success",
            "ErrorServerBusy",
            ResponseClass::Success,
            ResponseCode::ErrorServerBusy,
        ),
        (
            "Success",
            "ErrorSomethingNew",
            ResponseClass::Success,
            ResponseCode::Other("ErrorSomethingNew".into()),
        ),
        (
            "Error",
            "NoError",
            ResponseClass::Error,
            ResponseCode::NoError,
        ),
        (
            "Warning",
            "NoError",
            ResponseClass::Warning,
            ResponseCode::NoError,
        ),
    ];
    for (class_text, code_text, class, code) in cases {
        let bytes = envelope(&format!(
            r#"{OK_MESSAGE}<m:CreateItemResponseMessage ResponseClass="{class_text}"><m:ResponseCode>{code_text}</m:ResponseCode><m:Items/></m:CreateItemResponseMessage>"#
        ));
        let err = create_err(&bytes);
        let at = (ENVELOPE_OPEN.len() + OK_MESSAGE.len()) as u64;
        match &err {
            ReadError::Contradiction {
                class: c,
                code: k,
                position,
            } => {
                assert_eq!((c, k), (&class, &code));
                assert!(*position > at && *position < at + 80, "{position}");
            }
            other => panic!("{class_text}/{code_text}: {other:?}"),
        }
        let shown = err.to_string();
        assert!(
            shown.contains(class_text)
                && shown.contains(code_text)
                && shown.contains("contradicts"),
            "{shown}"
        );
    }
    // Agreeing pairs are read.
    for message in [
        OK_MESSAGE,
        r#"<m:CreateItemResponseMessage ResponseClass="Success"><m:Items/></m:CreateItemResponseMessage>"#,
        r#"<m:CreateItemResponseMessage ResponseClass="Warning"><m:ResponseCode>ErrorBatchProcessingStopped</m:ResponseCode></m:CreateItemResponseMessage>"#,
    ] {
        ResponseReader::default()
            .read_create_item(&envelope(message))
            .unwrap_or_else(|e| panic!("{message}: {e}"));
    }
}
