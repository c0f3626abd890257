//! The client side of one NTLM handshake: NEGOTIATE out, CHALLENGE in,
//! AUTHENTICATE out (MS-NLMP 3.1.5), without I/O.

use super::credentials::NtlmCredentials;
use super::crypto::{hmac_md5, ntowfv2, utf16le, v2_response};
use super::message::{
    AuthenticateFields, AvPair, MIC_OFFSET, MessageError, authenticate, av, flags, negotiate,
    parse_challenge,
};

/// What the client adds to the server's target info and to the response.
pub(crate) struct ClientInputs<'a> {
    /// The service principal name the client means to reach (`HTTP/<host>`),
    /// sent as `MsvAvTargetName`.
    pub(crate) target_name: &'a str,
    /// `MD5(gss_channel_bindings_struct)` of the TLS channel, sent as
    /// `MsvAvChannelBindings`; zeros when there is no channel to bind to.
    pub(crate) channel_bindings: [u8; 16],
    /// Eight random bytes, fresh for every handshake.
    pub(crate) client_challenge: [u8; 8],
    /// The time now as a FILETIME, used when the server sent no timestamp.
    pub(crate) now: u64,
}

/// One handshake in progress: keeps the NEGOTIATE message, which the MIC covers.
pub(crate) struct NtlmClient {
    negotiate: Vec<u8>,
}

impl NtlmClient {
    pub(crate) fn new() -> Self {
        Self {
            negotiate: negotiate(),
        }
    }

    /// The NEGOTIATE message to send first.
    pub(crate) fn negotiate_message(&self) -> &[u8] {
        &self.negotiate
    }

    /// The AUTHENTICATE message answering the server's `challenge`.
    ///
    /// Always NTLMv2, with a MIC over the three messages (and so `MsvAvFlags`
    /// announcing it), the target name and the channel bindings. When the server
    /// sent a timestamp the LM response is zeros and the server's time is used, as
    /// MS-NLMP 3.1.5.1.2 requires.
    pub(crate) fn authenticate(
        &self,
        credentials: &NtlmCredentials,
        challenge: &[u8],
        inputs: &ClientInputs<'_>,
    ) -> Result<Vec<u8>, MessageError> {
        let parsed = parse_challenge(challenge)?;
        let server_time = parsed.timestamp();
        let av_pairs = client_av_pairs(&parsed.target_info, inputs);
        let key = ntowfv2(
            credentials.password(),
            credentials.user(),
            credentials.domain(),
        );
        let response = v2_response(
            &key,
            &parsed.server_challenge,
            &inputs.client_challenge,
            server_time.unwrap_or(inputs.now),
            &av_pairs,
        );
        let lm_response = if server_time.is_some() {
            [0; 24]
        } else {
            response.lm_response
        };
        let agreed = (parsed.flags & flags::REQUESTED) | flags::UNICODE | flags::NTLM;
        let mut message = authenticate(&AuthenticateFields {
            flags: agreed,
            lm_response: &lm_response,
            nt_response: &response.nt_response,
            domain: &utf16le(credentials.domain()),
            user: &utf16le(credentials.user()),
            workstation: &[],
        })
        .ok_or(MessageError::Truncated("a field longer than 65,535 bytes"))?;
        // No key exchange: the exported session key is the session base key.
        let mic = hmac_md5(
            &response.session_base_key,
            &[&self.negotiate, challenge, &message],
        );
        message[MIC_OFFSET..MIC_OFFSET + 16].copy_from_slice(&mic);
        Ok(message)
    }
}

