//! A running test server: its address, inspection, waiting for it to settle, stopping.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::address::{Domain, SmtpAddress};
use crate::ews::Folder;

use super::builder::TestServerBuilder;
use super::faults::{Faults, InjectedFault};
use super::http::{EWS_PATH, Shared};
use super::record::RecordedRequest;
use super::store::{Mailbox, Store, StoredItem};

/// An EWS mailbox server on `127.0.0.1`, running on its own tokio task until it is
/// dropped (or [`shutdown`](Self::shutdown)).
///
/// See the [module documentation](super) for what it does and an example.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl TestServer {
    pub(crate) fn new(
        addr: SocketAddr,
        shared: Arc<Shared>,
        stop: watch::Sender<bool>,
        tasks: Vec<JoinHandle<()>>,
    ) -> Self {
        Self {
            addr,
            shared,
            stop,
            tasks,
        }
    }

    /// A builder with the defaults listed on [`TestServerBuilder`].
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// The EWS endpoint, `http://127.0.0.1:<port>/EWS/Exchange.asmx`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}{EWS_PATH}", self.addr)
    }

    /// The state the connections share (for the Entra endpoint's inspection).
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Graph's version root on this server, `http://127.0.0.1:<port>/v1.0`: the
    /// Graph endpoints share the mailbox store with EWS (see the module docs).
    #[must_use]
    pub fn graph_url(&self) -> String {
        format!("http://{}/v1.0", self.addr)
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
    ///
    /// A snapshot of this instant: sent messages reach their recipients and the
    /// saved-items folder only when the transport picks them up, after the reply.
    /// Call [`idle`](Self::idle) first (`server.idle().await`) to see the outcome of
    /// everything sent so far.
    #[must_use]
    pub fn folder(&self, mailbox: &SmtpAddress, folder: Folder) -> Vec<StoredItem> {
        self.store()
            .mailboxes
            .get(mailbox)
            .map(|m| m.folder(folder).iter().map(|i| (**i).clone()).collect())
            .unwrap_or_default()
    }

    /// A snapshot of one mailbox, if it exists (call [`idle`](Self::idle) first to
    /// see delivered mail).
    #[must_use]
    pub fn mailbox(&self, address: &SmtpAddress) -> Option<Mailbox> {
        self.store()
            .mailboxes
            .get(address)
            .map(|m| m.snapshot(address))
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
    /// it: item class `IPM.Note`, no extended properties. A snapshot: call
    /// [`idle`](Self::idle) first to see every message delivered.
    #[must_use]
    pub fn outbound(&self) -> Vec<StoredItem> {
        self.store().outbound.clone()
    }

    /// Sent messages still waiting in `drafts` for the transport to pick them up.
    #[must_use]
    pub fn pending_submissions(&self) -> usize {
        self.store().submissions.len()
    }

    /// Sent messages whose draft was deleted (`DeleteItem`) before the transport
    /// picked them up, oldest first, as they were when deleted: nothing of them was
    /// delivered.
    #[must_use]
    pub fn cancelled(&self) -> Vec<StoredItem> {
        self.store().cancelled.clone()
    }

    /// Waits until the server has settled: every accepted request is fully applied
    /// (including the remaining items of a [`Fault::SlowCommit`](super::Fault::SlowCommit)
    /// whose client has gone) and every submitted message was picked up (delivered,
    /// its copy saved). Call it before inspecting folders. Requests arriving while it
    /// waits are waited for too, so it returns once the server is quiet.
    pub async fn idle(&self) {
        self.shared.tracker.idle().await;
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
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}
