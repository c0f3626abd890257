//! How endpoints appear in logs, errors and `Debug` output: redacted.

use url::Url;

/// `url` redacted for display: without user name, password, query or fragment,
/// the parts that can carry a secret (a query may hold a token).
pub(crate) fn redacted_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Both fail only for URLs that cannot have credentials at all.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}