/// The server's target info with the client's pairs set, ending in `MsvAvEOL`.
fn client_av_pairs(server: &[AvPair], inputs: &ClientInputs<'_>) -> Vec<u8> {
    let mut server_flags = 0u32;
    let mut out = Vec::new();
    let mut push = |id: u16, value: &[u8]| {
        // Values come from a message whose lengths were u16, or are short here.
        let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&value[..usize::from(len)]);
    };
    for pair in server {
        match pair.id {
            av::FLAGS => {
                if let Ok(bytes) = <[u8; 4]>::try_from(pair.value.as_slice()) {
                    server_flags = u32::from_le_bytes(bytes);
                }
            }
            av::TARGET_NAME | av::CHANNEL_BINDINGS | av::EOL => {}
            _ => push(pair.id, &pair.value),
        }
    }
    push(av::FLAGS, &(server_flags | av::FLAG_MIC).to_le_bytes());
    push(av::CHANNEL_BINDINGS, &inputs.channel_bindings);
    push(av::TARGET_NAME, &utf16le(inputs.target_name));
    push(av::EOL, &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::ntlm::crypto::tests::{CLIENT_CHALLENGE, hex};
    use crate::transport::ntlm::message::tests::example_challenge;

    fn inputs() -> ClientInputs<'static> {
        ClientInputs {
            target_name: "HTTP/mail.contoso.com",
            channel_bindings: [0; 16],
            client_challenge: CLIENT_CHALLENGE,
            now: 0,
        }
    }

    fn credentials() -> NtlmCredentials {
        NtlmCredentials::new("User", "Domain", "Password").unwrap()
    }

    /// Reads back the payload of the field at `at`.
    fn field(message: &[u8], at: usize) -> &[u8] {
        let len = usize::from(u16::from_le_bytes([message[at], message[at + 1]]));
        let offset = u32::from_le_bytes(message[at + 4..at + 8].try_into().unwrap()) as usize;
        &message[offset..offset + len]
    }

    #[test]
    fn answers_the_example_challenge_with_an_ntlmv2_response() {
        let client = NtlmClient::new();
        let challenge = example_challenge();
        let message = client
            .authenticate(&credentials(), &challenge, &inputs())
            .unwrap();

        assert_eq!(field(&message, 28), utf16le("Domain"));
        assert_eq!(field(&message, 36), utf16le("User"));
        // No server timestamp: the LMv2 response of the published example.
        assert_eq!(
            field(&message, 12).to_vec(),
            hex("86c35097ac9cec102554764a57cccc19 aaaaaaaaaaaaaaaa")
        );
        let nt = field(&message, 20);
        let temp = &nt[16..];
        assert_eq!(
            temp[..28].to_vec(),
            hex("0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000")
        );
        // The server's pairs come first, then flags (MIC), bindings, target name.
        let av_pairs = &temp[28..temp.len() - 4];
        assert!(av_pairs.starts_with(&hex(
            "02000c00 44006f006d00610069006e00 01000c00 530065007200760065007200 06000400 02000000 0a001000"
        )));
        assert!(av_pairs.ends_with(&[utf16le("HTTP/mail.contoso.com"), vec![0, 0, 0, 0]].concat()));

        // The NTProofStr is what NTOWFv2 gives over this temp, and the MIC is
        // HMAC-MD5 under the session key over the three messages.
        let key = ntowfv2(&"Password".into(), "User", "Domain");
        let proof = hmac_md5(
            &key,
            &[
                &crate::transport::ntlm::crypto::tests::SERVER_CHALLENGE,
                temp,
            ],
        );
        assert_eq!(&nt[..16], &proof);
        let session_key = hmac_md5(&key, &[&proof]);
        let mut zeroed = message.clone();
        zeroed[MIC_OFFSET..MIC_OFFSET + 16].fill(0);
        let mic = hmac_md5(
            &session_key,
            &[client.negotiate_message(), &challenge, &zeroed],
        );
        assert_eq!(&message[MIC_OFFSET..MIC_OFFSET + 16], &mic);
    }

    #[test]
    fn uses_the_server_time_and_no_lm_response_when_the_server_sends_a_timestamp() {
        let mut challenge = example_challenge();
        // Append MsvAvTimestamp before EOL: grow the target info by 12 bytes.
        let eol = challenge.len() - 4;
        let time: u64 = 0x01d9_0000_1234_5678;
        let mut pair = vec![7, 0, 8, 0];
        pair.extend_from_slice(&time.to_le_bytes());
        challenge.splice(eol..eol, pair);
        challenge[40] += 12;
        challenge[42] += 12;

        let message = NtlmClient::new()
            .authenticate(&credentials(), &challenge, &inputs())
            .unwrap();
        assert_eq!(field(&message, 12), &[0; 24]);
        let temp = &field(&message, 20)[16..];
        assert_eq!(&temp[8..16], &time.to_le_bytes());
    }

    #[test]
    fn a_bad_challenge_is_an_error_not_a_panic() {
        let client = NtlmClient::new();
        for token in [&b""[..], b"NTLMSSP\0", &example_challenge()[..30]] {
            assert!(
                client
                    .authenticate(&credentials(), token, &inputs())
                    .is_err()
            );
        }
    }
}
