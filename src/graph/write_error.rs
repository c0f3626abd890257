//! What can be wrong with the input of a Graph request writer.

/// A Graph request could not be written: the input breaks one of Graph's rules.
///
/// Every variant names the field, the offending value (shortened, never a
/// secret: the writers see no credentials) and the rule, so the message alone
/// says what to change. Nothing is written when a writer returns an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphWriteError {
    /// A value breaks a rule.
    #[error("invalid {field} {value:?}: {rule}")]
    Invalid {
        /// Which input.
        field: &'static str,
        /// The value given (shortened to 64 characters).
        value: String,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A list that must not be empty is.
    #[error("{what} is empty: give at least one")]
    Empty {
        /// Which list.
        what: &'static str,
    },
    /// A `$batch` with more requests than Graph takes in one.
    #[error(
        "a $batch holds at most {max} requests, {count} were given: split them into several batches"
    )]
    BatchTooLarge {
        /// How many requests were given.
        count: usize,
        /// The limit, [`MAX_BATCH_REQUESTS`](super::MAX_BATCH_REQUESTS).
        max: usize,
    },
}

/// `value` cut to 64 characters for an error message.
pub(crate) fn shorten(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &value[..end]),
        None => value.to_owned(),
    }
}
