//! The sender: plan every message, group and batch the allowed ones, deliver.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::stream::{self, FuturesUnordered, Stream, StreamExt};
use tracing::{Instrument, info_span};

use crate::address::{SipUri, SmtpAddress};
use crate::compose::{DeliveryId, OfflineIm};
use crate::ews::{Impersonation, ReaderLimits, RequestHeader, ResponseReader, ServerVersion};
use crate::plan::{Decision, DeliveryPlan, DenialReason, Disposition, Folder, Planner};
use crate::policy::MailboxLocation;
use crate::policy::SenderProfile;
use crate::route::Route;
use crate::settings::Settings;
use crate::transport::Transport;
use url::Url;

use super::batch::{self, Job, Start};
use super::copy_class;
use super::exchange::Session;
use super::graph_api::{
    GRAPH_MAILBOX_CONCURRENCY, GRAPH_MAILBOX_REQUESTS, GRAPH_MAILBOX_WINDOW, GRAPH_ROOT, GraphApi,
};
use super::history_folder::{self as history, FolderMemory};
use super::options::SenderOptions;
use super::retry::Jitter;
use super::{
    DeliveryReport, Failure, FailureKind, MailboxAccess, MissingHistoryFolder, Outcome,
    RetryPolicy, SenderBuildError, SenderCopyClass,
};

type Profiles = Arc<dyn Fn(&SipUri) -> SenderProfile + Send + Sync>;

/// Delivers offline IMs through a [`Transport`]: one report per message.
///
/// See the [module documentation](crate::send) for what it guarantees.
pub struct Sender<T> {
    transport: T,
    planner: Planner,
    profiles: Profiles,
    options: SenderOptions,
    folders: FolderMemory,
    /// The Graph backend for Exchange Online senders, if given.
    graph: Option<(T, GraphApi)>,
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Sender`]; every one has a default (see [`SenderBuilder`]'s methods).
#[must_use]
pub struct SenderBuilder<T> {
    transport: T,
    planner: Planner,
    profiles: Profiles,
    options: SenderOptions,
    graph: Option<T>,
    graph_root: Option<Url>,
    graph_per_mailbox: usize,
    graph_budget: Option<(usize, Duration)>,
}

impl<T> std::fmt::Debug for SenderBuilder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderBuilder")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> SenderBuilder<T> {
    /// Where each sender's [`SenderProfile`] comes from (default: everyone gets
    /// [`SenderProfile::default`]).
    pub fn profiles(
        mut self,
        profiles: impl Fn(&SipUri) -> SenderProfile + Send + Sync + 'static,
    ) -> Self {
        self.profiles = Arc::new(profiles);
        self
    }

    /// Messages per `CreateItem` (default 100).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.options.batch_size = batch_size;
        self
    }

    /// Requests in flight at once (default 8, well inside the 27 concurrent requests
    /// Exchange 2013 and later allow an account by default; impersonated requests
    /// count against the service account).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.options.concurrency = concurrency;
        self
    }

    /// Requests in flight at once for one sender mailbox, within
    /// [`concurrency`](Self::concurrency) (default: no cap of its own). With
    /// several senders in one run, a cap below the global one keeps a sender with
    /// many messages from taking every slot while the others wait.
    pub fn per_sender_concurrency(mut self, per_sender: usize) -> Self {
        self.options.per_sender_concurrency = Some(per_sender);
        self
    }

    /// How transient failures are retried (default [`RetryPolicy::new`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.options.retry = retry;
        self
    }

    /// The `RequestServerVersion` declared (default Exchange2013, which
    /// `conversationhistory` needs).
    pub fn server_version(mut self, version: ServerVersion) -> Self {
        self.options.server_version = version;
        self
    }

    /// Whose mailbox requests act on (default: impersonate each message's sender).
    pub fn mailbox_access(mut self, access: MailboxAccess) -> Self {
        self.options.mailbox_access = access;
        self
    }

    /// Limits on the replies read (default [`ReaderLimits::default`]).
    pub fn reader_limits(mut self, limits: ReaderLimits) -> Self {
        self.options.reader_limits = limits;
        self
    }

    /// What to do when a sender's mailbox has no `conversationhistory` folder
    /// (default [`MissingHistoryFolder::FallBackToSentItems`]). Exchange answers
    /// such a `CreateItem` item by item with `ErrorFolderNotFound` and creates
    /// nothing; the sender then falls back (sending the messages again, their
    /// copies saved to `sentitems`) or fails them, and remembers the mailbox so its
    /// later batches go straight there. Microsoft documents no way to create a
    /// distinguished folder through EWS, so creating it is not an option (see
    /// [`MissingHistoryFolder`]).
    pub fn missing_history_folder(mut self, choice: MissingHistoryFolder) -> Self {
        self.options.missing_history = choice;
        self
    }

    /// What the sender's own saved copy is (default
    /// [`SenderCopyClass::SameAsSent`]: as sent, `IPM.Note.Microsoft.Missed` for
    /// a same-organization IM). [`SenderCopyClass::Restamp`] restamps those
    /// copies `IPM.Note.Microsoft.Conversation` with one `UpdateItem` per batch
    /// once Exchange has saved them; see [`SenderCopyClass`] for the evidence and
    /// what remains unverified.
    pub fn sender_copy_class(mut self, choice: SenderCopyClass) -> Self {
        self.options.copy_class = choice;
        self
    }

    /// The Graph backend: senders whose profile says their mailbox is in
    /// Exchange Online (`mailbox = "exchange_online"`) are served through
    /// Microsoft Graph with `transport` (which carries the app-only bearer
    /// token), everyone else through EWS with the main transport. Without it,
    /// such senders' messages fail with [`FailureKind::NoGraphBackend`]; they are
    /// never sent over EWS. See the [module docs](super#exchange-online-microsoft-graph).
    pub fn graph(mut self, transport: T) -> Self {
        self.graph = Some(transport);
        self
    }

    /// Graph's version root (default [`GRAPH_ROOT`](super::GRAPH_ROOT),
    /// `https://graph.microsoft.com/v1.0`; national clouds and the embedded
    /// test server have their own).
    pub fn graph_root(mut self, root: Url) -> Self {
        self.graph_root = Some(root);
        self
    }

