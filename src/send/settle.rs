//! A `CreateItem`'s per-message results: which messages are delivered, which
//! are tried again (now, after a back-off, or after a look), which fail, and
//! what a missing Conversation History means for the batch.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;
use tracing::debug;

use crate::compose::DeliveryId;
use crate::ews::{CreateItemResult, ResponseCode};

use super::batch::{Batch, MissingFolder, State, Tracked, defer_for_server, report};
use super::exchange::kind_of;
use super::history_folder;
use super::recover::Unsure;
use super::retry::Jitter;
use super::{DeliveryReport, Failure, Outcome};

/// Applies per-message results; returns the messages to try again.
pub(super) fn settle<T>(
    batch: &mut Batch<'_, '_, T>,
    jitter: &mut Jitter,
    due: Vec<Tracked>,
    results: Vec<CreateItemResult>,
    reports: &mut Vec<(usize, DeliveryReport)>,
    leftovers: &mut Vec<DeliveryId>,
) -> Vec<Tracked> {
    settle_each(batch, jitter, due, results, &[], reports, leftovers)
}

/// [`settle`] for results of requests of their own: `running[i]` says until when
/// the request of message `i` may still run (`None`: finished).
pub(super) fn settle_each<T>(
    batch: &mut Batch<'_, '_, T>,
    jitter: &mut Jitter,
    due: Vec<Tracked>,
    results: Vec<CreateItemResult>,
    running: &[Option<Instant>],
    reports: &mut Vec<(usize, DeliveryReport)>,
    leftovers: &mut Vec<DeliveryId>,
) -> Vec<Tracked> {
    let now = Instant::now();
    let mut again: Vec<Tracked> = Vec::new();
    // Messages whose next step is set already: a look, or a resend to the
    // fallback folder.
    let mut decided: Vec<Tracked> = Vec::new();
    let mut server_delay: Option<Duration> = None;
    let limit = batch.retry.internal_error_retries;
    let requested = batch.saved;
    for (i, (mut t, result)) in due.into_iter().zip(results).enumerate() {
        let settled_at = running.get(i).copied().flatten().unwrap_or(now);
        let status = result.status;
        if status.is_success() {
            let outcome = Outcome::Delivered {
                item_id: result.item_id,
                duplicate_avoided: false,
            };
            reports.push(report(t.job, outcome));
            continue;
        }
        let code = status.effective_code();
        let text = status
            .message_text
            .clone()
            .unwrap_or_else(|| code.to_string());
        let failure = Failure::new(kind_of(&code), text)
            .with_code(Some(code.clone()))
            .with_retry_at(status.back_off().map(|d| SystemTime::now() + d));
        match batch.missing_folder(requested, &code) {
            MissingFolder::No => {}
            MissingFolder::FellBack => {
                // Exchange checks the target folder before it creates anything:
                // nothing exists yet, so sending again cannot deliver twice.
                t.last = failure;
                t.state = State::Send { at: now };
                decided.push(t);
                continue;
            }
            MissingFolder::Fail => {
                let failure = history_folder::missing_failure(&batch.session.anchor)
                    .with_code(Some(code.clone()))
                    .with_source(failure);
                reports.push(report(t.job, Outcome::Failed(failure)));
                continue;
            }
        }
        let internal = code == ResponseCode::ErrorInternalServerError;
        if internal {
            t.internal_errors += 1;
        }
        if code == ResponseCode::ErrorTimeoutExpired {
            // The server ran out of time on this item: it may exist. Look first.
            t.last = failure;
            t.maybe_draft = true;
            t.state = State::Unsure(Unsure::after_lost_reply(
                now + batch.retry.check_delay,
                settled_at,
            ));
            decided.push(t);
        } else if status.is_transient() || (internal && t.internal_errors <= limit) {
            server_delay = server_delay.max(status.back_off());
            t.last = failure;
            again.push(t);
        } else {
            debug!(delivery_id = %t.job.plan.delivery_id(), code = %code, "message failed");
            leftovers.push(t.job.plan.delivery_id());
            reports.push(report(t.job, Outcome::Failed(failure)));
        }
    }
    if again.is_empty() {
        return decided;
    }
    let wait = batch.backoff(jitter, server_delay);
    let mut back = decided;
    for mut t in again {
        match defer_for_server(batch, server_delay, &t.last, now) {
            Some(failure) => reports.push(report(t.job, Outcome::Deferred(failure))),
            None => {
                t.state = State::Send { at: now + wait };
                back.push(t);
            }
        }
    }
    back
}
