//! Edits to a scenario's policies, as the workbench makes them: a lever
//! schedule replaced by rows of (date, value, source) text, a policy added
//! on top of another, another baseline. An edit list applies to the
//! scenario's YAML tree and gives new scenario text, which is then read by
//! the one scenario reader like any file: every rule stays in `validate`.
//!
//! Cells are read as YAML scalars (`2027` is a year, `"2027-04-01"` a day,
//! `0.01` an exact number, `{index: mei, offset: 0.01}` the MEI form), so a
//! number typed in the browser means what it means in a file. Editing a
//! policy defined in an imported file writes that file's policies into the
//! scenario (the law is no longer the file's law), dropping `for_kinds`
//! entries for kinds the scenario does not have, which only imports may name.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::yaml::{self, Node, Value};
use super::{ImportOrigin, Lever, Loaded};

/// The most edits one scenario takes, rows one schedule takes and
/// characters one cell takes (the workbench's caps on hostile input).
pub const MAX_EDITS: usize = 200;
/// See [`MAX_EDITS`].
pub const MAX_ROWS: usize = 400;
/// See [`MAX_EDITS`].
pub const MAX_CELL_CHARS: usize = 2_000;

/// One row of a lever schedule as text: `date` empty means the lever is a
/// scalar (its value from the beginning of time).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// A year (`2027`), an ISO date (`2027-04-01`), or empty.
    pub date: String,
    /// A number or `{index: mei, offset: x}`, as in YAML.
    pub value: String,
    /// Where the value comes from (may be empty).
    pub source: String,
}

/// One lever schedule of a policy, general or for one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// `None`: for every practice; else `for_kinds.KIND`.
    pub kind: Option<String>,
    /// The lever.
    pub lever: Lever,
    /// Its rows in file order.
    pub rows: Vec<Row>,
}

/// One change to a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    /// Replaces a policy's own schedule of one lever (no rows: the policy
    /// no longer sets it and inherits it from its base).
    Schedule {
        /// The policy.
        policy: String,
        /// `None`: for every practice; else for practices of this kind.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        /// The lever.
        #[serde(with = "lever_name")]
        lever: Lever,
        /// The new rows.
        rows: Vec<Row>,
    },
    /// Gives a policy another label (the name tables and briefs show).
    Label {
        /// The policy.
        policy: String,
        /// Its new label.
        label: String,
    },
    /// Adds a policy stacked on another (the same levers until edited).
    AddPolicy {
        /// Its name.
        name: String,
        /// The policy it starts from.
        base: String,
        /// Its label for tables.
        label: String,
    },
    /// Compares every policy with another one.
    Baseline {
        /// The new baseline.
        policy: String,
    },
}

mod lever_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::scenario::Lever;

    pub fn serialize<S: Serializer>(lever: &Lever, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(lever.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Lever, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl Edit {
    /// Whether `self` sets the same thing as `other` (the same schedule, or
    /// the same policy's label), so that only the later of the two counts.
    fn same_target(&self, other: &Edit) -> bool {
        match (self, other) {
            (Edit::Schedule { policy, kind, lever, .. }, Edit::Schedule { policy: p, kind: k, lever: l, .. }) => {
                policy == p && kind == k && lever == l
            }
            (Edit::Label { policy, .. }, Edit::Label { policy: p, .. }) => policy == p,
            _ => false,
        }
    }
}

/// Adds `edit` to `edits`, in place of an earlier edit of the same schedule
/// or label (so the list, and the link that carries it, stays short).
pub fn record(edits: &mut Vec<Edit>, edit: Edit) {
    match edits.iter().position(|e| e.same_target(&edit)) {
        Some(at) => edits[at] = edit,
        None => edits.push(edit),
    }
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::Schedule { policy, kind, lever, rows } => {
                let whom = kind.as_ref().map_or(String::new(), |k| format!(" for {k}"));
                let rows: Vec<String> = rows
                    .iter()
                    .map(|r| if r.date.is_empty() { r.value.clone() } else { format!("{}: {}", r.date, r.value) })
                    .collect();
                if rows.is_empty() {
                    write!(f, "{policy}: {lever}{whom} inherited from its base")
                } else {
                    write!(f, "{policy}: {lever}{whom} = {}", rows.join(", "))
                }
            }
            Edit::Label { policy, label } => write!(f, "{policy}: label \"{label}\""),
            Edit::AddPolicy { name, base, .. } => write!(f, "new policy {name} based on {base}"),
            Edit::Baseline { policy } => write!(f, "baseline {policy}"),
        }
    }
}

