//! Property tests (hardening issue, issue 17 item 4): random VALID scenarios
//! across the whole MODEL.md §1 schema, including extreme drivers (volume
//! falling 99% a year, standard deviations of 500%), and invariants that need
//! no second implementation of the model:
//!
//! 1. every generated scenario validates; its exact ledger exists (or, only
//!    for extreme drivers, reports an overflow for a row) with margins <= 1;
//!    the engine's margins are finite and <= 1;
//! 2. percentiles are ordered (p5 <= p25 <= p50 <= p75 <= p95, dmargin_p5 <=
//!    dmargin_p95), lie within [min, max] of the per-path values
//!    ([`engine::path_margins`]) and within 0.05 points of their exact
//!    type-7 values (MODEL.md §5);
//! 3. the same scenario with every driver `fixed` at its ledger mean agrees
//!    with the ledger within 1e-6 x max(|x|, S) (MODEL.md §4), flags included
//!    away from their thresholds;
//! 4. common random numbers: a policy identical to the baseline (`base:` with
//!    nothing changed, or re-stating the baseline's own dated map) has
//!    differences of exactly 0.0 everywhere;
//! 5. `seqsim run --shard i/K` + `seqsim merge` gives the single run's
//!    summary.csv, compare.csv and national.csv byte for byte, and the
//!    binary (`validate`, `ledger`, `run`, `merge`) exits 0 or 1, never
//!    panics (101).
//!
//! Case counts: 320 cases for the library properties and 10 for the binary
//! one by default (together about a minute in release on two cores). The
//! `PROPTEST_CASES` environment variable overrides the library count (the
//! binary property runs a thirty-second of it, at least 2), e.g.
//! `PROPTEST_CASES=2000 cargo test --release --test properties`.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use seqsim::engine::{self, summary, Plan};
use seqsim::{ledger, policy, scenario};

/// Default number of cases of the library properties.
const CASES: u32 = 320;

/// Cases of the library properties: `PROPTEST_CASES` if set, else [`CASES`].
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES)
}

/// A decimal in [lo, hi] with `places` decimals, as scenario text.
fn number(lo: i64, hi: i64, places: u32) -> impl Strategy<Value = String> {
    (lo..=hi).prop_map(move |n| Decimal::new(n, places).to_string())
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// One driver distribution: its text (without `scope:`), its ledger mean
/// (MODEL.md §4, as a decimal with 28 significant digits) and whether it is
/// extreme (so the ledger may outgrow exact decimals).
#[derive(Clone, Debug)]
struct Dist {
    /// Text inside the braces, e.g. `dist: normal, mean: 0.01, sd: 0.02`.
    body: String,
    /// A bare number instead (cannot carry `scope:`).
    bare: Option<String>,
    mean: Decimal,
    extreme: bool,
}

impl Dist {
    /// The driver's YAML flow text, with `scope` if given (a bare number
    /// turns into `{value: X, scope: S}` then).
    fn text(&self, scope: Option<&str>) -> String {
        match (&self.bare, scope) {
            (Some(bare), None) => bare.clone(),
            (_, Some(scope)) => format!("{{{}, scope: {scope}}}", self.body),
            (None, None) => format!("{{{}}}", self.body),
        }
    }
}

fn fixed() -> impl Strategy<Value = Dist> {
    (number(-50, 100, 3), 0u8..4).prop_map(|(v, form)| {
        let mean = dec(&v);
        match form {
            // A bare number; `{value: X}`; `{dist: fixed, value: X}`; `{value: X, source: ...}`.
            0 => Dist { body: format!("value: {v}"), bare: Some(v), mean, extreme: false },
            1 => Dist { body: format!("value: {v}"), bare: None, mean, extreme: false },
            2 => Dist { body: format!("dist: fixed, value: {v}"), bare: None, mean, extreme: false },
            _ => Dist { body: format!("value: {v}, source: \"a test\""), bare: None, mean, extreme: false },
        }
    })
}

fn bound() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![Just(None), (-80i64..120).prop_map(Some)]
}

