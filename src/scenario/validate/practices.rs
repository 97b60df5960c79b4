//! `practices:` (MODEL.md §1): the YAML side of the practice rules. A
//! practice mapping (or a `cohort.defaults` block) is read field by field
//! through [`YamlPractice`], a [`Source`] that positions each problem at the
//! key path and line:column; the rules themselves are `scenario::practice`'s.

use rust_decimal::Decimal;

use super::context::{describe, Ctx, Fields};
use crate::scenario::practice::{self, Defaults, Ids, Read, Source};
use crate::scenario::text::ID_RULE;
use crate::scenario::types::{Block, Driver, DriverSpec, Field, Practice};
use crate::scenario::yaml::{join_index, join_key, Mark, Node, Value};

/// The keys a practice mapping allows.
const PRACTICE_KEYS: [&str; 13] = [
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
    "cost_response",
    "source",
];

/// A block of the mapping as far as it has been read.
#[derive(Clone)]
enum Slot<'a> {
    /// Not looked at yet.
    Unread,
    /// Not given.
    Absent,
    /// Given but not a valid mapping, or required and missing (reported).
    Failed,
    /// A mapping with its keys checked.
    Present(Fields<'a>),
}

/// A practice mapping read for the practice rules.
pub(super) struct YamlPractice<'c, 'a> {
    ctx: &'c mut Ctx,
    top: Fields<'a>,
    /// `revenue`, `costs`, `medicare`, `thresholds`, read on first use.
    blocks: [Slot<'a>; 4],
    /// Where each field's value is, once read.
    marks: [Option<Mark>; Field::COUNT],
    /// Whether `revenue`, `costs` and `medicare` must be given (a practice)
    /// or may not (`cohort.defaults`).
    blocks_required: bool,
}

fn slot(block: Block) -> usize {
    match block {
        Block::Revenue => 0,
        Block::Costs => 1,
        Block::Medicare => 2,
        Block::Thresholds => 3,
    }
}

impl<'c, 'a> YamlPractice<'c, 'a> {
    /// Reads the practice (or defaults) mapping `top`.
    pub(super) fn new(ctx: &'c mut Ctx, top: Fields<'a>, blocks_required: bool) -> YamlPractice<'c, 'a> {
        let blocks = [Slot::Unread, Slot::Unread, Slot::Unread, Slot::Unread];
        YamlPractice { ctx, top, blocks, marks: [None; Field::COUNT], blocks_required }
    }

    /// The block's mapping, its keys checked on first use.
    fn block(&mut self, block: Block) -> Slot<'a> {
        if let Slot::Unread = self.blocks[slot(block)] {
            let path = self.top.path(block.key());
            self.blocks[slot(block)] = match self.top.get(block.key()) {
                None if self.blocks_required && block != Block::Thresholds => {
                    let message = format!("missing required key `{}` ({})", block.key(), block.expected());
                    self.ctx.error(&path, self.top.node.mark, message);
                    Slot::Failed
                }
                None => Slot::Absent,
                Some(node) => match self.ctx.fields(node, &path, &block.keys()) {
                    Some(fields) => Slot::Present(fields),
                    None => Slot::Failed,
                },
            };
        }
        self.blocks[slot(block)].clone()
    }

    /// The mapping a field is a key of.
    fn parent(&mut self, field: Field) -> Read<Fields<'a>> {
        let Some(block) = field.block() else { return Read::Given(self.top.clone()) };
        match self.block(block) {
            Slot::Present(fields) => Read::Given(fields),
            Slot::Absent => Read::Absent,
            Slot::Unread | Slot::Failed => Read::Invalid,
        }
    }

    /// The field's node and key path, its position noted for later messages.
    fn node(&mut self, field: Field) -> Read<(&'a Node, String)> {
        let fields = match self.parent(field) {
            Read::Given(fields) => fields,
            Read::Absent => return Read::Absent,
            Read::Invalid => return Read::Invalid,
        };
        match fields.get(field.key()) {
            None => Read::Absent,
            Some(node) => {
                self.marks[field.index()] = Some(node.mark);
                Read::Given((node, fields.path(field.key())))
            }
        }
    }

    fn path(&self, field: Field) -> String {
        match field.block() {
            Some(block) => join_key(&self.top.path(block.key()), field.key()),
            None => self.top.path(field.key()),
        }
    }
}

impl Source for YamlPractice<'_, '_> {
    fn text(&mut self, field: Field) -> Read<String> {
        let (node, path) = match self.node(field) {
            Read::Given(found) => found,
            Read::Absent => return Read::Absent,
            Read::Invalid => return Read::Invalid,
        };
        let text = match (&node.value, field) {
            (Value::Str(text), Field::Id | Field::Kind) => Some(text.clone()),
            (Value::Number(n), Field::Id | Field::Kind) if n.integer_syntax => Some(n.text.clone()),
            (_, Field::Id | Field::Kind) => {
                self.ctx.error(&path, node.mark, format!("expected a name ({ID_RULE}), found {}", describe(node)));
                None
            }
            _ => self.ctx.text(node, &path),
        };
        text.map_or(Read::Invalid, Read::Given)
    }

