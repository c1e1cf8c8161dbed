//! YAML text to a JSON value plus the source position of every node (pure).
//!
//! The schema speaks JSON pointers; contributors read YAML lines. This module
//! builds both at once from the parser's event stream, so any pointer a
//! validator reports can be mapped back to `line:column`.
//!
//! It never recurses (a document nested 10,000 deep cannot overflow the stack),
//! refuses nesting beyond [`MAX_DEPTH`] before building anything that deep,
//! refuses anchors and aliases outright (so an alias bomb fails at its first
//! anchor, in microseconds), refuses duplicate keys (a JSON object would
//! silently keep the last), and accepts exactly one document per file.

use std::borrow::Cow;

use saphyr::{Scalar, ScalarStyle};
use saphyr_parser::{Event, Marker, Parser, Span, Tag};
use serde_json::{Map, Value};

mod block;

/// The deepest nesting of mappings and sequences accepted. An entry needs 4.
pub const MAX_DEPTH: usize = 128;

/// A place in the source: 1-based line, 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub const START: Position = Position { line: 1, column: 1 };

    fn from_marker(marker: &Marker) -> Position {
        Position {
            line: u32::try_from(marker.line().max(1)).unwrap_or(u32::MAX),
            column: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
        }
    }
}

/// Where a node is: its value, and for a mapping member, its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub value: Position,
    pub key: Option<Position>,
}

/// One parsed file: the value and a map from JSON pointer to position.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub value: Value,
    /// Every node's pointer and position, in document order. A list, not a
    /// map: it is built for every file but searched only for files with findings.
    pub positions: Vec<(String, Located)>,
}

impl Document {
    /// The position of the value at `pointer`, falling back to the nearest
    /// ancestor that was recorded (a missing key points at its parent).
    pub fn value_position(&self, pointer: &str) -> Position {
        self.nearest(pointer).value
    }

    /// The position of the key at `pointer` when it is a mapping member,
    /// else of its value.
    pub fn key_position(&self, pointer: &str) -> Position {
        let located = self.nearest(pointer);
        located.key.unwrap_or(located.value)
    }

    fn nearest(&self, pointer: &str) -> Located {
        let mut current = pointer;
        loop {
            if let Some((_, found)) = self.positions.iter().find(|(p, _)| p == current) {
                return *found;
            }
            match current.rfind('/') {
                Some(cut) => current = &current[..cut],
                None => {
                    return Located {
                        value: Position::START,
                        key: None,
                    };
                }
            }
        }
    }
}

/// Why a file is not one acceptable YAML document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    Syntax,
    DuplicateKey,
    Alias,
    TooDeep,
    MultipleDocuments,
    Empty,
    ComplexKey,
    Tag,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub kind: YamlErrorKind,
    pub position: Position,
    pub message: String,
}

impl YamlError {
    fn new(kind: YamlErrorKind, position: Position, message: impl Into<String>) -> YamlError {
        YamlError {
            kind,
            position,
            message: message.into(),
        }
    }
}

/// A syntax error as a contributor can act on it. The parser reports where
/// it gave up, which for two common mistakes is not where the mistake is:
///
/// - a tab in the indentation (YAML indents with spaces only) is reported
///   where the scalar before it began, often the line above: the error goes
///   to the line whose indentation holds the tab;
/// - a key indented differently from the key above it (`role:` under
///   `- url:`) gets a hint naming the key to line it up with.
fn syntax_error(text: &str, at: Position, info: &str) -> YamlError {
    let lines: Vec<&str> = text.lines().collect();
    let line_of = |n: u32| lines.get((n as usize).wrapping_sub(1)).copied();
    let indenting_tab = |n: u32| {
        let line = line_of(n)?;
        let indentation = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        indentation.find('\t').map(|column| Position {
            line: n,
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        })
    };
    let near = at.line.saturating_sub(1).max(1)..=at.line.saturating_add(2);
    if info.contains("tab")
        && let Some(tab) = near.clone().find_map(indenting_tab)
    {
        return YamlError::new(
            YamlErrorKind::Syntax,
            tab,
            "a tab indents this line, and YAML indents with spaces only; replace the tab with spaces, as many as the lines around it use",
        );
    }
    if let Some(tab) = indenting_tab(at.line) {
        return YamlError::new(
            YamlErrorKind::Syntax,
            tab,
            format!(
                "YAML syntax error: {info}; a tab indents this line, and YAML indents with spaces only: replace it with spaces"
            ),
        );
    }
    if let Some((position, hint)) = indentation_hint(&lines, at.line) {
        return YamlError::new(
            YamlErrorKind::Syntax,
            position,
            format!("YAML syntax error: {info}; {hint}"),
        );
    }
    YamlError::new(
        YamlErrorKind::Syntax,
        at,
        format!("YAML syntax error: {info}"),
    )
}

