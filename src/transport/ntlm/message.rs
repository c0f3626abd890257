//! The three NTLM messages on the wire (MS-NLMP section 2.2.1): writing
//! NEGOTIATE and AUTHENTICATE, reading CHALLENGE.

use thiserror::Error;

const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// Negotiate flags (MS-NLMP 2.2.2.5) this client uses.
pub(crate) mod flags {
    pub(crate) const UNICODE: u32 = 0x0000_0001;
    pub(crate) const REQUEST_TARGET: u32 = 0x0000_0004;
    pub(crate) const NTLM: u32 = 0x0000_0200;
    pub(crate) const ALWAYS_SIGN: u32 = 0x0000_8000;
    pub(crate) const EXTENDED_SESSION_SECURITY: u32 = 0x0008_0000;
    pub(crate) const TARGET_INFO: u32 = 0x0080_0000;
    pub(crate) const VERSION: u32 = 0x0200_0000;
    pub(crate) const KEY_128: u32 = 0x2000_0000;
    pub(crate) const KEY_56: u32 = 0x8000_0000;

    /// What the client asks for: Unicode strings, NTLM with extended session
    /// security (NTLMv2 is chosen by the response, not by a flag), no signing or
    /// sealing (HTTP does not use them) and hence no key exchange.
    pub(crate) const REQUESTED: u32 = UNICODE
        | REQUEST_TARGET
        | NTLM
        | ALWAYS_SIGN
        | EXTENDED_SESSION_SECURITY
        | VERSION
        | KEY_128
        | KEY_56;
}

/// AV pair ids (MS-NLMP 2.2.2.1) the client reads or writes.
pub(crate) mod av {
    pub(crate) const EOL: u16 = 0;
    pub(crate) const FLAGS: u16 = 6;
    pub(crate) const TIMESTAMP: u16 = 7;
    pub(crate) const TARGET_NAME: u16 = 9;
    pub(crate) const CHANNEL_BINDINGS: u16 = 10;
    /// `MsvAvFlags` bit: the AUTHENTICATE message carries a MIC.
    pub(crate) const FLAG_MIC: u32 = 0x2;
}

/// The VERSION structure the client sends: Windows 10.0, NTLM revision 15. It
/// is informational only.
const VERSION: [u8; 8] = [10, 0, 0, 0, 0, 0, 0, 0x0f];

/// The offset of the MIC in the AUTHENTICATE message this client writes.
pub(crate) const MIC_OFFSET: usize = 72;
/// The fixed part of the AUTHENTICATE message: header, version and MIC.
const AUTHENTICATE_HEADER: usize = MIC_OFFSET + 16;

/// A CHALLENGE message the client cannot use.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum MessageError {
    /// The token is not an NTLM message at all.
    #[error("the server's token is not an NTLM message (no NTLMSSP signature)")]
    Signature,
    /// The token is an NTLM message of another type.
    #[error("the server sent NTLM message type {0} where a CHALLENGE (type 2) was expected")]
    WrongType(u32),
    /// The message ends before a field it announces.
    #[error("the server's CHALLENGE message is truncated: {0} lies outside the message")]
    Truncated(&'static str),
    /// The server did not agree to Unicode strings.
    #[error("the server's CHALLENGE does not accept Unicode strings; only Unicode is supported")]
    NoUnicode,
}

/// An AV pair of the server's target info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AvPair {
    pub(crate) id: u16,
    pub(crate) value: Vec<u8>,
}

/// A CHALLENGE message as the client uses it.
#[derive(Debug)]
pub(crate) struct Challenge {
    pub(crate) flags: u32,
    pub(crate) server_challenge: [u8; 8],
    /// The target info, without the closing `MsvAvEOL`.
    pub(crate) target_info: Vec<AvPair>,
}

impl Challenge {
    /// The server's timestamp (`MsvAvTimestamp`), if it sent one.
    pub(crate) fn timestamp(&self) -> Option<u64> {
        self.target_info
            .iter()
            .find(|pair| pair.id == av::TIMESTAMP)
            .and_then(|pair| pair.value.as_slice().try_into().ok())
            .map(u64::from_le_bytes)
    }
}

/// The NEGOTIATE message: the requested flags, no domain or workstation.
pub(crate) fn negotiate() -> Vec<u8> {
    let mut message = Vec::with_capacity(40);
    message.extend_from_slice(SIGNATURE);
    message.extend_from_slice(&1u32.to_le_bytes());
    message.extend_from_slice(&flags::REQUESTED.to_le_bytes());
    message.extend_from_slice(&[0; 16]); // DomainNameFields, WorkstationFields
    message.extend_from_slice(&VERSION);
    message
}

