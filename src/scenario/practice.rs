//! The rules of one practice (MODEL.md §1 `practices:`), written once for
//! the two places a practice comes from: a mapping under `practices:` in a
//! scenario file and a row of a `cohort:` table.
//!
//! A reader implements [`Source`]: it finds each [`Field`]'s value, reads it
//! as text or as an exact number, and positions a problem (`FILE:LINE:COL`
//! and a key path for YAML, `FILE: row N, column NAME` for a table).
//! [`practice`] applies the rules: identifiers, ranges, defaults, totals and
//! unique ids, with the same messages whichever reader asked.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::number::{self, MAX_AMOUNT};
use super::text::{is_identifier, not_an_identifier, truncate};
use super::types::{Basis, Block, CohortDefaults, Costs, Field, MedicareTerms, Practice, Revenue, Thresholds};

/// The rules of each field: what is valid, what messages say, MODEL.md §1's defaults.
impl Field {
    /// What a valid value is, as messages say it.
    pub fn expected(self) -> &'static str {
        match self {
            Field::Id => "an id of lowercase letters, digits and `_`",
            Field::Kind => "a kind of lowercase letters, digits and `_`, other than `all`",
            Field::Name => "free text",
            Field::Count => ">= 0 (the number of real practices it stands for)",
            Field::MedicareFfs
            | Field::MedicareAdvantage
            | Field::Medicaid
            | Field::Commercial
            | Field::OtherRevenue
            | Field::Labor
            | Field::Supplies
            | Field::OtherCosts => ">= 0 dollars",
            Field::VariableCostShare | Field::ProgramShare | Field::MaPassthrough => "between 0 and 1",
            Field::Cash => "a number of dollars",
            Field::Basis => "fee_schedule or cost_based",
            Field::MaRateRatio => "> 0",
            Field::DistressMargin => "a margin below 1 (0.0 is break-even)",
            Field::DistressDaysCash | Field::ClosureDaysCash => "a number of days",
        }
    }

    /// Whether a number is valid for the field (MODEL.md §1's ranges).
    fn accepts(self, value: Decimal) -> bool {
        match self {
            Field::VariableCostShare | Field::ProgramShare | Field::MaPassthrough => {
                value >= Decimal::ZERO && value <= Decimal::ONE
            }
            Field::MaRateRatio => value > Decimal::ZERO,
            Field::DistressMargin => value < Decimal::ONE,
            Field::Cash | Field::DistressDaysCash | Field::ClosureDaysCash => true,
            Field::Count
            | Field::MedicareFfs
            | Field::MedicareAdvantage
            | Field::Medicaid
            | Field::Commercial
            | Field::OtherRevenue
            | Field::Labor
            | Field::Supplies
            | Field::OtherCosts => value >= Decimal::ZERO,
            // Text fields: a number is never their value.
            Field::Id | Field::Kind | Field::Name | Field::Basis => false,
        }
    }

    /// MODEL.md §1's value when a practice leaves the field out (`None`: required).
    pub fn model_default(self) -> Option<Decimal> {
        match self {
            Field::ProgramShare | Field::MaRateRatio => Some(Decimal::ONE),
            Field::MaPassthrough | Field::DistressMargin | Field::ClosureDaysCash => Some(Decimal::ZERO),
            Field::DistressDaysCash => Some(Decimal::from(30)),
            Field::Id
            | Field::Kind
            | Field::Name
            | Field::Count
            | Field::MedicareFfs
            | Field::MedicareAdvantage
            | Field::Medicaid
            | Field::Commercial
            | Field::OtherRevenue
            | Field::Labor
            | Field::Supplies
            | Field::OtherCosts
            | Field::VariableCostShare
            | Field::Cash
            | Field::Basis => None,
        }
    }
}

/// What a missing block must hold, as messages say it.
impl Block {
    /// What the block must hold, as a message about a missing block says it.
    pub fn expected(self) -> &'static str {
        match self {
            Block::Revenue => "the five payer lines",
            Block::Costs => "labor, supplies and other",
            Block::Medicare => "at least `basis`",
            Block::Thresholds => "distress_margin, distress_days_cash and closure_days_cash",
        }
    }
}

