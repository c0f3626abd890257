//! When to try again: capped exponential back-off with jitter, and the server's word.

use std::time::Duration;

/// How the sender retries transient failures, and how it settles a lost reply.
///
/// The delay before retry `n` (1 for the first retry) is drawn uniformly from
/// `[d/2, d]` with `d = min(cap, base * 2^(n-1))` ("equal jitter", so that many
/// senders hit by the same busy server do not come back in step). When the server
/// names a delay (`BackOffMilliseconds` in an `ErrorServerBusy`, also inside an
/// `ErrorInternalServerError`, or HTTP `Retry-After`), the sender waits at least
/// that long, never less. When that is longer than
/// [`max_server_delay`](Self::max_server_delay) or would end after the message's
/// [`deadline`](Self::deadline), the message is not retried early: it is reported
/// [`Deferred`](super::Outcome::Deferred) at once, with the server's time as its
/// [`retry_at`](super::Failure::retry_at) (a [spool](crate::spool) keeps it until
/// then).
///
/// After a lost reply the sender looks for the messages before sending anything
/// again (see the [module documentation](super) for the whole procedure):
/// `check_delay` paces the looks, `execution_limit` is how long Exchange may go
/// on working on a request the client gave up on, and `draft_grace` how long a
/// message found in Drafts may take to leave it.
///
/// | setting | default | why |
/// |---|---|---|
/// | `base` | 100 ms | |
/// | `cap` | 10 s | |
/// | `max_server_delay` | 120 s | a server asking for longer defers the message instead |
/// | `deadline` (per message, from the first attempt) | 120 s | SfB's pickup interval |
/// | `check_delay` (between looks after a lost reply) | 2 s | |
/// | `execution_limit` | 60 s | Exchange stops a batch request after about a minute (Microsoft: "EWS throttling in Exchange"); until then a message not found may still be created |
/// | `draft_grace` | 30 s | Exchange creates and submits in one request: a draft still unsubmitted this long after the request ended will never be sent (the 2016 Drafts bug); a submitted one this long in Drafts is stuck in transport |
/// | `internal_error_retries` | 3 | `ErrorInternalServerError` without an inner code: retried this many times per message, then failed |
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
///
/// The settings are public fields, to read (`policy.deadline`) or set; the
/// methods of the same names set them in a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The delay ceiling of the first retry.
    pub base: Duration,
    /// The largest delay the sender picks by itself.
    pub cap: Duration,
    /// The longest server-requested delay the sender waits for while it holds a
    /// message; a longer one defers the message.
    pub max_server_delay: Duration,
    /// How long, from its first attempt, a message may keep being retried.
    pub deadline: Duration,
    /// The pause between looks for messages whose reply was lost.
    pub check_delay: Duration,
    /// How long Exchange may go on working on a request the client gave up on.
    pub execution_limit: Duration,
    /// How long a message found in Drafts after a lost reply may take to leave it.
    pub draft_grace: Duration,
    /// How many times `ErrorInternalServerError` without an inner code is retried.
    pub internal_error_retries: u32,
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
            max_server_delay: Duration::from_secs(120),
            deadline: Duration::from_secs(120),
            check_delay: Duration::from_secs(2),
            execution_limit: Duration::from_secs(60),
            draft_grace: Duration::from_secs(30),
            internal_error_retries: 3,
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

    /// The longest server-requested delay the sender waits for while it holds the
    /// message; a longer request defers the message with the server's time as its
    /// earliest next attempt (it is never cut short).
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

    /// How long Exchange may go on working on a request after the client stopped
    /// waiting for it: a message not found before the request's start plus this
    /// long may still be created, so it is not sent again before then (unless the
    /// request provably never reached the server).
    pub const fn execution_limit(mut self, limit: Duration) -> Self {
        self.execution_limit = limit;
        self
    }

    /// How long a message found in the sender's Drafts after a lost reply may take
    /// to leave it (counted from when Exchange must have finished the request).
    /// Until then it is left alone. Past it, a draft Exchange never submitted is
    /// abandoned: it is deleted and the message sent again; a submitted one is
    /// stuck in Exchange's transport: the message is deferred
    /// ([`FailureKind::InSubmission`](super::FailureKind::InSubmission)), neither
    /// deleted nor sent again.
    pub const fn draft_grace(mut self, grace: Duration) -> Self {
        self.draft_grace = grace;
        self
    }

    /// How many times a message is retried after `ErrorInternalServerError`
    /// without an inner code before it is failed (a request-level one is treated
    /// as a lost reply: looked for before it is sent again).
    pub const fn internal_error_retries(mut self, retries: u32) -> Self {
        self.internal_error_retries = retries;
        self
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
    /// what the server asked for, if anything: never less than the server asked.
    #[must_use]
    pub fn delay(&self, retry: u32, unit: f64, server: Option<Duration>) -> Duration {
        let ceiling = self.ceiling(retry);
        let jittered = ceiling / 2 + ceiling.mul_f64(unit.clamp(0.0, 1.0) / 2.0);
        match server {
            Some(asked) => jittered.max(asked),
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
        // Never less than the server asked, however long (the sender defers
        // messages whose wait would pass max_server_delay or the deadline).
        assert_eq!(
            retry.delay(1, 0.5, Some(Duration::from_millis(297_749))),
            Duration::from_millis(297_749)
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
