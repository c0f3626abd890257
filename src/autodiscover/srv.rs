//! DNS SRV records for `_autodiscover._tcp.<domain>`, and the resolver trait.
//!
//! The standard library cannot ask for SRV records and a full resolver
//! (hickory-resolver) is a large dependency for one optional step, so the
//! crate's own client, `UdpSrvResolver` (feature `http`, in `dns.rs`), is small
//! and UDP only. [`NoSrvResolver`] finds nothing, so the SRV step reports "no
//! SRV resolver configured"; plug any resolver in with
//! [`AutodiscoverBuilder::resolver`](super::AutodiscoverBuilder::resolver).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use url::Url;

/// One SRV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Among equal priorities, higher is tried first.
    pub weight: u16,
    /// The port of the Autodiscover service on `target`.
    pub port: u16,
    /// The host serving Autodiscover.
    pub target: String,
    /// How long the record may be cached.
    pub ttl: Duration,
}

impl SrvRecord {
    /// A record with the given target and port, priority and weight 0, and a
    /// TTL of one hour.
    #[must_use]
    pub fn new(target: impl Into<String>, port: u16) -> Self {
        Self {
            priority: 0,
            weight: 0,
            port,
            target: target.into(),
            ttl: Duration::from_secs(3600),
        }
    }

    /// The POX Autodiscover URL on this record's target:
    /// `https://<target>[:<port>]/autodiscover/autodiscover.xml`, or `None` when
    /// the target is not a host name.
    #[must_use]
    pub fn autodiscover_url(&self) -> Option<Url> {
        let host = self.target.trim_end_matches('.');
        if host.is_empty() || host.contains(['/', '@', ':', '?', '#', '[']) {
            return None;
        }
        let authority = if self.port == 443 {
            host.to_owned()
        } else {
            format!("{host}:{}", self.port)
        };
        super::plan::url_for("https", &authority, super::Protocol::Pox.path())
    }
}

/// `records` in the order to try them: by priority (lowest first), then by
/// weight (highest first). (RFC 2782's weighted random choice is replaced by
/// this stable order, so discovery is repeatable.)
#[must_use]
pub fn order_srv_records(mut records: Vec<SrvRecord>) -> Vec<SrvRecord> {
    records.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.weight.cmp(&a.weight)));
    records
}

/// Why an SRV lookup failed (other than finding no record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SrvError {
    message: String,
}

impl SrvError {
    /// An error with this description.
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// The future returned by the object-safe form of [`SrvResolver`].
pub(crate) type BoxedLookup<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<SrvRecord>, SrvError>> + Send + 'a>>;

/// Looks up SRV records.
///
/// Return an empty list when the name has no SRV records; `Err` for failures.
///
/// ```
/// use offline_im::autodiscover::{SrvError, SrvRecord, SrvResolver};
///
/// /// Answers from a fixed table, like a hosts file for SRV.
/// struct Table;
///
/// impl SrvResolver for Table {
///     async fn lookup_srv(&self, name: &str) -> Result<Vec<SrvRecord>, SrvError> {
///         Ok(match name {
///             "_autodiscover._tcp.contoso.com" => vec![SrvRecord::new("mail.contoso.com", 443)],
///             _ => Vec::new(),
///         })
///     }
/// }
/// ```
pub trait SrvResolver: Send + Sync {
    /// The SRV records of `name` (e.g. `_autodiscover._tcp.contoso.com`).
    fn lookup_srv(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Vec<SrvRecord>, SrvError>> + Send;
}

/// The object-safe form of [`SrvResolver`], used inside the client.
pub(crate) trait DynSrvResolver: Send + Sync {
    fn lookup_boxed<'a>(&'a self, name: &'a str) -> BoxedLookup<'a>;
}

impl<T: SrvResolver> DynSrvResolver for T {
    fn lookup_boxed<'a>(&'a self, name: &'a str) -> BoxedLookup<'a> {
        Box::pin(self.lookup_srv(name))
    }
}

/// A resolver that finds nothing, so the SRV step is skipped with the reason
/// "no SRV resolver configured": to turn the step off, and the default
/// without feature `http`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSrvResolver;

impl SrvResolver for NoSrvResolver {
    async fn lookup_srv(&self, _name: &str) -> Result<Vec<SrvRecord>, SrvError> {
        Err(SrvError::new(
            "no SRV resolver configured (see AutodiscoverBuilder::resolver)",
        ))
    }
}

/// A resolver answering from a fixed table: for tests, and for networks whose
/// SRV records are known in advance.
#[derive(Clone, Default)]
pub struct StaticSrvResolver {
    records: HashMap<String, Vec<SrvRecord>>,
}

impl StaticSrvResolver {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `record` under `name` (compared without regard to case and a
    /// trailing dot).
    #[must_use]
    pub fn record(mut self, name: &str, record: SrvRecord) -> Self {
        self.records
            .entry(normalize(name))
            .or_default()
            .push(record);
        self
    }
}

impl SrvResolver for StaticSrvResolver {
    async fn lookup_srv(&self, name: &str) -> Result<Vec<SrvRecord>, SrvError> {
        Ok(self
            .records
            .get(&normalize(name))
            .cloned()
            .unwrap_or_default())
    }
}

impl fmt::Debug for StaticSrvResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticSrvResolver")
            .field("names", &self.records.len())
            .finish()
    }
}

fn normalize(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_from_records() {
        let url = SrvRecord::new("mail.contoso.com.", 443)
            .autodiscover_url()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://mail.contoso.com/autodiscover/autodiscover.xml"
        );
        let url = SrvRecord::new("mail.contoso.com", 8443)
            .autodiscover_url()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://mail.contoso.com:8443/autodiscover/autodiscover.xml"
        );
        assert!(
            SrvRecord::new("evil.example/x@", 443)
                .autodiscover_url()
                .is_none()
        );
        assert!(SrvRecord::new(".", 443).autodiscover_url().is_none());
    }

    #[test]
    fn records_are_ordered_by_priority_then_weight() {
        let rec = |t: &str, priority, weight| SrvRecord {
            priority,
            weight,
            ..SrvRecord::new(t, 443)
        };
        let ordered = order_srv_records(vec![rec("c", 10, 5), rec("b", 0, 1), rec("a", 0, 9)]);
        let targets: Vec<&str> = ordered.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, ["a", "b", "c"]);
    }
}
