//! [`UdpSrvResolver`]: a small DNS client for the SRV step, over UDP.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::dns_wire::{read_response, write_query};
use super::{SrvError, SrvRecord, SrvResolver};

/// Where [`UdpSrvResolver::system`] reads its name servers.
const RESOLV_CONF: &str = "/etc/resolv.conf";
/// A UDP DNS message without EDNS is at most 512 bytes; room for more.
const MAX_DATAGRAM: usize = 4096;

/// Asks DNS servers for SRV records over UDP; the default resolver of
/// [`AutodiscoverBuilder`](super::AutodiscoverBuilder) with feature `http`.
///
/// Each server is asked in turn, up to [`attempts`](Self::attempts) rounds,
/// each query waiting at most [`timeout`](Self::timeout) for a reply from
/// that server's address carrying the query's random id; the first answer
/// wins (an NXDOMAIN answer is an empty list).
///
/// Limits, by design: UDP only (a truncated response is an error, not retried
/// over TCP), no EDNS, no DNSSEC validation (trust the path to your
/// resolver), no search domains or `ndots` (the name is asked as given), no
/// following of CNAMEs (only SRV records owned by the name asked count).
///
/// | setting | default |
/// | --- | --- |
/// | servers | [`system`](Self::system): the `nameserver` lines of `/etc/resolv.conf`, read at the first lookup |
/// | [`timeout`](Self::timeout) | 2 s per query |
/// | [`attempts`](Self::attempts) | 2 rounds over the servers |
///
/// ```
/// use std::time::Duration;
/// use offline_im::autodiscover::{Autodiscover, UdpSrvResolver};
///
/// let resolver = UdpSrvResolver::new(vec!["192.0.2.53:53".parse()?])
///     .timeout(Duration::from_secs(1))
///     .attempts(3);
/// let autodiscover = Autodiscover::builder().resolver(resolver).build()?;
/// # let _ = autodiscover;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
#[derive(Clone)]
pub struct UdpSrvResolver {
    servers: Servers,
    timeout: Duration,
    attempts: u32,
}

#[derive(Clone)]
enum Servers {
    Fixed(Vec<SocketAddr>),
    /// Read from `/etc/resolv.conf` at the first lookup; kept once found.
    System(OnceLock<Vec<SocketAddr>>),
}

impl UdpSrvResolver {
    /// Asks the name servers listed in `/etc/resolv.conf` (IPv4 and IPv6
    /// `nameserver` lines, port 53). The file is read at the first lookup; if
    /// it cannot be read or lists no usable server, lookups fail with an
    /// [`SrvError`] saying so.
    pub fn system() -> Self {
        Self::with(Servers::System(OnceLock::new()))
    }

    /// Asks `servers`, in order.
    pub fn new(servers: Vec<SocketAddr>) -> Self {
        Self::with(Servers::Fixed(servers))
    }

    fn with(servers: Servers) -> Self {
        Self {
            servers,
            timeout: Duration::from_secs(2),
            attempts: 2,
        }
    }

    /// How long to wait for each server's reply. Default: 2 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many rounds over the servers before giving up (at least 1).
    /// Default: 2.
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    fn servers(&self) -> Result<&[SocketAddr], SrvError> {
        match &self.servers {
            Servers::Fixed(servers) => Ok(servers),
            Servers::System(cell) => {
                if let Some(servers) = cell.get() {
                    return Ok(servers);
                }
                let text = std::fs::read_to_string(RESOLV_CONF).map_err(|err| {
                    SrvError::new(format!("cannot read DNS servers from {RESOLV_CONF}: {err}"))
                })?;
                let servers = parse_resolv_conf(&text);
                if servers.is_empty() {
                    return Err(SrvError::new(format!(
                        "no usable nameserver line in {RESOLV_CONF}"
                    )));
                }
                Ok(cell.get_or_init(|| servers))
            }
        }
    }
}

