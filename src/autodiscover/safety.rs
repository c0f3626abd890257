//! The safety rules, as pure functions: which hosts Autodiscover may talk to.
//!
//! Autodiscover sends the user's credentials to the hosts it tries. Clients that
//! built host names carelessly leaked them: stripping labels from `contoso.com`
//! gave `autodiscover.com`, a host anyone can register. The rules here decide,
//! without I/O, whether a URL may be contacted with credentials.

use url::Url;

use crate::address::Domain;
use crate::transport::redacted_url;

/// Why Autodiscover refused to contact a URL or to follow a redirect.
///
/// Each variant names the URL or host (never a credential) and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The URL is not `https://` (only the unauthenticated redirect probe may be
    /// plain HTTP).
    #[error("refused {url}: Autodiscover requests go over https:// only")]
    NotHttps {
        /// The URL, without query or fragment.
        url: String,
    },
    /// The URL carries a user name or password.
    #[error("refused {url}: it carries a user name or password")]
    CredentialsInUrl {
        /// The URL, without credentials, query or fragment.
        url: String,
    },
    /// The host is not a DNS name with at least two labels (an IP address, a
    /// single label, or not a valid name).
    #[error(
        "refused the host {host:?}: Autodiscover talks only to DNS names like mail.contoso.com"
    )]
    NotAHostName {
        /// The host as found.
        host: String,
    },
    /// The host is a public suffix itself: a top-level domain or a suffix the
    /// caller declared ([`AutodiscoverBuilder::refuse_suffix`](super::AutodiscoverBuilder::refuse_suffix)).
    #[error("refused the host {host}: it is a public suffix, which no organization owns")]
    PublicSuffix {
        /// The host.
        host: String,
    },
    /// The host is `autodiscover.` followed by a public suffix, like
    /// `autodiscover.com`: whoever registered it would receive the credentials.
    #[error(
        "refused the host {host}: autodiscover.<public suffix> belongs to whoever registered it, \
         never to the user's organization"
    )]
    PublicSuffixAutodiscover {
        /// The host.
        host: String,
    },
    /// The host is neither in the user's domain nor allow-listed.
    #[error(
        "refused the host {host}: it is outside the user's domain {domain} and not allow-listed \
         (allow it with allow_host() if it is your organization's Autodiscover server)"
    )]
    OutsideDomain {
        /// The host.
        host: String,
        /// The user's domain.
        domain: String,
    },
    /// More redirects than allowed.
    #[error("stopped after {max} redirects (the limit; see max_redirects())")]
    TooManyRedirects {
        /// The limit.
        max: usize,
    },
    /// A redirect led back to a URL or address already tried.
    #[error("redirect loop: {target} was already tried")]
    RedirectLoop {
        /// The URL or address tried twice.
        target: String,
    },
}

/// The hosts one discovery may contact with credentials.
///
/// A host is allowed when it is a DNS name of at least two labels, is not refused
/// as a public suffix (see [`public_suffix_refusal`]), and lies within the user's
/// domain or within an allow-listed domain (`mail.contoso.com` and
/// `emea.mail.contoso.com` are within `contoso.com`; `badcontoso.com` is not).
///
/// ```
/// use offline_im::autodiscover::{HostRules, Refusal};
///
/// let rules = HostRules::new("contoso.com".parse()?).allow("fabrikam-hosting.net".parse()?);
/// assert!(rules.check_host("autodiscover.contoso.com").is_ok());
/// assert!(rules.check_host("ex1.fabrikam-hosting.net").is_ok());
/// assert!(matches!(rules.check_host("autodiscover.com"), Err(Refusal::PublicSuffixAutodiscover { .. })));
/// assert!(matches!(rules.check_host("evil.example"), Err(Refusal::OutsideDomain { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRules {
    user_domain: Domain,
    allowed: Vec<Domain>,
    refused_suffixes: Vec<Domain>,
}

impl HostRules {
    /// Rules for a user of `user_domain`, with nothing allow-listed and only the
    /// built-in public-suffix rule.
    #[must_use]
    pub fn new(user_domain: Domain) -> Self {
        Self {
            user_domain,
            allowed: Vec::new(),
            refused_suffixes: Vec::new(),
        }
    }

