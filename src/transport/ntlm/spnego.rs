//! The Negotiate handshake (feature `kerberos`): a Kerberos ticket wrapped in
//! SPNEGO on an empty POST, the server's answer checked for mutual
//! authentication, and NTLM when the server offers only that.

use hyper::StatusCode;
use tokio::time::{Instant, timeout_at};
use tracing::debug;

use super::NtlmTransport;
use super::auth_header::{self, Scheme};
use super::connection::Connection;
use super::handshake::{HandshakeReply, Opened, refusal};
use super::origin::Job;
use crate::transport::negotiate::Initiator;
use crate::transport::{NegotiateCredentials, TransportError};

/// The most Negotiate round trips on one connection (Kerberos needs one).
const MAX_LEGS: usize = 4;

impl NtlmTransport {
    /// Authenticates `connection` with a Kerberos ticket under `Negotiate`.
    pub(super) async fn negotiate_handshake(
        &self,
        mut connection: Connection,
        credentials: &NegotiateCredentials,
        deadline: Instant,
        job: &Job<'_>,
    ) -> Result<Opened, TransportError> {
        let auth_error = |cause: String| {
            TransportError::auth_failed()
                .with_context(self.context(job.request))
                .with_source(cause)
        };
        // Which schemes does the server offer? An empty POST without
        // credentials tells, before any ticket is asked for: a server that
        // offers only NTLM is answered with NTLM, and Kerberos errors are
        // reported only where Kerberos is what the server wants.
        let probe = self
            .handshake_leg(&mut connection, Scheme::Negotiate, &[], deadline, job)
            .await?;
        if probe.status != StatusCode::UNAUTHORIZED {
            debug!(
                status = probe.status.as_u16(),
                "the server asked for no authentication"
            );
            return Ok(Opened::Ready(connection));
        }
        let offered = auth_header::header_values(&probe.headers);
        if !auth_header::offers(&offered, Scheme::Negotiate) {
            if auth_header::offers(&offered, Scheme::Ntlm) {
                return self
                    .fall_back_to_ntlm(connection, credentials, deadline, job)
                    .await;
            }
            debug!(
                offered = %auth_header::offered(&offered),
                "the server offers neither Negotiate nor NTLM"
            );
            return Ok(Opened::Refused(refusal(probe)));
        }

        let spn = job.origin.spn.clone();
        let bindings = self.bindings(&connection).map(<[u8]>::to_vec);
        let owned = credentials.clone();
        debug!(
            spn = %spn,
            account = %credentials,
            bound = bindings.is_some(),
            "getting a Kerberos ticket for Negotiate"
        );
        let (mut initiator, mut token) = self
            .blocking(deadline, job, move || {
                Initiator::start(&owned, &spn, bindings)
            })
            .await?
            .map_err(auth_error)?;

        for _ in 0..MAX_LEGS {
            let reply = self
                .handshake_leg(&mut connection, Scheme::Negotiate, &token, deadline, job)
                .await?;
            let values = auth_header::header_values(&reply.headers);
            let server_token = match auth_header::token(&values, Scheme::Negotiate) {
                Some(Ok(server_token)) => Some(server_token),
                Some(Err(err)) => {
                    return Err(auth_error(format!(
                        "the server's Negotiate token is not base64: {err}"
                    )));
                }
                None => None,
            };

            // A token from the server: the next leg, the proof of its identity
            // (mutual authentication), or a Kerberos error naming the cause.
            let next = match server_token {
                Some(server_token) if !initiator.is_complete() => {
                    let (back, stepped) = self
                        .blocking(deadline, job, move || {
                            let stepped = initiator.step(&server_token);
                            (initiator, stepped)
                        })
                        .await?;
                    initiator = back;
                    stepped.map_err(auth_error)?
                }
                _ => None,
            };
            if reply.status == StatusCode::UNAUTHORIZED {
                match next {
                    Some(next) => {
                        token = next;
                        continue;
                    }
                    None => {
                        debug!(account = %credentials, "the server refused the Kerberos ticket (401)");
                        return Ok(Opened::Refused(refusal(reply)));
                    }
                }
            }
            return self.accepted(connection, &initiator, &reply, credentials, job);
        }
        Err(auth_error(format!(
            "the server did not finish the Negotiate handshake in {MAX_LEGS} round trips"
        )))
    }

    /// The server accepted the ticket: the connection is used only if the
    /// server also proved its identity.
    fn accepted(
        &self,
        connection: Connection,
        initiator: &Initiator,
        reply: &HandshakeReply,
        credentials: &NegotiateCredentials,
        job: &Job<'_>,
    ) -> Result<Opened, TransportError> {
        if !initiator.is_complete() {
            debug!(
                status = reply.status.as_u16(),
                "the server accepted the ticket without proving its identity; not using the connection"
            );
            return Err(TransportError::auth_failed()
                .with_context(self.context(job.request))
                .with_source(format!(
                    "mutual authentication failed: the server answered {} without a final \
                     Negotiate token proving that it is {}; nothing was sent",
                    reply.status.as_u16(),
                    job.origin.spn
                )));
        }
        debug!(account = %credentials, spn = %job.origin.spn, "connection authenticated with Kerberos");
        Ok(Opened::Ready(connection))
    }

    /// The server offers only NTLM: answer as the same account, if the password
    /// is known.
    async fn fall_back_to_ntlm(
        &self,
        connection: Connection,
        credentials: &NegotiateCredentials,
        deadline: Instant,
        job: &Job<'_>,
    ) -> Result<Opened, TransportError> {
        let Some(ntlm) = credentials.ntlm_fallback() else {
            return Err(TransportError::auth_failed()
                .with_context(self.context(job.request))
                .with_source(format!(
                    "the server offers only NTLM, not Negotiate, and {credentials} carry no \
                     password to answer with NTLM (use NegotiateCredentials::password, or \
                     NtlmTransport::builder with NtlmCredentials)"
                )));
        };
        debug!(account = %ntlm, "the server offers only NTLM; authenticating with NTLM instead");
        self.ntlm_handshake(connection, &ntlm, deadline, job).await
    }

    /// Runs a Kerberos library call on a blocking thread (it may wait for the
    /// KDC), giving up at `deadline`.
    async fn blocking<T: Send + 'static>(
        &self,
        deadline: Instant,
        job: &Job<'_>,
        call: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, TransportError> {
        match timeout_at(deadline, tokio::task::spawn_blocking(call)).await {
            Err(_) => Err(TransportError::connect_timed_out()
                .with_context(self.context(job.request))
                .with_source("the Kerberos library (the KDC) did not answer in time")),
            Ok(Err(err)) => Err(TransportError::auth_failed()
                .with_context(self.context(job.request))
                .with_source(format!("the Kerberos library call failed: {err}"))),
            Ok(Ok(value)) => Ok(value),
        }
    }
}
