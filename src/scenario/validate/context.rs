//! The validation context and the readers every part of a scenario uses:
//! mappings with their allowed keys, required keys, text, names, numbers
//! (plain, sourced, whole, rate-like) and `source:` citations. Each reader
//! reports its own problems with the key path and line:column and returns
//! `None`, so callers go on and collect every problem.

use std::path::PathBuf;

use rust_decimal::Decimal;

use crate::scenario::diagnostic::{Diagnostic, Position, Severity};
use crate::scenario::number::parse_decimal;
use crate::scenario::text::{is_identifier, not_an_identifier, truncate, ID_RULE};
use crate::scenario::types::Citation;
use crate::scenario::yaml::{join_key, scalar_text, Mark, Node, Value};

/// Largest magnitude of a rate, share or distribution parameter (100,000%).
const MAX_RATE: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// What validation has found so far.
#[derive(Default)]
pub(super) struct Ctx {
    /// Every problem, in the order found.
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Every `source:`, in the order read.
    pub(super) sources: Vec<Citation>,
    /// The imported file being validated (`None`: the scenario itself);
    /// diagnostics and citations are attributed to it.
    pub(super) file: Option<(PathBuf, String)>,
    /// An imported file could not be read or parsed: problems that follow
    /// from its missing policies (no policy at all, an unknown base or
    /// baseline) are its knock-on effects and are not reported again.
    pub(super) imports_incomplete: bool,
}

/// A mapping whose keys were checked against the allowed set.
#[derive(Clone)]
pub(super) struct Fields<'a> {
    /// The mapping.
    pub(super) node: &'a Node,
    /// Its key path.
    pub(super) path: String,
    /// Its entries in file order.
    pub(super) entries: &'a [(Node, Node)],
}

impl<'a> Fields<'a> {
    /// The value of `key`, treating `null` as absent.
    pub(super) fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|(k, _)| scalar_text(k) == key).map(|(_, v)| v).filter(|v| v.value != Value::Null)
    }

    /// The key path of `key` in this mapping.
    pub(super) fn path(&self, key: &str) -> String {
        join_key(&self.path, key)
    }
}

