//! Exchange message classes (`PR_MESSAGE_CLASS`, EWS `t:ItemClass`).

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use super::ComposeError;
use super::error::shorten;

/// The longest message class accepted, in characters.
const MAX_LEN: usize = 255;

/// An Exchange message class such as `IPM.Note.Microsoft.Missed`.
///
/// The message class decides how Outlook and Skype for Business show an item:
/// items of class [`MISSED_IM`](Self::MISSED_IM) appear in Outlook's "Missed
/// Conversations" view (a filter on the class, not a folder) and in the Skype for
/// Business conversation history.
///
/// # Which class to use
///
/// - [`MISSED_IM`](Self::MISSED_IM), `IPM.Note.Microsoft.Missed`: the default for an
///   offline IM to a recipient in the **same organization**.
/// - [`NOTE`](Self::NOTE), `IPM.Note`: plain mail, what a **federated** recipient
///   gets. Across organizations the message travels as MIME, which keeps no custom
///   class, so setting one would be lost anyway.
/// - [`CONVERSATION`](Self::CONVERSATION), [`MISSED_VOICE`](Self::MISSED_VOICE),
///   [`CONVERSATION_VOICE`](Self::CONVERSATION_VOICE): the other classes Skype for
///   Business uses (conversation history, missed call, call log).
///
/// **Documented alias.** Microsoft's page "Enable or Disable Offline Instant
/// Messaging (IM) in Skype for Business Server" names the class
/// `IM.Note.MissedConversation` ([`DOCUMENTED_ALIAS`](Self::DOCUMENTED_ALIAS)). It is
/// a valid class and a caller may choose it, but it is **not** the default: that
/// string appears nowhere but on that page (once even misspelled), while Exchange's
/// own documentation and public code show that Skype for Business really files
/// missed IMs as `IPM.Note.Microsoft.Missed`, which is what Outlook's view filters on.
///
/// # Rules
///
/// 1 to 255 characters; one or more non-empty segments separated by single dots;
/// each segment made of ASCII letters, digits, `-` and `_`. Surrounding whitespace
/// is removed when parsing. The case is kept as given, but comparison and hashing
/// ignore ASCII case, as Exchange does.
///
/// ```
/// use offline_im::compose::ItemClass;
///
/// let class: ItemClass = "ipm.note.microsoft.missed".parse()?;
/// assert_eq!(class, ItemClass::MISSED_IM);
/// assert_eq!(ItemClass::default(), ItemClass::MISSED_IM);
/// assert!(ItemClass::MISSED_VOICE.is_within(&ItemClass::MISSED_IM));
/// assert!("IPM..Note".parse::<ItemClass>().is_err());
/// # Ok::<(), offline_im::compose::ComposeError>(())
/// ```
#[derive(Clone)]
pub struct ItemClass(Cow<'static, str>);

impl ItemClass {
    /// `IPM.Note.Microsoft.Missed`: a missed IM; the default for same-organization
    /// offline IMs.
    pub const MISSED_IM: Self = Self(Cow::Borrowed("IPM.Note.Microsoft.Missed"));
    /// `IPM.Note.Microsoft.Conversation`: an IM conversation kept in the history.
    pub const CONVERSATION: Self = Self(Cow::Borrowed("IPM.Note.Microsoft.Conversation"));
    /// `IPM.Note.Microsoft.Missed.Voice`: a missed call.
    pub const MISSED_VOICE: Self = Self(Cow::Borrowed("IPM.Note.Microsoft.Missed.Voice"));
    /// `IPM.Note.Microsoft.Conversation.Voice`: a call log entry.
    pub const CONVERSATION_VOICE: Self =
        Self(Cow::Borrowed("IPM.Note.Microsoft.Conversation.Voice"));
    /// `IPM.Note`: plain mail; what federated recipients get.
    pub const NOTE: Self = Self(Cow::Borrowed("IPM.Note"));
    /// `IM.Note.MissedConversation`: the class named by Microsoft's offline IM page.
    /// Valid, but not the default: see the [type documentation](Self).
    pub const DOCUMENTED_ALIAS: Self = Self(Cow::Borrowed("IM.Note.MissedConversation"));

    /// Parses a message class.
    ///
    /// # Errors
    /// [`ComposeError::ItemClass`] naming the value and the rule it broke.
    pub fn parse(value: &str) -> Result<Self, ComposeError> {
        let fail = |rule| ComposeError::ItemClass {
            value: shorten(value),
            rule,
        };
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(fail("an item class must not be empty"));
        }
        if trimmed.chars().count() > MAX_LEN {
            return Err(fail("an item class must be at most 255 characters long"));
        }
        for segment in trimmed.split('.') {
            if segment.is_empty() {
                return Err(fail(
                    "an item class must be non-empty segments separated by single dots, like IPM.Note",
                ));
            }
            if !segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(fail(
                    "each segment of an item class may contain only ASCII letters, digits, - and _",
                ));
            }
        }
        Ok(Self(Cow::Owned(trimmed.to_owned())))
    }

    /// The class as text, in the case it was given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `self` is `parent` or a class below it, segment by segment and
    /// ignoring case: `IPM.Note.Microsoft.Missed.Voice` is within
    /// `IPM.Note.Microsoft.Missed`; `IPM.NoteX` is not within `IPM.Note`.
    #[must_use]
    pub fn is_within(&self, parent: &ItemClass) -> bool {
        let (me, p) = (self.as_str(), parent.as_str());
        me.len() >= p.len()
            && me[..p.len()].eq_ignore_ascii_case(p)
            && (me.len() == p.len() || me.as_bytes()[p.len()] == b'.')
    }
}