    /// Graph requests in flight at once per sender mailbox (default
    /// [`GRAPH_MAILBOX_CONCURRENCY`](super::GRAPH_MAILBOX_CONCURRENCY), 4:
    /// Outlook's limit per app per mailbox, beyond which it answers 429).
    pub fn graph_mailbox_concurrency(mut self, per_mailbox: usize) -> Self {
        self.graph_per_mailbox = per_mailbox;
        self
    }

    /// Graph requests allowed per sender mailbox in any `per` (default
    /// [`GRAPH_MAILBOX_REQUESTS`](super::GRAPH_MAILBOX_REQUESTS) in
    /// [`GRAPH_MAILBOX_WINDOW`](super::GRAPH_MAILBOX_WINDOW): Outlook's 10,000
    /// per 10 minutes per app per mailbox). A request over it is not sent: a
    /// wait of up to a second is made in place; a longer one is handled as a
    /// 429 with that `Retry-After` would be (the message waits, or is deferred
    /// as [`Throttled`](super::FailureKind::Throttled) with its `retry_at`).
    /// `requests` 0 or `per` zero stops counting. A mailbox's count keeps one
    /// instant per request of the window (160 KB at the default).
    pub fn graph_mailbox_budget(mut self, requests: u32, per: Duration) -> Self {
        self.graph_budget = (requests > 0 && !per.is_zero())
            .then(|| (usize::try_from(requests).unwrap_or(usize::MAX), per));
        self
    }