/// The key that begins `line` after its indentation (and a `- `, for a
/// sequence item): its column (0-based) and name.
fn key_of(line: &str) -> Option<(usize, &str, bool)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let (column, rest, item) = match rest.strip_prefix("- ") {
        Some(after) => {
            let more = after.len() - after.trim_start_matches(' ').len();
            (indent + 2 + more, &after[more..], true)
        }
        None => (indent, rest, false),
    };
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    (name_len > 0 && rest[name_len..].starts_with(':')).then(|| (column, &rest[..name_len], item))
}

/// For an error on line `at` (1-based) that holds a key indented unlike the
/// key of the line above, where that line's key has a value of its own (so
/// this one cannot be its child): the key's position and the hint.
fn indentation_hint(lines: &[&str], at: u32) -> Option<(Position, String)> {
    let index = (at as usize).checked_sub(1)?;
    let (column, name, _) = key_of(lines.get(index)?)?;
    let above = lines[..index]
        .iter()
        .enumerate()
        .rev()
        .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let (their_column, their_name, _) = key_of(above.1)?;
    let has_value = {
        let after = above.1.split_once(':').map_or("", |(_, v)| v).trim();
        !after.is_empty() && !after.starts_with('#')
    };
    if column == their_column || !has_value {
        return None;
    }
    let hint = format!(
        "indent `{name}:` under its `{their_name}:` on line {} ({their_column} spaces, where `{their_name}` begins)",
        above.0 + 1
    );
    let position = Position {
        line: at,
        column: u32::try_from(column + 1).unwrap_or(u32::MAX),
    };
    Some((position, hint))
}

/// Escapes one reference token of a JSON pointer (RFC 6901): `~` then `/`.
pub fn escape_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Undoes [`escape_token`].
pub fn unescape_token(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

enum Frame {
    Sequence {
        pointer: String,
        items: Vec<Value>,
    },
    Mapping {
        pointer: String,
        members: Map<String, Value>,
        /// The key read and waiting for its value, with its position.
        pending: Option<(String, Position)>,
    },
}

/// Parses one YAML document (YAML 1.2 core schema; JSON is YAML too).
pub fn parse(text: &str) -> Result<Document, YamlError> {
    let (value, positions) = build(text, true)?;
    Ok(Document { value, positions })
}

/// Parses like [`parse`], without recording positions: cheaper, for files
/// that turn out to have nothing to report. Errors are exactly [`parse`]'s.
pub fn parse_value(text: &str) -> Result<serde_json::Value, YamlError> {
    match build(text, false) {
        Ok((value, _)) => Ok(value),
        // The full pass words the error (a duplicate key names its first line).
        Err(_) => parse(text).map(|doc| doc.value),
    }
}

fn build(text: &str, record: bool) -> Result<(Value, Vec<(String, Located)>), YamlError> {
    let mut builder = Builder {
        record,
        ..Builder::default()
    };
    // Without positions, the common block style is read a line at a time;
    // anything else, and every error, is saphyr's.
    if !record && let Some(events) = block::events(text) {
        let nowhere = Span::empty(Marker::new(0, 1, 0));
        for event in events {
            if builder.on_event(event, nowhere)? {
                break;
            }
        }
        return builder.finish();
    }
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let at = Position::from_marker(e.marker());
            if e.info().contains("recursion limit") {
                too_deep(at)
            } else {
                syntax_error(text, at, e.info())
            }
        })?;
        if builder.on_event(event, span)? {
            break;
        }
    }
    builder.finish()
}