impl Default for ItemClass {
    /// [`ItemClass::MISSED_IM`].
    fn default() -> Self {
        Self::MISSED_IM
    }
}

impl PartialEq for ItemClass {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for ItemClass {}

impl Hash for ItemClass {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl FromStr for ItemClass {
    type Err = ComposeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for ItemClass {
    type Error = ComposeError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ItemClass {
    type Error = ComposeError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl AsRef<str> for ItemClass {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ItemClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ItemClass({:?})", &*self.0)
    }
}

impl serde::Serialize for ItemClass {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ItemClass {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn constants_are_valid_classes() {
        for c in [
            ItemClass::MISSED_IM,
            ItemClass::CONVERSATION,
            ItemClass::MISSED_VOICE,
            ItemClass::CONVERSATION_VOICE,
            ItemClass::NOTE,
            ItemClass::DOCUMENTED_ALIAS,
        ] {
            assert_eq!(ItemClass::parse(c.as_str()).unwrap(), c);
        }
    }

    #[test]
    fn rules() {
        for bad in [
            "",
            "  ",
            ".IPM",
            "IPM.",
            "IPM..Note",
            "IPM.Note!",
            "IPM Note",
            "IPM.Nöte",
        ] {
            assert!(ItemClass::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ItemClass::parse(&"a".repeat(255)).is_ok());
        assert!(ItemClass::parse(&"a".repeat(256)).is_err());
        assert_eq!(
            ItemClass::parse(" IPM.Note_x-1 ").unwrap().as_str(),
            "IPM.Note_x-1"
        );
    }

    #[test]
    fn equality_and_hash_ignore_case() {
        let a = ItemClass::parse("ipm.note").unwrap();
        assert_eq!(a, ItemClass::NOTE);
        assert_eq!(a.as_str(), "ipm.note");
        let set: HashSet<_> = [a, ItemClass::NOTE].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn is_within_works_by_segment() {
        assert!(ItemClass::NOTE.is_within(&ItemClass::NOTE));
        assert!(ItemClass::MISSED_IM.is_within(&ItemClass::NOTE));
        assert!(!ItemClass::NOTE.is_within(&ItemClass::MISSED_IM));
        assert!(
            !ItemClass::parse("IPM.NoteX")
                .unwrap()
                .is_within(&ItemClass::NOTE)
        );
    }

    #[test]
    fn serde_round_trip_and_refusal() {
        let json = serde_json::to_string(&ItemClass::MISSED_IM).unwrap();
        assert_eq!(json, "\"IPM.Note.Microsoft.Missed\"");
        assert_eq!(
            serde_json::from_str::<ItemClass>(&json).unwrap(),
            ItemClass::MISSED_IM
        );
        assert!(serde_json::from_str::<ItemClass>("\"IPM..x\"").is_err());
    }
}
