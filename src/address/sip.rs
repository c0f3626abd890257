//! SIP addresses of Skype for Business users.

use super::{AddressError, Domain};

/// A user's SIP address, `sip:user@domain`, in normalized form.
///
/// Skype for Business identifies a user by a SIP URI such as `sip:kim@contoso.com`.
/// Parsing normalizes once:
///
/// - **Whitespace** around the URI is removed; whitespace inside it is an error.
/// - **Case**: the scheme must be `sip:` in any case; the user part and the domain
///   are lower-cased, because Skype for Business compares SIP addresses without
///   regard to case (unlike RFC 3261, which makes the user part case-sensitive).
/// - **URI parameters and headers** (`;transport=tls`, `?subject=hi`) are dropped:
///   they say how to reach the user, not who the user is.
/// - The domain is normalized as a [`Domain`] (internationalized names in ASCII form).
///
/// Rejected: other schemes (`sips:`, `tel:`, `mailto:`), a missing or doubled `@`,
/// an empty user part, a port (`:5061`, a user's address has none), percent-encoded
/// user parts and characters outside letters, digits and `. - _ + ' ! ~ * ( ) & = $ ,`.
///
/// ```
/// use offline_im::address::SipUri;
///
/// let kim: SipUri = " SIP:Kim.Akers@Contoso.com;transport=tls ".parse()?;
/// assert_eq!(kim.as_str(), "sip:kim.akers@contoso.com");
/// assert_eq!(kim.user(), "kim.akers");
/// assert_eq!(kim.domain().as_str(), "contoso.com");
/// # Ok::<(), offline_im::address::AddressError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SipUri(Box<str>, Domain);

const SCHEME: &str = "sip:";

impl SipUri {
    /// Parses and normalizes a SIP URI.
    ///
    /// # Errors
    /// [`AddressError::SipUri`] naming the value and the rule it broke, or
    /// [`AddressError::Domain`] when the domain part is not a valid domain.
    pub fn parse(value: &str) -> Result<Self, AddressError> {
        let fail = |rule| AddressError::SipUri {
            value: value.to_owned(),
            rule,
        };
        let trimmed = value.trim();
        let scheme_ok = trimmed
            .get(..SCHEME.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(SCHEME));
        if !scheme_ok {
            return Err(fail("a SIP address must start with \"sip:\""));
        }
        let rest = &trimmed[SCHEME.len()..];
        let address = rest.split([';', '?']).next().unwrap_or_default();
        if address.chars().any(char::is_whitespace) {
            return Err(fail("a SIP address must not contain whitespace"));
        }
        let Some((user, host)) = address.split_once('@') else {
            return Err(fail("a SIP address must have the form sip:user@domain"));
        };
        if user.is_empty() {
            return Err(fail("the user part of a SIP address must not be empty"));
        }
        if host.contains('@') {
            return Err(fail("a SIP address must contain exactly one \"@\""));
        }
        if host.contains(':') {
            return Err(fail("a user's SIP address must not contain a port"));
        }
        if user.contains('%') {
            return Err(fail("percent-encoded user parts are not supported"));
        }
        if !user.chars().all(is_user_char) {
            return Err(fail(
                "the user part may contain only letters, digits and . - _ + ' ! ~ * ( ) & = $ ,",
            ));
        }
        let domain = Domain::parse(host)?;
        let uri = format!("{SCHEME}{}@{domain}", user.to_ascii_lowercase());
        Ok(Self(uri.into_boxed_str(), domain))
    }

    /// The user part, e.g. `kim.akers` in `sip:kim.akers@contoso.com`.
    #[must_use]
    pub fn user(&self) -> &str {
        let end = self.0.len() - self.1.as_str().len() - 1;
        &self.0[SCHEME.len()..end]
    }

    /// The domain part, which decides same-organization or federated delivery.
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.1
    }

    /// The address without the scheme: `kim.akers@contoso.com`.
    #[must_use]
    pub fn address(&self) -> &str {
        &self.0[SCHEME.len()..]
    }
}

fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ".-_+'!~*()&=$,".contains(c)
}

super::string_impls::impl_address_string!(SipUri, "the SIP URI, `sip:user@domain`");
