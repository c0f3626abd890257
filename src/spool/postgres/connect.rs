//! Opening a [`PgSpool`]: the URL, the pool, the schema check.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::NoTls;
use tokio_postgres::config::{Host, SslMode};

use super::error::pg_error;
use super::schema;
use crate::spool::{ClaimantId, DEFAULT_LEASE, SpoolError};

/// How many connections a [`PgSpool`] keeps open at most, by default: 8.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// How long connecting to the database may take by default, when the URL sets
/// no `connect_timeout`: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`Spool`](crate::spool::Spool) in a PostgreSQL table, shared by any number
/// of drainers on any number of hosts (see the [module docs](super)).
///
/// Cloning is cheap: clones share the connection pool and the claimant id, so
/// give each concurrent drainer its own with [`PgSpoolBuilder::claimant`].
///
/// `Debug` shows the database's user, host, port and name, never the password.
///
/// ```no_run
/// use std::time::Duration;
/// use offline_im::spool::{PgSpool, Spool};
/// use time::OffsetDateTime;
///
/// # async fn drain() -> Result<(), Box<dyn std::error::Error>> {
/// let spool = PgSpool::builder(std::env::var("OFFLINE_IM_PG_URL")?)
///     .lease(Duration::from_secs(300))
///     .create_schema(true)
///     .connect()
///     .await?;
/// for claim in spool.claim_due(OffsetDateTime::now_utc(), 100).await? {
///     // ... deliver it (Sender::drain does all of this) ...
///     spool.complete(claim).await?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PgSpool {
    pub(super) pool: Pool,
    pub(super) claimant: ClaimantId,
    pub(super) lease: Duration,
    pub(super) target: String,
}

/// Opens a [`PgSpool`]; every setting but the URL has a default.
#[must_use]
pub struct PgSpoolBuilder {
    url: SecretString,
    claimant: Option<ClaimantId>,
    lease: Duration,
    pool_size: usize,
    create_schema: bool,
}

impl fmt::Debug for PgSpoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgSpoolBuilder")
            .field("url", &"[redacted]")
            .field("claimant", &self.claimant)
            .field("lease", &self.lease)
            .field("pool_size", &self.pool_size)
            .field("create_schema", &self.create_schema)
            .finish()
    }
}

impl fmt::Debug for PgSpool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgSpool")
            .field("database", &self.target)
            .field("claimant", &self.claimant)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl PgSpoolBuilder {
    /// Sets the name this spool claims messages under. Default:
    /// [`ClaimantId::generate`], unique per process and call.
    pub fn claimant(mut self, claimant: ClaimantId) -> Self {
        self.claimant = Some(claimant);
        self
    }

    /// Sets how long a claim holds before another drainer may take the message
    /// over; longer than the longest delivery attempt. Default: [`DEFAULT_LEASE`]
    /// (10 minutes), as for the directory spool.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets how many connections the spool keeps open at most. Default:
    /// [`DEFAULT_POOL_SIZE`].
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// Creates the tables (schema version [`SCHEMA_VERSION`](super::SCHEMA_VERSION),
    /// the SQL of [`SCHEMA_SQL`](super::SCHEMA_SQL)) when they are missing; the
    /// role needs the right to create tables. Default: off, so that a mistyped
    /// database name is an error rather than a new empty spool.
    pub fn create_schema(mut self, create: bool) -> Self {
        self.create_schema = create;
        self
    }

    /// Connects, creates the schema if asked to, and checks its version.
    ///
    /// # Errors
    /// [`SpoolError::Config`] for a URL that is not a PostgreSQL URL, asks for TLS
    /// (`sslmode=require`: not supported yet, refused rather than sent in plain
    /// text), a zero lease or pool size, or a schema missing or of another version;
    /// [`SpoolError::Backend`] when the database cannot be reached. No error shows
    /// the password.
    pub async fn connect(self) -> Result<PgSpool, SpoolError> {
        if self.lease.is_zero() {
            return Err(SpoolError::Config {
                field: "lease",
                value: format!("{:?}", self.lease),
                rule: "must be longer than zero (and than the longest delivery attempt)",
            });
        }
        if self.pool_size == 0 {
            return Err(SpoolError::Config {
                field: "pool size",
                value: "0".to_owned(),
                rule: "must be at least 1",
            });
        }
        let config = parse_url(&self.url)?;
        let target = describe(&config);
        let timeout = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(self.pool_size)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(timeout))
            .wait_timeout(Some(timeout + Duration::from_secs(50)))
            .build()
            .map_err(|e| pg_error(&target, "build a connection pool", e))?;
        let spool = PgSpool {
            pool,
            claimant: self.claimant.unwrap_or_else(ClaimantId::generate),
            lease: self.lease,
            target,
        };
        if self.create_schema {
            schema::create(&spool).await?;
        }
        schema::check_version(&spool).await?;
        Ok(spool)
    }
}

