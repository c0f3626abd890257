//! XML Schema values in replies: `xs:boolean`, `xs:dateTime`, counts.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ReadError;
use super::error::shorten;

/// An `xs:boolean` (`true`, `false`, `1`, `0`; surrounding whitespace ignored).
pub(crate) fn boolean(what: &'static str, value: &str, position: u64) -> Result<bool, ReadError> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ReadError::InvalidValue {
            what,
            value: shorten(value),
            rule: "it must be true, false, 1 or 0",
            position,
        }),
    }
}

/// A count (a non-negative `xs:int`).
pub(crate) fn count(what: &'static str, value: &str, position: u64) -> Result<u32, ReadError> {
    value.trim().parse().map_err(|_| ReadError::InvalidValue {
        what,
        value: shorten(value),
        rule: "it must be a non-negative integer",
        position,
    })
}

/// An `xs:dateTime` as Exchange writes it (`2026-12-06T02:31:07Z`, fractional
/// seconds and any offset allowed); a value without an offset is read as UTC.
pub(crate) fn date_time(
    what: &'static str,
    value: &str,
    position: u64,
) -> Result<OffsetDateTime, ReadError> {
    let trimmed = value.trim();
    OffsetDateTime::parse(trimmed, &Rfc3339)
        .or_else(|e| match has_offset(trimmed) {
            true => Err(e),
            false => OffsetDateTime::parse(&format!("{trimmed}Z"), &Rfc3339),
        })
        .map_err(|_| ReadError::InvalidValue {
            what,
            value: shorten(value),
            rule: "it must be an xs:dateTime such as 2026-12-06T02:31:07Z",
            position,
        })
}

/// Whether the time part of `value` ends with `Z` or a `±hh:mm` offset.
fn has_offset(value: &str) -> bool {
    let time = value.split_once(['T', 't']).map_or("", |(_, time)| time);
    time.ends_with(['Z', 'z']) || time.contains(['+', '-'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn date_times_as_exchange_writes_them() {
        let read = |v| date_time("t", v, 0);
        assert_eq!(
            read("2026-12-06T02:31:07Z").unwrap(),
            datetime!(2026-12-06 02:31:07 UTC)
        );
        assert_eq!(
            read(" 2026-12-06T03:31:07.250+01:00 ").unwrap(),
            datetime!(2026-12-06 02:31:07.25 UTC)
        );
        assert_eq!(
            read("2026-12-06T02:31:07").unwrap(),
            datetime!(2026-12-06 02:31:07 UTC)
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-06T02:31:07Z",
            "2026-12-06",
            "2026-12-06T02:31:07+25:00",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn booleans_and_counts() {
        assert!(boolean("b", " true", 0).unwrap());
        assert!(!boolean("b", "0", 0).unwrap());
        assert!(boolean("b", "yes", 0).is_err());
        assert_eq!(count("c", "12", 0).unwrap(), 12);
        assert!(count("c", "-1", 0).is_err());
    }
}