    /// Seeds the back-off jitter, for reproducible tests.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// The sender.
    ///
    /// # Errors
    /// [`SenderBuildError::Setting`] when the batch size, the concurrency or the
    /// per-sender concurrency is 0 or the batch size is over 1,000.
    pub fn build(self) -> Result<Sender<T>, SenderBuildError> {
        let batch = self.options.batch_size;
        if batch == 0 || batch > 1000 {
            return Err(SenderBuildError::Setting {
                setting: "batch_size",
                value: batch.to_string(),
                rule: "between 1 and 1000 messages per CreateItem",
            });
        }
        if self.options.concurrency == 0 {
            return Err(SenderBuildError::Setting {
                setting: "concurrency",
                value: "0".to_owned(),
                rule: "at least 1 request in flight",
            });
        }
        if self.options.per_sender_concurrency == Some(0) {
            return Err(SenderBuildError::Setting {
                setting: "per_sender_concurrency",
                value: "0".to_owned(),
                rule: "at least 1 request in flight per sender",
            });
        }
        if self.graph_per_mailbox == 0 {
            return Err(SenderBuildError::Setting {
                setting: "graph_mailbox_concurrency",
                value: "0".to_owned(),
                rule: "at least 1 Graph request in flight per mailbox",
            });
        }
        let root = match self.graph_root {
            Some(root) => root,
            None => Url::parse(GRAPH_ROOT).map_err(|_| SenderBuildError::Setting {
                setting: "graph_root",
                value: GRAPH_ROOT.to_owned(),
                rule: "an absolute URL",
            })?,
        };
        if !matches!(root.scheme(), "https" | "http") || root.host().is_none() {
            return Err(SenderBuildError::Setting {
                setting: "graph_root",
                value: root.to_string(),
                rule: "an http(s) URL with a host, such as https://graph.microsoft.com/v1.0",
            });
        }
        Ok(Sender {
            transport: self.transport,
            planner: self.planner,
            profiles: self.profiles,
            options: self.options,
            folders: FolderMemory::default(),
            graph: self.graph.map(|t| {
                (
                    t,
                    GraphApi::new(root, self.graph_per_mailbox, self.graph_budget),
                )
            }),
        })
    }
}

/// Messages that go in the same `CreateItem`: same mailbox, disposition and folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BatchKey {
    mailbox: SmtpAddress,
    disposition: Disposition,
    saved_item_folder: Option<Folder>,
    /// Served through Microsoft Graph (an Exchange Online mailbox).
    graph: bool,
}

impl BatchKey {
    fn of(plan: &DeliveryPlan, graph: bool) -> Self {
        Self {
            mailbox: plan.sender().smtp().clone(),
            disposition: plan.disposition(),
            saved_item_folder: plan.saved_item_folder(),
            graph,
        }
    }
}

impl<T: Transport> Sender<T> {
    /// Starts a sender that plans with `planner` and sends through `transport`.
    pub fn builder(transport: T, planner: Planner) -> SenderBuilder<T> {
        SenderBuilder {
            transport,
            planner,
            profiles: Arc::new(|_: &SipUri| SenderProfile::default()),
            options: SenderOptions::default(),
            graph: None,
            graph_root: None,
            graph_per_mailbox: GRAPH_MAILBOX_CONCURRENCY,
            graph_budget: Some((GRAPH_MAILBOX_REQUESTS as usize, GRAPH_MAILBOX_WINDOW)),
        }
    }

    /// Starts a sender for `settings`: its planner, and its sender profiles.
    pub fn from_settings(transport: T, settings: Settings) -> SenderBuilder<T> {
        let planner = settings.planner().build();
        let senders = settings.senders;
        Self::builder(transport, planner)
            .profiles(move |sip| senders.get(sip).cloned().unwrap_or_default())
    }

    /// The transport.
    #[must_use]
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Delivers one message.
    pub async fn send(&self, im: OfflineIm) -> DeliveryReport {
        let id = (im.delivery_id(), im.recipient().smtp().clone());
        let mut reports = self.send_all([im]).await;
        reports.pop().unwrap_or_else(|| missing_report(id))
    }

    /// Delivers `messages`; returns one report per message, in the same order.
    pub async fn send_all(
        &self,
        messages: impl IntoIterator<Item = OfflineIm>,
    ) -> Vec<DeliveryReport> {
        self.deliver(messages, Start::Fresh).await
    }

    /// Delivers messages that may already have been sent, e.g. ones drained from a
    /// spool after a crash or reported [`Outcome::Deferred`]: before anything is
    /// sent, the sender's saved copies are searched for their delivery ids and the
    /// ones found are reported delivered (`duplicate_avoided`) instead of resent.
    /// With [`Disposition::SendOnly`] there is nothing to search, and the messages
    /// are simply sent (at least once).
    pub async fn resume_all(
        &self,
        messages: impl IntoIterator<Item = OfflineIm>,
    ) -> Vec<DeliveryReport> {
        self.deliver(messages, Start::Resumed).await
    }

