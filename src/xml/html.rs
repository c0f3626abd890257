//! Escaping caller text for HTML that is also well-formed XML.

/// Appends `text` to `out` escaped for HTML text or a quoted attribute value.
///
/// Escapes `&`, `<`, `>`, `"` and `'` (as `&amp;`, `&lt;`, `&gt;`, `&quot;` and
/// `&#39;`): only entities that both HTML and XML know, so the result is valid in
/// either. Everything else, including line breaks, is copied unchanged; apply
/// [`xml_safe`](crate::compose::xml_safe) first if `text` may hold characters XML cannot carry.
///
/// ```
/// let mut out = String::new();
/// offline_im::compose::escape_html("<b>Tom & \"Jerry's\"</b>", &mut out);
/// assert_eq!(out, "&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;");
/// ```
pub fn escape_html(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(pos) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..pos]);
        let entity = match rest.as_bytes()[pos] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        };
        out.push_str(entity);
        rest = &rest[pos + 1..];
    }
    out.push_str(rest);
}

/// Appends `text` escaped as by [`escape_html`], with each line break (`\r\n`, `\r`
/// or `\n`) written as `<br/>`.
///
/// ```
/// let mut out = String::new();
/// offline_im::compose::escape_html_lines("a<b\r\nc", &mut out);
/// assert_eq!(out, "a&lt;b<br/>c");
/// ```
pub fn escape_html_lines(text: &str, out: &mut String) {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    for (i, part) in normalized.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br/>");
        }
        escape_html(part, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut out = String::new();
        escape_html(s, &mut out);
        out
    }

    #[test]
    fn escapes_the_five_characters_and_nothing_else() {
        assert_eq!(esc("&amp;"), "&amp;amp;");
        assert_eq!(esc("]]>"), "]]&gt;");
        assert_eq!(esc("שלום 🙂 e\u{301}"), "שלום 🙂 e\u{301}");
        assert_eq!(esc("'\""), "&#39;&quot;");
    }

    #[test]
    fn line_breaks_become_br() {
        let mut out = String::new();
        escape_html_lines("1\n2\r3\r\n4", &mut out);
        assert_eq!(out, "1<br/>2<br/>3<br/>4");
    }
}