/// A field's value as a reader found it.
#[derive(Clone, Debug, PartialEq)]
pub enum Read<T> {
    /// Not given (a missing key or column, an empty cell, YAML `null`).
    Absent,
    /// Given but unreadable; the reader has reported why.
    Invalid,
    /// Given and readable.
    Given(T),
}

impl<T> Read<T> {
    /// The value when given.
    pub fn given(self) -> Option<T> {
        match self {
            Read::Given(value) => Some(value),
            Read::Absent | Read::Invalid => None,
        }
    }
}

/// Where a practice's fields come from, and how a problem with one is positioned.
pub trait Source {
    /// The field's text (a YAML string, or a cell). Problems reading it are reported here.
    fn text(&mut self, field: Field) -> Read<String>;
    /// The field's number, read exactly. Problems reading it are reported here.
    fn number(&mut self, field: Field) -> Read<Decimal>;
    /// Reports a problem with the field's value.
    fn error(&mut self, field: Field, message: String);
    /// Reports that the field is required and absent.
    fn missing(&mut self, field: Field);
    /// Reports a problem with a block as a whole (its total).
    fn block_error(&mut self, block: Block, message: &str);
    /// How a message about another practice refers to this one: `practices[2]`, `row 3`.
    fn label(&self) -> String;
}

/// A number read from a cell's text (`None`: an empty cell) with the YAML
/// number syntax, a problem reported at `field`: how table-like sources read numbers.
pub fn cell_number(source: &mut impl Source, field: Field, text: Option<&str>) -> Read<Decimal> {
    let Some(text) = text else { return Read::Absent };
    match number::cell_number(text) {
        Ok(value) => Read::Given(value),
        Err(problem) => {
            source.error(field, problem.to_string());
            Read::Invalid
        }
    }
}

/// What a practice takes for the fields it leaves out.
#[derive(Clone, Debug, PartialEq)]
pub struct Defaults {
    numbers: [Option<Decimal>; Field::COUNT],
    basis: Option<Basis>,
}

impl Defaults {
    /// MODEL.md §1's defaults: what a practice in a scenario file may leave out.
    pub fn model() -> Defaults {
        Defaults { numbers: Field::ALL.map(Field::model_default), basis: None }
    }

    /// A cohort row's: `cohort.defaults`, then MODEL.md §1's. A row stands
    /// for one facility (`count` 1) paid from the fee schedule unless the
    /// table or `cohort.defaults` says otherwise.
    pub fn cohort(given: &CohortDefaults) -> Defaults {
        let mut defaults = Defaults::model();
        for (field, value) in [
            (Field::Count, Some(given.count.unwrap_or(Decimal::ONE))),
            (Field::VariableCostShare, given.variable_cost_share),
            (Field::ProgramShare, given.program_share),
            (Field::MaPassthrough, given.ma_passthrough),
            (Field::MaRateRatio, given.ma_rate_ratio),
            (Field::DistressMargin, given.distress_margin),
            (Field::DistressDaysCash, given.distress_days_cash),
            (Field::ClosureDaysCash, given.closure_days_cash),
        ] {
            if value.is_some() {
                defaults.numbers[field.index()] = value;
            }
        }
        defaults.basis = Some(given.basis.unwrap_or(Basis::FeeSchedule));
        defaults
    }

    /// The default of a numeric field.
    pub fn number(&self, field: Field) -> Option<Decimal> {
        self.numbers[field.index()]
    }
}

/// The ids seen so far and where each was first given.
#[derive(Debug, Default)]
pub struct Ids {
    first: HashMap<String, String>,
}

impl Ids {
    /// Ids already taken by `practices` (a scenario's, before its cohort's rows).
    pub fn taken_by(practices: &[Practice]) -> Ids {
        let mut ids = Ids::default();
        for (index, practice) in practices.iter().enumerate() {
            ids.first.entry(practice.id.clone()).or_insert_with(|| format!("practices[{index}]"));
        }
        ids
    }

    /// Records `id` for `source`; false (and an error) if it was taken.
    fn insert(&mut self, source: &mut impl Source, id: &str) -> bool {
        if let Some(first) = self.first.get(id) {
            source.error(Field::Id, format!("id `{id}` is already used by {first}; ids must be unique"));
            return false;
        }
        self.first.insert(id.to_string(), source.label());
        true
    }
}

