//! Checks a parsed [`Node`] tree against MODEL.md §1 and builds the domain
//! [`Scenario`], collecting every problem with its key path and position
//! instead of stopping at the first.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rust_decimal::Decimal;

use super::yaml::{join_index, join_key, scalar_text, Mark, Node, NumberText, Value};
use super::{Diagnostic, Severity};
use crate::calendar::Date;
use crate::numeric::cholesky;
use crate::scenario::types::*;

/// An imported policy file, parsed (MODEL.md §1 "Imports").
pub struct ImportDocument {
    /// The name as written in `imports:` or given to `--import`.
    pub written: String,
    /// The path it was read from: diagnostics in it name this file.
    pub file: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its YAML tree.
    pub root: Node,
}

/// Validates a whole scenario document and the policy files it imports.
/// Returns the scenario when there is no error, and every diagnostic
/// (errors and warnings) either way.
pub fn validate(root: &Node, imports: &[ImportDocument]) -> (Option<Scenario>, Vec<Diagnostic>) {
    let mut ctx = Ctx::default();
    let scenario = ctx.scenario(root, imports);
    let failed = ctx.diagnostics.iter().any(|d| d.severity == Severity::Error);
    (if failed { None } else { scenario }, ctx.diagnostics)
}

/// The entries of a scenario's `imports:` list with their positions, and
/// the problems of the list itself (read before anything is validated,
/// because the files must be read first).
pub fn import_list(root: &Node) -> (Vec<(String, Mark)>, Vec<Diagnostic>) {
    let mut ctx = Ctx::default();
    let mut listed = Vec::new();
    if let Value::Map(entries) = &root.value {
        if let Some((_, node)) = entries.iter().find(|(k, _)| scalar_text(k) == "imports") {
            match &node.value {
                Value::Null => {}
                Value::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let path = join_index("imports", i);
                        match &item.value {
                            Value::Str(text) if !text.trim().is_empty() => listed.push((text.clone(), item.mark)),
                            _ => ctx.error(
                                &path,
                                item.mark,
                                format!(
                                    "expected the path of a policy file (relative to this scenario), found {}",
                                    describe(item)
                                ),
                            ),
                        }
                    }
                }
                _ => ctx.error(
                    "imports",
                    node.mark,
                    format!("expected a list of policy file paths, found {}", describe(node)),
                ),
            }
        }
    }
    (listed, ctx.diagnostics)
}

const ID_RULE: &str = "lowercase letters, digits and `_` only";

/// Largest dollar amount or count a practice may give: far beyond any real
/// practice, and small enough that 50 years of growth stay inside `Decimal`.
const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0); // 1e15
/// Largest magnitude of a rate, share or distribution parameter (100,000%).
const MAX_RATE: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// `value` as a percentage for messages, without risking overflow.
fn percent(value: Decimal) -> String {
    value.checked_mul(Decimal::ONE_HUNDRED).map_or_else(|| "a huge".to_string(), |p| p.normalize().to_string())
}

#[derive(Default)]
struct Ctx {
    diagnostics: Vec<Diagnostic>,
    sources: Vec<super::Citation>,
    /// The imported file being validated (`None`: the scenario itself);
    /// diagnostics and citations are attributed to it.
    file: Option<(PathBuf, String)>,
}

/// Which `scope:` a driver definition may give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScopeRule {
    /// The scenario's `drivers:`: `macro` or `practice`.
    Any,
    /// A practice's `drivers:` override: only `practice` (it is one already).
    PracticeOnly,
}

/// One policy as read from a file, before bases are linked across files.
struct PolicyEntry {
    def: PolicyDef,
    /// `base:` as written, with its position.
    base: Option<(String, Mark)>,
    /// Position of the policy's name.
    mark: Mark,
}

/// A mapping whose keys were checked against the allowed set.
struct Fields<'a> {
    node: &'a Node,
    path: String,
    entries: &'a [(Node, Node)],
}

