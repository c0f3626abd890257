//! The NTLMv2 computations of MS-NLMP section 3.3.2, as pure functions.
//!
//! Only NTLMv2 is here: the LM and NTLMv1 responses (DES over password hashes)
//! are broken and not offered.

use hmac::{Hmac, KeyInit, Mac};
use md4::{Digest, Md4};
use md5::Md5;
use secrecy::{ExposeSecret, SecretString};

type HmacMd5 = Hmac<Md5>;

/// HMAC-MD5 of the concatenation of `parts` under `key`.
pub(crate) fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <HmacMd5 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// `s` as UTF-16LE bytes, the encoding of every NTLM string when Unicode is
/// negotiated.
pub(crate) fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// NTOWFv2: `HMAC_MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain))`,
/// the key both NTLMv2 responses are computed with.
pub(crate) fn ntowfv2(password: &SecretString, user: &str, domain: &str) -> [u8; 16] {
    let nt_hash: [u8; 16] = Md4::digest(utf16le(password.expose_secret())).into();
    let mut identity = user.to_uppercase();
    identity.push_str(domain);
    hmac_md5(&nt_hash, &[&utf16le(&identity)])
}

/// What the client computes from the server's challenge (MS-NLMP 3.3.2).
pub(crate) struct V2Response {
    /// `NTProofStr || temp`: the `NtChallengeResponse` field.
    pub(crate) nt_response: Vec<u8>,
    /// `HMAC_MD5(key, server || client challenge) || client challenge`: the
    /// LMv2 response, sent only when the server sent no timestamp.
    pub(crate) lm_response: [u8; 24],
    /// `HMAC_MD5(key, NTProofStr)`; with NTLMv2 and no key exchange it is also the
    /// exported session key the MIC is computed with.
    pub(crate) session_base_key: [u8; 16],
}

/// The NTLMv2 responses for `server_challenge`, with the client's random
/// `client_challenge`, the `time` (FILETIME: 100 ns units since 1601) and the
/// client's `av_pairs` (the server's target info plus the client's additions,
/// ending with `MsvAvEOL`).
pub(crate) fn v2_response(
    response_key: &[u8; 16],
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
    time: u64,
    av_pairs: &[u8],
) -> V2Response {
    // temp = Responserversion (1), HiResponserversion (1), Z(6), Time, ClientChallenge, Z(4), AvPairs, Z(4)
    let mut temp = Vec::with_capacity(28 + av_pairs.len() + 4);
    temp.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 0]);
    temp.extend_from_slice(&time.to_le_bytes());
    temp.extend_from_slice(client_challenge);
    temp.extend_from_slice(&[0; 4]);
    temp.extend_from_slice(av_pairs);
    temp.extend_from_slice(&[0; 4]);

    let nt_proof = hmac_md5(response_key, &[server_challenge, &temp]);
    let mut nt_response = Vec::with_capacity(16 + temp.len());
    nt_response.extend_from_slice(&nt_proof);
    nt_response.extend_from_slice(&temp);

    let lm_proof = hmac_md5(response_key, &[server_challenge, client_challenge]);
    let mut lm_response = [0; 24];
    lm_response[..16].copy_from_slice(&lm_proof);
    lm_response[16..].copy_from_slice(client_challenge);

    V2Response {
        nt_response,
        lm_response,
        session_base_key: hmac_md5(response_key, &[&nt_proof]),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! The NTLMv2 example of MS-NLMP section 4.2.4: user "User", domain
    //! "Domain", password "Password", server challenge 0123456789abcdef, client
    //! challenge aa x 8, time 0, target info NetBIOS domain "Domain" and NetBIOS
    //! server "Server".

    use super::*;

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    pub(crate) const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    pub(crate) const CLIENT_CHALLENGE: [u8; 8] = [0xaa; 8];

    /// The example's target info: MsvAvNbDomainName "Domain", MsvAvNbComputerName
    /// "Server", MsvAvEOL.
    pub(crate) fn example_av_pairs() -> Vec<u8> {
        hex("02000c00 44006f006d00610069006e00 01000c00 530065007200760065007200 00000000")
    }

    fn key() -> [u8; 16] {
        ntowfv2(&SecretString::from("Password"), "User", "Domain")
    }

    #[test]
    fn ntowfv2_matches_the_published_vector() {
        assert_eq!(key().to_vec(), hex("0c868a403bfd7a93a3001ef22ef02e3f"));
    }

    #[test]
    fn responses_and_session_key_match_the_published_vectors() {
        let response = v2_response(
            &key(),
            &SERVER_CHALLENGE,
            &CLIENT_CHALLENGE,
            0,
            &example_av_pairs(),
        );
        // NTProofStr, then temp as the example lays it out.
        assert_eq!(
            response.nt_response[..16].to_vec(),
            hex("68cd0ab851e51c96aabc927bebef6a1c")
        );
        assert_eq!(
            response.nt_response[16..].to_vec(),
            [
                hex("0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000"),
                example_av_pairs(),
                hex("00000000"),
            ]
            .concat()
        );
        assert_eq!(
            response.lm_response.to_vec(),
            hex("86c35097ac9cec102554764a57cccc19 aaaaaaaaaaaaaaaa")
        );
        assert_eq!(
            response.session_base_key.to_vec(),
            hex("8de40ccadbc14a82f15cb0ad0de95ca3")
        );
    }

    #[test]
    fn user_is_uppercased_but_domain_is_not() {
        let password = SecretString::from("Password");
        assert_eq!(ntowfv2(&password, "user", "Domain"), key());
        assert_ne!(ntowfv2(&password, "User", "DOMAIN"), key());
    }
}