/// Checks one practice read from `source` and builds it, or reports every
/// problem. Driver overrides and grouping attributes are the reader's to add.
pub fn practice(source: &mut impl Source, defaults: &Defaults, ids: &mut Ids) -> Option<Practice> {
    let id = identifier(source, Field::Id);
    let unique = id.as_ref().is_some_and(|id| ids.insert(source, id));
    let name = match source.text(Field::Name) {
        Read::Absent => Some(None),
        Read::Invalid => None,
        Read::Given(name) => Some(Some(name)),
    };
    let kind = identifier(source, Field::Kind);
    let count = number(source, Field::Count, defaults);
    let revenue = revenue(source, defaults);
    let costs = costs(source, defaults);
    let variable_cost_share = number(source, Field::VariableCostShare, defaults);
    let cash = number(source, Field::Cash, defaults);
    let medicare = medicare(source, defaults);
    let thresholds = thresholds(source, defaults);
    let id = id.filter(|_| unique)?;
    Some(Practice {
        name: name?.unwrap_or_else(|| id.clone()),
        id,
        kind: kind?,
        count: count?,
        revenue: revenue?,
        costs: costs?,
        variable_cost_share: variable_cost_share?,
        cash: cash?,
        medicare: medicare?,
        thresholds: thresholds?,
        driver_overrides: Vec::new(),
        cost_response: None,
        attributes: Vec::new(),
    })
}

/// The practice fields of a `cohort.defaults` block, each checked by the
/// rule of the field it stands in for; absent ones stay `None`.
pub fn cohort_defaults(source: &mut impl Source) -> CohortDefaults {
    CohortDefaults {
        count: checked_number(source, Field::Count).given(),
        variable_cost_share: checked_number(source, Field::VariableCostShare).given(),
        basis: checked_basis(source).given(),
        program_share: checked_number(source, Field::ProgramShare).given(),
        ma_passthrough: checked_number(source, Field::MaPassthrough).given(),
        ma_rate_ratio: checked_number(source, Field::MaRateRatio).given(),
        distress_margin: checked_number(source, Field::DistressMargin).given(),
        distress_days_cash: checked_number(source, Field::DistressDaysCash).given(),
        closure_days_cash: checked_number(source, Field::ClosureDaysCash).given(),
        driver_overrides: Vec::new(),
        cost_response: None,
        for_kinds: Vec::new(),
    }
}

/// Why a number breaks its field's rule; the message says what would be valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Beyond [`MAX_AMOUNT`] in magnitude.
    #[error("{0} is implausibly large; seqsim accepts magnitudes up to 1e15")]
    TooLarge(Decimal),
    /// Outside the field's range.
    #[error("must be {}, found {value}{}", .field.expected(), percent_hint(*.field, *.value))]
    Outside {
        /// The field.
        field: Field,
        /// The number given.
        value: Decimal,
    },
}

/// Checks a number against the field's rule.
pub fn check_number(field: Field, value: Decimal) -> Result<Decimal, RuleError> {
    if value.abs() > MAX_AMOUNT {
        return Err(RuleError::TooLarge(value));
    }
    if field.accepts(value) {
        return Ok(value);
    }
    Err(RuleError::Outside { field, value })
}

/// For a share given as a percentage, what it is as a fraction.
fn percent_hint(field: Field, value: Decimal) -> String {
    let share = matches!(field, Field::VariableCostShare | Field::ProgramShare | Field::MaPassthrough);
    if share && value > Decimal::ONE && value <= Decimal::ONE_HUNDRED {
        format!("; shares are fractions, so {value}% is {}", value / Decimal::ONE_HUNDRED)
    } else {
        String::new()
    }
}

/// An id or kind: given, of the identifier rule's characters, and for a kind not `all`.
fn identifier(source: &mut impl Source, field: Field) -> Option<String> {
    let read = source.text(field);
    let text = settle(source, field, read, None)?;
    let what = if field == Field::Kind { "kind" } else { "id" };
    if !is_identifier(&text) {
        source.error(field, not_an_identifier(what, &text));
        return None;
    }
    if field == Field::Kind && text == "all" {
        source.error(field, "`all` is reserved for the national total over kinds; choose another kind name".into());
        return None;
    }
    Some(text)
}

