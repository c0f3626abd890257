//! Errors of the database, with which database and what the spool was doing.

use std::fmt;

use crate::spool::SpoolError;

/// A database error as a [`SpoolError::Backend`]: "PostgreSQL spool
/// user@host:port/db: cannot <op>: <cause>". The cause comes from the driver
/// or the pool, which never print the password.
pub(super) fn pg_error(
    target: &str,
    op: &'static str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> SpoolError {
    SpoolError::backend(PgError {
        target: target.to_owned(),
        op,
        source: Box::new(source),
    })
}

#[derive(Debug)]
struct PgError {
    target: String,
    op: &'static str,
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PostgreSQL spool {}: cannot {}: {}",
            self.target, self.op, self.source
        )?;
        // The driver's top-level text ("db error", "error connecting to server")
        // leaves the useful part to its source.
        let mut cause = self.source.source();
        while let Some(inner) = cause {
            write!(f, ": {inner}")?;
            cause = inner.source();
        }
        Ok(())
    }
}

impl std::error::Error for PgError {}