impl<'a> Fields<'a> {
    /// The value of `key`, treating `null` as absent.
    fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|(k, _)| scalar_text(k) == key).map(|(_, v)| v).filter(|v| v.value != Value::Null)
    }

    fn path(&self, key: &str) -> String {
        join_key(&self.path, key)
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::Null => "nothing".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{}`", n.text),
        Value::Str(s) => format!("the text {:?}", truncate(s)),
        Value::Seq(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
    }
}

fn truncate(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

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

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Parses the text of a core-schema number into an exact `Decimal`.
pub fn parse_decimal(number: &NumberText) -> Result<Decimal, String> {
    let text = number.text.as_str();
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if unsigned.starts_with(".inf") || unsigned.starts_with(".Inf") || unsigned.starts_with(".INF") {
        return Err("must be a finite number, not infinity".to_string());
    }
    if unsigned.to_ascii_lowercase().starts_with(".nan") {
        return Err("must be a number, not `.nan`".to_string());
    }
    let out_of_range = || {
        format!(
            "`{text}` is outside the range seqsim reads exactly (up to 28 significant digits, magnitude below 7.9e28)"
        )
    };
    let radix = if let Some(hex) = unsigned.strip_prefix("0x") {
        Some((hex, 16))
    } else {
        unsigned.strip_prefix("0o").map(|oct| (oct, 8))
    };
    let value = if let Some((digits, radix)) = radix {
        let int = i128::from_str_radix(digits, radix).map_err(|_| out_of_range())?;
        Decimal::try_from_i128_with_scale(int, 0).map_err(|_| out_of_range())?
    } else {
        let lower = unsigned.to_ascii_lowercase();
        let (mantissa, exponent) = match lower.split_once('e') {
            Some((m, e)) => (m.to_string(), e.parse::<i64>().map_err(|_| out_of_range())?),
            None => (lower.clone(), 0),
        };
        let mut mantissa = mantissa;
        if mantissa.starts_with('.') {
            mantissa.insert(0, '0');
        }
        if mantissa.ends_with('.') {
            mantissa.push('0');
        }
        let base = Decimal::from_str_exact(&mantissa).map_err(|_| out_of_range())?;
        scale_by_power_of_ten(base, exponent).ok_or_else(out_of_range)?
    };
    Ok(if negative { -value } else { value })
}

fn scale_by_power_of_ten(base: Decimal, exponent: i64) -> Option<Decimal> {
    if base.is_zero() {
        return Some(Decimal::ZERO);
    }
    if exponent >= 0 {
        let mut value = base;
        for _ in 0..exponent.min(64) {
            value = value.checked_mul(Decimal::TEN)?;
        }
        if exponent > 64 {
            return None;
        }
        Some(value.normalize())
    } else {
        let scale = i64::from(base.scale()) + (-exponent);
        let scale = u32::try_from(scale).ok()?;
        Decimal::try_from_i128_with_scale(base.mantissa(), scale).ok()
    }
}

impl Ctx {
    fn error(&mut self, path: &str, mark: Mark, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            path: path.to_string(),
            mark: Some(mark),
            message: message.into(),
            file: self.file.as_ref().map(|(file, _)| file.clone()),
        });
    }

    fn warning(&mut self, path: &str, mark: Mark, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            path: path.to_string(),
            mark: Some(mark),
            message: message.into(),
            file: self.file.as_ref().map(|(file, _)| file.clone()),
        });
    }

    /// Checks that `node` is a mapping whose keys are all in `allowed`.
    fn fields<'a>(&mut self, node: &'a Node, path: &str, allowed: &[&str]) -> Option<Fields<'a>> {
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

    fn required<'a>(&mut self, fields: &Fields<'a>, key: &str, what: &str) -> Option<&'a Node> {
        let node = fields.get(key);
        if node.is_none() {
            self.error(&fields.path(key), fields.node.mark, format!("missing required key `{key}` ({what})"));
        }
        node
    }

    fn text(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.error(path, node.mark, format!("expected text, found {}", describe(node)));
                None
            }
        }
    }

    /// An identifier such as a practice id or a policy name.
    fn identifier(&mut self, node: &Node, path: &str) -> Option<String> {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            Value::Number(n) if n.integer_syntax => n.text.clone(),
            _ => {
                self.error(path, node.mark, format!("expected a name ({ID_RULE}), found {}", describe(node)));
                return None;
            }
        };
        if !is_identifier(&text) {
            self.error(path, node.mark, format!("`{}` is not a valid name: use {ID_RULE}", truncate(&text)));
            return None;
        }
        Some(text)
    }

    fn source(&mut self, node: Option<&Node>, path: &str) {
        if let Some(node) = node {
            if let Some(text) = self.text(node, path) {
                let path = match &self.file {
                    Some((_, written)) => format!("{written}: {path}"),
                    None => path.to_string(),
                };
                self.sources.push(super::Citation { path, text });
            }
        }
    }

    /// A plain number (distribution parameters, correlation coefficients).
    fn number(&mut self, node: &Node, path: &str) -> Option<Decimal> {
        match &node.value {
            Value::Number(number) => match parse_decimal(number) {
                Ok(value) => Some(value),
                Err(message) => {
                    self.error(path, node.mark, message);
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
    fn rate(&mut self, node: &Node, path: &str, sourced: bool) -> Option<Decimal> {
        let value = if sourced { self.sourced_number(node, path)? } else { self.number(node, path)? };
        if value.abs() > MAX_RATE {
            self.error(path, node.mark, format!("{value} is not a plausible rate; rates are fractions (0.03 is 3%) and seqsim accepts magnitudes up to 1000"));
            return None;
        }
        Some(value)
    }

    /// A number that may be written `{value: X, source: "..."}`.
    fn sourced_number(&mut self, node: &Node, path: &str) -> Option<Decimal> {
        if matches!(node.value, Value::Map(_)) {
            let fields = self.fields(node, path, &["value", "source"])?;
            self.source(fields.get("source"), &fields.path("source"));
            let value = self.required(&fields, "value", "the number")?;
            return self.number(value, &fields.path("value"));
        }
        self.number(node, path)
    }

    fn integer(&mut self, node: &Node, path: &str, low: i128, high: i128) -> Option<i128> {
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

    fn check(&mut self, ok: bool, path: &str, mark: Mark, message: impl Into<String>) -> bool {
        if !ok {
            self.error(path, mark, message);
        }
        ok
    }

    /// A required, sourced number with a validity rule.
    fn amount(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        rule: fn(Decimal) -> bool,
        expected: &str,
        default: Option<Decimal>,
    ) -> Option<Decimal> {
        let path = fields.path(key);
        let Some(node) = fields.get(key) else {
            if default.is_none() {
                self.error(&path, fields.node.mark, format!("missing required key `{key}` ({expected})"));
            }
            return default;
        };
        let value = self.sourced_number(node, &path)?;
        if value.abs() > MAX_AMOUNT {
            self.error(&path, node.mark, format!("{value} is implausibly large; seqsim accepts magnitudes up to 1e15"));
            return None;
        }
        if !rule(value) {
            let hint = if expected.contains("0 and 1") && value > Decimal::ONE && value <= Decimal::ONE_HUNDRED {
                format!("; shares are fractions, so {value}% is {}", value / Decimal::ONE_HUNDRED)
            } else {
                String::new()
            };
            self.error(&path, node.mark, format!("must be {expected}, found {value}{hint}"));
            return None;
        }
        Some(value)
    }

    fn scenario(&mut self, root: &Node, imports: &[ImportDocument]) -> Option<Scenario> {
        if root.value == Value::Null {
            self.error("", root.mark, "the file is empty; a scenario needs at least name, horizon, simulation, drivers, practices, baseline and policies");
            return None;
        }
        let top = self.fields(
            root,
            "",
            &[
                "name",
                "description",
                "source",
                "imports",
                "horizon",
                "simulation",
                "drivers",
                "correlations",
                "practices",
                "cohort",
                "baseline",
                "policies",
            ],
        )?;
        let name = self.required(&top, "name", "free text naming the scenario").and_then(|n| self.text(n, "name"));
        let description = top.get("description").and_then(|n| self.text(n, "description"));
        self.source(top.get("source"), "source");

        let horizon = self.required(&top, "horizon", "start_year and years").and_then(|node| {
            let f = self.fields(node, "horizon", &["start_year", "years"])?;
            let start = self.required(&f, "start_year", "1990 to 2100");
            let start = start.and_then(|n| self.integer(n, "horizon.start_year", 1990, 2100));
            let years = self.required(&f, "years", "1 to 50");
            let years = years.and_then(|n| self.integer(n, "horizon.years", 1, 50));
            Some((start? as i32, years? as u32))
        });
        let simulation = self.required(&top, "simulation", "paths and seed").and_then(|node| {
            let f = self.fields(node, "simulation", &["paths", "seed"])?;
            let paths = self.required(&f, "paths", "1 to 100000000");
            let paths = paths.and_then(|n| self.integer(n, "simulation.paths", 1, 100_000_000));
            let seed = self.required(&f, "seed", "0 to 18446744073709551615");
            let seed = seed.and_then(|n| self.integer(n, "simulation.seed", 0, i128::from(u64::MAX)));
            Some((paths? as u64, seed? as u64))
        });
        let drivers = self.required(&top, "drivers", "all eight drivers").and_then(|n| self.drivers(n));
        let correlations = match (top.get("correlations"), &drivers) {
            (Some(node), Some(drivers)) => self.correlations(node, drivers),
            (Some(node), None) => {
                // Still check the entries' shape; scopes are unknown.
                let defaults: [DriverSpec; Driver::COUNT] = Driver::ALL
                    .map(|d| DriverSpec { dist: Dist::Fixed { value: Decimal::ZERO }, scope: d.default_scope() });
                self.correlations(node, &defaults)
            }
            (None, _) => Some(Vec::new()),
        };
        let cohort = top.get("cohort").map(|n| self.cohort(n, drivers.as_ref()));
        let practices = match (top.get("practices"), &cohort) {
            (Some(n), _) => self.practices(n, drivers.as_ref()),
            (None, Some(_)) => Some(Vec::new()),
            (None, None) => {
                self.error(
                    "practices",
                    root.mark,
                    "missing required key `practices` (one or more practices, or a `cohort:` table)",
                );
                None
            }
        };
        // With a cohort the kinds come from its file: `for_kinds` is checked once it is read.
        let known_practices = if cohort.is_some() { None } else { practices.as_deref() };
        let kinds: Option<HashSet<String>> = known_practices.map(|ps| ps.iter().map(|p| p.kind.clone()).collect());
        let policies = self.all_policies(&top, root, imports, kinds);
        let (policies, import_infos) = match policies {
            Some((policies, infos)) => (Some(policies), infos),
            None => (None, Vec::new()),
        };
        let baseline =
            self.required(&top, "baseline", "the name of the policy others are compared with").and_then(|node| {
                let name = self.identifier(node, "baseline")?;
                let policies = policies.as_ref()?;
                let index = policies.iter().position(|p| p.name == name);
                if index.is_none() {
                    let known: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
                    self.error(
                        "baseline",
                        node.mark,
                        format!("`{name}` is not one of the policies ({})", known.join(", ")),
                    );
                }
                index
            });

        Some(Scenario {
            name: name?,
            description,
            start_year: horizon?.0,
            years: horizon?.1,
            paths: simulation?.0,
            seed: simulation?.1,
            drivers: drivers?,
            correlations: correlations?,
            practices: practices?,
            policies: policies?,
            baseline: baseline?,
            sources: std::mem::take(&mut self.sources),
            cohort: match cohort {
                Some(spec) => Some(spec?),
                None => None,
            },
            imports: import_infos,
        })
    }

    fn cohort(&mut self, node: &Node, drivers: Option<&[DriverSpec; Driver::COUNT]>) -> Option<CohortSpec> {
        let f = self.fields(node, "cohort", &["file", "defaults", "columns", "source"])?;
        self.source(f.get("source"), "cohort.source");
        let file = self
            .required(&f, "file", "a .csv or .parquet file, relative to the scenario")
            .and_then(|n| self.text(n, "cohort.file"));
        let mut defaults = CohortDefaults::default();
        let mut ok = true;
        if let Some(d) = f.get("defaults") {
            match self.fields(
                d,
                "cohort.defaults",
                &["count", "variable_cost_share", "medicare", "thresholds", "drivers", "source"],
            ) {
                Some(df) => {
                    self.source(df.get("source"), "cohort.defaults.source");
                    let share: fn(Decimal) -> bool = |v| v >= Decimal::ZERO && v <= Decimal::ONE;
                    let optional =
                        |ctx: &mut Ctx, fields: &Fields<'_>, key: &str, rule: fn(Decimal) -> bool, what: &str| {
                            fields.get(key).and_then(|_| ctx.amount(fields, key, rule, what, None))
                        };
                    defaults.count = optional(self, &df, "count", |v| v >= Decimal::ZERO, ">= 0");
                    defaults.variable_cost_share = optional(self, &df, "variable_cost_share", share, "between 0 and 1");
                    if let Some(m) = df.get("medicare") {
                        if let Some(mf) = self.fields(
                            m,
                            "cohort.defaults.medicare",
                            &["basis", "program_share", "ma_passthrough", "ma_rate_ratio"],
                        ) {
                            defaults.basis = mf.get("basis").and_then(|b| {
                                match self.text(b, "cohort.defaults.medicare.basis").as_deref() {
                                    Some("fee_schedule") => Some(Basis::FeeSchedule),
                                    Some("cost_based") => Some(Basis::CostBased),
                                    _ => {
                                        self.error(
                                            "cohort.defaults.medicare.basis",
                                            b.mark,
                                            "use fee_schedule or cost_based",
                                        );
                                        None
                                    }
                                }
                            });
                            defaults.program_share = optional(self, &mf, "program_share", share, "between 0 and 1");
                            defaults.ma_passthrough = optional(self, &mf, "ma_passthrough", share, "between 0 and 1");
                            defaults.ma_rate_ratio = optional(self, &mf, "ma_rate_ratio", |v| v > Decimal::ZERO, "> 0");
                        }
                    }
                    if let Some(t) = df.get("thresholds") {
                        if let Some(tf) = self.fields(
                            t,
                            "cohort.defaults.thresholds",
                            &["distress_margin", "distress_days_cash", "closure_days_cash"],
                        ) {
                            defaults.distress_margin =
                                optional(self, &tf, "distress_margin", |v| v < Decimal::ONE, "below 1");
                            defaults.distress_days_cash =
                                optional(self, &tf, "distress_days_cash", |_| true, "a number of days");
                            defaults.closure_days_cash =
                                optional(self, &tf, "closure_days_cash", |_| true, "a number of days");
                        }
                    }
                    if let Some(dr) = df.get("drivers") {
                        match self.overrides(dr, "cohort.defaults.drivers", drivers) {
                            Some(o) => defaults.driver_overrides = o,
                            None => ok = false,
                        }
                    }
                }
                None => ok = false,
            }
        }
        let mut columns = Vec::new();
        if let Some(c) = f.get("columns") {
            if let Value::Map(entries) = &c.value {
                for (key, value) in entries {
                    let standard = scalar_text(key);
                    let path = join_key("cohort.columns", &standard);
                    if !super::cohort::COLUMNS.contains(&standard.as_str()) {
                        self.error(
                            &path,
                            key.mark,
                            format!(
                                "`{standard}` is not a cohort column (columns: {})",
                                super::cohort::COLUMNS.join(", ")
                            ),
                        );
                        ok = false;
                    } else if let Some(actual) = self.text(value, &path) {
                        columns.push((standard, actual));
                    }
                }
            } else {
                self.error(
                    "cohort.columns",
                    c.mark,
                    "expected a mapping from standard column names to the file's column names",
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(CohortSpec { file: file?, defaults, columns })
    }

    fn drivers(&mut self, node: &Node) -> Option<[DriverSpec; Driver::COUNT]> {
        let names: Vec<&str> = Driver::ALL.iter().map(|d| d.name()).collect();
        let fields = self.fields(node, "drivers", &names)?;
        let mut specs: Vec<Option<DriverSpec>> = Vec::new();
        for driver in Driver::ALL {
            let path = fields.path(driver.name());
            let spec = match fields.get(driver.name()) {
                None => {
                    self.error(
                        &path,
                        node.mark,
                        format!(
                            "missing driver `{}`: all eight drivers are required ({})",
                            driver.name(),
                            names.join(", ")
                        ),
                    );
                    None
                }
                Some(n) => self.driver(n, &path, driver, ScopeRule::Any),
            };
            specs.push(spec);
        }
        let specs: Option<Vec<DriverSpec>> = specs.into_iter().collect();
        specs?.try_into().ok()
    }

    /// One driver definition. `rule` says which `scope:` it may give: any at
    /// the scenario's top, only `practice` in a practice's overrides (MODEL.md
    /// v1.2 §3); `scope: null` counts as absent.
    fn driver(&mut self, node: &Node, path: &str, driver: Driver, rule: ScopeRule) -> Option<DriverSpec> {
        let scope_default = driver.default_scope();
        if let Value::Number(_) = node.value {
            let value = self.rate(node, path, false)?;
            self.rate_warning(value, path, node.mark, driver);
            return Some(DriverSpec { dist: Dist::Fixed { value }, scope: scope_default });
        }
        let Value::Map(entries) = &node.value else {
            self.error(
                path,
                node.mark,
                format!(
                    "expected a number or a distribution such as {{dist: normal, mean: 0.03, sd: 0.01}}, found {}",
                    describe(node)
                ),
            );
            return None;
        };
        if !entries.iter().any(|(k, _)| scalar_text(k) == "dist") {
            // {value: X, source: ..., scope: ...} means fixed.
            let f = self.fields(node, path, &["value", "source", "scope"])?;
            self.source(f.get("source"), &f.path("source"));
            let scope = self.scope(&f, scope_default, rule);
            let value_node = self.required(&f, "value", "the number")?;
            let value = self.rate(value_node, &f.path("value"), false)?;
            self.rate_warning(value, path, node.mark, driver);
            return Some(DriverSpec { dist: Dist::Fixed { value }, scope: scope? });
        }
        let dist_node = entries.iter().find(|(k, _)| scalar_text(k) == "dist").map(|(_, v)| v)?;
        let dist_path = join_key(path, "dist");
        let kind = self.text(dist_node, &dist_path)?;
        let params: &[&str] = match kind.as_str() {
            "fixed" => &["value"],
            "normal" => &["mean", "sd", "bounds"],
            "lognormal" => &["mean", "sd"],
            "uniform" => &["min", "max"],
            "triangular" | "pert" => &["min", "mode", "max"],
            other => {
                self.error(
                    &dist_path,
                    dist_node.mark,
                    format!(
                        "unknown distribution `{}`: use fixed, normal, lognormal, uniform, triangular or pert",
                        truncate(other)
                    ),
                );
                return None;
            }
        };
        let mut allowed = vec!["dist", "source", "scope"];
        allowed.extend_from_slice(params);
        let f = self.fields(node, path, &allowed)?;
        self.source(f.get("source"), &f.path("source"));
        let scope = self.scope(&f, scope_default, rule);
        let param = |ctx: &mut Ctx, key: &str| -> Option<Decimal> {
            let n = ctx.required(&f, key, "a number")?;
            ctx.rate(n, &f.path(key), false)
        };
        let dist = match kind.as_str() {
            "fixed" => Dist::Fixed { value: param(self, "value")? },
            "normal" => {
                let mean = param(self, "mean");
                let sd = param(self, "sd");
                let bounds = f.get("bounds").map(|b| self.bounds(b, &f.path("bounds")));
                let sd = sd?;
                if !self.check(sd >= Decimal::ZERO, &f.path("sd"), node.mark, format!("sd must be >= 0, found {sd}")) {
                    return None;
                }
                let (low, high) = bounds.unwrap_or(Some((None, None)))?;
                Dist::Normal { mean: mean?, sd, low, high }
            }
            "lognormal" => {
                let mean = param(self, "mean");
                let sd = param(self, "sd");
                let (mean, sd) = (mean?, sd?);
                let ok_mean = self.check(
                    mean > -Decimal::ONE,
                    &f.path("mean"),
                    node.mark,
                    format!("a lognormal's mean must be > -1 (1 + X is positive), found {mean}"),
                );
                let ok_sd =
                    self.check(sd >= Decimal::ZERO, &f.path("sd"), node.mark, format!("sd must be >= 0, found {sd}"));
                if !(ok_mean && ok_sd) {
                    return None;
                }
                Dist::Lognormal { mean, sd }
            }
            "uniform" => {
                let min = param(self, "min");
                let max = param(self, "max");
                let (min, max) = (min?, max?);
                if !self.check(
                    min <= max,
                    path,
                    node.mark,
                    format!("uniform needs min <= max, found min {min} and max {max}"),
                ) {
                    return None;
                }
                Dist::Uniform { min, max }
            }
            _ => {
                let min = param(self, "min");
                let mode = param(self, "mode");
                let max = param(self, "max");
                let (min, mode, max) = (min?, mode?, max?);
                if !self.check(
                    min < max && min <= mode && mode <= max,
                    path,
                    node.mark,
                    format!("{kind} needs min < max and min <= mode <= max, found min {min}, mode {mode}, max {max}"),
                ) {
                    return None;
                }
                if kind == "triangular" {
                    Dist::Triangular { min, mode, max }
                } else {
                    Dist::Pert { min, mode, max }
                }
            }
        };
        self.rate_warning(dist.ledger_mean(), path, node.mark, driver);
        Some(DriverSpec { dist, scope: scope? })
    }

    fn rate_warning(&mut self, value: Decimal, path: &str, mark: Mark, driver: Driver) {
        if value.abs() >= Decimal::ONE {
            self.warning(
                path,
                mark,
                format!(
                    "{} averages {value}, i.e. {}% a year; rates are fractions (0.03 is 3%) — check this is meant",
                    driver.name(),
                    percent(value)
                ),
            );
        }
    }

    fn bounds(&mut self, node: &Node, path: &str) -> Option<(Option<Decimal>, Option<Decimal>)> {
        let Value::Seq(items) = &node.value else {
            self.error(path, node.mark, format!("expected [low, high], found {}", describe(node)));
            return None;
        };
        if items.len() != 2 {
            self.error(path, node.mark, format!("expected two bounds [low, high], found {}", items.len()));
            return None;
        }
        let bound = |ctx: &mut Ctx, index: usize, infinite_ok: &str| -> Option<Option<Decimal>> {
            let item = &items[index];
            let item_path = join_index(path, index);
            if let Value::Number(n) = &item.value {
                let unsigned = n.text.trim_start_matches(['+', '-']).to_ascii_lowercase();
                if unsigned == ".inf" {
                    let negative = n.text.starts_with('-');
                    if (infinite_ok == "-" && negative) || (infinite_ok == "+" && !negative) {
                        return Some(None);
                    }
                    ctx.error(&item_path, item.mark, "this infinity points the wrong way for this bound");
                    return None;
                }
            }
            ctx.rate(item, &item_path, false).map(Some)
        };
        let low = bound(self, 0, "-");
        let high = bound(self, 1, "+");
        let (low, high) = (low?, high?);
        if let (Some(lo), Some(hi)) = (low, high) {
            if !self.check(lo <= hi, path, node.mark, format!("bounds need low <= high, found [{lo}, {hi}]")) {
                return None;
            }
        }
        Some((low, high))
    }

    fn correlations(&mut self, node: &Node, drivers: &[DriverSpec; Driver::COUNT]) -> Option<Vec<Correlation>> {
        let Value::Seq(items) = &node.value else {
            self.error(
                "correlations",
                node.mark,
                format!("expected a list of [driver, driver, rho], found {}", describe(node)),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen: HashMap<(Driver, Driver), usize> = HashMap::new();
        for (index, item) in items.iter().enumerate() {
            let path = join_index("correlations", index);
            let entry = match &item.value {
                Value::Seq(parts) if parts.len() == 3 => {
                    let first = self.driver_name(&parts[0], &join_index(&path, 0));
                    let second = self.driver_name(&parts[1], &join_index(&path, 1));
                    let rho = self.number(&parts[2], &join_index(&path, 2));
                    (first, second, rho)
                }
                _ => {
                    self.error(&path, item.mark, format!("expected [driver, driver, rho], found {}", describe(item)));
                    ok = false;
                    continue;
                }
            };
            let (Some(first), Some(second), Some(rho)) = entry else {
                ok = false;
                continue;
            };
            if first == second {
                self.error(
                    &path,
                    item.mark,
                    format!("`{}` is correlated with itself; list two different drivers", first.name()),
                );
                ok = false;
                continue;
            }
            if !(rho > -Decimal::ONE && rho < Decimal::ONE) {
                self.error(
                    &join_index(&path, 2),
                    item.mark,
                    format!("rho must be strictly between -1 and 1, found {rho}"),
                );
                ok = false;
                continue;
            }
            if drivers[first.index()].scope != drivers[second.index()].scope {
                self.error(&path, item.mark, format!("`{}` and `{}` have different scopes; only drivers of the same scope (macro or practice) can be correlated", first.name(), second.name()));
                ok = false;
                continue;
            }
            let key = (first.min(second), first.max(second));
            if let Some(previous) = seen.insert(key, index) {
                self.error(
                    &path,
                    item.mark,
                    format!(
                        "the pair `{}`, `{}` is already listed at correlations[{previous}]",
                        first.name(),
                        second.name()
                    ),
                );
                ok = false;
                continue;
            }
            out.push(Correlation { first, second, rho });
        }
        if !ok {
            return None;
        }
        for scope in [Scope::Macro, Scope::Practice] {
            let members: Vec<Driver> = Driver::ALL.into_iter().filter(|d| drivers[d.index()].scope == scope).collect();
            let involved: Vec<&Correlation> = out.iter().filter(|c| members.contains(&c.first)).collect();
            if involved.is_empty() {
                continue;
            }
            let n = members.len();
            let mut matrix = vec![0.0; n * n];
            for i in 0..n {
                matrix[i * n + i] = 1.0;
            }
            for c in &involved {
                let (i, j) = (members.iter().position(|d| *d == c.first), members.iter().position(|d| *d == c.second));
                if let (Some(i), Some(j)) = (i, j) {
                    let rho = c.rho.to_string().parse::<f64>().unwrap_or(0.0);
                    matrix[i * n + j] = rho;
                    matrix[j * n + i] = rho;
                }
            }
            if cholesky(&matrix, n).is_none() {
                let mut names: Vec<&str> = involved.iter().flat_map(|c| [c.first.name(), c.second.name()]).collect();
                names.sort_unstable();
                names.dedup();
                self.error("correlations", node.mark, format!("the correlations among {} do not form a positive-definite matrix (no set of random variables can have them); weaken some coefficients", names.join(", ")));
                return None;
            }
        }
        Some(out)
    }

    fn driver_name(&mut self, node: &Node, path: &str) -> Option<Driver> {
        let name = self.text(node, path)?;
        let driver = Driver::from_name(&name);
        if driver.is_none() {
            let names: Vec<&str> = Driver::ALL.iter().map(|d| d.name()).collect();
            self.error(
                path,
                node.mark,
                format!("unknown driver `{}` (drivers: {})", truncate(&name), names.join(", ")),
            );
        }
        driver
    }

    fn practices(&mut self, node: &Node, drivers: Option<&[DriverSpec; Driver::COUNT]>) -> Option<Vec<Practice>> {
        let Value::Seq(items) = &node.value else {
            self.error("practices", node.mark, format!("expected a list of practices, found {}", describe(node)));
            return None;
        };
        if items.is_empty() {
            self.error("practices", node.mark, "at least one practice is required");
            return None;
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::new();
        let mut ok = true;
        for (index, item) in items.iter().enumerate() {
            let path = join_index("practices", index);
            match self.practice(item, &path, drivers) {
                Some(practice) => {
                    if let Some(first) = seen.insert(practice.id.clone(), index) {
                        self.error(
                            &join_key(&path, "id"),
                            item.mark,
                            format!("id `{}` is already used by practices[{first}]; ids must be unique", practice.id),
                        );
                        ok = false;
                    }
                    out.push(practice);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn practice(&mut self, node: &Node, path: &str, drivers: Option<&[DriverSpec; Driver::COUNT]>) -> Option<Practice> {
        let f = self.fields(
            node,
            path,
            &[
                "id",
                "name",
                "kind",
                "count",
                "revenue",
                "costs",
                "variable_cost_share",
                "cash",
                "medicare",
                "thresholds",
                "drivers",
                "source",
            ],
        )?;
        self.source(f.get("source"), &f.path("source"));
        let id = self.required(&f, "id", ID_RULE).and_then(|n| self.identifier(n, &f.path("id")));
        let name = f.get("name").and_then(|n| self.text(n, &f.path("name")));
        let kind = self.required(&f, "kind", ID_RULE).and_then(|n| {
            let kind = self.identifier(n, &f.path("kind"))?;
            if kind == "all" {
                self.error(
                    &f.path("kind"),
                    n.mark,
                    "`all` is reserved for the national total over kinds; choose another kind name",
                );
                return None;
            }
            Some(kind)
        });
        let non_negative: fn(Decimal) -> bool = |v| v >= Decimal::ZERO;
        let share: fn(Decimal) -> bool = |v| v >= Decimal::ZERO && v <= Decimal::ONE;
        let any: fn(Decimal) -> bool = |_| true;
        let count = self.amount(&f, "count", non_negative, ">= 0 (the number of real practices it stands for)", None);
        let revenue = self.required(&f, "revenue", "the five payer lines").and_then(|n| {
            let r = self.fields(
                n,
                &f.path("revenue"),
                &["medicare_ffs", "medicare_advantage", "medicaid", "commercial", "other"],
            )?;
            let lines = ["medicare_ffs", "medicare_advantage", "medicaid", "commercial", "other"]
                .map(|key| self.amount(&r, key, non_negative, ">= 0 dollars", None));
            let [ffs, ma, medicaid, commercial, other] = lines;
            let revenue = Revenue {
                medicare_ffs: ffs?,
                medicare_advantage: ma?,
                medicaid: medicaid?,
                commercial: commercial?,
                other: other?,
            };
            if !self.check(
                revenue.total() > Decimal::ZERO,
                &f.path("revenue"),
                n.mark,
                "base revenue must total more than 0 (margins divide by revenue)",
            ) {
                return None;
            }
            Some(revenue)
        });
        let costs = self.required(&f, "costs", "labor, supplies and other").and_then(|n| {
            let c = self.fields(n, &f.path("costs"), &["labor", "supplies", "other"])?;
            let lines =
                ["labor", "supplies", "other"].map(|key| self.amount(&c, key, non_negative, ">= 0 dollars", None));
            let [labor, supplies, other] = lines;
            let costs = Costs { labor: labor?, supplies: supplies?, other: other? };
            if !self.check(
                costs.total() > Decimal::ZERO,
                &f.path("costs"),
                n.mark,
                "base costs must total more than 0 (days of cash divide by costs)",
            ) {
                return None;
            }
            Some(costs)
        });
        let vcs = self.amount(&f, "variable_cost_share", share, "between 0 and 1", None);
        let cash = self.amount(&f, "cash", any, "a number of dollars", None);
        let medicare = self.required(&f, "medicare", "at least `basis`").and_then(|n| {
            let m =
                self.fields(n, &f.path("medicare"), &["basis", "program_share", "ma_passthrough", "ma_rate_ratio"])?;
            let basis = self.required(&m, "basis", "fee_schedule or cost_based").and_then(|b| {
                match self.text(b, &m.path("basis"))?.as_str() {
                    "fee_schedule" => Some(Basis::FeeSchedule),
                    "cost_based" => Some(Basis::CostBased),
                    other => {
                        self.error(
                            &m.path("basis"),
                            b.mark,
                            format!("unknown basis `{}`: use fee_schedule or cost_based", truncate(other)),
                        );
                        None
                    }
                }
            });
            let program_share = self.amount(&m, "program_share", share, "between 0 and 1", Some(Decimal::ONE));
            let ma_passthrough = self.amount(&m, "ma_passthrough", share, "between 0 and 1", Some(Decimal::ZERO));
            let ma_rate_ratio = self.amount(&m, "ma_rate_ratio", |v| v > Decimal::ZERO, "> 0", Some(Decimal::ONE));
            Some(MedicareTerms {
                basis: basis?,
                program_share: program_share?,
                ma_passthrough: ma_passthrough?,
                ma_rate_ratio: ma_rate_ratio?,
            })
        });
        let thresholds = match f.get("thresholds") {
            None => Some(Thresholds {
                distress_margin: Decimal::ZERO,
                distress_days_cash: Decimal::from(30),
                closure_days_cash: Decimal::ZERO,
            }),
            Some(n) => self
                .fields(n, &f.path("thresholds"), &["distress_margin", "distress_days_cash", "closure_days_cash"])
                .and_then(|t| {
                    let margin = self.amount(
                        &t,
                        "distress_margin",
                        |v| v < Decimal::ONE,
                        "a margin below 1 (0.0 is break-even)",
                        Some(Decimal::ZERO),
                    );
                    let days = self.amount(&t, "distress_days_cash", any, "a number of days", Some(Decimal::from(30)));
                    let closure = self.amount(&t, "closure_days_cash", any, "a number of days", Some(Decimal::ZERO));
                    Some(Thresholds {
                        distress_margin: margin?,
                        distress_days_cash: days?,
                        closure_days_cash: closure?,
                    })
                }),
        };
        let overrides = match f.get("drivers") {
            None => Some(Vec::new()),
            Some(n) => self.overrides(n, &f.path("drivers"), drivers),
        };
        let id = id?;
        Some(Practice {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            kind: kind?,
            count: count?,
            revenue: revenue?,
            costs: costs?,
            variable_cost_share: vcs?,
            cash: cash?,
            medicare: medicare?,
            thresholds: thresholds?,
            driver_overrides: overrides?,
            attributes: Vec::new(),
        })
    }

    fn overrides(
        &mut self,
        node: &Node,
        path: &str,
        drivers: Option<&[DriverSpec; Driver::COUNT]>,
    ) -> Option<Vec<(Driver, Dist)>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                path,
                node.mark,
                format!("expected a mapping of practice-scope drivers, found {}", describe(node)),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            let name = scalar_text(key);
            let key_path = join_key(path, &name);
            let Some(driver) = Driver::from_name(&name) else {
                let names: Vec<&str> = Driver::ALL.iter().map(|d| d.name()).collect();
                self.error(
                    &key_path,
                    key.mark,
                    format!("unknown driver `{}` (drivers: {})", truncate(&name), names.join(", ")),
                );
                ok = false;
                continue;
            };
            if let Some(drivers) = drivers {
                if drivers[driver.index()].scope == Scope::Macro {
                    self.error(&key_path, key.mark, format!("`{name}` is a macro-scope driver, shared by every practice, so a practice cannot override it; give it `scope: practice` under the scenario's drivers to let practices differ"));
                    ok = false;
                    continue;
                }
            }
            match self.driver(value, &key_path, driver, ScopeRule::PracticeOnly) {
                Some(spec) => out.push((driver, spec.dist)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A driver's `scope:` (absent or null: `default`), checked against `rule`.
    fn scope(&mut self, f: &Fields<'_>, default: Scope, rule: ScopeRule) -> Option<Scope> {
        let Some(node) = f.get("scope") else { return Some(default) };
        let path = f.path("scope");
        let scope = match self.text(node, &path)?.as_str() {
            "macro" => Scope::Macro,
            "practice" => Scope::Practice,
            other => {
                self.error(&path, node.mark, format!("unknown scope `{}`: use macro or practice", truncate(other)));
                return None;
            }
        };
        if rule == ScopeRule::PracticeOnly && scope == Scope::Macro {
            self.error(
                &path,
                node.mark,
                "a practice's driver override is practice-scope already; it may repeat `scope: practice` but not say `macro`",
            );
            return None;
        }
        Some(scope)
    }

    /// The scenario's own policies and those of its imports, linked into
    /// one list (imports first, in import order), with what the outputs say
    /// about each imported file.
    fn all_policies(
        &mut self,
        top: &Fields<'_>,
        root: &Node,
        imports: &[ImportDocument],
        kinds: Option<HashSet<String>>,
    ) -> Option<(Vec<PolicyDef>, Vec<ImportInfo>)> {
        let mut entries = Vec::new();
        let mut infos = Vec::new();
        let mut ok = true;
        for (index, document) in imports.iter().enumerate() {
            self.file = Some((document.file.clone(), document.written.clone()));
            match self.import_document(document, index) {
                Some((info, list)) => {
                    infos.push(info);
                    entries.extend(list);
                }
                None => ok = false,
            }
            self.file = None;
        }
        match top.get("policies") {
            Some(node) => match self.policy_entries(node, kinds.as_ref(), None) {
                Some(list) => entries.extend(list),
                None => ok = false,
            },
            None if imports.is_empty() && top.get("imports").is_none() => {
                self.required(top, "policies", "one or more named policies, here or in imported files");
                ok = false;
            }
            None => {}
        }
        if !ok {
            return None;
        }
        if entries.is_empty() {
            self.error("policies", root.mark, "at least one policy is required (in the scenario or an imported file)");
            return None;
        }
        let files: Vec<(PathBuf, String)> = imports.iter().map(|d| (d.file.clone(), d.written.clone())).collect();
        self.link_policies(entries, &files).map(|policies| (policies, infos))
    }

    /// An imported policy file: `name`, `as_of`, `description`, `source`, `policies`.
    fn import_document(&mut self, document: &ImportDocument, index: usize) -> Option<(ImportInfo, Vec<PolicyEntry>)> {
        if document.root.value == Value::Null {
            self.error("", document.root.mark, "the imported policy file is empty; it needs name, as_of and policies");
            return None;
        }
        if let Value::Map(entries) = &document.root.value {
            if let Some((key, _)) = entries.iter().find(|(k, _)| scalar_text(k) == "imports") {
                self.error(
                    "imports",
                    key.mark,
                    "an imported policy file cannot import others (imports do not nest); list every file in the scenario's `imports:`",
                );
                return None;
            }
        }
        let f = self.fields(&document.root, "", &["name", "as_of", "description", "source", "policies"])?;
        let name =
            self.required(&f, "name", "free text naming the law the file states").and_then(|n| self.text(n, "name"));
        let as_of =
            self.required(&f, "as_of", "the ISO date whose law the file states, e.g. \"2026-12-01\"").and_then(|n| {
                let text = self.text(n, "as_of")?;
                let date = Date::parse_iso(&text);
                if date.is_none() {
                    self.error("as_of", n.mark, format!("`{}` is not an ISO date (YYYY-MM-DD)", truncate(&text)));
                }
                date
            });
        let description = f.get("description").and_then(|n| self.text(n, "description"));
        self.source(f.get("source"), "source");
        let policies = self.required(&f, "policies", "one or more named policies")?;
        let entries = self.policy_entries(policies, None, Some(index))?;
        let info = ImportInfo {
            file: document.written.clone(),
            name: name?,
            as_of: as_of?,
            description,
            sha256: document.sha256.clone(),
        };
        Some((info, entries))
    }

    /// The policies of one `policies:` mapping, unlinked. `kinds` (when the
    /// practices are known here) checks `for_kinds`; imported files pass
    /// `None`, since a law may name kinds a scenario does not have.
    fn policy_entries(
        &mut self,
        node: &Node,
        kinds: Option<&HashSet<String>>,
        import: Option<usize>,
    ) -> Option<Vec<PolicyEntry>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                "policies",
                node.mark,
                format!("expected a mapping from policy names to policies, found {}", describe(node)),
            );
            return None;
        };
        if entries.is_empty() && import.is_some() {
            self.error("policies", node.mark, "at least one policy is required");
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            let name = scalar_text(key);
            let path = join_key("policies", &name);
            if !is_identifier(&name) {
                self.error(&path, key.mark, format!("`{}` is not a valid policy name: use {ID_RULE}", truncate(&name)));
                ok = false;
                continue;
            }
            let mut allowed = vec!["label", "base", "source", "for_kinds"];
            allowed.extend(Lever::ALL.iter().map(|l| l.name()));
            let Some(f) = self.fields(value, &path, &allowed) else {
                ok = false;
                continue;
            };
            self.source(f.get("source"), &f.path("source"));
            let label = f.get("label").and_then(|n| self.text(n, &f.path("label"))).unwrap_or_else(|| name.clone());
            let base = f.get("base").and_then(|n| self.identifier(n, &f.path("base")).map(|b| (b, n.mark)));
            let general = self.lever_set(&f);
            let mut for_kinds = Vec::new();
            if let Some(fk) = f.get("for_kinds") {
                let fk_path = f.path("for_kinds");
                if let Value::Map(kind_entries) = &fk.value {
                    for (kind_key, levers) in kind_entries {
                        let kind = scalar_text(kind_key);
                        let kind_path = join_key(&fk_path, &kind);
                        if !is_identifier(&kind) {
                            self.error(
                                &kind_path,
                                kind_key.mark,
                                format!("`{}` is not a valid kind: use {ID_RULE}", truncate(&kind)),
                            );
                            ok = false;
                            continue;
                        }
                        if let Some(kinds) = kinds {
                            if !kinds.contains(kind.as_str()) {
                                let mut known: Vec<&str> = kinds.iter().map(String::as_str).collect();
                                known.sort_unstable();
                                self.error(
                                    &kind_path,
                                    kind_key.mark,
                                    format!(
                                        "no practice has kind `{}` (kinds here: {})",
                                        truncate(&kind),
                                        known.join(", ")
                                    ),
                                );
                                ok = false;
                                continue;
                            }
                        }
                        let lever_names: Vec<&str> = Lever::ALL.iter().map(|l| l.name()).collect();
                        match self.fields(levers, &kind_path, &lever_names) {
                            Some(kf) => match self.lever_set(&kf) {
                                Some(set) => for_kinds.push((kind, set)),
                                None => ok = false,
                            },
                            None => ok = false,
                        }
                    }
                } else {
                    self.error(
                        &fk_path,
                        fk.mark,
                        format!("expected a mapping from practice kinds to levers, found {}", describe(fk)),
                    );
                    ok = false;
                }
            }
            let Some(general) = general else {
                ok = false;
                continue;
            };
            out.push(PolicyEntry {
                def: PolicyDef { name, label, base: None, general, for_kinds, import },
                base,
                mark: key.mark,
            });
        }
        ok.then_some(out)
    }

    /// Links policies from every file into one list: names unique across
    /// files, bases resolved by name, no cycles. `files[i]` is import `i`.
    fn link_policies(&mut self, entries: Vec<PolicyEntry>, files: &[(PathBuf, String)]) -> Option<Vec<PolicyDef>> {
        let where_defined = |import: Option<usize>| match import {
            Some(i) => {
                files.get(i).map_or_else(|| "an imported file".to_string(), |(_, written)| format!("`{written}`"))
            }
            None => "the scenario".to_string(),
        };
        let attribute = |ctx: &mut Ctx, import: Option<usize>| ctx.file = import.and_then(|i| files.get(i).cloned());
        let mut ok = true;
        let mut seen: HashMap<&str, Option<usize>> = HashMap::new();
        for entry in &entries {
            if let Some(first) = seen.get(entry.def.name.as_str()) {
                attribute(self, entry.def.import);
                self.error(
                    &join_key("policies", &entry.def.name),
                    entry.mark,
                    format!(
                        "policy `{}` is defined twice: in {} and in {}; rename one of them",
                        entry.def.name,
                        where_defined(*first),
                        where_defined(entry.def.import)
                    ),
                );
                ok = false;
            } else {
                seen.insert(&entry.def.name, entry.def.import);
            }
        }
        self.file = None;
        if !ok {
            return None;
        }
        let names: Vec<String> = entries.iter().map(|e| e.def.name.clone()).collect();
        let mut out: Vec<PolicyDef> = Vec::with_capacity(entries.len());
        let mut bases: Vec<Option<(String, Mark)>> = Vec::with_capacity(entries.len());
        for entry in entries {
            bases.push(entry.base);
            out.push(entry.def);
        }
        for (index, base) in bases.iter().enumerate() {
            if let Some((base_name, mark)) = base {
                match names.iter().position(|n| n == base_name) {
                    Some(b) => out[index].base = Some(b),
                    None => {
                        attribute(self, out[index].import);
                        let path = join_key(&join_key("policies", &out[index].name), "base");
                        self.error(
                            &path,
                            *mark,
                            format!("unknown base policy `{base_name}` (policies: {})", names.join(", ")),
                        );
                        ok = false;
                    }
                }
            }
        }
        self.file = None;
        if !ok {
            return None;
        }
        for start in 0..out.len() {
            let mut chain = vec![start];
            let mut cursor = out[start].base;
            while let Some(next) = cursor {
                if chain.contains(&next) {
                    if next == start {
                        let names: Vec<&str> =
                            chain.iter().chain(std::iter::once(&next)).map(|&i| out[i].name.as_str()).collect();
                        let path = join_key(&join_key("policies", &out[start].name), "base");
                        let mark = bases[start].as_ref().map(|(_, m)| *m).unwrap_or_default();
                        attribute(self, out[start].import);
                        self.error(
                            &path,
                            mark,
                            format!(
                                "policies inherit in a cycle ({}); one of them must not have a base",
                                names.join(" -> ")
                            ),
                        );
                        ok = false;
                    }
                    break;
                }
                chain.push(next);
                cursor = out[next].base;
            }
        }
        self.file = None;
        ok.then_some(out)
    }

    fn lever_set(&mut self, f: &Fields<'_>) -> Option<LeverSet> {
        let mut set = LeverSet::default();
        let mut ok = true;
        for (key, value) in f.entries {
            let name = scalar_text(key);
            let Some(lever) = Lever::from_name(&name) else { continue };
            if value.value == Value::Null {
                continue;
            }
            match self.lever(value, &f.path(&name), lever) {
                Some(input) => set.levers.push((lever, input)),
                None => ok = false,
            }
        }
        ok.then_some(set)
    }

    fn lever(&mut self, node: &Node, path: &str, lever: Lever) -> Option<LeverInput> {
        if let Value::Map(entries) = &node.value {
            let has = |key: &str| entries.iter().any(|(k, _)| scalar_text(k) == key);
            if has("value") {
                let f = self.fields(node, path, &["value", "source"])?;
                self.source(f.get("source"), &f.path("source"));
                let inner = self.required(&f, "value", "the lever")?;
                return self.lever(inner, &f.path("value"), lever);
            }
            if has("index") {
                return self.lever_value(node, path, lever).map(LeverInput::Scalar);
            }
            if entries.is_empty() {
                self.error(
                    path,
                    node.mark,
                    "an empty dated map gives no value; write a number or at least one `YEAR: value`",
                );
                return None;
            }
            let mut dated: Vec<(Date, LeverValue, Mark, String)> = Vec::new();
            let mut ok = true;
            for (key, value) in entries {
                let key_text = scalar_text(key);
                let key_path = join_key(path, &key_text);
                let date = self.date_key(key, &key_path);
                let value = self.lever_value(value, &key_path, lever);
                match (date, value) {
                    (Some(date), Some(value)) => {
                        if let Some((_, _, _, first)) = dated.iter().find(|(d, ..)| *d == date) {
                            self.error(
                                &key_path,
                                key.mark,
                                format!("`{key_text}` names the same day ({date}) as `{first}`; give each day once"),
                            );
                            ok = false;
                        } else {
                            dated.push((date, value, key.mark, key_text));
                        }
                    }
                    _ => ok = false,
                }
            }
            if !ok {
                return None;
            }
            dated.sort_by_key(|(d, ..)| *d);
            return Some(LeverInput::Dated(dated.into_iter().map(|(d, v, ..)| (d, v)).collect()));
        }
        self.lever_value(node, path, lever).map(LeverInput::Scalar)
    }

    fn date_key(&mut self, key: &Node, path: &str) -> Option<Date> {
        match &key.value {
            Value::Number(n) if n.integer_syntax => {
                let year = n.text.parse::<i32>().ok().filter(|y| (1000..=9999).contains(y));
                if year.is_none() {
                    self.error(path, key.mark, format!("`{}` is not a year between 1000 and 9999", n.text));
                }
                year.map(Date::first_of_year)
            }
            Value::Number(n) => {
                self.error(
                    path,
                    key.mark,
                    format!(
                        "`{}` is a fractional key; dated keys are years (2027) or ISO dates (\"2027-04-01\")",
                        n.text
                    ),
                );
                None
            }
            Value::Str(s) => {
                if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
                    return s.parse::<i32>().ok().filter(|y| *y >= 1000).map(Date::first_of_year);
                }
                let date = Date::parse_iso(s);
                if date.is_none() {
                    self.error(
                        path,
                        key.mark,
                        format!(
                            "`{}` is not a date: write a year (2027) or an existing ISO date (\"2027-04-01\")",
                            truncate(s)
                        ),
                    );
                }
                date
            }
            _ => {
                self.error(path, key.mark, format!("expected a year or ISO date as key, found {}", describe(key)));
                None
            }
        }
    }

    fn lever_value(&mut self, node: &Node, path: &str, lever: Lever) -> Option<LeverValue> {
        if let Value::Map(entries) = &node.value {
            if entries.iter().any(|(k, _)| scalar_text(k) == "index") {
                if lever != Lever::MedicareUpdate {
                    self.error(
                        path,
                        node.mark,
                        format!("only medicare_update can follow an index; {} takes a number", lever.name()),
                    );
                    return None;
                }
                let f = self.fields(node, path, &["index", "offset", "source"])?;
                self.source(f.get("source"), &f.path("source"));
                let index = self.required(&f, "index", "mei")?;
                let name = self.text(index, &f.path("index"))?;
                if name != "mei" {
                    self.error(
                        &f.path("index"),
                        index.mark,
                        format!("unknown index `{}`: mei is the only index", truncate(&name)),
                    );
                    return None;
                }
                let offset = match f.get("offset") {
                    Some(n) => self.rate(n, &f.path("offset"), true)?,
                    None => Decimal::ZERO,
                };
                return Some(LeverValue::Mei { offset });
            }
        }
        let value = if lever == Lever::Relief {
            let value = self.sourced_number(node, path)?;
            if value.abs() > MAX_AMOUNT {
                self.error(path, node.mark, format!("{value} is implausibly large; seqsim accepts up to 1e15 dollars"));
                return None;
            }
            value
        } else {
            self.rate(node, path, true)?
        };
        let mark = node.mark;
        let ok = match lever {
            Lever::Sequestration => {
                let ok = value >= Decimal::ZERO && value <= Decimal::new(5, 1);
                if !ok {
                    let hint = if value > Decimal::ONE && value <= Decimal::from(50) {
                        format!("; rates are fractions, so {value}% is {}", value / Decimal::ONE_HUNDRED)
                    } else {
                        String::new()
                    };
                    self.error(path, mark, format!("sequestration must be between 0 and 0.5, found {value}{hint}"));
                } else if value > Decimal::new(6, 2) {
                    // One BCA sequester (2%, 2 U.S.C. 901a(6)(A)) and one PAYGO
                    // sequester (4%, 906(d)(2)) together take at most 6%.
                    self.warning(path, mark, format!("sequestration {value} is above 6%, the most the 2% BCA sequester and a 4% PAYGO sequester take together (2 U.S.C. 901a(6)(A), 906(d)(2)); check this is meant"));
                }
                ok
            }
            Lever::MedicareUpdate => {
                let ok = value > -Decimal::ONE;
                if !ok {
                    self.error(path, mark, format!("medicare_update must be > -1, found {value}"));
                } else if value.abs() >= Decimal::ONE {
                    self.warning(
                        path,
                        mark,
                        format!(
                            "medicare_update {value} is a {}% update; rates are fractions (0.0025 is 0.25%)",
                            percent(value)
                        ),
                    );
                }
                ok
            }
            Lever::MedicareAddOn => {
                let ok = value > -Decimal::ONE;
                if !ok {
                    self.error(path, mark, format!("medicare_add_on must be > -1, found {value}"));
                } else if value.abs() >= Decimal::ONE {
                    self.warning(
                        path,
                        mark,
                        format!(
                            "medicare_add_on {value} is a {}% add-on; rates are fractions (0.05 is 5%)",
                            percent(value)
                        ),
                    );
                }
                ok
            }
            Lever::Relief => self.check(
                value >= Decimal::ZERO,
                path,
                mark,
                format!("relief must be >= 0 dollars per practice per year, found {value}"),
            ),
        };
        ok.then_some(LeverValue::Rate(value))
    }
}
