//! How endpoints appear in logs, errors and `Debug` output.

use url::Url;

/// `url` without user name, password, query or fragment: safe to show.
pub(crate) fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Both fail only for URLs that cannot have credentials at all.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}
