//! One batch's life, as a state machine over its messages.
//!
//! Every message of a batch (one sender mailbox, one disposition and folder) is in
//! one of two states until it gets its report:
//!
//! - [`State::Send`]: not created, as far as anyone knows: send it at `at`.
//! - [`State::Unsure`]: a request that carried it got no usable answer, so
//!   Exchange may have created it: look for it at `at`, never send it blindly.
//!
//! Each round of [`run`] gives up on what cannot be done before the deadline,
//! looks for the unsure messages that are due ([`recover`](super::recover)), sends
//! the ones due in one `CreateItem` and reads its results (`settle.rs`), then sleeps until the
//! next message is due. The rules that make delivery exactly once live in
//! `recover.rs`; this file moves messages between the states.

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::compose::DeliveryId;
use crate::ews::ResponseCode;
use crate::plan::{DeliveryPlan, Disposition, Folder};
use crate::transport::Transport;

use super::exchange::{Attempt, Session, TroubleKind};
use super::history_folder::{self as history, MissingHistoryFolder};
use super::recover::{Unsure, look, remove_unsubmitted_drafts};
use super::retry::Jitter;
use super::{DeliveryReport, Failure, FailureKind, Outcome, RetryPolicy};

/// How far the server's clock may be behind ours, for bounding a lookup by the
/// items' creation times.
const CLOCK_SKEW: Duration = Duration::from_secs(600);

/// A planned message waiting in a batch, with its position in the caller's input.
pub(crate) struct Job {
    pub(crate) index: usize,
    pub(crate) plan: DeliveryPlan,
    pub(crate) attempts: u32,
}

/// A message of the batch and what is known about it.
pub(super) struct Tracked {
    pub(super) job: Job,
    pub(super) state: State,
    /// The trouble it last met (for its report, should it not be delivered).
    pub(super) last: Failure,
    /// `ErrorInternalServerError` without inner code, item-level, so far.
    pub(super) internal_errors: u32,
    /// A draft of it may exist (it was unsure or failed): clean up Drafts if it
    /// is not delivered.
    pub(super) maybe_draft: bool,
}

/// Where a message stands.
pub(super) enum State {
    /// Send it at `at` (or later).
    Send { at: Instant },
    /// It may exist already: look for it at `at`.
    Unsure(Unsure),
}

impl State {
    fn at(&self) -> Instant {
        match self {
            Self::Send { at } => *at,
            Self::Unsure(unsure) => unsure.at,
        }
    }
}

/// What stays the same for the whole batch.
pub(super) struct Batch<'s, 'a, T> {
    pub(super) session: &'s Session<'a, T>,
    pub(super) retry: &'s RetryPolicy,
    /// The folder the copy is saved to, if the disposition keeps one.
    pub(super) saved: Option<Folder>,
    /// Whether the disposition sends (the message passes through Drafts).
    pub(super) sends: bool,
    /// No message of the batch can have been created before this (server time).
    pub(super) created_after: Option<OffsetDateTime>,
    /// Request-level `ErrorInternalServerError`s without inner code so far.
    pub(super) internal_errors: u32,
    /// The messages may have been created before this batch started, at a time
    /// nobody knows: lookups cannot be bounded by creation time.
    resumed: bool,
    started: Instant,
    retries: u32,
}

/// What the messages of a batch share besides their mailbox.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) disposition: Disposition,
    /// The folder that keeps the sender's copies (after any known fallback).
    pub(crate) saved: Option<Folder>,
}

/// What a batch does about an answer that says its saved folder is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MissingFolder {
    /// Not that case: handle the answer as usual.
    No,
    /// Switched to the fallback folder: send (or look) again there.
    FellBack,
    /// Fail the messages.
    Fail,
}

impl<T> Batch<'_, '_, T> {
    /// Whether `code`, answered for a request that saved to `requested`, says the
    /// sender's `conversationhistory` is missing, and what to do: under the
    /// fallback the batch switches to Sent Items; either way the sender
    /// remembers the mailbox, so its later batches skip the discovery.
    pub(super) fn missing_folder(
        &mut self,
        requested: Option<Folder>,
        code: &ResponseCode,
    ) -> MissingFolder {
        if requested != Some(Folder::ConversationHistory) || !history::is_missing_folder(code) {
            return MissingFolder::No;
        }
        let mailbox = &self.session.anchor;
        self.session.folders.remember(mailbox);
        match self.session.on_missing {
            MissingHistoryFolder::FallBackToSentItems => {
                if self.saved == requested {
                    info!(mailbox = %mailbox, fallback = %history::FALLBACK,
                        "the sender's mailbox has no conversationhistory; saving copies to the fallback");
                    self.saved = Some(history::FALLBACK);
                }
                MissingFolder::FellBack
            }
            MissingHistoryFolder::Fail => MissingFolder::Fail,
        }
    }

    pub(super) fn deadline(&self) -> Instant {
        self.started + self.retry.deadline
    }

    /// The wait before the next try of a send or a look: back-off, at least what
    /// the server asked.
    pub(super) fn backoff(&mut self, jitter: &mut Jitter, server: Option<Duration>) -> Duration {
        self.retries += 1;
        self.retry.delay(self.retries, jitter.unit(), server)
    }
}

