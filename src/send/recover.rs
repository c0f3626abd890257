//! After a lost reply: looking for the messages, and what each sighting means.
//!
//! Exchange submits asynchronously: `CreateItem` creates the message in the
//! sender's Drafts and returns; its transport submits it afterwards, and only
//! then do recipients get it and does the sender's copy move to the saved folder
//! (Microsoft documents this order for Exchange Online's send mail; the 2016
//! on-premises bug that filled senders' Drafts shows the same order). And
//! Exchange keeps working on a request after the client gave up on it, up to its
//! execution limit. So after a lost reply:
//!
//! | found | meaning | what the sender does |
//! |---|---|---|
//! | in the saved folder | created and sent | delivered (`duplicate_avoided`) |
//! | in Drafts, submitted | in flight | leave it alone; look again until it leaves Drafts (then: delivered), up to `draft_grace`; then defer it as [`InSubmission`](super::FailureKind::InSubmission) |
//! | in Drafts, not submitted | being created, or abandoned | leave it alone for `draft_grace` after the request ended; then it is abandoned: delete it, and send again once it is gone |
//! | nowhere, before the request can have ended | may still be created | look again |
//! | nowhere, twice in a row after that | not created | send again (`SendOnly`: report failed, as a message that left Drafts unseen may have been sent) |

use tokio::time::Instant;
use tracing::{info, warn};

use crate::compose::DeliveryId;
use crate::ews::ItemId;
use crate::transport::Transport;

use super::batch::{Batch, MissingFolder, State, Tracked, defer_for_server, report};
use super::exchange::Deletion;
use super::history_folder::missing_failure;
use super::lookup::{Search, Seen, locate};
use super::retry::Jitter;
use super::{DeliveryReport, Failure, FailureKind, Outcome};

/// What is known about a message that may exist already.
pub(super) struct Unsure {
    /// When to look next.
    pub(super) at: Instant,
    /// By then Exchange has finished the request that may have created it.
    settled_at: Instant,
    /// Misses in a row, after `settled_at`, that prove it was not created: two
    /// after a lost reply (a message moving from Drafts to its folder between
    /// two page reads is missed once at most), one for a resumed message.
    misses_needed: u8,
    misses: u8,
    /// It was seen in Drafts, submitted: it is being sent.
    seen_submitted: bool,
    /// The deadline came: the look now due is the last.
    pub(super) last_look_done: bool,
}

impl Unsure {
    /// A message resumed from a spool or after a deferral: no request of ours
    /// is running, so one look decides.
    pub(super) fn resumed(now: Instant) -> Self {
        Self {
            at: now,
            settled_at: now,
            misses_needed: 1,
            misses: 0,
            seen_submitted: false,
            last_look_done: false,
        }
    }

    /// A message whose claim was taken over from a drainer that stopped: that
    /// drainer's last request may still be running in Exchange until
    /// `settled_at` (its execution limit from now), so a miss before then proves
    /// nothing and two misses after it are needed, as after a lost reply. A
    /// message found at the first look is settled at once.
    pub(super) fn taken_over(now: Instant, settled_at: Instant) -> Self {
        Self::after_lost_reply(now, settled_at)
    }

    /// A message whose request got no usable reply; Exchange has finished with
    /// the request by `settled_at`.
    pub(super) fn after_lost_reply(at: Instant, settled_at: Instant) -> Self {
        Self {
            at,
            settled_at,
            misses_needed: 2,
            misses: 0,
            seen_submitted: false,
            last_look_done: false,
        }
    }

    /// Why the message is deferred when the deadline comes before it is settled.
    pub(super) fn deferral(&self, cause: &Failure) -> Failure {
        let failure = if self.seen_submitted {
            Failure::new(
                FailureKind::InSubmission,
                "Exchange accepted the message and its transport is still submitting it; \
                 it was neither sent again nor deleted",
            )
        } else {
            Failure::new(
                FailureKind::OutcomeUnknown,
                format!(
                    "could not find out before the deadline whether Exchange created the \
                     message; last trouble: {cause}"
                ),
            )
        };
        failure
            .with_code(cause.code().cloned())
            .with_source(cause.clone())
    }
}