    /// Also allows `domain` and every name below it.
    #[must_use]
    pub fn allow(mut self, domain: Domain) -> Self {
        self.allowed.push(domain);
        self
    }

    /// Also refuses `suffix` and `autodiscover.<suffix>` as public suffixes (for
    /// example `co.uk`), even inside the user's domain.
    #[must_use]
    pub fn refuse_suffix(mut self, suffix: Domain) -> Self {
        self.refused_suffixes.push(suffix);
        self
    }

    /// The user's domain.
    #[must_use]
    pub fn user_domain(&self) -> &Domain {
        &self.user_domain
    }

    /// Checks a host name; returns it normalized.
    ///
    /// # Errors
    /// The [`Refusal`] naming the host and the rule.
    pub fn check_host(&self, host: &str) -> Result<Domain, Refusal> {
        let domain = checked_name(host, &self.refused_suffixes)?;
        if is_allowed_host(&domain, &self.user_domain, &self.allowed) {
            Ok(domain)
        } else {
            Err(Refusal::OutsideDomain {
                host: domain.to_string(),
                domain: self.user_domain.to_string(),
            })
        }
    }

    /// Checks a URL that would receive an authenticated Autodiscover request:
    /// `https://`, no user name or password in it, and an allowed host.
    ///
    /// # Errors
    /// The [`Refusal`] naming the URL or host and the rule.
    pub fn check_url(&self, url: &Url) -> Result<Domain, Refusal> {
        check_shape(url)?;
        self.check_host(url.host_str().unwrap_or_default())
    }

    /// Checks an EWS URL that an Autodiscover server of the user's organization
    /// returned: `https://`, no credentials in it, a DNS name that is not a public
    /// suffix. Its host need not be in the user's domain: the answer came,
    /// authenticated, from a host these rules allowed.
    ///
    /// # Errors
    /// The [`Refusal`] naming the URL or host and the rule.
    pub fn check_ews_url(&self, url: &Url) -> Result<Domain, Refusal> {
        check_shape(url)?;
        checked_name(url.host_str().unwrap_or_default(), &self.refused_suffixes)
    }
}

/// Whether `host` lies within `user_domain` or within one of `allow_list`.
///
/// This is the credentials rule alone; [`HostRules::check_host`] also applies the
/// public-suffix rule.
#[must_use]
pub fn is_allowed_host(host: &Domain, user_domain: &Domain, allow_list: &[Domain]) -> bool {
    host.is_within(user_domain) || allow_list.iter().any(|allowed| host.is_within(allowed))
}

/// The built-in public-suffix rule, plus the caller's refused suffixes.
///
/// Refused: a name of a single label (`com`), `autodiscover.` + a single label
/// (`autodiscover.com`), and any suffix in `refused` or `autodiscover.` + such a
/// suffix. The crate ships no public-suffix list: add the multi-label suffixes
/// your users' domains sit under (`co.uk`, `com.au`, ...) with
/// [`HostRules::refuse_suffix`]. Names that are not valid DNS names (IP
/// addresses included) are refused as [`Refusal::NotAHostName`].
///
/// ```
/// use offline_im::autodiscover::public_suffix_refusal;
///
/// assert!(public_suffix_refusal("autodiscover.com", &[]).is_some());
/// assert!(public_suffix_refusal("com", &[]).is_some());
/// assert!(public_suffix_refusal("autodiscover.co.uk", &["co.uk".parse()?]).is_some());
/// assert!(public_suffix_refusal("autodiscover.contoso.co.uk", &["co.uk".parse()?]).is_none());
/// # Ok::<(), offline_im::address::AddressError>(())
/// ```
#[must_use]
pub fn public_suffix_refusal(host: &str, refused: &[Domain]) -> Option<Refusal> {
    checked_name(host, refused).err()
}

