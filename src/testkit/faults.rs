//! Fault injection: what goes wrong, for which request or item, and a record of it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use crate::address::SmtpAddress;

use super::rng::SplitMix64;

/// Something that goes wrong with a whole request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// A SOAP fault `ErrorServerBusy` (HTTP 500) whose detail carries
    /// `BackOffMilliseconds`. Nothing is applied.
    ServerBusyFault {
        /// The back-off the server asks for.
        back_off: Duration,
    },
    /// HTTP 503 with `Retry-After: <seconds>`. Nothing is applied.
    ServiceUnavailable {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// HTTP 503 with `Retry-After: <HTTP date>`. Nothing is applied.
    ServiceUnavailableUntil(SystemTime),
    /// HTTP 401 with `WWW-Authenticate`, even with good credentials.
    Unauthorized,
    /// The connection is closed before the request is applied: no reply, nothing stored.
    CloseBeforeCommit,
    /// The request is applied, then the connection is closed: no reply, but the
    /// items exist.
    CloseAfterCommit,
    /// The reply is delayed by this long (on top of the server's latency); the
    /// request is otherwise handled normally.
    Delay(Duration),
    /// The request is applied and the reply is HTTP 200 with a body that is not
    /// well-formed XML.
    MalformedReply,
    /// The request's items are committed one by one, spread evenly over `over`
    /// (item `i` of `n` at `over * (i + 1) / n`), and the reply comes after the last
    /// one; other operations are applied after `over`. The work runs on a task of
    /// its own: when the client times out and disconnects, the remaining items are
    /// still committed (and submitted), as on Exchange, where a batch runs on after
    /// the client gives up.
    ///
    /// Execution limit: Exchange limits one batch request's execution to about one
    /// minute (Microsoft: "EWS throttling in Exchange"). This server enforces no
    /// limit of its own; keep `over` under a minute to stay within what Exchange does.
    SlowCommit {
        /// The time over which the items are committed.
        over: Duration,
    },
    /// The 2016 Drafts bug: the request's sent messages are created in the sender's
    /// `drafts` with `IsSubmitted` false and never submitted (nobody receives them);
    /// then the connection is closed, so the reply is lost. Such drafts stay until
    /// deleted. `SaveOnly` items are saved as usual.
    CommitWithoutSubmit,
    /// A SOAP fault (HTTP 500) with `ResponseCode` `ErrorInternalServerError`. With
    /// `inner_busy`, its detail's `MessageXml` carries `InnerErrorResponseCode`
    /// `ErrorServerBusy`, `InnerErrorMessageText` and `BackOffMilliseconds`: how
    /// Exchange hides throttling (the EWS Managed API and exchangelib both read
    /// `InnerErrorResponseCode`). Nothing is applied.
    InternalServerError {
        /// The hidden busy answer's back-off, if the fault hides one.
        inner_busy: Option<Duration>,
    },
    /// The request is applied, then a gateway answers HTTP 504 in the server's
    /// place: the work is done but the client cannot know it.
    GatewayTimeout,
}

/// Something that goes wrong with one item of a `CreateItem` request. The item gets
/// a `ResponseClass="Error"` response message and is not stored; the other items of
/// the request are handled normally.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemFault {
    /// `ErrorServerBusy` with `MessageXml/Value[@Name="BackOffMilliseconds"]`.
    ServerBusy {
        /// The back-off the server asks for.
        back_off: Duration,
    },
    /// `ErrorInvalidRecipients`.
    InvalidRecipients,
    /// `ErrorNonExistentMailbox`.
    NonExistentMailbox,
    /// `ErrorQuotaExceeded`.
    QuotaExceeded,
    /// `ErrorInternalServerError`. With `inner_busy`, its `m:MessageXml` carries
    /// `InnerErrorResponseCode` `ErrorServerBusy`, `InnerErrorMessageText` and
    /// `BackOffMilliseconds`: throttling in disguise, which the EWS Managed API and
    /// exchangelib both unwrap.
    InternalServerError {
        /// The hidden busy answer's back-off, if the error hides one.
        inner_busy: Option<Duration>,
    },
}

impl ItemFault {
    /// The EWS `ResponseCode` this fault produces.
    #[must_use]
    pub const fn response_code(&self) -> &'static str {
        match self {
            Self::ServerBusy { .. } => "ErrorServerBusy",
            Self::InvalidRecipients => "ErrorInvalidRecipients",
            Self::NonExistentMailbox => "ErrorNonExistentMailbox",
            Self::QuotaExceeded => "ErrorQuotaExceeded",
            Self::InternalServerError { .. } => "ErrorInternalServerError",
        }
    }
}