/// Why edits could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// No policy has that name (in the scenario or its imports).
    #[error("no policy is named `{0}`")]
    NoPolicy(String),
    /// A cell is not a YAML value of the right shape.
    #[error("{policy}: {lever}{}, row {row}, {column}: {message}", kind.as_ref().map_or(String::new(), |k| format!(" for {k}")))]
    Cell {
        /// The policy.
        policy: String,
        /// The kind, for a `for_kinds` schedule.
        kind: Option<String>,
        /// The lever.
        lever: Lever,
        /// The row, from 1.
        row: usize,
        /// `date`, `value` or `source`.
        column: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Too many edits, rows or characters.
    #[error("{0}")]
    TooLarge(String),
    /// The scenario text itself does not parse (it loaded before, so this is a bug).
    #[error("the scenario text does not parse: {0}")]
    Scenario(String),
    /// The scenario text or an imported file is not UTF-8 (it loaded before, so this is a bug).
    #[error("the scenario text does not parse: {0}")]
    NotUtf8(#[from] std::str::Utf8Error),
}

/// Where one policy is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySchedules {
    /// The policy's name.
    pub name: String,
    /// The imported file it is written in (as written in `imports:`), or `None`.
    pub import: Option<String>,
    /// Its schedules, general ones first, each in file order.
    pub schedules: Vec<Schedule>,
}

/// Every policy's lever schedules as written (in the scenario or the file it
/// was imported from), in the order of `loaded.scenario.policies`.
pub fn schedules(loaded: &Loaded) -> Result<Vec<PolicySchedules>, EditError> {
    let tree = Tree::read(loaded)?;
    let mut all = Vec::new();
    for policy in &loaded.scenario.policies {
        let (import, node) = tree.find(&policy.name).ok_or_else(|| EditError::NoPolicy(policy.name.clone()))?;
        all.push(PolicySchedules {
            name: policy.name.clone(),
            import: import.map(|i| tree.imports[i].0.clone()),
            schedules: read_schedules(node),
        });
    }
    Ok(all)
}

/// The scenario text with `edits` applied, headed by comments that say what
/// was edited. The text is not validated here: read it with the scenario reader.
pub fn apply(loaded: &Loaded, edits: &[Edit]) -> Result<String, EditError> {
    if edits.len() > MAX_EDITS {
        return Err(EditError::TooLarge(format!("{} edits; at most {MAX_EDITS} apply to one scenario", edits.len())));
    }
    let mut tree = Tree::read(loaded)?;
    let kinds = loaded.scenario.kinds();
    let mut notes = Vec::new();
    for edit in edits {
        match edit {
            Edit::Schedule { policy, kind, lever, rows } => {
                let node = schedule_node(policy, kind.as_deref(), *lever, rows)?;
                let levels = tree.editable(policy, loaded, &kinds, &mut notes)?;
                let level = match kind {
                    None => levels,
                    Some(kind) => entry_mut(entry_mut(levels, "for_kinds"), kind),
                };
                set_entry(level, lever.as_str(), node);
            }
            Edit::Label { policy, label } => {
                if label.chars().count() > MAX_CELL_CHARS {
                    return Err(EditError::TooLarge(format!("a label longer than {MAX_CELL_CHARS} characters")));
                }
                set_entry(tree.editable(policy, loaded, &kinds, &mut notes)?, "label", text(label));
            }
            Edit::AddPolicy { name, base, label } => {
                let policy = map(vec![
                    ("label", text(label)),
                    ("base", text(base)),
                    ("source", text("added in the seqsim workbench")),
                ]);
                let policies = entry_mut(&mut tree.root, "policies");
                match &mut policies.value {
                    Value::Map(entries) => entries.push((text(name), policy)),
                    _ => *policies = map(vec![(name, policy)]),
                }
            }
            Edit::Baseline { policy } => set_entry(&mut tree.root, "baseline", text(policy)),
        }
    }
    let file = loaded.path.file_name().map_or("the scenario".to_string(), |f| f.to_string_lossy().into_owned());
    let mut out = format!("# Edited in the seqsim workbench from {file} (SHA-256 {}).\n", &loaded.sha256);
    for edit in edits {
        out.push_str(&format!("# - {}\n", one_line(&edit.to_string())));
    }
    for note in notes {
        out.push_str(&format!("# {}\n", one_line(&note)));
    }
    out.push_str(&yaml::emit(&tree.root));
    Ok(out)
}

fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The scenario's tree and its imported files' trees (those its own
/// `imports:` names, which edits can write out).
struct Tree {
    root: Node,
    imports: Vec<(String, Node)>,
}

impl Tree {
    fn read(loaded: &Loaded) -> Result<Tree, EditError> {
        let text = std::str::from_utf8(&loaded.bytes)?;
        let (root, _) = yaml::parse(text.trim_start_matches('\u{feff}')).map_err(|p| EditError::Scenario(p.message))?;
        let mut imports = Vec::new();
        for file in loaded.imports.iter().filter(|f| f.origin == ImportOrigin::Scenario) {
            let text = std::str::from_utf8(&file.bytes)?;
            let (node, _) = yaml::parse(text.trim_start_matches('\u{feff}'))
                .map_err(|p| EditError::Scenario(format!("{}: {}", file.written, p.message)))?;
            imports.push((file.written.clone(), node));
        }
        Ok(Tree { root, imports })
    }

    /// The policy's mapping and the import it is in (`None`: the scenario).
    fn find(&self, policy: &str) -> Option<(Option<usize>, &Node)> {
        if let Some(node) = get(&self.root, "policies").and_then(|p| get(p, policy)) {
            return Some((None, node));
        }
        self.imports
            .iter()
            .enumerate()
            .find_map(|(i, (_, doc))| get(doc, "policies").and_then(|p| get(p, policy)).map(|node| (Some(i), node)))
    }

    fn policy_mut(&mut self, policy: &str) -> Option<&mut Node> {
        get_mut(get_mut(&mut self.root, "policies")?, policy)
    }

    /// The policy's mapping in the scenario, its import written out first
    /// when it is in one (noted in `notes`).
    fn editable(
        &mut self,
        policy: &str,
        loaded: &Loaded,
        kinds: &[String],
        notes: &mut Vec<String>,
    ) -> Result<&mut Node, EditError> {
        if let Some(written) = self.inline_owner(policy, kinds)? {
            let info = loaded.scenario.imports.iter().find(|i| i.file == written);
            let law = info.map_or(String::new(), |i| format!(" ({})", i.citation()));
            notes.push(format!("The policies of {written}{law} are written out here: {policy} was edited."));
        }
        self.policy_mut(policy).ok_or_else(|| EditError::NoPolicy(policy.to_string()))
    }

    /// When `policy` is written in an imported file, writes that file's
    /// policies into the scenario and drops it from `imports:`; returns the
    /// file as written.
    fn inline_owner(&mut self, policy: &str, kinds: &[String]) -> Result<Option<String>, EditError> {
        let Some((owner, _)) = self.find(policy) else { return Err(EditError::NoPolicy(policy.to_string())) };
        let Some(index) = owner else { return Ok(None) };
        let (written, doc) = self.imports.remove(index);
        let mut inlined = match get(&doc, "policies").map(|p| &p.value) {
            Some(Value::Map(entries)) => entries.clone(),
            _ => Vec::new(),
        };
        for (_, policy) in &mut inlined {
            if let Some(for_kinds) = get_mut(policy, "for_kinds") {
                if let Value::Map(entries) = &mut for_kinds.value {
                    entries.retain(|(kind, _)| kinds.contains(&yaml::scalar_text(kind)));
                }
            }
            if let Value::Map(entries) = &mut policy.value {
                entries.retain(|(key, value)| {
                    !(yaml::scalar_text(key) == "for_kinds" && matches!(&value.value, Value::Map(e) if e.is_empty()))
                });
            }
        }
        if let Some(list) = get_mut(&mut self.root, "imports") {
            if let Value::Seq(items) = &mut list.value {
                items.retain(|item| yaml::scalar_text(item) != written);
            }
        }
        if let Value::Map(entries) = &mut self.root.value {
            entries.retain(|(key, value)| {
                !(yaml::scalar_text(key) == "imports" && matches!(&value.value, Value::Seq(items) if items.is_empty()))
            });
        }
        let policies = entry_mut(&mut self.root, "policies");
        match &mut policies.value {
            Value::Map(entries) => {
                inlined.append(entries);
                *entries = inlined;
            }
            _ => policies.value = Value::Map(inlined),
        }
        Ok(Some(written))
    }
}

/// A policy's schedules as rows of text: its general levers, then each kind's.
fn read_schedules(policy: &Node) -> Vec<Schedule> {
    let mut schedules = levers_of(policy, None);
    if let Some(Value::Map(kinds)) = get(policy, "for_kinds").map(|n| &n.value) {
        for (kind, levels) in kinds {
            schedules.extend(levers_of(levels, Some(yaml::scalar_text(kind))));
        }
    }
    schedules
}

fn levers_of(level: &Node, kind: Option<String>) -> Vec<Schedule> {
    let Value::Map(entries) = &level.value else { return Vec::new() };
    entries
        .iter()
        .filter_map(|(key, value)| {
            let lever: Lever = yaml::scalar_text(key).parse().ok()?;
            Some(Schedule { kind: kind.clone(), lever, rows: rows_of(value) })
        })
        .collect()
}

/// The rows of one lever as written: a dated map's entries, or one undated row.
fn rows_of(lever: &Node) -> Vec<Row> {
    let (lever, outer_source) = unwrap_source(lever);
    match &lever.value {
        Value::Map(entries) if get(lever, "index").is_none() => entries
            .iter()
            .map(|(date, entry)| {
                let (value, source) = unwrap_source(entry);
                Row { date: yaml::scalar_text(date), value: yaml::flow(value), source }
            })
            .collect(),
        _ => vec![Row { date: String::new(), value: yaml::flow(lever), source: outer_source }],
    }
}

/// `{value: X, source: S}` as (X, S); anything else as (it, "").
fn unwrap_source(node: &Node) -> (&Node, String) {
    match get(node, "value") {
        Some(value) => (value, get(node, "source").map(yaml::scalar_text).unwrap_or_default()),
        None => (node, String::new()),
    }
}

/// The lever's new node from rows of text; `Null` (no rows) removes it.
fn schedule_node(policy: &str, kind: Option<&str>, lever: Lever, rows: &[Row]) -> Result<Node, EditError> {
    let cell = |row: usize, column: &'static str, message: String| EditError::Cell {
        policy: policy.to_string(),
        kind: kind.map(str::to_string),
        lever,
        row,
        column,
        message,
    };
    if rows.len() > MAX_ROWS {
        return Err(EditError::TooLarge(format!("{} rows; a schedule takes at most {MAX_ROWS}", rows.len())));
    }
    let mut dated = Vec::new();
    let mut undated = None;
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        for (column, text) in [("date", &row.date), ("value", &row.value), ("source", &row.source)] {
            if text.chars().count() > MAX_CELL_CHARS {
                return Err(cell(n, column, format!("longer than {MAX_CELL_CHARS} characters")));
            }
        }
        let value = yaml::parse(row.value.trim()).map_err(|p| cell(n, "value", p.message))?.0;
        if let Value::Map(entries) = &value.value {
            if entries.iter().any(|(k, _)| yaml::scalar_text(k) == "value") {
                return Err(cell(n, "value", "give the source in its own column".to_string()));
            }
        }
        let entry = if row.source.trim().is_empty() {
            value
        } else {
            map(vec![("value", value), ("source", text(row.source.trim()))])
        };
        let date = row.date.trim();
        if date.is_empty() {
            undated = Some(entry);
            continue;
        }
        let key = yaml::parse(date).map_err(|p| cell(n, "date", p.message))?.0;
        if !matches!(key.value, Value::Number(_) | Value::Str(_)) {
            return Err(cell(n, "date", "a year such as 2027 or a day such as 2027-04-01".to_string()));
        }
        dated.push((key, entry));
    }
    match (undated, dated.is_empty()) {
        (None, true) => Ok(Node { value: Value::Null, mark: Default::default() }),
        (Some(entry), true) => Ok(entry),
        (None, false) => Ok(Node { value: Value::Map(dated), mark: Default::default() }),
        (Some(_), false) => Err(cell(
            rows.iter().position(|r| r.date.trim().is_empty()).map_or(1, |p| p + 1),
            "date",
            "a row without a date gives the lever one value for all time; give every row a date, or keep only this one"
                .to_string(),
        )),
    }
}

