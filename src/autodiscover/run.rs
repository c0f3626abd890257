//! One discovery: walks the plan, follows redirects, applies the safety rules
//! before every request, and keeps the list of attempts.

use std::collections::HashSet;
use std::time::Duration;

use url::Url;

use super::answer::Answer;
use super::client::Inner;
use super::error::{Attempt, AttemptOutcome};
use super::{
    AutodiscoverError, DEFAULT_MAX_RESPONSE_BYTES, EwsEndpoint, HostRules, Protocol, Refusal, Step,
    order_srv_records, plan, read_pox_response, read_soap_response, write_pox_request,
    write_soap_request,
};
use crate::address::SmtpAddress;
use crate::transport::{Method, Reply, Request, TransportError, redacted_url};

/// Where a step leaves the discovery.
enum Next {
    /// Done: the endpoint, and a cap on its cache TTL (from an SRV record).
    Found(EwsEndpoint, Option<Duration>),
    /// Start over for another address.
    Address(SmtpAddress),
    /// Go on with the next step.
    Failed,
    /// Give up (redirect limit reached).
    Stop,
}

struct Run<'a> {
    inner: &'a Inner,
    rules: HostRules,
    attempts: Vec<Attempt>,
    redirects: usize,
    requested: HashSet<(Protocol, Url, SmtpAddress)>,
    addresses: HashSet<SmtpAddress>,
}

/// Discovers the endpoint of `address`, with a cap on how long to cache it.
pub(crate) async fn discover(
    inner: &Inner,
    address: &SmtpAddress,
) -> Result<(EwsEndpoint, Option<Duration>), AutodiscoverError> {
    let mut rules = HostRules::new(address.domain().clone());
    for domain in &inner.allowed {
        rules = rules.allow(domain.clone());
    }
    for suffix in &inner.refused_suffixes {
        rules = rules.refuse_suffix(suffix.clone());
    }
    let mut run = Run {
        inner,
        rules,
        attempts: Vec::new(),
        redirects: 0,
        requested: HashSet::new(),
        addresses: HashSet::from([address.clone()]),
    };
    let mut current = address.clone();
    'address: loop {
        for step in plan(current.domain(), &inner.protocols) {
            let next = match step {
                Step::Request { protocol, url } => run.request(protocol, url, &current).await,
                Step::RedirectProbe { url } => run.probe(url, &current).await,
                Step::SrvLookup { name } => run.srv(&name, &current).await,
            };
            match next {
                Next::Found(endpoint, ttl) => {
                    tracing::debug!(address = %address, url = %endpoint.url, "Autodiscover found EWS");
                    return Ok((endpoint, ttl));
                }
                Next::Address(next) => {
                    current = next;
                    continue 'address;
                }
                Next::Failed => {}
                Next::Stop => break 'address,
            }
        }
        break;
    }
    Err(AutodiscoverError {
        address: address.clone(),
        attempts: run.attempts,
    })
}