    /// Delivers a stream of messages, in windows of `4 × batch_size × concurrency`
    /// messages (each window as [`send_all`](Self::send_all) would); reports come
    /// out window by window, in input order.
    pub fn send_stream<'a>(
        &'a self,
        messages: impl Stream<Item = OfflineIm> + Send + 'a,
    ) -> impl Stream<Item = DeliveryReport> + Send + 'a
    where
        T: 'a,
    {
        let window = 4 * self.options.batch_size * self.options.concurrency;
        messages
            .ready_chunks(window)
            .then(move |chunk| self.send_all(chunk))
            .flat_map(stream::iter)
    }

    /// Plans the messages one by one and sends each batch as soon as it is full,
    /// so that the first requests are on the wire while later messages are still
    /// being planned; at most `concurrency` batches are in flight.
    pub(super) async fn deliver(
        &self,
        messages: impl IntoIterator<Item = OfflineIm>,
        start: Start,
    ) -> Vec<DeliveryReport> {
        let mut reports: Vec<Option<DeliveryReport>> = Vec::new();
        let mut ids = Vec::new();
        let mut groups: HashMap<BatchKey, Vec<Job>> = HashMap::new();
        let concurrency = self.options.concurrency;
        let per_sender = self
            .options
            .per_sender_concurrency
            .unwrap_or(concurrency)
            .min(concurrency);
        let mut pipeline = Pipeline {
            in_flight: FuturesUnordered::new(),
            busy: HashMap::new(),
            ready: VecDeque::new(),
            concurrency,
            per_sender,
        };
        let mut launched = 0u64;
        let mut launch = |key: BatchKey, jobs: Vec<Job>| {
            let seed = self.options.seed ^ launched;
            launched += 1;
            let mailbox = key.mailbox.clone();
            self.run_batch(key, jobs, start, seed)
                .map(move |done| (mailbox, done))
        };
        for (index, im) in messages.into_iter().enumerate() {
            reports.push(None);
            let delivery_id = im.delivery_id();
            let recipient = im.recipient().smtp().clone();
            ids.push((delivery_id, recipient.clone()));
            let profile = (self.profiles)(im.sender().sip());
            let outcome = match self.planner.decide_owned(im, &profile) {
                Ok(Decision::Deliver(plan)) => {
                    let graph = profile.mailbox == MailboxLocation::ExchangeOnline;
                    if graph && self.graph.is_none() {
                        let job = Job {
                            index,
                            plan,
                            attempts: 0,
                        };
                        let failure = Failure::new(
                            FailureKind::NoGraphBackend,
                            "the sender's mailbox is in Exchange Online, which only Microsoft \
                             Graph serves, and this Sender has no Graph transport \
                             (SenderBuilder::graph); nothing was sent",
                        );
                        let (at, report) = batch::report(job, Outcome::Failed(failure));
                        reports[at] = Some(report);
                        continue;
                    }
                    // One key per message; it is copied into the map only when a
                    // group starts, and handed to the batch when the group is full.
                    let mut key = BatchKey::of(&plan, graph);
                    if key.saved_item_folder == Some(Folder::ConversationHistory)
                        && self.folders.lacks_history(&key.mailbox)
                    {
                        // Found missing by an earlier batch: no second discovery.
                        match self.options.missing_history {
                            MissingHistoryFolder::FallBackToSentItems => {
                                key.saved_item_folder = Some(history::FALLBACK);
                            }
                            MissingHistoryFolder::Fail => {
                                let job = Job {
                                    index,
                                    plan,
                                    attempts: 0,
                                };
                                let failure = history::missing_failure(&key.mailbox);
                                let (at, report) = batch::report(job, Outcome::Failed(failure));
                                reports[at] = Some(report);
                                continue;
                            }
                        }
                    }
                    if !groups.contains_key(&key) {
                        groups.insert(key.clone(), Vec::new());
                    }
                    let job = Job {
                        index,
                        plan,
                        attempts: 0,
                    };
                    let Some(jobs) = groups.get_mut(&key) else {
                        continue; // inserted just above
                    };
                    jobs.push(job);
                    if jobs.len() >= self.options.batch_size {
                        let full = std::mem::take(jobs);
                        pipeline.ready.push_back((key, full));
                        pipeline.start_ready(&mut launch);
                        // At most `concurrency` full batches wait for a slot
                        // (their sender's, or any): planning waits beyond that.
                        while pipeline.ready.len() >= concurrency {
                            pipeline.finish_one(&mut reports).await;
                            pipeline.start_ready(&mut launch);
                        }
                        // Collect any batch that finished, without waiting.
                        while pipeline.finish_ready(&mut reports) {
                            pipeline.start_ready(&mut launch);
                        }
                    }
                    continue;
                }
                Ok(Decision::Denied(denial)) => match denial.reasons() {
                    [DenialReason::Route(reason)] => Outcome::Blocked(reason.clone()),
                    _ => Outcome::Denied(denial),
                },
                Err(error) => Outcome::Failed(
                    Failure::new(FailureKind::Invalid, error.to_string()).with_source(error),
                ),
            };
            let route = match &outcome {
                Outcome::Blocked(reason) => Some(Route::Blocked(reason.clone())),
                _ => None,
            };
            reports[index] = Some(DeliveryReport {
                delivery_id,
                outcome,
                attempts: 0,
                recipient,
                route,
                item_class: None,
                saved_folder: None,
            });
        }
        for (key, jobs) in groups {
            if !jobs.is_empty() {
                pipeline.ready.push_back((key, jobs));
            }
        }
        loop {
            pipeline.start_ready(&mut launch);
            if !pipeline.finish_one(&mut reports).await {
                break;
            }
        }
        reports
            .into_iter()
            .zip(ids)
            .map(|(report, id)| report.unwrap_or_else(|| missing_report(id)))
            .collect()
    }

    async fn run_batch(
        &self,
        key: BatchKey,
        jobs: Vec<Job>,
        start: Start,
        seed: u64,
    ) -> Vec<(usize, DeliveryReport)> {
        let mut header = RequestHeader::new(self.options.server_version);
        if self.options.mailbox_access == MailboxAccess::ImpersonateSender {
            header = header.impersonate(Impersonation::smtp_address(key.mailbox.clone()));
        }
        let graph = self.graph.as_ref().filter(|_| key.graph);
        let session = Session {
            transport: graph.map_or(&self.transport, |(t, _)| t),
            reader: ResponseReader::with_limits(self.options.reader_limits),
            header,
            anchor: key.mailbox.clone(),
            folders: &self.folders,
            on_missing: self.options.missing_history,
            graph: graph.map(|(_, api)| api),
        };
        if graph.is_some() {
            return self.run_graph_batch(&session, key, jobs, start, seed).await;
        }
        let span = info_span!("create_item_batch", mailbox = %key.mailbox, messages = jobs.len());
        let mut jitter = Jitter::new(seed);
        let shape = batch::Shape {
            disposition: key.disposition,
            saved: key.saved_item_folder,
        };
        let started = time::OffsetDateTime::now_utc();
        let reports = batch::run(
            &session,
            &self.options.retry,
            &mut jitter,
            jobs,
            shape,
            start,
        )
        .instrument(span.clone())
        .await;
        if key.disposition == Disposition::SendAndSaveCopy {
            self.restamp_copies(
                &session,
                &reports,
                (start == Start::Fresh).then_some(started),
            )
            .instrument(span)
            .await;
        }
        reports
    }

    /// A batch of an Exchange Online sender: the same state machine through
    /// Graph, its copies kept in Sent Items by `send`, then moved to
    /// Conversation History when the plan keeps them there.
    async fn run_graph_batch(
        &self,
        session: &Session<'_, T>,
        key: BatchKey,
        jobs: Vec<Job>,
        start: Start,
        seed: u64,
    ) -> Vec<(usize, DeliveryReport)> {
        let span = info_span!("graph_batch", mailbox = %key.mailbox, messages = jobs.len());
        let mut jitter = Jitter::new(seed);
        let sends = key.disposition != Disposition::SaveOnly;
        // `send` keeps the copy in Sent Items whatever the draft's folder
        // (Graph "message: send"; see crate::graph's findings).
        let saved = if sends {
            Some(Folder::SentItems)
        } else {
            key.saved_item_folder
        };
        let shape = batch::Shape {
            disposition: key.disposition,
            saved,
        };
        let retry = &self.options.retry;
        let mut reports = batch::run(session, retry, &mut jitter, jobs, shape, start)
            .instrument(span.clone())
            .await;
        if sends && key.saved_item_folder == Some(Folder::ConversationHistory) {
            let ids: Vec<DeliveryId> = reports
                .iter()
                .filter(|(_, r)| r.outcome.is_delivered())
                .map(|(_, r)| r.delivery_id)
                .collect();
            let pace = retry.check_delay.min(std::time::Duration::from_millis(250));
            let placed = session
                .graph_keep_in_history(&ids, retry.draft_grace, pace, retry.execution_limit)
                .instrument(span)
                .await;
            for (_, report) in &mut reports {
                if let Some(folder) = placed.get(&report.delivery_id) {
                    report.saved_folder = Some(*folder);
                }
            }
        }
        reports
    }

    /// Restamps the saved copies of the batch's delivered messages, if the
    /// sender is set to (see [`SenderCopyClass`]).
    async fn restamp_copies(
        &self,
        session: &Session<'_, T>,
        reports: &[(usize, DeliveryReport)],
        started: Option<time::OffsetDateTime>,
    ) {
        let mut folder = None;
        let ids: Vec<DeliveryId> = reports
            .iter()
            .map(|(_, report)| report)
            .filter(|report| {
                report.outcome.is_delivered()
                    && copy_class::wants_restamp(
                        self.options.copy_class,
                        report.item_class.as_ref(),
                    )
            })
            .inspect(|report| folder = folder.or(report.saved_folder))
            .map(|report| report.delivery_id)
            .collect();
        let Some(folder) = folder else {
            return;
        };
        let retry = &self.options.retry;
        // Bounded like the exactly-once look: by the batch's start, less the
        // clock skew it allows; unbounded for resumed messages.
        let created_after = started.map(|at| at - std::time::Duration::from_secs(600));
        copy_class::restamp(
            session,
            folder,
            &ids,
            created_after,
            retry.check_delay,
            retry.draft_grace,
        )
        .await;
    }
}

