//! Validated scenario types (MODEL.md §1): what the rest of seqsim sees.
//!
//! Nothing here is built from unchecked input: `validate` (scenario files)
//! and `cohort` (cohort tables, through the practice rules of `practice`)
//! are the only producers. Amounts are `Decimal`, read exactly from the
//! file's text.

use rust_decimal::Decimal;

use crate::calendar::Date;

/// A whole validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// `name:`, free text.
    pub name: String,
    /// `description:`, if given.
    pub description: Option<String>,
    /// First projected calendar year.
    pub start_year: i32,
    /// Number of projected years.
    pub years: u32,
    /// Monte Carlo paths (CLI `--paths` overrides).
    pub paths: u64,
    /// Base seed (CLI `--seed` overrides).
    pub seed: u64,
    /// The eight drivers of MODEL.md §3, indexed by [`Driver::index`].
    pub drivers: [DriverSpec; Driver::COUNT],
    /// Correlations between drivers of the same scope.
    pub correlations: Vec<Correlation>,
    /// Practices in file order.
    pub practices: Vec<Practice>,
    /// Policies in file order.
    pub policies: Vec<PolicyDef>,
    /// Index of the baseline policy in `policies`.
    pub baseline: usize,
    /// Every `source:` in the file, in file order.
    pub sources: Vec<Citation>,
    /// A table of facilities to add as practices, if given.
    pub cohort: Option<CohortSpec>,
    /// Policy files imported (MODEL.md §1 "Imports"), in import order.
    pub imports: Vec<ImportInfo>,
    /// The top level's `cost_response:` (MODEL.md v1.3), the default of
    /// every practice; already applied to `practices` and, when read, to a
    /// cohort's rows.
    pub cost_response: Option<CostResponse>,
}

/// What a scenario's outputs say about one imported policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportInfo {
    /// The file as written in `imports:` or given to `--import`.
    pub file: String,
    /// `name:` of the file, e.g. "US Medicare current law".
    pub name: String,
    /// `as_of:`, the day whose law the file states (ISO date).
    pub as_of: Date,
    /// `description:`, if given.
    pub description: Option<String>,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

impl ImportInfo {
    /// How briefs and reports cite it: "`<name> as of <as_of>`".
    pub fn citation(&self) -> String {
        format!("{} as of {}", self.name, self.as_of)
    }
}

/// The `cohort:` block: a CSV or Parquet table with one facility per row.
#[derive(Clone, Debug, PartialEq)]
pub struct CohortSpec {
    /// The file as written (relative to the scenario file).
    pub file: String,
    /// Values for optional columns a row leaves empty or the file lacks.
    pub defaults: CohortDefaults,
    /// Renames: (the field a standard column holds, the file's column name).
    pub columns: Vec<(Field, String)>,
}

/// Practice fields a cohort row may leave to the scenario.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CohortDefaults {
    /// `count`.
    pub count: Option<Decimal>,
    /// `variable_cost_share`.
    pub variable_cost_share: Option<Decimal>,
    /// `medicare.basis`.
    pub basis: Option<Basis>,
    /// `medicare.program_share`.
    pub program_share: Option<Decimal>,
    /// `medicare.ma_passthrough`.
    pub ma_passthrough: Option<Decimal>,
    /// `medicare.ma_rate_ratio`.
    pub ma_rate_ratio: Option<Decimal>,
    /// `thresholds.distress_margin`.
    pub distress_margin: Option<Decimal>,
    /// `thresholds.distress_days_cash`.
    pub distress_days_cash: Option<Decimal>,
    /// `thresholds.closure_days_cash`.
    pub closure_days_cash: Option<Decimal>,
    /// Practice-scope driver overrides.
    pub driver_overrides: Vec<(Driver, DriverSpec)>,
    /// `cost_response` for every row (MODEL.md v1.3): replaces the top level's.
    pub cost_response: Option<CostResponse>,
    /// `for_kinds`: drivers and a response for the rows of one kind, over
    /// the defaults above (a driver replaces the default's; a response
    /// replaces the default's).
    pub for_kinds: Vec<(String, KindDefaults)>,
}

