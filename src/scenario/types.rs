//! Validated scenario types (MODEL.md §1): what the rest of seqsim sees.
//!
//! Nothing here can be built from unchecked input: [`super::validate`] is the
//! only producer. Amounts are `Decimal`, read exactly from the file's text.

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
    /// Renames: (standard column name, the file's column name).
    pub columns: Vec<(String, String)>,
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
    pub driver_overrides: Vec<(Driver, Dist)>,
}

impl Scenario {
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

    /// The distribution a practice uses for `driver`: its override or the scenario's.
    pub fn driver_for<'a>(&'a self, practice: &'a Practice, driver: Driver) -> &'a Dist {
        practice
            .driver_overrides
            .iter()
            .find(|(d, _)| *d == driver)
            .map(|(_, dist)| dist)
            .unwrap_or(&self.drivers[driver.index()].dist)
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
    /// Practice-scope driver overrides.
    pub driver_overrides: Vec<(Driver, Dist)>,
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

/// The four policy levers of MODEL.md §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// All levers.
    pub const ALL: [Lever; 4] = [Lever::Sequestration, Lever::MedicareUpdate, Lever::MedicareAddOn, Lever::Relief];

    /// The scenario-file name.
    pub fn name(self) -> &'static str {
        match self {
            Lever::Sequestration => "sequestration",
            Lever::MedicareUpdate => "medicare_update",
            Lever::MedicareAddOn => "medicare_add_on",
            Lever::Relief => "relief",
        }
    }

    /// The lever with this scenario-file name.
    pub fn from_name(name: &str) -> Option<Lever> {
        Lever::ALL.into_iter().find(|l| l.name() == name)
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