/// Batches in flight and batches ready to go, with the room each sender has.
struct Pipeline<F> {
    in_flight: FuturesUnordered<F>,
    /// Requests in flight per sender mailbox.
    busy: HashMap<SmtpAddress, usize>,
    /// Full batches waiting for a slot, oldest first.
    ready: VecDeque<(BatchKey, Vec<Job>)>,
    concurrency: usize,
    per_sender: usize,
}

type Finished = (SmtpAddress, Vec<(usize, DeliveryReport)>);

impl<F: Future<Output = Finished>> Pipeline<F> {
    /// Starts ready batches, oldest first, while there is room globally and for
    /// their sender; a batch whose sender is at its cap lets later ones pass.
    fn start_ready(&mut self, launch: &mut impl FnMut(BatchKey, Vec<Job>) -> F) {
        let mut i = 0;
        while i < self.ready.len() && self.in_flight.len() < self.concurrency {
            let busy = self
                .busy
                .get(&self.ready[i].0.mailbox)
                .copied()
                .unwrap_or(0);
            if busy >= self.per_sender {
                i += 1;
                continue;
            }
            let Some((key, jobs)) = self.ready.remove(i) else {
                break;
            };
            *self.busy.entry(key.mailbox.clone()).or_insert(0) += 1;
            self.in_flight.push(launch(key, jobs));
        }
    }