/// Reads a CHALLENGE message.
pub(crate) fn parse_challenge(message: &[u8]) -> Result<Challenge, MessageError> {
    if message.len() < 12 || &message[..8] != SIGNATURE {
        return Err(MessageError::Signature);
    }
    let kind = u32_at(message, 8).ok_or(MessageError::Truncated("the message type"))?;
    if kind != 2 {
        return Err(MessageError::WrongType(kind));
    }
    let flags = u32_at(message, 20).ok_or(MessageError::Truncated("the negotiate flags"))?;
    let server_challenge: [u8; 8] = message
        .get(24..32)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(MessageError::Truncated("the server challenge"))?;
    if flags & flags::UNICODE == 0 {
        return Err(MessageError::NoUnicode);
    }
    let target_info = if flags & flags::TARGET_INFO != 0 && message.len() >= 48 {
        parse_av_pairs(field(message, 40, "the target info")?)?
    } else {
        Vec::new()
    };
    Ok(Challenge {
        flags,
        server_challenge,
        target_info,
    })
}

fn parse_av_pairs(mut bytes: &[u8]) -> Result<Vec<AvPair>, MessageError> {
    let mut pairs = Vec::new();
    while bytes.len() >= 4 {
        let id = u16::from_le_bytes([bytes[0], bytes[1]]);
        let len = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
        if id == av::EOL {
            return Ok(pairs);
        }
        let value = bytes
            .get(4..4 + len)
            .ok_or(MessageError::Truncated("an AV pair of the target info"))?;
        pairs.push(AvPair {
            id,
            value: value.to_vec(),
        });
        bytes = &bytes[4 + len..];
    }
    // Some servers omit MsvAvEOL at the very end; what came before is usable.
    Ok(pairs)
}

/// The payload a `(length, max length, offset)` field at `at` points to.
fn field<'m>(message: &'m [u8], at: usize, name: &'static str) -> Result<&'m [u8], MessageError> {
    let len = message
        .get(at..at + 2)
        .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
        .ok_or(MessageError::Truncated(name))?;
    let offset = u32_at(message, at + 4).ok_or(MessageError::Truncated(name))?;
    let offset = usize::try_from(offset).map_err(|_| MessageError::Truncated(name))?;
    message
        .get(offset..offset.saturating_add(len))
        .ok_or(MessageError::Truncated(name))
}

fn u32_at(message: &[u8], at: usize) -> Option<u32> {
    message
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
}

/// The variable fields of an AUTHENTICATE message (strings already UTF-16LE).
pub(crate) struct AuthenticateFields<'a> {
    pub(crate) flags: u32,
    pub(crate) lm_response: &'a [u8],
    pub(crate) nt_response: &'a [u8],
    pub(crate) domain: &'a [u8],
    pub(crate) user: &'a [u8],
    pub(crate) workstation: &'a [u8],
}