/// A cohort's defaults for the rows of one kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KindDefaults {
    /// Practice-scope driver overrides.
    pub driver_overrides: Vec<(Driver, DriverSpec)>,
    /// `cost_response`.
    pub cost_response: Option<CostResponse>,
}

impl CohortDefaults {
    /// The driver overrides and response of a row of `kind`.
    pub fn for_kind(&self, kind: &str) -> (Vec<(Driver, DriverSpec)>, Option<CostResponse>) {
        let mut drivers = self.driver_overrides.clone();
        let mut response = self.cost_response.clone();
        if let Some((_, own)) = self.for_kinds.iter().find(|(k, _)| k == kind) {
            for (driver, spec) in &own.driver_overrides {
                drivers.retain(|(d, _)| d != driver);
                drivers.push((*driver, spec.clone()));
            }
            if own.cost_response.is_some() {
                response = own.cost_response.clone();
            }
        }
        (drivers, response)
    }
}

impl Scenario {
    /// The scenario without any cost response (MODEL.md v1.3): the reading
    /// of a cut as margin erosion. Its name says so, so every output does.
    pub fn drop_cost_responses(&mut self) {
        self.cost_response = None;
        for practice in &mut self.practices {
            practice.cost_response = None;
        }
        if let Some(cohort) = &mut self.cohort {
            cohort.defaults.cost_response = None;
            for (_, kind) in &mut cohort.defaults.for_kinds {
                kind.cost_response = None;
            }
        }
        self.name = format!("{} (without cost response)", self.name);
    }

    /// The projected calendar years, in order.
    pub fn calendar_years(&self) -> impl Iterator<Item = i32> + '_ {
        (0..self.years as i32).map(move |t| self.start_year + t)
    }

    /// The imported law the baseline stands on: the file that defined the
    /// baseline or, when the scenario defines it, its nearest imported base.
    pub fn baseline_law(&self) -> Option<&ImportInfo> {
        let mut cursor = Some(self.baseline);
        let mut steps = 0;
        while let Some(index) = cursor {
            let policy = self.policies.get(index)?;
            if let Some(import) = policy.import {
                return self.imports.get(import);
            }
            steps += 1;
            if steps > self.policies.len() {
                return None;
            }
            cursor = policy.base;
        }
        None
    }

    /// Distinct practice kinds, in order of first appearance.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = Vec::new();
        for practice in &self.practices {
            if !kinds.contains(&practice.kind) {
                kinds.push(practice.kind.clone());
            }
        }
        kinds
    }

    /// The definition a practice uses for `driver`: its override (which
    /// replaces the whole driver, `noise` and `shared` included) or the
    /// scenario's.
    pub fn spec_for<'a>(&'a self, practice: &'a Practice, driver: Driver) -> &'a DriverSpec {
        practice
            .driver_overrides
            .iter()
            .find(|(d, _)| *d == driver)
            .map(|(_, spec)| spec)
            .unwrap_or(&self.drivers[driver.index()])
    }

    /// The distribution a practice uses for `driver`: its override or the scenario's.
    pub fn driver_for<'a>(&'a self, practice: &'a Practice, driver: Driver) -> &'a Dist {
        &self.spec_for(practice, driver).dist
    }
}

/// A `source:` citation and the key path it was attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    /// Where in the scenario it was given, e.g. `practices[0].revenue.medicare_ffs`.
    pub path: String,
    /// The citation text.
    pub text: String,
}

/// The uncertain drivers of MODEL.md §3, in their canonical order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Driver {
    /// Growth of labor costs.
    LaborInflation,
    /// Growth of supply costs.
    SupplyInflation,
    /// Growth of other costs.
    OtherInflation,
    /// Growth of commercial (and other) prices.
    CommercialRateGrowth,
    /// Growth of Medicaid prices.
    MedicaidRateGrowth,
    /// Share of the remaining FFS book that moves to Medicare Advantage each year.
    MaShift,
    /// Medicare Economic Index, the index `{index: mei}` updates follow.
    Mei,
    /// Growth of service volume.
    VolumeGrowth,
}

