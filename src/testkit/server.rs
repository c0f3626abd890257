//! Starting, inspecting and stopping a test server.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::address::{Domain, SmtpAddress};
use crate::plan::Folder;

use super::error::TestServerError;
use super::faults::{FaultPlan, Faults, InjectedFault};
use super::http::{Config, EWS_PATH, Secret, Shared, handle};
use super::record::RecordedRequest;
use super::store::{Mailbox, Store, StoredItem};

/// The default seed of the fault generator.
pub const DEFAULT_SEED: u64 = 0x0FF1_1E1A_5EED;

/// The default request size limit: 16 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// Configures and starts a [`TestServer`].
///
/// Defaults: no mailboxes declared, no hosted domains, mailboxes created on demand,
/// authentication off (any request accepted), no latency, seed [`DEFAULT_SEED`],
/// requests up to [`DEFAULT_MAX_REQUEST_BYTES`].
#[must_use]
#[derive(Debug, Clone)]
pub struct TestServerBuilder {
    mailboxes: Vec<String>,
    hosted: Vec<String>,
    on_demand: bool,
    basic: Option<(String, Secret)>,
    bearer: Option<Secret>,
    latency: Duration,
    seed: u64,
    max_request_bytes: usize,
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        Self {
            mailboxes: Vec::new(),
            hosted: Vec::new(),
            on_demand: true,
            basic: None,
            bearer: None,
            latency: Duration::ZERO,
            seed: DEFAULT_SEED,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
        }
    }
}

impl TestServerBuilder {
    /// Declares a mailbox up front (with every [`Folder`]). Its domain becomes a
    /// hosted domain.
    pub fn mailbox(mut self, address: impl AsRef<str>) -> Self {
        self.mailboxes.push(address.as_ref().to_owned());
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
        self.basic = Some((user.into(), Secret(password.into())));
        self
    }

    /// Requires this Bearer token (or the Basic credentials, if set too). A Bearer
    /// request names its mailbox through impersonation or `From`.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(Secret(token.into()));
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

    /// Binds `127.0.0.1:0` and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// [`TestServerError::Setting`] for an address or domain that does not parse,
    /// [`TestServerError::NoRuntime`] outside tokio, [`TestServerError::Bind`] when
    /// the socket cannot be opened.
    pub async fn start(self) -> Result<TestServer, TestServerError> {
        let mut store = Store::new(self.on_demand);
        for text in &self.mailboxes {
            let address = SmtpAddress::parse(text).map_err(|e| TestServerError::Setting {
                setting: "mailbox",
                value: text.clone(),
                rule: e.to_string(),
            })?;
            store.hosted.insert(address.domain().clone());
            store.declare(&address);
        }
        for text in &self.hosted {
            let domain = Domain::parse(text).map_err(|e| TestServerError::Setting {
                setting: "hosted_domain",
                value: text.clone(),
                rule: e.to_string(),
            })?;
            store.hosted.insert(domain);
        }
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
            },
            store: Mutex::new(store),
            faults: Faults {
                plan: Arc::new(Mutex::new(FaultPlan::new(self.seed))),
            },
            requests: Mutex::new(Vec::new()),
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Ok(TestServer {
            addr,
            shared,
            stop,
            task: Some(task),
        })
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

/// An EWS mailbox server on `127.0.0.1`, running on its own tokio task until it is
/// dropped (or [`shutdown`](Self::shutdown)).
///
/// See the [module documentation](super) for what it does and an example.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A builder with the defaults listed on [`TestServerBuilder`].
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// The EWS endpoint, `http://127.0.0.1:<port>/EWS/Exchange.asmx`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}{EWS_PATH}", self.addr)
    }

    /// The socket address the server listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fault-injection handle.
    #[must_use]
    pub fn faults(&self) -> Faults {
        self.shared.faults.clone()
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.shared
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Declares a mailbox while the server runs (idempotent).
    pub fn add_mailbox(&self, address: &SmtpAddress) {
        self.store().declare(address);
    }

    /// The items in `folder` of `mailbox`, oldest first (empty when the mailbox does
    /// not exist).
    #[must_use]
    pub fn folder(&self, mailbox: &SmtpAddress, folder: Folder) -> Vec<StoredItem> {
        self.store()
            .mailboxes
            .get(mailbox)
            .map(|m| m.folder(folder).to_vec())
            .unwrap_or_default()
    }

    /// A snapshot of one mailbox, if it exists.
    #[must_use]
    pub fn mailbox(&self, address: &SmtpAddress) -> Option<Mailbox> {
        self.store().mailboxes.get(address).cloned()
    }

    /// The addresses of every mailbox, sorted.
    #[must_use]
    pub fn mailboxes(&self) -> Vec<SmtpAddress> {
        self.store().mailboxes.keys().cloned().collect()
    }

    /// The domains this server hosts.
    #[must_use]
    pub fn hosted_domains(&self) -> BTreeSet<Domain> {
        self.store().hosted.clone()
    }

    /// Mail that left the organization, oldest first, as the outside world receives
    /// it: item class `IPM.Note`, no extended properties.
    #[must_use]
    pub fn outbound(&self) -> Vec<StoredItem> {
        self.store().outbound.clone()
    }

    /// Every request received, in arrival order.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every fault injected, in order.
    #[must_use]
    pub fn injected_faults(&self) -> Vec<InjectedFault> {
        self.shared.faults.lock().injected.clone()
    }

    /// Stops the server and waits until it no longer listens.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