fn text(s: &str) -> Node {
    Node { value: Value::Str(s.to_string()), mark: Default::default() }
}

fn map(entries: Vec<(&str, Node)>) -> Node {
    Node { value: Value::Map(entries.into_iter().map(|(k, v)| (text(k), v)).collect()), mark: Default::default() }
}

fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    match &node.value {
        Value::Map(entries) => entries.iter().find(|(k, _)| yaml::scalar_text(k) == key).map(|(_, v)| v),
        _ => None,
    }
}

fn get_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().find(|(k, _)| yaml::scalar_text(k) == key).map(|(_, v)| v),
        _ => None,
    }
}

/// The entry `key` of a mapping, added empty when missing (a non-mapping
/// becomes an empty mapping: the reader then reports what is missing).
fn entry_mut<'a>(node: &'a mut Node, key: &str) -> &'a mut Node {
    if !matches!(node.value, Value::Map(_)) {
        node.value = Value::Map(Vec::new());
    }
    let Value::Map(entries) = &mut node.value else { unreachable!("made a mapping above") };
    let at = match entries.iter().position(|(k, _)| yaml::scalar_text(k) == key) {
        Some(at) => at,
        None => {
            entries.push((text(key), Node { value: Value::Map(Vec::new()), mark: Default::default() }));
            entries.len() - 1
        }
    };
    &mut entries[at].1
}

