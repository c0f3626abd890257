//! The in-memory cache of discovered endpoints, each with its expiry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::EwsEndpoint;
use crate::address::SmtpAddress;

/// Endpoints by (normalized, so lower-case) address, until they expire.
///
/// Time is `tokio::time::Instant`, so tests can pause and advance it.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    entries: Mutex<HashMap<SmtpAddress, (EwsEndpoint, Instant)>>,
}

impl Cache {
    /// The endpoint for `address` if cached and not expired at `now`; an expired
    /// entry is removed.
    pub(crate) fn get(&self, address: &SmtpAddress, now: Instant) -> Option<EwsEndpoint> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(address) {
            Some((endpoint, expires)) if now < *expires => Some(endpoint.clone()),
            Some(_) => {
                entries.remove(address);
                None
            }
            None => None,
        }
    }

    /// Keeps `endpoint` for `ttl` from `now`; a zero TTL keeps nothing.
    pub(crate) fn put(
        &self,
        address: SmtpAddress,
        endpoint: EwsEndpoint,
        ttl: Duration,
        now: Instant,
    ) {
        if ttl.is_zero() {
            return;
        }
        let expires = now
            .checked_add(ttl)
            .unwrap_or(now + Duration::from_secs(86400 * 365));
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert(address, (endpoint, expires));
    }

    /// Forgets `address`, or everything with `None`.
    pub(crate) fn forget(&self, address: Option<&SmtpAddress>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match address {
            Some(address) => {
                entries.remove(address);
            }
            None => entries.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Protocol;
    use super::*;

    fn endpoint() -> EwsEndpoint {
        EwsEndpoint {
            url: "https://mail.contoso.com/EWS/Exchange.asmx"
                .parse()
                .unwrap(),
            mailbox: "kim@contoso.com".parse().unwrap(),
            answered_by: "https://contoso.com/autodiscover/autodiscover.xml"
                .parse()
                .unwrap(),
            protocol: Protocol::Pox,
        }
    }

    #[test]
    fn entries_expire_after_their_ttl() {
        let cache = Cache::default();
        let kim: SmtpAddress = "kim@contoso.com".parse().unwrap();
        let t0 = Instant::now();
        cache.put(kim.clone(), endpoint(), Duration::from_secs(60), t0);
        assert!(cache.get(&kim, t0 + Duration::from_secs(59)).is_some());
        assert!(cache.get(&kim, t0 + Duration::from_secs(60)).is_none());
        assert!(cache.get(&kim, t0).is_none(), "an expired entry is removed");
    }

    #[test]
    fn zero_ttl_and_forget_keep_nothing() {
        let cache = Cache::default();
        let kim: SmtpAddress = "kim@contoso.com".parse().unwrap();
        let t0 = Instant::now();
        cache.put(kim.clone(), endpoint(), Duration::ZERO, t0);
        assert!(cache.get(&kim, t0).is_none());
        cache.put(kim.clone(), endpoint(), Duration::from_secs(5), t0);
        cache.forget(None);
        assert!(cache.get(&kim, t0).is_none());
    }
}
