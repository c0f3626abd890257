//! Persisting offline IMs as JSON: round trips, and refusal of invalid input.

use offline_im::compose::{DeliveryId, ImLine, Importance, ItemClass, OfflineIm, Participant};
use serde_json::{Value, json};
use time::macros::datetime;

fn person(user: &str, name: &str) -> Participant {
    Participant::new(
        format!("sip:{user}@contoso.com").parse().unwrap(),
        format!("{user}@contoso.com").parse().unwrap(),
        name,
    )
}

fn sample() -> OfflineIm {
    let kim = person("kim", "Kim Akers");
    let pat = person("pat", "Pat Coleman");
    OfflineIm::builder()
        .sender(kim.clone())
        .recipient(pat.clone())
        .subject("Budget 🙂")
        .importance(Importance::High)
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:15:30.5 +01:00),
            "<hi> & \"bye\"\nשלום",
        ))
        .line(ImLine::new(
            pat.sip().clone(),
            datetime!(2026-03-02 09:16 UTC),
            "ok",
        ))
        .build()
        .unwrap()
}

fn valid_json() -> Value {
    json!({
        "delivery_id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
        "sender": {"sip": "sip:kim@contoso.com", "smtp": "kim@contoso.com", "display_name": "Kim"},
        "recipient": {"sip": "sip:pat@contoso.com", "smtp": "pat@contoso.com", "display_name": "Pat"},
        "lines": [{"author": "sip:kim@contoso.com", "at": "2026-03-02T09:15:00+01:00", "text": "hello"}]
    })
}

fn parse(v: Value) -> Result<OfflineIm, serde_json::Error> {
    serde_json::from_value(v)
}

#[test]
fn round_trip() {
    let im = sample();
    let json = serde_json::to_string(&im).unwrap();
    let back: OfflineIm = serde_json::from_str(&json).unwrap();
    assert_eq!(back, im);
    assert_eq!(
        back.lines()[0].at(),
        datetime!(2026-03-02 09:15:30.5 +01:00)
    );
}

#[test]
fn json_shape_is_readable() {
    let v = serde_json::to_value(sample()).unwrap();
    assert_eq!(v["sender"]["sip"], "sip:kim@contoso.com");
    assert_eq!(v["importance"], "High");
    assert_eq!(v["lines"][1]["at"], "2026-03-02T09:16:00Z");
    assert!(
        v["delivery_id"]
            .as_str()
            .unwrap()
            .parse::<DeliveryId>()
            .is_ok()
    );
}

#[test]
fn minimal_json_uses_defaults_but_keeps_the_id() {
    let im = parse(valid_json()).unwrap();
    assert_eq!(im.importance(), Importance::Normal);
    assert_eq!(im.subject(), None);
    assert_eq!(
        im.delivery_id().to_string(),
        "67e55044-10b1-426f-9247-bb680e5fe0c8"
    );
}

#[test]
fn stranger_as_author_is_refused() {
    let mut v = valid_json();
    v["lines"][0]["author"] = json!("sip:mallory@fabrikam.com");
    let err = parse(v).unwrap_err();
    assert!(
        err.to_string().contains("sip:mallory@fabrikam.com"),
        "{err}"
    );
}

#[test]
fn other_broken_documents_are_refused() {
    let breakages: [(&str, Value); 7] = [
        ("/lines", json!([])),
        ("/lines/0/text", json!("   ")),
        ("/recipient/sip", json!("sip:kim@contoso.com")),
        ("/sender/sip", json!("kim@contoso.com")),
        ("/lines/0/at", json!("yesterday")),
        ("/delivery_id", json!("not-a-uuid")),
        ("/importance", json!("Urgent")),
    ];
    for (pointer, value) in breakages {
        let mut v = valid_json();
        match v.pointer_mut(pointer) {
            Some(slot) => *slot = value,
            None => v["importance"] = value,
        }
        assert!(parse(v).is_err(), "{pointer} accepted");
    }
    let mut v = valid_json();
    v.as_object_mut().unwrap().remove("delivery_id");
    assert!(parse(v).is_err(), "missing delivery id accepted");
}

#[test]
fn control_characters_in_json_are_replaced_on_load() {
    let mut v = valid_json();
    v["lines"][0]["text"] = json!("ring\u{7}");
    let im = parse(v).unwrap();
    assert_eq!(im.lines()[0].text(), "ring\u{FFFD}");
}

#[test]
fn item_class_serde() {
    let v = serde_json::to_value(ItemClass::DOCUMENTED_ALIAS).unwrap();
    assert_eq!(v, "IM.Note.MissedConversation");
    let back: ItemClass = serde_json::from_value(v).unwrap();
    assert_eq!(back, ItemClass::DOCUMENTED_ALIAS);
    assert_ne!(back, ItemClass::default());
}
