//! The token endpoint's check of a client assertion (a JWT signed with a
//! registered certificate).
//!
//! What Entra checks, after Microsoft's "Microsoft identity platform application
//! authentication certificate credentials" page: the header's `alg` (PS256 now,
//! RS256 before) and the certificate's thumbprint (`x5t#S256`, or the older SHA-1
//! `x5t`) naming a certificate uploaded to the app; the signature; `aud` = the
//! token endpoint's URL; `iss` = `sub` = the client id; `exp` not passed and
//! `nbf` not in the future; a `jti`. The AADSTS codes are those of Microsoft's
//! "Microsoft Entra authentication and authorization error codes" page.

use std::time::{Duration, SystemTime};

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::CertificateDer;
use serde_json::Value;

/// Entra tolerates some clock skew; five minutes is the usual allowance of
/// Microsoft's token validation [inference, kept small].
const SKEW: Duration = Duration::from_secs(300);

/// A certificate registered with an app: its DER and thumbprints.
#[derive(Debug, Clone)]
pub(crate) struct RegisteredCertificate {
    der: Vec<u8>,
    x5t_s256: String,
    x5t: String,
}

impl RegisteredCertificate {
    pub(crate) fn new(der: Vec<u8>) -> Self {
        Self {
            x5t_s256: URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &der)),
            x5t: URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &der)),
            der,
        }
    }
}

/// Why an assertion was refused: the AADSTS code and its message.
pub(crate) type Refusal = (u32, String);

/// Checks `assertion` for `client_id` at `audience` against `certificates`.
pub(crate) fn check(
    assertion: &str,
    client_id: &str,
    audience: &str,
    certificates: &[RegisteredCertificate],
    now: SystemTime,
) -> Result<(), Refusal> {
    let malformed = |what: &str| {
        (
            50_027,
            format!("JWT token is invalid or malformed: {what}."),
        )
    };
    let mut parts = assertion.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("a JWT has three parts"));
    };
    let json = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    let header = json(header).ok_or_else(|| malformed("the header is not base64url JSON"))?;
    let claims_json = json(claims).ok_or_else(|| malformed("the claims are not base64url JSON"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| malformed("the signature is not base64url"))?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);

    let algorithm = match text(&header, "alg").as_deref() {
        Some("PS256") => webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        Some("RS256") => webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
        other => {
            return Err(malformed(&format!(
                "the algorithm {other:?} is not supported (PS256 or RS256)"
            )));
        }
    };
    let by_s256 = text(&header, "x5t#S256");
    let by_sha1 = text(&header, "x5t");
    let certificate = certificates.iter().find(|c| {
        by_s256.as_deref() == Some(c.x5t_s256.as_str())
            || by_sha1.as_deref() == Some(c.x5t.as_str())
    });
    let thumbprint = by_s256.or(by_sha1).unwrap_or_default();
    let Some(certificate) = certificate else {
        return Err((
            700_027,
            format!(
                "Client assertion failed signature validation. [Reason - The key was not \
                 found., Thumbprint of key used by client: '{thumbprint}']"
            ),
        ));
    };
    let signed = assertion
        .rsplit_once('.')
        .map(|(input, _)| input)
        .unwrap_or_default();
    let der = CertificateDer::from(certificate.der.as_slice());
    let verified = webpki::EndEntityCert::try_from(&der)
        .ok()
        .is_some_and(|cert| {
            cert.verify_signature(algorithm, signed.as_bytes(), &signature)
                .is_ok()
        });
    if !verified {
        return Err((
            700_027,
            "Client assertion failed signature validation. [Reason - The provided signature \
             value did not match the expected signature value.]"
                .to_owned(),
        ));
    }

    let (iss, sub) = (text(&claims_json, "iss"), text(&claims_json, "sub"));
    if iss.as_deref() != Some(client_id) || sub.as_deref() != Some(client_id) {
        return Err((
            700_021,
            "Client assertion application identifier doesn't match 'client_id' parameter."
                .to_owned(),
        ));
    }
    if text(&claims_json, "aud").as_deref() != Some(audience) {
        return Err((
            // The code for a wrong audience is not listed by Microsoft; Entra's
            // generic "invalid JWT" code stands in for it [inference].
            50_027,
            format!("JWT token is invalid or malformed: the audience claim must be '{audience}'."),
        ));
    }
    if text(&claims_json, "jti").is_none_or(|j| j.is_empty()) {
        return Err(malformed("the jti claim is missing"));
    }
    let seconds = |k: &str| claims_json.get(k).and_then(Value::as_u64);
    let now_secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let in_time = match (seconds("exp"), seconds("nbf")) {
        (Some(exp), nbf) => {
            exp + SKEW.as_secs() > now_secs && nbf.is_none_or(|n| n <= now_secs + SKEW.as_secs())
        }
        (None, _) => false,
    };
    if !in_time {
        return Err((
            700_024,
            "Client assertion is not within its valid time range.".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(all(test, feature = "entra"))]
mod tests {
    use super::*;
    use crate::transport::ClientCertificate;
    use crate::transport::entra::assertion::{AssertionAlgorithm, sign};
    use secrecy::ExposeSecret as _;

    const AUD: &str = "http://127.0.0.1:1/contoso.onmicrosoft.com/oauth2/v2.0/token";
    const APP: &str = "11112222-aaaa-3333-bbbb-4444cccc5555";

    fn pair() -> (ClientCertificate, RegisteredCertificate) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["t".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let client =
            ClientCertificate::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes())
                .unwrap();
        let registered = RegisteredCertificate::new(cert.der().to_vec());
        (client, registered)
    }

    fn code(result: Result<(), Refusal>) -> Option<u32> {
        result.err().map(|(code, _)| code)
    }

    #[test]
    fn each_broken_rule_gets_its_code() {
        let (client, registered) = pair();
        let now = SystemTime::now();
        let good = sign(&client, AssertionAlgorithm::Ps256, APP, AUD, now).unwrap();
        let good = good.expose_secret();
        let certs = std::slice::from_ref(&registered);
        assert_eq!(code(check(good, APP, AUD, certs, now)), None);

        // A signature that does not match the signed part.
        let (signed, signature) = good.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
        bytes[10] ^= 0xff;
        let tampered = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(code(check(&tampered, APP, AUD, certs, now)), Some(700_027));
        // The certificate was not uploaded.
        assert_eq!(code(check(good, APP, AUD, &[], now)), Some(700_027));
        // Made for another app, another audience, or too long ago.
        assert_eq!(
            code(check(good, "other-app", AUD, certs, now)),
            Some(700_021)
        );
        assert_eq!(
            code(check(good, APP, "http://elsewhere/t", certs, now)),
            Some(50_027)
        );
        let later = now + Duration::from_secs(3600);
        assert_eq!(code(check(good, APP, AUD, certs, later)), Some(700_024));
        // Not a JWT.
        assert_eq!(code(check("a.b", APP, AUD, certs, now)), Some(50_027));
    }
}