/// How a node appears in a message: `the number `3``, `a list`.
pub(super) fn describe(node: &Node) -> String {
    match &node.value {
        Value::Null => "nothing".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{}`", n.text),
        Value::Str(s) => format!("the text {:?}", truncate(s)),
        Value::Seq(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
    }
}

/// `value` as a percentage for messages, without risking overflow.
pub(super) fn percent(value: Decimal) -> String {
    value.checked_mul(Decimal::ONE_HUNDRED).map_or_else(|| "a huge".to_string(), |p| p.normalize().to_string())
}

/// The allowed key within two edits of `key`, for a "did you mean" hint.
fn closest<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    allowed.iter().copied().filter(|a| edit_distance(key, a) <= 2).min_by_key(|a| edit_distance(key, a))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

impl Ctx {
    fn push(&mut self, severity: Severity, path: &str, mark: Mark, message: String) {
        self.diagnostics.push(Diagnostic {
            severity,
            at: Position::Key { path: path.to_string(), mark: Some(mark) },
            message,
            file: self.file.as_ref().map(|(file, _)| file.clone()),
        });
    }

    /// Reports an error at `path`, `mark`.
    pub(super) fn error(&mut self, path: &str, mark: Mark, message: impl Into<String>) {
        self.push(Severity::Error, path, mark, message.into());
    }

    /// Reports a warning at `path`, `mark`.
    pub(super) fn warning(&mut self, path: &str, mark: Mark, message: impl Into<String>) {
        self.push(Severity::Warning, path, mark, message.into());
    }

    /// Reports an error unless `ok`; returns `ok`.
    pub(super) fn check(&mut self, ok: bool, path: &str, mark: Mark, message: impl Into<String>) -> bool {
        if !ok {
            self.error(path, mark, message);
        }
        ok
    }

    /// Checks that `node` is a mapping whose keys are all in `allowed`.
    pub(super) fn fields<'a>(&mut self, node: &'a Node, path: &str, allowed: &[&str]) -> Option<Fields<'a>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                path,
                node.mark,
                format!("expected a mapping with keys {}, found {}", allowed.join(", "), describe(node)),
            );
            return None;
        };
        for (key, _) in entries {
            let text = scalar_text(key);
            if !allowed.contains(&text.as_str()) {
                let hint = match closest(&text, allowed) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => String::new(),
                };
                self.error(
                    &join_key(path, &text),
                    key.mark,
                    format!("unknown key `{text}`{hint} (allowed here: {})", allowed.join(", ")),
                );
            }
        }
        Some(Fields { node, path: path.to_string(), entries })
    }

    /// The entries of a mapping, or an error: expected `what`, found what is there.
    pub(super) fn entries<'a>(&mut self, node: &'a Node, path: &str, what: &str) -> Option<&'a [(Node, Node)]> {
        match &node.value {
            Value::Map(entries) => Some(entries),
            _ => {
                self.error(path, node.mark, format!("expected {what}, found {}", describe(node)));
                None
            }
        }
    }

    /// The items of a list, or an error: expected `what`, found what is there.
    pub(super) fn items<'a>(&mut self, node: &'a Node, path: &str, what: &str) -> Option<&'a [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.error(path, node.mark, format!("expected {what}, found {}", describe(node)));
                None
            }
        }
    }

    /// The value of a required key; an error naming `what` when it is absent.
    pub(super) fn required<'a>(&mut self, fields: &Fields<'a>, key: &str, what: &str) -> Option<&'a Node> {
        let node = fields.get(key);
        if node.is_none() {
            self.error(&fields.path(key), fields.node.mark, format!("missing required key `{key}` ({what})"));
        }
        node
    }

    /// A text scalar.
    pub(super) fn text(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.error(path, node.mark, format!("expected text, found {}", describe(node)));
                None
            }
        }
    }

    /// A name such as a policy name or `base:` (the identifier rule).
    pub(super) fn identifier(&mut self, node: &Node, path: &str) -> Option<String> {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            Value::Number(n) if n.integer_syntax => n.text.clone(),
            _ => {
                self.error(path, node.mark, format!("expected a name ({ID_RULE}), found {}", describe(node)));
                return None;
            }
        };
        if !is_identifier(&text) {
            self.error(path, node.mark, not_an_identifier("name", &text));
            return None;
        }
        Some(text)
    }

    /// Records a `source:` citation, if given.
    pub(super) fn source(&mut self, node: Option<&Node>, path: &str) {
        if let Some(node) = node {
            if let Some(text) = self.text(node, path) {
                let path = match &self.file {
                    Some((_, written)) => format!("{written}: {path}"),
                    None => path.to_string(),
                };
                self.sources.push(Citation { path, text });
            }
        }
    }

    /// A plain number (distribution parameters, correlation coefficients).
    pub(super) fn number(&mut self, node: &Node, path: &str) -> Option<Decimal> {
        match &node.value {
            Value::Number(number) => match parse_decimal(number) {
                Ok(value) => Some(value),
                Err(problem) => {
                    self.error(path, node.mark, problem.to_string());
                    None
                }
            },
            _ => {
                self.error(path, node.mark, format!("expected a number, found {}", describe(node)));
                None
            }
        }
    }

    /// A rate-like number (distribution parameter, lever rate), at most [`MAX_RATE`] in magnitude.
    pub(super) fn rate(&mut self, node: &Node, path: &str, sourced: bool) -> Option<Decimal> {
        let value = if sourced { self.sourced_number(node, path)? } else { self.number(node, path)? };
        if value.abs() > MAX_RATE {
            self.error(path, node.mark, format!("{value} is not a plausible rate; rates are fractions (0.03 is 3%) and seqsim accepts magnitudes up to 1000"));
            return None;
        }
        Some(value)
    }

    /// A number that may be written `{value: X, source: "..."}`.
    pub(super) fn sourced_number(&mut self, node: &Node, path: &str) -> Option<Decimal> {
        if matches!(node.value, Value::Map(_)) {
            let fields = self.fields(node, path, &["value", "source"])?;
            self.source(fields.get("source"), &fields.path("source"));
            let value = self.required(&fields, "value", "the number")?;
            return self.number(value, &fields.path("value"));
        }
        self.number(node, path)
    }

    /// A whole number between `low` and `high`.
    pub(super) fn integer(&mut self, node: &Node, path: &str, low: i128, high: i128) -> Option<i128> {
        let value = self.number(node, path)?;
        if !value.fract().is_zero() {
            self.error(path, node.mark, format!("expected a whole number, found `{value}`"));
            return None;
        }
        let int = value.trunc().mantissa() / 10i128.pow(value.scale());
        if int < low || int > high {
            self.error(path, node.mark, format!("must be between {low} and {high}, found {int}"));
            return None;
        }
        Some(int)
    }
}

#[cfg(test)]
pub(super) mod testing {
    //! Helpers for the validators' unit tests.

    use std::path::Path;

    use super::Ctx;
    use crate::scenario::yaml::{self, Node};

    /// The tree of a YAML text that must parse.
    pub fn node(text: &str) -> Node {
        let (root, problems) = yaml::parse(text).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        root
    }

    /// The value of the top-level `key` of a mapping.
    pub fn value<'a>(root: &'a Node, key: &str) -> &'a Node {
        let yaml::Value::Map(entries) = &root.value else { panic!("not a mapping") };
        entries.iter().find(|(k, _)| yaml::scalar_text(k) == key).map(|(_, v)| v).unwrap()
    }

    /// Every diagnostic as `seqsim validate` prints it, for a file `t.yaml`.
    pub fn rendered(ctx: &Ctx) -> Vec<String> {
        ctx.diagnostics.iter().map(|d| d.render(Path::new("t.yaml"))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{node, rendered, value};
    use super::*;

    #[test]
    fn unknown_keys_are_named_with_the_closest_allowed_one() {
        let root = node("a:\n  revenu: 1\n  zzz: 2\n  revenue: 3\n");
        let mut ctx = Ctx::default();
        let fields = ctx.fields(value(&root, "a"), "a", &["revenue", "costs"]).unwrap();
        assert_eq!(fields.path("revenue"), "a.revenue");
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:2:3: error: a.revenu: unknown key `revenu`; did you mean `revenue`? (allowed here: revenue, costs)",
                "t.yaml:3:3: error: a.zzz: unknown key `zzz` (allowed here: revenue, costs)",
            ]
        );
    }

    #[test]
    fn required_keys_and_wrong_types_are_reported_where_they_are() {
        let root = node("a: {b: 1, c: null}\nd: [1]\n");
        let mut ctx = Ctx::default();
        let fields = ctx.fields(value(&root, "a"), "a", &["b", "c"]).unwrap();
        // `c: null` counts as absent.
        assert!(ctx.required(&fields, "c", "a thing").is_none());
        assert_eq!(ctx.text(value(&root, "d"), "d"), None);
        assert_eq!(ctx.fields(value(&root, "d"), "d", &["x"]).map(|f| f.path), None);
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:1:4: error: a.c: missing required key `c` (a thing)",
                "t.yaml:2:4: error: d: expected text, found a list",
                "t.yaml:2:4: error: d: expected a mapping with keys x, found a list",
            ]
        );
    }

    #[test]
    fn lists_and_mappings_say_what_was_expected() {
        let root = node("l: [1, 2]\nm: {a: 1}\n");
        let mut ctx = Ctx::default();
        assert_eq!(ctx.items(value(&root, "l"), "l", "a list").map(<[Node]>::len), Some(2));
        assert_eq!(ctx.entries(value(&root, "m"), "m", "a mapping").map(<[(Node, Node)]>::len), Some(1));
        assert!(ctx.items(value(&root, "m"), "m", "a list of practices").is_none());
        assert!(ctx.entries(value(&root, "l"), "l", "a mapping of drivers").is_none());
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:2:4: error: m: expected a list of practices, found a mapping",
                "t.yaml:1:4: error: l: expected a mapping of drivers, found a list",
            ]
        );
    }

    #[test]
    fn numbers_are_exact_sourced_whole_or_rate_like() {
        let root = node("a: {value: 0.035, source: \"survey\"}\nb: 2.5\nc: 1001\nd: 2027\n");
        let mut ctx = Ctx::default();
        assert_eq!(ctx.sourced_number(value(&root, "a"), "a"), Some(Decimal::new(35, 3)));
        assert_eq!(ctx.sources, [Citation { path: "a.source".to_string(), text: "survey".to_string() }]);
        assert_eq!(ctx.integer(value(&root, "b"), "b", 1, 50), None);
        assert_eq!(ctx.integer(value(&root, "d"), "d", 1990, 2100), Some(2027));
        assert_eq!(ctx.integer(value(&root, "d"), "d", 1, 50), None);
        assert_eq!(ctx.rate(value(&root, "c"), "c", false), None);
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:2:4: error: b: expected a whole number, found `2.5`",
                "t.yaml:4:4: error: d: must be between 1 and 50, found 2027",
                "t.yaml:3:4: error: c: 1001 is not a plausible rate; rates are fractions (0.03 is 3%) and seqsim accepts magnitudes up to 1000",
            ]
        );
    }

    #[test]
    fn names_follow_the_identifier_rule() {
        let root = node("a: current_law\nb: Current Law\nc: 2027\nd: 1.5\n");
        let mut ctx = Ctx::default();
        assert_eq!(ctx.identifier(value(&root, "a"), "a").as_deref(), Some("current_law"));
        assert_eq!(ctx.identifier(value(&root, "b"), "b"), None);
        assert_eq!(ctx.identifier(value(&root, "c"), "c").as_deref(), Some("2027"));
        assert_eq!(ctx.identifier(value(&root, "d"), "d"), None);
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:2:4: error: b: `Current Law` is not a valid name: use lowercase letters, digits and `_` only",
                "t.yaml:4:4: error: d: expected a name (lowercase letters, digits and `_` only), found the number `1.5`",
            ]
        );
    }

    #[test]
    fn percentages_never_overflow() {
        assert_eq!(percent(Decimal::new(25, 4)), "0.25");
        assert_eq!(percent(Decimal::MAX), "a huge");
    }
}
