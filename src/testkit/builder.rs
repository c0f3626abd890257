//! Configuring and starting a test server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::address::{Domain, SmtpAddress};
use crate::ews::Folder;

use super::entra::{AppCredential, EntraSettings, EntraState};
use super::error::TestServerError;
use super::faults::{FaultPlan, Faults};
use super::http::{Config, Secret, Shared, handle};
use super::server::TestServer;
use super::store::Store;
use super::submit::{self, Submissions, Tracker};

/// The default seed of the fault generator.
pub const DEFAULT_SEED: u64 = 0x0FF1_1E1A_5EED;

/// The default request size limit: 16 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// The default shortest submission lag: 20 ms (see [`TestServerBuilder::submission_lag`]).
pub const DEFAULT_SUBMISSION_LAG_MIN: Duration = Duration::from_millis(20);

/// The default longest submission lag: 200 ms (see [`TestServerBuilder::submission_lag`]).
pub const DEFAULT_SUBMISSION_LAG_MAX: Duration = Duration::from_millis(200);

/// Configures and starts a [`TestServer`].
///
/// Defaults: no mailboxes declared, no hosted domains, mailboxes created on demand,
/// authentication off (any request accepted), no latency, seed [`DEFAULT_SEED`],
/// requests up to [`DEFAULT_MAX_REQUEST_BYTES`], a submission lag of
/// [`DEFAULT_SUBMISSION_LAG_MIN`] to [`DEFAULT_SUBMISSION_LAG_MAX`], no restriction
/// scan limit.
#[must_use]
#[derive(Debug, Clone)]
pub struct TestServerBuilder {
    mailboxes: Vec<String>,
    without_history: Vec<String>,
    hosted: Vec<String>,
    on_demand: bool,
    basic: Option<(String, Secret)>,
    bearer: Option<Secret>,
    latency: Duration,
    seed: u64,
    max_request_bytes: usize,
    lag: (Duration, Duration),
    scan_limit: Option<usize>,
    entra: EntraSettings,
    graph_mailbox_concurrency: Option<usize>,
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        Self {
            mailboxes: Vec::new(),
            without_history: Vec::new(),
            hosted: Vec::new(),
            on_demand: true,
            basic: None,
            bearer: None,
            latency: Duration::ZERO,
            seed: DEFAULT_SEED,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            lag: (DEFAULT_SUBMISSION_LAG_MIN, DEFAULT_SUBMISSION_LAG_MAX),
            scan_limit: None,
            entra: EntraSettings::default(),
            graph_mailbox_concurrency: Some(super::GRAPH_MAILBOX_CONCURRENCY),
        }
    }
}

impl TestServerBuilder {
    /// Declares a mailbox up front (with every [`Folder`](crate::ews::Folder)). Its
    /// domain becomes a hosted domain.
    pub fn mailbox(mut self, address: impl AsRef<str>) -> Self {
        self.mailboxes.push(address.as_ref().to_owned());
        self
    }

    /// Declares a mailbox (as [`mailbox`](Self::mailbox) does) that has no
    /// `conversationhistory` folder: a mailbox whose owner never ran Lync or Skype
    /// for Business, the clients that create it (Microsoft's Graph reference calls
    /// it "the folder where Skype saves IM conversations", if Skype is configured to
    /// do so). As on Exchange, a `CreateItem` whose `SavedItemFolderId` names it
    /// fails each item with `ErrorFolderNotFound` (nothing is created), and
    /// `FindItem` and `GetFolder` on it answer `ErrorFolderNotFound` ("The specified
    /// folder could not be found in the store.", the answer Exchange gives for a
    /// distinguished folder a mailbox lacks: exchangelib issue #374 shows it).
    pub fn mailbox_without_conversation_history(mut self, address: impl AsRef<str>) -> Self {
        self.mailboxes.push(address.as_ref().to_owned());
        self.without_history.push(address.as_ref().to_owned());
        self
    }

