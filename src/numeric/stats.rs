//! Descriptive statistics of plain `f64` samples, shared by the backtest,
//! the calibration and the risk scores: the type-7 quantile, the mean and
//! the sample standard deviation. No I/O, no randomness.

/// The type-7 quantile of `values` (sorted here); NaN when empty.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let position = (sorted.len() - 1) as f64 * q;
    let low = position.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    sorted[low] + (position - low as f64) * (sorted[high] - sorted[low])
}

/// The mean of `values`; NaN when there are none.
pub fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// Sample standard deviation (N - 1); 0 for fewer than two values.
pub fn sample_sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values.iter().copied());
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (values.len() - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_is_type_7() {
        // Position (4 - 1) * 0.5 = 1.5: halfway between 2 and 3.
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), 2.5);
        // Position 3 * 0.05 = 0.15: 1 + 0.15 * (2 - 1).
        assert!((quantile(&[4.0, 1.0, 3.0, 2.0], 0.05) - 1.15).abs() < 1e-12);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn mean_and_sample_sd_by_hand() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 40 / 8 = 5; squared deviations
        // 9+1+1+1+0+0+4+16 = 32, over N - 1 = 7: sd = sqrt(32/7) = 2.138...
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(values.iter().copied()), 5.0);
        assert!((sample_sd(&values) - (32.0_f64 / 7.0).sqrt()).abs() < 1e-15);
        assert!(mean(std::iter::empty()).is_nan());
        assert_eq!(sample_sd(&[3.0]), 0.0);
    }
}
