//! The importance flag of a message (EWS `t:Importance`), re-exported by
//! `compose` for the offline IM it builds.

use std::fmt;

/// How important the message is (EWS `t:Importance`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum Importance {
    /// Low importance.
    Low,
    /// Normal importance (the default).
    #[default]
    Normal,
    /// High importance, shown with a flag in Outlook.
    High,
}

impl Importance {
    /// The value EWS expects in `t:Importance`.
    #[must_use]
    pub const fn as_ews_str(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Normal => "Normal",
            Self::High => "High",
        }
    }
}

impl fmt::Display for Importance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ews_str())
    }
}
