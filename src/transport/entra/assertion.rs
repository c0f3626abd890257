//! The client assertion: a JWT signed with the application's certificate, sent
//! instead of a client secret.
//!
//! Microsoft: "Microsoft identity platform application authentication certificate
//! credentials" (learn.microsoft.com/entra/identity-platform/certificate-credentials):
//! the header carries `alg` (the current page says PS256, earlier versions RS256;
//! both are accepted), `typ` = `JWT` and the certificate's thumbprint, `x5t#S256`
//! (base64url SHA-256 of the DER certificate; earlier versions used `x5t`, SHA-1);
//! the claims are `aud` (the token endpoint's URL), `iss` and `sub` (the client
//! id), `jti` (unique), `nbf`, `iat` and `exp` (seconds since the epoch).

use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaEncoding};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::SecretString;

use super::ClientCertificate;

/// How long an assertion is valid: short, since it is made for one request.
/// MSAL uses ten minutes.
pub(crate) const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

/// The signature algorithm of client assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AssertionAlgorithm {
    /// RSASSA-PSS with SHA-256, what Microsoft's page asks for now (the default).
    /// The header names the certificate with `x5t#S256`.
    #[default]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, what older guidance asked for. The header
    /// names the certificate with both `x5t#S256` and the SHA-1 `x5t`.
    Rs256,
}

impl AssertionAlgorithm {
    fn name(self) -> &'static str {
        match self {
            Self::Ps256 => "PS256",
            Self::Rs256 => "RS256",
        }
    }

    fn encoding(self) -> &'static dyn RsaEncoding {
        match self {
            Self::Ps256 => &RSA_PSS_SHA256,
            Self::Rs256 => &RSA_PKCS1_SHA256,
        }
    }
}

/// Why an assertion could not be signed (the system's random source failed).
#[derive(Debug, thiserror::Error)]
#[error("the client assertion could not be signed (the system's random source failed)")]
pub(crate) struct SigningFailed;

/// Builds and signs one assertion for `client_id` at `audience` (the token URL).
pub(crate) fn sign(
    certificate: &ClientCertificate,
    algorithm: AssertionAlgorithm,
    client_id: &str,
    audience: &str,
    now: SystemTime,
) -> Result<SecretString, SigningFailed> {
    let mut header = serde_json::json!({
        "alg": algorithm.name(),
        "typ": "JWT",
        "x5t#S256": certificate.thumbprint_sha256(),
    });
    if algorithm == AssertionAlgorithm::Rs256 {
        header["x5t"] = certificate.thumbprint_sha1().into();
    }
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let claims = serde_json::json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": now,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME.as_secs(),
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = &certificate.key;
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        algorithm.encoding(),
        &SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| SigningFailed)?;
    Ok(SecretString::from(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    )))
}
