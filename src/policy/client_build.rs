//! The sender's Skype for Business client build and where its mailbox lives.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::PolicyError;

/// A Skype for Business client build number, `major.minor.build.revision`, e.g.
/// `16.0.6701.1000`. Builds compare part by part, as numbers.
///
/// ```
/// use offline_im::policy::{ClientBuild, MailboxLocation};
///
/// let build: ClientBuild = "16.0.6769.2015".parse()?;
/// assert!(build >= MailboxLocation::ExchangeOnline.minimum_client_build());
/// assert!(build < MailboxLocation::OnPremises.minimum_client_build());
/// # Ok::<(), offline_im::policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientBuild([u32; 4]);

impl ClientBuild {
    /// A build from its four parts.
    #[must_use]
    pub const fn new(major: u32, minor: u32, build: u32, revision: u32) -> Self {
        Self([major, minor, build, revision])
    }

    /// The four parts: major, minor, build, revision.
    #[must_use]
    pub const fn parts(self) -> [u32; 4] {
        self.0
    }
}

impl FromStr for ClientBuild {
    type Err = PolicyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |rule| PolicyError::ClientBuild {
            value: text.to_owned(),
            rule,
        };
        let mut parts = [0u32; 4];
        let mut count = 0;
        for piece in text.trim().split('.') {
            let slot = parts
                .get_mut(count)
                .ok_or_else(|| error("a build has exactly four dot-separated parts"))?;
            if piece.is_empty() || !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(error("each part of a build is a decimal number"));
            }
            *slot = piece
                .parse()
                .map_err(|_| error("each part of a build fits in 32 bits"))?;
            count += 1;
        }
        if count != 4 {
            return Err(error("a build has exactly four dot-separated parts"));
        }
        Ok(Self(parts))
    }
}

impl fmt::Display for ClientBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

impl Serialize for ClientBuild {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClientBuild {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Where the sender's Exchange mailbox lives; it sets the minimum client build.
///
/// On-premises is the default: EWS in Exchange Online is blocked for most
/// tenants and is being shut down, so this crate's home is Exchange Server
/// (Subscription Edition) on-premises. In settings files the values are
/// `"on_premises"` and `"exchange_online"`.
///
/// ```
/// use offline_im::policy::{ClientBuild, MailboxLocation};
///
/// assert_eq!(MailboxLocation::default(), MailboxLocation::OnPremises);
/// assert_eq!(MailboxLocation::default().minimum_client_build(), ClientBuild::new(16, 0, 6920, 1000));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MailboxLocation {
    /// Exchange Online: offline IM needs SfB 2016 Click-to-Run 16.0.6701.1000 or later.
    ExchangeOnline,
    /// Exchange Server on-premises (the default): offline IM needs 16.0.6920.1000 or later.
    #[default]
    OnPremises,
}

impl MailboxLocation {
    /// The oldest client build that can send offline IMs from such a mailbox.
    #[must_use]
    pub const fn minimum_client_build(self) -> ClientBuild {
        match self {
            Self::ExchangeOnline => ClientBuild::new(16, 0, 6701, 1000),
            Self::OnPremises => ClientBuild::new(16, 0, 6920, 1000),
        }
    }
}

impl fmt::Display for MailboxLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ExchangeOnline => "Exchange Online",
            Self::OnPremises => "Exchange on-premises",
        })
    }
}
