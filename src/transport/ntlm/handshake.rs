//! Opening a connection and authenticating it: NEGOTIATE, CHALLENGE,
//! AUTHENTICATE on empty POSTs, before the request itself is sent.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::StatusCode;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, HOST, HeaderMap, HeaderValue, USER_AGENT};
use tokio::time::{Instant, timeout_at};
use tracing::debug;

use super::account::Account;
use super::auth_header::{self, Scheme};
use super::channel_binding;
use super::client::{ClientInputs, NtlmClient};
use super::connection::{self, Connection};
use super::origin::Job;
use super::{NtlmCredentials, NtlmTransport};
use crate::transport::http::wire;
use crate::transport::{Reply, TransportError};

/// A new connection, after the handshake.
pub(super) enum Opened {
    /// Authenticated (or the server asked for no authentication).
    Ready(Connection),
    /// The server refused to authenticate: its 401 reply.
    Refused(Reply),
}

/// One handshake round trip's answer, body read.
pub(super) struct HandshakeReply {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl NtlmTransport {
    /// Opens a connection to `job`'s origin, without authenticating it.
    pub(super) async fn open(
        &self,
        deadline: Instant,
        job: &Job<'_>,
    ) -> Result<Connection, TransportError> {
        let connect_deadline = deadline.min(Instant::now() + self.inner.connect_timeout);
        let target = &job.origin.target;
        debug!(host = %target.host, port = target.port, "opening a connection");
        match timeout_at(connect_deadline, connection::open(target)).await {
            Err(_) => {
                Err(TransportError::connect_timed_out().with_context(self.context(job.request)))
            }
            Ok(Err(err)) => Err(TransportError::connect_failed()
                .with_context(self.context(job.request))
                .with_source(err)),
            Ok(Ok(connection)) => Ok(connection),
        }
    }

    /// Opens a connection and authenticates it.
    pub(super) async fn open_authenticated(
        &self,
        deadline: Instant,
        job: &Job<'_>,
    ) -> Result<Opened, TransportError> {
        let connection = self.open(deadline, job).await?;
        match &self.inner.account {
            Account::Ntlm(credentials) => {
                self.ntlm_handshake(connection, credentials, deadline, job)
                    .await
            }
            #[cfg(feature = "kerberos")]
            Account::Negotiate(credentials) => {
                self.negotiate_handshake(connection, credentials, deadline, job)
                    .await
            }
        }
    }

    /// NEGOTIATE, CHALLENGE, AUTHENTICATE on `connection`, with empty POSTs.
    pub(super) async fn ntlm_handshake(
        &self,
        mut connection: Connection,
        credentials: &NtlmCredentials,
        deadline: Instant,
        job: &Job<'_>,
    ) -> Result<Opened, TransportError> {
        let client = NtlmClient::new();
        let mut scheme = Scheme::Ntlm;
        let token = loop {
            let reply = self
                .handshake_leg(
                    &mut connection,
                    scheme,
                    client.negotiate_message(),
                    deadline,
                    job,
                )
                .await?;
            if reply.status != StatusCode::UNAUTHORIZED {
                debug!(
                    status = reply.status.as_u16(),
                    "the server asked for no authentication"
                );
                return Ok(Opened::Ready(connection));
            }
            let values = auth_header::header_values(&reply.headers);
            match auth_header::token(&values, scheme) {
                Some(Ok(token)) => break token,
                Some(Err(err)) => {
                    return Err(TransportError::auth_failed()
                        .with_context(self.context(job.request))
                        .with_source(format!(
                            "the server's {} challenge is not base64: {err}",
                            scheme.as_str()
                        )));
                }
                None if scheme == Scheme::Ntlm
                    && !auth_header::offers(&values, Scheme::Ntlm)
                    && auth_header::offers(&values, Scheme::Negotiate) =>
                {
                    debug!(
                        "the server offers Negotiate but not NTLM; sending the NTLM token under Negotiate"
                    );
                    scheme = Scheme::Negotiate;
                }
                None => {
                    debug!(
                        offered = %auth_header::offered(&values),
                        "the server did not answer the NTLM negotiation with a challenge"
                    );
                    return Ok(Opened::Refused(refusal(reply)));
                }
            }
        };

        let inputs = ClientInputs {
            target_name: &job.origin.service_principal,
            channel_bindings: self
                .bindings(&connection)
                .map_or([0; 16], channel_binding::ntlm_hash),
            client_challenge: random_challenge().map_err(|err| {
                TransportError::auth_failed()
                    .with_context(self.context(job.request))
                    .with_source(err)
            })?,
            now: filetime_now(),
        };
        let authenticate = client
            .authenticate(credentials, &token, &inputs)
            .map_err(|err| {
                TransportError::auth_failed()
                    .with_context(self.context(job.request))
                    .with_source(err)
            })?;
        let reply = self
            .handshake_leg(&mut connection, scheme, &authenticate, deadline, job)
            .await?;
        if reply.status == StatusCode::UNAUTHORIZED {
            debug!(account = %credentials, "the server refused the credentials (401)");
            return Ok(Opened::Refused(refusal(reply)));
        }
        debug!(account = %credentials, "connection authenticated");
        Ok(Opened::Ready(connection))
    }

