//! DNS messages for SRV lookups (RFC 1035, RFC 2782): the query written, the
//! response read. Pure and synchronous; every read is bounds-checked, so a
//! hostile packet gives an error, never a panic.

use std::time::Duration;

use super::{SrvError, SrvRecord};
use crate::address::Domain;

/// The SRV record type.
const TYPE_SRV: u16 = 33;
/// The Internet class.
const CLASS_IN: u16 = 1;
/// The most compression pointers followed in one name.
const MAX_JUMPS: usize = 16;
/// The longest name on the wire (RFC 1035 2.3.4).
const MAX_NAME_BYTES: usize = 255;
const HEADER_LEN: usize = 12;

/// Writes a standard query for the SRV records of `name`: recursion desired,
/// one question, type SRV, class IN.
///
/// # Errors
/// When `name` cannot be encoded: an empty label, a label over 63 bytes, a
/// name over 255 bytes, or a byte that is not printable ASCII.
pub(crate) fn write_query(id: u16, name: &str) -> Result<Vec<u8>, SrvError> {
    let mut packet = Vec::with_capacity(HEADER_LEN + name.len() + 6);
    packet.extend_from_slice(&id.to_be_bytes());
    packet.extend_from_slice(&[0x01, 0x00]); // RD=1
    packet.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QD=1, AN=NS=AR=0
    let bad = |rule: &str| SrvError::new(format!("cannot query SRV records of {name:?}: {rule}"));
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Err(bad("the name is empty"));
    }
    let start = packet.len();
    for label in trimmed.split('.') {
        if label.is_empty() {
            return Err(bad("a label is empty"));
        }
        if label.len() > 63 {
            return Err(bad("a label is longer than 63 bytes"));
        }
        if !label.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("only printable ASCII is allowed"));
        }
        packet.push(label.len() as u8); // at most 63: checked above
        packet.extend_from_slice(label.as_bytes());
    }
    packet.push(0);
    if packet.len() - start > MAX_NAME_BYTES {
        return Err(bad("the name is longer than 255 bytes"));
    }
    packet.extend_from_slice(&TYPE_SRV.to_be_bytes());
    packet.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(packet)
}

/// Reads a response to the query `id` for `name`.
///
/// `Ok(None)` when the packet carries another id or another question (a late
/// or forged reply): the caller keeps waiting. `Ok(Some(records))` with the
/// SRV answers owned by `name`; empty for NXDOMAIN or no such record. Targets
/// that are not valid host names, and the "no service" target `.`, are left
/// out.
///
/// # Errors
/// A malformed packet, a truncated response (TC bit: TCP is not supported),
/// or an error RCODE (SERVFAIL, REFUSED, ...).
pub(crate) fn read_response(
    packet: &[u8],
    id: u16,
    name: &str,
) -> Result<Option<Vec<SrvRecord>>, SrvError> {
    let mut r = Reader { packet, pos: 0 };
    let got_id = r.u16()?;
    let flags = r.u16()?;
    let questions = r.u16()?;
    let answers = r.u16()?;
    r.u16()?; // authority records: not read
    r.u16()?; // additional records: not read
    if got_id != id {
        return Ok(None);
    }
    if flags & 0x8000 == 0 {
        return Err(malformed("the QR bit is not set: not a response"));
    }
    if flags & 0x0200 != 0 {
        return Err(SrvError::new(
            "the DNS response was truncated; TCP is not supported",
        ));
    }
    match flags & 0x000f {
        0 => {}
        3 => return Ok(Some(Vec::new())), // NXDOMAIN
        code => {
            return Err(SrvError::new(format!(
                "the DNS server answered {}",
                rcode_name(code)
            )));
        }
    }
    let wanted = name.strip_suffix('.').unwrap_or(name);
    for _ in 0..questions {
        let asked = r.name()?;
        let qtype = r.u16()?;
        r.u16()?; // class
        // A well-formed reply echoes the question; another one is not ours.
        if !asked.eq_ignore_ascii_case(wanted) || qtype != TYPE_SRV {
            return Ok(None);
        }
    }
    let mut records = Vec::new();
    for _ in 0..answers {
        let owner = r.name()?;
        let rtype = r.u16()?;
        let class = r.u16()?;
        let ttl = r.u32()?;
        let len = usize::from(r.u16()?);
        let rdata_start = r.pos;
        let rdata_end = rdata_start + len;
        r.take(len)?;
        if rtype != TYPE_SRV || class != CLASS_IN || !owner.eq_ignore_ascii_case(wanted) {
            continue;
        }
        let mut rd = Reader {
            packet,
            pos: rdata_start,
        };
        let priority = rd.u16()?;
        let weight = rd.u16()?;
        let port = rd.u16()?;
        let target = rd.name()?;
        if rd.pos > rdata_end {
            return Err(malformed("an SRV record runs past its data length"));
        }
        if target.is_empty() {
            continue; // "." : the service is decidedly not available here
        }
        match Domain::parse(&target) {
            Ok(host) => records.push(SrvRecord {
                priority,
                weight,
                port,
                target: host.to_string(),
                // RFC 2181 8: a TTL with the top bit set counts as zero.
                ttl: Duration::from_secs(if ttl & 0x8000_0000 != 0 {
                    0
                } else {
                    ttl.into()
                }),
            }),
            Err(err) => tracing::debug!(target = %target, %err, "SRV target left out"),
        }
    }
    Ok(Some(records))
}

fn rcode_name(code: u16) -> String {
    let name = match code {
        1 => "FORMERR (format error)",
        2 => "SERVFAIL (server failure)",
        4 => "NOTIMP (not implemented)",
        5 => "REFUSED",
        _ => return format!("error code {code}"),
    };
    name.to_owned()
}

