//! One batch's life: attempts, retries, the lost-reply check, draft cleanup.

use std::time::Duration;

use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::compose::DeliveryId;
use crate::ews::{CreateItemResult, ItemId};
use crate::plan::{DeliveryPlan, Folder};
use crate::transport::Transport;

use super::exchange::{Attempt, Session, Trouble, TroubleKind};
use super::retry::Jitter;
use super::{DeliveryReport, Failure, Outcome, RetryPolicy};

/// A planned message waiting in a batch, with its position in the caller's input.
pub(crate) struct Job {
    pub(crate) index: usize,
    pub(crate) plan: DeliveryPlan,
    pub(crate) attempts: u32,
}

/// Runs one batch (one sender, one disposition and folder) to the end: every job
/// comes back with exactly one report.
///
/// `maybe_sent`: the messages may already have been created (a spool drained after
/// a crash); check before the first attempt, where there is a saved copy to find.
pub(crate) async fn run<T: Transport>(
    session: &Session<'_, T>,
    retry: &RetryPolicy,
    jitter: &mut Jitter,
    jobs: Vec<Job>,
    maybe_sent: bool,
) -> Vec<(usize, DeliveryReport)> {
    let started = Instant::now();
    let saved_folder = jobs.first().and_then(|job| job.plan.saved_item_folder());
    let mut pending = jobs;
    let mut reports = Vec::with_capacity(pending.len());
    // SendOnly keeps no copy to look for: messages that may have been sent (a
    // drained spool) are sent again, at least once rather than never.
    let mut unsure = maybe_sent && saved_folder.is_some();
    let mut retries = 0u32;
    let mut size_hint = 4096;
    let mut last_failure = Failure::new(None, "not attempted");
    let mut cleanup: Vec<DeliveryId> = Vec::new();

    loop {
        let mut server_delay: Option<Duration> = None;
        if unsure {
            match saved_folder {
                Some(folder) => match check(session, folder, &mut pending, &mut reports).await {
                    Ok(()) => unsure = false,
                    // The check itself failed: try it again after a pause.
                    Err(trouble) => {
                        last_failure = trouble.failure;
                        server_delay = trouble.server_delay;
                    }
                },
                None => {
                    // SendOnly keeps no copy: nothing can tell whether the message
                    // went, and sending again could deliver it twice.
                    let failure = Failure::new(
                        last_failure.code.clone(),
                        format!(
                            "outcome unknown ({}); SendOnly keeps no copy to check, so the message was not sent again",
                            last_failure.message
                        ),
                    );
                    for job in pending.drain(..) {
                        reports.push(report(job, Outcome::Failed(failure.clone())));
                    }
                }
            }
        }
        if pending.is_empty() {
            break;
        }
        if !unsure {
            for job in &mut pending {
                job.attempts += 1;
            }
            let plans: Vec<&DeliveryPlan> = pending.iter().map(|job| &job.plan).collect();
            let attempt = session.create(&plans, size_hint).await;
            size_hint = size_hint.max(1024 + plans.len() * 2048);
            drop(plans);
            match attempt {
                Attempt::Items(results) => {
                    server_delay = settle(
                        &mut pending,
                        results,
                        &mut reports,
                        &mut cleanup,
                        &mut last_failure,
                    );
                }
                Attempt::Trouble(trouble) => match trouble.kind {
                    TroubleKind::Retry => {
                        debug!(failure = %trouble.failure, "CreateItem will be retried");
                        last_failure = trouble.failure;
                        server_delay = trouble.server_delay;
                    }
                    TroubleKind::Unknown => {
                        warn!(failure = %trouble.failure, messages = pending.len(),
                            "CreateItem outcome unknown; checking before any resend");
                        last_failure = trouble.failure;
                        unsure = true;
                    }
                    TroubleKind::Fail => {
                        warn!(failure = %trouble.failure, messages = pending.len(),
                            "CreateItem failed for the whole batch");
                        for job in pending.drain(..) {
                            cleanup.push(job.plan.delivery_id());
                            reports.push(report(job, Outcome::Failed(trouble.failure.clone())));
                        }
                    }
                },
            }
        }
        if pending.is_empty() {
            break;
        }
        retries += 1;
        let mut delay = retry.delay(retries, jitter.unit(), server_delay);
        if unsure {
            // A request Exchange is still working on should finish before the
            // check looks for its items.
            delay = delay.max(retry.check_delay_duration());
        }
        if started.elapsed() + delay > retry.deadline_duration() {
            if let (true, Some(folder)) = (unsure, saved_folder) {
                // One last look, so that nothing already delivered is reported deferred.
                let _ = check(session, folder, &mut pending, &mut reports).await;
            }
            info!(messages = pending.len(), failure = %last_failure, "deadline reached; deferring");
            for job in pending.drain(..) {
                cleanup.push(job.plan.delivery_id());
                reports.push(report(job, Outcome::Deferred(last_failure.clone())));
            }
            break;
        }
        debug!(
            retry = retries,
            delay_ms = delay.as_millis() as u64,
            "backing off"
        );
        tokio::time::sleep(delay).await;
    }

    if !cleanup.is_empty() {
        remove_drafts(session, saved_folder, &cleanup).await;
    }
    reports
}