/// A fault the server injected, as recorded for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InjectedFault {
    /// A whole request failed.
    Request {
        /// Index of the request in [`TestServer::requests`](super::TestServer::requests).
        request_index: usize,
        /// What was injected.
        fault: Fault,
    },
    /// One item of a `CreateItem` request failed.
    Item {
        /// Index of the request in [`TestServer::requests`](super::TestServer::requests).
        request_index: usize,
        /// Position of the item in the request's `m:Items`.
        item_index: usize,
        /// The recipient whose rule triggered it, for [`Faults::per_recipient`].
        recipient: Option<SmtpAddress>,
        /// What was injected.
        fault: ItemFault,
    },
}

#[derive(Debug)]
pub(crate) struct FaultPlan {
    requests: VecDeque<Fault>,
    items: VecDeque<ItemFault>,
    per_recipient: HashMap<SmtpAddress, ItemFault>,
    request_mix: Option<(f64, Vec<Fault>)>,
    item_mix: Option<(f64, Vec<ItemFault>)>,
    rng: SplitMix64,
    pub(crate) injected: Vec<InjectedFault>,
}

impl FaultPlan {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            requests: VecDeque::new(),
            items: VecDeque::new(),
            per_recipient: HashMap::new(),
            request_mix: None,
            item_mix: None,
            rng: SplitMix64::new(seed),
            injected: Vec::new(),
        }
    }

    /// The fault for the next request, if any: scripted faults first, then the mix.
    pub(crate) fn take_request_fault(&mut self) -> Option<Fault> {
        if let Some(f) = self.requests.pop_front() {
            return Some(f);
        }
        let (p, list) = self.request_mix.as_ref()?;
        let (p, len) = (*p, list.len());
        if self.rng.next_f64() < p {
            let i = self.rng.below(len);
            return self
                .request_mix
                .as_ref()
                .and_then(|(_, l)| l.get(i).cloned());
        }
        None
    }

    /// The fault for the next item, if any: a per-recipient rule first, then
    /// scripted faults, then the mix.
    pub(crate) fn take_item_fault(
        &mut self,
        recipients: &[SmtpAddress],
    ) -> Option<(ItemFault, Option<SmtpAddress>)> {
        for r in recipients {
            if let Some(f) = self.per_recipient.get(r) {
                return Some((f.clone(), Some(r.clone())));
            }
        }
        if let Some(f) = self.items.pop_front() {
            return Some((f, None));
        }
        let (p, list) = self.item_mix.as_ref()?;
        let (p, len) = (*p, list.len());
        if self.rng.next_f64() < p {
            let i = self.rng.below(len);
            return self
                .item_mix
                .as_ref()
                .and_then(|(_, l)| l.get(i).cloned())
                .map(|f| (f, None));
        }
        None
    }
}

/// The fault-injection handle of a [`TestServer`](super::TestServer): script what
/// goes wrong next. Cheap to clone; every clone drives the same server.
///
/// Scripted faults ([`next_request`](Self::next_request), [`next_item`](Self::next_item))
/// are used once each, in order, before any random mix is consulted. Mixes draw from
/// a generator seeded with [`TestServerBuilder::seed`](super::TestServerBuilder::seed),
/// so a run repeats exactly for a given seed and request order.
///
/// ```
/// use std::time::Duration;
/// use offline_im::testkit::{Fault, ItemFault, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = TestServer::builder().seed(7).start().await?;
/// server
///     .faults()
///     .next_request(Fault::ServiceUnavailable { retry_after_secs: 5 })
///     .next_item(ItemFault::ServerBusy { back_off: Duration::from_millis(500) })
///     .item_mix(0.1, &[ItemFault::QuotaExceeded]);
/// // ... run the code under test against server.url(), then check what it met:
/// assert!(server.injected_faults().is_empty(), "nothing was sent in this example");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Faults {
    pub(crate) plan: Arc<Mutex<FaultPlan>>,
}

impl Faults {
    pub(crate) fn lock(&self) -> MutexGuard<'_, FaultPlan> {
        self.plan.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next request fails with `fault`.
    pub fn next_request(&self, fault: Fault) -> &Self {
        self.lock().requests.push_back(fault);
        self
    }

    /// The next `n` requests fail with `fault`.
    pub fn next_requests(&self, n: usize, fault: Fault) -> &Self {
        let mut plan = self.lock();
        for _ in 0..n {
            plan.requests.push_back(fault.clone());
        }
        drop(plan);
        self
    }

    /// The next created item fails with `fault`.
    pub fn next_item(&self, fault: ItemFault) -> &Self {
        self.lock().items.push_back(fault);
        self
    }

