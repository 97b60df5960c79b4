//! A policy's levers (MODEL.md §1 "Dated values"): scalars or maps from
//! years and ISO dates to values, `{value, source}` wrappers, the
//! `{index: mei, offset}` form of `medicare_update`, and each lever's range.

use rust_decimal::Decimal;

use super::context::{describe, percent, Ctx, Fields};
use crate::calendar::Date;
use crate::scenario::number::MAX_AMOUNT;
use crate::scenario::text::truncate;
use crate::scenario::types::{Lever, LeverInput, LeverSet, LeverValue};
use crate::scenario::yaml::{join_key, scalar_text, Mark, Node, Value};

impl Ctx {
    /// The levers a policy (or one kind of it) sets; other keys of `f` are
    /// not levers and are left to the caller.
    pub(super) fn lever_set(&mut self, f: &Fields<'_>) -> Option<LeverSet> {
        let mut set = LeverSet::default();
        let mut ok = true;
        for (key, value) in f.entries {
            let name = scalar_text(key);
            let Ok(lever) = name.parse::<Lever>() else { continue };
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

    /// One lever: a scalar, a dated map, or either wrapped in `{value, source}`.
    fn lever(&mut self, node: &Node, path: &str, lever: Lever) -> Option<LeverInput> {
        let Value::Map(entries) = &node.value else {
            return self.lever_value(node, path, lever).map(LeverInput::Scalar);
        };
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
        self.dated(entries, path, lever)
    }

    /// A map from dates to values, each day given once, sorted by date.
    fn dated(&mut self, entries: &[(Node, Node)], path: &str, lever: Lever) -> Option<LeverInput> {
        let mut dated: Vec<(Date, LeverValue, String)> = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            let key_text = scalar_text(key);
            let key_path = join_key(path, &key_text);
            let date = self.date_key(key, &key_path);
            let value = self.lever_value(value, &key_path, lever);
            let (Some(date), Some(value)) = (date, value) else {
                ok = false;
                continue;
            };
            if let Some((_, _, first)) = dated.iter().find(|(d, ..)| *d == date) {
                let message = format!("`{key_text}` names the same day ({date}) as `{first}`; give each day once");
                self.error(&key_path, key.mark, message);
                ok = false;
            } else {
                dated.push((date, value, key_text));
            }
        }
        if !ok {
            return None;
        }
        dated.sort_by_key(|(d, ..)| *d);
        Some(LeverInput::Dated(dated.into_iter().map(|(d, v, _)| (d, v)).collect()))
    }

    /// A dated key: a year (`2027`, `"2027"`) or an existing ISO date.
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
                let message = format!(
                    "`{}` is a fractional key; dated keys are years (2027) or ISO dates (\"2027-04-01\")",
                    n.text
                );
                self.error(path, key.mark, message);
                None
            }
            Value::Str(s) => {
                if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
                    return s.parse::<i32>().ok().filter(|y| *y >= 1000).map(Date::first_of_year);
                }
                let date = Date::parse_iso(s);
                if date.is_none() {
                    let message = format!(
                        "`{}` is not a date: write a year (2027) or an existing ISO date (\"2027-04-01\")",
                        truncate(s)
                    );
                    self.error(path, key.mark, message);
                }
                date
            }
            _ => {
                self.error(path, key.mark, format!("expected a year or ISO date as key, found {}", describe(key)));
                None
            }
        }
    }

    /// One value of a lever: a number in the lever's range, or for
    /// `medicare_update` the `mei` index plus an offset.
    fn lever_value(&mut self, node: &Node, path: &str, lever: Lever) -> Option<LeverValue> {
        if let Value::Map(entries) = &node.value {
            if entries.iter().any(|(k, _)| scalar_text(k) == "index") {
                return self.indexed(node, path, lever);
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
        self.in_range(value, path, node.mark, lever).then_some(LeverValue::Rate(value))
    }

    /// `{index: mei, offset: x}`, which only `medicare_update` takes.
    fn indexed(&mut self, node: &Node, path: &str, lever: Lever) -> Option<LeverValue> {
        if lever != Lever::MedicareUpdate {
            let message = format!("only medicare_update can follow an index; {lever} takes a number");
            self.error(path, node.mark, message);
            return None;
        }
        let f = self.fields(node, path, &["index", "offset", "source"])?;
        self.source(f.get("source"), &f.path("source"));
        let index = self.required(&f, "index", "mei")?;
        let name = self.text(index, &f.path("index"))?;
        if name != "mei" {
            let message = format!("unknown index `{}`: mei is the only index", truncate(&name));
            self.error(&f.path("index"), index.mark, message);
            return None;
        }
        let offset = match f.get("offset") {
            Some(n) => self.rate(n, &f.path("offset"), true)?,
            None => Decimal::ZERO,
        };
        Some(LeverValue::Mei { offset })
    }

    /// Whether `value` is in the lever's range (an error if not, a warning
    /// where it is legal but likely a percentage or beyond the law).
    fn in_range(&mut self, value: Decimal, path: &str, mark: Mark, lever: Lever) -> bool {
        match lever {
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
            Lever::MedicareUpdate | Lever::MedicareAddOn => {
                let ok = value > -Decimal::ONE;
                let (what, example) = if lever == Lever::MedicareUpdate {
                    ("update", "0.0025 is 0.25%")
                } else {
                    ("add-on", "0.05 is 5%")
                };
                if !ok {
                    self.error(path, mark, format!("{lever} must be > -1, found {value}"));
                } else if value.abs() >= Decimal::ONE {
                    let message =
                        format!("{lever} {value} is a {}% {what}; rates are fractions ({example})", percent(value));
                    self.warning(path, mark, message);
                }
                ok
            }
            Lever::Relief => self.check(
                value >= Decimal::ZERO,
                path,
                mark,
                format!("relief must be >= 0 dollars per practice per year, found {value}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::validate::context::testing::{node, rendered};

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    fn levers(text: &str) -> (Option<LeverSet>, Vec<String>) {
        let root = node(text);
        let mut ctx = Ctx::default();
        let allowed: Vec<&str> = Lever::ALL.iter().map(|l| l.as_str()).collect();
        let f = ctx.fields(&root, "p", &allowed).unwrap();
        (ctx.lever_set(&f), rendered(&ctx))
    }

    #[test]
    fn dated_values_are_sorted_and_keep_their_forms() {
        let (set, messages) = levers(
            "sequestration: {\"2022-07-01\": 0.02, 2013: {value: 0.02, source: \"BCA\"}, \"2020\": 0}\nmedicare_update: {index: mei, offset: -0.005}\nrelief: 250000\n",
        );
        assert!(messages.is_empty(), "{messages:?}");
        let set = set.unwrap();
        assert_eq!(
            set.levers,
            [
                (
                    Lever::Sequestration,
                    LeverInput::Dated(vec![
                        (date("2013-01-01"), LeverValue::Rate(dec("0.02"))),
                        (date("2020-01-01"), LeverValue::Rate(dec("0"))),
                        (date("2022-07-01"), LeverValue::Rate(dec("0.02"))),
                    ])
                ),
                (Lever::MedicareUpdate, LeverInput::Scalar(LeverValue::Mei { offset: dec("-0.005") })),
                (Lever::Relief, LeverInput::Scalar(LeverValue::Rate(dec("250000")))),
            ]
        );
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        let (set, messages) = levers(
            "sequestration: {2027: 2, 2027.5: 0, \"2027-02-30\": 0, \"2028-01-01\": 0, 2028: 0.01}\nmedicare_add_on: {index: mei}\nmedicare_update: {index: cpi}\nrelief: {}\n",
        );
        assert_eq!(set, None);
        assert_eq!(
            messages,
            [
                // 2 / 100 = 0.02.
                "t.yaml:1:23: error: p.sequestration.\"2027\": sequestration must be between 0 and 0.5, found 2; rates are fractions, so 2% is 0.02",
                "t.yaml:1:26: error: p.sequestration.\"2027.5\": `2027.5` is a fractional key; dated keys are years (2027) or ISO dates (\"2027-04-01\")",
                "t.yaml:1:37: error: p.sequestration.\"2027-02-30\": `2027-02-30` is not a date: write a year (2027) or an existing ISO date (\"2027-04-01\")",
                "t.yaml:1:71: error: p.sequestration.\"2028\": `2028` names the same day (2028-01-01) as `2028-01-01`; give each day once",
                "t.yaml:2:18: error: p.medicare_add_on: only medicare_update can follow an index; medicare_add_on takes a number",
                "t.yaml:3:26: error: p.medicare_update.index: unknown index `cpi`: mei is the only index",
                "t.yaml:4:9: error: p.relief: an empty dated map gives no value; write a number or at least one `YEAR: value`",
            ]
        );
    }

    #[test]
    fn legal_but_unlikely_values_are_warnings() {
        let (set, messages) = levers("sequestration: 0.07\nmedicare_update: 2\nmedicare_add_on: -1\nrelief: -1\n");
        assert_eq!(set, None);
        assert_eq!(
            messages,
            [
                "t.yaml:1:16: warning: p.sequestration: sequestration 0.07 is above 6%, the most the 2% BCA sequester and a 4% PAYGO sequester take together (2 U.S.C. 901a(6)(A), 906(d)(2)); check this is meant",
                // 2 * 100 = 200.
                "t.yaml:2:18: warning: p.medicare_update: medicare_update 2 is a 200% update; rates are fractions (0.0025 is 0.25%)",
                "t.yaml:3:18: error: p.medicare_add_on: medicare_add_on must be > -1, found -1",
                "t.yaml:4:9: error: p.relief: relief must be >= 0 dollars per practice per year, found -1",
            ]
        );
    }
}
