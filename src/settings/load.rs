//! The settings bundle and its loaders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LoadSettingsError;
use super::check::check_references;
use crate::address::SipUri;
use crate::plan::{Planner, PlannerBuilder};
use crate::policy::{PolicySet, PowerShellPolicies, SenderProfile};
use crate::route::{Organization, PowerShellOrganization};

/// An organization, its policies and its senders' profiles.
///
/// See the [module documentation](crate::settings) for the file format.
///
/// ```
/// use offline_im::settings::Settings;
///
/// let settings = Settings::from_toml_str(r#"
///     [organization]
///     sip_domains = ["contoso.com"]
///
///     [[policies.client_policies]]
///     scope = "Tag:NoArchiving"
///     enable_im_auto_archiving = false
///
///     [senders."sip:kim@contoso.com"]
///     client_policy = "NoArchiving"
/// "#)?;
/// let kim = "sip:kim@contoso.com".parse()?;
/// assert_eq!(settings.sender(&kim).client_policy.as_deref(), Some("NoArchiving"));
/// assert_eq!(settings.sender(&"sip:pat@contoso.com".parse()?).client_policy, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The organization: SIP domains and federation.
    pub organization: Organization,
    /// The policies; empty means SfB's built-in defaults.
    #[serde(default)]
    pub policies: PolicySet,
    /// Profiles of individual senders (site, granted policies, client build),
    /// keyed by SIP URI. Senders not listed get [`SenderProfile::default`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub senders: BTreeMap<SipUri, SenderProfile>,
}

/// The file names [`Settings::from_powershell_dir`] reads.
const SIP_DOMAIN: &str = "Get-CsSipDomain.json";
const ACCESS_EDGE: &str = "Get-CsAccessEdgeConfiguration.json";
const ALLOWED_DOMAIN: &str = "Get-CsAllowedDomain.json";
const BLOCKED_DOMAIN: &str = "Get-CsBlockedDomain.json";
const IM_CONFIGURATION: &str = "Get-CsImConfiguration.json";
const CLIENT_POLICY: &str = "Get-CsClientPolicy.json";
const EXTERNAL_ACCESS_POLICY: &str = "Get-CsExternalAccessPolicy.json";

impl Settings {
    /// Settings for `organization` with default policies and no sender profiles.
    #[must_use]
    pub fn new(organization: Organization) -> Self {
        Self {
            organization,
            policies: PolicySet::default(),
            senders: BTreeMap::new(),
        }
    }

    /// The profile of `sender`: the one listed, or the default.
    #[must_use]
    pub fn sender(&self, sender: &SipUri) -> SenderProfile {
        self.senders.get(sender).cloned().unwrap_or_default()
    }

    /// A planner builder with this organization and these policies; sender
    /// profiles stay here, for [`Settings::sender`].
    pub fn planner(&self) -> PlannerBuilder {
        Planner::builder(self.organization.clone()).policies(self.policies.clone())
    }

    /// Checks that every policy a sender is granted is defined: what every
    /// loader does before it returns. Call it on settings built in code or
    /// deserialized as part of your own configuration (serde alone does not check).
    ///
    /// Tags are matched as at send time (by name, without regard to case), so
    /// settings that pass never fail a message for an unknown policy. A sender's
    /// `site` is not checked: in SfB a site without a policy of its own is
    /// valid, and its users get the global policies.
    ///
    /// ```
    /// use offline_im::settings::Settings;
    ///
    /// let err = Settings::from_toml_str(r#"
    ///     [organization]
    ///     sip_domains = ["contoso.com"]
    ///
    ///     [senders."sip:lee@contoso.com"]
    ///     client_policy = "NoSuchTag"
    /// "#).unwrap_err();
    /// assert!(err.to_string().contains("sip:lee@contoso.com"));
    /// assert!(err.to_string().contains("NoSuchTag"));
    /// ```
    ///
    /// # Errors
    /// [`LoadSettingsError::UndefinedPolicy`] for the first sender granted a
    /// `client_policy` or `external_access_policy` tag the policies lack.
    pub fn validate(&self) -> Result<(), LoadSettingsError> {
        check_references(self, None)
    }

    /// Reads settings from TOML text and [validates](Self::validate) them.
    ///
    /// # Errors
    /// [`LoadSettingsError::Toml`] with the line, column and rule when the text is
    /// not TOML or breaks a rule of the format;
    /// [`LoadSettingsError::UndefinedPolicy`] when a sender is granted a policy
    /// the settings do not define.
    pub fn from_toml_str(text: &str) -> Result<Self, LoadSettingsError> {
        checked(parse_toml(text)?, None)
    }

    /// Reads settings from JSON text (the same keys as the TOML form) and
    /// [validates](Self::validate) them.
    ///
    /// # Errors
    /// [`LoadSettingsError::Json`] naming the path of the offending value;
    /// [`LoadSettingsError::UndefinedPolicy`] when a sender is granted a policy
    /// the settings do not define.
    pub fn from_json_str(text: &str) -> Result<Self, LoadSettingsError> {
        checked(parse_json(text)?, None)
    }

