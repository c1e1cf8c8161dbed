//! Secrets (tokens, passwords) that must never reach a log, a report, the state
//! file or a panic message. The only way to read one is [`Secret::expose`].

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret's value, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Replaces every known secret value in text that came from a server (an
/// error message, an echoed header, a URL) before it is stored in the state,
/// shown in a report or sent in a mail. A server that echoes the
/// Authorization header back must not get it published on the status page.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    /// The values to hide, longest first (so a token inside a longer value
    /// is not half replaced).
    values: Vec<Secret>,
}

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

impl Scrubber {
    /// A scrubber for `secrets`. Values shorter than 4 characters are not
    /// scrubbed: they would mangle ordinary text and protect nothing.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Scrubber {
        let mut values: Vec<String> = secrets
            .into_iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| v.chars().count() >= 4)
            .collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Scrubber {
            values: values.into_iter().map(Secret::new).collect(),
        }
    }

    /// `text` with every secret value replaced by [`REDACTED`].
    pub fn scrub<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        let mut out = std::borrow::Cow::Borrowed(text);
        for secret in &self.values {
            if out.contains(secret.expose()) {
                out = std::borrow::Cow::Owned(out.replace(secret.expose(), REDACTED));
            }
        }
        out
    }

    /// Scrubs `text` in place.
    pub fn scrub_in_place(&self, text: &mut String) {
        if let std::borrow::Cow::Owned(clean) = self.scrub(text) {
            *text = clean;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let token = Secret::new("ghp_canary123");
        assert!(!format!("{token:?}").contains("canary"));
    }

    #[test]
    fn scrubbing_replaces_every_known_value_and_leaves_short_ones() {
        let scrubber = Scrubber::new(["ghp_canary123".to_owned(), "abc".to_owned()]);
        assert_eq!(
            scrubber.scrub("Bad credentials: Bearer ghp_canary123 (ghp_canary123)"),
            "Bad credentials: Bearer [redacted] ([redacted])"
        );
        assert_eq!(scrubber.scrub("abc is fine"), "abc is fine");
    }
}
