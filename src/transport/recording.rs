//! A transport for tests: scripted replies, every request recorded.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{Reply, Request, Transport, TransportError};

type Responder = Arc<dyn Fn(&Request) -> Result<Reply, TransportError> + Send + Sync>;

/// A [`Transport`] that sends nothing: it records every request and answers from a
/// script, for testing code that sends through a transport.
///
/// Answers come from a queue of scripted results, used in order (one per
/// request), then from a closure that sees each request, if one was given, and
/// otherwise as an Exchange server that accepts everything
/// ([`fake::exchange_accepting_everything`](super::fake::exchange_accepting_everything)):
/// script only what should go wrong. [`strict`](Self::strict) makes a request
/// without a scripted answer a [`TransportError`] instead (never a panic). Every
/// request is recorded. See [`fake`](super::fake) for the reply builders.
///
/// ```
/// use offline_im::transport::{Reply, Request, RecordingTransport, Transport, TransportError};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let transport = RecordingTransport::new()
///     .with_reply(Reply::new(503, ""))
///     .with_error(TransportError::timed_out_after_send())
///     .with_reply(Reply::ok("<Envelope/>"));
///
/// assert_eq!(transport.send(Request::new("CreateItem", "a")).await?.status, 503);
/// assert!(transport.send(Request::new("CreateItem", "b")).await.unwrap_err().outcome_unknown());
/// assert_eq!(transport.send(Request::new("FindItem", "c")).await?.status, 200);
/// // Script used up: answered as an Exchange that accepts everything.
/// assert_eq!(transport.send(Request::new("CreateItem", "d")).await?.status, 200);
///
/// let sent: Vec<_> = transport.requests().iter().map(|r| r.operation).collect();
/// assert_eq!(sent, ["CreateItem", "CreateItem", "FindItem", "CreateItem"]);
/// # Ok::<(), TransportError>(())
/// # }).unwrap();
/// ```
pub struct RecordingTransport {
    state: Mutex<State>,
}

struct State {
    requests: Vec<Request>,
    script: VecDeque<Result<Reply, TransportError>>,
    responder: Option<Responder>,
    strict: bool,
}

impl RecordingTransport {
    /// A transport with an empty script: requests are answered as an Exchange
    /// server that accepts everything would, until replies are scripted.
    #[must_use]
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                requests: Vec::new(),
                script: VecDeque::new(),
                responder: None,
                strict: false,
            }),
        }
    }

    /// A transport whose requests fail with a [`TransportError`] once the script
    /// is used up, for tests that must script every exchange.
    #[must_use]
    pub fn strict() -> Self {
        let transport = Self::new();
        transport.lock().strict = true;
        transport
    }

    /// A transport that answers every request by calling `respond` with it.
    #[must_use]
    pub fn responding_with<F>(respond: F) -> Self
    where
        F: Fn(&Request) -> Result<Reply, TransportError> + Send + Sync + 'static,
    {
        let transport = Self::new();
        transport.lock().responder = Some(Arc::new(respond));
        transport
    }

    /// Adds `reply` to the end of the script.
    #[must_use]
    pub fn with_reply(self, reply: Reply) -> Self {
        self.push(Ok(reply));
        self
    }

    /// Adds `error` to the end of the script.
    #[must_use]
    pub fn with_error(self, error: TransportError) -> Self {
        self.push(Err(error));
        self
    }

    /// Adds a reply or an error to the end of the script, through a shared
    /// reference (for scripting while the transport is in use).
    ///
    /// A script takes precedence over a [`responding_with`](Self::responding_with)
    /// closure: the closure answers only once the script is used up.
    pub fn push(&self, result: Result<Reply, TransportError>) {
        self.lock().script.push_back(result);
    }

    /// Every request received so far, oldest first.
    #[must_use]
    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// How many requests were received so far.
    #[must_use]
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }

    /// How many scripted replies and errors are still waiting to be used.
    #[must_use]
    pub fn remaining_script(&self) -> usize {
        self.lock().script.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in a responder closure must not make every later call panic too.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn answer(&self, request: Request) -> Result<Reply, TransportError> {
        let mut state = self.lock();
        state.requests.push(request.clone());
        let number = state.requests.len();
        if let Some(result) = state.script.pop_front() {
            return result;
        }
        let responder = state.responder.clone();
        let strict = state.strict;
        // The closure runs without the lock, so it may look at this transport.
        drop(state);
        match responder {
            Some(respond) => respond(&request),
            None if strict => Err(TransportError::unscripted()
                .with_context(format!("request #{number} ({})", request.operation))),
            None => Ok(super::fake::exchange_accepting_everything(&request)),
        }
    }
}

impl Default for RecordingTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RecordingTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("RecordingTransport")
            .field("requests", &state.requests.len())
            .field("remaining_script", &state.script.len())
            .field("responder", &state.responder.is_some())
            .field("strict", &state.strict)
            .finish()
    }
}

impl Transport for RecordingTransport {
    fn send(&self, request: Request) -> impl Future<Output = Result<Reply, TransportError>> + Send {
        std::future::ready(self.answer(request))
    }
}