fn report(job: Job, outcome: Outcome) -> (usize, DeliveryReport) {
    debug!(
        delivery_id = %job.plan.delivery_id(),
        attempts = job.attempts,
        outcome = outcome_kind(&outcome),
        code = failure_code(&outcome),
        "message settled"
    );
    (
        job.index,
        DeliveryReport {
            delivery_id: job.plan.delivery_id(),
            outcome,
            attempts: job.attempts,
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
            failure.code.as_ref().map_or("", |code| code.as_str())
        }
        _ => "",
    }
}

/// Applies per-message results; returns the longest back-off a busy item asked for.
fn settle(
    pending: &mut Vec<Job>,
    results: Vec<CreateItemResult>,
    reports: &mut Vec<(usize, DeliveryReport)>,
    cleanup: &mut Vec<DeliveryId>,
    last_failure: &mut Failure,
) -> Option<Duration> {
    let mut server_delay: Option<Duration> = None;
    let mut still = Vec::new();
    for (job, result) in pending.drain(..).zip(results) {
        let status = result.status;
        if status.is_success() {
            reports.push(report(
                job,
                Outcome::Delivered {
                    item_id: result.item_id,
                    duplicate_avoided: false,
                },
            ));
        } else {
            let failure = Failure::new(
                Some(status.code.clone()),
                status
                    .message_text
                    .clone()
                    .unwrap_or_else(|| status.code.to_string()),
            );
            if status.is_transient() {
                server_delay = server_delay.max(status.back_off());
                *last_failure = failure;
                still.push(job);
            } else {
                debug!(delivery_id = %job.plan.delivery_id(), code = %status.code, "message failed");
                cleanup.push(job.plan.delivery_id());
                reports.push(report(job, Outcome::Failed(failure)));
            }
        }
    }
    *pending = still;
    server_delay
}

/// After a lost reply: which pending messages already exist? Those found in the
/// saved-copy folder are delivered; drafts found are removed and resent.
async fn check<T: Transport>(
    session: &Session<'_, T>,
    saved_folder: Folder,
    pending: &mut Vec<Job>,
    reports: &mut Vec<(usize, DeliveryReport)>,
) -> Result<(), Trouble> {
    if pending.is_empty() {
        return Ok(());
    }
    let folders: &[Folder] = if saved_folder == Folder::Drafts {
        &[Folder::Drafts]
    } else {
        &[saved_folder, Folder::Drafts]
    };
    let ids: Vec<DeliveryId> = pending.iter().map(|job| job.plan.delivery_id()).collect();
    let found = session.find(folders, &ids).await?;
    let mut drafts: Vec<ItemId> = Vec::new();
    let mut delivered: Vec<(DeliveryId, ItemId)> = Vec::new();
    for (folder, id, item) in found {
        if folder == saved_folder {
            delivered.push((id, item));
        } else {
            drafts.push(item);
        }
    }
    let removed = session.delete(&drafts).await;
    if !drafts.is_empty() {
        info!(
            found = drafts.len(),
            removed, "removed drafts left by an interrupted send"
        );
    }
    let mut still = Vec::new();
    for job in pending.drain(..) {
        match delivered
            .iter()
            .position(|(id, _)| *id == job.plan.delivery_id())
        {
            Some(at) => {
                let (_, item) = delivered.swap_remove(at);
                info!(delivery_id = %job.plan.delivery_id(), "found already created; not sending again");
                reports.push(report(
                    job,
                    Outcome::Delivered {
                        item_id: Some(item),
                        duplicate_avoided: true,
                    },
                ));
            }
            None => still.push(job),
        }
    }
    *pending = still;
    Ok(())
}

/// Removes drafts that failed sends may have left (the 2016 bug): best effort.
async fn remove_drafts<T: Transport>(
    session: &Session<'_, T>,
    saved_folder: Option<Folder>,
    ids: &[DeliveryId],
) {
    if saved_folder == Some(Folder::Drafts) {
        return; // SaveOnly into Drafts: drafts are what the caller asked for.
    }
    match session.find(&[Folder::Drafts], ids).await {
        Ok(found) if !found.is_empty() => {
            let items: Vec<ItemId> = found.into_iter().map(|(_, _, item)| item).collect();
            let removed = session.delete(&items).await;
            info!(
                found = items.len(),
                removed, "removed drafts left by failed sends"
            );
        }
        Ok(_) => {}
        Err(_) => warn!(
            messages = ids.len(),
            "could not check Drafts after failed sends"
        ),
    }
}
