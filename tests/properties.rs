//! Property tests (hardening issue): every randomly generated valid scenario
//! validates, its exact ledger exists (no overflow, so every value is a finite
//! decimal) with margins <= 1, and the engine's margins are finite and <= 1.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rust_decimal::Decimal;
use seqsim::engine::{self, summary, Plan};
use seqsim::{ledger, policy, scenario};

/// A decimal in [lo, hi] with `places` decimals, as scenario text.
fn number(lo: i64, hi: i64, places: u32) -> impl Strategy<Value = String> {
    (lo..=hi).prop_map(move |n| Decimal::new(n, places).to_string())
}

fn distribution() -> impl Strategy<Value = String> {
    prop_oneof![
        number(-50, 100, 3),
        (number(-50, 100, 3), number(0, 50, 3)).prop_map(|(m, s)| format!("{{dist: normal, mean: {m}, sd: {s}}}")),
        (number(-50, 100, 3), number(0, 80, 3)).prop_map(|(m, s)| format!("{{dist: lognormal, mean: {m}, sd: {s}}}")),
        (-50i64..50, 0i64..60).prop_map(|(lo, w)| format!(
            "{{dist: uniform, min: {}, max: {}}}",
            Decimal::new(lo, 3),
            Decimal::new(lo + w, 3)
        )),
        (-50i64..50, 1i64..60, 0u8..=100, any::<bool>()).prop_map(|(lo, w, at, pert)| {
            let mode = lo + w * i64::from(at) / 100;
            let kind = if pert { "pert" } else { "triangular" };
            format!(
                "{{dist: {kind}, min: {}, mode: {}, max: {}}}",
                Decimal::new(lo, 3),
                Decimal::new(mode, 3),
                Decimal::new(lo + w, 3)
            )
        }),
    ]
}

fn practice(index: usize) -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(number(0, 10_000_000_000, 2), 5),
        proptest::collection::vec(number(0, 10_000_000_000, 2), 3),
        number(0, 1000, 3),
        number(-1_000_000_000, 10_000_000_000, 2),
        any::<bool>(),
        (number(0, 1000, 3), number(0, 1000, 3), number(1, 2000, 3)),
        0usize..3,
    )
        .prop_map(move |(revenue, costs, vcs, cash, cost_based, (share, pass, ratio), kind)| {
            let basis = if cost_based { "cost_based" } else { "fee_schedule" };
            // Base revenue and costs must be positive: commercial and labor end in .5.
            let whole = |text: &str| text.split('.').next().unwrap_or("0").to_string();
            let (commercial, labor) = (whole(&revenue[3]), whole(&costs[0]));
            format!(
                "  - id: p{index}\n    kind: kind{kind}\n    count: 3\n    revenue: {{medicare_ffs: {}, medicare_advantage: {}, medicaid: {}, commercial: {commercial}.5, other: {}}}\n    costs: {{labor: {labor}.5, supplies: {}, other: {}}}\n    variable_cost_share: {vcs}\n    cash: {cash}\n    medicare: {{basis: {basis}, program_share: {share}, ma_passthrough: {pass}, ma_rate_ratio: {ratio}}}\n",
                revenue[0], revenue[1], revenue[2], revenue[4], costs[1], costs[2],
            )
        })
}

fn dated_map(lo: i64, hi: i64) -> impl Strategy<Value = String> {
    proptest::collection::btree_map((2010i32..2045, 1u32..=12, 1u32..=28), number(lo, hi, 4), 1..5).prop_map(|keys| {
        let entries: Vec<String> =
            keys.into_iter().map(|((y, m, d), v)| format!("\"{y:04}-{m:02}-{d:02}\": {v}")).collect();
        format!("{{{}}}", entries.join(", "))
    })
}

fn scenario_text() -> impl Strategy<Value = String> {
    (
        2015i32..2040,
        1u32..=15,
        proptest::collection::vec(distribution(), 8),
        (1usize..4).prop_flat_map(|n| (0..n).map(practice).collect::<Vec<_>>()),
        dated_map(0, 500),
        prop_oneof![number(-500, 1000, 4), number(-200, 200, 4).prop_map(|o| format!("{{index: mei, offset: {o}}}"))],
        dated_map(0, 400),
        number(0, 10_000_000, 2),
    )
        .prop_map(|(start, years, drivers, practices, seq, update, alt_seq, relief)| {
            let names = ["labor_inflation", "supply_inflation", "other_inflation", "commercial_rate_growth", "medicaid_rate_growth", "ma_shift", "mei", "volume_growth"];
            let drivers: String = names.iter().zip(&drivers).map(|(n, d)| format!("  {n}: {d}\n")).collect();
            format!(
                "name: random\nhorizon: {{start_year: {start}, years: {years}}}\nsimulation: {{paths: 64, seed: 3}}\ndrivers:\n{drivers}practices:\n{}baseline: law\npolicies:\n  law:\n    sequestration: {seq}\n    medicare_update: {update}\n  alt:\n    base: law\n    sequestration: {alt_seq}\n    relief: {relief}\n",
                practices.concat()
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn valid_random_scenarios_give_finite_ledgers_with_margins_at_most_one(text in scenario_text()) {
        let (parsed, diagnostics) = scenario::parse_str(&text);
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.severity == scenario::Severity::Error).collect();
        prop_assert!(errors.is_empty(), "{errors:?}\n{text}");
        let parsed = parsed.unwrap();
        let resolution = policy::resolve(&parsed);
        let rows = ledger::ledger(&parsed, &resolution).unwrap();
        prop_assert_eq!(rows.len(), parsed.practices.len() * 2 * parsed.years as usize);
        for row in &rows {
            prop_assert!(row.margin <= Decimal::ONE, "margin {} > 1", row.margin);
            prop_assert!(row.revenue > Decimal::ZERO && row.costs > Decimal::ZERO);
        }
        let plan = Plan::compile(&parsed, &resolution).unwrap();
        let acc = engine::simulate(&plan, 3, 0..64, 1, &|_| true).unwrap();
        for row in summary::summarize(&plan, &acc).summary {
            prop_assert!(row.margin_mean.is_finite() && row.margin_mean <= 1.0, "{row:?}");
            prop_assert!(row.margin_percentiles.iter().all(|p| p.is_finite() && *p <= 1.0), "{row:?}");
        }
    }
}