    /// Reads a `.toml` or `.json` settings file.
    ///
    /// # Errors
    /// [`LoadSettingsError::Io`] when the file cannot be read,
    /// [`LoadSettingsError::UnknownFormat`] for another extension, and the errors
    /// of [`from_toml_str`](Self::from_toml_str) and [`from_json_str`](Self::from_json_str);
    /// [`LoadSettingsError::UndefinedPolicy`] names the file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, LoadSettingsError> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let settings = match extension.as_deref() {
            Some("toml") => parse_toml(&read(path)?)?,
            Some("json") => parse_json(&read(path)?)?,
            _ => {
                return Err(LoadSettingsError::UnknownFormat {
                    path: path.to_owned(),
                });
            }
        };
        checked(settings, Some(path))
    }

    /// Reads a directory of saved PowerShell output, one file per cmdlet, named
    /// after it: `Get-CsSipDomain.json` (required), `Get-CsAccessEdgeConfiguration.json`,
    /// `Get-CsAllowedDomain.json`, `Get-CsBlockedDomain.json`,
    /// `Get-CsImConfiguration.json`, `Get-CsClientPolicy.json` and
    /// `Get-CsExternalAccessPolicy.json` (each optional: a missing file means SfB's
    /// defaults for it). Save them with, for example,
    /// `Get-CsClientPolicy | ConvertTo-Json | Out-File -Encoding utf8 Get-CsClientPolicy.json`.
    /// Files may be UTF-8 or, as Windows PowerShell writes by default, UTF-16
    /// with a byte-order mark. Sender profiles
    /// are not part of SfB's output and stay empty.
    ///
    /// # Errors
    /// [`LoadSettingsError::Io`] when a file exists but cannot be read (or
    /// `Get-CsSipDomain.json` is missing); [`LoadSettingsError::Organization`] and
    /// [`LoadSettingsError::Policy`] naming the cmdlet and property at fault.
    pub fn from_powershell_dir(dir: impl AsRef<Path>) -> Result<Self, LoadSettingsError> {
        let dir = dir.as_ref();
        let sip_domains = read(&dir.join(SIP_DOMAIN))?;
        let optional = |name: &str| read_optional(&dir.join(name));
        let access_edge = optional(ACCESS_EDGE)?;
        let allowed = optional(ALLOWED_DOMAIN)?;
        let blocked = optional(BLOCKED_DOMAIN)?;
        let im_configuration = optional(IM_CONFIGURATION)?;
        let client_policies = optional(CLIENT_POLICY)?;
        let external_access = optional(EXTERNAL_ACCESS_POLICY)?;
        let organization = Organization::from_powershell_json(PowerShellOrganization {
            sip_domains: &sip_domains,
            access_edge_configuration: access_edge.as_deref(),
            allowed_domains: allowed.as_deref(),
            blocked_domains: blocked.as_deref(),
        })?;
        let policies = PolicySet::from_powershell_json(PowerShellPolicies {
            im_configuration: im_configuration.as_deref(),
            client_policies: client_policies.as_deref(),
            external_access_policies: external_access.as_deref(),
        })?;
        // SfB's output holds no sender profiles: there is nothing to validate.
        Ok(Self {
            organization,
            policies,
            senders: BTreeMap::new(),
        })
    }
}

fn parse_toml(text: &str) -> Result<Settings, LoadSettingsError> {
    Ok(toml::from_str(text)?)
}

fn parse_json(text: &str) -> Result<Settings, LoadSettingsError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| LoadSettingsError::Json {
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

/// `settings` once [`check_references`] passes, with `file` named in its error.
fn checked(settings: Settings, file: Option<&Path>) -> Result<Settings, LoadSettingsError> {
    check_references(&settings, file)?;
    Ok(settings)
}

fn read(path: &Path) -> Result<String, LoadSettingsError> {
    read_optional(path)?.ok_or_else(|| LoadSettingsError::Io {
        path: path.to_owned(),
        source: std::io::ErrorKind::NotFound.into(),
    })
}

fn read_optional(path: &Path) -> Result<Option<String>, LoadSettingsError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LoadSettingsError::Io {
                path: PathBuf::from(path),
                source,
            });
        }
    };
    decode(&bytes)
        .map(Some)
        .ok_or_else(|| LoadSettingsError::Io {
            path: PathBuf::from(path),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the file is neither UTF-8 nor UTF-16 with a byte-order mark",
            ),
        })
}

/// UTF-8 (with or without a byte-order mark), or UTF-16 with one: Windows
/// PowerShell's `Out-File` writes UTF-16LE by default and a BOM with `-Encoding utf8`.
fn decode(bytes: &[u8]) -> Option<String> {
    let utf16 = |bytes: &[u8], from: fn([u8; 2]) -> u16| {
        let units = bytes.chunks_exact(2).map(|pair| from([pair[0], pair[1]]));
        bytes
            .len()
            .is_multiple_of(2)
            .then(|| {
                char::decode_utf16(units)
                    .collect::<Result<String, _>>()
                    .ok()
            })
            .flatten()
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).ok(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8(bytes.to_vec()).ok(),
    }
}
