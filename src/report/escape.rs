//! Escaping for untrusted text (names, messages, URLs from the catalog and from
//! remote servers) on its way into HTML, Markdown and plain text.
//!
//! Every renderer goes through these helpers; none of them builds markup from
//! untrusted text any other way.

use url::Url;

/// Text for an HTML element body or a double-quoted attribute value.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden(c) => out.push_str(&format!("&#x{:X};", 0xFFFD)),
            c => out.push(c),
        }
    }
    out
}

/// The URL if it may become a link: http or https only, parsed by `url`.
/// `javascript:`, `data:`, `file:` and anything unparsable are refused, so the
/// caller renders them as text instead.
pub fn safe_link(raw: &str) -> Option<Url> {
    let url = Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// A link when the URL is http(s), else the label alone as inert text.
pub fn html_link(raw: &str, label: &str) -> String {
    match safe_link(raw) {
        Some(url) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            html(url.as_str()),
            html(label)
        ),
        None => html(label),
    }
}

/// One line of plain text: control characters (CR, LF, ESC, ...) and
/// bidirectional overrides become U+FFFD, so a name can neither break a line
/// nor reorder what a reader sees.
pub fn plain_line(text: &str) -> String {
    text.chars()
        .map(|c| if is_hidden(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// Untrusted text for Markdown (GitHub flavour): special characters escaped
/// with a backslash, line breaks flattened, and `@mention` / `#123` neutralised
/// with a zero-width space after `@` and `#` (a backslash does not stop GitHub
/// from linking them).
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in plain_line(text).chars() {
        match c {
            '@' | '#' => {
                out.push(c);
                out.push('\u{200B}');
            }
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '+' | '-' | '.' | '!'
            | '|' | '~' | '>' | '<' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A Markdown link for an http(s) URL, else the label alone as escaped text.
pub fn markdown_link(raw: &str, label: &str) -> String {
    match safe_link(raw) {
        Some(url) => format!("[{}](<{}>)", markdown(label), markdown_url(url.as_str())),
        None => markdown(label),
    }
}

/// A parsed URL inside `<...>` link destination: only `<`, `>` and spaces
/// would end it, and `url` has percent-encoded those already.
fn markdown_url(url: &str) -> String {
    url.replace('<', "%3C")
        .replace('>', "%3E")
        .replace(' ', "%20")
}

/// The one set of characters never shown as they are (src/text.rs), a tab
/// excepted.
fn is_hidden(c: char) -> bool {
    c != '\t' && crate::text::is_hidden(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn escaped_html_never_contains_markup(text in any::<String>()) {
            let out = html(&text);
            prop_assert!(!out.contains(['<', '>', '"', '\'']));
            let breaks = ['\n', '\r', '\u{202E}'];
            prop_assert!(!out.contains(breaks), "{}", out);
        }

        #[test]
        fn escaped_markdown_never_mentions_or_breaks_a_line(text in any::<String>()) {
            let out = markdown(&text);
            let chars: Vec<char> = out.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if *c == '@' || *c == '#' {
                    prop_assert_eq!(chars.get(i + 1), Some(&'\u{200B}'));
                }
            }
            let breaks = ['\n', '\r', '\u{2028}'];
            prop_assert!(!out.contains(breaks), "{}", out);
        }

        #[test]
        fn only_http_and_https_survive_as_links(text in "[a-zA-Z]{1,10}:[ -~]{0,20}") {
            if let Some(url) = safe_link(&text) {
                prop_assert!(matches!(url.scheme(), "http" | "https"));
            }
        }
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn only_http_and_https_become_links() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "file:///etc/passwd",
            "vbscript:x",
            "not a url",
        ] {
            assert!(safe_link(bad).is_none(), "{bad}");
            let rendered = html_link(bad, "x");
            assert!(!rendered.contains("href"), "{rendered}");
        }
        assert_eq!(
            html_link("https://example.org/a?b=1&c=\"2\"", "<x>"),
            "<a href=\"https://example.org/a?b=1&amp;c=%222%22\" rel=\"noopener noreferrer nofollow\">&lt;x&gt;</a>"
        );
    }

    #[test]
    fn markdown_links_only_for_http_urls() {
        assert_eq!(
            markdown_link("https://example.org/a b", "A [b]"),
            "[A \\[b\\]](<https://example.org/a%20b>)"
        );
        assert_eq!(markdown_link("javascript:alert(1)", "x"), "x");
    }

    #[test]
    fn markdown_neutralises_mentions_and_references() {
        assert_eq!(
            markdown("ping @team about #123"),
            "ping @\u{200B}team about #\u{200B}123"
        );
    }

    #[test]
    fn markdown_escapes_links_tables_and_emphasis() {
        assert_eq!(
            markdown("[x](javascript:y) | *a* <b>"),
            "\\[x\\]\\(javascript:y\\) \\| \\*a\\* \\<b\\>"
        );
    }

    #[test]
    fn line_breaks_and_bidi_controls_are_flattened() {
        assert_eq!(
            plain_line("a\r\nBcc: x\u{202E}"),
            "a\u{FFFD}\u{FFFD}Bcc: x\u{FFFD}"
        );
        assert_eq!(html("a\nb"), "a&#xFFFD;b");
    }
}
