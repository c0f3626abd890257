//! Property tests: whatever the text, the rendered HTML is well-formed XML and
//! shows the text (with forbidden characters replaced by U+FFFD).

use offline_im::compose::{Composer, ImLine, OfflineIm, Participant, is_xml_char};
use proptest::prelude::*;
use quick_xml::Reader;
use quick_xml::events::Event;
use time::macros::datetime;

fn im(name: &str, subject: &str, text: &str) -> OfflineIm {
    let kim = Participant::new(
        "sip:kim@contoso.com".parse().unwrap(),
        "kim@contoso.com".parse().unwrap(),
        name,
    );
    let pat = Participant::new(
        "sip:pat@contoso.com".parse().unwrap(),
        "pat@contoso.com".parse().unwrap(),
        "Pat",
    );
    OfflineIm::builder()
        .sender(kim.clone())
        .recipient(pat)
        .subject(subject)
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:15 UTC),
            text,
        ))
        .build()
        .unwrap()
}

/// Reads `html` to the end as XML; returns the text-cell contents and the author name.
fn read(html: &str) -> Result<(String, String), String> {
    let mut reader = Reader::from_str(html);
    let (mut cell, mut author) = (String::new(), String::new());
    let mut target: Option<&str> = None;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let out = match target {
            Some("text") => Some(&mut cell),
            Some("author") => Some(&mut author),
            _ => None,
        };
        match event {
            Event::Start(e) if e.name().as_ref() == "td" => {
                let class = e.try_get_attribute("class").map_err(|e| e.to_string())?;
                target = match class.map(|a| a.value.into_owned()).as_deref() {
                    Some("text") => Some("text"),
                    Some("author") => Some("author"),
                    _ => None,
                };
            }
            Event::End(e) if e.name().as_ref() == "td" => target = None,
            Event::Empty(e) if e.name().as_ref() == "br" => {
                if let Some(out) = out {
                    out.push('\n');
                }
            }
            Event::Text(t) => {
                if let Some(out) = out {
                    out.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .ok_or("unknown entity")?
                        .to_owned(),
                };
                if let Some(out) = out {
                    out.push_str(&resolved);
                }
            }
            Event::Eof => return Ok((cell, author)),
            _ => {}
        }
    }
}

fn replaced(s: &str) -> String {
    s.chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect()
}

/// Any text: mostly hostile ASCII and controls, plus anything at all.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[<>&\"' \\]\\[!\\-;#x0-9a-zA-Z\u{0}-\u{1f}\u{7f}\u{fffe}\u{ffff}]{1,40}",
        any::<String>(),
        "\\PC{1,20}",
    ]
    .prop_filter("line text must not be blank", |s| !s.trim().is_empty())
}

proptest! {
    #[test]
    fn html_is_wellformed_and_shows_the_text(text in any_text(), name in any_text(), subject in any::<String>()) {
        let im = im(&name, &subject, &text);
        let m = Composer::new().compose(&im).unwrap();
        prop_assert!(m.html().chars().all(is_xml_char));
        prop_assert!(m.subject().chars().all(is_xml_char));
        prop_assert!(m.text().chars().all(is_xml_char));
        let (cell, author) = read(m.html()).map_err(TestCaseError::fail)?;
        let expected = replaced(&text).replace("\r\n", "\n").replace('\r', "\n");
        prop_assert_eq!(cell, expected);
        prop_assert_eq!(author, im.sender().shown_name().replace("\r\n", " ").replace(['\r', '\n', '\t'], " "));
        prop_assert!(m.text().contains(&replaced(&text)));
    }
}

proptest! {
    #[test]
    fn escape_html_round_trips_through_an_xml_unescaper(text in any::<String>()) {
        let safe = offline_im::compose::xml_safe(&text);
        let mut escaped = String::new();
        offline_im::compose::escape_html(&safe, &mut escaped);
        prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
        let back = quick_xml::escape::unescape(&escaped).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.as_ref(), safe.as_ref());
    }

    #[test]
    fn xml_safe_only_touches_forbidden_characters(text in any::<String>()) {
        let safe = offline_im::compose::xml_safe(&text);
        prop_assert_eq!(safe.chars().count(), text.chars().count());
        for (a, b) in text.chars().zip(safe.chars()) {
            let replaced_ok = !is_xml_char(a) && b == char::REPLACEMENT_CHARACTER;
            prop_assert!(a == b || replaced_ok, "{:?} became {:?}", a, b);
        }
        prop_assert_eq!(offline_im::compose::first_invalid_char(&safe), None);
    }
}
