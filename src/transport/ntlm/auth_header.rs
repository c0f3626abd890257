//! The `WWW-Authenticate` and `Authorization` headers of HTTP NTLM (MS-NTHT).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The HTTP authentication scheme an NTLM token travels under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `NTLM`: the scheme IIS offers for NTLM alone.
    Ntlm,
    /// `Negotiate` (SPNEGO): Windows accepts a raw NTLM token under it too, so
    /// it serves when a server offers only `Negotiate`.
    Negotiate,
}

impl Scheme {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Ntlm => "NTLM",
            Self::Negotiate => "Negotiate",
        }
    }
}

/// The raw `WWW-Authenticate` values of a reply's headers, as [`offers`] and
/// [`token`] read them.
pub(crate) fn header_values(headers: &hyper::HeaderMap) -> Vec<&[u8]> {
    headers
        .get_all(hyper::header::WWW_AUTHENTICATE)
        .iter()
        .map(hyper::header::HeaderValue::as_bytes)
        .collect()
}

/// The `Authorization` value carrying `token` under `scheme`.
pub(crate) fn authorization(scheme: Scheme, token: &[u8]) -> String {
    format!("{} {}", scheme.as_str(), STANDARD.encode(token))
}

/// Every challenge in `WWW-Authenticate` values: (scheme, rest), one per
/// comma-separated item. Parameters of other schemes (`realm="..."`) show up as
/// items of their own; they never match `NTLM` or `Negotiate`.
fn challenges<'a>(values: &'a [&'a [u8]]) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    values
        .iter()
        .filter_map(|value| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.split_once(' ')
                .map_or((item, ""), |(s, r)| (s, r.trim()))
        })
}

/// Whether the server offers `scheme`.
pub(crate) fn offers(values: &[&[u8]], scheme: Scheme) -> bool {
    challenges(values).any(|(name, _)| name.eq_ignore_ascii_case(scheme.as_str()))
}

/// The schemes offered, for logs (`"Negotiate, NTLM"`).
pub(crate) fn offered(values: &[&[u8]]) -> String {
    challenges(values)
        .map(|(name, _)| name)
        .filter(|name| !name.contains('='))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The token the server sent under `scheme`: `None` when there is none,
/// `Some(Err)` when it is not base64.
pub(crate) fn token(
    values: &[&[u8]],
    scheme: Scheme,
) -> Option<Result<Vec<u8>, base64::DecodeError>> {
    challenges(values)
        .find(|(name, rest)| name.eq_ignore_ascii_case(scheme.as_str()) && !rest.is_empty())
        .map(|(_, token)| STANDARD.decode(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_among_other_challenges() {
        let values: [&[u8]; 3] = [
            b"Negotiate",
            b"NTLM TlRMTVNTUAACAAAA",
            b"Basic realm=\"mail\"",
        ];
        assert!(offers(&values, Scheme::Ntlm) && offers(&values, Scheme::Negotiate));
        assert_eq!(
            token(&values, Scheme::Ntlm),
            Some(Ok(b"NTLMSSP\0\x02\0\0\0".to_vec()))
        );
        assert_eq!(token(&values, Scheme::Negotiate), None);
        assert_eq!(offered(&values), "Negotiate, NTLM, Basic");

        let one_line: [&[u8]; 1] = [b"Basic realm=\"x\", ntlm  TlRMTVNTUAACAAAA "];
        assert_eq!(
            token(&one_line, Scheme::Ntlm),
            Some(Ok(b"NTLMSSP\0\x02\0\0\0".to_vec()))
        );
        assert!(token(&[b"NTLM not*base64"], Scheme::Ntlm).unwrap().is_err());
        assert!(!offers(&[b"Basic realm=\"NTLM\""], Scheme::Ntlm));
    }

    #[test]
    fn authorization_header() {
        assert_eq!(
            authorization(Scheme::Ntlm, b"NTLMSSP\0"),
            "NTLM TlRMTVNTUAA="
        );
        assert_eq!(authorization(Scheme::Negotiate, b"x"), "Negotiate eA==");
    }
}
