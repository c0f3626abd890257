//! One spooled message and its delivery state, and its dead-letter form.

use std::time::Duration;

use time::OffsetDateTime;

use crate::address::SipUri;
use crate::compose::{DeliveryId, OfflineIm};

/// The version of the spool file format this crate writes and reads.
///
/// A file with another `format_version` is never guessed at: it is moved to
/// quarantine with a log line naming the version, and left for a newer program.
pub const FORMAT_VERSION: u32 = 1;

/// How long after it is spooled a message becomes eligible for delivery: 120
/// seconds, the "about two minutes" after which Skype for Business picks up an
/// offline message.
pub const DEFAULT_PICKUP_DELAY: Duration = Duration::from_secs(120);

/// The longest `last_error` kept, in characters; longer texts are cut.
pub const MAX_ERROR_CHARS: usize = 2000;

/// A message in the spool, with its delivery state.
///
/// Made with [`SpoolEntry::new`] when a message is handed over; afterwards only
/// the spool changes it (attempts, last error, next attempt time). The sender's
/// [`SenderProfile`](crate::policy::SenderProfile) is deliberately not stored:
/// the pipeline looks it up when it delivers, so a policy change between spooling
/// and sending (offline IM switched off, a domain blocked) applies to messages
/// still waiting.
///
/// Serialized (see the [module docs](super) for the file format) with
/// RFC 3339 times; deserializing refuses another `format_version` and a
/// `delivery_id` that differs from the message's.
///
/// ```
/// use std::time::Duration;
/// use offline_im::compose::{ImLine, OfflineIm, Participant};
/// use offline_im::spool::SpoolEntry;
/// use time::macros::datetime;
///
/// let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim");
/// let pat = Participant::new("sip:pat@contoso.com".parse()?, "pat@contoso.com".parse()?, "Pat");
/// let im = OfflineIm::builder()
///     .sender(kim.clone())
///     .recipient(pat)
///     .line(ImLine::new(kim.sip().clone(), datetime!(2026-03-02 09:15 UTC), "Lunch?"))
///     .build()?;
///
/// let entry = SpoolEntry::new(im, datetime!(2026-03-02 09:15 UTC));
/// assert_eq!(entry.eligible_at(), datetime!(2026-03-02 09:17 UTC)); // two minutes later
/// assert_eq!(entry.attempts(), 0);
///
/// let now = entry.clone().pickup_delay(Duration::ZERO);
/// assert_eq!(now.eligible_at(), now.spooled_at());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RawEntry")]
pub struct SpoolEntry {
    format_version: u32,
    delivery_id: DeliveryId,
    #[serde(with = "time::serde::rfc3339")]
    spooled_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    eligible_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    next_attempt_at: OffsetDateTime,
    attempts: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    last_attempt_at: Option<OffsetDateTime>,
    last_error: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    taken_over: bool,
    message: OfflineIm,
}

/// The serde form of [`SpoolEntry`] before it is checked.
#[derive(serde::Deserialize)]
struct RawEntry {
    format_version: u32,
    delivery_id: DeliveryId,
    #[serde(with = "time::serde::rfc3339")]
    spooled_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    eligible_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    next_attempt_at: OffsetDateTime,
    attempts: u32,
    #[serde(default, with = "time::serde::rfc3339::option")]
    last_attempt_at: Option<OffsetDateTime>,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    taken_over: bool,
    message: OfflineIm,
}

impl TryFrom<RawEntry> for SpoolEntry {
    type Error = String;

    fn try_from(raw: RawEntry) -> Result<Self, Self::Error> {
        if raw.format_version != FORMAT_VERSION {
            return Err(format!(
                "format_version {} is not supported (this program reads version {FORMAT_VERSION})",
                raw.format_version
            ));
        }
        if raw.delivery_id != raw.message.delivery_id() {
            return Err(format!(
                "delivery_id {} differs from the message's delivery_id {}",
                raw.delivery_id,
                raw.message.delivery_id()
            ));
        }
        Ok(Self {
            format_version: raw.format_version,
            delivery_id: raw.delivery_id,
            spooled_at: raw.spooled_at,
            eligible_at: raw.eligible_at,
            next_attempt_at: raw.next_attempt_at,
            attempts: raw.attempts,
            last_attempt_at: raw.last_attempt_at,
            last_error: raw.last_error,
            taken_over: raw.taken_over,
            message: raw.message,
        })
    }
}

impl SpoolEntry {
    /// A new entry for `message`, spooled at `spooled_at`, eligible
    /// [`DEFAULT_PICKUP_DELAY`] later, with no attempts yet.
    #[must_use]
    pub fn new(message: OfflineIm, spooled_at: OffsetDateTime) -> Self {
        let eligible_at = add(spooled_at, DEFAULT_PICKUP_DELAY);
        Self {
            format_version: FORMAT_VERSION,
            delivery_id: message.delivery_id(),
            spooled_at,
            eligible_at,
            next_attempt_at: eligible_at,
            attempts: 0,
            last_attempt_at: None,
            last_error: None,
            taken_over: false,
            message,
        }
    }

    /// Sets the pickup delay: the message becomes eligible `delay` after it was
    /// spooled (default [`DEFAULT_PICKUP_DELAY`]; zero means at once).
    #[must_use]
    pub fn pickup_delay(mut self, delay: Duration) -> Self {
        self.eligible_at = add(self.spooled_at, delay);
        self.next_attempt_at = self.eligible_at;
        self
    }