    /// Waits for one batch to finish; false when none is in flight.
    async fn finish_one(&mut self, reports: &mut [Option<DeliveryReport>]) -> bool {
        match self.in_flight.next().await {
            Some(done) => {
                self.settle(done, reports);
                true
            }
            None => false,
        }
    }

    /// Collects one batch that has finished, without waiting; false when none has.
    fn finish_ready(&mut self, reports: &mut [Option<DeliveryReport>]) -> bool {
        match self.in_flight.next().now_or_never() {
            Some(Some(done)) => {
                self.settle(done, reports);
                true
            }
            _ => false,
        }
    }

    fn settle(&mut self, (mailbox, done): Finished, reports: &mut [Option<DeliveryReport>]) {
        if let Some(busy) = self.busy.get_mut(&mailbox) {
            *busy = busy.saturating_sub(1);
        }
        settle(done, reports);
    }
}

/// Puts finished reports in their places.
fn settle(done: Vec<(usize, DeliveryReport)>, reports: &mut [Option<DeliveryReport>]) {
    for (index, report) in done {
        if let Some(slot) = reports.get_mut(index) {
            *slot = Some(report);
        }
    }
}

/// Every job yields a report; this stands in only if that invariant ever broke,
/// so that a message is reported rather than silently lost.
pub(super) fn missing_report(
    (delivery_id, recipient): (DeliveryId, SmtpAddress),
) -> DeliveryReport {
    DeliveryReport {
        delivery_id,
        outcome: Outcome::Failed(Failure::new(
            FailureKind::Invalid,
            "internal error: no report was produced",
        )),
        attempts: 0,
        recipient,
        route: None,
        item_class: None,
        saved_folder: None,
    }
}
