//! Turning an offline IM into a subject, an HTML body and a text body.

use std::borrow::Cow;

use time::OffsetDateTime;

use super::OfflineIm;
use crate::xml::html::{escape_html, escape_html_lines};

/// Renders an [`OfflineIm`] into the parts of a mail message.
///
/// Implement it to change the wording or layout; [`TranscriptRenderer`] is the
/// default. The trait is object-safe, so a [`Composer`](super::Composer) can hold any
/// renderer as `Box<dyn Renderer + Send + Sync>`.
///
/// A renderer need not worry about characters XML cannot carry: the composer passes
/// its output through [`xml_safe`](super::xml_safe) (or rejects it, in
/// [`InvalidCharacters::Reject`](super::InvalidCharacters::Reject) mode). It must,
/// however, escape caller text it puts into HTML, e.g. with
/// [`escape_html`](super::escape_html).
pub trait Renderer {
    /// The subject line.
    fn subject(&self, im: &OfflineIm) -> String;
    /// Appends the HTML body to `out`.
    fn html(&self, im: &OfflineIm, out: &mut String);
    /// Appends the plain-text body to `out`.
    fn text(&self, im: &OfflineIm, out: &mut String);
}

/// The default [`Renderer`]: a small transcript of the conversation.
///
/// - **Subject**: the conversation's subject (topic) if the IM has one; otherwise the
///   [subject template](Self::subject_template) with `{sender}` replaced by the
///   sender's [shown name](super::Participant::shown_name). Line breaks and tabs
///   become spaces.
/// - **HTML body**: a self-contained document, `<html><head>…</head><body><table>`
///   with one row per line: the time (`HH:MM` at the line's own UTC offset), the
///   author's shown name and the text. All caller text is escaped, line breaks in a
///   text become `<br/>`, and text cells carry `dir="auto"` so right-to-left text
///   shows properly. The markup is also well-formed XML (XHTML-compatible: `<br/>`,
///   quoted attributes, no named entities other than XML's own), so it can be
///   checked with an XML parser.
/// - **Text body**: one `[HH:MM] Name: text` line per IM line.
///
/// ```
/// use offline_im::compose::TranscriptRenderer;
///
/// let renderer = TranscriptRenderer::new().subject_template(TranscriptRenderer::SENT_YOU_A_MESSAGE);
/// # let _ = renderer;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct TranscriptRenderer {
    subject_template: String,
}

impl TranscriptRenderer {
    /// `"Missed conversation with {sender}"`, the default subject template.
    pub const MISSED_CONVERSATION_WITH: &'static str = "Missed conversation with {sender}";
    /// `"{sender} sent you a message"`, another wording Skype for Business used.
    pub const SENT_YOU_A_MESSAGE: &'static str = "{sender} sent you a message";

    /// A renderer with the default subject template,
    /// [`MISSED_CONVERSATION_WITH`](Self::MISSED_CONVERSATION_WITH).
    pub fn new() -> Self {
        Self {
            subject_template: Self::MISSED_CONVERSATION_WITH.to_owned(),
        }
    }

    /// Sets the subject used when the IM has no subject of its own; every `{sender}`
    /// is replaced by the sender's shown name.
    pub fn subject_template(mut self, template: impl Into<String>) -> Self {
        self.subject_template = template.into();
        self
    }

    fn rows(im: &OfflineIm) -> impl Iterator<Item = (HhMm, Cow<'_, str>, &str)> {
        im.lines().iter().map(|line| {
            let name = im
                .participant(line.author())
                .map_or(line.author().user(), |p| p.shown_name());
            (hh_mm(line.at()), one_line(name), line.text())
        })
    }
}

impl Default for TranscriptRenderer {
    fn default() -> Self {
        Self::new()
    }
}

/// `text` with line breaks and tabs turned into spaces, for names and subjects.
fn one_line(text: &str) -> Cow<'_, str> {
    if text.contains(['\r', '\n', '\t']) {
        Cow::Owned(text.replace("\r\n", " ").replace(['\r', '\n', '\t'], " "))
    } else {
        Cow::Borrowed(text)
    }
}

/// `HH:MM` at the timestamp's own offset, without allocating.
struct HhMm([u8; 5]);

impl HhMm {
    fn as_str(&self) -> &str {
        // Always ASCII digits and a colon.
        std::str::from_utf8(&self.0).unwrap_or("--:--")
    }
}

fn hh_mm(at: OffsetDateTime) -> HhMm {
    let (h, m) = (at.hour(), at.minute());
    HhMm([
        b'0' + h / 10,
        b'0' + h % 10,
        b':',
        b'0' + m / 10,
        b'0' + m % 10,
    ])
}

impl Renderer for TranscriptRenderer {
    fn subject(&self, im: &OfflineIm) -> String {
        let subject = match im.subject() {
            Some(topic) => topic.to_owned(),
            None => self
                .subject_template
                .replace("{sender}", im.sender().shown_name()),
        };
        one_line(&subject).trim().to_owned()
    }

    fn html(&self, im: &OfflineIm, out: &mut String) {
        out.push_str(
            "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\n<title>",
        );
        escape_html(&self.subject(im), out);
        out.push_str("</title>\n</head>\n<body>\n<table class=\"offline-im\">\n");
        for (time, name, text) in Self::rows(im) {
            out.push_str("<tr><td class=\"time\">");
            out.push_str(time.as_str());
            out.push_str("</td><td class=\"author\" dir=\"auto\">");
            escape_html(&name, out);
            out.push_str("</td><td class=\"text\" dir=\"auto\">");
            escape_html_lines(text, out);
            out.push_str("</td></tr>\n");
        }
        out.push_str("</table>\n</body>\n</html>\n");
    }

    fn text(&self, im: &OfflineIm, out: &mut String) {
        for (time, name, text) in Self::rows(im) {
            out.push('[');
            out.push_str(time.as_str());
            out.push_str("] ");
            out.push_str(&name);
            out.push_str(": ");
            out.push_str(text);
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn one_line_turns_breaks_and_tabs_into_spaces() {
        assert_eq!(one_line("a\r\nb\rc\nd\te"), "a b c d e");
        assert!(matches!(one_line("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn times_are_shown_at_their_own_offset() {
        assert_eq!(
            hh_mm(datetime!(2026-03-02 07:04:59 -05:00)).as_str(),
            "07:04"
        );
        assert_eq!(hh_mm(datetime!(2026-03-02 23:00 +14:00)).as_str(), "23:00");
    }

    #[test]
    fn templates_replace_every_sender_placeholder() {
        use crate::compose::{ImLine, Participant};
        let kim = Participant::new(
            "sip:kim@contoso.com".parse().unwrap(),
            "kim@contoso.com".parse().unwrap(),
            "Kim",
        );
        let pat = Participant::new(
            "sip:pat@contoso.com".parse().unwrap(),
            "pat@contoso.com".parse().unwrap(),
            "Pat",
        );
        let at = datetime!(2026-03-02 07:04 UTC);
        let im = OfflineIm::builder()
            .sender(kim.clone())
            .recipient(pat)
            .line(ImLine::new(kim.sip().clone(), at, "x"))
            .build()
            .unwrap();
        let r = TranscriptRenderer::new().subject_template(" {sender}/{sender}:{recipient} ");
        assert_eq!(r.subject(&im), "Kim/Kim:{recipient}");
        assert_eq!(TranscriptRenderer::default(), TranscriptRenderer::new());
    }
}
