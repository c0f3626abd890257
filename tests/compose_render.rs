//! Rendering offline IMs: subjects, HTML and text bodies, custom renderers, size cap.

use offline_im::compose::{
    ComposeError, Composer, ImLine, InvalidCharacters, OfflineIm, OfflineImBuilder, Participant,
    Renderer, TranscriptRenderer,
};
use quick_xml::Reader;
use quick_xml::events::Event;
use time::macros::datetime;

fn person(user: &str, name: &str) -> Participant {
    Participant::new(
        format!("sip:{user}@contoso.com").parse().unwrap(),
        format!("{user}@contoso.com").parse().unwrap(),
        name,
    )
}

fn builder_with(sender_name: &str, text: &str) -> OfflineImBuilder {
    let kim = person("kim", sender_name);
    OfflineIm::builder()
        .sender(kim.clone())
        .recipient(person("pat", "Pat Coleman"))
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 09:05 -07:00),
            text,
        ))
}

fn im_with(text: &str) -> OfflineIm {
    builder_with("Kim Akers", text).build().unwrap()
}

/// Parses `html` as XML to the end; returns the text of every `dir="auto"` text
/// cell, with `<br/>` as `\n` and references resolved.
fn text_cells(html: &str) -> Vec<String> {
    let mut reader = Reader::from_str(html);
    let mut cells = Vec::new();
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == "td" => {
                let class = e.try_get_attribute("class").unwrap().unwrap();
                if class.value.as_ref() == "text" {
                    current = Some(String::new());
                }
            }
            Event::End(e) if e.name().as_ref() == "td" => {
                if let Some(cell) = current.take() {
                    cells.push(cell);
                }
            }
            Event::Empty(e) if e.name().as_ref() == "br" => {
                if let Some(cell) = current.as_mut() {
                    cell.push('\n');
                }
            }
            Event::Text(t) => {
                if let Some(cell) = current.as_mut() {
                    cell.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(cell) = current.as_mut() {
                    if let Some(c) = r.resolve_char_ref().unwrap() {
                        cell.push(c);
                    } else {
                        let name = r.xml10_content();
                        cell.push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap());
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    cells
}

#[test]
fn default_subject_names_the_sender() {
    let m = Composer::new().compose(&im_with("hi")).unwrap();
    assert_eq!(m.subject(), "Missed conversation with Kim Akers");
}

#[test]
fn subject_template_can_be_changed() {
    let composer = Composer::new().renderer(
        TranscriptRenderer::new().subject_template(TranscriptRenderer::SENT_YOU_A_MESSAGE),
    );
    let m = composer.compose(&im_with("hi")).unwrap();
    assert_eq!(m.subject(), "Kim Akers sent you a message");
}

#[test]
fn topic_is_used_as_subject() {
    let im = builder_with("Kim Akers", "hi")
        .subject("Q3 <budget> & plans")
        .build()
        .unwrap();
    let m = Composer::new().compose(&im).unwrap();
    assert_eq!(m.subject(), "Q3 <budget> & plans");
    assert!(
        m.html()
            .contains("<title>Q3 &lt;budget&gt; &amp; plans</title>"),
        "{}",
        m.html()
    );
}

#[test]
fn subject_is_one_line() {
    let im = builder_with("Kim Akers", "hi")
        .subject("two\nlines\tand tab\r\n")
        .build()
        .unwrap();
    assert_eq!(
        Composer::new().compose(&im).unwrap().subject(),
        "two lines and tab"
    );
    let im = builder_with("Kim\r\nAkers", "hi").build().unwrap();
    let m = Composer::new().compose(&im).unwrap();
    assert_eq!(m.subject(), "Missed conversation with Kim Akers");
    assert_eq!(m.text(), "[09:05] Kim Akers: hi\n");
}

#[test]
fn blank_display_name_falls_back_to_sip_user() {
    let im = builder_with("  ", "hi").build().unwrap();
    let m = Composer::new().compose(&im).unwrap();
    assert_eq!(m.subject(), "Missed conversation with kim");
    assert_eq!(m.text(), "[09:05] kim: hi\n");
}

#[test]
fn html_is_a_small_wellformed_transcript() {
    let kim = person("kim", "Kim Akers");
    let pat = person("pat", "Pat Coleman");
    let im = OfflineIm::builder()
        .sender(kim.clone())
        .recipient(pat.clone())
        .line(ImLine::new(
            kim.sip().clone(),
            datetime!(2026-03-02 23:59 +05:30),
            "first\nsecond",
        ))
        .line(ImLine::new(
            pat.sip().clone(),
            datetime!(2026-03-03 00:01 UTC),
            "reply",
        ))
        .build()
        .unwrap();
    let m = Composer::new().compose(&im).unwrap();
    let html = m.html();
    assert!(
        html.starts_with("<html>") && html.trim_end().ends_with("</html>"),
        "{html}"
    );
    assert!(html.contains("<body>"));
    assert!(html.contains("<td class=\"time\">23:59</td>"), "{html}");
    assert!(html.contains("<td class=\"time\">00:01</td>"), "{html}");
    assert!(html.contains(">Kim Akers</td>") && html.contains(">Pat Coleman</td>"));
    assert!(
        html.contains("<td class=\"text\" dir=\"auto\">first<br/>second</td>"),
        "{html}"
    );
    assert_eq!(text_cells(html), ["first\nsecond", "reply"]);
    assert_eq!(
        m.text(),
        "[23:59] Kim Akers: first\nsecond\n[00:01] Pat Coleman: reply\n"
    );
}

#[test]
fn hostile_text_is_escaped_in_html_and_intact_in_text() {
    let hostile = "<script>alert(\"x\")</script> &amp; 'q' ]]> 🙂 שלום مرحبا e\u{301}\u{302}";
    let im = im_with(hostile);
    let m = Composer::new().compose(&im).unwrap();
    assert!(!m.html().contains("<script>"), "{}", m.html());
    assert!(m.html().contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;amp; &#39;q&#39; ]]&gt; 🙂 שלום مرحبا e\u{301}\u{302}"));
    assert_eq!(text_cells(m.html()), [hostile]);
    assert_eq!(m.text(), format!("[09:05] Kim Akers: {hostile}\n"));
}

#[test]
fn hostile_display_names_are_escaped() {
    let im = builder_with("<img src=x onerror='a'>", "hi")
        .build()
        .unwrap();
    let m = Composer::new().compose(&im).unwrap();
    assert!(
        m.html().contains("&lt;img src=x onerror=&#39;a&#39;&gt;"),
        "{}",
        m.html()
    );
    assert!(!m.html().contains("<img"));
    text_cells(m.html()); // still well-formed
}

#[test]
fn control_characters_never_reach_the_output() {
    let im = im_with("a\u{0}b\u{1b}c");
    let m = Composer::new().compose(&im).unwrap();
    assert_eq!(text_cells(m.html()), ["a\u{FFFD}b\u{FFFD}c"]);
    assert!(m.text().contains("a\u{FFFD}b\u{FFFD}c"));
}

#[test]
fn size_cap() {
    let im = im_with(&"x".repeat(2_000));
    let err = Composer::new().max_bytes(1_000).compose(&im).unwrap_err();
    let ComposeError::TooLarge { size, limit } = err else {
        panic!("expected TooLarge, got {err:?}");
    };
    assert_eq!(limit, 1_000);
    assert!(size > 4_000, "{size}");
    let msg = err.to_string();
    assert!(
        msg.contains("split the conversation") && msg.contains("raise the limit"),
        "{msg}"
    );

    let m = Composer::new().max_bytes(size).compose(&im).unwrap();
    assert_eq!(m.size(), size);
    assert_eq!(
        m.size(),
        m.subject().len() + m.html().len() + m.text().len()
    );
    assert_eq!(Composer::new().limit(), 1024 * 1024);
}

struct Shouting;

impl Renderer for Shouting {
    fn subject(&self, im: &OfflineIm) -> String {
        format!("HEY {}\u{7}", im.sender().shown_name().to_uppercase())
    }
    fn html(&self, im: &OfflineIm, out: &mut String) {
        out.push_str("<p>");
        out.push_str(&im.lines().len().to_string());
        out.push_str("\u{0}</p>");
    }
    fn text(&self, _im: &OfflineIm, out: &mut String) {
        out.push_str("plain\u{FFFF}");
    }
}

#[test]
fn custom_renderer_is_used_and_its_output_sanitized() {
    let m = Composer::new()
        .renderer(Shouting)
        .compose(&im_with("hi"))
        .unwrap();
    assert_eq!(m.subject(), "HEY KIM AKERS\u{FFFD}");
    assert_eq!(m.html(), "<p>1\u{FFFD}</p>");
    assert_eq!(m.text(), "plain\u{FFFD}");
    let (subject, html, text) = m.into_parts();
    assert_eq!((subject.len(), html.len(), text.len()), (16, 11, 8));
}

#[test]
fn custom_renderer_output_rejected_in_reject_mode() {
    let err = Composer::new()
        .renderer(Shouting)
        .invalid_characters(InvalidCharacters::Reject)
        .compose(&im_with("hi"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ComposeError::InvalidCharacter {
                field: "rendered subject",
                code_point: '\u{7}',
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn composer_is_shareable_and_boxable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Composer>();
    let boxed: Box<dyn Renderer + Send + Sync> = Box::new(TranscriptRenderer::default());
    let mut out = String::new();
    boxed.text(&im_with("hi"), &mut out);
    assert_eq!(out, "[09:05] Kim Akers: hi\n");
}
