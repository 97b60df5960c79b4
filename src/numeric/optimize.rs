//! Derivative-free minimisation: the Nelder–Mead simplex with the adaptive
//! coefficients of Gao and Han (2012), which scale with the dimension, as
//! SciPy's `adaptive=True` does. Used by the calibration of the dynamics
//! (`calibrate::dynamics`), whose objective is a simulated one.

/// Minimises `f` from `start`: an initial simplex of `start` and `start`
/// with each coordinate moved by 5% (0.00025 where it is 0), stopping after
/// `max_evaluations` or when the simplex's values lie within `f_tolerance`
/// and its points within `x_tolerance` of the best. Returns the best point
/// and its value.
pub fn nelder_mead(
    f: &mut dyn FnMut(&[f64]) -> f64,
    start: &[f64],
    max_evaluations: usize,
    x_tolerance: f64,
    f_tolerance: f64,
) -> (Vec<f64>, f64) {
    let n = start.len();
    if n == 0 {
        return (Vec::new(), f(start));
    }
    let dim = n.max(1) as f64;
    let (alpha, beta, gamma, delta) = (1.0, 1.0 + 2.0 / dim, 0.75 - 1.0 / (2.0 * dim), 1.0 - 1.0 / dim);
    let mut value = |x: &[f64], count: &mut usize| {
        *count += 1;
        let v = f(x);
        if v.is_finite() {
            v
        } else {
            f64::MAX
        }
    };
    let mut count = 0;
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((start.to_vec(), value(start, &mut count)));
    for i in 0..n {
        let mut x = start.to_vec();
        x[i] = if x[i] == 0.0 { 0.00025 } else { x[i] * 1.05 };
        let v = value(&x, &mut count);
        simplex.push((x, v));
    }
    loop {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let best = simplex[0].1;
        let spread_f = simplex.iter().map(|(_, v)| (v - best).abs()).fold(0.0, f64::max);
        let spread_x = simplex
            .iter()
            .flat_map(|(x, _)| x.iter().zip(&simplex[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if count >= max_evaluations || (spread_f <= f_tolerance && spread_x <= x_tolerance) {
            break;
        }
        let centroid: Vec<f64> = (0..n).map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / dim).collect();
        let along =
            |t: f64, worst: &[f64]| -> Vec<f64> { centroid.iter().zip(worst).map(|(c, w)| c + t * (c - w)).collect() };
        let worst = simplex[n].0.clone();
        let reflected = along(alpha, &worst);
        let reflected_value = value(&reflected, &mut count);
        if reflected_value < simplex[0].1 {
            let expanded = along(alpha * beta, &worst);
            let expanded_value = value(&expanded, &mut count);
            simplex[n] = if expanded_value < reflected_value {
                (expanded, expanded_value)
            } else {
                (reflected, reflected_value)
            };
        } else if reflected_value < simplex[n - 1].1 {
            simplex[n] = (reflected, reflected_value);
        } else {
            let outside = reflected_value < simplex[n].1;
            let contracted = if outside { along(alpha * gamma, &worst) } else { along(-gamma, &worst) };
            let contracted_value = value(&contracted, &mut count);
            let limit = if outside { reflected_value } else { simplex[n].1 };
            if contracted_value <= limit {
                simplex[n] = (contracted, contracted_value);
            } else {
                let best_point = simplex[0].0.clone();
                for entry in simplex.iter_mut().skip(1) {
                    let x: Vec<f64> = best_point.iter().zip(&entry.0).map(|(b, x)| b + delta * (x - b)).collect();
                    let v = value(&x, &mut count);
                    *entry = (x, v);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, v) = simplex.swap_remove(0);
    (x, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_function() {
        // (1 - x)^2 + 100 (y - x^2)^2 has its minimum 0 at (1, 1).
        let mut f = |p: &[f64]| {
            let (a, b) = (1.0 - p[0], p[1] - p[0] * p[0]);
            a * a + 100.0 * b * b
        };
        let (x, v) = nelder_mead(&mut f, &[-1.2, 1.0], 5000, 1e-8, 1e-12);
        assert!(v < 1e-8, "{v}");
        assert!((x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3, "{x:?}");
    }

    #[test]
    fn a_quadratic_in_five_dimensions() {
        // sum (i + 1) (x_i - i)^2: minimum 0 at x_i = i.
        let mut f =
            |p: &[f64]| p.iter().enumerate().map(|(i, x)| (i as f64 + 1.0) * (x - i as f64) * (x - i as f64)).sum();
        let (x, v) = nelder_mead(&mut f, &[0.5; 5], 20_000, 1e-9, 1e-14);
        assert!(v < 1e-8, "{v}");
        for (i, xi) in x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-3, "{x:?}");
        }
    }
}