impl Driver {
    /// How many drivers there are.
    pub const COUNT: usize = 8;
    /// All drivers in canonical order (the order draws are made in).
    pub const ALL: [Driver; Driver::COUNT] = [
        Driver::LaborInflation,
        Driver::SupplyInflation,
        Driver::OtherInflation,
        Driver::CommercialRateGrowth,
        Driver::MedicaidRateGrowth,
        Driver::MaShift,
        Driver::Mei,
        Driver::VolumeGrowth,
    ];

    /// The scenario-file name.
    pub fn name(self) -> &'static str {
        match self {
            Driver::LaborInflation => "labor_inflation",
            Driver::SupplyInflation => "supply_inflation",
            Driver::OtherInflation => "other_inflation",
            Driver::CommercialRateGrowth => "commercial_rate_growth",
            Driver::MedicaidRateGrowth => "medicaid_rate_growth",
            Driver::MaShift => "ma_shift",
            Driver::Mei => "mei",
            Driver::VolumeGrowth => "volume_growth",
        }
    }

    /// Position in [`Driver::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The driver with this scenario-file name.
    pub fn from_name(name: &str) -> Option<Driver> {
        Driver::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Whether the driver grows an index of MODEL.md §2 (V, Pc, Pd, I_k),
    /// and so may carry `noise` and `shared` (MODEL.md v1.3 §3): every
    /// driver but `ma_shift` and `mei`.
    pub fn grows_index(self) -> bool {
        !matches!(self, Driver::MaShift | Driver::Mei)
    }

    /// MODEL.md §3 default scope: `volume_growth` per practice, the rest macro.
    pub fn default_scope(self) -> Scope {
        if self == Driver::VolumeGrowth {
            Scope::Practice
        } else {
            Scope::Macro
        }
    }
}

/// Whether a driver is drawn once per path and year, or per practice too (MODEL.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One draw per path and year, shared by all practices.
    Macro,
    /// One draw per path, year and practice.
    Practice,
}

/// A driver's distribution and scope.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverSpec {
    /// The distribution of each year's draw.
    pub dist: Dist,
    /// Macro or practice.
    pub scope: Scope,
    /// `noise` and `shared` (MODEL.md v1.3 §3 "Dynamics"); zero when absent.
    pub dynamics: Dynamics,
}

/// How an index-growing driver's shocks carry (MODEL.md v1.3 §3 "Dynamics"):
/// both zero is v1.2's index, every shock lasting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dynamics {
    /// `noise` (s): the sd of a one-year shock to the index's level that does
    /// not carry into later years; 0..=1.
    pub noise: Decimal,
    /// `shared` (c): the sd of a yearly lasting shock common to every
    /// practice of a path; 0..=1, practice-scope drivers only.
    pub shared: Decimal,
}

impl Dynamics {
    /// Whether either shock is in play.
    pub fn is_active(&self) -> bool {
        !self.noise.is_zero() || !self.shared.is_zero()
    }
}

/// `cost_response` (MODEL.md v1.3 §3): each year the practice closes
/// `speed` of last year's gap between its margin and `target` by changing
/// its spending.
#[derive(Clone, Debug, PartialEq)]
pub struct CostResponse {
    /// kappa, 0..=1: the share of last year's margin gap closed.
    pub speed: Decimal,
    /// The margin steered toward.
    pub target: CostTarget,
}

/// The margin a cost response steers toward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostTarget {
    /// The practice's base-year margin from the scenario's amounts,
    /// `(sum revenue - sum costs) / sum revenue`.
    Base,
    /// A given margin in [-1, 1).
    Margin(Decimal),
}