/// Sets `key` of a mapping to `value`; a `Null` value removes the key.
fn set_entry(node: &mut Node, key: &str, value: Node) {
    if value.value == Value::Null {
        if let Value::Map(entries) = &mut node.value {
            entries.retain(|(k, _)| yaml::scalar_text(k) != key);
        }
        return;
    }
    *entry_mut(node, key) = value;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_with_imports;
    use std::path::PathBuf;

    const POLICIES: &str = "name: law\nas_of: \"2026-12-01\"\npolicies:\n  current_law:\n    label: Current law\n    \
        sequestration: {\"2013-04-01\": {value: 0.02, source: BCA}, \"2033-09-01\": 0.0}\n    \
        for_kinds:\n      clinic: {medicare_update: 0.01}\n      hospital: {medicare_update: 0.02}\n";

    fn scenario(policies: &str) -> String {
        format!(
            "name: t\nimports: [law.yaml]\nhorizon: {{start_year: 2027, years: 2}}\nsimulation: {{paths: 10, seed: 1}}\n\
             drivers: {{labor_inflation: 0, supply_inflation: 0, other_inflation: 0, commercial_rate_growth: 0, \
             medicaid_rate_growth: 0, ma_shift: 0, mei: 0, volume_growth: 0}}\n\
             practices:\n  - id: a\n    name: A\n    kind: clinic\n    count: 1\n    \
             revenue: {{medicare_ffs: 100, medicare_advantage: 0, medicaid: 0, commercial: 0, other: 0}}\n    \
             costs: {{labor: 90, supplies: 0, other: 0}}\n    variable_cost_share: 0\n    cash: 10\n    \
             medicare: {{basis: fee_schedule}}\n\
             {policies}baseline: current_law\n"
        )
    }

    fn load(text: &str) -> Result<Loaded, Vec<String>> {
        let mut read = |_: ImportOrigin, written: &str| -> Result<(PathBuf, Vec<u8>), String> {
            match written {
                "law.yaml" => Ok((PathBuf::from(written), POLICIES.as_bytes().to_vec())),
                _ => Err("no such file".to_string()),
            }
        };
        let parsed = parse_with_imports(text, &[], &mut read);
        match parsed.scenario {
            Some(scenario) => Ok(Loaded {
                scenario,
                warnings: parsed.diagnostics,
                path: PathBuf::from("t.yaml"),
                sha256: "0".repeat(64),
                bytes: text.as_bytes().to_vec(),
                imports: parsed.imports,
            }),
            None => Err(parsed.diagnostics.iter().map(|d| d.render(&PathBuf::from("t.yaml"))).collect()),
        }
    }

    fn row(date: &str, value: &str, source: &str) -> Row {
        Row { date: date.into(), value: value.into(), source: source.into() }
    }

    #[test]
    fn schedules_read_as_written_in_the_import() {
        let base =
            load(&scenario("policies:\n  repeal: {label: Repeal, base: current_law, sequestration: {2027: 0.0}}\n"))
                .unwrap();
        let all = schedules(&base).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].name, "current_law");
        assert_eq!(all[0].import.as_deref(), Some("law.yaml"));
        assert_eq!(all[0].schedules[0].rows, vec![row("2013-04-01", "0.02", "BCA"), row("2033-09-01", "0.0", "")]);
        assert_eq!(all[0].schedules[1].kind.as_deref(), Some("clinic"));
        assert_eq!(all[0].schedules[1].rows, vec![row("", "0.01", "")]);
        assert_eq!(all[1].import, None);
        assert_eq!(
            all[1].schedules,
            vec![Schedule { kind: None, lever: Lever::Sequestration, rows: vec![row("2027", "0.0", "")] }]
        );
    }

    #[test]
    fn editing_an_imported_policy_writes_the_law_into_the_scenario() {
        let base = load(&scenario("")).unwrap();
        let edits = vec![Edit::Schedule {
            policy: "current_law".into(),
            kind: None,
            lever: Lever::Sequestration,
            rows: vec![row("2013-04-01", "0.02", "BCA"), row("2027", "0.01", "what if"), row("2033-09-01", "0.0", "")],
        }];
        let text = apply(&base, &edits).unwrap();
        assert!(text.starts_with("# Edited in the seqsim workbench from t.yaml"), "{text}");
        assert!(
            text.contains("# - current_law: sequestration = 2013-04-01: 0.02, 2027: 0.01, 2033-09-01: 0.0\n"),
            "{text}"
        );
        assert!(!text.contains("imports:"), "{text}");
        // The hospital entry names a kind the scenario lacks: only an import may.
        assert!(!text.contains("hospital"), "{text}");
        let edited = load(&text).unwrap();
        let policy = &edited.scenario.policies[0];
        assert_eq!(policy.name, "current_law");
        let crate::scenario::LeverInput::Dated(dates) = &policy.general.levers[0].1 else { panic!("dated") };
        assert_eq!(dates.len(), 3);
        assert_eq!(dates[1].1, crate::scenario::LeverValue::Rate(rust_decimal::Decimal::new(1, 2)));
        assert_eq!(edited.scenario.policies[0].for_kinds.len(), 1);
    }

    #[test]
    fn a_new_policy_stacks_on_another_and_can_become_the_baseline() {
        let base = load(&scenario("")).unwrap();
        let edits = vec![
            Edit::AddPolicy { name: "relief".into(), base: "current_law".into(), label: "Relief".into() },
            Edit::Schedule {
                policy: "relief".into(),
                kind: Some("clinic".into()),
                lever: Lever::Relief,
                rows: vec![row("", "5", "")],
            },
            Edit::Baseline { policy: "relief".into() },
        ];
        let edited = load(&apply(&base, &edits).unwrap()).unwrap();
        assert_eq!(edited.scenario.policies.len(), 2);
        assert_eq!(edited.scenario.policies[edited.scenario.baseline].name, "relief");
        // The import was not edited, so it stays an import.
        assert_eq!(edited.scenario.imports.len(), 1);
        assert_eq!(edited.scenario.policies[1].for_kinds[0].0, "clinic");
    }

    #[test]
    fn cells_are_read_as_yaml_and_the_reader_judges_them() {
        let base = load(&scenario("")).unwrap();
        let edit =
            |rows| vec![Edit::Schedule { policy: "current_law".into(), kind: None, lever: Lever::Sequestration, rows }];
        // A number as text is kept exactly: 0.0100 stays 0.0100.
        let text = apply(&base, &edit(vec![row("2027", "0.0100", "")])).unwrap();
        assert!(text.contains("sequestration: {2027: 0.0100}"), "{text}");
        // Not YAML: reported by cell.
        let err = apply(&base, &edit(vec![row("2027", "[0.01", "")])).unwrap_err();
        assert!(matches!(err, EditError::Cell { row: 1, column: "value", .. }), "{err:?}");
        let err = apply(&base, &edit(vec![row("[2027]", "0.01", "")])).unwrap_err();
        assert!(matches!(err, EditError::Cell { column: "date", .. }), "{err}");
        let err = apply(&base, &edit(vec![row("2027", "0.01", ""), row("", "0.02", "")])).unwrap_err();
        assert!(matches!(err, EditError::Cell { row: 2, column: "date", .. }), "{err}");
        // YAML, but not a valid lever: the reader says so with the key path.
        let problems = load(&apply(&base, &edit(vec![row("2027", "0.9", "")])).unwrap()).unwrap_err();
        assert!(problems.iter().any(|p| p.contains("policies.current_law.sequestration.\"2027\"")), "{problems:?}");
        let problems = load(&apply(&base, &edit(vec![row("2027", "abc", "")])).unwrap()).unwrap_err();
        assert!(!problems.is_empty());
        // No rows: the lever is no longer set.
        let text = apply(&base, &edit(vec![])).unwrap();
        assert!(!text.contains("sequestration:"), "{text}");
        let many = vec![Edit::Baseline { policy: "x".into() }; MAX_EDITS + 1];
        assert!(apply(&base, &many).unwrap_err().to_string().contains("at most"));
        let err =
            apply(&base, &[Edit::Schedule { policy: "nope".into(), kind: None, lever: Lever::Relief, rows: vec![] }])
                .unwrap_err();
        assert_eq!(err, EditError::NoPolicy("nope".into()));
    }

    #[test]
    fn a_label_changes_where_the_policy_is_written() {
        let base = load(&scenario("")).unwrap();
        let edits = vec![Edit::Label { policy: "current_law".into(), label: "Law: \"as of\" today".into() }];
        let text = apply(&base, &edits).unwrap();
        assert!(text.contains("# - current_law: label \"Law: \"as of\" today\""), "{text}");
        assert_eq!(load(&text).unwrap().scenario.policies[0].label, "Law: \"as of\" today");
    }

    #[test]
    fn a_later_edit_of_the_same_schedule_or_label_takes_the_earlier_ones_place() {
        let schedule = |value: &str| Edit::Schedule {
            policy: "p".into(),
            kind: None,
            lever: Lever::Relief,
            rows: vec![row("2027", value, "")],
        };
        let mut edits = vec![schedule("1"), Edit::Label { policy: "p".into(), label: "a".into() }];
        record(&mut edits, schedule("2"));
        record(&mut edits, Edit::Label { policy: "p".into(), label: "b".into() });
        record(&mut edits, Edit::Label { policy: "q".into(), label: "c".into() });
        assert_eq!(
            edits,
            vec![
                schedule("2"),
                Edit::Label { policy: "p".into(), label: "b".into() },
                Edit::Label { policy: "q".into(), label: "c".into() }
            ]
        );
    }

    #[test]
    fn edits_travel_as_json() {
        let edits = vec![
            Edit::Schedule {
                policy: "p".into(),
                kind: None,
                lever: Lever::MedicareUpdate,
                rows: vec![row("2027", "{index: mei}", "")],
            },
            Edit::Baseline { policy: "p".into() },
        ];
        let json = serde_json::to_string(&edits).unwrap();
        assert_eq!(
            json,
            r#"[{"op":"schedule","policy":"p","lever":"medicare_update","rows":[{"date":"2027","value":"{index: mei}","source":""}]},{"op":"baseline","policy":"p"}]"#
        );
        assert_eq!(serde_json::from_str::<Vec<Edit>>(&json).unwrap(), edits);
        assert!(serde_json::from_str::<Vec<Edit>>(r#"[{"op":"schedule","policy":"p","lever":"x","rows":[]}]"#).is_err());
    }
}
