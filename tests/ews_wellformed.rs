//! A reply that is not well-formed XML (or not namespace-well-formed) is refused
//! with a `ReadError` naming where and why, whatever element the defect is on.

use offline_im::ews::{ReadError, Reply, ResponseReader};

const ENVELOPE_OPEN: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CreateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>"#;
const ENVELOPE_CLOSE: &str = "</m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>";
const OK_MESSAGE: &str = r#"<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id="AAA=" ChangeKey="CQ"/></t:Message></m:Items></m:CreateItemResponseMessage>"#;

fn reply() -> String {
    format!("{ENVELOPE_OPEN}{OK_MESSAGE}{ENVELOPE_CLOSE}")
}

fn read(text: &str) -> Result<Reply<offline_im::ews::CreateItemResult>, ReadError> {
    ResponseReader::default().read_create_item(text.as_bytes())
}

/// `text` is refused as malformed, with a reason containing `why`.
#[track_caller]
fn refused(text: &str, why: &str) -> ReadError {
    let err = match read(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e,
    };
    assert!(
        matches!(err, ReadError::Malformed { .. }),
        "{err:?} for {text}"
    );
    assert!(err.to_string().contains(why), "{err} lacks {why:?}");
    err
}

#[test]
fn the_well_formed_reply_is_read() {
    let Reply::Response(r) = read(&reply()).unwrap() else {
        panic!()
    };
    assert_eq!(r.messages.len(), 1);
    // Declared prefixes on attributes, `xml:` and repeated local names in different
    // namespaces are fine.
    let fine = reply()
        .replace(
            "<m:Items>",
            r#"<m:Items xml:lang="en" t:a="1" a="2" xmlns:u="urn:u" u:b="3" b="4">"#,
        )
        .replace("<t:Message>", "<t:Message  a='1'\n\tb = \"2\" >");
    read(&fine).unwrap();
    // Comments and processing instructions may follow the root (XML 1.0 `Misc`).
    read(&format!("{}<!-- end -->\n<?pi x?>\n", reply())).unwrap();
}

#[test]
fn a_duplicated_attribute_is_refused_on_any_element() {
    let on_class = reply().replace(
        r#"ResponseClass="Success""#,
        r#"ResponseClass="Success" ResponseClass="Error""#,
    );
    let err = refused(&on_class, "ResponseClass");
    assert!(err.to_string().contains("more than once"), "{err}");

    let on_item_id = reply().replace(r#"Id="AAA=""#, r#"Id="AAA=" Id="BBB=""#);
    refused(&on_item_id, "more than once");

    // On an element the reader otherwise skips.
    let on_skipped = reply().replace("<t:Message>", r#"<t:Message a="1" b="2" a="3">"#);
    refused(&on_skipped, "\"a\"");

    // The same namespace under two prefixes is the same attribute.
    let aliased = reply().replace(
        "<m:Items>",
        r#"<m:Items xmlns:p="urn:x" xmlns:q="urn:x" p:a="1" q:a="2">"#,
    );
    refused(&aliased, "more than once");
}

#[test]
fn a_duplicated_namespace_declaration_is_refused() {
    let prefixed = ENVELOPE_OPEN.replace(
        r#"xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types""#,
        r#"xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:t="urn:other""#,
    );
    refused(
        &format!("{prefixed}{OK_MESSAGE}{ENVELOPE_CLOSE}"),
        "xmlns:t",
    );
    let default = reply().replace("<m:Items>", r#"<m:Items xmlns="urn:a" xmlns="urn:b">"#);
    refused(&default, "xmlns");
    // Declarations XML Namespaces forbids.
    for (declaration, why) in [
        (r#"xmlns:p="""#, "empty name"),
        (r#"xmlns:xmlns="urn:x""#, "reserved"),
        (r#"xmlns:xml="urn:x""#, "XML namespace only"),
    ] {
        let text = reply().replace("<m:Items>", &format!("<m:Items {declaration}>"));
        refused(&text, why);
    }
    // The xml prefix may be declared with its own name.
    read(&reply().replace(
        "<m:Items>",
        r#"<m:Items xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en">"#,
    ))
    .unwrap();
}

#[test]
fn an_undeclared_prefix_is_refused() {
    let attribute = reply().replace("<m:Items>", r#"<m:Items foo:bar="1">"#);
    let err = refused(&attribute, "\"foo\"");
    assert!(err.to_string().contains("is not declared"), "{err}");
    // Declared on a sibling: out of scope here.
    let out_of_scope = reply()
        .replace(
            "<m:ResponseCode>",
            r#"<m:ResponseCode xmlns:foo="urn:foo">"#,
        )
        .replace("<t:Message>", r#"<t:Message foo:bar="1">"#);
    refused(&out_of_scope, "is not declared");
    let element = reply()
        .replace("<m:Items>", "<x:Items>")
        .replace("</m:Items>", "</x:Items>");
    refused(&element, "\"x\" is not declared");
}

#[test]
fn malformed_attributes_are_refused_on_any_element() {
    for bad in [
        r#"<t:Message a>"#,
        r#"<t:Message a=1>"#,
        r#"<t:Message a="1"b="2">"#,
        r#"<t:Message :a="1">"#,
        r#"<t:Message a:="1">"#,
    ] {
        let text = reply().replace("<t:Message>", bad);
        assert!(
            matches!(read(&text), Err(ReadError::Malformed { .. })),
            "{bad} accepted"
        );
    }
}

#[test]
fn content_outside_the_root_is_refused() {
    refused(&format!("hello{}", reply()), "before the root");
    refused(&format!("{}trailing", reply()), "after the end");
    refused(
        &format!(
            r#"{}<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>"#,
            reply()
        ),
        "after the end of soap:Envelope",
    );
    refused(
        &format!("{}{}", reply(), reply()),
        "after the end of soap:Envelope",
    );
    refused(&format!("{}&amp;", reply()), "after the end");
    refused(
        &format!(r#"{}<?xml version="1.0"?>"#, reply()),
        "XML declaration",
    );
    refused(
        &format!(r#"<!-- x --><?xml version="1.0"?>{}"#, reply()),
        "XML declaration",
    );
}

#[test]
fn errors_say_where() {
    let text = reply().replace("<t:Message>", r#"<t:Message a="1" a="2">"#);
    let at = text.find("<t:Message").unwrap() as u64;
    match read(&text) {
        Err(ReadError::Malformed { position, .. }) => {
            assert!(position >= at && position <= at + 30, "{position} vs {at}");
        }
        other => panic!("{other:?}"),
    }
}
