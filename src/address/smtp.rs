//! SMTP addresses of Exchange mailboxes.

use super::{AddressError, Domain};

/// An Exchange mailbox's SMTP address, `local@domain`, in normalized form.
///
/// - Whitespace around the address is removed; whitespace inside it is an error.
/// - The whole address is lower-cased: Exchange resolves SMTP addresses without
///   regard to case, so `Kim@Contoso.com` and `kim@contoso.com` are one mailbox.
/// - The local part is an RFC 5321 dot-atom of at most 64 characters: letters,
///   digits and ``! # $ % & ' * + - / = ? ^ _ ` { | } ~``, with single dots between
///   them. Quoted local parts and non-ASCII local parts are rejected.
/// - The domain is normalized as a [`Domain`]; the whole address is at most 254
///   characters long.
///
/// ```
/// use offline_im::address::SmtpAddress;
///
/// let kim: SmtpAddress = "Kim.Akers@Contoso.COM".parse()?;
/// assert_eq!(kim.as_str(), "kim.akers@contoso.com");
/// assert_eq!(kim.local_part(), "kim.akers");
/// assert!("kim@@contoso.com".parse::<SmtpAddress>().is_err());
/// # Ok::<(), offline_im::address::AddressError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SmtpAddress(Box<str>, Domain);

impl SmtpAddress {
    /// Parses and normalizes an SMTP address.
    ///
    /// # Errors
    /// [`AddressError::SmtpAddress`] naming the value and the rule it broke, or
    /// [`AddressError::Domain`] when the domain part is not a valid domain.
    pub fn parse(value: &str) -> Result<Self, AddressError> {
        let fail = |rule| AddressError::SmtpAddress {
            value: value.to_owned(),
            rule,
        };
        let trimmed = value.trim();
        if trimmed.chars().any(char::is_whitespace) {
            return Err(fail("an SMTP address must not contain whitespace"));
        }
        let Some((local, host)) = trimmed.split_once('@') else {
            return Err(fail("an SMTP address must have the form local@domain"));
        };
        if host.contains('@') {
            return Err(fail("an SMTP address must contain exactly one \"@\""));
        }
        if local.is_empty() {
            return Err(fail("the local part of an SMTP address must not be empty"));
        }
        if local.len() > 64 {
            return Err(fail(
                "the local part of an SMTP address must be at most 64 characters",
            ));
        }
        if local.starts_with('"') {
            return Err(fail("quoted local parts are not supported"));
        }
        if !local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
        {
            return Err(fail(
                "the local part must be letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~ with single dots between them",
            ));
        }
        let domain = Domain::parse(host)?;
        let address = format!("{}@{domain}", local.to_ascii_lowercase());
        if address.len() > 254 {
            return Err(fail("an SMTP address must be at most 254 characters long"));
        }
        Ok(Self(address.into_boxed_str(), domain))
    }

    /// The part before the `@`.
    #[must_use]
    pub fn local_part(&self) -> &str {
        &self.0[..self.0.len() - self.1.as_str().len() - 1]
    }

    /// The domain after the `@`.
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.1
    }
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

super::string_impls::impl_address_string!(SmtpAddress, "the SMTP address");
