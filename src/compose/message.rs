//! The offline IM itself, and the builder that checks it.

use time::format_description::well_known::Rfc3339;

use crate::address::SipUri;

use super::text::apply_policy;
use super::{ComposeError, DeliveryId, ImLine, Importance, InvalidCharacters, Participant};

/// One offline IM: a short conversation the recipient missed, ready to be rendered.
///
/// Built with [`OfflineIm::builder`], or deserialized (e.g. from a spool file).
/// Either way the same rules hold, so an `OfflineIm` is always valid:
///
/// - a sender and a recipient who are different people (different SIP URIs and
///   different mailboxes);
/// - at least one [`ImLine`], each written by the sender or the recipient, none
///   blank, each with a timestamp RFC 3339 can express (years 0000 to 9999, an
///   offset of whole minutes), so the message can always be serialized;
/// - no character XML 1.0 cannot carry in line texts, display names or the subject
///   (see [`InvalidCharacters`]).
///
/// Lines stay in the order given. A blank subject counts as no subject.
///
/// Serialized with serde as an object with the fields `delivery_id`, `sender`,
/// `recipient`, `subject` (optional), `importance` (optional, default `Normal`) and
/// `lines`. Deserializing runs the checks of [`OfflineImBuilder::build`] with the
/// default policy ([`InvalidCharacters::Replace`]) and refuses what breaks them. The
/// delivery id is required when deserializing: inventing a new one would defeat the
/// duplicate check it exists for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Unchecked")]
pub struct OfflineIm {
    delivery_id: DeliveryId,
    sender: Participant,
    recipient: Participant,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    importance: Importance,
    lines: Vec<ImLine>,
}

/// The serde form of [`OfflineIm`] before it is checked.
#[derive(serde::Deserialize)]
struct Unchecked {
    delivery_id: DeliveryId,
    sender: Participant,
    recipient: Participant,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    importance: Importance,
    lines: Vec<ImLine>,
}

impl TryFrom<Unchecked> for OfflineIm {
    type Error = ComposeError;

    fn try_from(u: Unchecked) -> Result<Self, Self::Error> {
        let builder = OfflineIm::builder()
            .delivery_id(u.delivery_id)
            .sender(u.sender)
            .recipient(u.recipient)
            .importance(u.importance)
            .lines(u.lines);
        match u.subject {
            Some(subject) => builder.subject(subject),
            None => builder,
        }
        .build()
    }
}

impl OfflineIm {
    /// A builder with every default: importance Normal, a random delivery id, no
    /// subject, invalid characters replaced.
    pub fn builder() -> OfflineImBuilder {
        OfflineImBuilder::default()
    }

    /// The id of this delivery.
    #[must_use]
    pub fn delivery_id(&self) -> DeliveryId {
        self.delivery_id
    }

    /// Who sent the IM.
    #[must_use]
    pub fn sender(&self) -> &Participant {
        &self.sender
    }

    /// Who missed it.
    #[must_use]
    pub fn recipient(&self) -> &Participant {
        &self.recipient
    }

    /// The conversation's subject (topic), if it has one.
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// How important the message is.
    #[must_use]
    pub fn importance(&self) -> Importance {
        self.importance
    }

    /// The sender and recipient, by value (for the planner, which keeps them).
    pub(crate) fn into_participants(self) -> (Participant, Participant) {
        (self.sender, self.recipient)
    }

    /// The lines of the conversation, in the order given (never empty).
    #[must_use]
    pub fn lines(&self) -> &[ImLine] {
        &self.lines
    }

    /// The participant with SIP URI `sip`: the sender, the recipient, or `None`.
    ///
    /// For every line of this IM, `participant(line.author())` is `Some`.
    #[must_use]
    pub fn participant(&self, sip: &SipUri) -> Option<&Participant> {
        [&self.sender, &self.recipient]
            .into_iter()
            .find(|p| p.sip() == sip)
    }
}

/// Builds an [`OfflineIm`]; setters never fail, [`build`](Self::build) checks.
///
/// ```
/// use offline_im::compose::{ComposeError, ImLine, OfflineIm, Participant};
/// use time::macros::datetime;
///
/// let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim");
/// let pat = Participant::new("sip:pat@contoso.com".parse()?, "pat@contoso.com".parse()?, "Pat");
/// let im = OfflineIm::builder()
///     .sender(kim.clone())
///     .recipient(pat)
///     .line(ImLine::new(kim.sip().clone(), datetime!(2026-03-02 09:15 UTC), "Lunch?"))
///     .build()?;
/// assert_eq!(im.lines().len(), 1);
///
/// let err = OfflineIm::builder().sender(kim).build().unwrap_err();
/// assert!(matches!(err, ComposeError::Missing { field: "recipient" }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
#[derive(Debug, Clone, Default)]
pub struct OfflineImBuilder {
    sender: Option<Participant>,
    recipient: Option<Participant>,
    lines: Vec<ImLine>,
    subject: Option<String>,
    importance: Importance,
    delivery_id: Option<DeliveryId>,
    invalid_characters: InvalidCharacters,
}

impl OfflineImBuilder {
    /// Sets the sender (required).
    pub fn sender(mut self, sender: Participant) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Sets the recipient (required).
    pub fn recipient(mut self, recipient: Participant) -> Self {
        self.recipient = Some(recipient);
        self
    }

    /// Adds one line after those already added (at least one is required).
    pub fn line(mut self, line: ImLine) -> Self {
        self.lines.push(line);
        self
    }

    /// Adds lines after those already added.
    pub fn lines(mut self, lines: impl IntoIterator<Item = ImLine>) -> Self {
        self.lines.extend(lines);
        self
    }