    /// The channel binding to send on `connection`, unless switched off.
    pub(super) fn bindings<'c>(&self, connection: &'c Connection) -> Option<&'c [u8]> {
        connection
            .tls_end_point
            .as_deref()
            .filter(|_| self.inner.channel_bindings)
    }

    /// One empty POST carrying a token (none when `token` is empty), and its
    /// reply. The request itself has not been sent, so every failure here says so.
    pub(super) async fn handshake_leg(
        &self,
        connection: &mut Connection,
        scheme: Scheme,
        token: &[u8],
        deadline: Instant,
        job: &Job<'_>,
    ) -> Result<HandshakeReply, TransportError> {
        let not_sent = |source: Box<dyn std::error::Error + Send + Sync>| {
            TransportError::connect_failed()
                .with_context(self.context(job.request))
                .with_source(source)
        };
        let timed_out =
            || TransportError::connect_timed_out().with_context(self.context(job.request));
        let mut headers = HeaderMap::new();
        headers.insert(HOST, job.origin.host.clone());
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        if !token.is_empty() {
            let mut authorization =
                HeaderValue::try_from(auth_header::authorization(scheme, token))
                    .map_err(|err| not_sent(err.into()))?;
            authorization.set_sensitive(true);
            headers.insert(AUTHORIZATION, authorization);
        }

        let exchange = async {
            connection.sender.ready().await?;
            let response = connection
                .sender
                .send_request(Self::http_request(
                    job,
                    hyper::Method::POST,
                    headers,
                    Bytes::new(),
                ))
                .await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok::<_, hyper::Error>(HandshakeReply {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        match timeout_at(deadline, exchange).await {
            Err(_) => Err(timed_out()),
            Ok(Err(err)) => Err(not_sent(
                format!(
                    "the connection failed during the {} handshake: {err}",
                    scheme.as_str()
                )
                .into(),
            )),
            Ok(Ok(reply)) => Ok(reply),
        }
    }
}

/// The server's refusal, returned as the reply.
pub(super) fn refusal(reply: HandshakeReply) -> Reply {
    wire::reply(reply.status.as_u16(), &reply.headers, reply.body)
}

fn random_challenge() -> Result<[u8; 8], getrandom::Error> {
    let mut challenge = [0; 8];
    getrandom::fill(&mut challenge)?;
    Ok(challenge)
}

/// The time now as a FILETIME: 100 ns units since 1601-01-01 UTC.
fn filetime_now() -> u64 {
    const UNIX_EPOCH_AS_FILETIME: u64 = 116_444_736_000_000_000;
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let ticks = u64::try_from(since_unix.as_nanos() / 100).unwrap_or(u64::MAX);
    UNIX_EPOCH_AS_FILETIME.saturating_add(ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime_counts_from_1601() {
        // 2020-01-01 is 132,223,104,000,000,000 in FILETIME units; now is later.
        assert!(filetime_now() > 132_223_104_000_000_000);
    }
}
