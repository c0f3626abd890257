//! Rendering an offline IM with a renderer, a size cap and the XML character rule.

use std::fmt;

use super::text::apply_policy;
use super::{ComposeError, InvalidCharacters, OfflineIm, Renderer, TranscriptRenderer};

/// Renders [`OfflineIm`]s into [`RenderedMessage`]s.
///
/// Holds three settings, each with a documented default:
///
/// - the [`Renderer`]: [`TranscriptRenderer::new`] by default;
/// - the size cap, [`max_bytes`](Self::max_bytes): 1 MiB (1,048,576 bytes) by
///   default, measured as the UTF-8 bytes of subject + HTML body + text body together
///   (before any transfer encoding Exchange may apply);
/// - what to do with characters XML 1.0 cannot carry in the renderer's output,
///   [`invalid_characters`](Self::invalid_characters): replaced by default. The
///   default renderer never produces them from a built `OfflineIm`; a custom one
///   might, and later stages must never see them.
///
/// ```
/// use offline_im::compose::{Composer, InvalidCharacters, TranscriptRenderer};
///
/// let composer = Composer::new()
///     .renderer(TranscriptRenderer::new().subject_template("{sender} wrote"))
///     .max_bytes(256 * 1024)
///     .invalid_characters(InvalidCharacters::Reject);
/// assert_eq!(composer.limit(), 256 * 1024);
/// ```
#[must_use]
pub struct Composer {
    renderer: Box<dyn Renderer + Send + Sync>,
    max_bytes: usize,
    invalid_characters: InvalidCharacters,
}

impl Composer {
    /// The default size cap: 1 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024;

    /// A composer with every default (see the [type documentation](Self)).
    pub fn new() -> Self {
        Self {
            renderer: Box::new(TranscriptRenderer::new()),
            max_bytes: Self::DEFAULT_MAX_BYTES,
            invalid_characters: InvalidCharacters::Replace,
        }
    }

    /// Uses `renderer` instead of the default [`TranscriptRenderer`].
    pub fn renderer(mut self, renderer: impl Renderer + Send + Sync + 'static) -> Self {
        self.renderer = Box::new(renderer);
        self
    }

    /// Sets the size cap in bytes (subject + HTML + text, as UTF-8).
    pub fn max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets what to do with characters XML 1.0 cannot carry in rendered output.
    pub fn invalid_characters(mut self, policy: InvalidCharacters) -> Self {
        self.invalid_characters = policy;
        self
    }

    /// The size cap in bytes.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.max_bytes
    }

    /// Renders `im`.
    ///
    /// # Errors
    /// [`ComposeError::InvalidCharacter`] when the renderer produced a character XML
    /// cannot carry and the policy is [`InvalidCharacters::Reject`] (field
    /// `"rendered subject"`, `"rendered html"` or `"rendered text"`);
    /// [`ComposeError::TooLarge`] when the result is over the size cap.
    pub fn compose(&self, im: &OfflineIm) -> Result<RenderedMessage, ComposeError> {
        let policy = self.invalid_characters;
        let subject = apply_policy(policy, "rendered subject", None, self.renderer.subject(im))?;
        let mut html = String::new();
        self.renderer.html(im, &mut html);
        let html = apply_policy(policy, "rendered html", None, html)?;
        let mut text = String::new();
        self.renderer.text(im, &mut text);
        let text = apply_policy(policy, "rendered text", None, text)?;
        let message = RenderedMessage {
            subject,
            html,
            text,
        };
        let size = message.size();
        if size > self.max_bytes {
            return Err(ComposeError::TooLarge {
                size,
                limit: self.max_bytes,
            });
        }
        Ok(message)
    }
}

impl Default for Composer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Composer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Composer")
            .field("renderer", &"dyn Renderer")
            .field("max_bytes", &self.max_bytes)
            .field("invalid_characters", &self.invalid_characters)
            .finish()
    }
}

/// A rendered offline IM: subject, HTML body and plain-text body.
///
/// Holds no character XML 1.0 cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMessage {
    subject: String,
    html: String,
    text: String,
}

impl RenderedMessage {
    /// The subject line.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The HTML body.
    #[must_use]
    pub fn html(&self) -> &str {
        &self.html
    }

    /// The plain-text body.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The size the cap is measured on: UTF-8 bytes of subject + HTML + text.
    #[must_use]
    pub fn size(&self) -> usize {
        self.subject.len() + self.html.len() + self.text.len()
    }

    /// Subject, HTML body and text body, by value.
    #[must_use]
    pub fn into_parts(self) -> (String, String, String) {
        (self.subject, self.html, self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_debug() {
        let c = Composer::default();
        assert_eq!(c.limit(), 1_048_576);
        let debug = format!("{c:?}");
        assert!(
            debug.contains("max_bytes: 1048576") && debug.contains("Replace"),
            "{debug}"
        );
    }

    #[test]
    fn size_counts_utf8_bytes_of_all_three_parts() {
        let m = RenderedMessage {
            subject: "é".into(),
            html: "<p/>".into(),
            text: "🙂".into(),
        };
        assert_eq!(m.size(), 2 + 4 + 4);
    }
}
