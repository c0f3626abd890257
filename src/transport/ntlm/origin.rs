//! Where one request goes: the origin (scheme, host, port) its connection is
//! opened and authenticated for, and the path, method and request on it.

use std::error::Error as StdError;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper::Uri;
use hyper::header::HeaderValue;
use tokio_rustls::TlsConnector;
use url::{Host, Url};

use super::connection::Target;
use crate::transport::{Method, Request};

type BoxError = Box<dyn StdError + Send + Sync>;

/// One origin: where its connections go, and whom they authenticate to.
/// Connections are authenticated per origin: a request for another host never
/// reuses a connection authenticated for the endpoint's.
pub(super) struct Origin {
    /// `scheme://host:port`, telling connections of different origins apart.
    pub(super) key: String,
    pub(super) target: Target,
    /// The `Host` header.
    pub(super) host: HeaderValue,
    /// The NTLM target name, `HTTP/<host>` (or the configured principal).
    pub(super) service_principal: String,
    /// The principal a Kerberos ticket is asked for.
    #[cfg(feature = "kerberos")]
    pub(super) spn: crate::transport::negotiate::ServicePrincipal,
}

impl Origin {
    /// The origin of `url`: its own service principal `HTTP/<host>` unless
    /// `principal` names another; connecting to `connect_to` instead of what
    /// DNS gives, when set.
    pub(super) fn new(
        url: &Url,
        connector: &TlsConnector,
        principal: Option<&str>,
        connect_to: Option<SocketAddr>,
    ) -> Result<Self, BoxError> {
        let host = match url.host() {
            Some(Host::Domain(domain)) => domain.to_owned(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            None => return Err("the URL has no host".into()),
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let tls = if url.scheme() == "https" {
            let name = rustls::pki_types::ServerName::try_from(host.clone())?;
            Some((connector.clone(), name))
        } else {
            None
        };
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        Ok(Self {
            key: format!("{}://{authority}:{port}", url.scheme()),
            #[cfg(feature = "kerberos")]
            spn: principal.map_or_else(
                || crate::transport::negotiate::ServicePrincipal::for_host(&host),
                crate::transport::negotiate::ServicePrincipal::parse,
            ),
            service_principal: principal.map_or_else(|| format!("HTTP/{host}"), str::to_owned),
            host: HeaderValue::try_from(authority)?,
            target: match connect_to {
                Some(addr) => Target {
                    host: addr.ip().to_string(),
                    port: addr.port(),
                    tls,
                },
                None => Target { host, port, tls },
            },
        })
    }
}

/// The path and query of `url`, as the request line's target.
pub(super) fn path_and_query(url: &Url) -> Result<Uri, BoxError> {
    let mut path = url.path().to_owned();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    Ok(Uri::try_from(path)?)
}

/// One request on its way: the request, its origin, and its request line.
pub(super) struct Job<'a> {
    pub(super) request: &'a Request,
    pub(super) origin: Arc<Origin>,
    /// The path and query the request goes to.
    pub(super) uri: Uri,
    pub(super) method: hyper::Method,
}

impl Job<'_> {
    /// The hyper method of `method`.
    pub(super) fn method(method: Method) -> hyper::Method {
        match method {
            Method::Get => hyper::Method::GET,
            Method::Post => hyper::Method::POST,
            Method::Patch => hyper::Method::PATCH,
            Method::Delete => hyper::Method::DELETE,
        }
    }
}