    /// Sets the conversation's subject (topic). Default: none. A blank subject
    /// counts as none.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the importance. Default: [`Importance::Normal`].
    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = importance;
        self
    }

    /// Sets the delivery id, e.g. one kept across restarts. Default: a new random id,
    /// made by [`build`](Self::build).
    pub fn delivery_id(mut self, id: DeliveryId) -> Self {
        self.delivery_id = Some(id);
        self
    }

    /// Sets what to do with characters XML 1.0 cannot carry in line texts, display
    /// names and the subject. Default: [`InvalidCharacters::Replace`].
    pub fn invalid_characters(mut self, policy: InvalidCharacters) -> Self {
        self.invalid_characters = policy;
        self
    }

    /// Checks the rules across fields and builds the [`OfflineIm`].
    ///
    /// # Errors
    /// In the order checked: [`ComposeError::Missing`] (sender, then recipient),
    /// [`ComposeError::SameParticipant`], [`ComposeError::NoLines`], then for each
    /// line in order [`ComposeError::UnknownAuthor`], [`ComposeError::Timestamp`],
    /// [`ComposeError::EmptyText`],
    /// [`ComposeError::InvalidCharacter`] (in [`InvalidCharacters::Reject`] mode),
    /// then invalid characters in display names and the subject.
    pub fn build(self) -> Result<OfflineIm, ComposeError> {
        let policy = self.invalid_characters;
        let mut sender = self
            .sender
            .ok_or(ComposeError::Missing { field: "sender" })?;
        let mut recipient = self
            .recipient
            .ok_or(ComposeError::Missing { field: "recipient" })?;
        if sender.sip() == recipient.sip() {
            return Err(ComposeError::SameParticipant {
                value: sender.sip().to_string(),
            });
        }
        if sender.smtp() == recipient.smtp() {
            return Err(ComposeError::SameParticipant {
                value: sender.smtp().to_string(),
            });
        }
        if self.lines.is_empty() {
            return Err(ComposeError::NoLines);
        }
        let mut lines = Vec::with_capacity(self.lines.len());
        for (index, mut line) in self.lines.into_iter().enumerate() {
            if line.author() != sender.sip() && line.author() != recipient.sip() {
                return Err(ComposeError::UnknownAuthor {
                    line: index,
                    author: line.author().clone(),
                });
            }
            if line.at().format(&Rfc3339).is_err() {
                return Err(ComposeError::Timestamp {
                    line: index,
                    value: line.at().to_string(),
                    rule: "a timestamp must lie in the years 0000 to 9999 and have a UTC offset \
                           of whole minutes (RFC 3339)",
                });
            }
            if line.text().trim().is_empty() {
                return Err(ComposeError::EmptyText { line: index });
            }
            let text = apply_policy(policy, "text", Some(index), line.take_text())?;
            lines.push(line.with_text(text));
        }
        let name = apply_policy(
            policy,
            "sender display name",
            None,
            sender.take_display_name(),
        )?;
        sender = sender.with_display_name(name);
        let name = apply_policy(
            policy,
            "recipient display name",
            None,
            recipient.take_display_name(),
        )?;
        recipient = recipient.with_display_name(name);
        let subject = match self.subject {
            Some(s) if !s.trim().is_empty() => Some(apply_policy(policy, "subject", None, s)?),
            _ => None,
        };
        Ok(OfflineIm {
            delivery_id: self.delivery_id.unwrap_or_default(),
            sender,
            recipient,
            subject,
            importance: self.importance,
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    fn person(user: &str, name: &str) -> Participant {
        Participant::new(
            format!("sip:{user}@contoso.com").parse().unwrap(),
            format!("{user}@contoso.com").parse().unwrap(),
            name,
        )
    }

    fn builder(at: time::OffsetDateTime) -> OfflineImBuilder {
        let kim = person("kim", "Kim\u{1}");
        OfflineIm::builder()
            .sender(kim.clone())
            .recipient(person("pat", "Pat"))
            .line(ImLine::new(kim.sip().clone(), at, "hi"))
    }

    #[test]
    fn display_names_are_cleaned_and_participants_found() {
        let im = builder(datetime!(2026-01-01 0:00 UTC)).build().unwrap();
        assert_eq!(im.sender().display_name(), "Kim\u{FFFD}");
        let author = im.lines()[0].author();
        assert_eq!(im.participant(author), Some(im.sender()));
        let stranger: SipUri = "sip:x@fabrikam.com".parse().unwrap();
        assert_eq!(im.participant(&stranger), None);
    }

    #[test]
    fn timestamps_must_fit_rfc_3339() {
        let odd_offset = datetime!(2026-01-01 0:00 UTC).to_offset(offset!(+01:00:30));
        let err = builder(odd_offset).build().unwrap_err();
        assert!(
            matches!(err, ComposeError::Timestamp { line: 0, .. }),
            "{err:?}"
        );
        let before_year_0 = datetime!(-0001-01-01 0:00 UTC);
        assert!(matches!(
            builder(before_year_0).build(),
            Err(ComposeError::Timestamp { .. })
        ));
    }

    #[test]
    fn deserializing_runs_the_builder_checks() {
        let im = builder(datetime!(2026-01-01 0:00 UTC)).build().unwrap();
        let mut value = serde_json::to_value(&im).unwrap();
        value["recipient"] = value["sender"].clone();
        let err = serde_json::from_value::<OfflineIm>(value).unwrap_err();
        assert!(
            err.to_string().contains("must be different people"),
            "{err}"
        );
    }
}