/// A field's number, checked against its rule (problems reported).
fn checked_number(source: &mut impl Source, field: Field) -> Read<Decimal> {
    match source.number(field) {
        Read::Given(value) => match check_number(field, value) {
            Ok(value) => Read::Given(value),
            Err(problem) => {
                source.error(field, problem.to_string());
                Read::Invalid
            }
        },
        other => other,
    }
}

/// `medicare.basis`, checked.
fn checked_basis(source: &mut impl Source) -> Read<Basis> {
    match source.text(Field::Basis) {
        Read::Given(text) => match text.as_str() {
            "fee_schedule" => Read::Given(Basis::FeeSchedule),
            "cost_based" => Read::Given(Basis::CostBased),
            other => {
                source.error(
                    Field::Basis,
                    format!("unknown basis `{}`: use fee_schedule or cost_based", truncate(other)),
                );
                Read::Invalid
            }
        },
        Read::Absent => Read::Absent,
        Read::Invalid => Read::Invalid,
    }
}

/// The value of a read field: given, else `default`, else a missing-value error.
fn settle<T>(source: &mut impl Source, field: Field, read: Read<T>, default: Option<T>) -> Option<T> {
    match read {
        Read::Given(value) => Some(value),
        Read::Invalid => None,
        Read::Absent => {
            if default.is_none() {
                source.missing(field);
            }
            default
        }
    }
}

fn number(source: &mut impl Source, field: Field, defaults: &Defaults) -> Option<Decimal> {
    let read = checked_number(source, field);
    settle(source, field, read, defaults.number(field))
}

fn revenue(source: &mut impl Source, defaults: &Defaults) -> Option<Revenue> {
    let [medicare_ffs, medicare_advantage, medicaid, commercial, other] =
        [Field::MedicareFfs, Field::MedicareAdvantage, Field::Medicaid, Field::Commercial, Field::OtherRevenue]
            .map(|field| number(source, field, defaults));
    let revenue = Revenue {
        medicare_ffs: medicare_ffs?,
        medicare_advantage: medicare_advantage?,
        medicaid: medicaid?,
        commercial: commercial?,
        other: other?,
    };
    if revenue.total() <= Decimal::ZERO {
        source.block_error(Block::Revenue, "base revenue must total more than 0 (margins divide by revenue)");
        return None;
    }
    Some(revenue)
}

fn costs(source: &mut impl Source, defaults: &Defaults) -> Option<Costs> {
    let [labor, supplies, other] =
        [Field::Labor, Field::Supplies, Field::OtherCosts].map(|field| number(source, field, defaults));
    let costs = Costs { labor: labor?, supplies: supplies?, other: other? };
    if costs.total() <= Decimal::ZERO {
        source.block_error(Block::Costs, "base costs must total more than 0 (days of cash divide by costs)");
        return None;
    }
    Some(costs)
}

fn medicare(source: &mut impl Source, defaults: &Defaults) -> Option<MedicareTerms> {
    let basis = checked_basis(source);
    let basis = settle(source, Field::Basis, basis, defaults.basis);
    let program_share = number(source, Field::ProgramShare, defaults);
    let ma_passthrough = number(source, Field::MaPassthrough, defaults);
    let ma_rate_ratio = number(source, Field::MaRateRatio, defaults);
    Some(MedicareTerms {
        basis: basis?,
        program_share: program_share?,
        ma_passthrough: ma_passthrough?,
        ma_rate_ratio: ma_rate_ratio?,
    })
}