/// What may have happened to a batch's messages before this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// Never sent: send at once.
    Fresh,
    /// Sent before by a run that has ended (a deferral, an earlier drain pass):
    /// one look before the first send decides.
    Resumed,
    /// Claimed from a drainer that stopped, whose last request may still be
    /// running in Exchange: look at once, but a message not found is not
    /// resent before Exchange's execution limit has passed.
    TakenOver,
}

/// Runs one batch to the end: every job comes back with exactly one report.
///
/// `start` says whether the messages may already have been created, and so
/// must be looked for before the first send (see [`Start`]).
pub(crate) async fn run<T: Transport>(
    session: &Session<'_, T>,
    retry: &RetryPolicy,
    jitter: &mut Jitter,
    jobs: Vec<Job>,
    shape: Shape,
    start: Start,
) -> Vec<(usize, DeliveryReport)> {
    let started = Instant::now();
    let Shape { disposition, saved } = shape;
    let mut batch = Batch {
        session,
        retry,
        saved,
        sends: disposition != Disposition::SaveOnly,
        created_after: None,
        internal_errors: 0,
        resumed: start != Start::Fresh,
        started,
        retries: 0,
    };
    // SendOnly keeps no copy to look for: resumed messages are sent again (at
    // least once rather than never).
    let look_first = start != Start::Fresh && saved.is_some();
    let mut tracked: Vec<Tracked> = jobs
        .into_iter()
        .map(|job| Tracked {
            job,
            state: match start {
                _ if !look_first => State::Send { at: started },
                Start::TakenOver => {
                    State::Unsure(Unsure::taken_over(started, started + retry.execution_limit))
                }
                Start::Fresh | Start::Resumed => State::Unsure(Unsure::resumed(started)),
            },
            last: Failure::new(FailureKind::OutcomeUnknown, "not attempted"),
            internal_errors: 0,
            maybe_draft: look_first,
        })
        .collect();
    let mut reports = Vec::with_capacity(tracked.len());
    let mut leftovers: Vec<DeliveryId> = Vec::new();
    let mut size_hint = 4096;

    while !tracked.is_empty() {
        expire(&mut batch, &mut tracked, &mut reports, &mut leftovers);
        let now = Instant::now();
        if tracked
            .iter()
            .any(|t| matches!(&t.state, State::Unsure(u) if u.at <= now))
        {
            look(&mut batch, jitter, &mut tracked, &mut reports).await;
        }
        let now = Instant::now();
        let due: Vec<Tracked>;
        (due, tracked) = tracked
            .into_iter()
            .partition(|t| matches!(t.state, State::Send { at } if at <= now));
        if !due.is_empty() {
            let back = send(
                &mut batch,
                jitter,
                due,
                &mut size_hint,
                &mut reports,
                &mut leftovers,
            )
            .await;
            tracked.extend(back);
        }
        let Some(next) = tracked.iter().map(|t| t.state.at()).min() else {
            break;
        };
        tokio::time::sleep_until(next).await;
    }

    if !leftovers.is_empty() && batch.saved != Some(Folder::Drafts) {
        remove_unsubmitted_drafts(&batch, &leftovers).await;
    }
    // Nothing is saved to a folder before it is known to exist: every delivered
    // message's copy is in the folder the batch ended with.
    for (_, report) in &mut reports {
        if report.outcome.is_delivered() {
            report.saved_folder = batch.saved;
        }
    }
    reports
}

/// Reports every message whose next step would come after the deadline: sends
/// are deferred; unsure messages get one last look first.
fn expire(
    batch: &mut Batch<'_, '_, impl Sized>,
    tracked: &mut Vec<Tracked>,
    reports: &mut Vec<(usize, DeliveryReport)>,
    leftovers: &mut Vec<DeliveryId>,
) {
    let deadline = batch.deadline();
    let now = Instant::now();
    let mut kept = Vec::with_capacity(tracked.len());
    for mut t in tracked.drain(..) {
        let give_up = match &mut t.state {
            State::Send { at } => *at > deadline || now > deadline,
            State::Unsure(unsure) if unsure.at > deadline || now > deadline => {
                if unsure.last_look_done {
                    true
                } else {
                    unsure.last_look_done = true;
                    unsure.at = now;
                    false
                }
            }
            State::Unsure(_) => false,
        };
        if !give_up {
            kept.push(t);
            continue;
        }
        let failure = match &t.state {
            State::Unsure(unsure) => unsure.deferral(&t.last),
            State::Send { .. } => t.last.clone(),
        };
        if t.maybe_draft && failure.kind() != FailureKind::InSubmission {
            leftovers.push(t.job.plan.delivery_id());
        }
        info!(delivery_id = %t.job.plan.delivery_id(), failure = %failure, "deadline reached; deferring");
        reports.push(report(t.job, Outcome::Deferred(failure)));
    }
    *tracked = kept;
}

