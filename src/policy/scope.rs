//! Where a policy applies: the whole deployment, one site, or the users granted a tag.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::PolicyError;

/// The scope of a policy object, as SfB writes it in `Identity`.
///
/// | `Identity` | scope |
/// |---|---|
/// | `Global` | [`Scope::Global`]: every user without a more specific policy |
/// | `Site:Redmond` | [`Scope::Site`]: users homed on that site |
/// | `Tag:NoArchiving` or `NoArchiving` | [`Scope::Tag`]: users the policy was granted to |
///
/// The prefixes and `Global` are matched without regard to case, as PowerShell
/// does; the name after the prefix keeps its case but is compared without regard
/// to case, so `Site:redmond` and `Site:Redmond` are the same scope. A bare name
/// is a tag, because `Grant-CsClientPolicy -PolicyName NoArchiving` refers to
/// `Tag:NoArchiving` that way. Surrounding whitespace is ignored.
///
/// ```
/// use offline_im::policy::Scope;
///
/// assert_eq!("Site:Redmond".parse::<Scope>()?, Scope::site("Redmond")?);
/// assert_eq!("NoArchiving".parse::<Scope>()?.to_string(), "Tag:NoArchiving");
/// assert!("Site:".parse::<Scope>().is_err());
/// # Ok::<(), offline_im::policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, Default, Eq)]
pub enum Scope {
    /// The global policy (`Identity` `Global`).
    #[default]
    Global,
    /// A site's policy (`Identity` `Site:<name>`).
    Site(String),
    /// A per-user policy granted by name (`Identity` `Tag:<name>`).
    Tag(String),
}

impl Scope {
    /// The scope of a site's policy.
    ///
    /// # Errors
    /// [`PolicyError::Scope`] when the name is empty or contains `:`.
    pub fn site(name: impl Into<String>) -> Result<Self, PolicyError> {
        check_name(name.into(), "Site:").map(Self::Site)
    }

    /// The scope of a per-user (tag) policy.
    ///
    /// # Errors
    /// [`PolicyError::Scope`] when the name is empty or contains `:`.
    pub fn tag(name: impl Into<String>) -> Result<Self, PolicyError> {
        check_name(name.into(), "Tag:").map(Self::Tag)
    }

    /// The site or tag name; `None` for the global scope.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Global => None,
            Self::Site(name) | Self::Tag(name) => Some(name),
        }
    }

    /// The identity's kind: `"Global"`, `"Site"` or `"Tag"`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Global => "Global",
            Self::Site(_) => "Site",
            Self::Tag(_) => "Tag",
        }
    }

    /// Whether `name` names this site or tag (without regard to case).
    pub(crate) fn is_named(&self, name: &str) -> bool {
        self.name()
            .is_some_and(|own| own.eq_ignore_ascii_case(name.trim()))
    }
}

fn check_name(name: String, prefix: &str) -> Result<String, PolicyError> {
    let trimmed = name.trim();
    let rule = if trimmed.is_empty() {
        "a site or tag name must not be empty"
    } else if trimmed.contains(':') {
        "a site or tag name must not contain ':'"
    } else {
        return Ok(trimmed.to_owned());
    };
    Err(PolicyError::Scope {
        value: format!("{prefix}{name}"),
        rule,
    })
}

impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Global, Self::Global) => true,
            (Self::Site(a), Self::Site(b)) | (Self::Tag(a), Self::Tag(b)) => {
                a.eq_ignore_ascii_case(b)
            }
            _ => false,
        }
    }
}

impl FromStr for Scope {
    type Err = PolicyError;

    fn from_str(identity: &str) -> Result<Self, Self::Err> {
        let trimmed = identity.trim();
        if trimmed.eq_ignore_ascii_case("global") {
            return Ok(Self::Global);
        }
        let (prefix, rest) = match trimmed.split_once(':') {
            Some((prefix, rest)) => (prefix, Some(rest)),
            None => (trimmed, None),
        };
        let named = |result: Result<Self, PolicyError>| {
            result.map_err(|e| match e {
                PolicyError::Scope { rule, .. } => PolicyError::Scope {
                    value: identity.to_owned(),
                    rule,
                },
                other => other,
            })
        };
        match rest {
            Some(name) if prefix.eq_ignore_ascii_case("site") => named(Self::site(name)),
            Some(name) if prefix.eq_ignore_ascii_case("tag") => named(Self::tag(name)),
            Some(_) => Err(PolicyError::Scope {
                value: identity.to_owned(),
                rule: "an Identity is Global, Site:<name>, Tag:<name> or a bare tag name",
            }),
            None => named(Self::tag(prefix)),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Global => f.write_str("Global"),
            Self::Site(name) => write!(f, "Site:{name}"),
            Self::Tag(name) => write!(f, "Tag:{name}"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
