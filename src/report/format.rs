//! Number formats for people (MODEL.md §6): margins in percent with two
//! decimals, differences in percentage points, money in dollars.

use crate::engine::summary::CompareRow;

/// `0.01234` → `1.23%`.
pub fn percent(value: f64) -> String {
    if value.is_finite() {
        format!("{:.2}%", value * 100.0)
    } else {
        "n/a".to_string()
    }
}

/// `0.01234` → `+1.23 pp`.
pub fn points(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let rounded = (value * 100.0 * 100.0).round() / 100.0;
    if rounded == 0.0 {
        "0.00 pp".to_string()
    } else {
        format!("{:+.2} pp", value * 100.0)
    }
}

/// A median margin with its 90% interval from `[P5, P25, P50, P75, P95]`:
/// `1.23% (-2.10% to 4.50%)`.
pub fn margin_interval(percentiles: &[f64; 5]) -> String {
    format!("{} ({} to {})", percent(percentiles[2]), percent(percentiles[0]), percent(percentiles[4]))
}

/// The cells of a policy-against-baseline row, for people: mean margin
/// change with its 90% interval, change in P(cash exhausted), cumulative
/// CO-253 change, cash change, and the largest yearly mean margin change
/// with its year (`largest`, from the same practice and policy's rows).
pub fn compare_cells(c: &CompareRow, largest: Option<&CompareRow>) -> [String; 5] {
    [
        format!("{} ({} to {})", points(c.dmargin_mean), points(c.dmargin_p5), points(c.dmargin_p95)),
        points(c.dp_exhausted),
        dollars(c.dcut_cum_mean),
        dollars(c.dcash_mean),
        largest_change(largest),
    ]
}

/// The largest yearly mean margin change: `+0.42 pp in 2029`.
pub fn largest_change(largest: Option<&CompareRow>) -> String {
    largest.map_or_else(|| "n/a".to_string(), |l| format!("{} in {}", points(l.dmargin_mean), l.year))
}

/// CO-253 dollars a policy keeps with the practice, cumulated to the row's
/// year: the negative of the cumulative CUT difference (`$0` when none).
pub fn co253_kept(c: &CompareRow) -> String {
    dollars(-c.dcut_cum_mean)
}

/// A probability with its Monte Carlo error: `12.34% ± 0.10 pp`.
pub fn probability(p: f64, se: f64) -> String {
    format!("{} ± {:.2} pp", percent(p), se * 100.0)
}

/// Dollars with thousands separators: `-1234567.8` → `-$1,234,568`.
pub fn dollars(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let rounded = value.abs().round() as u128;
    let sign = if value < 0.0 && rounded > 0 { "-" } else { "" };
    format!("{sign}${}", grouped(rounded))
}

/// Digits with thousands separators: `5000` → `5,000`.
fn grouped(whole: u128) -> String {
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How many real practices an archetype stands for: `5000` → `5,000
/// practices`, `1` → `1 practice`, a fractional weight with one decimal
/// (`12.5 practices`).
pub fn stands_for(count: f64) -> String {
    if count == 1.0 {
        "1 practice".to_string()
    } else if count.is_finite() && count >= 0.0 && count.fract() == 0.0 && count < 1e15 {
        format!("{} practices", grouped(count as u128))
    } else {
        format!("{count:.1} practices")
    }
}

/// Large dollar amounts in millions or billions: `509_200_000` → `$509.2 M`.
pub fn dollars_short(value: f64) -> String {
    let magnitude = value.abs();
    let sign = if value < 0.0 { "-" } else { "" };
    if magnitude >= 1e9 {
        format!("{sign}${:.2} B", magnitude / 1e9)
    } else if magnitude >= 1e6 {
        format!("{sign}${:.1} M", magnitude / 1e6)
    } else {
        dollars(value)
    }
}

/// A count of practices: `123.456` → `123.5`.
pub fn practices(value: f64) -> String {
    format!("{value:.1}")
}

/// A skill score `0.15` → `+0.150`; `n/a` when it cannot be computed (no hospital).
pub fn skill(value: f64) -> String {
    if value.is_finite() {
        format!("{value:+.3}")
    } else {
        "n/a".to_string()
    }
}

/// An expected share with its Monte Carlo standard error in points:
/// `0.5347, 0.0001` → `53.47% ±0.01`; `n/a` without a share.
pub fn share_with_error(share: f64, se: f64) -> String {
    if share.is_finite() {
        format!("{} ±{:.2}", percent(share), se * 100.0)
    } else {
        "n/a".to_string()
    }
}

/// A number of real facilities: whole (`130`) when it is one, else as an
/// expected count (`12.3`, a cohort whose rows stand for several).
pub fn facilities_count(n: f64) -> String {
    if (n - n.round()).abs() < 1e-9 {
        format!("{}", n.round() as i64)
    } else {
        practices(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_people() {
        assert_eq!(percent(0.012345), "1.23%");
        assert_eq!(points(-0.0004), "-0.04 pp");
        assert_eq!(points(0.0), "0.00 pp");
        assert_eq!(dollars(-1234567.8), "-$1,234,568");
        assert_eq!(dollars(999.0), "$999");
        assert_eq!(dollars_short(509_200_000.0), "$509.2 M");
        assert_eq!(probability(0.5, 0.001), "50.00% ± 0.10 pp");
    }
}
