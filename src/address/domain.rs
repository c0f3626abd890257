//! DNS domain names, normalized once.

use super::AddressError;

/// A DNS domain name such as `contoso.com`, always in its normalized form.
///
/// Parsing normalizes once, so two `Domain`s compare equal exactly when DNS would
/// treat them as the same name:
///
/// - surrounding whitespace and one trailing dot (`contoso.com.`) are removed;
/// - letters are lower-cased;
/// - internationalized names are converted to their ASCII (Punycode, `xn--`) form
///   with UTS #46 processing, so `BÜCHER.example` becomes `xn--bcher-kva.example`.
///
/// The result must have at least two labels, each of 1 to 63 letters, digits or
/// hyphens not starting or ending with a hyphen, 253 characters at most in all, and
/// must not be an IP address.
///
/// ```
/// use offline_im::address::Domain;
///
/// let d: Domain = "Contoso.COM.".parse()?;
/// assert_eq!(d.as_str(), "contoso.com");
/// assert_eq!("bücher.example".parse::<Domain>()?.as_str(), "xn--bcher-kva.example");
/// assert!("contoso".parse::<Domain>().is_err());
/// # Ok::<(), offline_im::address::AddressError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Domain(Box<str>);

impl Domain {
    /// Parses and normalizes a domain name.
    ///
    /// # Errors
    /// [`AddressError::Domain`] naming the value and the rule it broke.
    pub fn parse(value: &str) -> Result<Self, AddressError> {
        let fail = |rule| AddressError::Domain {
            value: value.to_owned(),
            rule,
        };
        let trimmed = value.trim();
        let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(fail("a domain must not be empty"));
        }
        if trimmed.chars().any(char::is_whitespace) {
            return Err(fail("a domain must not contain whitespace"));
        }
        let ascii = if trimmed.is_ascii() {
            trimmed.to_ascii_lowercase()
        } else {
            idna::domain_to_ascii_strict(trimmed).map_err(|_| {
                fail("an internationalized domain must be valid under IDNA (UTS #46)")
            })?
        };
        check_ascii_domain(&ascii).map_err(fail)?;
        Ok(Self(ascii.into_boxed_str()))
    }

    /// Whether `self` is `parent` itself or a name below it
    /// (`emea.contoso.com` is within `contoso.com`; `badcontoso.com` is not).
    #[must_use]
    pub fn is_within(&self, parent: &Domain) -> bool {
        self.0
            .strip_suffix(&*parent.0)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    }

    /// The labels from left to right: `["emea", "contoso", "com"]`.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }
}

fn check_ascii_domain(ascii: &str) -> Result<(), &'static str> {
    if ascii.len() > 253 {
        return Err("a domain must be at most 253 characters long");
    }
    let mut labels = 0;
    let mut last = "";
    for label in ascii.split('.') {
        labels += 1;
        if label.is_empty() {
            return Err("a domain must not contain an empty label (two dots in a row)");
        }
        if label.len() > 63 {
            return Err("each label of a domain must be at most 63 characters long");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err("a domain may contain only letters, digits, hyphens and dots");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label of a domain must not start or end with a hyphen");
        }
        last = label;
    }
    if labels < 2 {
        return Err("a domain must have at least two labels, like contoso.com");
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err("an IP address is not a domain name");
    }
    Ok(())
}

super::string_impls::impl_address_string!(Domain, "a domain name");

/// Lets maps keyed by `Domain` be searched with a `&str` that is already normalized.
impl std::borrow::Borrow<str> for Domain {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Domain {
    /// The domain itself, then each parent with at least two labels:
    /// `a.emea.contoso.com`, `emea.contoso.com`, `contoso.com`.
    pub fn self_and_parents(&self) -> impl Iterator<Item = &str> {
        let name: &str = &self.0;
        std::iter::once(name).chain(
            name.match_indices('.')
                .map(move |(i, _)| &name[i + 1..])
                .filter(|rest| rest.contains('.')),
        )
    }
}