/// Distributions of MODEL.md §3; parameters are those of the drawn value.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Fixed {
        /// The value.
        value: Decimal,
    },
    /// Normal, optionally clamped to `[low, high]` (`None` is infinite).
    Normal {
        /// Mean.
        mean: Decimal,
        /// Standard deviation, >= 0.
        sd: Decimal,
        /// Lower clamp, if any.
        low: Option<Decimal>,
        /// Upper clamp, if any.
        high: Option<Decimal>,
    },
    /// `1 + X` log-normal with mean `1 + mean` and standard deviation `sd`.
    Lognormal {
        /// Mean of X, > -1.
        mean: Decimal,
        /// Standard deviation of X, >= 0.
        sd: Decimal,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower end.
        min: Decimal,
        /// Upper end.
        max: Decimal,
    },
    /// Triangular.
    Triangular {
        /// Lower end.
        min: Decimal,
        /// Most likely value.
        mode: Decimal,
        /// Upper end.
        max: Decimal,
    },
    /// Beta-PERT with lambda 4.
    Pert {
        /// Lower end.
        min: Decimal,
        /// Most likely value.
        mode: Decimal,
        /// Upper end.
        max: Decimal,
    },
}

impl Dist {
    /// The value the point ledger uses (MODEL.md §4): the distribution's mean,
    /// a normal's clamped to its bounds.
    pub fn ledger_mean(&self) -> Decimal {
        match *self {
            Dist::Fixed { value } => value,
            Dist::Normal { mean, low, high, .. } => {
                let mean = low.map_or(mean, |lo| mean.max(lo));
                high.map_or(mean, |hi| mean.min(hi))
            }
            Dist::Lognormal { mean, .. } => mean,
            Dist::Uniform { min, max } => (min + max) / Decimal::TWO,
            Dist::Triangular { min, mode, max } => (min + mode + max) / Decimal::from(3),
            Dist::Pert { min, mode, max } => (min + Decimal::from(4) * mode + max) / Decimal::from(6),
        }
    }

    /// True when every draw is the same number.
    pub fn is_degenerate(&self) -> bool {
        match *self {
            Dist::Fixed { .. } => true,
            Dist::Normal { sd, .. } | Dist::Lognormal { sd, .. } => sd.is_zero(),
            Dist::Uniform { min, max } => min == max,
            Dist::Triangular { .. } | Dist::Pert { .. } => false,
        }
    }
}

/// One `[driver, driver, rho]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlation {
    /// First driver.
    pub first: Driver,
    /// Second driver.
    pub second: Driver,
    /// Coefficient in (-1, 1).
    pub rho: Decimal,
}

/// How Medicare FFS pays the practice (MODEL.md §2 `B_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Fees move with volume and the Medicare price index.
    FeeSchedule,
    /// Payment tracks operating costs (critical access hospitals).
    CostBased,
}

/// One practice archetype or facility.
#[derive(Clone, Debug, PartialEq)]
pub struct Practice {
    /// Unique id, `[a-z0-9_]+`.
    pub id: String,
    /// Label for tables.
    pub name: String,
    /// Kind used by policy targeting.
    pub kind: String,
    /// Real practices this one stands for.
    pub count: Decimal,
    /// Base-year gross revenue by payer.
    pub revenue: Revenue,
    /// Base-year operating costs.
    pub costs: Costs,
    /// Share of costs that moves with volume.
    pub variable_cost_share: Decimal,
    /// Opening cash and investments.
    pub cash: Decimal,
    /// Medicare payment terms.
    pub medicare: MedicareTerms,
    /// Distress and closure thresholds.
    pub thresholds: Thresholds,
    /// Practice-scope driver overrides, each replacing the whole driver.
    pub driver_overrides: Vec<(Driver, DriverSpec)>,
    /// `cost_response` in force for this practice (its own, else the
    /// scenario's or the cohort's default), `None` for none (MODEL.md v1.3).
    pub cost_response: Option<CostResponse>,
    /// Grouping attributes from a cohort file (`state`, `county`, ...), in column order.
    pub attributes: Vec<(String, String)>,
}

