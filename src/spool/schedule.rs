//! When to try a message again after a transient failure, and when to give up.

use std::time::Duration;

use time::OffsetDateTime;

use super::SpoolError;
use super::entry::{SpoolEntry, add};

/// A capped exponential back-off with a maximum age.
///
/// After the `n`-th failed attempt the next one waits `base × factorⁿ⁻¹`, at most
/// `cap`. A message older than `max_age` (counted from
/// [`SpoolEntry::spooled_at`]) is not tried again: it goes to dead letters. The
/// last retry is moved forward to the deadline when the back-off would pass it,
/// so every message gets an attempt at its maximum age.
///
/// Defaults: `base` 60 s, `factor` 2, `cap` 1 h, `max_age` 24 h, so waits of
/// 1, 2, 4, 8, 16, 32 minutes, then hourly, for a day.
///
/// The spool stores the time this schedule computes; it never expires messages
/// by itself. The drainer asks [`after_failure`](Self::after_failure) and calls
/// [`Spool::retry_later`](super::Spool::retry_later) or
/// [`Spool::dead_letter`](super::Spool::dead_letter).
///
/// ```
/// use std::time::Duration;
/// use offline_im::spool::RetrySchedule;
/// use time::macros::datetime;
///
/// let schedule = RetrySchedule::default();
/// assert_eq!(schedule.delay(1), Duration::from_secs(60));
/// assert_eq!(schedule.delay(3), Duration::from_secs(240));
/// assert_eq!(schedule.delay(30), Duration::from_secs(3600)); // capped
///
/// let now = datetime!(2026-03-02 09:00 UTC);
/// assert_eq!(schedule.next_attempt(2, now), datetime!(2026-03-02 09:02 UTC));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrySchedule {
    base: Duration,
    factor: f64,
    cap: Duration,
    max_age: Duration,
}

impl Default for RetrySchedule {
    /// `base` 60 s, `factor` 2, `cap` 1 h, `max_age` 24 h.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(60),
            factor: 2.0,
            cap: Duration::from_secs(3600),
            max_age: Duration::from_secs(24 * 3600),
        }
    }
}

impl RetrySchedule {
    /// A schedule waiting `base` after the first failure, `factor` times longer
    /// after each further one, at most `cap`, giving up at `max_age`.
    ///
    /// # Errors
    /// [`SpoolError::Config`] when `base` or `max_age` is zero, `factor` is below 1
    /// or not finite, or `cap` is shorter than `base`.
    pub fn new(
        base: Duration,
        factor: f64,
        cap: Duration,
        max_age: Duration,
    ) -> Result<Self, SpoolError> {
        let fail = |field, value: String, rule| Err(SpoolError::Config { field, value, rule });
        if base.is_zero() {
            return fail(
                "retry base",
                format!("{base:?}"),
                "must be longer than zero",
            );
        }
        if !factor.is_finite() || factor < 1.0 {
            return fail(
                "retry factor",
                factor.to_string(),
                "must be a finite number of at least 1",
            );
        }
        if cap < base {
            return fail(
                "retry cap",
                format!("{cap:?}"),
                "must not be shorter than the base delay",
            );
        }
        if max_age.is_zero() {
            return fail(
                "maximum age",
                format!("{max_age:?}"),
                "must be longer than zero",
            );
        }
        Ok(Self {
            base,
            factor,
            cap,
            max_age,
        })
    }

    /// The wait after the first failure.
    #[must_use]
    pub fn base(&self) -> Duration {
        self.base
    }

    /// How much longer each further wait is.
    #[must_use]
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// The longest wait.
    #[must_use]
    pub fn cap(&self) -> Duration {
        self.cap
    }

    /// How long after spooling a message is given up.
    #[must_use]
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// The wait after `attempts` failed attempts (`attempts` 0 counts as 1).
    #[must_use]
    pub fn delay(&self, attempts: u32) -> Duration {
        let exponent = i32::try_from(attempts.saturating_sub(1)).unwrap_or(i32::MAX);
        let seconds = self.base.as_secs_f64() * self.factor.powi(exponent);
        Duration::try_from_secs_f64(seconds)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// When to try again after `attempts` failed attempts, the last one at `now`.
    #[must_use]
    pub fn next_attempt(&self, attempts: u32, now: OffsetDateTime) -> OffsetDateTime {
        add(now, self.delay(attempts))
    }

    /// The time after which `entry` is no longer tried.
    #[must_use]
    pub fn deadline(&self, entry: &SpoolEntry) -> OffsetDateTime {
        add(entry.spooled_at(), self.max_age)
    }

    /// Whether `entry` is past its maximum age at `now`.
    #[must_use]
    pub fn is_expired(&self, entry: &SpoolEntry, now: OffsetDateTime) -> bool {
        now >= self.deadline(entry)
    }

    /// After an attempt on `entry` failed at `now` for a transient reason: when to
    /// try again, or `None` when the message is too old and goes to dead letters.
    ///
    /// Counts the failed attempt (`entry.attempts() + 1`), and never returns a
    /// time past the [`deadline`](Self::deadline).
    #[must_use]
    pub fn after_failure(&self, entry: &SpoolEntry, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let deadline = self.deadline(entry);
        if now >= deadline {
            return None;
        }
        let next = self.next_attempt(entry.attempts().saturating_add(1), now);
        Some(next.min(deadline))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_nonsense() {
        let s = Duration::from_secs;
        assert!(RetrySchedule::new(s(0), 2.0, s(10), s(100)).is_err());
        assert!(RetrySchedule::new(s(1), 0.5, s(10), s(100)).is_err());
        assert!(RetrySchedule::new(s(1), f64::NAN, s(10), s(100)).is_err());
        assert!(RetrySchedule::new(s(10), 2.0, s(1), s(100)).is_err());
        assert!(RetrySchedule::new(s(1), 2.0, s(10), s(0)).is_err());
        let err = RetrySchedule::new(s(1), f64::INFINITY, s(10), s(100)).unwrap_err();
        assert!(err.to_string().contains("retry factor"), "{err}");
    }

    #[test]
    fn huge_attempt_counts_stay_at_the_cap() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.delay(u32::MAX), schedule.cap());
        assert_eq!(schedule.delay(0), schedule.base());
    }

    #[test]
    fn factor_one_is_a_constant_delay() {
        let s = Duration::from_secs;
        let schedule = RetrySchedule::new(s(30), 1.0, s(30), s(600)).unwrap();
        assert_eq!(schedule.delay(1), s(30));
        assert_eq!(schedule.delay(9), s(30));
    }
}
