//! One instant message of the conversation.

use time::OffsetDateTime;

use crate::address::SipUri;

/// One instant message: who wrote it, when, and what.
///
/// The author must be the sender or the recipient of the
/// [`OfflineIm`](super::OfflineIm) the line goes into; the builder checks that, and
/// that the text is not blank. The text may be any Unicode (markup characters,
/// emoji, right-to-left scripts, combining marks); it is escaped when rendered, never
/// interpreted. Line breaks inside the text are kept.
///
/// The timestamp keeps its UTC offset; the rendered transcript shows times at that
/// offset. Serialized as RFC 3339.
///
/// ```
/// use offline_im::compose::ImLine;
/// use time::macros::datetime;
///
/// let line = ImLine::new("sip:kim@contoso.com".parse()?, datetime!(2026-03-02 09:15 +01:00), "Hi <3");
/// assert_eq!(line.text(), "Hi <3");
/// assert_eq!(line.author().user(), "kim");
/// # Ok::<(), offline_im::address::AddressError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ImLine {
    author: SipUri,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    text: String,
}

impl ImLine {
    /// A line written by `author` at `at` saying `text`.
    #[must_use]
    pub fn new(author: SipUri, at: OffsetDateTime, text: impl Into<String>) -> Self {
        Self {
            author,
            at,
            text: text.into(),
        }
    }

    /// Who wrote the line.
    #[must_use]
    pub fn author(&self) -> &SipUri {
        &self.author
    }

    /// When the line was written, at the offset it was given with.
    #[must_use]
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    /// The text of the line.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Replaces the text (used when the builder cleans it).
    pub(crate) fn with_text(mut self, text: String) -> Self {
        self.text = text;
        self
    }

    /// Takes the text out, leaving it empty.
    pub(crate) fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn serializes_timestamp_as_rfc_3339_with_its_offset() {
        let line = ImLine::new(
            "sip:kim@contoso.com".parse().unwrap(),
            datetime!(2026-03-02 09:15 -03:30),
            "hi",
        );
        let json = serde_json::to_value(&line).unwrap();
        assert_eq!(json["at"], "2026-03-02T09:15:00-03:30");
        assert_eq!(json["author"], "sip:kim@contoso.com");
        let back: ImLine = serde_json::from_value(json).unwrap();
        assert_eq!(back, line);
        assert_eq!(back.at().offset(), line.at().offset());
    }
}