/// Base-year gross revenue, before sequestration.
#[derive(Clone, Debug, PartialEq)]
pub struct Revenue {
    /// Traditional Medicare fee-for-service.
    pub medicare_ffs: Decimal,
    /// Medicare Advantage.
    pub medicare_advantage: Decimal,
    /// Medicaid.
    pub medicaid: Decimal,
    /// Commercial insurance.
    pub commercial: Decimal,
    /// Everything else.
    pub other: Decimal,
}

impl Revenue {
    /// Sum of the five payers.
    pub fn total(&self) -> Decimal {
        self.medicare_ffs + self.medicare_advantage + self.medicaid + self.commercial + self.other
    }
}

/// Base-year operating costs.
#[derive(Clone, Debug, PartialEq)]
pub struct Costs {
    /// Labor.
    pub labor: Decimal,
    /// Supplies.
    pub supplies: Decimal,
    /// Other costs.
    pub other: Decimal,
}

impl Costs {
    /// `C_base` of MODEL.md §2.
    pub fn total(&self) -> Decimal {
        self.labor + self.supplies + self.other
    }
}

/// Medicare terms of a practice.
#[derive(Clone, Debug, PartialEq)]
pub struct MedicareTerms {
    /// Fee schedule or cost based.
    pub basis: Basis,
    /// Share of the FFS book that is Medicare program payment (the rest is cost sharing).
    pub program_share: Decimal,
    /// Share of MA revenue whose contracts pass the sequester through.
    pub ma_passthrough: Decimal,
    /// MA payment for a migrated FFS dollar.
    pub ma_rate_ratio: Decimal,
}

/// Distress and closure thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// Margin below which a year is in distress.
    pub distress_margin: Decimal,
    /// Days of cash below which a year is in distress.
    pub distress_days_cash: Decimal,
    /// Days of cash below which cash counts as exhausted.
    pub closure_days_cash: Decimal,
}

/// The four policy levers of MODEL.md §1, in the order of [`Lever::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "cli", value(rename_all = "snake_case"))]
pub enum Lever {
    /// Sequestration rate (CO-253).
    Sequestration,
    /// Annual Medicare price update.
    MedicareUpdate,
    /// Add-on to FFS payments.
    MedicareAddOn,
    /// Relief dollars per practice per year.
    Relief,
}

impl Lever {
    /// How many levers there are.
    pub const COUNT: usize = 4;
    /// All levers; a lever's position here is its [`Lever::index`].
    pub const ALL: [Lever; Lever::COUNT] =
        [Lever::Sequestration, Lever::MedicareUpdate, Lever::MedicareAddOn, Lever::Relief];

    /// The scenario-file name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lever::Sequestration => "sequestration",
            Lever::MedicareUpdate => "medicare_update",
            Lever::MedicareAddOn => "medicare_add_on",
            Lever::Relief => "relief",
        }
    }

    /// Position in [`Lever::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Lever {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the levers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLever(pub String);

impl std::fmt::Display for UnknownLever {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = Lever::ALL.iter().map(|l| l.as_str()).collect();
        write!(f, "unknown lever `{}` (levers: {})", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownLever {}

impl std::str::FromStr for Lever {
    type Err = UnknownLever;

    fn from_str(name: &str) -> Result<Lever, UnknownLever> {
        Lever::ALL.into_iter().find(|l| l.as_str() == name).ok_or_else(|| UnknownLever(name.to_string()))
    }
}

/// A lever's value on a day: a number, or (for `medicare_update` only) the
/// year's `mei` draw plus an offset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LeverValue {
    /// A plain number.
    Rate(Decimal),
    /// `{index: mei, offset: x}`.
    Mei {
        /// Added to the `mei` draw.
        offset: Decimal,
    },
}

/// A lever as written in one policy level.
#[derive(Clone, Debug, PartialEq)]
pub enum LeverInput {
    /// A scalar: the value from the beginning of time.
    Scalar(LeverValue),
    /// Dated values, sorted by date, at least one.
    Dated(Vec<(Date, LeverValue)>),
}

/// The levers one policy level sets (general or for one kind).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeverSet {
    /// Levers given, in file order.
    pub levers: Vec<(Lever, LeverInput)>,
}