    /// Every item addressed to `recipient` (To, Cc or Bcc) fails with `fault`,
    /// until [`clear`](Self::clear).
    pub fn per_recipient(&self, recipient: &SmtpAddress, fault: ItemFault) -> &Self {
        self.lock().per_recipient.insert(recipient.clone(), fault);
        self
    }

    /// Each request (without a scripted fault) fails with probability `probability`
    /// (clamped to 0..=1), with a fault picked uniformly from `faults`. An empty list
    /// turns the mix off.
    pub fn request_mix(&self, probability: f64, faults: &[Fault]) -> &Self {
        self.lock().request_mix = mix(probability, faults);
        self
    }

    /// Each item (without a scripted or per-recipient fault) fails with probability
    /// `probability` (clamped to 0..=1), with a fault picked uniformly from `faults`.
    /// An empty list turns the mix off.
    pub fn item_mix(&self, probability: f64, faults: &[ItemFault]) -> &Self {
        self.lock().item_mix = mix(probability, faults);
        self
    }

    /// A mix of every fault a client should get through (none that fails a
    /// message for good): each request meets one with probability
    /// `request_probability`, each item with `item_probability`. Busy faults ask
    /// for 5 ms; a slow commit spreads its batch over 800 ms (keep the client's
    /// execution limit above that, its timeout below it to lose the reply).
    ///
    /// | request faults | item faults |
    /// |---|---|
    /// | `ServerBusyFault`, `InternalServerError` with and without a hidden busy, `ServiceUnavailable`, `CloseBeforeCommit`, `CloseAfterCommit`, `Delay` (20 ms), `MalformedReply`, `SlowCommit`, `CommitWithoutSubmit` | `ServerBusy`, `InternalServerError` with and without a hidden busy |
    pub fn every_transient_fault(&self, request_probability: f64, item_probability: f64) -> &Self {
        let busy = Duration::from_millis(5);
        self.request_mix(
            request_probability,
            &[
                Fault::ServerBusyFault { back_off: busy },
                Fault::InternalServerError {
                    inner_busy: Some(busy),
                },
                Fault::InternalServerError { inner_busy: None },
                Fault::ServiceUnavailable {
                    retry_after_secs: 0,
                },
                Fault::CloseBeforeCommit,
                Fault::CloseAfterCommit,
                Fault::Delay(Duration::from_millis(20)),
                Fault::MalformedReply,
                Fault::SlowCommit {
                    over: Duration::from_millis(800),
                },
                Fault::CommitWithoutSubmit,
            ],
        )
        .item_mix(
            item_probability,
            &[
                ItemFault::ServerBusy { back_off: busy },
                ItemFault::InternalServerError {
                    inner_busy: Some(busy),
                },
                ItemFault::InternalServerError { inner_busy: None },
            ],
        )
    }

    /// Forgets every scripted fault, rule and mix (the record of injected faults stays).
    pub fn clear(&self) -> &Self {
        let mut plan = self.lock();
        plan.requests.clear();
        plan.items.clear();
        plan.per_recipient.clear();
        plan.request_mix = None;
        plan.item_mix = None;
        drop(plan);
        self
    }
}

fn mix<T: Clone>(probability: f64, faults: &[T]) -> Option<(f64, Vec<T>)> {
    if faults.is_empty() || probability.is_nan() {
        return None;
    }
    Some((probability.clamp(0.0, 1.0), faults.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_faults_come_first_then_the_mix_repeats_per_seed() {
        let run = |seed| {
            let faults = Faults {
                plan: Arc::new(Mutex::new(FaultPlan::new(seed))),
            };
            faults
                .next_request(Fault::Unauthorized)
                .request_mix(0.5, &[Fault::CloseBeforeCommit, Fault::MalformedReply]);
            let mut plan = faults.lock();
            (0..20)
                .map(|_| plan.take_request_fault())
                .collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a[0], Some(Fault::Unauthorized));
        assert_eq!(a, run(1));
        assert!(a.iter().skip(1).any(Option::is_none));
        assert!(a.iter().skip(1).any(Option::is_some));
    }

    #[test]
    fn per_recipient_rules_win_and_persist() {
        let mut plan = FaultPlan::new(0);
        let pat: SmtpAddress = "pat@contoso.com".parse().unwrap();
        plan.per_recipient
            .insert(pat.clone(), ItemFault::QuotaExceeded);
        plan.items.push_back(ItemFault::InvalidRecipients);
        for _ in 0..2 {
            assert_eq!(
                plan.take_item_fault(std::slice::from_ref(&pat)),
                Some((ItemFault::QuotaExceeded, Some(pat.clone())))
            );
        }
        assert_eq!(
            plan.take_item_fault(&[]),
            Some((ItemFault::InvalidRecipients, None))
        );
        assert_eq!(plan.take_item_fault(&[]), None);
    }
}
