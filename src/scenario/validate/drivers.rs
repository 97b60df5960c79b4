//! `drivers:` (MODEL.md §3): the eight uncertain drivers, each a number or a
//! distribution with a scope, and a practice's practice-scope overrides.

use rust_decimal::Decimal;

use super::context::{describe, percent, Ctx, Fields};
use crate::scenario::text::truncate;
use crate::scenario::types::{Dist, Driver, DriverSpec, Dynamics, Scope};
use crate::scenario::yaml::{join_index, join_key, scalar_text, Mark, Node, Value};

/// Which `scope:` a driver definition may give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ScopeRule {
    /// The scenario's `drivers:`: `macro` or `practice`.
    Any,
    /// A practice's `drivers:` override: only `practice` (it is one already).
    PracticeOnly,
}

impl ScopeRule {
    /// The scope of a definition that gives no `scope:`: the driver's
    /// default at the top, practice in an override.
    fn default_scope(self, driver: Driver) -> Scope {
        match self {
            ScopeRule::Any => driver.default_scope(),
            ScopeRule::PracticeOnly => Scope::Practice,
        }
    }
}

/// The parameters each distribution takes, or `None` for an unknown one.
fn parameters(dist: &str) -> Option<&'static [&'static str]> {
    Some(match dist {
        "fixed" => &["value"],
        "normal" => &["mean", "sd", "bounds"],
        "lognormal" => &["mean", "sd"],
        "uniform" => &["min", "max"],
        "triangular" | "pert" => &["min", "mode", "max"],
        _ => return None,
    })
}

