//! The one place that knows the YAML library: text → a [`Node`] tree with
//! line:column marks and the exact text of every number (MODEL.md §1).
//!
//! serde-based readers turn `0.035` into an `f64` before we can see it and keep
//! no positions once deserialisation succeeds, so the scenario reader works on
//! parser events instead. Scalars are resolved with the YAML 1.2 core schema:
//! `true`/`false` are the only booleans, `100_000` and `2022-04-01` are
//! strings, `1e6` is a number. Duplicate keys, too-deep nesting and alias
//! expansion beyond a budget are reported here, where their positions are known.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A position in the scenario file, both 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Mark {
    /// Line, counted from 1.
    pub line: usize,
    /// Column, counted from 1.
    pub column: usize,
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One YAML node with the position where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub value: Value,
    /// Where it starts in the file.
    pub mark: Mark,
}

/// A resolved YAML value. Numbers keep their source text; see [`NumberText`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A plain scalar that the core schema reads as a number.
    Number(NumberText),
    /// Any other scalar, quoted or not.
    Str(String),
    /// A block or flow sequence.
    Seq(Vec<Node>),
    /// A mapping in source order; duplicate keys were already reported.
    Map(Vec<(Node, Node)>),
}

/// The text of a number exactly as written, classified by the core schema.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberText {
    /// The scalar as written, e.g. `0.035`, `-12`, `1e6`, `.inf`.
    pub text: String,
    /// Written as an integer (`[-+]?[0-9]+`, `0o17`, `0x1F`), not a float.
    pub integer_syntax: bool,
}

/// A problem found while reading the YAML structure.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlProblem {
    /// Key path of the container where it happened (`""` for the top).
    pub path: String,
    /// Where it happened.
    pub mark: Mark,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// Limits that keep hostile files from exhausting memory or stack.
pub const MAX_DEPTH: usize = 64;
/// Nodes a document may expand to, aliases included.
pub const MAX_NODES: usize = 500_000;

/// Parses one YAML document. A syntax error is returned alone (the parser
/// cannot go on after it); structural problems are collected and returned
/// with the tree built so far.
pub fn parse(text: &str) -> Result<(Node, Vec<YamlProblem>), YamlProblem> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(err) = parser.load(&mut builder, true) {
        let mark = to_mark(*err.marker());
        return Err(YamlProblem {
            path: String::new(),
            mark,
            message: format!("this is not valid YAML: {}", err.info()),
        });
    }
    if let Some(fatal) = builder.fatal {
        return Err(fatal);
    }
    let root = builder.root.unwrap_or(Node { value: Value::Null, mark: Mark { line: 1, column: 1 } });
    Ok((root, builder.problems))
}

/// Renders a path segment: identifiers bare (`revenue`), anything else quoted (`"2027"`).
pub fn key_segment(key: &str) -> String {
    let mut chars = key.chars();
    let identifier = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

/// Joins a parent path and a map key.
pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key_segment(key)
    } else {
        format!("{parent}.{}", key_segment(key))
    }
}

/// Joins a parent path and a sequence index.
pub fn join_index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

fn to_mark(marker: Marker) -> Mark {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Mark { line: marker.line(), column: marker.col() + 1 }
}

enum Frame {
    Seq { node: Node, anchor: usize, path: String },
    Map { node: Node, anchor: usize, path: String, pending_key: Option<Node> },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: Vec<(usize, Node, usize)>,
    nodes: usize,
    problems: Vec<YamlProblem>,
    fatal: Option<YamlProblem>,
    /// Depth of containers opened beyond [`MAX_DEPTH`] and skipped.
    skipped_depth: usize,
}

impl Builder {
    fn current_path(&self) -> String {
        match self.stack.last() {
            None => String::new(),
            Some(Frame::Seq { node, path, .. }) => match &node.value {
                Value::Seq(items) => join_index(path, items.len()),
                _ => path.clone(),
            },
            Some(Frame::Map { path, pending_key, .. }) => match pending_key {
                Some(key) => join_key(path, &scalar_text(key)),
                None => path.clone(),
            },
        }
    }

    fn stop(&mut self, mark: Mark, message: String) {
        if self.fatal.is_none() {
            self.fatal = Some(YamlProblem { path: self.current_path(), mark, message });
        }
    }

