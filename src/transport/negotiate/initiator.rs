//! The client side of one Negotiate (SPNEGO) exchange, through the system's
//! GSSAPI. Every call may talk to the KDC, so callers run these functions on a
//! blocking thread.

use libgssapi::context::{ClientCtx, CtxFlags, SecurityContext};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::name::Name;
use libgssapi::oid::{GSS_MECH_SPNEGO, GSS_NT_HOSTBASED_SERVICE, GSS_NT_KRB5_PRINCIPAL, Oid};
use secrecy::ExposeSecret;

use super::credentials::{NegotiateCredentials, Source};

/// The service principal a token is made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServicePrincipal {
    /// `HTTP@host`: a host-based service name; the realm comes from the
    /// Kerberos configuration's `[domain_realm]` or the KDC's referrals.
    HostBased(String),
    /// A principal name as given (`HTTP/host` or `HTTP/host@REALM`).
    Named(String),
}

impl ServicePrincipal {
    /// `HTTP/<host>` for `host`, the host of the endpoint's URL.
    pub(crate) fn for_host(host: &str) -> Self {
        Self::HostBased(format!("HTTP@{host}"))
    }

    /// A principal given by the caller: `HTTP/host[@REALM]`, or `HTTP@host`.
    pub(crate) fn parse(spn: &str) -> Self {
        if spn.contains('/') {
            Self::Named(spn.to_owned())
        } else {
            Self::HostBased(spn.to_owned())
        }
    }

    fn name(&self) -> Result<Name, libgssapi::error::Error> {
        match self {
            Self::HostBased(name) => Name::new(name.as_bytes(), Some(GSS_NT_HOSTBASED_SERVICE)),
            Self::Named(name) => Name::new(name.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL)),
        }
    }
}

impl std::fmt::Display for ServicePrincipal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::HostBased(name) => f.write_str(&name.replacen('@', "/", 1)),
            Self::Named(name) => f.write_str(name),
        }
    }
}

/// A security context being established.
pub(crate) struct Initiator {
    context: ClientCtx,
    bindings: Option<Vec<u8>>,
}

/// Why no token could be made, in words that name the cause.
pub(crate) type StepError = String;

const SPNEGO: Oid<'static> = GSS_MECH_SPNEGO;

impl Initiator {
    /// Acquires the credentials and makes the first token for `spn`, bound to
    /// the TLS channel by `bindings` (the `tls-server-end-point` application
    /// data) when given.
    pub(crate) fn start(
        credentials: &NegotiateCredentials,
        spn: &ServicePrincipal,
        bindings: Option<Vec<u8>>,
    ) -> Result<(Self, Vec<u8>), StepError> {
        let cred = acquire(credentials)?;
        let target = spn
            .name()
            .map_err(|err| format!("the service principal {spn} is not a valid name: {err}"))?;
        let context = ClientCtx::new(
            Some(cred),
            target,
            CtxFlags::GSS_C_MUTUAL_FLAG | CtxFlags::GSS_C_SEQUENCE_FLAG,
            Some(SPNEGO),
        );
        let mut initiator = Self { context, bindings };
        let token = initiator
            .context
            .step(None, initiator.bindings.as_deref())
            .map_err(|err| {
                format!("Kerberos could not make a ticket for {spn} as {credentials}: {err}")
            })?
            .map(|token| token.to_vec())
            .unwrap_or_default();
        Ok((initiator, token))
    }

    /// Feeds the server's token; returns the next token to send, if any.
    pub(crate) fn step(&mut self, token: &[u8]) -> Result<Option<Vec<u8>>, StepError> {
        self.context
            .step(Some(token), self.bindings.as_deref())
            .map(|token| token.map(|token| token.to_vec()))
            .map_err(|err| format!("the server's Negotiate token was refused: {err}"))
    }

    /// Whether the context is established: with mutual authentication
    /// requested, only once the server proved that it holds the service key.
    pub(crate) fn is_complete(&self) -> bool {
        self.context.is_complete()
    }
}

fn acquire(credentials: &NegotiateCredentials) -> Result<Cred, StepError> {
    let failed = |err: libgssapi::error::Error| {
        format!("Kerberos could not get credentials for {credentials}: {err}")
    };
    let principal = |name: &str| {
        Name::new(name.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL))
            .map_err(|err| format!("{name:?} is not a valid Kerberos principal: {err}"))
    };
    match &credentials.source {
        Source::Default => Cred::acquire(None, None, CredUsage::Initiate, None).map_err(failed),
        Source::Cached(name) => {
            Cred::acquire(Some(&principal(name)?), None, CredUsage::Initiate, None).map_err(failed)
        }
        Source::Password(name, password) => Cred::acquire_with_password(
            Some(&principal(name)?),
            password.expose_secret(),
            None,
            CredUsage::Initiate,
            None,
        )
        .map_err(failed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_from_the_host_or_as_given() {
        let derived = ServicePrincipal::for_host("mail.contoso.com");
        assert_eq!(derived.to_string(), "HTTP/mail.contoso.com");
        assert_eq!(
            ServicePrincipal::parse("HTTP/ews.contoso.com@CONTOSO.COM"),
            ServicePrincipal::Named("HTTP/ews.contoso.com@CONTOSO.COM".into())
        );
        assert_eq!(
            ServicePrincipal::parse("HTTP@lb.contoso.com").to_string(),
            "HTTP/lb.contoso.com"
        );
    }
}