fn normal() -> impl Strategy<Value = Dist> {
    (number(-50, 100, 3), number(0, 50, 3), proptest::option::of((bound(), bound()))).prop_map(|(m, s, bounds)| {
        let mean = dec(&m);
        match bounds {
            None => Dist { body: format!("dist: normal, mean: {m}, sd: {s}"), bare: None, mean, extreme: false },
            Some((lo, hi)) => {
                // lo <= hi; a missing end is `.inf`.
                let (lo, hi) = match (lo, hi) {
                    (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                    other => other,
                };
                let lo = lo.map(|n| Decimal::new(n, 3));
                let hi = hi.map(|n| Decimal::new(n, 3));
                let clamped = hi.map_or(mean, |h| mean.min(h));
                let clamped = lo.map_or(clamped, |l| clamped.max(l));
                let show = |b: Option<Decimal>, inf: &str| b.map_or(inf.to_string(), |d| d.to_string());
                Dist {
                    body: format!(
                        "dist: normal, mean: {m}, sd: {s}, bounds: [{}, {}]",
                        show(lo, "-.inf"),
                        show(hi, ".inf")
                    ),
                    bare: None,
                    mean: clamped,
                    extreme: false,
                }
            }
        }
    })
}

fn moderate() -> impl Strategy<Value = Dist> {
    prop_oneof![
        fixed(),
        normal(),
        (number(-50, 100, 3), number(0, 80, 3)).prop_map(|(m, s)| Dist {
            body: format!("dist: lognormal, mean: {m}, sd: {s}"),
            bare: None,
            mean: dec(&m),
            extreme: false
        }),
        (-50i64..50, 0i64..60).prop_map(|(lo, w)| {
            let (min, max) = (Decimal::new(lo, 3), Decimal::new(lo + w, 3));
            Dist {
                body: format!("dist: uniform, min: {min}, max: {max}"),
                bare: None,
                mean: (min + max) / Decimal::TWO,
                extreme: false,
            }
        }),
        (-50i64..50, 1i64..60, 0u8..=100, any::<bool>()).prop_map(|(lo, w, at, pert)| {
            let (min, max) = (Decimal::new(lo, 3), Decimal::new(lo + w, 3));
            let mode = Decimal::new(lo + w * i64::from(at) / 100, 3);
            let (kind, mean) = if pert {
                ("pert", (min + Decimal::from(4) * mode + max) / Decimal::from(6))
            } else {
                ("triangular", (min + mode + max) / Decimal::from(3))
            };
            Dist {
                body: format!("dist: {kind}, min: {min}, mode: {mode}, max: {max}"),
                bare: None,
                mean,
                extreme: false,
            }
        }),
    ]
}

/// Extreme drivers: volume (or any rate) falling 90-99% a year, huge
/// standard deviations, a lognormal with mean near -1.
fn extreme() -> impl Strategy<Value = Dist> {
    prop_oneof![
        Just(Dist { body: "value: -0.99".into(), bare: Some("-0.99".into()), mean: dec("-0.99"), extreme: true }),
        (-99i64..=-90, 0i64..=9).prop_map(|(lo, w)| {
            let (min, max) = (Decimal::new(lo, 2), Decimal::new(lo + w, 2));
            Dist {
                body: format!("dist: uniform, min: {min}, max: {max}"),
                bare: None,
                mean: (min + max) / Decimal::TWO,
                extreme: true,
            }
        }),
        (number(-100, 100, 3), number(500, 5000, 3)).prop_map(|(m, s)| Dist {
            body: format!("dist: normal, mean: {m}, sd: {s}"),
            bare: None,
            mean: dec(&m),
            extreme: true
        }),
        (number(-990, -900, 3), number(0, 3000, 3)).prop_map(|(m, s)| Dist {
            body: format!("dist: lognormal, mean: {m}, sd: {s}"),
            bare: None,
            mean: dec(&m),
            extreme: true
        }),
    ]
}

fn distribution() -> impl Strategy<Value = Dist> {
    prop_oneof![6 => moderate(), 1 => extreme()]
}

const NAMES: [&str; 8] = [
    "labor_inflation",
    "supply_inflation",
    "other_inflation",
    "commercial_rate_growth",
    "medicaid_rate_growth",
    "ma_shift",
    "mei",
    "volume_growth",
];

/// How a driver states its scope: not at all, `scope: null`, or explicitly.
fn scope_choice() -> impl Strategy<Value = u8> {
    0u8..4
}

/// The scope text for a driver of `default` scope, given a choice: 0 absent,
/// 1 `null`, 2 its default written out, 3 the other scope.
fn scope_text(choice: u8, default: &'static str) -> (Option<&'static str>, &'static str) {
    let other = if default == "macro" { "practice" } else { "macro" };
    match choice {
        0 => (None, default),
        1 => (Some("null"), default),
        2 => (Some(default), default),
        _ => (Some(other), other),
    }
}

#[derive(Clone, Debug)]
struct PracticeGen {
    /// Everything up to (not including) `drivers:`.
    head: String,
    kind: usize,
    /// Candidate overrides for mei and volume_growth, with the form of `scope:` to repeat (0 none, 1 null, 2 practice).
    overrides: [Option<(Dist, u8)>; 2],
    thresholds: (String, String, String),
}

fn practice(index: usize) -> impl Strategy<Value = PracticeGen> {
    (
        (
            proptest::collection::vec(number(0, 10_000_000_000, 2), 5),
            proptest::collection::vec(number(0, 10_000_000_000, 2), 3),
            number(0, 1000, 3),
            number(-1_000_000_000, 10_000_000_000, 2),
            any::<bool>(),
            (number(0, 1000, 3), number(0, 1000, 3), number(1, 2000, 3)),
            0usize..3,
        ),
        [proptest::option::of((distribution(), 0u8..3)), proptest::option::of((distribution(), 0u8..3))],
        (number(-300, 100, 3), number(0, 200, 0), number(-50, 60, 0)),
        0u8..3,
        (0u8..3, number(0, 1000, 3), number(-1000, 999, 3)),
    )
        .prop_map(move |((revenue, costs, vcs, cash, cost_based, (share, pass, ratio), kind), overrides, thresholds, count, (response, speed, target))| {
            let basis = if cost_based { "cost_based" } else { "fee_schedule" };
            // Base revenue and costs must be positive: commercial and labor end in .5.
            let whole = |text: &str| text.split('.').next().unwrap_or("0").to_string();
            let (commercial, labor) = (whole(&revenue[3]), whole(&costs[0]));
            let count = ["3", "0", "{value: 12.5, source: \"a count\"}"][usize::from(count)];
            let head = format!(
                "  - id: p{index}\n    kind: kind{kind}\n    count: {count}\n    revenue: {{medicare_ffs: {}, medicare_advantage: {}, medicaid: {}, commercial: {commercial}.5, other: {}}}\n    costs: {{labor: {labor}.5, supplies: {}, other: {}}}\n    variable_cost_share: {vcs}\n    cash: {cash}\n    medicare: {{basis: {basis}, program_share: {share}, ma_passthrough: {pass}, ma_rate_ratio: {ratio}}}\n",
                revenue[0], revenue[1], revenue[2], revenue[4], costs[1], costs[2],
            );
            // A cost response (MODEL.md v1.3) on two practices in three: toward the base margin or a given one.
            let head = match response {
                0 => format!("{head}    cost_response: {{speed: {speed}}}\n"),
                1 => format!("{head}    cost_response: {{speed: {speed}, target: {target}}}\n"),
                _ => head,
            };
            PracticeGen { head, kind, overrides, thresholds }
        })
}

/// A dated map: keys are years (`2027`, meaning 2027-01-01) or ISO dates,
/// never two naming the same day.
fn dated_map(lo: i64, hi: i64) -> impl Strategy<Value = BTreeMap<(i32, u32, u32), (bool, String)>> {
    proptest::collection::btree_map(
        (2010i32..2045, prop_oneof![Just((1u32, 1u32)), (1u32..=12, 1u32..=28)]),
        (any::<bool>(), number(lo, hi, 4)),
        1..5,
    )
    .prop_map(|keys| keys.into_iter().map(|((y, (m, d)), v)| ((y, m, d), v)).collect())
}

fn map_text(map: &BTreeMap<(i32, u32, u32), (bool, String)>, value: impl Fn(&str) -> String) -> String {
    let entries: Vec<String> = map
        .iter()
        .map(|(&(y, m, d), (as_year, v))| {
            let key = if (m, d) == (1, 1) && *as_year { format!("{y}") } else { format!("\"{y:04}-{m:02}-{d:02}\"") };
            format!("{key}: {}", value(v))
        })
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// A generated scenario: the random text, the same with every driver fixed
/// at its ledger mean, and facts the checks need.
#[derive(Clone, Debug)]
struct Generated {
    text: String,
    fixed_text: String,
    extreme: bool,
    /// Per practice: distress_margin, distress_days_cash, closure_days_cash.
    thresholds: Vec<(f64, f64, f64)>,
}

#[allow(clippy::type_complexity)]
fn generated() -> impl Strategy<Value = Generated> {
    (
        (2015i32..2040, 1u32..=15, proptest::collection::vec((distribution(), scope_choice()), 8)),
        (1usize..4).prop_flat_map(|n| (0..n).map(practice).collect::<Vec<_>>()),
        (dated_map(0, 500), prop_oneof![number(-9900, 1000, 4), number(-200, 200, 4).prop_map(|o| format!("{{index: mei, offset: {o}}}"))]),
        (dated_map(0, 5000), dated_map(-500, 500), number(0, 10_000_000, 2), proptest::option::of(number(-9900, 20000, 4))),
        (proptest::option::of((0usize..8, 0usize..8, -89i64..=89)), any::<bool>(), any::<bool>()),
    )
        .prop_map(|((start, years, drivers), practices, (seq, update), (alt_seq, mei_update, relief, add_on), (corr, kinds, thresholds_on))| {
            // Scopes: mei defaults to macro, volume_growth to practice, the other six to macro.
            let mut scopes = Vec::new();
            let (mut random, mut fixed) = (String::new(), String::new());
            let mut extreme = false;
            for (i, (name, (dist, choice))) in NAMES.iter().zip(&drivers).enumerate() {
                let default = if i == 7 { "practice" } else { "macro" };
                // Only mei and volume_growth change scope; the others at most restate theirs.
                let choice = if i >= 6 { *choice } else { choice % 3 };
                let (written, scope) = scope_text(choice, default);
                scopes.push(scope);
                extreme |= dist.extreme;
                random.push_str(&format!("  {name}: {}\n", dist.text(written)));
                fixed.push_str(&format!("  {name}: {{value: {}, scope: {scope}}}\n", dist.mean));
            }
            // One correlation of |rho| < 0.9 between two distinct drivers of the same scope.
            let mut correlations = String::new();
            if let Some((a, b, rho)) = corr {
                if a != b && scopes[a] == scopes[b] {
                    correlations = format!("correlations:\n  - [{}, {}, {}]\n", NAMES[a], NAMES[b], Decimal::new(rho, 2));
                }
            }
            let (mut random_practices, mut fixed_practices) = (String::new(), String::new());
            let mut thresholds = Vec::new();
            for p in &practices {
                let (dm, dd, cd) = &p.thresholds;
                let threshold_text = if thresholds_on {
                    thresholds.push((dec(dm).to_f64().unwrap(), dec(dd).to_f64().unwrap(), dec(cd).to_f64().unwrap()));
                    format!("    thresholds: {{distress_margin: {dm}, distress_days_cash: {dd}, closure_days_cash: {cd}}}\n")
                } else {
                    thresholds.push((0.0, 30.0, 0.0));
                    String::new()
                };
                let (mut over_random, mut over_fixed) = (String::new(), String::new());
                for (slot, driver) in [(0usize, 6usize), (1, 7)] {
                    if let (Some((dist, repeat)), "practice") = (&p.overrides[slot], scopes[driver]) {
                        extreme |= dist.extreme;
                        let written = [None, Some("null"), Some("practice")][usize::from(*repeat)];
                        over_random.push_str(&format!("      {}: {}\n", NAMES[driver], dist.text(written)));
                        over_fixed.push_str(&format!("      {}: {{value: {}}}\n", NAMES[driver], dist.mean));
                    }
                }
                let wrap = |o: &str| if o.is_empty() { String::new() } else { format!("    drivers:\n{o}") };
                random_practices.push_str(&format!("{}{threshold_text}{}", p.head, wrap(&over_random)));
                fixed_practices.push_str(&format!("{}{threshold_text}{}", p.head, wrap(&over_fixed)));
            }
            extreme |= update.starts_with("-0.99") || add_on.as_deref().is_some_and(|a| a.starts_with("-0.9"));
            let kind0 = practices[0].kind;
            let add_on_text = add_on.map(|a| format!("    medicare_add_on: {a}\n")).unwrap_or_default();
            let for_kinds = if kinds {
                format!(
                    "    for_kinds:\n      kind{kind0}: {{sequestration: {{{}: 0.0}}, relief: {{value: {{{}: 125000}}, source: \"a kind's relief\"}}}}\n",
                    start + 1,
                    start
                )
            } else {
                String::new()
            };
            let policies = format!(
                "baseline: law\npolicies:\n  law:\n    label: Law\n    sequestration: {}\n    medicare_update: {update}\n  same:\n    base: law\n  restated:\n    base: law\n    sequestration: {}\n  alt:\n    base: law\n    sequestration: {}\n    medicare_update: {}\n    relief: {relief}\n{for_kinds}  child:\n    base: alt\n{add_on_text}",
                map_text(&seq, |v| v.to_string()),
                map_text(&seq, |v| v.to_string()),
                map_text(&alt_seq, |v| (dec(v) / Decimal::TEN).to_string()),
                map_text(&mei_update, |v| format!("{{index: mei, offset: {v}}}")),
            );
            let head = format!("name: random\nhorizon: {{start_year: {start}, years: {years}}}\nsimulation: {{paths: 64, seed: 3}}\ndrivers:\n");
            Generated {
                text: format!("{head}{random}{correlations}practices:\n{random_practices}{policies}"),
                fixed_text: format!("{head}{fixed}practices:\n{fixed_practices}{policies}"),
                extreme,
                thresholds,
            }
        })
}

fn parse(text: &str) -> scenario::Scenario {
    let (parsed, diagnostics) = scenario::parse_str(text);
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.severity == scenario::Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
    parsed.unwrap()
}

/// Type-7 percentile of a sorted sample.
fn type7(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let k = h.floor() as usize;
    let next = sorted[(k + 1).min(sorted.len() - 1)];
    sorted[k] + (h - k as f64) * (next - sorted[k])
}

/// Histogram bins resolve values within about +/-2.7e11 (src/engine/accum.rs REACH).
const REACH: f64 = 2.7e11;

/// Checks an estimated percentile set against the exact sample.
fn check_percentiles(sample: &mut [f64], qs: &[f64], estimates: &[f64], what: &str) -> Result<(), TestCaseError> {
    sample.sort_by(f64::total_cmp);
    let (min, max) = (sample[0], sample[sample.len() - 1]);
    // Ordered exactly (a value a hair below a bin edge may be counted in the
    // bin above; the estimates stay ordered and inside [min, max] all the same:
    // see tests/extremes.rs, percentiles_just_below_a_bin_edge...).
    for pair in estimates.windows(2) {
        prop_assert!(pair[0] <= pair[1] || pair.iter().any(|p| p.is_nan()), "{what}: unordered {estimates:?}");
    }
    for (q, estimate) in qs.iter().zip(estimates) {
        let exact = type7(sample, *q);
        if estimate.is_nan() {
            // Unresolvable only beyond the histogram's reach.
            prop_assert!(min <= -REACH || max >= REACH || min.is_nan(), "{what} q{q}: NaN for {exact}");
            continue;
        }
        prop_assert!(*estimate >= min && *estimate <= max, "{what} q{q}: {estimate} outside [{min}, {max}]");
        if min > -REACH && max < REACH {
            prop_assert!((estimate - exact).abs() <= 0.0005, "{what} q{q}: {estimate} vs exact {exact}");
        }
    }
    Ok(())
}

/// MODEL.md §4: |engine - ledger| <= 1e-6 * max(|x|, S).
fn close(engine: f64, ledger: Decimal, scale: f64) -> bool {
    let ledger = ledger.to_f64().unwrap();
    (engine - ledger).abs() <= 1e-6 * ledger.abs().max(scale)
}

fn library_checks(g: &Generated) -> Result<(), TestCaseError> {
    // 1. Validity, finite ledger, margins <= 1.
    let parsed = parse(&g.text);
    let resolution = policy::resolve(&parsed);
    let policies = parsed.policies.len();
    let years = parsed.years as usize;
    let rows = ledger::ledger(&parsed, &resolution);
    match &rows {
        Ok(rows) => {
            prop_assert_eq!(rows.len(), parsed.practices.len() * policies * years);
            for row in rows {
                prop_assert!(row.margin <= Decimal::ONE, "margin {} > 1", row.margin);
                prop_assert!(row.revenue > Decimal::ZERO && row.costs > Decimal::ZERO);
            }
        }
        Err(e) => {
            prop_assert!(g.extreme, "ledger error without extreme drivers: {e}");
            prop_assert!(matches!(e, ledger::LedgerError::Overflow { .. }), "{e}");
        }
    }
    let plan = Plan::compile(&parsed, &resolution).unwrap();
    let paths = 64u64;
    let acc = engine::simulate(&plan, 3, 0..paths, 1, &|_| true).unwrap();
    let tables = summary::summarize(&plan, &acc);
    prop_assert_eq!(tables.summary.len(), parsed.practices.len() * policies * years);
    for row in &tables.summary {
        prop_assert!(row.margin_mean.is_finite() && row.margin_mean <= 1.0, "{row:?}");
        prop_assert!(row.margin_percentiles.iter().all(|p| p.is_nan() || *p <= 1.0), "{row:?}");
    }

    // 2. Percentiles ordered, within [min, max] and within 0.05 points of the exact sample.
    let per_path: Vec<Vec<f64>> = (0..paths).map(|path| engine::path_margins(&plan, 3, path)).collect();
    for (cell, row) in tables.summary.iter().enumerate() {
        let mut sample: Vec<f64> = per_path.iter().map(|m| m[cell]).collect();
        prop_assert!(sample.iter().all(|m| m.is_finite() && *m <= 1.0), "{row:?}");
        let what = format!("{} {} {}", row.practice, row.policy, row.year);
        check_percentiles(&mut sample, &[0.05, 0.25, 0.5, 0.75, 0.95], &row.margin_percentiles, &what)?;
    }
    let layout = plan.layout();
    for row in &tables.compare {
        let p = plan.practices.iter().position(|x| x.id == row.practice).unwrap();
        let k = plan.policies.iter().position(|x| x.name == row.policy).unwrap();
        let t = (row.year - plan.start_year) as usize;
        let (cell, base) = (layout.cell(p, k, t), layout.cell(p, plan.baseline, t));
        let mut differences: Vec<f64> = per_path.iter().map(|m| m[cell] - m[base]).collect();
        let what = format!("d {} {} {}", row.practice, row.policy, row.year);
        check_percentiles(&mut differences, &[0.05, 0.95], &[row.dmargin_p5, row.dmargin_p95], &what)?;
        // 4. Common random numbers: a policy identical to the baseline differs by exactly nothing.
        if row.policy == "same" || row.policy == "restated" {
            let zeros = [
                row.dmargin_mean,
                row.dmargin_p5,
                row.dmargin_p95,
                row.dcut_cum_mean,
                row.dcash_mean,
                row.dp_exhausted,
            ];
            prop_assert!(zeros.iter().all(|z| *z == 0.0), "{row:?}");
            prop_assert_eq!(row.dmargin_se, Some(0.0), "{:?}", row);
        }
    }
    for policy in ["same", "restated"] {
        let k = plan.policies.iter().position(|x| x.name == policy).unwrap();
        for (p, _) in plan.practices.iter().enumerate() {
            for t in 0..years {
                let (a, b) = (&tables.summary[layout.cell(p, k, t)], &tables.summary[layout.cell(p, plan.baseline, t)]);
                prop_assert_eq!(a.margin_percentiles.map(f64::to_bits), b.margin_percentiles.map(f64::to_bits));
                prop_assert_eq!(a.margin_mean.to_bits(), b.margin_mean.to_bits());
            }
        }
    }

    // 3. Every driver fixed at its ledger mean: the engine equals the ledger.
    if let Ok(rows) = rows {
        let fixed = parse(&g.fixed_text);
        let fixed_plan = Plan::compile(&fixed, &policy::resolve(&fixed)).unwrap();
        let acc = engine::simulate(&fixed_plan, 3, 0..2, 1, &|_| true).unwrap();
        let tables = summary::summarize(&fixed_plan, &acc);
        prop_assert_eq!(rows.len(), tables.summary.len());
        let mut cut_cum = Decimal::ZERO;
        let mut near_closure = false;
        for (l, s) in rows.iter().zip(&tables.summary) {
            prop_assert_eq!((&l.practice, &l.policy, l.year), (&s.practice, &s.policy, s.year));
            let index = parsed.practices.iter().position(|p| p.id == l.practice).unwrap();
            let scale = parsed.practices[index].revenue.total().to_f64().unwrap();
            if l.year == parsed.start_year {
                cut_cum = Decimal::ZERO;
                near_closure = false;
            }
            cut_cum += l.cut;
            let what = format!("{} {} {}: {s:?}\nvs {l:?}", l.practice, l.policy, l.year);
            prop_assert!(close(s.revenue_mean, l.revenue, scale), "revenue {what}");
            prop_assert!(close(s.costs_mean, l.costs, scale), "costs {what}");
            prop_assert!(close(s.cut_mean, l.cut, scale), "cut {what}");
            prop_assert!(close(s.cut_cum_mean, cut_cum, scale), "cut_cum {what}");
            prop_assert!(close(s.cash_mean, l.cash, scale), "cash {what}");
            prop_assert!(close(s.days_cash_mean, l.days_cash, 365.0), "days {what}");
            prop_assert!(close(s.margin_mean, l.margin, 1.0), "margin {what}");
            // Flags agree except where the ledger value is within tolerance of its threshold.
            let (dm, dd, cd) = g.thresholds[index];
            let (margin, days) = (l.margin.to_f64().unwrap(), l.days_cash.to_f64().unwrap());
            let near = |x: f64, threshold: f64, scale: f64| (x - threshold).abs() <= 1e-6 * x.abs().max(scale);
            near_closure |= near(days, cd, 365.0);
            if !near(margin, dm, 1.0) && !near(days, dd, 365.0) {
                prop_assert_eq!(s.p_distress, if l.distress { 1.0 } else { 0.0 }, "distress {}", what);
            }
            if !near_closure {
                prop_assert_eq!(s.p_exhausted, if l.exhausted { 1.0 } else { 0.0 }, "exhausted {}", what);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_valid_scenarios_keep_every_invariant(g in generated()) {
        library_checks(&g)?;
    }
}

fn run_binary(args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_seqsim")).args(args).output().unwrap();
    let code = output.status.code();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(code, Some(0) | Some(1)), "{args:?} exited {code:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    if code == Some(1) {
        assert!(stderr.contains("error"), "{args:?} failed without a message: {stderr}");
    }
    output
}

fn binary_checks(g: &Generated) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("random.yaml");
    std::fs::write(&file, &g.text).unwrap();
    let file = file.to_str().unwrap();
    let validate = run_binary(&["validate", file]);
    prop_assert_eq!(validate.status.code(), Some(0));
    let ledger = run_binary(&["ledger", file]);
    prop_assert!(ledger.status.success() || g.extreme);
    // 2,500 paths: three chunks of 1,024, so every shard of 2 or 3 holds some.
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let single = out("single");
    let ok = |o: std::process::Output| o.status.success();
    prop_assert!(ok(run_binary(&["run", file, "--paths", "2500", "--threads", "1", "--out", &single])));
    for count in [2u32, 3] {
        let mut shards = Vec::new();
        for index in 0..count {
            let shard = out(&format!("k{count}-{index}"));
            let spec = format!("{index}/{count}");
            prop_assert!(ok(run_binary(&["run", file, "--paths", "2500", "--shard", &spec, "--out", &shard])));
            shards.push(shard);
        }
        let merged = out(&format!("k{count}"));
        let mut args = vec!["merge"];
        args.extend(shards.iter().rev().map(String::as_str));
        args.extend(["--out", merged.as_str()]);
        prop_assert!(ok(run_binary(&args)));
        for table in ["summary.csv", "compare.csv", "national.csv"] {
            let a = std::fs::read(Path::new(&single).join(table)).unwrap();
            let b = std::fs::read(Path::new(&merged).join(table)).unwrap();
            prop_assert!(a == b, "K = {count}: {table} differs from the single run");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: (cases() / 32).max(2), ..ProptestConfig::default() })]

    #[test]
    fn shards_merge_to_the_single_run_and_the_binary_never_panics(g in generated()) {
        binary_checks(&g)?;
    }
}