    fn push_value(&mut self, node: Node, anchor: usize, size: usize) {
        if anchor != 0 {
            self.anchors.push((anchor, node.clone(), size));
        }
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(node);
            return;
        };
        match top {
            Frame::Seq { node: seq, .. } => {
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Frame::Map { node: map, path, pending_key, .. } => match pending_key.take() {
                None => {
                    if !matches!(node.value, Value::Str(_) | Value::Number(_) | Value::Bool(_) | Value::Null) {
                        self.problems.push(YamlProblem {
                            path: path.clone(),
                            mark: node.mark,
                            message: "a mapping key must be a plain value, not a list or mapping".to_string(),
                        });
                    }
                    *pending_key = Some(node);
                }
                Some(key) => {
                    if let Value::Map(entries) = &mut map.value {
                        let text = scalar_text(&key);
                        if let Some((first, _)) = entries.iter().find(|(k, _)| scalar_text(k) == text) {
                            let first_mark = first.mark;
                            self.problems.push(YamlProblem {
                                path: join_key(path, &text),
                                mark: key.mark,
                                message: format!(
                                    "duplicate key `{text}` (first given at {first_mark}); give each key once"
                                ),
                            });
                        } else {
                            entries.push((key, node));
                        }
                    }
                }
            },
        }
    }

    fn count(&mut self, n: usize, mark: Mark) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            self.stop(
                mark,
                format!(
                    "the document expands to more than {MAX_NODES} values (aliases included); \
                     a scenario this large is almost certainly an alias bomb or a mistake"
                ),
            );
            return false;
        }
        true
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, marker: Marker) {
        if self.fatal.is_some() {
            return;
        }
        let mark = to_mark(marker);
        if self.skipped_depth > 0 {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skipped_depth += 1,
                Event::SequenceEnd | Event::MappingEnd => self.skipped_depth -= 1,
                _ => {}
            }
            return;
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                if !self.count(1, mark) {
                    return;
                }
                let forced_string = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value =
                    if style == TScalarStyle::Plain && !forced_string { resolve_plain(text) } else { Value::Str(text) };
                self.push_value(Node { value, mark }, anchor, 1);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    let path = self.current_path();
                    self.problems.push(YamlProblem {
                        path,
                        mark,
                        message: format!("nesting deeper than {MAX_DEPTH} levels; a scenario never needs this"),
                    });
                    self.skipped_depth = 1;
                    self.push_value(Node { value: Value::Null, mark }, 0, 1);
                    return;
                }
                if !self.count(1, mark) {
                    return;
                }
                let path = self.current_path();
                let frame = if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq { node: Node { value: Value::Seq(Vec::new()), mark }, anchor, path }
                } else {
                    Frame::Map { node: Node { value: Value::Map(Vec::new()), mark }, anchor, path, pending_key: None }
                };
                self.stack.push(frame);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return };
                let (node, anchor) = match frame {
                    Frame::Seq { node, anchor, .. } | Frame::Map { node, anchor, .. } => (node, anchor),
                };
                let size = node_count(&node);
                self.push_value(node, anchor, size);
            }
            Event::Alias(id) => {
                let Some((_, node, size)) = self.anchors.iter().rev().find(|(a, _, _)| *a == id).cloned() else {
                    self.stop(mark, "an alias refers to an anchor that was never defined".to_string());
                    return;
                };
                if !self.count(size, mark) {
                    return;
                }
                let mut node = node;
                node.mark = mark;
                self.push_value(node, 0, size);
            }
            Event::DocumentStart if self.root.is_some() => {
                self.stop(mark, "a scenario file holds one YAML document; remove the extra `---`".into());
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
            Event::Nothing => {}
        }
    }
}

/// Writes a tree as YAML text that [`parse`] reads back to the same tree
/// (positions aside): block style, short mappings and sequences of scalars
/// in flow style, numbers exactly as written, strings quoted unless they are
/// plain words. Comments are not part of the tree and are not written.
pub fn emit(node: &Node) -> String {
    let mut out = String::new();
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => emit_map(entries, 0, &mut out),
        Value::Seq(items) if !items.is_empty() => emit_seq(items, 0, &mut out),
        _ => {
            out.push_str(&flow(node));
            out.push('\n');
        }
    }
    out
}