    /// The version of the file format the entry was read from or will be written in.
    #[must_use]
    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// The message's delivery id.
    #[must_use]
    pub fn delivery_id(&self) -> DeliveryId {
        self.delivery_id
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &OfflineIm {
        &self.message
    }

    /// The message, taking the entry apart.
    #[must_use]
    pub fn into_message(self) -> OfflineIm {
        self.message
    }

    /// The sender's SIP address: the spool keeps messages per sender.
    #[must_use]
    pub fn sender(&self) -> &SipUri {
        self.message.sender().sip()
    }

    /// When the message was handed to the spool (or requeued from dead letters).
    #[must_use]
    pub fn spooled_at(&self) -> OffsetDateTime {
        self.spooled_at
    }

    /// When the message becomes eligible for a first attempt.
    #[must_use]
    pub fn eligible_at(&self) -> OffsetDateTime {
        self.eligible_at
    }

    /// When the next attempt may be made (at first the same as [`eligible_at`](Self::eligible_at)).
    #[must_use]
    pub fn next_attempt_at(&self) -> OffsetDateTime {
        self.next_attempt_at
    }

    /// How many delivery attempts failed so far.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// When the last failed attempt was made, if any.
    #[must_use]
    pub fn last_attempt_at(&self) -> Option<OffsetDateTime> {
        self.last_attempt_at
    }

    /// The error of the last failed attempt, if any (at most [`MAX_ERROR_CHARS`] characters).
    #[must_use]
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Whether the message was taken over from a drainer that held it and
    /// stopped (its process died, or its lease ran out) before recording an
    /// outcome: that drainer may have sent it.
    #[must_use]
    pub fn was_taken_over(&self) -> bool {
        self.taken_over
    }

    /// Whether the message may already be in the recipient's mailbox: it was
    /// [taken over](Self::was_taken_over), or an attempt was made before
    /// ([`last_attempt_at`](Self::last_attempt_at) is set, also after a
    /// requeue). The pipeline looks for such a message's delivery id before it
    /// sends it; a message never attempted is sent without that look.
    #[must_use]
    pub fn may_have_been_sent(&self) -> bool {
        self.taken_over || self.last_attempt_at.is_some()
    }

    /// The entry taken over from a drainer that stopped while holding it
    /// ([`was_taken_over`](Self::was_taken_over) becomes true, for good).
    ///
    /// Public so that other [`Spool`](super::Spool) implementations can mark
    /// recovered claims.
    #[must_use]
    pub fn taken_over(mut self) -> Self {
        self.taken_over = true;
        self
    }

    /// Whether the message may be attempted at `now`.
    #[must_use]
    pub fn is_due(&self, now: OffsetDateTime) -> bool {
        now >= self.eligible_at && now >= self.next_attempt_at
    }

    /// The entry after one more attempt failed at `now` with `error`.
    ///
    /// Public so that other [`Spool`](super::Spool) implementations can record failures.
    #[must_use]
    pub fn failed(
        mut self,
        now: OffsetDateTime,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> Self {
        self.attempts = self.attempts.saturating_add(1);
        self.last_attempt_at = Some(now);
        self.last_error = Some(cut(error));
        self.next_attempt_at = next_attempt_at;
        self
    }

    /// The entry spooled again at `now`, eligible at once, with no attempts
    /// counted; the last attempt time and error stay for the record.
    ///
    /// Public so that other [`Spool`](super::Spool) implementations can requeue.
    #[must_use]
    pub fn requeued(mut self, now: OffsetDateTime) -> Self {
        self.spooled_at = now;
        self.eligible_at = now;
        self.next_attempt_at = now;
        self.attempts = 0;
        self
    }
}

/// A message given up on, with the reason: a permanent failure or too old.
///
/// Stored as the [`SpoolEntry`] fields plus a `dead_letter` object with
/// `reason` and `at`. Listed with [`Spool::dead_letters`](super::Spool::dead_letters),
/// inspected with [`Spool::find_dead_letter`](super::Spool::find_dead_letter) and put
/// back with [`Spool::requeue`](super::Spool::requeue).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeadLetter {
    #[serde(flatten)]
    entry: SpoolEntry,
    dead_letter: DeadLetterInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct DeadLetterInfo {
    reason: String,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
}

impl DeadLetter {
    /// The entry `entry`, given up at `at` for `reason` (cut to [`MAX_ERROR_CHARS`]).
    ///
    /// Public so that other [`Spool`](super::Spool) implementations can build dead letters.
    #[must_use]
    pub fn new(entry: SpoolEntry, reason: &str, at: OffsetDateTime) -> Self {
        Self {
            entry,
            dead_letter: DeadLetterInfo {
                reason: cut(reason),
                at,
            },
        }
    }

    /// The entry as it was when it was given up.
    #[must_use]
    pub fn entry(&self) -> &SpoolEntry {
        &self.entry
    }

    /// The entry, taking the dead letter apart.
    #[must_use]
    pub fn into_entry(self) -> SpoolEntry {
        self.entry
    }

    /// Why the message was given up.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.dead_letter.reason
    }

    /// When the message was given up.
    #[must_use]
    pub fn dead_lettered_at(&self) -> OffsetDateTime {
        self.dead_letter.at
    }
}

/// `at + delay`, saturating at the largest representable time.
pub(crate) fn add(at: OffsetDateTime, delay: Duration) -> OffsetDateTime {
    let delay = time::Duration::try_from(delay).unwrap_or(time::Duration::MAX);
    at.saturating_add(delay)
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(cut("timeout"), "timeout");
        let long = "é".repeat(MAX_ERROR_CHARS + 5);
        let cut = cut(&long);
        assert_eq!(cut.chars().count(), MAX_ERROR_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn add_saturates_instead_of_overflowing() {
        let max = OffsetDateTime::now_utc().saturating_add(time::Duration::MAX);
        assert_eq!(add(OffsetDateTime::now_utc(), Duration::MAX), max);
    }
}