impl PgSpool {
    /// A builder for a spool in the database at `url`, a PostgreSQL URL such as
    /// `postgres://user:password@host:5432/database` (libpq's key=value form works
    /// too). The URL is kept secret: it is never shown in `Debug`, errors or logs.
    pub fn builder(url: impl Into<SecretString>) -> PgSpoolBuilder {
        PgSpoolBuilder {
            url: url.into(),
            claimant: None,
            lease: DEFAULT_LEASE,
            pool_size: DEFAULT_POOL_SIZE,
            create_schema: false,
        }
    }

    /// Connects to the spool at `url` with every default (the schema must exist).
    ///
    /// # Errors
    /// As [`PgSpoolBuilder::connect`].
    pub async fn connect(url: impl Into<SecretString>) -> Result<Self, SpoolError> {
        Self::builder(url).connect().await
    }

    /// The name this spool claims messages under.
    #[must_use]
    pub fn claimant(&self) -> &ClaimantId {
        &self.claimant
    }

    /// How long a claim holds.
    #[must_use]
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The database, as `user@host:port/name` (no password).
    #[must_use]
    pub fn database(&self) -> &str {
        &self.target
    }

    /// A connection from the pool.
    pub(super) async fn client(
        &self,
        op: &'static str,
    ) -> Result<deadpool_postgres::Object, SpoolError> {
        self.pool
            .get()
            .await
            .map_err(|e| pg_error(&self.target, op, e))
    }
}

/// The URL as a connection configuration, or an error that shows no password.
fn parse_url(url: &SecretString) -> Result<tokio_postgres::Config, SpoolError> {
    let mut config =
        tokio_postgres::Config::from_str(url.expose_secret()).map_err(|_| SpoolError::Config {
            field: "database URL",
            value: redacted(url.expose_secret()),
            rule: "must be a PostgreSQL URL, postgres://user:password@host:port/database",
        })?;
    match config.get_ssl_mode() {
        SslMode::Disable | SslMode::Prefer => {}
        _ => {
            return Err(SpoolError::Config {
                field: "database URL sslmode",
                value: "require".to_owned(),
                rule: "TLS to the database is not supported yet (feature postgres speaks plain \
                       TCP or a Unix socket); use sslmode=disable on a trusted network, a \
                       Unix socket, or a TLS tunnel",
            });
        }
    }
    if config.get_hosts().is_empty() {
        return Err(SpoolError::Config {
            field: "database URL",
            value: redacted(url.expose_secret()),
            rule: "must name a host",
        });
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("offline-im spool");
    }
    // Notice a connection that died while a request was in flight.
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(30));
    Ok(config)
}

/// `url` with its password replaced by `****`, or a placeholder when it is not
/// a URL (a key=value string may hold a password anywhere).
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("****"));
            parsed.set_query(None);
            parsed.to_string()
        }
        Ok(mut parsed) => {
            parsed.set_query(None);
            parsed.to_string()
        }
        Err(_) => "[not shown: it may hold a password]".to_owned(),
    }
}

/// `user@host:port/database`, for errors and `Debug`.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "?".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().unwrap_or("?")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_and_the_query() {
        let shown = redacted("postgres://kim:s3cret@db.contoso.com:5432/spool?password=x");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("kim:****@db.contoso.com"), "{shown}");
        assert!(!redacted("host=db password=s3cret").contains("s3cret"));
    }

    #[test]
    fn refuses_tls_instead_of_sending_plain_text() {
        let url = SecretString::from("postgres://kim:s3cret@db/spool?sslmode=require");
        let error = parse_url(&url).unwrap_err().to_string();
        assert!(error.contains("sslmode"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
    }

    #[test]
    fn describes_without_the_password() {
        let config = parse_url(&SecretString::from("postgres://kim:s3cret@db:6000/spool")).unwrap();
        assert_eq!(describe(&config), "kim@db:6000/spool");
    }
}