/// Sends `due` in one `CreateItem` and applies the outcome; returns the messages
/// still to be done.
async fn send<T: Transport>(
    batch: &mut Batch<'_, '_, T>,
    jitter: &mut Jitter,
    mut due: Vec<Tracked>,
    size_hint: &mut usize,
    reports: &mut Vec<(usize, DeliveryReport)>,
    leftovers: &mut Vec<DeliveryId>,
) -> Vec<Tracked> {
    for t in &mut due {
        t.job.attempts += 1;
    }
    if batch.created_after.is_none() && !batch.resumed {
        batch.created_after = Some(OffsetDateTime::now_utc() - CLOCK_SKEW);
    }
    let request_started = Instant::now();
    let plans: Vec<&DeliveryPlan> = due.iter().map(|t| &t.job.plan).collect();
    let attempt = batch.session.create(&plans, batch.saved, *size_hint).await;
    *size_hint = (*size_hint).max(1024 + plans.len() * 2048);
    drop(plans);
    let trouble = match attempt {
        Attempt::Items(results) => {
            return super::settle::settle(batch, jitter, due, results, reports, leftovers);
        }
        Attempt::EachOwn(results) => {
            let (results, running): (Vec<_>, Vec<_>) = results.into_iter().unzip();
            let running: Vec<Option<Instant>> = running
                .into_iter()
                .map(|r| r.then(|| request_started + batch.retry.execution_limit))
                .collect();
            return super::settle::settle_each(
                batch, jitter, due, results, &running, reports, leftovers,
            );
        }
        Attempt::Trouble(trouble) => trouble,
    };
    let now = Instant::now();
    match trouble.kind {
        TroubleKind::Retry => {
            debug!(failure = %trouble.failure, "CreateItem will be retried");
            let wait = batch.backoff(jitter, trouble.server_delay);
            let mut back = Vec::with_capacity(due.len());
            for mut t in due {
                t.last = trouble.failure.clone();
                match defer_for_server(batch, trouble.server_delay, &trouble.failure, now) {
                    Some(failure) => reports.push(report(t.job, Outcome::Deferred(failure))),
                    None => {
                        t.state = State::Send { at: now + wait };
                        back.push(t);
                    }
                }
            }
            back
        }
        TroubleKind::Unknown { finished } => {
            warn!(failure = %trouble.failure, messages = due.len(),
                "CreateItem outcome unknown; looking before any resend");
            if trouble.internal_error {
                batch.internal_errors += 1;
            }
            // Without a reply, Exchange may go on with the request up to its
            // execution limit; with one, it is done.
            let settled_at = if finished {
                now
            } else {
                request_started + batch.retry.execution_limit
            };
            for t in &mut due {
                t.last = trouble.failure.clone();
                t.maybe_draft = true;
                t.state = State::Unsure(Unsure::after_lost_reply(
                    now + batch.retry.check_delay,
                    settled_at,
                ));
            }
            due
        }
        TroubleKind::Fail => {
            warn!(failure = %trouble.failure, messages = due.len(),
                "CreateItem failed for the whole batch");
            for t in due {
                leftovers.push(t.job.plan.delivery_id());
                reports.push(report(t.job, Outcome::Failed(trouble.failure.clone())));
            }
            Vec::new()
        }
    }
}

/// A server-requested wait the message cannot afford (longer than
/// `max_server_delay`, or past the deadline): the failure to defer it with, its
/// `retry_at` the server's time. `None` when the wait fits.
pub(super) fn defer_for_server<T>(
    batch: &Batch<'_, '_, T>,
    server_delay: Option<Duration>,
    failure: &Failure,
    now: Instant,
) -> Option<Failure> {
    let asked = server_delay?;
    if asked <= batch.retry.max_server_delay && now + asked <= batch.deadline() {
        return None;
    }
    let kind = if failure.kind() == FailureKind::Server {
        FailureKind::Throttled
    } else {
        failure.kind()
    };
    Some(
        failure
            .clone()
            .with_kind(kind)
            .with_retry_at(Some(SystemTime::now() + asked)),
    )
}

/// The report for a settled job.
pub(crate) fn report(job: Job, outcome: Outcome) -> (usize, DeliveryReport) {
    debug!(
        delivery_id = %job.plan.delivery_id(),
        attempts = job.attempts,
        outcome = outcome_kind(&outcome),
        code = failure_code(&outcome),
        "message settled"
    );
    let plan = job.plan;
    (
        job.index,
        DeliveryReport {
            delivery_id: plan.delivery_id(),
            outcome,
            attempts: job.attempts,
            recipient: plan.recipient().smtp().clone(),
            route: Some(plan.route().clone()),
            item_class: Some(plan.item_class().clone()),
            saved_folder: None,
        },
    )
}

fn outcome_kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Delivered {
            duplicate_avoided: true,
            ..
        } => "delivered (duplicate avoided)",
        Outcome::Delivered { .. } => "delivered",
        Outcome::Denied(_) => "denied",
        Outcome::Blocked(_) => "blocked",
        Outcome::Failed(_) => "failed",
        Outcome::Deferred(_) => "deferred",
    }
}

fn failure_code(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Failed(failure) | Outcome::Deferred(failure) => {
            failure.code().map_or("", ResponseCode::as_str)
        }
        _ => "",
    }
}