/// One policy as written.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDef {
    /// Name, `[a-z0-9_]+`.
    pub name: String,
    /// Label for tables.
    pub label: String,
    /// Index of the `base:` policy, if any.
    pub base: Option<usize>,
    /// Levers for every practice.
    pub general: LeverSet,
    /// Levers for practices of one kind, in file order.
    pub for_kinds: Vec<(String, LeverSet)>,
    /// Index into [`Scenario::imports`] of the file that defined it (`None`: the scenario itself).
    pub import: Option<usize>,
}

/// One field of a practice: a key of a practice in a scenario file and a
/// column of a cohort table. Its rules (what is valid, its default) are in
/// `practice`, the one place both readers check a practice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `id`, unique.
    Id,
    /// `kind`, used by policy targeting.
    Kind,
    /// `revenue.medicare_ffs`.
    MedicareFfs,
    /// `revenue.medicare_advantage`.
    MedicareAdvantage,
    /// `revenue.medicaid`.
    Medicaid,
    /// `revenue.commercial`.
    Commercial,
    /// `revenue.other` (column `other`).
    OtherRevenue,
    /// `costs.labor`.
    Labor,
    /// `costs.supplies`.
    Supplies,
    /// `costs.other` (column `other_costs`).
    OtherCosts,
    /// `cash`.
    Cash,
    /// `name`, a label (default: the id).
    Name,
    /// `count`.
    Count,
    /// `variable_cost_share`.
    VariableCostShare,
    /// `medicare.basis`.
    Basis,
    /// `medicare.program_share`.
    ProgramShare,
    /// `medicare.ma_passthrough`.
    MaPassthrough,
    /// `medicare.ma_rate_ratio`.
    MaRateRatio,
    /// `thresholds.distress_margin`.
    DistressMargin,
    /// `thresholds.distress_days_cash`.
    DistressDaysCash,
    /// `thresholds.closure_days_cash`.
    ClosureDaysCash,
}

impl Field {
    /// How many fields there are.
    pub const COUNT: usize = 21;
    /// Every field in the order of a cohort table's standard columns: the
    /// required columns first.
    pub const ALL: [Field; Field::COUNT] = [
        Field::Id,
        Field::Kind,
        Field::MedicareFfs,
        Field::MedicareAdvantage,
        Field::Medicaid,
        Field::Commercial,
        Field::OtherRevenue,
        Field::Labor,
        Field::Supplies,
        Field::OtherCosts,
        Field::Cash,
        Field::Name,
        Field::Count,
        Field::VariableCostShare,
        Field::Basis,
        Field::ProgramShare,
        Field::MaPassthrough,
        Field::MaRateRatio,
        Field::DistressMargin,
        Field::DistressDaysCash,
        Field::ClosureDaysCash,
    ];