fn checked_name(host: &str, refused: &[Domain]) -> Result<Domain, Refusal> {
    let trimmed = host.trim().trim_end_matches('.');
    if !trimmed.is_empty() && !trimmed.contains('.') {
        return Err(Refusal::PublicSuffix {
            host: trimmed.to_ascii_lowercase(),
        });
    }
    let domain = Domain::parse(host).map_err(|_| Refusal::NotAHostName {
        host: host.to_owned(),
    })?;
    let name = domain.as_str();
    if refused.iter().any(|suffix| suffix.as_str() == name) {
        return Err(Refusal::PublicSuffix {
            host: name.to_owned(),
        });
    }
    if let Some(rest) = name.strip_prefix("autodiscover.")
        && (!rest.contains('.') || refused.iter().any(|suffix| suffix.as_str() == rest))
    {
        return Err(Refusal::PublicSuffixAutodiscover {
            host: name.to_owned(),
        });
    }
    Ok(domain)
}

fn check_shape(url: &Url) -> Result<(), Refusal> {
    if url.scheme() != "https" {
        return Err(Refusal::NotHttps {
            url: redacted_url(url),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::CredentialsInUrl {
            url: redacted_url(url),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Domain {
        s.parse().unwrap()
    }

    #[test]
    fn hosts_of_the_user_domain_are_allowed() {
        let rules = HostRules::new(d("contoso.com"));
        for host in [
            "contoso.com",
            "autodiscover.contoso.com",
            "Mail.Contoso.COM.",
            "a.b.contoso.com",
        ] {
            assert!(rules.check_host(host).is_ok(), "{host}");
        }
    }

    #[test]
    fn look_alike_and_foreign_hosts_are_refused() {
        let rules = HostRules::new(d("contoso.com"));
        for host in [
            "badcontoso.com",
            "contoso.com.evil.example",
            "autodiscover.net",
        ] {
            assert!(rules.check_host(host).is_err(), "{host}");
        }
        assert_eq!(
            rules.check_host("evil.example"),
            Err(Refusal::OutsideDomain {
                host: "evil.example".into(),
                domain: "contoso.com".into()
            })
        );
    }

    #[test]
    fn public_suffix_hosts_are_refused_even_when_allow_listed_or_in_domain() {
        let rules = HostRules::new(d("contoso.co.uk"))
            .allow(d("co.uk"))
            .refuse_suffix(d("co.uk"));
        assert!(matches!(
            rules.check_host("autodiscover.co.uk"),
            Err(Refusal::PublicSuffixAutodiscover { .. })
        ));
        assert!(matches!(
            rules.check_host("co.uk"),
            Err(Refusal::PublicSuffix { .. })
        ));
        assert!(matches!(
            rules.check_host("com"),
            Err(Refusal::PublicSuffix { .. })
        ));
        assert!(matches!(
            rules.check_host("autodiscover.com."),
            Err(Refusal::PublicSuffixAutodiscover { .. })
        ));
        assert!(rules.check_host("autodiscover.contoso.co.uk").is_ok());
    }

    #[test]
    fn ip_addresses_and_garbage_are_not_host_names() {
        let rules = HostRules::new(d("contoso.com"));
        for host in ["10.0.0.1", "[::1]", "", "a..b"] {
            assert!(rules.check_host(host).is_err(), "{host:?}");
        }
    }

    #[test]
    fn urls_must_be_https_without_credentials() {
        let rules = HostRules::new(d("contoso.com"));
        let http: Url = "http://autodiscover.contoso.com/x".parse().unwrap();
        assert!(matches!(
            rules.check_url(&http),
            Err(Refusal::NotHttps { .. })
        ));
        let creds: Url = "https://kim:pw@contoso.com/x".parse().unwrap();
        let err = rules.check_url(&creds).unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
        let ip: Url = "https://127.0.0.1/x".parse().unwrap();
        assert!(matches!(
            rules.check_url(&ip),
            Err(Refusal::NotAHostName { .. })
        ));
        let ews: Url = "https://mail.contoso-online.net/EWS/Exchange.asmx"
            .parse()
            .unwrap();
        assert!(rules.check_ews_url(&ews).is_ok());
        assert!(rules.check_url(&ews).is_err());
    }
}