/// Looks for every unsure message that is due, and moves each on.
pub(super) async fn look<T: Transport>(
    batch: &mut Batch<'_, '_, T>,
    jitter: &mut Jitter,
    tracked: &mut Vec<Tracked>,
    reports: &mut Vec<(usize, DeliveryReport)>,
) {
    let started = Instant::now();
    let is_due = |t: &Tracked| matches!(&t.state, State::Unsure(u) if u.at <= started);
    let ids: Vec<DeliveryId> = tracked
        .iter()
        .filter(|t| is_due(t))
        .map(|t| t.job.plan.delivery_id())
        .collect();
    let search = Search {
        ids: &ids,
        saved: batch.saved,
        drafts: batch.sends,
        created_after: batch.created_after,
    };
    let check_delay = batch.retry.check_delay;
    let requested = batch.saved;
    let seen = match locate(batch.session, &search).await {
        Ok(seen) => seen,
        Err(trouble)
            if trouble
                .failure
                .code()
                .is_some_and(|code| batch.missing_folder(requested, code) != MissingFolder::No) =>
        {
            // The saved folder does not exist, so nothing was ever saved there.
            // Under the fallback the batch now saves to (and looks in) Sent
            // Items: look there at once; otherwise fail what was due.
            let now = Instant::now();
            let fell_back = batch.saved != requested;
            let mut kept = Vec::with_capacity(tracked.len());
            for mut t in tracked.drain(..) {
                if !is_due(&t) {
                    kept.push(t);
                } else if fell_back {
                    if let State::Unsure(unsure) = &mut t.state {
                        unsure.at = now;
                    }
                    kept.push(t);
                } else {
                    let failure =
                        missing_failure(&batch.session.anchor).with_source(trouble.failure.clone());
                    reports.push(report(t.job, Outcome::Failed(failure)));
                }
            }
            *tracked = kept;
            return;
        }
        Err(trouble) => {
            warn!(failure = %trouble.failure, messages = ids.len(),
                "could not look for messages that may exist; looking again later");
            let now = Instant::now();
            let wait = batch.backoff(jitter, trouble.server_delay).max(check_delay);
            let throttled = defer_for_server(batch, trouble.server_delay, &trouble.failure, now);
            let mut kept = Vec::with_capacity(tracked.len());
            for mut t in tracked.drain(..) {
                if !is_due(&t) {
                    kept.push(t);
                    continue;
                }
                if t.job.attempts == 0 {
                    // Resumed and never sent by this batch: not being able to
                    // look is all that is known.
                    t.last = trouble.failure.clone();
                }
                match (&throttled, &mut t.state) {
                    // The server asked for a wait the deadline cannot afford:
                    // no early look, and certainly no early send.
                    (Some(failure), _) => {
                        reports.push(report(t.job, Outcome::Deferred(failure.clone())));
                    }
                    (None, State::Unsure(unsure)) => {
                        unsure.at = now + wait;
                        kept.push(t);
                    }
                    (None, State::Send { .. }) => kept.push(t),
                }
            }
            *tracked = kept;
            return;
        }
    };
    let now = Instant::now();
    let next = now + check_delay;
    let grace = batch.retry.draft_grace;
    let mut kept = Vec::with_capacity(tracked.len());
    let mut abandoned: Vec<(usize, ItemId)> = Vec::new();
    for mut t in tracked.drain(..) {
        let due = is_due(&t);
        let State::Unsure(unsure) = &mut t.state else {
            kept.push(t);
            continue;
        };
        if !due {
            kept.push(t);
            continue;
        }
        let id = t.job.plan.delivery_id();
        match seen.get(&id) {
            Some(Seen::Saved(item)) => {
                info!(delivery_id = %id, "found already created; not sending again");
                let outcome = Outcome::Delivered {
                    item_id: Some(item.clone()),
                    duplicate_avoided: true,
                };
                reports.push(report(t.job, outcome));
            }
            Some(Seen::Draft {
                submitted: true, ..
            }) => {
                unsure.seen_submitted = true;
                unsure.misses = 0;
                if now >= unsure.settled_at + grace {
                    let failure = unsure.deferral(&t.last);
                    info!(delivery_id = %id, "still in submission after the grace period; deferring");
                    reports.push(report(t.job, Outcome::Deferred(failure)));
                } else {
                    unsure.at = next;
                    kept.push(t);
                }
            }
            Some(Seen::Draft {
                item,
                submitted: false,
            }) if batch.session.graph.is_some()
                && now >= unsure.settled_at
                && now < unsure.settled_at + grace =>
            {
                // Graph creates and sends in two requests: a draft still
                // unsubmitted after they ended is ours and was never sent. Send
                // it rather than create a second one.
                if batch.session.graph_send_draft(item).await {
                    info!(delivery_id = %id, "sent the draft found unsubmitted");
                    let outcome = Outcome::Delivered {
                        item_id: None,
                        duplicate_avoided: true,
                    };
                    reports.push(report(t.job, outcome));
                } else {
                    unsure.misses = 0;
                    unsure.at = next;
                    kept.push(t);
                }
            }
            Some(Seen::Draft {
                item,
                submitted: false,
            }) => {
                unsure.misses = 0;
                unsure.at = next;
                if now >= unsure.settled_at + grace {
                    abandoned.push((kept.len(), item.clone()));
                }
                kept.push(t);
            }
            // It was being submitted and has left Drafts: it went.
            None if unsure.seen_submitted => {
                let outcome = Outcome::Delivered {
                    item_id: None,
                    duplicate_avoided: true,
                };
                reports.push(report(t.job, outcome));
            }
            None if now < unsure.settled_at => {
                unsure.at = next;
                kept.push(t);
            }
            None => {
                unsure.misses += 1;
                if unsure.misses < unsure.misses_needed {
                    unsure.at = next;
                    kept.push(t);
                } else if let Some(t) = missing(batch, t, now, false, reports) {
                    kept.push(t);
                }
            }
        }
    }
    if !abandoned.is_empty() {
        delete_abandoned(batch, &mut kept, abandoned, now, reports).await;
    }
    *tracked = kept;
}