impl Default for UdpSrvResolver {
    /// [`UdpSrvResolver::system`].
    fn default() -> Self {
        Self::system()
    }
}

impl SrvResolver for UdpSrvResolver {
    async fn lookup_srv(&self, name: &str) -> Result<Vec<SrvRecord>, SrvError> {
        let servers = self.servers()?;
        if servers.is_empty() {
            return Err(SrvError::new("no DNS server configured"));
        }
        let mut last_errors: Vec<(SocketAddr, SrvError)> = Vec::new();
        for _ in 0..self.attempts {
            for &server in servers {
                match query(server, name, self.timeout).await {
                    Ok(records) => return Ok(records),
                    Err(err) => {
                        tracing::debug!(%server, %err, name, "SRV query failed");
                        last_errors.retain(|(s, _)| *s != server);
                        last_errors.push((server, err));
                    }
                }
            }
        }
        let why: Vec<String> = last_errors
            .iter()
            .map(|(server, err)| format!("{server}: {err}"))
            .collect();
        Err(SrvError::new(format!(
            "SRV lookup of {name} failed ({})",
            why.join("; ")
        )))
    }
}

/// One query to one server, waiting at most `timeout` for its answer.
async fn query(
    server: SocketAddr,
    name: &str,
    timeout: Duration,
) -> Result<Vec<SrvRecord>, SrvError> {
    let id = u16::from_be_bytes(random_id());
    let packet = write_query(id, name)?;
    let io = |what: &str, err: std::io::Error| SrvError::new(format!("{what}: {err}"));
    let local = match server.ip() {
        IpAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
        IpAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
    };
    let socket = UdpSocket::bind(local)
        .await
        .map_err(|err| io("cannot open a UDP socket", err))?;
    // Connected: the system drops datagrams from any other address.
    socket
        .connect(server)
        .await
        .map_err(|err| io("cannot reach the server", err))?;
    socket
        .send(&packet)
        .await
        .map_err(|err| io("cannot send the query", err))?;
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0; MAX_DATAGRAM];
    loop {
        let received = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
            .await
            .map_err(|_| SrvError::new(format!("no answer within {timeout:?} (timeout)")))?;
        let (len, from) = received.map_err(|err| io("no answer", err))?;
        if from != server {
            continue;
        }
        if let Some(records) = read_response(&buf[..len], id, name)? {
            return Ok(records);
        }
        tracing::debug!(%server, "DNS reply for another query ignored");
    }
}

fn random_id() -> [u8; 2] {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    [bytes[0], bytes[1]]
}

/// The servers of the `nameserver` lines, port 53; other lines, and
/// addresses that do not parse (an IPv6 address with a `%zone`, say), are
/// skipped.
fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver"))
                .then(|| words.next())
                .flatten()
                .and_then(|addr| addr.parse::<IpAddr>().ok())
                .map(|ip| SocketAddr::new(ip, 53))
        })
        .collect()
}

impl fmt::Debug for UdpSrvResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("UdpSrvResolver");
        match &self.servers {
            Servers::Fixed(servers) => s.field("servers", servers),
            Servers::System(cell) => {
                s.field("servers", &cell.get().map_or("system", |_| "system (read)"))
            }
        };
        s.field("timeout", &self.timeout)
            .field("attempts", &self.attempts)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_lines_are_read() {
        let text = "# comment\nsearch contoso.com\nnameserver 10.0.0.53\n\
                    nameserver  2001:db8::53 \nnameserver fe80::1%eth0\nnameserver\n\
                    options ndots:2\n;nameserver 1.1.1.1\n";
        assert_eq!(
            parse_resolv_conf(text),
            [
                "10.0.0.53:53".parse::<SocketAddr>().unwrap(),
                "[2001:db8::53]:53".parse().unwrap(),
            ]
        );
        assert!(parse_resolv_conf("search contoso.com\n").is_empty());
    }
}
