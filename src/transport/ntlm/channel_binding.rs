//! Channel binding: ties the NTLM authentication to the TLS connection it runs
//! on (the `tls-server-end-point` binding of RFC 5929), which servers with
//! Extended Protection for Authentication require.

use md5::Md5;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The prefix of the binding's application data (RFC 5929 section 4).
const PREFIX: &[u8] = b"tls-server-end-point:";

/// The `tls-server-end-point` application data for the server certificate
/// `leaf_der`: what GSSAPI (Kerberos) takes as the channel bindings.
///
/// The certificate is hashed with the hash of its signature algorithm, or
/// SHA-256 when that is MD5, SHA-1 or unknown (RFC 5929 section 4.1).
pub(crate) fn application_data(leaf_der: &[u8]) -> Vec<u8> {
    let hash = match signature_hash(leaf_der) {
        Hash::Sha384 => Sha384::digest(leaf_der).to_vec(),
        Hash::Sha512 => Sha512::digest(leaf_der).to_vec(),
        Hash::Sha256 => Sha256::digest(leaf_der).to_vec(),
    };
    let mut application_data = PREFIX.to_vec();
    application_data.extend_from_slice(&hash);
    application_data
}

/// `MD5(gss_channel_bindings_struct)` for the bindings' `application_data`:
/// the value NTLM sends as `MsvAvChannelBindings`.
pub(crate) fn ntlm_hash(application_data: &[u8]) -> [u8; 16] {
    // gss_channel_bindings_struct as SSPI lays it out: initiator and acceptor
    // address types and lengths (all zero), then the application data.
    let mut bindings = vec![0; 16];
    // The data is a short prefix and a hash: its length fits in a u32.
    let len = u32::try_from(application_data.len()).unwrap_or(u32::MAX);
    bindings.extend_from_slice(&len.to_le_bytes());
    bindings.extend_from_slice(application_data);
    Md5::digest(&bindings).into()
}

#[derive(Debug, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// DER contents of the signature-algorithm OIDs whose hash is not SHA-256.
const SHA384_OIDS: [&[u8]; 3] = [
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c], // sha384WithRSAEncryption
    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],       // ecdsa-with-SHA384
    &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02], // id-sha384 (RSASSA-PSS parameters)
];
const SHA512_OIDS: [&[u8]; 3] = [
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d], // sha512WithRSAEncryption
    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],       // ecdsa-with-SHA512
    &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03], // id-sha512 (RSASSA-PSS parameters)
];

/// The hash of the certificate's `signatureAlgorithm` (read from the DER
/// structure; SHA-256 when it cannot be read).
fn signature_hash(der: &[u8]) -> Hash {
    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE, .. }
    let algorithm = element(der, 0x30)
        .and_then(|(certificate, _)| element(certificate, 0x30))
        .and_then(|(_, after_tbs)| element(after_tbs, 0x30))
        .map(|(algorithm, _)| algorithm);
    let Some(algorithm) = algorithm else {
        return Hash::Sha256;
    };
    let contains = |oid: &[u8]| algorithm.windows(oid.len()).any(|w| w == oid);
    if SHA384_OIDS.iter().any(|oid| contains(oid)) {
        Hash::Sha384
    } else if SHA512_OIDS.iter().any(|oid| contains(oid)) {
        Hash::Sha512
    } else {
        Hash::Sha256
    }
}

/// Reads one DER element with tag `tag` from the start of `der`: its contents
/// and what follows it.
fn element(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = der.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate skeleton: SEQUENCE { SEQUENCE {} (tbs), SEQUENCE { OID }, BIT STRING }.
    fn certificate(oid: &[u8]) -> Vec<u8> {
        let mut algorithm = vec![0x06, u8::try_from(oid.len()).unwrap()];
        algorithm.extend_from_slice(oid);
        let mut body = vec![0x30, 0x00, 0x30, u8::try_from(algorithm.len()).unwrap()];
        body.extend_from_slice(&algorithm);
        body.extend_from_slice(&[0x03, 0x01, 0x00]);
        let mut der = vec![0x30, u8::try_from(body.len()).unwrap()];
        der.extend_from_slice(&body);
        der
    }

    #[test]
    fn hash_follows_the_signature_algorithm() {
        let sha256_rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        let sha1_rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
        assert_eq!(signature_hash(&certificate(&sha256_rsa)), Hash::Sha256);
        assert_eq!(signature_hash(&certificate(&sha1_rsa)), Hash::Sha256);
        assert_eq!(signature_hash(&certificate(SHA384_OIDS[1])), Hash::Sha384);
        assert_eq!(signature_hash(&certificate(SHA512_OIDS[0])), Hash::Sha512);
        assert_eq!(signature_hash(b"not a certificate"), Hash::Sha256);
        assert_eq!(
            signature_hash(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            Hash::Sha256
        );
    }

    #[test]
    fn bindings_hash_is_md5_of_the_sspi_structure() {
        let der = certificate(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]);
        let mut expected = vec![0; 16];
        expected.extend_from_slice(&(21u32 + 32).to_le_bytes());
        expected.extend_from_slice(b"tls-server-end-point:");
        expected.extend_from_slice(&Sha256::digest(&der));
        let expected: [u8; 16] = Md5::digest(&expected).into();
        assert_eq!(ntlm_hash(&application_data(&der)), expected);
    }
}
