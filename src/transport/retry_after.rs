//! The `Retry-After` header: how long the server asks us to wait.

use std::time::{Duration, SystemTime};

/// The wait a server asked for in a `Retry-After` header (RFC 9110, section 10.2.3).
///
/// Exchange sends it with HTTP 503 when it throttles a client. The value is either
/// a number of seconds or an HTTP date; [`RetryAfter::delay_from`] turns both into a
/// wait from a given moment.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use offline_im::transport::RetryAfter;
///
/// let now = SystemTime::now();
/// let seconds = RetryAfter::parse("120").unwrap();
/// assert_eq!(seconds.delay_from(now), Duration::from_secs(120));
///
/// let date = RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
/// assert_eq!(date.delay_from(now), Duration::ZERO); // long past: retry now
///
/// assert_eq!(RetryAfter::parse("soon"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryAfter {
    /// Wait this long after the reply arrived (`Retry-After: 120`).
    Delay(Duration),
    /// Wait until this moment (`Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`).
    At(SystemTime),
}

impl RetryAfter {
    /// Parses a `Retry-After` value: a non-negative whole number of seconds, or an
    /// HTTP date in any of the three forms RFC 9110 allows (IMF-fixdate, RFC 850,
    /// asctime). Whitespace around the value is ignored.
    ///
    /// Returns `None` for anything else (a negative or fractional number, a number
    /// too large for a [`Duration`], free text): a caller then falls back to its own
    /// back-off rather than failing the request.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        if value.bytes().all(|b| b.is_ascii_digit()) {
            return value
                .parse::<u64>()
                .ok()
                .map(|secs| Self::Delay(Duration::from_secs(secs)));
        }
        httpdate::parse_http_date(value).ok().map(Self::At)
    }

    /// Parses the raw bytes of a `Retry-After` header, logging a `debug` event
    /// (with the value, which is never secret) when they cannot be understood.
    #[must_use]
    pub fn from_header(value: &[u8]) -> Option<Self> {
        let parsed = std::str::from_utf8(value).ok().and_then(Self::parse);
        if parsed.is_none() {
            tracing::debug!(
                value = %String::from_utf8_lossy(value),
                "ignoring a Retry-After header that is neither seconds nor an HTTP date"
            );
        }
        parsed
    }

    /// How long to wait, counted from `now` (normally the moment the reply arrived).
    ///
    /// A date in the past gives [`Duration::ZERO`].
    #[must_use]
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match *self {
            Self::Delay(delay) => delay,
            Self::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn seconds() {
        assert_eq!(
            RetryAfter::parse("0"),
            Some(RetryAfter::Delay(Duration::ZERO))
        );
        assert_eq!(
            RetryAfter::parse(" 120 "),
            Some(RetryAfter::Delay(Duration::from_secs(120)))
        );
    }

    #[test]
    fn all_three_date_forms() {
        // 1994-11-06T08:49:37Z, the example date of RFC 9110.
        let expected = Some(RetryAfter::At(at(784_111_777)));
        assert_eq!(RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
        assert_eq!(
            RetryAfter::parse("Sunday, 06-Nov-94 08:49:37 GMT"),
            expected
        );
        assert_eq!(RetryAfter::parse("Sun Nov  6 08:49:37 1994"), expected);
    }

    #[test]
    fn rejects_what_is_neither() {
        for value in [
            "",
            "   ",
            "-1",
            "1.5",
            "+5",
            "soon",
            "99999999999999999999999",
            "2026-01-01T00:00:00Z",
        ] {
            assert_eq!(RetryAfter::parse(value), None, "{value:?}");
        }
        assert_eq!(RetryAfter::from_header(b"\xff\xfe"), None);
    }

    #[test]
    fn delay_from_a_moment() {
        let now = at(1_000);
        assert_eq!(
            RetryAfter::At(at(1_030)).delay_from(now),
            Duration::from_secs(30)
        );
        assert_eq!(RetryAfter::At(at(900)).delay_from(now), Duration::ZERO);
        assert_eq!(
            RetryAfter::Delay(Duration::from_secs(7)).delay_from(now),
            Duration::from_secs(7)
        );
    }
}
