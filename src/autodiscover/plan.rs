//! The candidate planner: from a domain, the ordered steps Autodiscover tries.

use std::fmt;

use url::Url;

use crate::address::Domain;

/// The two Autodiscover request formats Exchange serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// SOAP Autodiscover (`/autodiscover/autodiscover.svc`, `GetUserSettings`),
    /// Exchange 2010 and later.
    Soap,
    /// "Plain old XML" Autodiscover (`/autodiscover/autodiscover.xml`), every
    /// Exchange version since 2007.
    Pox,
}

impl Protocol {
    /// The path of this protocol's endpoint.
    #[must_use]
    pub fn path(self) -> &'static str {
        match self {
            Self::Soap => "/autodiscover/autodiscover.svc",
            Self::Pox => "/autodiscover/autodiscover.xml",
        }
    }

    /// The protocol a redirect target speaks: SOAP for a path ending in `.svc`,
    /// POX otherwise.
    #[must_use]
    pub fn for_url(url: &Url) -> Self {
        if url.path().to_ascii_lowercase().ends_with(".svc") {
            Self::Soap
        } else {
            Self::Pox
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Soap => "SOAP",
            Self::Pox => "POX",
        })
    }
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// An authenticated Autodiscover request (HTTP POST) to `url`.
    Request {
        /// The request format.
        protocol: Protocol,
        /// Where to send it.
        url: Url,
    },
    /// An unauthenticated `GET` on plain HTTP whose only use is a redirect to an
    /// `https://` Autodiscover URL, which is then checked like any other.
    RedirectProbe {
        /// The `http://autodiscover.<domain>/autodiscover/autodiscover.xml` URL.
        url: Url,
    },
    /// A DNS SRV lookup of `_autodiscover._tcp.<domain>`; each target found
    /// becomes a POX request to `https://<target>:<port>/autodiscover/autodiscover.xml`.
    SrvLookup {
        /// The name to look up.
        name: String,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request { protocol, url } => write!(f, "{protocol} {url}"),
            Self::RedirectProbe { url } => write!(f, "redirect probe GET {url}"),
            Self::SrvLookup { name } => write!(f, "SRV lookup {name}"),
        }
    }
}

/// The steps for a user of `domain`, in the order Exchange documents, with the
/// protocols tried at each host in the order given:
///
/// 1. each protocol at `https://<domain>`,
/// 2. each protocol at `https://autodiscover.<domain>`,
/// 3. the redirect probe `http://autodiscover.<domain>/autodiscover/autodiscover.xml`,
/// 4. the SRV lookup `_autodiscover._tcp.<domain>`.
///
/// Only `<domain>` and `autodiscover.<domain>` are ever built from it: never a
/// parent of the domain.
///
/// ```
/// use offline_im::autodiscover::{plan, Protocol, Step};
///
/// let steps = plan(&"contoso.com".parse()?, &[Protocol::Soap, Protocol::Pox]);
/// let shown: Vec<String> = steps.iter().map(ToString::to_string).collect();
/// assert_eq!(shown, [
///     "SOAP https://contoso.com/autodiscover/autodiscover.svc",
///     "POX https://contoso.com/autodiscover/autodiscover.xml",
///     "SOAP https://autodiscover.contoso.com/autodiscover/autodiscover.svc",
///     "POX https://autodiscover.contoso.com/autodiscover/autodiscover.xml",
///     "redirect probe GET http://autodiscover.contoso.com/autodiscover/autodiscover.xml",
///     "SRV lookup _autodiscover._tcp.contoso.com",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn plan(domain: &Domain, protocols: &[Protocol]) -> Vec<Step> {
    let autodiscover_host = format!("autodiscover.{domain}");
    let mut steps = Vec::with_capacity(2 * protocols.len() + 2);
    for host in [domain.as_str(), autodiscover_host.as_str()] {
        for &protocol in protocols {
            if let Some(url) = url_for("https", host, protocol.path()) {
                steps.push(Step::Request { protocol, url });
            }
        }
    }
    if let Some(url) = url_for("http", &autodiscover_host, Protocol::Pox.path()) {
        steps.push(Step::RedirectProbe { url });
    }
    steps.push(Step::SrvLookup {
        name: format!("_autodiscover._tcp.{domain}"),
    });
    steps
}

/// `scheme://host[:port]path`, or `None` if that is not a URL (which a valid
/// [`Domain`] never produces).
pub(crate) fn url_for(scheme: &str, host: &str, path: &str) -> Option<Url> {
    Url::parse(&format!("{scheme}://{host}{path}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pox_only_plan_has_no_soap_step() {
        let steps = plan(&"contoso.com".parse().unwrap(), &[Protocol::Pox]);
        assert_eq!(steps.len(), 4);
        assert!(steps.iter().all(|s| !s.to_string().contains(".svc")));
    }

    #[test]
    fn planned_hosts_are_the_domain_and_its_autodiscover_name_only() {
        let steps = plan(
            &"emea.contoso.com".parse().unwrap(),
            &[Protocol::Soap, Protocol::Pox],
        );
        for step in &steps {
            match step {
                Step::Request { url, .. } | Step::RedirectProbe { url } => {
                    let host = url.host_str().unwrap();
                    assert!(
                        host == "emea.contoso.com" || host == "autodiscover.emea.contoso.com",
                        "{host}"
                    );
                }
                Step::SrvLookup { name } => {
                    assert_eq!(name, "_autodiscover._tcp.emea.contoso.com");
                }
            }
        }
    }

    #[test]
    fn protocol_follows_the_redirect_path() {
        let svc: Url = "https://x.contoso.com/Autodiscover/Autodiscover.svc"
            .parse()
            .unwrap();
        let xml: Url = "https://x.contoso.com/autodiscover/autodiscover.xml"
            .parse()
            .unwrap();
        assert_eq!(Protocol::for_url(&svc), Protocol::Soap);
        assert_eq!(Protocol::for_url(&xml), Protocol::Pox);
    }
}