    /// The standard column name in a cohort table (the cohort record's schema).
    pub fn column(self) -> &'static str {
        use super::cohort_table::column;
        match self {
            Field::Id => column::ID,
            Field::Kind => column::KIND,
            Field::MedicareFfs => column::MEDICARE_FFS,
            Field::MedicareAdvantage => column::MEDICARE_ADVANTAGE,
            Field::Medicaid => column::MEDICAID,
            Field::Commercial => column::COMMERCIAL,
            Field::OtherRevenue => column::OTHER,
            Field::Labor => column::LABOR,
            Field::Supplies => column::SUPPLIES,
            Field::OtherCosts => column::OTHER_COSTS,
            Field::Cash => column::CASH,
            Field::Name => column::NAME,
            Field::Count => column::COUNT,
            Field::VariableCostShare => column::VARIABLE_COST_SHARE,
            Field::Basis => column::BASIS,
            Field::ProgramShare => column::PROGRAM_SHARE,
            Field::MaPassthrough => column::MA_PASSTHROUGH,
            Field::MaRateRatio => column::MA_RATE_RATIO,
            Field::DistressMargin => column::DISTRESS_MARGIN,
            Field::DistressDaysCash => column::DISTRESS_DAYS_CASH,
            Field::ClosureDaysCash => column::CLOSURE_DAYS_CASH,
        }
    }

    /// The field whose standard column name is `name`.
    pub fn from_column(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.column() == name)
    }

    /// Whether every cohort table must have the column; the others fall
    /// back to `cohort.defaults`, then to the cohort defaults of `practice::Defaults`.
    pub fn required_column(self) -> bool {
        use super::cohort_table::{schema_column, Need};
        schema_column(self.column()).is_some_and(|c| matches!(c.need, Need::Always | Need::Run))
    }

    /// The block of a YAML practice the field sits in (`None`: the practice itself).
    pub fn block(self) -> Option<Block> {
        match self {
            Field::MedicareFfs
            | Field::MedicareAdvantage
            | Field::Medicaid
            | Field::Commercial
            | Field::OtherRevenue => Some(Block::Revenue),
            Field::Labor | Field::Supplies | Field::OtherCosts => Some(Block::Costs),
            Field::Basis | Field::ProgramShare | Field::MaPassthrough | Field::MaRateRatio => Some(Block::Medicare),
            Field::DistressMargin | Field::DistressDaysCash | Field::ClosureDaysCash => Some(Block::Thresholds),
            Field::Id | Field::Kind | Field::Cash | Field::Name | Field::Count | Field::VariableCostShare => None,
        }
    }

    /// The YAML key within its block (`other` for both revenue and costs).
    pub fn key(self) -> &'static str {
        match self {
            Field::OtherRevenue | Field::OtherCosts => "other",
            field => field.column(),
        }
    }

    /// The key path within a YAML practice, e.g. `revenue.medicare_ffs`.
    pub fn path(self) -> String {
        match self.block() {
            Some(block) => format!("{}.{}", block.key(), self.key()),
            None => self.key().to_string(),
        }
    }

    /// Position in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A block of a YAML practice that groups fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// `revenue:`, the five payer lines.
    Revenue,
    /// `costs:`, three lines.
    Costs,
    /// `medicare:`, the payment terms.
    Medicare,
    /// `thresholds:`, distress and closure.
    Thresholds,
}

impl Block {
    /// The YAML key of the block.
    pub fn key(self) -> &'static str {
        match self {
            Block::Revenue => "revenue",
            Block::Costs => "costs",
            Block::Medicare => "medicare",
            Block::Thresholds => "thresholds",
        }
    }

    /// The YAML keys the block allows, in MODEL.md's order.
    pub fn keys(self) -> Vec<&'static str> {
        Field::ALL.into_iter().filter(|f| f.block() == Some(self)).map(Field::key).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levers_parse_from_their_names_and_index_their_slot() {
        for (slot, lever) in Lever::ALL.into_iter().enumerate() {
            assert_eq!(lever.index(), slot);
            assert_eq!(lever.as_str().parse::<Lever>(), Ok(lever));
            assert_eq!(lever.to_string(), lever.as_str());
        }
        let err = "sequester".parse::<Lever>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown lever `sequester` (levers: sequestration, medicare_update, medicare_add_on, relief)"
        );
    }

    #[test]
    fn fields_name_their_columns_and_yaml_paths() {
        assert_eq!(Field::OtherCosts.column(), "other_costs");
        assert_eq!(Field::OtherCosts.path(), "costs.other");
        assert_eq!(Field::Cash.path(), "cash");
        assert_eq!(Field::from_column("ma_rate_ratio"), Some(Field::MaRateRatio));
        assert_eq!(Field::from_column("revenue"), None);
        let required: Vec<&str> = Field::ALL.into_iter().filter(|f| f.required_column()).map(Field::column).collect();
        let expected =
            "id kind medicare_ffs medicare_advantage medicaid commercial other labor supplies other_costs cash";
        assert_eq!(required.join(" "), expected);
        assert_eq!(Block::Medicare.keys(), ["basis", "program_share", "ma_passthrough", "ma_rate_ratio"]);
        for (index, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field.index(), index, "{field:?}");
        }
    }
}