impl Run<'_> {
    fn record(&mut self, step: String, outcome: AttemptOutcome) {
        tracing::debug!(step = %step, outcome = %outcome, "Autodiscover step");
        self.attempts.push(Attempt { step, outcome });
    }

    /// Counts one redirect; records the refusal and returns false past the limit.
    fn redirect_allowed(&mut self, step: &str) -> bool {
        if self.redirects >= self.inner.max_redirects {
            let max = self.inner.max_redirects;
            self.record(
                step.to_owned(),
                AttemptOutcome::Refused(Refusal::TooManyRedirects { max }),
            );
            return false;
        }
        self.redirects += 1;
        true
    }

    /// An authenticated Autodiscover request to `url`, following URL redirects.
    async fn request(
        &mut self,
        mut protocol: Protocol,
        mut url: Url,
        address: &SmtpAddress,
    ) -> Next {
        loop {
            let step = format!("{protocol} {}", redacted_url(&url));
            if let Err(refusal) = self.rules.check_url(&url) {
                self.record(step, AttemptOutcome::Refused(refusal));
                return Next::Failed;
            }
            if !self
                .requested
                .insert((protocol, url.clone(), address.clone()))
            {
                let target = redacted_url(&url);
                self.record(
                    step,
                    AttemptOutcome::Refused(Refusal::RedirectLoop { target }),
                );
                return Next::Failed;
            }
            // The URL passed the safety rules just above: the transport may
            // send it the credentials.
            let response = match self.send(self.post(protocol, &url, address)).await {
                Ok(response) => response,
                Err(why) => {
                    self.record(step, why);
                    return Next::Failed;
                }
            };
            if let Some(location) = response.redirect_target() {
                let Ok(target) = url.join(location) else {
                    let why = format!("an unusable Location {location:?}");
                    self.record(step, AttemptOutcome::Unreadable(why));
                    return Next::Failed;
                };
                if !self.redirect_allowed(&step) {
                    return Next::Stop;
                }
                self.record(step, AttemptOutcome::RedirectedTo(redacted_url(&target)));
                protocol = Protocol::for_url(&target);
                url = target;
                continue;
            }
            match response.status {
                200..=299 => {}
                status @ (401 | 403) => {
                    self.record(step, AttemptOutcome::Unauthorized { status });
                    return Next::Failed;
                }
                status => {
                    self.record(step, AttemptOutcome::HttpStatus(status));
                    return Next::Failed;
                }
            }
            let answer = match protocol {
                Protocol::Soap => read_soap_response(&response.body),
                Protocol::Pox => read_pox_response(&response.body),
            };
            match answer {
                Err(why) => self.record(step, AttemptOutcome::Unreadable(why)),
                Ok(Answer::ServerError { code, message }) => {
                    self.record(step, AttemptOutcome::ServerError { code, message });
                }
                Ok(Answer::RedirectUrl(target)) => {
                    let Ok(target) = Url::parse(target.trim()) else {
                        let why = format!("an unusable redirect URL {target:?}");
                        self.record(step, AttemptOutcome::Unreadable(why));
                        return Next::Failed;
                    };
                    if !self.redirect_allowed(&step) {
                        return Next::Stop;
                    }
                    self.record(step, AttemptOutcome::RedirectedTo(redacted_url(&target)));
                    protocol = Protocol::for_url(&target);
                    url = target;
                    continue;
                }
                Ok(Answer::RedirectAddress(target)) => {
                    return self.redirect_address(step, &target);
                }
                Ok(answer) => return self.found(step, &answer, protocol, url, address),
            }
            return Next::Failed;
        }
    }

    /// The Autodiscover request of `protocol` for `address`, to `url`.
    fn post(&self, protocol: Protocol, url: &Url, address: &SmtpAddress) -> Request {
        match protocol {
            Protocol::Soap => Request::new("GetUserSettings", write_soap_request(address, url))
                .url(url.clone())
                .header(
                    "SOAPAction",
                    format!("\"{}\"", super::GET_USER_SETTINGS_ACTION),
                ),
            Protocol::Pox => {
                Request::new("Autodiscover", write_pox_request(address)).url(url.clone())
            }
        }
    }

    /// Sends `request`; no reply, or one too large to be an Autodiscover
    /// answer, is the outcome to record.
    async fn send(&self, request: Request) -> Result<Reply, AttemptOutcome> {
        let reply = self
            .inner
            .transport
            .send_boxed(request)
            .await
            .map_err(|err| AttemptOutcome::Unreachable(error_chain(&err)))?;
        if reply.body.len() > DEFAULT_MAX_RESPONSE_BYTES {
            return Err(AttemptOutcome::Unreadable(format!(
                "an answer of {} bytes, more than the {DEFAULT_MAX_RESPONSE_BYTES} an \
                 Autodiscover answer may have",
                reply.body.len()
            )));
        }
        Ok(reply)
    }

    fn redirect_address(&mut self, step: String, target: &str) -> Next {
        let Ok(next) = SmtpAddress::parse(target) else {
            let why = format!("an unusable redirect address {target:?}");
            self.record(step, AttemptOutcome::Unreadable(why));
            return Next::Failed;
        };
        // The new address's domain gets the same scrutiny as a host: otherwise
        // its Autodiscover hosts would all be refused later anyway, and the
        // rest of this address's plan would be lost.
        if let Err(refusal) = self.rules.check_host(next.domain().as_str()) {
            self.record(step, AttemptOutcome::Refused(refusal));
            return Next::Failed;
        }
        if self.addresses.contains(&next) {
            let refusal = Refusal::RedirectLoop {
                target: next.to_string(),
            };
            self.record(step, AttemptOutcome::Refused(refusal));
            return Next::Failed;
        }
        if !self.redirect_allowed(&step) {
            return Next::Stop;
        }
        self.addresses.insert(next.clone());
        self.record(step, AttemptOutcome::RedirectedToAddress(next.clone()));
        Next::Address(next)
    }

    fn found(
        &mut self,
        step: String,
        answer: &Answer,
        protocol: Protocol,
        answered_by: Url,
        address: &SmtpAddress,
    ) -> Next {
        let Some(found) = answer.ews_url(self.inner.prefer_internal) else {
            self.record(step, AttemptOutcome::NoEwsUrl);
            return Next::Failed;
        };
        let Ok(url) = Url::parse(found) else {
            let why = format!("an unusable EWS URL {found:?}");
            self.record(step, AttemptOutcome::Unreadable(why));
            return Next::Failed;
        };
        if let Err(refusal) = self.rules.check_ews_url(&url) {
            self.record(step, AttemptOutcome::Refused(refusal));
            return Next::Failed;
        }
        Next::Found(
            EwsEndpoint {
                url,
                mailbox: address.clone(),
                answered_by,
                protocol,
            },
            None,
        )
    }

    /// The unauthenticated `GET` on plain HTTP, useful only for its redirect.
    async fn probe(&mut self, url: Url, address: &SmtpAddress) -> Next {
        let step = format!("redirect probe GET {}", redacted_url(&url));
        if let Err(refusal) = self.rules.check_host(url.host_str().unwrap_or_default()) {
            self.record(step, AttemptOutcome::Refused(refusal));
            return Next::Failed;
        }
        // Plain HTTP, to a host only checked for public suffixes: never the
        // credentials, never a body.
        let request = Request::new("redirect probe", "")
            .method(Method::Get)
            .url(url.clone())
            .without_credentials();
        let response = match self.send(request).await {
            Ok(response) => response,
            Err(why) => {
                self.record(step, why);
                return Next::Failed;
            }
        };
        let Some(location) = response.redirect_target() else {
            let status = response.status;
            self.record(step, AttemptOutcome::NoRedirect { status });
            return Next::Failed;
        };
        let Ok(target) = url.join(location) else {
            let why = format!("an unusable Location {location:?}");
            self.record(step, AttemptOutcome::Unreadable(why));
            return Next::Failed;
        };
        if !self.redirect_allowed(&step) {
            return Next::Stop;
        }
        self.record(step, AttemptOutcome::RedirectedTo(redacted_url(&target)));
        self.request(Protocol::for_url(&target), target, address)
            .await
    }

    /// The SRV lookup, then a POX request to each target in order.
    async fn srv(&mut self, name: &str, address: &SmtpAddress) -> Next {
        let step = format!("SRV lookup {name}");
        let records = match self.inner.resolver.lookup_boxed(name).await {
            Ok(records) if records.is_empty() => {
                self.record(step, AttemptOutcome::NoSrvRecords);
                return Next::Failed;
            }
            Ok(records) => order_srv_records(records),
            Err(err) => {
                self.record(step, AttemptOutcome::SrvFailed(err.to_string()));
                return Next::Failed;
            }
        };
        let targets = records
            .iter()
            .map(|r| format!("{}:{}", r.target.trim_end_matches('.'), r.port))
            .collect();
        self.record(step, AttemptOutcome::SrvTargets(targets));
        for record in records {
            let Some(url) = record.autodiscover_url() else {
                let host = record.target.clone();
                self.record(
                    format!("SRV target {host}"),
                    AttemptOutcome::Refused(Refusal::NotAHostName { host }),
                );
                continue;
            };
            match self.request(Protocol::Pox, url, address).await {
                Next::Found(endpoint, _) => return Next::Found(endpoint, Some(record.ttl)),
                Next::Failed => {}
                other => return other,
            }
        }
        Next::Failed
    }
}

/// A transport error and its sources, joined with ": " (never a secret: a
/// transport's errors hold none).
fn error_chain(err: &TransportError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}
