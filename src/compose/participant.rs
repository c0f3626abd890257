//! A person in the conversation.

use crate::address::{SipUri, SmtpAddress};

/// A person taking part in the conversation: the sender or the recipient.
///
/// The SIP URI says who wrote which [`ImLine`](super::ImLine); the SMTP address is
/// the Exchange mailbox; the display name is what the rendered message shows.
///
/// **Blank display names.** A display name may be empty or only whitespace (a
/// directory may simply not have one). It is kept as given, and
/// [`shown_name`](Self::shown_name), which renderers use, falls back to the user
/// part of the SIP URI (`kim.akers` for `sip:kim.akers@contoso.com`).
///
/// ```
/// use offline_im::compose::Participant;
///
/// let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim Akers");
/// assert_eq!(kim.shown_name(), "Kim Akers");
/// let anon = Participant::new("sip:pat@contoso.com".parse()?, "pat@contoso.com".parse()?, "  ");
/// assert_eq!(anon.shown_name(), "pat");
/// # Ok::<(), offline_im::address::AddressError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Participant {
    sip: SipUri,
    smtp: SmtpAddress,
    display_name: String,
}

impl Participant {
    /// A participant with SIP URI `sip`, mailbox `smtp` and `display_name`.
    #[must_use]
    pub fn new(sip: SipUri, smtp: SmtpAddress, display_name: impl Into<String>) -> Self {
        Self {
            sip,
            smtp,
            display_name: display_name.into(),
        }
    }

    /// The SIP URI, which identifies the participant in the conversation.
    #[must_use]
    pub fn sip(&self) -> &SipUri {
        &self.sip
    }

    /// The SMTP address of the participant's Exchange mailbox.
    #[must_use]
    pub fn smtp(&self) -> &SmtpAddress {
        &self.smtp
    }

    /// The display name as given (possibly blank).
    #[must_use]
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The name to show: the display name without surrounding whitespace, or the
    /// user part of the SIP URI when the display name is blank.
    #[must_use]
    pub fn shown_name(&self) -> &str {
        match self.display_name.trim() {
            "" => self.sip.user(),
            name => name,
        }
    }

    /// Replaces the display name (used when the builder cleans it).
    pub(crate) fn with_display_name(mut self, display_name: String) -> Self {
        self.display_name = display_name;
        self
    }

    /// Takes the display name out, leaving it empty.
    pub(crate) fn take_display_name(&mut self) -> String {
        std::mem::take(&mut self.display_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kim(name: &str) -> Participant {
        Participant::new(
            "sip:kim.akers@contoso.com".parse().unwrap(),
            "kim@contoso.com".parse().unwrap(),
            name,
        )
    }

    #[test]
    fn shown_name_trims_and_falls_back_to_the_sip_user() {
        assert_eq!(kim("  Kim Akers ").shown_name(), "Kim Akers");
        assert_eq!(kim("  Kim Akers ").display_name(), "  Kim Akers ");
        assert_eq!(kim("").shown_name(), "kim.akers");
        assert_eq!(kim("\t\n").shown_name(), "kim.akers");
    }

    #[test]
    fn serde_round_trip_validates_addresses() {
        let p = kim("Kim");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["smtp"], "kim@contoso.com");
        assert_eq!(
            serde_json::from_value::<Participant>(json.clone()).unwrap(),
            p
        );
        let mut bad = json;
        bad["sip"] = "kim@contoso.com".into();
        assert!(serde_json::from_value::<Participant>(bad).is_err());
    }
}
