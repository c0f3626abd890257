//! Who holds a claim: the host and process a claimant id names, and whether
//! that process still exists.
//!
//! A claimant id made by [`ClaimantId::generate`] reads
//! `<host>_p<process id>_<random>`, and every claimed file's name carries it.
//! A drainer that finds a claim made on its own host by a process that no
//! longer exists takes the message over at once instead of waiting for the
//! lease: that process cannot complete it any more. Claims of live processes,
//! of other hosts, and ids that name no holder (chosen by the caller) keep
//! their lease.
//!
//! Whether a process exists is read from Linux's `/proc/<pid>/stat` (no
//! `unsafe`, no `kill(pid, 0)`): a missing entry, or a zombie (`Z`) or dead
//! (`X`) state, means gone. Where `/proc` is not there (other systems, or a
//! sandbox without it) nothing is known and every claim keeps its lease.
//!
//! The rule is safe when the host names of the machines sharing a spool
//! differ, and when the drainers of one host share one process-id namespace
//! (containers of one host sharing a spool directory need their own host
//! names, which they have by default). A process id reused by a new process
//! only makes the claim wait for its lease.

use std::sync::OnceLock;

use super::ClaimantId;

/// The longest host name kept in a claimant id, in characters.
const MAX_HOST_CHARS: usize = 30;

/// The process that holds a claim, as its claimant id names it.
///
/// ```
/// use offline_im::spool::ClaimantId;
///
/// let mine = ClaimantId::generate();
/// let holder = mine.holder().expect("a generated id names its process");
/// assert_eq!(holder.pid(), std::process::id());
/// assert!(holder.is_on_this_host());
/// assert!(!holder.is_known_gone()); // this process is alive
/// # Ok::<(), offline_im::spool::SpoolError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimHolder {
    host: String,
    pid: u32,
}

impl ClaimHolder {
    /// The holder's host name, as written in the claimant id (ASCII letters,
    /// digits and `-`, at most 30 characters).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The holder's process id on its host.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether the holder runs on this host.
    #[must_use]
    pub fn is_on_this_host(&self) -> bool {
        this_host().is_some_and(|host| host == self.host)
    }

    /// Whether the holder is known to be gone: it ran on this host, is not this
    /// process, and its process no longer exists (or is a zombie). `false` when
    /// that cannot be known (another host, no `/proc`).
    #[must_use]
    pub fn is_known_gone(&self) -> bool {
        self.is_on_this_host() && self.pid != std::process::id() && process_gone(self.pid)
    }

    /// The holder a claimant id names, if it has the form `<host>_p<pid>_<suffix>`.
    pub(crate) fn of(claimant: &ClaimantId) -> Option<Self> {
        let mut parts = claimant.as_str().rsplitn(3, '_');
        let (_suffix, pid, host) = (parts.next()?, parts.next()?, parts.next()?);
        let pid = pid.strip_prefix('p')?;
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return None;
        }
        Some(Self {
            host: host.to_owned(),
            pid: pid.parse().ok()?,
        })
    }
}

/// This host's name as a claimant id carries it, read once; `None` when unknown.
pub(crate) fn this_host() -> Option<&'static str> {
    static HOST: OnceLock<Option<String>> = OnceLock::new();
    HOST.get_or_init(|| {
        let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .or_else(|| std::env::var("COMPUTERNAME").ok())?;
        let host: String = raw
            .trim()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(MAX_HOST_CHARS)
            .collect();
        (!host.is_empty()).then_some(host)
    })
    .as_deref()
}

/// Whether process `pid` of this host is known not to exist any more.
fn process_gone(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return false; // no /proc: nothing is known
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `pid (command) S ...`: the state follows the last `)`.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state == 'Z' || state == 'X'),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ClaimantId {
        s.parse().unwrap()
    }

    #[test]
    fn ids_name_their_holder_only_in_the_generated_form() {
        let holder = ClaimHolder::of(&id("web-01_p4242_0123abcd")).unwrap();
        assert_eq!((holder.host(), holder.pid()), ("web-01", 4242));
        for other in [
            "drainer-1",
            "drainer_1",
            "a_b_c",
            "_p12_x",
            "h_p_x",
            "h_p1x_y",
        ] {
            assert_eq!(ClaimHolder::of(&id(other)), None, "{other}");
        }
    }

    #[test]
    fn this_process_is_alive_and_an_unused_pid_is_gone() {
        assert!(!process_gone(std::process::id()));
        if std::path::Path::new("/proc/self/stat").exists() {
            // Above the largest pid Linux hands out (2^22).
            assert!(process_gone(4_194_305));
        }
    }

    #[test]
    fn other_hosts_are_never_known_gone() {
        let holder = ClaimHolder::of(&id("not-this-host-zz9_p4194305_x")).unwrap();
        assert!(!holder.is_on_this_host());
        assert!(!holder.is_known_gone());
    }
}
