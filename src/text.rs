//! The one rule for text that comes from outside (catalog entries, servers'
//! answers) on its way to a terminal, a report or a mail: which characters
//! could hide, break a line or reorder what a reader sees. Lint's text rule
//! (the entry schema's `text` and `multilineText` patterns) refuses the same
//! set, and a test holds the schema to [`schema_pattern`]; every renderer
//! (`lint::escape_for_display`, `report::escape`) asks [`is_hidden`].

/// Ranges of characters that are never shown as they are: C0 and C1
/// controls, the line and paragraph separators, the Arabic letter mark, the
/// bidirectional marks, embeddings, overrides and isolates, and the
/// zero-width and invisible format characters. All in the Basic
/// Multilingual Plane, so the entry schema's pattern can say the same in
/// every regular-expression dialect its validators use.
pub const HIDDEN: &[(char, char)] = &[
    ('\u{0000}', '\u{001F}'),
    ('\u{007F}', '\u{009F}'),
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{2028}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{FFF9}', '\u{FFFB}'),
];

/// Whether `c` is one of the [`HIDDEN`] characters.
pub fn is_hidden(c: char) -> bool {
    // Printable ASCII is outside every range: most text is, and it is asked
    // of every character of every entry's URLs and names.
    !(' '..='~').contains(&c) && HIDDEN.iter().any(|(from, to)| (*from..=*to).contains(&c))
}

/// Whether `c` is hidden, where a tab and a newline are allowed (text that
/// may span lines: descriptions, notes).
pub fn is_hidden_multiline(c: char) -> bool {
    !matches!(c, '\n' | '\t') && is_hidden(c)
}

/// The entry schema's pattern for one line of text (`multiline: false`) or
/// text that may span lines, refusing exactly what [`is_hidden`] (or
/// [`is_hidden_multiline`]) hides.
pub fn schema_pattern(multiline: bool) -> String {
    let escape = |c: char| format!("\\u{:04x}", c as u32);
    let mut class = String::new();
    for (from, to) in HIDDEN {
        let ranges: Vec<(char, char)> = if multiline && *from == '\u{0000}' {
            // Tab (U+0009) and newline (U+000A) are let through.
            vec![('\u{0000}', '\u{0008}'), ('\u{000B}', '\u{001F}')]
        } else {
            vec![(*from, *to)]
        };
        for (from, to) in ranges {
            class.push_str(&escape(from));
            if to != from {
                class.push('-');
                class.push_str(&escape(to));
            }
        }
    }
    format!("^[^{class}]+$")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_marks_and_invisible_characters_are_hidden() {
        for c in [
            '\u{2028}', '\u{2029}', '\u{061C}', '\u{200B}', '\u{200D}', '\u{2060}', '\u{FEFF}',
            '\u{202E}', '\u{2067}', '\u{1B}', '\u{85}', '\u{00AD}',
        ] {
            assert!(is_hidden(c), "{:04X}", c as u32);
        }
        for c in ['a', 'é', 'ß', '中', '\u{00A0}', '-', ' '] {
            assert!(!is_hidden(c), "{:04X}", c as u32);
        }
        assert!(!is_hidden_multiline('\n') && is_hidden_multiline('\r'));
    }

    /// The printable-ASCII shortcut says what the ranges say, for every
    /// character of the first two planes.
    #[test]
    fn the_shortcut_agrees_with_the_ranges() {
        for c in (0..=0x1FFFF).filter_map(char::from_u32) {
            let in_ranges = HIDDEN.iter().any(|(from, to)| (*from..=*to).contains(&c));
            assert_eq!(is_hidden(c), in_ranges, "{:04X}", c as u32);
        }
    }

    /// The entry schema refuses what the renderers hide: lint and the
    /// reports agree on one set.
    #[test]
    fn the_entry_schema_refuses_the_same_set() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schema/entry.schema.json")).unwrap();
        assert_eq!(
            schema["$defs"]["text"]["pattern"].as_str().unwrap(),
            schema_pattern(false)
        );
        assert_eq!(
            schema["$defs"]["multilineText"]["pattern"]
                .as_str()
                .unwrap(),
            schema_pattern(true)
        );
    }
}