fn malformed(what: &str) -> SrvError {
    SrvError::new(format!("malformed DNS response: {what}"))
}

/// A cursor over the packet; every read checks the bounds.
struct Reader<'a> {
    packet: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], SrvError> {
        let bytes = self
            .pos
            .checked_add(n)
            .and_then(|end| self.packet.get(self.pos..end))
            .ok_or_else(|| malformed("it ends too early"))?;
        self.pos += n;
        Ok(bytes)
    }

    fn u16(&mut self) -> Result<u16, SrvError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, SrvError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a possibly compressed name, lower-cased and without the final
    /// dot ("" for the root), and moves past it.
    fn name(&mut self) -> Result<String, SrvError> {
        let mut name = String::new();
        let mut wire_len = 1;
        let mut at = self.pos;
        let mut jumps = 0;
        let mut resume = None;
        loop {
            let len = *self
                .packet
                .get(at)
                .ok_or_else(|| malformed("a name ends too early"))?;
            match len & 0xc0 {
                0x00 if len == 0 => {
                    at += 1;
                    break;
                }
                0x00 => {
                    let label = self
                        .packet
                        .get(at + 1..at + 1 + usize::from(len))
                        .ok_or_else(|| malformed("a label runs past the end"))?;
                    wire_len += label.len() + 1;
                    if wire_len > MAX_NAME_BYTES {
                        return Err(malformed("a name is longer than 255 bytes"));
                    }
                    if !label.iter().all(|b| b.is_ascii_graphic() && *b != b'.') {
                        return Err(malformed("a label is not printable ASCII"));
                    }
                    if !name.is_empty() {
                        name.push('.');
                    }
                    label.iter().for_each(|b| name.push(char::from(*b)));
                    at += 1 + label.len();
                }
                0xc0 => {
                    let low = *self
                        .packet
                        .get(at + 1)
                        .ok_or_else(|| malformed("a compression pointer ends too early"))?;
                    let target = usize::from(u16::from_be_bytes([len & 0x3f, low]));
                    jumps += 1;
                    if jumps > MAX_JUMPS {
                        return Err(malformed("too many compression pointers in a name"));
                    }
                    // Only backwards: a pointer to itself or forward could loop.
                    if target >= at {
                        return Err(malformed("a compression pointer does not point backwards"));
                    }
                    resume.get_or_insert(at + 2);
                    at = target;
                }
                _ => return Err(malformed("an unknown label type")),
            }
        }
        self.pos = resume.unwrap_or(at);
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NAME: &str = "_autodiscover._tcp.contoso.com";

    /// A response to `write_query(7, NAME)` with one SRV answer whose owner
    /// points at the question and whose target is `mail` + pointer to
    /// `contoso.com` in the question.
    fn response() -> Vec<u8> {
        let mut p = write_query(7, NAME).unwrap();
        p[2] = 0x81;
        p[3] = 0x80;
        p[7] = 1; // one answer
        p.extend_from_slice(&[0xc0, 12, 0, 33, 0, 1, 0, 0, 0x0e, 0x10]);
        let target_len_pos = p.len();
        p.extend_from_slice(&[0, 0, 0, 10, 0, 5, 0x01, 0xbb, 4, b'm', b'a', b'i', b'l']);
        // "contoso.com" starts after the 1+13 and 1+4 bytes of the first labels.
        p.extend_from_slice(&[0xc0, 12 + 14 + 5]);
        let rdlen = (p.len() - target_len_pos - 2) as u16;
        p[target_len_pos..target_len_pos + 2].copy_from_slice(&rdlen.to_be_bytes());
        p
    }

    #[test]
    fn the_query_is_a_standard_srv_question() {
        let q = write_query(0xabcd, "_x._tcp.a.b.").unwrap();
        assert_eq!(&q[..12], &[0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x02_x\x04_tcp\x01a\x01b\x00\x00\x21\x00\x01");
        assert!(write_query(1, "a..b").is_err());
        assert!(write_query(1, &"a".repeat(64)).is_err());
        assert!(write_query(1, &["abcdefghi"; 30].join(".")).is_err());
        assert!(write_query(1, "").is_err());
    }

    #[test]
    fn a_compressed_answer_is_read() {
        let records = read_response(&response(), 7, NAME).unwrap().unwrap();
        assert_eq!(
            records,
            [SrvRecord {
                priority: 10,
                weight: 5,
                port: 443,
                target: "mail.contoso.com".into(),
                ttl: Duration::from_secs(3600),
            }]
        );
        // Owner names compare without regard to case.
        let upper = read_response(&response(), 7, &NAME.to_uppercase());
        assert_eq!(upper.unwrap().unwrap().len(), 1);
        assert_eq!(read_response(&response(), 8, NAME).unwrap(), None);
        let other = "_autodiscover._tcp.fabrikam.com";
        assert_eq!(read_response(&response(), 7, other).unwrap(), None);
    }

    #[test]
    fn pointer_loops_and_forward_pointers_are_errors() {
        let mut p = response();
        let owner = p.len() - 25;
        // The answer's owner points at itself.
        p[owner..owner + 2].copy_from_slice(&[0xc0, owner as u8]);
        let err = read_response(&p, 7, NAME).unwrap_err();
        assert!(err.to_string().contains("backwards"), "{err}");
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = read_response(&bytes, 7, NAME);
        }

        #[test]
        fn mutated_responses_never_panic(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in any::<usize>(),
        ) {
            let mut p = response();
            for (at, byte) in edits {
                let i = at % p.len();
                p[i] = byte;
            }
            let keep = cut % (p.len() + 1);
            let _ = read_response(&p[..keep], 7, NAME);
            let _ = read_response(&p, 7, NAME);
        }
    }
}