/// Writes a node on one line in flow style (`{value: 0.02, source: "x"}`).
pub fn flow(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.text.clone(),
        Value::Str(s) => string(s),
        Value::Seq(items) => format!("[{}]", items.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries.iter().map(|(k, v)| format!("{}: {}", flow(k), flow(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Flow style fits a container of scalars written on one short line.
const FLOW_WIDTH: usize = 160;

/// The node on one line: always for a scalar, for a container of scalars
/// when it is short.
fn fits_flow(node: &Node) -> Option<String> {
    let scalar = |v: &Node| !matches!(v.value, Value::Map(_) | Value::Seq(_));
    let short_container = match &node.value {
        Value::Map(entries) => entries.iter().all(|(_, v)| scalar(v)),
        Value::Seq(items) => items.iter().all(scalar),
        _ => return Some(flow(node)),
    };
    let text = flow(node);
    (short_container && text.len() <= FLOW_WIDTH).then_some(text)
}

fn emit_map(entries: &[(Node, Node)], indent: usize, out: &mut String) {
    for (key, value) in entries {
        out.push_str(&" ".repeat(indent));
        out.push_str(&flow(key));
        out.push(':');
        emit_value(value, indent, out);
    }
}

fn emit_seq(items: &[Node], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match &item.value {
            Value::Map(entries) if !entries.is_empty() && fits_flow(item).is_none() => {
                // The first entry goes on the dash's line.
                let mut block = String::new();
                emit_map(entries, indent + 2, &mut block);
                out.push(' ');
                out.push_str(&block[indent + 2..]);
            }
            _ => emit_value(item, indent, out),
        }
    }
}

/// Writes what follows `key:` or `-`: a scalar or short container on the
/// same line, a longer container on the next lines, indented.
fn emit_value(value: &Node, indent: usize, out: &mut String) {
    if let Some(text) = fits_flow(value) {
        out.push(' ');
        out.push_str(&text);
        out.push('\n');
        return;
    }
    out.push('\n');
    match &value.value {
        Value::Map(entries) => emit_map(entries, indent + 2, out),
        Value::Seq(items) => emit_seq(items, indent + 2, out),
        _ => {}
    }
}

/// A string scalar: bare when it is a plain word that reads back as the same
/// string (also under YAML 1.1's booleans), else double-quoted with escapes.
fn string(s: &str) -> String {
    let mut chars = s.chars();
    let word = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let yaml11_bool =
        matches!(s.to_ascii_lowercase().as_str(), "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null");
    if word && !yaml11_bool && resolve_plain(s.to_string()) == Value::Str(s.to_string()) {
        return s.to_string();
    }
    let mut quoted = String::with_capacity(s.len() + 2);
    quoted.push('"');
    for c in s.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if (c as u32) < 0x20
                || c == '\u{7f}'
                || c == '\u{85}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || c == '\u{feff}' =>
            {
                quoted.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

fn node_count(node: &Node) -> usize {
    // Iterative, so a wide or deep tree cannot overflow the stack.
    let mut count = 0usize;
    let mut pending = vec![node];
    while let Some(n) = pending.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => pending.extend(items.iter()),
            Value::Map(entries) => {
                for (k, v) in entries {
                    pending.push(k);
                    pending.push(v);
                }
            }
            _ => {}
        }
    }
    count
}

/// The text of a scalar used as a map key or shown in a message.
pub fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.text.clone(),
        Value::Str(s) => s.clone(),
        Value::Seq(_) => "[…]".to_string(),
        Value::Map(_) => "{…}".to_string(),
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: String) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    match number_text(&text) {
        Some(number) => Value::Number(number),
        None => Value::Str(text),
    }
}

/// The number `text` is under the core schema (`-12`, `0x1F`, `1e6`, `.5`,
/// `.inf`), if it is one. A cohort table's cells are read with it too, so a
/// cell and a YAML value accept the same numbers (`100_000` is neither).
pub fn number_text(text: &str) -> Option<NumberText> {
    if is_core_int(text) {
        Some(NumberText { text: text.to_string(), integer_syntax: true })
    } else if is_core_float(text) {
        Some(NumberText { text: text.to_string(), integer_syntax: false })
    } else {
        None
    }
}

fn is_core_int(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if let Some(octal) = text.strip_prefix("0o") {
        return !octal.is_empty() && octal.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit())
}

fn is_core_float(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    // `.5` and `3.` are floats; `.` alone is not.
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, frac)) => {
            whole.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(whole.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
    };
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        resolve_plain(text.to_string())
    }

    #[test]
    fn core_schema_resolution() {
        assert_eq!(value("true"), Value::Bool(true));
        assert_eq!(value("yes"), Value::Str("yes".into()));
        assert!(matches!(value("1e6"), Value::Number(NumberText { integer_syntax: false, .. })));
        assert!(matches!(value("2027"), Value::Number(NumberText { integer_syntax: true, .. })));
        assert!(matches!(value(".5"), Value::Number(_)));
        assert!(matches!(value("3."), Value::Number(_)));
        assert!(matches!(value("-.inf"), Value::Number(_)));
        assert_eq!(value("100_000"), Value::Str("100_000".into()));
        assert_eq!(value("2022-04-01"), Value::Str("2022-04-01".into()));
        assert_eq!(value("."), Value::Str(".".into()));
        assert_eq!(value("1e"), Value::Str("1e".into()));
        assert_eq!(value("~"), Value::Null);
    }

    #[test]
    fn keeps_positions_and_reports_duplicate_keys() {
        let (root, problems) = parse("a: 1\nb:\n  c: 2\n  c: 3\n").unwrap();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "b.c");
        assert_eq!(problems[0].mark, Mark { line: 4, column: 3 });
        let Value::Map(entries) = root.value else { panic!("expected a map") };
        assert_eq!(entries[1].1.mark.line, 3);
    }

    #[test]
    fn stops_alias_bombs_and_deep_nesting() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&bomb).unwrap_err();
        assert!(err.message.contains("alias"), "{}", err.message);

        // Flow nesting stops in the parser, block nesting in the builder.
        let deep_flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&deep_flow).is_err());
        let deep_block: String = (0..200).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
        let (_, problems) = parse(&deep_block).unwrap();
        assert!(problems[0].message.contains("nesting deeper"));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.mark.line >= 1);
        assert!(err.message.starts_with("this is not valid YAML"));
    }

    /// The tree without positions, to compare a tree with its re-read copy.
    fn shape(node: &Node) -> Value {
        match &node.value {
            Value::Seq(items) => {
                Value::Seq(items.iter().map(|n| Node { value: shape(n), mark: Mark::default() }).collect())
            }
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            Node { value: shape(k), mark: Mark::default() },
                            Node { value: shape(v), mark: Mark::default() },
                        )
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    #[test]
    fn emitted_text_reads_back_to_the_same_tree() {
        let text = "name: \"x: y\"\nyes_no: [\"yes\", \"no\", \"on\", \"2027\", \"2022-04-01\", \"a b\", \"\", \"#c\", \"-x\"]\n\
                    numbers: {a: 0.035, b: 1e6, c: -12, d: .inf, e: 0x1F}\nnested:\n  - {k: 1}\n  - k: {deep: [1, 2]}\n    j: \"line\\nbreak \\\" \\\\ \\t\"\n\
                    2027: {value: 0.0, source: \"s\"}\n\"2022-07-01\": 0.02\nempty_map: {}\nempty_seq: []\nnothing: null\nflag: true\n";
        let (tree, problems) = parse(text).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let emitted = emit(&tree);
        let (again, problems) = parse(&emitted).unwrap();
        assert!(problems.is_empty(), "{problems:?}\n{emitted}");
        assert_eq!(shape(&again), shape(&tree), "{emitted}");
        // A long mapping goes in block style; a short one stays on its line.
        assert!(emitted.contains("2027: {value: 0.0, source: s}\n"), "{emitted}");
        assert!(emitted.contains("\"2022-07-01\": 0.02\n"), "{emitted}");
        assert!(emitted.contains("  - k:\n      deep: [1, 2]\n"), "{emitted}");
    }

    #[test]
    fn every_bundled_file_reads_back_to_the_same_tree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["scenarios", "policies/us"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() >= 5, "{files:?}");
        for file in files {
            let (tree, _) = parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let emitted = emit(&tree);
            let (again, problems) = parse(&emitted).unwrap();
            assert!(problems.is_empty(), "{}: {problems:?}", file.display());
            assert_eq!(shape(&again), shape(&tree), "{}", file.display());
        }
    }
}
