//! The `Transport` trait and its object-safe companion.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::{Reply, Request, TransportError};

/// The future returned by [`DynTransport::send_boxed`].
pub type BoxedSend<'a> = Pin<Box<dyn Future<Output = Result<Reply, TransportError>> + Send + 'a>>;

/// Moves one SOAP request to an EWS endpoint and brings back the reply.
///
/// Implementors only move bytes: the envelope is written and the reply read by the
/// rest of the crate. A reply with any HTTP status is `Ok`; `Err` means no reply
/// (see [`TransportError`] for the kinds and the questions to ask). The future must
/// be `Send`, so a transport can be used from multi-threaded runtimes.
///
/// The trait is not object safe (its method returns `impl Future`); for
/// `dyn` use [`DynTransport`], which every `Transport` implements and which itself
/// implements `Transport` (as `dyn DynTransport`, `Box<dyn DynTransport>`,
/// `Arc<dyn DynTransport>`), so code generic over `T: Transport` accepts both.
///
/// Also implemented for `&T`, `Box<T>` and `Arc<T>`.
pub trait Transport: Send + Sync {
    /// Sends `request` and waits for the reply.
    fn send(&self, request: Request) -> impl Future<Output = Result<Reply, TransportError>> + Send;
}

/// The object-safe form of [`Transport`], for callers that need `dyn`.
///
/// Implemented for every [`Transport`]; do not implement it directly.
///
/// ```
/// use std::sync::Arc;
/// use offline_im::transport::{DynTransport, RecordingTransport, Transport};
///
/// fn takes_any(transport: impl Transport) {}
///
/// let shared: Arc<dyn DynTransport> = Arc::new(RecordingTransport::new());
/// takes_any(shared);
/// ```
pub trait DynTransport: Send + Sync {
    /// Sends `request` and waits for the reply, as [`Transport::send`].
    fn send_boxed(&self, request: Request) -> BoxedSend<'_>;
}

impl<T: Transport> DynTransport for T {
    fn send_boxed(&self, request: Request) -> BoxedSend<'_> {
        Box::pin(self.send(request))
    }
}

impl Transport for dyn DynTransport + '_ {
    fn send(&self, request: Request) -> impl Future<Output = Result<Reply, TransportError>> + Send {
        self.send_boxed(request)
    }
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, request: Request) -> impl Future<Output = Result<Reply, TransportError>> + Send {
        (**self).send(request)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, request: Request) -> impl Future<Output = Result<Reply, TransportError>> + Send {
        (**self).send(request)
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, request: Request) -> impl Future<Output = Result<Reply, TransportError>> + Send {
        (**self).send(request)
    }
}