    /// Declares a domain whose addresses this server hosts: mail to them stays in the
    /// organization (and keeps its item class); mail to any other domain is outbound.
    pub fn hosted_domain(mut self, domain: impl AsRef<str>) -> Self {
        self.hosted.push(domain.as_ref().to_owned());
        self
    }

    /// Whether a mailbox is created the first time a hosted address (or the acting
    /// user) is used (default `true`). When `false`, only declared mailboxes exist:
    /// sending to a hosted address without a mailbox fails that item with
    /// `ErrorInvalidRecipients`, and acting for one fails with `ErrorNonExistentMailbox`.
    pub fn create_mailboxes_on_demand(mut self, on: bool) -> Self {
        self.on_demand = on;
        self
    }

    /// Requires Basic authentication with this user and password (or the Bearer
    /// token, if one is set too). A user name that is an SMTP address is the acting
    /// mailbox of its requests.
    pub fn basic_user(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.basic = Some((user.into(), Secret::from(password.into())));
        self
    }

    /// Requires this Bearer token (or the Basic credentials, if set too). A Bearer
    /// request names its mailbox through impersonation or `From`.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(Secret::from(token.into()));
        self
    }

    /// Delays every reply by `latency` (default none).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Seeds the generator behind [`Faults::request_mix`] and [`Faults::item_mix`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Refuses request bodies larger than `bytes` with HTTP 413.
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes;
        self
    }

    /// How long a sent message waits in the sender's `drafts` before the transport
    /// picks it up: a lag drawn uniformly in `[min, max]` (from the server's
    /// [`seed`](Self::seed)) for each message (the bounds are swapped if reversed).
    /// Until then it sits in `drafts` with `IsSubmitted` true; at pickup the
    /// recipients get it and the sender's copy moves to `SavedItemFolderId` with a
    /// new id (`SendAndSaveCopy`) or goes away (`SendOnly`).
    ///
    /// The default, [`DEFAULT_SUBMISSION_LAG_MIN`] to [`DEFAULT_SUBMISSION_LAG_MAX`],
    /// is small, so that tests run fast and still see the real order of events.
    /// `submission_lag(Duration::ZERO, Duration::ZERO)` picks messages up at once,
    /// inside the request, before the reply is sent: the behaviour of this server
    /// before submission was modelled.
    pub fn submission_lag(mut self, min: Duration, max: Duration) -> Self {
        self.lag = (min, max);
        self
    }

    /// KB 3077710: Exchange 2013 and later cache no restriction, so every `FindItem`
    /// with a `Restriction` recomputes its result over the whole folder, which on a
    /// big folder is slow enough to time out (the KB suggests sort-and-seek instead). With a limit, a restricted
    /// `FindItem` in a folder holding more than `items` items answers that folder
    /// with `ErrorTimeoutExpired`. A `FindItem` without restriction is unaffected.
    /// Default: no limit.
    pub fn restriction_scan_limit(mut self, items: usize) -> Self {
        self.scan_limit = Some(items);
        self
    }

    /// Registers an app with the Entra ID token endpoint
    /// (`POST /{tenant}/oauth2/v2.0/token`), with a client secret or a
    /// certificate; call it again to give the app more credentials. Once an app
    /// is registered, the EWS endpoint also requires authentication and accepts
    /// the tokens issued for `https://outlook.office365.com/.default`.
    ///
    /// ```no_run
    /// # #[cfg(feature = "entra")]
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use offline_im::testkit::{AppCredential, TestServer};
    /// use offline_im::transport::{EntraTokenProvider, TokenProvider};
    ///
    /// let server = TestServer::builder()
    ///     .entra_app("11112222-aaaa-3333-bbbb-4444cccc5555", AppCredential::secret("s3cret"))
    ///     .start()
    ///     .await?;
    /// let tokens = EntraTokenProvider::builder("contoso.onmicrosoft.com", "11112222-aaaa-3333-bbbb-4444cccc5555")
    ///     .authority(server.entra_authority().parse()?)
    ///     .allow_http(true)
    ///     .client_secret("s3cret")
    ///     .build()?;
    /// tokens.token().await?;
    /// assert_eq!(server.issued_tokens().len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn entra_app(mut self, client_id: impl Into<String>, credential: AppCredential) -> Self {
        self.entra.apps.push((client_id.into(), credential));
        self
    }

    /// Declares a tenant (id or domain) of the token endpoint; other tenants get
    /// AADSTS90002. With none declared, every tenant is accepted.
    pub fn entra_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.entra.tenants.push(tenant.into());
        self
    }

    /// The `expires_in` of issued tokens (default
    /// [`DEFAULT_ENTRA_TOKEN_LIFETIME`](super::DEFAULT_ENTRA_TOKEN_LIFETIME)).
    pub fn entra_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.entra.lifetime = lifetime;
        self
    }

    /// Outlook's limit of concurrent Graph requests per app per mailbox (Microsoft
    /// Graph, "service-specific throttling limits", Outlook service): a request
    /// over it is answered 429 `ApplicationThrottled` ("Application is over its
    /// MailboxConcurrency limit.") with `Retry-After: 1`. Each request of a
    /// `$batch` counts. Default [`GRAPH_MAILBOX_CONCURRENCY`](super::GRAPH_MAILBOX_CONCURRENCY)
    /// (4); `None` switches the limit off. EWS requests are not counted.
    pub fn graph_mailbox_concurrency(mut self, limit: Option<usize>) -> Self {
        self.graph_mailbox_concurrency = limit;
        self
    }

    /// Binds `127.0.0.1:0` and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// [`TestServerError::Setting`] for an address or domain that does not parse,
    /// [`TestServerError::NoRuntime`] outside tokio, [`TestServerError::Bind`] when
    /// the socket cannot be opened.
    pub async fn start(self) -> Result<TestServer, TestServerError> {
        let wake = Arc::new(Notify::new());
        let tracker = Tracker::new();
        let submissions = Submissions::new(
            self.lag.0,
            self.lag.1,
            self.seed,
            Arc::clone(&wake),
            Arc::clone(&tracker),
        );
        let mut store = Store::new(self.on_demand, submissions);
        store.scan_limit = self.scan_limit;
        for text in &self.mailboxes {
            let address = SmtpAddress::parse(text).map_err(|e| TestServerError::Setting {
                setting: "mailbox",
                value: text.clone(),
                rule: e.to_string(),
            })?;
            store.hosted.insert(address.domain().clone());
            store.declare(&address);
        }
        for text in &self.without_history {
            if let Ok(address) = SmtpAddress::parse(text)
                && let Some(mailbox) = store.mailboxes.get_mut(&address)
            {
                mailbox.remove(Folder::ConversationHistory);
            }
        }
        for text in &self.hosted {
            let domain = Domain::parse(text).map_err(|e| TestServerError::Setting {
                setting: "hosted_domain",
                value: text.clone(),
                rule: e.to_string(),
            })?;
            store.hosted.insert(domain);
        }
        let entra = EntraState::new(self.entra)?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(TestServerError::NoRuntime);
        }
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(TestServerError::Bind)?;
        let addr = listener.local_addr().map_err(TestServerError::Bind)?;
        let shared = Arc::new(Shared {
            config: Config {
                basic: self.basic,
                bearer: self.bearer,
                latency: self.latency,
                max_request_bytes: self.max_request_bytes,
                graph_mailbox_concurrency: self.graph_mailbox_concurrency,
            },
            store: Mutex::new(store),
            faults: Faults {
                plan: Arc::new(Mutex::new(FaultPlan::new(self.seed))),
            },
            requests: Mutex::new(Vec::new()),
            tracker,
            entra,
            graph_gate: Arc::default(),
        });
        let (stop, stopped) = watch::channel(false);
        let transport = tokio::spawn(submit::run(Arc::clone(&shared), wake, stopped.clone()));
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Ok(TestServer::new(addr, shared, stop, vec![task, transport]))
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors and the like: let the system breathe.
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let shared = Arc::clone(&shared);
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(Arc::clone(&shared), req));
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = stopped.changed() => {}
            }
        });
    }
}