impl Ctx {
    /// The scenario's `drivers:`, all eight required.
    pub(super) fn drivers(&mut self, node: &Node) -> Option<[DriverSpec; Driver::COUNT]> {
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
    pub(super) fn driver(&mut self, node: &Node, path: &str, driver: Driver, rule: ScopeRule) -> Option<DriverSpec> {
        if let Value::Number(_) = node.value {
            let value = self.rate(node, path, false)?;
            self.rate_warning(value, path, node.mark, driver);
            let dynamics = Dynamics::default();
            return Some(DriverSpec { dist: Dist::Fixed { value }, scope: rule.default_scope(driver), dynamics });
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
        let Some(dist_node) = entries.iter().find(|(k, _)| scalar_text(k) == "dist").map(|(_, v)| v) else {
            return self.fixed_driver(node, path, driver, rule);
        };
        let dist_path = join_key(path, "dist");
        let kind = self.text(dist_node, &dist_path)?;
        let Some(params) = parameters(&kind) else {
            self.error(
                &dist_path,
                dist_node.mark,
                format!(
                    "unknown distribution `{}`: use fixed, normal, lognormal, uniform, triangular or pert",
                    truncate(&kind)
                ),
            );
            return None;
        };
        let mut allowed = vec!["dist", "source", "scope", "noise", "shared"];
        allowed.extend_from_slice(params);
        let f = self.fields(node, path, &allowed)?;
        self.source(f.get("source"), &f.path("source"));
        let scope = self.scope(&f, rule.default_scope(driver), rule);
        let dist = self.distribution(&kind, &f);
        // Checked whatever `scope:` said, so every problem is reported.
        let dynamics = self.dynamics(&f, driver, scope.unwrap_or(rule.default_scope(driver)));
        let (scope, dynamics) = (scope?, dynamics?);
        let dist = dist?;
        self.rate_warning(dist.ledger_mean(), path, node.mark, driver);
        Some(DriverSpec { dist, scope, dynamics })
    }

    /// `{value: X, source: ..., scope: ...}`: a fixed driver.
    fn fixed_driver(&mut self, node: &Node, path: &str, driver: Driver, rule: ScopeRule) -> Option<DriverSpec> {
        let f = self.fields(node, path, &["value", "source", "scope", "noise", "shared"])?;
        self.source(f.get("source"), &f.path("source"));
        let scope = self.scope(&f, rule.default_scope(driver), rule);
        let value_node = self.required(&f, "value", "the number")?;
        let value = self.rate(value_node, &f.path("value"), false);
        let dynamics = self.dynamics(&f, driver, scope.unwrap_or(rule.default_scope(driver)));
        let (scope, dynamics, value) = (scope?, dynamics?, value?);
        self.rate_warning(value, path, node.mark, driver);
        Some(DriverSpec { dist: Dist::Fixed { value }, scope, dynamics })
    }

    /// A driver's `noise` and `shared` (MODEL.md v1.3 §3 "Dynamics"): each
    /// 0..=1, only on a driver that grows an index, `shared` only on a
    /// practice-scope one.
    fn dynamics(&mut self, f: &Fields<'_>, driver: Driver, scope: Scope) -> Option<Dynamics> {
        let mut ok = true;
        let mut read = |ctx: &mut Ctx, key: &str| -> Decimal {
            let Some(node) = f.get(key) else { return Decimal::ZERO };
            let path = f.path(key);
            if !driver.grows_index() {
                ctx.error(
                    &path,
                    node.mark,
                    format!(
                        "`{key}` shocks the level of an index, and `{}` grows none (only volume_growth, \
                         commercial_rate_growth, medicaid_rate_growth and the three inflations take it)",
                        driver.name()
                    ),
                );
                ok = false;
                return Decimal::ZERO;
            }
            if key == "shared" && scope == Scope::Macro {
                ctx.error(
                    &path,
                    node.mark,
                    format!(
                        "`shared` is for practice-scope drivers: `{}` is macro-scope, one draw shared by every \
                         practice already (give it `scope: practice` to combine own and shared shocks)",
                        driver.name()
                    ),
                );
                ok = false;
                return Decimal::ZERO;
            }
            match ctx.rate(node, &path, false) {
                Some(value) if value >= Decimal::ZERO && value <= Decimal::ONE => value,
                Some(value) => {
                    ctx.error(&path, node.mark, format!("`{key}` is a standard deviation in 0..=1, found {value}"));
                    ok = false;
                    Decimal::ZERO
                }
                None => {
                    ok = false;
                    Decimal::ZERO
                }
            }
        };
        let noise = read(self, "noise");
        let shared = read(self, "shared");
        ok.then_some(Dynamics { noise, shared })
    }

    /// A required distribution parameter.
    fn parameter(&mut self, f: &Fields<'_>, key: &str) -> Option<Decimal> {
        let n = self.required(f, key, "a number")?;
        self.rate(n, &f.path(key), false)
    }

    /// The distribution `kind` (one of [`parameters`]' names) from its parameters in `f`.
    fn distribution(&mut self, kind: &str, f: &Fields<'_>) -> Option<Dist> {
        let (path, mark) = (f.path.as_str(), f.node.mark);
        match kind {
            "fixed" => Some(Dist::Fixed { value: self.parameter(f, "value")? }),
            "normal" => self.normal(f),
            "lognormal" => {
                let mean = self.parameter(f, "mean");
                let sd = self.parameter(f, "sd");
                let (mean, sd) = (mean?, sd?);
                let ok_mean = self.check(
                    mean > -Decimal::ONE,
                    &f.path("mean"),
                    mark,
                    format!("a lognormal's mean must be > -1 (1 + X is positive), found {mean}"),
                );
                let ok_sd =
                    self.check(sd >= Decimal::ZERO, &f.path("sd"), mark, format!("sd must be >= 0, found {sd}"));
                (ok_mean && ok_sd).then_some(Dist::Lognormal { mean, sd })
            }
            "uniform" => {
                let min = self.parameter(f, "min");
                let max = self.parameter(f, "max");
                let (min, max) = (min?, max?);
                let message = format!("uniform needs min <= max, found min {min} and max {max}");
                self.check(min <= max, path, mark, message).then_some(Dist::Uniform { min, max })
            }
            _ => {
                let min = self.parameter(f, "min");
                let mode = self.parameter(f, "mode");
                let max = self.parameter(f, "max");
                let (min, mode, max) = (min?, mode?, max?);
                let message =
                    format!("{kind} needs min < max and min <= mode <= max, found min {min}, mode {mode}, max {max}");
                if !self.check(min < max && min <= mode && mode <= max, path, mark, message) {
                    return None;
                }
                Some(if kind == "triangular" {
                    Dist::Triangular { min, mode, max }
                } else {
                    Dist::Pert { min, mode, max }
                })
            }
        }
    }

    /// `{dist: normal, mean, sd, bounds}`.
    fn normal(&mut self, f: &Fields<'_>) -> Option<Dist> {
        let mean = self.parameter(f, "mean");
        let sd = self.parameter(f, "sd");
        let bounds = f.get("bounds").map(|b| self.bounds(b, &f.path("bounds")));
        let sd = sd?;
        if !self.check(sd >= Decimal::ZERO, &f.path("sd"), f.node.mark, format!("sd must be >= 0, found {sd}")) {
            return None;
        }
        let (low, high) = bounds.unwrap_or(Some((None, None)))?;
        Some(Dist::Normal { mean: mean?, sd, low, high })
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

    /// A normal's `bounds: [low, high]`, either end possibly infinite.
    fn bounds(&mut self, node: &Node, path: &str) -> Option<(Option<Decimal>, Option<Decimal>)> {
        let items = self.items(node, path, "[low, high]")?;
        if items.len() != 2 {
            self.error(path, node.mark, format!("expected two bounds [low, high], found {}", items.len()));
            return None;
        }
        let low = self.bound(&items[0], &join_index(path, 0), true);
        let high = self.bound(&items[1], &join_index(path, 1), false);
        let (low, high) = (low?, high?);
        if let (Some(lo), Some(hi)) = (low, high) {
            if !self.check(lo <= hi, path, node.mark, format!("bounds need low <= high, found [{lo}, {hi}]")) {
                return None;
            }
        }
        Some((low, high))
    }

    /// One end of `bounds`: a rate, or the infinity pointing away from the
    /// other end (`-.inf` low, `.inf` high), which is no bound.
    fn bound(&mut self, item: &Node, path: &str, low: bool) -> Option<Option<Decimal>> {
        if let Value::Number(n) = &item.value {
            if n.text.trim_start_matches(['+', '-']).eq_ignore_ascii_case(".inf") {
                if n.text.starts_with('-') == low {
                    return Some(None);
                }
                self.error(path, item.mark, "this infinity points the wrong way for this bound");
                return None;
            }
        }
        self.rate(item, path, false).map(Some)
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

    /// A practice's (or `cohort.defaults`') `drivers:`: overrides of
    /// practice-scope drivers (`drivers`, when known, say which those are).
    pub(super) fn overrides(
        &mut self,
        node: &Node,
        path: &str,
        drivers: Option<&[DriverSpec; Driver::COUNT]>,
    ) -> Option<Vec<(Driver, DriverSpec)>> {
        let entries = self.entries(node, path, "a mapping of practice-scope drivers")?;
        let mut out = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            let name = scalar_text(key);
            let key_path = join_key(path, &name);
            let Some(driver) = self.known_driver(&name, &key_path, key.mark) else {
                ok = false;
                continue;
            };
            if drivers.is_some_and(|d| d[driver.index()].scope == Scope::Macro) {
                self.error(&key_path, key.mark, format!("`{name}` is a macro-scope driver, shared by every practice, so a practice cannot override it; give it `scope: practice` under the scenario's drivers to let practices differ"));
                ok = false;
                continue;
            }
            match self.driver(value, &key_path, driver, ScopeRule::PracticeOnly) {
                Some(spec) => out.push((driver, spec)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// The driver named `name`, or an error listing the drivers.
    pub(super) fn known_driver(&mut self, name: &str, path: &str, mark: Mark) -> Option<Driver> {
        let driver = Driver::from_name(name);
        if driver.is_none() {
            let names: Vec<&str> = Driver::ALL.iter().map(|d| d.name()).collect();
            self.error(path, mark, format!("unknown driver `{}` (drivers: {})", truncate(name), names.join(", ")));
        }
        driver
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::validate::context::testing::{node, rendered, value};

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    fn one(text: &str, driver: Driver, rule: ScopeRule) -> (Option<DriverSpec>, Vec<String>) {
        let root = node(text);
        let mut ctx = Ctx::default();
        let spec = ctx.driver(value(&root, "d"), "d", driver, rule);
        (spec, rendered(&ctx))
    }

    #[test]
    fn a_distribution_is_read_with_its_scope() {
        let (spec, messages) = one(
            "d: {dist: normal, mean: 0.0, sd: 0.03, bounds: [-.inf, 0.1], scope: practice}",
            Driver::Mei,
            ScopeRule::Any,
        );
        assert!(messages.is_empty(), "{messages:?}");
        let expected = Dist::Normal { mean: dec("0.0"), sd: dec("0.03"), low: None, high: Some(dec("0.1")) };
        assert_eq!(spec, Some(DriverSpec { dist: expected, scope: Scope::Practice, dynamics: Dynamics::default() }));
        // A number is a fixed driver of the driver's default scope.
        let (spec, _) = one("d: 0.02", Driver::VolumeGrowth, ScopeRule::Any);
        let dynamics = Dynamics::default();
        assert_eq!(
            spec,
            Some(DriverSpec { dist: Dist::Fixed { value: dec("0.02") }, scope: Scope::Practice, dynamics })
        );
        let (spec, _) = one("d: {value: 0.02, source: \"x\"}", Driver::Mei, ScopeRule::Any);
        assert_eq!(spec, Some(DriverSpec { dist: Dist::Fixed { value: dec("0.02") }, scope: Scope::Macro, dynamics }));
    }

    #[test]
    fn bad_parameters_are_reported_with_their_positions() {
        let (spec, messages) = one("d: {dist: pert, min: 0.05, mode: 0.01, max: 0.06}", Driver::Mei, ScopeRule::Any);
        assert_eq!(spec, None);
        assert_eq!(
            messages,
            ["t.yaml:1:4: error: d: pert needs min < max and min <= mode <= max, found min 0.05, mode 0.01, max 0.06"]
        );
        let (_, messages) = one("d: {dist: normal, mean: 0, sd: -1, bounds: [.inf, 1]}", Driver::Mei, ScopeRule::Any);
        assert_eq!(
            messages,
            [
                "t.yaml:1:45: error: d.bounds[0]: this infinity points the wrong way for this bound",
                "t.yaml:1:4: error: d.sd: sd must be >= 0, found -1",
            ]
        );
        let (_, messages) = one("d: {dist: gamma, shape: 2}", Driver::Mei, ScopeRule::Any);
        assert_eq!(
            messages,
            ["t.yaml:1:11: error: d.dist: unknown distribution `gamma`: use fixed, normal, lognormal, uniform, triangular or pert"]
        );
    }

    #[test]
    fn an_override_may_not_be_macro_scope() {
        let (spec, messages) =
            one("d: {dist: uniform, min: 0, max: 0.1, scope: macro}", Driver::Mei, ScopeRule::PracticeOnly);
        assert_eq!(spec, None);
        assert_eq!(
            messages,
            ["t.yaml:1:45: error: d.scope: a practice's driver override is practice-scope already; it may repeat `scope: practice` but not say `macro`"]
        );
    }

    #[test]
    fn a_percentage_mean_is_a_warning() {
        // Triangular mean (1 + 3 + 5) / 3 = 3, i.e. 300%.
        let (spec, messages) = one("d: {dist: triangular, min: 1, mode: 3, max: 5}", Driver::Mei, ScopeRule::Any);
        assert!(spec.is_some());
        assert_eq!(
            messages,
            ["t.yaml:1:4: warning: d: mei averages 3, i.e. 300% a year; rates are fractions (0.03 is 3%) — check this is meant"]
        );
    }

    #[test]
    fn all_eight_drivers_are_required() {
        let root = node("drivers: {mei: 0.02}\n");
        let mut ctx = Ctx::default();
        assert_eq!(ctx.drivers(value(&root, "drivers")), None);
        let messages = rendered(&ctx);
        assert_eq!(messages.len(), 7);
        assert_eq!(
            messages[0],
            "t.yaml:1:10: error: drivers.labor_inflation: missing driver `labor_inflation`: all eight drivers are required (labor_inflation, supply_inflation, other_inflation, commercial_rate_growth, medicaid_rate_growth, ma_shift, mei, volume_growth)"
        );
    }

    #[test]
    fn overrides_name_unknown_and_macro_drivers() {
        let scenario = node(
            "drivers: {labor_inflation: 0, supply_inflation: 0, other_inflation: 0, commercial_rate_growth: 0, medicaid_rate_growth: 0, ma_shift: 0, mei: 0, volume_growth: 0}\n\
             o: {mei: 0.01, volumes: 0.01, volume_growth: {dist: normal, mean: 0, sd: 0.02}}\n",
        );
        let mut ctx = Ctx::default();
        let drivers = ctx.drivers(value(&scenario, "drivers")).unwrap();
        let overrides = ctx.overrides(value(&scenario, "o"), "o", Some(&drivers));
        assert_eq!(overrides, None);
        assert_eq!(
            rendered(&ctx),
            [
                "t.yaml:2:5: error: o.mei: `mei` is a macro-scope driver, shared by every practice, so a practice cannot override it; give it `scope: practice` under the scenario's drivers to let practices differ",
                "t.yaml:2:16: error: o.volumes: unknown driver `volumes` (drivers: labor_inflation, supply_inflation, other_inflation, commercial_rate_growth, medicaid_rate_growth, ma_shift, mei, volume_growth)",
            ]
        );
        let valid = node("o: {volume_growth: {dist: normal, mean: 0, sd: 0.02}}\n");
        let mut ctx = Ctx::default();
        let overrides = ctx.overrides(value(&valid, "o"), "o", Some(&drivers)).unwrap();
        let dist = Dist::Normal { mean: dec("0"), sd: dec("0.02"), low: None, high: None };
        assert_eq!(
            overrides,
            [(Driver::VolumeGrowth, DriverSpec { dist, scope: Scope::Practice, dynamics: Dynamics::default() })]
        );
    }

    #[test]
    fn noise_and_shared_are_read_and_checked() {
        let (spec, messages) = one(
            "d: {dist: normal, mean: 0, sd: 0.02, noise: 0.03, shared: 0.01, scope: practice}",
            Driver::VolumeGrowth,
            ScopeRule::Any,
        );
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(spec.unwrap().dynamics, Dynamics { noise: dec("0.03"), shared: dec("0.01") });
        // Beside `value:` on a fixed driver too; an override is practice-scope.
        let (spec, _) = one("d: {value: 0.01, noise: 0.5, shared: 1}", Driver::LaborInflation, ScopeRule::PracticeOnly);
        assert_eq!(spec.unwrap().dynamics, Dynamics { noise: dec("0.5"), shared: dec("1") });
        // `mei` grows no index; `shared` on a macro driver; out of range.
        let (spec, messages) = one("d: {dist: normal, mean: 0.03, sd: 0.01, noise: 0.01}", Driver::Mei, ScopeRule::Any);
        assert_eq!(spec, None);
        assert_eq!(
            messages,
            ["t.yaml:1:48: error: d.noise: `noise` shocks the level of an index, and `mei` grows none (only volume_growth, commercial_rate_growth, medicaid_rate_growth and the three inflations take it)"]
        );
        let (_, messages) =
            one("d: {dist: normal, mean: 0.03, sd: 0.01, shared: 0.01}", Driver::LaborInflation, ScopeRule::Any);
        assert_eq!(
            messages,
            ["t.yaml:1:49: error: d.shared: `shared` is for practice-scope drivers: `labor_inflation` is macro-scope, one draw shared by every practice already (give it `scope: practice` to combine own and shared shocks)"]
        );
        let (_, messages) = one("d: {value: 0, noise: 1.5, scope: practice}", Driver::VolumeGrowth, ScopeRule::Any);
        assert_eq!(messages, ["t.yaml:1:22: error: d.noise: `noise` is a standard deviation in 0..=1, found 1.5"]);
        let (_, messages) = one("d: {value: 0, shared: -0.1}", Driver::MaShift, ScopeRule::Any);
        assert_eq!(messages.len(), 1, "{messages:?}");
    }
}