/// Writes an AUTHENTICATE message with a zero MIC at [`MIC_OFFSET`], to be
/// filled in once the whole message is known.
///
/// Returns `None` when a field is longer than the 65,535 bytes the format allows.
pub(crate) fn authenticate(fields: &AuthenticateFields<'_>) -> Option<Vec<u8>> {
    let payloads: [&[u8]; 6] = [
        fields.lm_response,
        fields.nt_response,
        fields.domain,
        fields.user,
        fields.workstation,
        &[], // EncryptedRandomSessionKey: no key exchange
    ];
    let total = AUTHENTICATE_HEADER + payloads.iter().map(|p| p.len()).sum::<usize>();
    let mut message = Vec::with_capacity(total);
    message.extend_from_slice(SIGNATURE);
    message.extend_from_slice(&3u32.to_le_bytes());
    // Payloads follow the header in the order domain, user, workstation, LM, NT,
    // session key, as Windows writes them; the fields are in the format's order.
    let order = [2, 3, 4, 0, 1, 5];
    let mut offsets = [0usize; 6];
    let mut next = AUTHENTICATE_HEADER;
    for index in order {
        offsets[index] = next;
        next += payloads[index].len();
    }
    for (payload, offset) in payloads.iter().zip(offsets) {
        let len = u16::try_from(payload.len()).ok()?;
        let offset = u32::try_from(offset).ok()?;
        message.extend_from_slice(&len.to_le_bytes());
        message.extend_from_slice(&len.to_le_bytes());
        message.extend_from_slice(&offset.to_le_bytes());
    }
    message.extend_from_slice(&fields.flags.to_le_bytes());
    message.extend_from_slice(&VERSION);
    message.extend_from_slice(&[0; 16]); // MIC
    for index in order {
        message.extend_from_slice(payloads[index]);
    }
    Some(message)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::transport::ntlm::crypto::tests::{SERVER_CHALLENGE, example_av_pairs, hex};

    /// A CHALLENGE with the flags (33 82 8a e2), server challenge, target name
    /// and target info of the MS-NLMP 4.2.4 example.
    pub(crate) fn example_challenge() -> Vec<u8> {
        let target_name = hex("530065007200760065007200");
        let target_info = example_av_pairs();
        let mut message = Vec::new();
        message.extend_from_slice(b"NTLMSSP\0");
        message.extend_from_slice(&2u32.to_le_bytes());
        message.extend_from_slice(&[12, 0, 12, 0, 56, 0, 0, 0]);
        message.extend_from_slice(&0xe28a_8233u32.to_le_bytes());
        message.extend_from_slice(&SERVER_CHALLENGE);
        message.extend_from_slice(&[0; 8]);
        message.extend_from_slice(&[36, 0, 36, 0, 68, 0, 0, 0]);
        message.extend_from_slice(&[6, 0, 0x70, 0x17, 0, 0, 0, 0x0f]);
        message.extend_from_slice(&target_name);
        message.extend_from_slice(&target_info);
        message
    }

    #[test]
    fn reads_the_example_challenge() {
        let challenge = parse_challenge(&example_challenge()).unwrap();
        assert_eq!(challenge.flags, 0xe28a_8233);
        assert_eq!(challenge.server_challenge, SERVER_CHALLENGE);
        assert_eq!(
            challenge.target_info,
            [
                AvPair {
                    id: 2,
                    value: hex("44006f006d00610069006e00")
                },
                AvPair {
                    id: 1,
                    value: hex("530065007200760065007200")
                },
            ]
        );
        assert_eq!(challenge.timestamp(), None);
    }

    #[test]
    fn refuses_what_is_not_a_usable_challenge() {
        assert_eq!(
            parse_challenge(b"HTTP/1.1 401").unwrap_err(),
            MessageError::Signature
        );
        assert_eq!(
            parse_challenge(&negotiate()).unwrap_err(),
            MessageError::WrongType(1)
        );
        let full = example_challenge();
        for len in [12, 20, 30] {
            assert!(matches!(
                parse_challenge(&full[..len]),
                Err(MessageError::Truncated(_))
            ));
        }
        // Target info pointing past the end.
        let mut bad = full.clone();
        bad[40] = 200;
        assert!(matches!(
            parse_challenge(&bad),
            Err(MessageError::Truncated(_))
        ));
        // An AV pair longer than the target info.
        let mut bad = full.clone();
        bad[70] = 200;
        assert!(matches!(
            parse_challenge(&bad),
            Err(MessageError::Truncated(_))
        ));
        let mut oem = full;
        oem[20] &= !1;
        assert_eq!(parse_challenge(&oem).unwrap_err(), MessageError::NoUnicode);
    }

    #[test]
    fn negotiate_asks_for_unicode_ntlm_without_key_exchange() {
        let message = negotiate();
        assert_eq!(&message[..12], b"NTLMSSP\0\x01\0\0\0");
        let requested = u32_at(&message, 12).unwrap();
        assert_eq!(requested & flags::UNICODE, flags::UNICODE);
        assert_eq!(requested & 0x4000_0000, 0, "no KEY_EXCH");
        assert_eq!(message.len(), 40);
    }

    #[test]
    fn authenticate_points_every_field_at_its_payload() {
        let fields = AuthenticateFields {
            flags: 0x1234_5678,
            lm_response: &[1; 24],
            nt_response: &[2; 50],
            domain: b"D\0",
            user: b"U\0s\0",
            workstation: b"",
        };
        let message = authenticate(&fields).unwrap();
        for (at, expected) in [
            (12, &[1u8; 24][..]),
            (20, &[2; 50]),
            (28, b"D\0"),
            (36, b"U\0s\0"),
        ] {
            assert_eq!(
                field(&message, at, "test").unwrap(),
                expected,
                "field at {at}"
            );
        }
        assert_eq!(u32_at(&message, 60), Some(0x1234_5678));
        assert_eq!(&message[MIC_OFFSET..MIC_OFFSET + 16], &[0; 16]);
        assert_eq!(field(&message, 28, "domain").map(|_| ()), Ok(()));
        // The first payload starts right after the MIC.
        assert_eq!(u32_at(&message, 32), Some(88));
    }
}
