//! `cost_response:` (MODEL.md v1.3 §3 "Dynamics"): at the top level (the
//! default of every practice), on a practice (replacing it) or in a
//! cohort's `defaults` (the default of its rows). One reader for the three.

use rust_decimal::Decimal;

use super::context::Ctx;
use crate::scenario::types::{CostResponse, CostTarget};
use crate::scenario::yaml::{Node, Value};

impl Ctx {
    /// `{speed: kappa, target: base | margin, source: ...}` at `path`.
    pub(super) fn cost_response(&mut self, node: &Node, path: &str) -> Option<CostResponse> {
        let f = self.fields(node, path, &["speed", "target", "source"])?;
        self.source(f.get("source"), &f.path("source"));
        let speed = self.required(&f, "speed", "the share of last year's margin gap closed, 0 to 1");
        let speed = speed.and_then(|n| {
            let value = self.rate(n, &f.path("speed"), false)?;
            let ok = self.check(
                (Decimal::ZERO..=Decimal::ONE).contains(&value),
                &f.path("speed"),
                n.mark,
                format!("speed is the share of last year's margin gap closed in a year, 0 to 1, found {value}"),
            );
            ok.then_some(value)
        });
        let target = match f.get("target") {
            None => Some(CostTarget::Base),
            Some(n) => self.cost_target(n, &f.path("target")),
        };
        Some(CostResponse { speed: speed?, target: target? })
    }

    /// `target`: `base` or a margin in [-1, 1).
    fn cost_target(&mut self, node: &Node, path: &str) -> Option<CostTarget> {
        if let Value::Number(_) = node.value {
            let value = self.rate(node, path, false)?;
            let ok = self.check(
                value >= -Decimal::ONE && value < Decimal::ONE,
                path,
                node.mark,
                format!("target is a margin in [-1, 1) (0.02 is 2%), or `base`, found {value}"),
            );
            return ok.then_some(CostTarget::Margin(value));
        }
        let text = self.text(node, path)?;
        if text == "base" {
            return Some(CostTarget::Base);
        }
        self.error(
            path,
            node.mark,
            format!(
                "target is `base` (the practice's base-year margin) or a margin such as 0.02, found `{}`",
                crate::scenario::text::truncate(&text)
            ),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::validate::context::testing::{node, rendered, value};

    fn read(text: &str) -> (Option<CostResponse>, Vec<String>) {
        let root = node(text);
        let mut ctx = Ctx::default();
        let response = ctx.cost_response(value(&root, "c"), "c");
        (response, rendered(&ctx))
    }

    #[test]
    fn a_response_is_read_with_its_default_target() {
        let (response, messages) = read("c: {speed: 0.4, source: \"Fama-French\"}");
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(response, Some(CostResponse { speed: Decimal::new(4, 1), target: CostTarget::Base }));
        let (response, _) = read("c: {speed: 1, target: -0.02}");
        assert_eq!(
            response,
            Some(CostResponse { speed: Decimal::ONE, target: CostTarget::Margin(Decimal::new(-2, 2)) })
        );
    }

    #[test]
    fn bad_keys_and_ranges_name_the_key() {
        let (response, messages) = read("c: {speed: 1.5, target: 1}");
        assert_eq!(response, None);
        assert_eq!(
            messages,
            [
                "t.yaml:1:12: error: c.speed: speed is the share of last year's margin gap closed in a year, 0 to 1, found 1.5",
                "t.yaml:1:25: error: c.target: target is a margin in [-1, 1) (0.02 is 2%), or `base`, found 1",
            ]
        );
        let (_, messages) = read("c: {target: latest}");
        assert_eq!(
            messages,
            [
                "t.yaml:1:4: error: c.speed: missing required key `speed` (the share of last year's margin gap closed, 0 to 1)",
                "t.yaml:1:13: error: c.target: target is `base` (the practice's base-year margin) or a margin such as 0.02, found `latest`",
            ]
        );
        let (_, messages) = read("c: {speed: 0.4, pace: 1}");
        assert_eq!(messages.len(), 1);
        assert!(messages[0].contains("c.pace: unknown key `pace`"), "{messages:?}");
    }
}
