//! Building offline IMs: every rule `build()` checks, through the public API.

use offline_im::address::SipUri;
use offline_im::compose::{
    ComposeError, DeliveryId, ImLine, Importance, InvalidCharacters, OfflineIm, Participant,
};
use time::OffsetDateTime;
use time::macros::datetime;

fn person(user: &str, name: &str) -> Participant {
    Participant::new(
        format!("sip:{user}@contoso.com").parse().unwrap(),
        format!("{user}@contoso.com").parse().unwrap(),
        name,
    )
}

fn kim() -> Participant {
    person("kim", "Kim Akers")
}

fn pat() -> Participant {
    person("pat", "Pat Coleman")
}

const AT: OffsetDateTime = datetime!(2026-03-02 09:15 +01:00);

fn line(by: &Participant, text: &str) -> ImLine {
    ImLine::new(by.sip().clone(), AT, text)
}

fn valid() -> offline_im::compose::OfflineImBuilder {
    OfflineIm::builder()
        .sender(kim())
        .recipient(pat())
        .line(line(&kim(), "hello"))
}

#[test]
fn a_valid_message_keeps_everything_given() {
    let id = DeliveryId::new();
    let im = valid()
        .line(line(&pat(), "hi back"))
        .subject("Budget")
        .importance(Importance::High)
        .delivery_id(id)
        .build()
        .unwrap();
    assert_eq!(im.sender(), &kim());
    assert_eq!(im.recipient(), &pat());
    assert_eq!(im.subject(), Some("Budget"));
    assert_eq!(im.importance(), Importance::High);
    assert_eq!(im.delivery_id(), id);
    let texts: Vec<_> = im.lines().iter().map(ImLine::text).collect();
    assert_eq!(texts, ["hello", "hi back"]);
    assert_eq!(im.lines()[0].at(), AT);
    assert_eq!(im.participant(pat().sip()), Some(&pat()));
}

#[test]
fn defaults_are_normal_importance_random_id_no_subject() {
    let a = valid().build().unwrap();
    let b = valid().build().unwrap();
    assert_eq!(a.importance(), Importance::Normal);
    assert_eq!(a.subject(), None);
    assert_ne!(a.delivery_id(), b.delivery_id());
}

#[test]
fn blank_subject_counts_as_none() {
    assert_eq!(valid().subject(" \n ").build().unwrap().subject(), None);
}

#[test]
fn missing_sender() {
    let err = OfflineIm::builder()
        .recipient(pat())
        .line(line(&pat(), "x"))
        .build()
        .unwrap_err();
    assert_eq!(err, ComposeError::Missing { field: "sender" });
    assert!(err.to_string().contains("sender"), "{err}");
}

#[test]
fn missing_recipient() {
    let err = OfflineIm::builder()
        .sender(kim())
        .line(line(&kim(), "x"))
        .build()
        .unwrap_err();
    assert_eq!(err, ComposeError::Missing { field: "recipient" });
}

#[test]
fn no_lines() {
    let err = OfflineIm::builder()
        .sender(kim())
        .recipient(pat())
        .build()
        .unwrap_err();
    assert_eq!(err, ComposeError::NoLines);
    assert!(err.to_string().contains("at least one"), "{err}");
}

#[test]
fn sender_and_recipient_must_differ() {
    let err = OfflineIm::builder()
        .sender(kim())
        .recipient(person("kim", "Kim again"))
        .line(line(&kim(), "x"))
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, ComposeError::SameParticipant { value } if value == "sip:kim@contoso.com"),
        "{err:?}"
    );
    // Same mailbox under another SIP URI is the same person too.
    let twin = Participant::new(
        "sip:kim2@contoso.com".parse().unwrap(),
        "kim@contoso.com".parse().unwrap(),
        "Kim",
    );
    let err = OfflineIm::builder()
        .sender(kim())
        .recipient(twin)
        .line(line(&kim(), "x"))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ComposeError::SameParticipant { .. }),
        "{err:?}"
    );
}

#[test]
fn author_must_be_sender_or_recipient() {
    let stranger: SipUri = "sip:mallory@fabrikam.com".parse().unwrap();
    let err = valid()
        .line(ImLine::new(stranger.clone(), AT, "psst"))
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        ComposeError::UnknownAuthor {
            line: 1,
            author: stranger
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains("sip:mallory@fabrikam.com") && msg.contains("line 1"),
        "{msg}"
    );
}

#[test]
fn timestamps_must_be_expressible_in_rfc_3339() {
    let odd = AT.to_offset(time::UtcOffset::from_hms(5, 30, 15).unwrap());
    let err = valid()
        .line(ImLine::new(pat().sip().clone(), odd, "x"))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ComposeError::Timestamp { line: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("RFC 3339"), "{err}");
}

#[test]
fn line_text_must_not_be_blank() {
    for blank in ["", "   ", "\n\t"] {
        let err = valid().line(line(&pat(), blank)).build().unwrap_err();
        assert_eq!(err, ComposeError::EmptyText { line: 1 }, "{blank:?}");
    }
}

#[test]
fn control_characters_are_replaced_by_default() {
    let im = OfflineIm::builder()
        .sender(person("kim", "Kim\u{0}Akers"))
        .recipient(pat())
        .subject("Bud\u{7}get")
        .line(line(
            &kim(),
            "bell\u{7} esc\u{1b} ff\u{c} nonchar\u{FFFF} tab\tok\r\n",
        ))
        .build()
        .unwrap();
    assert_eq!(
        im.lines()[0].text(),
        "bell\u{FFFD} esc\u{FFFD} ff\u{FFFD} nonchar\u{FFFD} tab\tok\r\n"
    );
    assert_eq!(im.sender().display_name(), "Kim\u{FFFD}Akers");
    assert_eq!(im.subject(), Some("Bud\u{FFFD}get"));
}

#[test]
fn control_characters_are_rejected_in_reject_mode() {
    let err = valid()
        .line(line(&pat(), "fine"))
        .line(line(&pat(), "bad\u{1}"))
        .invalid_characters(InvalidCharacters::Reject)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            ComposeError::InvalidCharacter {
                field: "text",
                line: Some(2),
                code_point: '\u{1}',
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("U+0001") && msg.contains("line 2"), "{msg}");

    let err = OfflineIm::builder()
        .sender(kim())
        .recipient(person("pat", "Pat\u{FFFE}"))
        .line(line(&kim(), "x"))
        .invalid_characters(InvalidCharacters::Reject)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            ComposeError::InvalidCharacter {
                field: "recipient display name",
                line: None,
                code_point: '\u{FFFE}',
                ..
            }
        ),
        "{err:?}"
    );

    let err = valid()
        .subject("a\u{8}")
        .invalid_characters(InvalidCharacters::Reject)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            ComposeError::InvalidCharacter {
                field: "subject",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn hostile_but_valid_text_is_kept_unchanged() {
    let hostile = "<script>alert('x')</script> &amp; \"q\" ]]> 🙂 مرحبا e\u{301}\u{302}";
    let im = valid()
        .line(line(&pat(), hostile))
        .invalid_characters(InvalidCharacters::Reject)
        .build()
        .unwrap();
    assert_eq!(im.lines()[1].text(), hostile);
}

#[test]
fn errors_shorten_long_values() {
    let long = format!("{}\u{1}", "x".repeat(10_000));
    let err = valid()
        .line(line(&pat(), &long))
        .invalid_characters(InvalidCharacters::Reject)
        .build()
        .unwrap_err();
    assert!(err.to_string().len() < 400, "{err}");
}