    fn number(&mut self, field: Field) -> Read<Decimal> {
        match self.node(field) {
            Read::Given((node, path)) => self.ctx.sourced_number(node, &path).map_or(Read::Invalid, Read::Given),
            Read::Absent => Read::Absent,
            Read::Invalid => Read::Invalid,
        }
    }

    fn error(&mut self, field: Field, message: String) {
        let mark = self.marks[field.index()].unwrap_or(self.top.node.mark);
        let path = self.path(field);
        self.ctx.error(&path, mark, message);
    }

    fn missing(&mut self, field: Field) {
        let mark = match self.parent(field) {
            Read::Given(fields) => fields.node.mark,
            Read::Absent | Read::Invalid => self.top.node.mark,
        };
        let path = self.path(field);
        self.ctx.error(&path, mark, format!("missing required key `{}` ({})", field.key(), field.expected()));
    }

    fn block_error(&mut self, block: Block, message: &str) {
        let mark = match self.block(block) {
            Slot::Present(fields) => fields.node.mark,
            Slot::Unread | Slot::Absent | Slot::Failed => self.top.node.mark,
        };
        let path = self.top.path(block.key());
        self.ctx.error(&path, mark, message);
    }

    fn label(&self) -> String {
        self.top.path.clone()
    }
}

impl Ctx {
    /// The scenario's `practices:`; without it, none when a `cohort:` gives
    /// them, else an error.
    pub(super) fn scenario_practices(
        &mut self,
        top: &Fields<'_>,
        cohort: bool,
        drivers: Option<&[DriverSpec; Driver::COUNT]>,
    ) -> Option<Vec<Practice>> {
        match top.get("practices") {
            Some(node) => self.practices(node, drivers),
            None if cohort => Some(Vec::new()),
            None => {
                self.error(
                    "practices",
                    top.node.mark,
                    "missing required key `practices` (one or more practices, or a `cohort:` table)",
                );
                None
            }
        }
    }