/// A message not created (or whose unsubmitted draft was just deleted:
/// `draft_deleted`): send it again, unless that cannot be right.
fn missing(
    batch: &Batch<'_, '_, impl Sized>,
    mut t: Tracked,
    now: Instant,
    draft_deleted: bool,
    reports: &mut Vec<(usize, DeliveryReport)>,
) -> Option<Tracked> {
    if batch.internal_errors > batch.retry.internal_error_retries {
        let failure = Failure::new(
            FailureKind::Server,
            format!(
                "Exchange answered ErrorInternalServerError {} times; giving up",
                batch.internal_errors
            ),
        )
        .with_code(t.last.code().cloned())
        .with_source(t.last.clone());
        reports.push(report(t.job, Outcome::Failed(failure)));
        return None;
    }
    if batch.saved.is_none() && !draft_deleted {
        // SendOnly keeps no copy: a message that left Drafts before any look saw
        // it may have been sent, and sending again could deliver it twice. (One
        // whose unsubmitted draft was deleted was certainly not sent.)
        let failure = Failure::new(
            FailureKind::OutcomeUnknown,
            format!(
                "outcome unknown ({}); SendOnly keeps no copy to check, so the message was not \
                 sent again",
                t.last.message()
            ),
        )
        .with_code(t.last.code().cloned())
        .with_source(t.last.clone());
        reports.push(report(t.job, Outcome::Failed(failure)));
        return None;
    }
    info!(delivery_id = %t.job.plan.delivery_id(), "not created; sending again");
    t.state = State::Send { at: now };
    Some(t)
}

/// Deletes drafts Exchange never submitted, past their grace; the messages whose
/// draft is gone are sent again, the others looked for again.
async fn delete_abandoned<T: Transport>(
    batch: &Batch<'_, '_, T>,
    kept: &mut Vec<Tracked>,
    abandoned: Vec<(usize, ItemId)>,
    now: Instant,
    reports: &mut Vec<(usize, DeliveryReport)>,
) {
    let items: Vec<ItemId> = abandoned.iter().map(|(_, item)| item.clone()).collect();
    let results = batch.session.delete(&items).await;
    info!(
        found = items.len(),
        deleted = results.iter().filter(|d| **d == Deletion::Done).count(),
        "deleting drafts Exchange never submitted"
    );
    let mut resend = Vec::new();
    for ((position, _), deleted) in abandoned.into_iter().zip(results) {
        if deleted == Deletion::Done {
            resend.push(position);
        }
    }
    // Take the messages to resend out, last first so positions stay valid.
    resend.sort_unstable_by(|a, b| b.cmp(a));
    for position in resend {
        let t = kept.swap_remove(position);
        if let Some(t) = missing(batch, t, now, true, reports) {
            kept.push(t);
        }
    }
}

/// After failures: deletes drafts of `ids` that Exchange never submitted (the
/// 2016 bug). Submitted drafts are in flight and left alone. Best effort.
pub(super) async fn remove_unsubmitted_drafts<T: Transport>(
    batch: &Batch<'_, '_, T>,
    ids: &[DeliveryId],
) {
    let search = Search {
        ids,
        saved: None,
        drafts: true,
        created_after: batch.created_after,
    };
    // A busy or flaky server may fail the look or the delete: a few tries, a
    // pause apart (a later drain of the spool deletes what is still left).
    for attempt in 1..=CLEANUP_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(batch.retry.check_delay).await;
        }
        let seen = match locate(batch.session, &search).await {
            Ok(seen) => seen,
            Err(trouble) => {
                warn!(failure = %trouble.failure, messages = ids.len(), attempt,
                    "could not check Drafts after failed sends");
                continue;
            }
        };
        let items: Vec<ItemId> = seen
            .into_values()
            .filter_map(|seen| match seen {
                Seen::Draft {
                    item,
                    submitted: false,
                } => Some(item),
                _ => None,
            })
            .collect();
        if items.is_empty() {
            return;
        }
        let results = batch.session.delete(&items).await;
        let gone = results.iter().filter(|d| **d != Deletion::Kept).count();
        info!(
            found = items.len(),
            deleted = gone,
            attempt,
            "removed drafts left by failed sends"
        );
        if gone == items.len() {
            return;
        }
    }
}

/// How many times the cleanup after failed sends tries.
const CLEANUP_ATTEMPTS: u32 = 3;
