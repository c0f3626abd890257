//! When to try again: capped exponential back-off with jitter, and the server's word.

use std::time::Duration;

/// How the sender retries transient failures.
///
/// The delay before retry `n` (1 for the first retry) is drawn uniformly from
/// `[d/2, d]` with `d = min(cap, base * 2^(n-1))` ("equal jitter", so that many
/// senders hit by the same busy server do not come back in step). When the server
/// names a delay (`BackOffMilliseconds` in an `ErrorServerBusy`, or HTTP
/// `Retry-After`), the sender waits at least that long, up to
/// [`max_server_delay`](Self::max_server_delay). A message whose next attempt
/// would start after its [`deadline`](Self::deadline) is reported as deferred
/// instead.
///
/// | setting | default |
/// |---|---|
/// | `base` | 100 ms |
/// | `cap` | 10 s |
/// | `max_server_delay` | 60 s |
/// | `deadline` (per message, from the first attempt) | 120 s, SfB's pickup interval |
/// | `check_delay` (after an unknown outcome, before looking for the messages) | 2 s |
///
/// ```
/// use std::time::Duration;
/// use offline_im::send::RetryPolicy;
///
/// let retry = RetryPolicy::new()
///     .base(Duration::from_millis(50))
///     .cap(Duration::from_secs(2))
///     .deadline(Duration::from_secs(30));
/// assert_eq!(retry.ceiling(1), Duration::from_millis(50));
/// assert_eq!(retry.ceiling(3), Duration::from_millis(200));
/// assert_eq!(retry.ceiling(30), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    base: Duration,
    cap: Duration,
    max_server_delay: Duration,
    deadline: Duration,
    check_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// The defaults in the table above.
    pub const fn new() -> Self {
        Self {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
            max_server_delay: Duration::from_secs(60),
            deadline: Duration::from_secs(120),
            check_delay: Duration::from_secs(2),
        }
    }

    /// The delay ceiling of the first retry.
    pub const fn base(mut self, base: Duration) -> Self {
        self.base = base;
        self
    }

    /// The largest delay the sender picks by itself.
    pub const fn cap(mut self, cap: Duration) -> Self {
        self.cap = cap;
        self
    }

    /// The longest delay a server may ask for; longer requests are cut to this.
    pub const fn max_server_delay(mut self, max: Duration) -> Self {
        self.max_server_delay = max;
        self
    }

    /// How long, from its first attempt, a message may keep being retried.
    pub const fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long to wait, after a request whose outcome is unknown, before searching
    /// for its messages: Exchange may still be working on a request the client gave
    /// up on, and a search that runs before it finishes would miss its items.
    pub const fn check_delay(mut self, delay: Duration) -> Self {
        self.check_delay = delay;
        self
    }

    /// The wait before searching after an unknown outcome.
    #[must_use]
    pub const fn check_delay_duration(&self) -> Duration {
        self.check_delay
    }

    /// The per-message deadline.
    #[must_use]
    pub const fn deadline_duration(&self) -> Duration {
        self.deadline
    }

    /// The delay ceiling before retry `retry` (1-based): `min(cap, base * 2^(retry-1))`.
    #[must_use]
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The delay before retry `retry`, given a `unit` random number in `[0, 1)` and
    /// what the server asked for, if anything.
    #[must_use]
    pub fn delay(&self, retry: u32, unit: f64, server: Option<Duration>) -> Duration {
        let ceiling = self.ceiling(retry);
        let jittered = ceiling / 2 + ceiling.mul_f64(unit.clamp(0.0, 1.0) / 2.0);
        match server {
            Some(asked) => jittered.max(asked.min(self.max_server_delay)),
            None => jittered,
        }
    }
}

/// A small, fast, seedable random source for jitter (SplitMix64).
#[derive(Debug, Clone)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits as a fraction.
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_cap_and_honour_the_server() {
        let retry = RetryPolicy::new();
        assert_eq!(retry.delay(1, 0.0, None), Duration::from_millis(50));
        assert_eq!(retry.delay(1, 1.0, None), Duration::from_millis(100));
        assert_eq!(retry.delay(4, 1.0, None), Duration::from_millis(800));
        assert_eq!(retry.delay(100, 1.0, None), Duration::from_secs(10));
        assert_eq!(
            retry.delay(1, 0.5, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            retry.delay(1, 0.5, Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn jitter_stays_in_range() {
        let mut jitter = Jitter::new(7);
        for _ in 0..10_000 {
            let u = jitter.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