    fn practices(&mut self, node: &Node, drivers: Option<&[DriverSpec; Driver::COUNT]>) -> Option<Vec<Practice>> {
        let items = self.items(node, "practices", "a list of practices")?;
        if items.is_empty() {
            self.error("practices", node.mark, "at least one practice is required");
            return None;
        }
        let mut ids = Ids::default();
        let practices: Vec<Option<Practice>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| self.practice(item, &join_index("practices", index), drivers, &mut ids))
            .collect();
        practices.into_iter().collect()
    }

    fn practice(
        &mut self,
        node: &Node,
        path: &str,
        drivers: Option<&[DriverSpec; Driver::COUNT]>,
        ids: &mut Ids,
    ) -> Option<Practice> {
        let top = self.fields(node, path, &PRACTICE_KEYS)?;
        self.source(top.get("source"), &top.path("source"));
        let practice = practice::practice(&mut YamlPractice::new(self, top.clone(), true), &Defaults::model(), ids);
        let overrides = match top.get("drivers") {
            None => Some(Vec::new()),
            Some(n) => self.overrides(n, &top.path("drivers"), drivers),
        };
        let cost_response = match top.get("cost_response") {
            None => Some(None),
            Some(n) => self.cost_response(n, &top.path("cost_response")).map(Some),
        };
        Some(Practice { driver_overrides: overrides?, cost_response: cost_response?, ..practice? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::types::{Basis, CostResponse, CostTarget, Dist, Scope};
    use crate::scenario::validate::context::testing::{node, rendered, value};

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    fn read(text: &str) -> (Option<Vec<Practice>>, Vec<String>) {
        let root = node(text);
        let mut ctx = Ctx::default();
        let practices = ctx.practices(value(&root, "practices"), None);
        (practices, rendered(&ctx))
    }

    const CLINIC: &str = "\
practices:
  - id: clinic
    kind: rural_clinic
    count: {value: 100, source: \"census\"}
    revenue: {medicare_ffs: 500000, medicare_advantage: 250000, medicaid: 450000, commercial: 700000, other: 100000}
    costs: {labor: 1350000, supplies: 150000, other: 450000}
    variable_cost_share: 0.3
    cash: -250000
    medicare: {basis: cost_based, ma_passthrough: 0.5}
    drivers:
      volume_growth: {dist: normal, mean: -0.01, sd: 0.03}
";

    #[test]
    fn a_valid_practice_is_read_with_its_defaults() {
        let (practices, messages) = read(CLINIC);
        assert!(messages.is_empty(), "{messages:?}");
        let practice = &practices.unwrap()[0];
        assert_eq!(
            (practice.id.as_str(), practice.name.as_str(), practice.kind.as_str()),
            ("clinic", "clinic", "rural_clinic")
        );
        assert_eq!(practice.count, dec("100"));
        // 500000 + 250000 + 450000 + 700000 + 100000 = 2000000.
        assert_eq!(practice.revenue.total(), dec("2000000"));
        assert_eq!(practice.cash, dec("-250000"));
        assert_eq!(practice.medicare.basis, Basis::CostBased);
        assert_eq!(practice.medicare.program_share, Decimal::ONE);
        assert_eq!(practice.medicare.ma_passthrough, dec("0.5"));
        assert_eq!(practice.thresholds.distress_days_cash, dec("30"));
        let dist = Dist::Normal { mean: dec("-0.01"), sd: dec("0.03"), low: None, high: None };
        let dynamics = Default::default();
        assert_eq!(
            practice.driver_overrides,
            [(Driver::VolumeGrowth, DriverSpec { dist, scope: Scope::Practice, dynamics })]
        );
        assert_eq!(practice.cost_response, None);
    }

    #[test]
    fn a_practice_may_give_its_cost_response() {
        let text =
            CLINIC.replace("    cash: -250000\n", "    cash: -250000\n    cost_response: {speed: 0.3, target: base}\n");
        let (practices, messages) = read(&text);
        assert!(messages.is_empty(), "{messages:?}");
        let expected = CostResponse { speed: dec("0.3"), target: CostTarget::Base };
        assert_eq!(practices.unwrap()[0].cost_response, Some(expected));
    }

    #[test]
    fn problems_name_the_key_path_and_position() {
        let text = CLINIC
            .replace("id: clinic", "id: Clinic")
            .replace("kind: rural_clinic", "kind: all")
            .replace("variable_cost_share: 0.3", "variable_cost_share: 30")
            .replace("medicare_ffs: 500000", "medicare_ffs: -5")
            .replace("basis: cost_based", "basis: capitation")
            .replace("    cash: -250000\n", "    thresholds: {distress_margin: 1.5, closure_days: 0}\n");
        let (practices, messages) = read(&text);
        assert_eq!(practices, None);
        assert_eq!(
            messages,
            [
                "t.yaml:2:9: error: practices[0].id: `Clinic` is not a valid id: use lowercase letters, digits and `_` only",
                "t.yaml:3:11: error: practices[0].kind: `all` is reserved for the national total over kinds; choose another kind name",
                "t.yaml:5:29: error: practices[0].revenue.medicare_ffs: must be >= 0 dollars, found -5",
                "t.yaml:7:26: error: practices[0].variable_cost_share: must be between 0 and 1, found 30; shares are fractions, so 30% is 0.30",
                // The parser starts a block mapping at its first key's `:`.
                "t.yaml:2:7: error: practices[0].cash: missing required key `cash` (a number of dollars)",
                "t.yaml:9:23: error: practices[0].medicare.basis: unknown basis `capitation`: use fee_schedule or cost_based",
                "t.yaml:8:40: error: practices[0].thresholds.closure_days: unknown key `closure_days` (allowed here: distress_margin, distress_days_cash, closure_days_cash)",
                "t.yaml:8:35: error: practices[0].thresholds.distress_margin: must be a margin below 1 (0.0 is break-even), found 1.5",
            ]
        );
    }

    #[test]
    fn missing_blocks_are_reported_once() {
        let (practices, messages) =
            read("practices:\n  - {id: a, kind: k, count: 1, variable_cost_share: 0, cash: 0}\n");
        assert_eq!(practices, None);
        assert_eq!(
            messages,
            [
                "t.yaml:2:5: error: practices[0].revenue: missing required key `revenue` (the five payer lines)",
                "t.yaml:2:5: error: practices[0].costs: missing required key `costs` (labor, supplies and other)",
                "t.yaml:2:5: error: practices[0].medicare: missing required key `medicare` (at least `basis`)",
            ]
        );
    }

    #[test]
    fn ids_are_unique_across_the_list() {
        let second = CLINIC.replace("practices:\n", "");
        let (practices, messages) = read(&format!("{CLINIC}{second}"));
        assert_eq!(practices, None);
        assert_eq!(
            messages,
            ["t.yaml:12:9: error: practices[1].id: id `clinic` is already used by practices[0]; ids must be unique"]
        );
    }

    #[test]
    fn a_zero_total_is_reported_on_its_block() {
        let text = CLINIC.replace(
            "{medicare_ffs: 500000, medicare_advantage: 250000, medicaid: 450000, commercial: 700000, other: 100000}",
            "{medicare_ffs: 0, medicare_advantage: 0, medicaid: 0, commercial: 0, other: 0}",
        );
        let (_, messages) = read(&text);
        assert_eq!(
            messages,
            ["t.yaml:5:14: error: practices[0].revenue: base revenue must total more than 0 (margins divide by revenue)"]
        );
    }
}