#[derive(Default)]
struct Builder {
    /// Whether to record pointers and positions.
    record: bool,
    stack: Vec<Frame>,
    root: Option<Value>,
    documents: usize,
    positions: Vec<(String, Located)>,
}

impl Builder {
    /// Returns `Ok(true)` at the end of the stream.
    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<bool, YamlError> {
        let at = Position::from_marker(&span.start);
        match event {
            Event::StreamEnd => return Ok(true),
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(YamlError::new(
                        YamlErrorKind::MultipleDocuments,
                        at,
                        "a second YAML document starts here; an entry file holds exactly one document (remove the `---` and what follows, or move it to its own file)",
                    ));
                }
            }
            Event::Alias(_) => return Err(alias_error(at)),
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 {
                    return Err(alias_error(at));
                }
                check_tag(tag.as_deref(), at)?;
                if let Some(Frame::Mapping {
                    pending: pending @ None,
                    pointer,
                    members,
                }) = self.stack.last_mut()
                {
                    let key = text.into_owned();
                    if members.contains_key(&key) {
                        let child = format!("{pointer}/{}", escape_token(&key));
                        let first_line = self
                            .positions
                            .iter()
                            .find(|(p, _)| *p == child)
                            .map_or(0, |(_, first)| first.key.unwrap_or(first.value).line);
                        return Err(YamlError::new(
                            YamlErrorKind::DuplicateKey,
                            at,
                            format!(
                                "duplicate key `{}` (first given on line {first_line}); keep one of them",
                                crate::lint::escape_for_display(&key)
                            ),
                        ));
                    }
                    *pending = Some((key, at));
                    return Ok(false);
                }
                let value = scalar_value(text, style, tag.as_ref(), at)?;
                self.place(value, at)?;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if anchor != 0 {
                    return Err(alias_error(at));
                }
                check_tag(tag.as_deref(), at)?;
                if matches!(
                    self.stack.last(),
                    Some(Frame::Mapping { pending: None, .. })
                ) {
                    return Err(YamlError::new(
                        YamlErrorKind::ComplexKey,
                        at,
                        "a mapping key must be a plain string, not a list or a mapping",
                    ));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(too_deep(at));
                }
                let pointer = self.record(at);
                self.stack.push(match event {
                    Event::SequenceStart(..) => Frame::Sequence {
                        pointer,
                        items: Vec::new(),
                    },
                    _ => Frame::Mapping {
                        pointer,
                        members: Map::new(),
                        pending: None,
                    },
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let value = match self.stack.pop() {
                    Some(Frame::Sequence { items, .. }) => Value::Array(items),
                    Some(Frame::Mapping { members, .. }) => Value::Object(members),
                    None => return Ok(false),
                };
                self.attach(value);
            }
        }
        Ok(false)
    }

    /// The pointer (and key position) of the next node under the current frame.
    fn child_pointer(&self) -> (String, Option<Position>) {
        match self.stack.last() {
            None => (String::new(), None),
            Some(Frame::Sequence { pointer, items }) => {
                (format!("{pointer}/{}", items.len()), None)
            }
            Some(Frame::Mapping {
                pointer, pending, ..
            }) => match pending {
                Some((key, at)) => (format!("{pointer}/{}", escape_token(key)), Some(*at)),
                None => (pointer.clone(), None),
            },
        }
    }

    /// Records the next node's position; returns its pointer (empty when not recording).
    fn record(&mut self, at: Position) -> String {
        if !self.record {
            return String::new();
        }
        let (pointer, key) = self.child_pointer();
        self.positions
            .push((pointer.clone(), Located { value: at, key }));
        pointer
    }

    fn place(&mut self, value: Value, at: Position) -> Result<(), YamlError> {
        self.record(at);
        self.attach(value);
        Ok(())
    }

    fn attach(&mut self, value: Value) {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping {
                members, pending, ..
            }) => {
                if let Some((key, _)) = pending.take() {
                    members.insert(key, value);
                }
            }
        }
    }

    fn finish(self) -> Result<(Value, Vec<(String, Located)>), YamlError> {
        match self.root {
            Some(value) if !value.is_null() => Ok((value, self.positions)),
            _ => Err(YamlError::new(
                YamlErrorKind::Empty,
                Position::START,
                "the file holds no entry; fill it in from a template (see CONTRIBUTING.md) or delete it",
            )),
        }
    }
}