fn thresholds(source: &mut impl Source, defaults: &Defaults) -> Option<Thresholds> {
    let distress_margin = number(source, Field::DistressMargin, defaults);
    let distress_days_cash = number(source, Field::DistressDaysCash, defaults);
    let closure_days_cash = number(source, Field::ClosureDaysCash, defaults);
    Some(Thresholds {
        distress_margin: distress_margin?,
        distress_days_cash: distress_days_cash?,
        closure_days_cash: closure_days_cash?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source over `column=value` pairs that records messages as
    /// `column: message`, the way a table row is read.
    struct Cells {
        cells: Vec<(Field, &'static str)>,
        messages: Vec<String>,
        label: &'static str,
    }

    impl Cells {
        fn new(cells: &[(Field, &'static str)]) -> Cells {
            Cells { cells: cells.to_vec(), messages: Vec::new(), label: "row 1" }
        }

        fn cell(&self, field: Field) -> Option<&'static str> {
            self.cells.iter().find(|(f, _)| *f == field).map(|(_, text)| *text)
        }
    }

    impl Source for Cells {
        fn text(&mut self, field: Field) -> Read<String> {
            self.cell(field).map_or(Read::Absent, |text| Read::Given(text.to_string()))
        }

        fn number(&mut self, field: Field) -> Read<Decimal> {
            let text = self.cell(field);
            cell_number(self, field, text)
        }

        fn error(&mut self, field: Field, message: String) {
            self.messages.push(format!("{}: {message}", field.column()));
        }

        fn missing(&mut self, field: Field) {
            self.messages.push(format!("{}: missing ({})", field.column(), field.expected()));
        }

        fn block_error(&mut self, block: Block, message: &str) {
            self.messages.push(format!("{}: {message}", block.key()));
        }

        fn label(&self) -> String {
            self.label.to_string()
        }
    }

    const VALID: &[(Field, &str)] = &[
        (Field::Id, "clinic"),
        (Field::Kind, "rural_clinic"),
        (Field::Count, "100"),
        (Field::MedicareFfs, "500000"),
        (Field::MedicareAdvantage, "250000"),
        (Field::Medicaid, "450000"),
        (Field::Commercial, "700000"),
        (Field::OtherRevenue, "100000"),
        (Field::Labor, "1350000"),
        (Field::Supplies, "150000"),
        (Field::OtherCosts, "450000"),
        (Field::VariableCostShare, "0.3"),
        (Field::Cash, "250000"),
        (Field::Basis, "fee_schedule"),
    ];

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    fn with(changes: &[(Field, &'static str)]) -> Cells {
        let mut cells = Cells::new(VALID);
        for &(field, text) in changes {
            cells.cells.retain(|(f, _)| *f != field);
            if !text.is_empty() {
                cells.cells.push((field, text));
            }
        }
        cells
    }

    #[test]
    fn a_valid_practice_takes_model_defaults() {
        let mut cells = Cells::new(VALID);
        let practice = practice(&mut cells, &Defaults::model(), &mut Ids::default()).unwrap();
        assert!(cells.messages.is_empty(), "{:?}", cells.messages);
        assert_eq!(practice.name, "clinic");
        assert_eq!(practice.kind, "rural_clinic");
        // 500000 + 250000 + 450000 + 700000 + 100000 = 2000000.
        assert_eq!(practice.revenue.total(), dec("2000000"));
        assert_eq!(practice.costs.other, dec("450000"));
        assert_eq!(practice.medicare.program_share, Decimal::ONE);
        assert_eq!(practice.medicare.ma_passthrough, Decimal::ZERO);
        assert_eq!(practice.medicare.ma_rate_ratio, Decimal::ONE);
        assert_eq!(practice.thresholds.distress_margin, Decimal::ZERO);
        assert_eq!(practice.thresholds.distress_days_cash, dec("30"));
        assert_eq!(practice.thresholds.closure_days_cash, Decimal::ZERO);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut cells = with(&[
            (Field::Id, "Clinic"),
            (Field::Kind, "all"),
            (Field::Count, ""),
            (Field::Medicaid, "-5"),
            (Field::VariableCostShare, "30"),
            (Field::Basis, "capitation"),
            (Field::MaRateRatio, "0"),
            (Field::DistressMargin, "1"),
            (Field::Cash, "1e16"),
        ]);
        assert_eq!(practice(&mut cells, &Defaults::model(), &mut Ids::default()), None);
        assert_eq!(
            cells.messages,
            [
                "id: `Clinic` is not a valid id: use lowercase letters, digits and `_` only",
                "kind: `all` is reserved for the national total over kinds; choose another kind name",
                "count: missing (>= 0 (the number of real practices it stands for))",
                "medicaid: must be >= 0 dollars, found -5",
                // 30 / 100 = 0.30 (a Decimal quotient keeps the divisor's two places).
                "variable_cost_share: must be between 0 and 1, found 30; shares are fractions, so 30% is 0.30",
                "cash: 10000000000000000 is implausibly large; seqsim accepts magnitudes up to 1e15",
                "basis: unknown basis `capitation`: use fee_schedule or cost_based",
                "ma_rate_ratio: must be > 0, found 0",
                "distress_margin: must be a margin below 1 (0.0 is break-even), found 1",
            ]
        );
    }

    #[test]
    fn a_missing_id_or_kind_says_what_one_is() {
        let mut cells = with(&[(Field::Id, ""), (Field::Kind, "")]);
        assert_eq!(practice(&mut cells, &Defaults::model(), &mut Ids::default()), None);
        assert_eq!(
            cells.messages,
            [
                "id: missing (an id of lowercase letters, digits and `_`)",
                "kind: missing (a kind of lowercase letters, digits and `_`, other than `all`)",
            ]
        );
    }

    #[test]
    fn totals_must_be_positive() {
        let zero =
            [Field::MedicareFfs, Field::MedicareAdvantage, Field::Medicaid, Field::Commercial, Field::OtherRevenue]
                .map(|f| (f, "0"));
        let mut cells = with(&zero);
        cells.cells.retain(|(f, _)| !matches!(f, Field::Labor | Field::Supplies | Field::OtherCosts));
        cells.cells.extend([(Field::Labor, "0"), (Field::Supplies, "0"), (Field::OtherCosts, "0")]);
        assert_eq!(practice(&mut cells, &Defaults::model(), &mut Ids::default()), None);
        assert_eq!(
            cells.messages,
            [
                "revenue: base revenue must total more than 0 (margins divide by revenue)",
                "costs: base costs must total more than 0 (days of cash divide by costs)",
            ]
        );
    }

    #[test]
    fn a_taken_id_names_where_it_was_first_given() {
        let mut ids = Ids::default();
        let mut first = Cells::new(VALID);
        let existing = practice(&mut first, &Defaults::model(), &mut ids).unwrap();
        let mut second = Cells::new(VALID);
        second.label = "row 2";
        assert_eq!(practice(&mut second, &Defaults::model(), &mut ids), None);
        assert_eq!(second.messages, ["id: id `clinic` is already used by row 1; ids must be unique"]);
        let mut third = Cells::new(VALID);
        assert_eq!(practice(&mut third, &Defaults::model(), &mut Ids::taken_by(&[existing])), None);
        assert_eq!(third.messages, ["id: id `clinic` is already used by practices[0]; ids must be unique"]);
    }

    #[test]
    fn cohort_defaults_come_before_model_defaults() {
        let given = CohortDefaults {
            variable_cost_share: Some(dec("0.35")),
            distress_days_cash: Some(dec("45")),
            ..CohortDefaults::default()
        };
        let defaults = Defaults::cohort(&given);
        assert_eq!(defaults.number(Field::VariableCostShare), Some(dec("0.35")));
        assert_eq!(defaults.number(Field::DistressDaysCash), Some(dec("45")));
        // Not given: a row is one facility, MODEL.md's 30 days do not apply here
        // because the cohort gave 45, and the program share is MODEL.md's 1.
        assert_eq!(defaults.number(Field::Count), Some(Decimal::ONE));
        assert_eq!(defaults.number(Field::ProgramShare), Some(Decimal::ONE));
        assert_eq!(defaults.basis, Some(Basis::FeeSchedule));
        // A row without variable_cost_share takes the cohort's.
        let mut cells = with(&[(Field::VariableCostShare, ""), (Field::Basis, ""), (Field::Count, "")]);
        let practice = practice(&mut cells, &defaults, &mut Ids::default()).unwrap();
        assert_eq!(practice.variable_cost_share, dec("0.35"));
        assert_eq!(practice.count, Decimal::ONE);
        assert_eq!(practice.medicare.basis, Basis::FeeSchedule);
    }

    #[test]
    fn cohort_defaults_are_checked_by_the_practice_rules() {
        let mut cells = Cells::new(&[(Field::ProgramShare, "80"), (Field::DistressDaysCash, "20")]);
        let defaults = cohort_defaults(&mut cells);
        assert_eq!(
            cells.messages,
            ["program_share: must be between 0 and 1, found 80; shares are fractions, so 80% is 0.80"]
        );
        assert_eq!(defaults.program_share, None);
        assert_eq!(defaults.distress_days_cash, Some(dec("20")));
        assert_eq!(defaults.count, None);
    }
}