fn too_deep(at: Position) -> YamlError {
    YamlError::new(
        YamlErrorKind::TooDeep,
        at,
        format!(
            "nesting deeper than {MAX_DEPTH} levels; an entry needs only a few, so flatten this value"
        ),
    )
}

fn alias_error(at: Position) -> YamlError {
    YamlError::new(
        YamlErrorKind::Alias,
        at,
        "YAML anchors (&name) and aliases (*name) are not allowed in catalog entries; write the value out in full",
    )
}

fn check_tag(tag: Option<&Tag>, at: Position) -> Result<(), YamlError> {
    match tag {
        Some(tag) if !tag.is_yaml_core_schema() => Err(YamlError::new(
            YamlErrorKind::Tag,
            at,
            format!(
                "the YAML tag `{}` is not allowed; remove it",
                crate::lint::escape_for_display(&tag.to_string())
            ),
        )),
        _ => Ok(()),
    }
}

fn scalar_value(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Cow<'_, Tag>>,
    at: Position,
) -> Result<Value, YamlError> {
    let scalar = Scalar::parse_from_cow_and_metadata(text, style, tag).ok_or_else(|| {
        YamlError::new(
            YamlErrorKind::Tag,
            at,
            "this value does not match its YAML tag; remove the tag",
        )
    })?;
    Ok(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(b),
        Scalar::Integer(i) => Value::from(i),
        Scalar::FloatingPoint(f) => Value::from(f.into_inner()),
        Scalar::String(s) => Value::String(s.into_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pos(line: u32, column: u32) -> Position {
        Position { line, column }
    }

    #[test]
    fn values_and_positions() {
        let doc = parse(
            "id: abc\nurls:\n  - url: https://x.org\n    role: landing\nn: 3\nb: true\nz: ~\n",
        )
        .unwrap();
        assert_eq!(
            doc.value,
            json!({"id": "abc", "urls": [{"url": "https://x.org", "role": "landing"}], "n": 3, "b": true, "z": null})
        );
        assert_eq!(doc.value_position("/id"), pos(1, 5));
        assert_eq!(doc.key_position("/id"), pos(1, 1));
        assert_eq!(doc.value_position("/urls/0/url"), pos(3, 10));
        assert_eq!(doc.key_position("/urls/0/role"), pos(4, 5));
        assert_eq!(doc.value_position("/n"), pos(5, 4));
        // A missing member points at its nearest recorded ancestor.
        assert_eq!(
            doc.value_position("/urls/0/nope"),
            doc.value_position("/urls/0")
        );
    }

    #[test]
    fn the_fast_pass_gives_the_same_value_and_errors() {
        for text in [
            "id: a\nurls:\n  - url: x\n    role: y\n",
            "id: a\nname: x\nid: b\n",
            "a: &x 1\n",
            "a: [1\n",
            "",
        ] {
            assert_eq!(parse_value(text), parse(text).map(|d| d.value), "{text:?}");
        }
    }

    #[test]
    fn yaml_1_2_keeps_dates_and_yes_as_strings() {
        let doc = parse("d: 2026-01-31\ny: yes\nq: '3'\n").unwrap();
        assert_eq!(doc.value, json!({"d": "2026-01-31", "y": "yes", "q": "3"}));
    }

    #[test]
    fn keys_with_slash_and_tilde_are_escaped() {
        let doc = parse("a/b: 1\nc~d: 2\n").unwrap();
        assert_eq!(doc.value_position("/a~1b"), pos(1, 6));
        assert_eq!(doc.value_position("/c~0d"), pos(2, 6));
    }

    #[test]
    fn duplicate_keys_are_refused_at_the_second() {
        let err = parse("id: a\nname: x\nid: b\n").unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::DuplicateKey);
        assert_eq!(err.position, pos(3, 1));
        assert!(err.message.contains("line 1"), "{}", err.message);
        let json = parse("{\"id\": \"a\", \"id\": \"b\"}").unwrap_err();
        assert_eq!(json.kind, YamlErrorKind::DuplicateKey);
    }

    #[test]
    fn aliases_and_anchors_are_refused() {
        let err = parse("a: &x 1\nb: *x\n").unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::Alias);
        assert_eq!(err.position, pos(1, 4));
    }

    #[test]
    fn several_documents_are_refused() {
        let err = parse("id: a\n---\nid: b\n").unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::MultipleDocuments);
        assert_eq!(err.position.line, 2);
    }

    #[test]
    fn empty_documents_are_refused() {
        assert_eq!(parse("").unwrap_err().kind, YamlErrorKind::Empty);
        assert_eq!(
            parse("# only a comment\n").unwrap_err().kind,
            YamlErrorKind::Empty
        );
    }

    #[test]
    fn depth_is_limited_without_recursion() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(&deep).unwrap_err().kind, YamlErrorKind::TooDeep);
    }

    #[test]
    fn ten_thousand_levels_never_overflow_a_small_stack() {
        let flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let maps = format!("{}1{}", "{a: ".repeat(10_000), "}".repeat(10_000));
        let block: String = (0..2_000)
            .map(|i| format!("{}- \n", " ".repeat(i)))
            .collect();
        let kinds = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || [flow, maps, block].map(|text| parse(&text).unwrap_err().kind))
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert_eq!(kinds, [YamlErrorKind::TooDeep; 3]);
    }

    #[test]
    fn a_billion_laughs_fails_in_milliseconds() {
        let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
            let refs = vec![format!("*{prev}"); 9].join(", ");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        assert_eq!(parse(&text).unwrap_err().kind, YamlErrorKind::Alias);
        assert!(started.elapsed() < std::time::Duration::from_millis(50));
    }

    #[test]
    fn complex_keys_and_custom_tags_are_refused() {
        assert_eq!(
            parse("? [a]\n: 1\n").unwrap_err().kind,
            YamlErrorKind::ComplexKey
        );
        assert_eq!(
            parse("a: !custom 1\n").unwrap_err().kind,
            YamlErrorKind::Tag
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::Syntax);
        assert!(err.position.line >= 1);
    }

    #[test]
    fn pointer_tokens_round_trip() {
        for token in ["", "a", "a/b", "~", "~1", "/~0/", "~/"] {
            assert_eq!(unescape_token(&escape_token(token)), token);
        }
        assert_eq!(escape_token("a~/b"), "a~0~1b");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;
        use serde_json::{Value, json};

        #[derive(Debug, Clone)]
        enum Node {
            Number(u32),
            Text(String),
            List(Vec<Node>),
            Map(Vec<(String, Node)>),
        }

        fn node() -> impl Strategy<Value = Node> {
            let leaf = prop_oneof![
                any::<u32>().prop_map(Node::Number),
                "[a-z]{1,8}".prop_map(|s| Node::Text(format!("s-{s}"))),
            ];
            leaf.prop_recursive(5, 48, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Node::List),
                    // Keys with pointer-special and non-ASCII characters.
                    prop::collection::btree_map("[a-z~/ é:#]{0,6}", inner, 0..5)
                        .prop_map(|m| Node::Map(m.into_iter().collect())),
                ]
            })
        }

        fn to_json(node: &Node) -> Value {
            match node {
                Node::Number(n) => json!(n),
                Node::Text(s) => json!(s),
                Node::List(items) => Value::Array(items.iter().map(to_json).collect()),
                Node::Map(members) => Value::Object(
                    members
                        .iter()
                        .map(|(k, v)| (k.clone(), to_json(v)))
                        .collect(),
                ),
            }
        }

        /// Writes `node` in block style and records where each scalar and key
        /// was written: pointer -> (value position, key position).
        struct Emitter {
            lines: Vec<String>,
            expected: Vec<(String, Position, Option<Position>)>,
        }

        impl Emitter {
            fn inline(node: &Node) -> Option<String> {
                match node {
                    Node::Number(n) => Some(n.to_string()),
                    Node::Text(s) => Some(s.clone()),
                    Node::List(items) if items.is_empty() => Some("[]".into()),
                    Node::Map(members) if members.is_empty() => Some("{}".into()),
                    _ => None,
                }
            }

            fn column(prefix: &str) -> u32 {
                prefix.chars().count() as u32 + 1
            }

            fn emit(&mut self, node: &Node, indent: usize, pointer: &str) {
                let pad = " ".repeat(indent);
                match node {
                    Node::List(items) => {
                        for (i, item) in items.iter().enumerate() {
                            let child = format!("{pointer}/{i}");
                            let prefix = format!("{pad}- ");
                            self.child(item, prefix, None, indent, &child);
                        }
                    }
                    Node::Map(members) => {
                        for (key, value) in members {
                            let child = format!("{pointer}/{}", escape_token(key));
                            let quoted = serde_json::to_string(key).unwrap();
                            let key_at = Position {
                                line: self.lines.len() as u32 + 1,
                                column: Self::column(&pad),
                            };
                            let prefix = format!("{pad}{quoted}: ");
                            self.child(value, prefix, Some(key_at), indent, &child);
                        }
                    }
                    _ => unreachable!("scalars are written by their parent"),
                }
            }

            fn child(
                &mut self,
                node: &Node,
                prefix: String,
                key: Option<Position>,
                indent: usize,
                pointer: &str,
            ) {
                let line = self.lines.len() as u32 + 1;
                match Self::inline(node) {
                    Some(text) => {
                        let at = Position {
                            line,
                            column: Self::column(&prefix),
                        };
                        self.expected.push((pointer.to_owned(), at, key));
                        self.lines.push(format!("{prefix}{text}"));
                    }
                    None => {
                        if let Some(key) = key {
                            self.expected.push((
                                pointer.to_owned(),
                                Position::default(),
                                Some(key),
                            ));
                        }
                        self.lines.push(prefix.trim_end().to_owned());
                        self.emit(node, indent + 2, pointer);
                    }
                }
            }
        }

        proptest! {
            #[test]
            fn every_pointer_maps_to_where_its_value_is(
                members in prop::collection::btree_map("[a-z~/ é:#]{0,6}", node(), 1..6)
            ) {
                let root = Node::Map(members.into_iter().collect());
                let mut emitter = Emitter { lines: Vec::new(), expected: Vec::new() };
                emitter.emit(&root, 0, "");
                let text = emitter.lines.join("\n") + "\n";
                let doc = parse(&text).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
                prop_assert_eq!(&doc.value, &to_json(&root), "{}", text);
                for (pointer, value_at, key_at) in &emitter.expected {
                    if *value_at != Position::default() {
                        prop_assert_eq!(doc.value_position(pointer), *value_at, "{} in\n{}", pointer, text);
                    }
                    if let Some(key_at) = key_at {
                        prop_assert_eq!(doc.key_position(pointer), *key_at, "key of {} in\n{}", pointer, text);
                    }
                    // The pointer also resolves in the value (escaping agrees with RFC 6901).
                    prop_assert!(doc.value.pointer(pointer).is_some(), "{}", pointer);
                }
            }

            #[test]
            fn pointer_escaping_round_trips(token in "[a-z~/01]{0,12}") {
                let escaped = escape_token(&token);
                prop_assert!(!escaped.contains('/'));
                prop_assert_eq!(unescape_token(&escaped), token.as_str());
            }

            #[test]
            fn display_escaping_leaves_no_control_or_bidi_characters(text in "\\PC{0,8}[\\x00-\\x1f\\x7f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{200e}\\u{200f}]\\PC{0,8}") {
                let shown = crate::lint::escape_for_display(&text);
                prop_assert!(!shown.chars().any(|c| c.is_control()
                    || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')), "{:?}", shown);
            }

            #[test]
            fn names_with_control_or_bidi_characters_fail_the_schema(
                before in "[a-zA-Z ]{0,6}",
                bad in "[\\x00-\\x1f\\x7f\\u{0085}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{200e}\\u{200f}]",
                after in "[a-zA-Z ]{0,6}",
            ) {
                let base = include_str!("../../tests/fixtures/lint/good/covid-ct.yaml");
                let mut value = parse(base).unwrap().value;
                value["name"] = Value::String(format!("{before}{bad}{after}"));
                prop_assert!(!crate::lint::schema_accepts(&value));
            }
        }
    }
}
