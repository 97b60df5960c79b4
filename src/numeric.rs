//! Small numerical routines shared by validation and the engine: the Cholesky
//! factor behind MODEL.md §3's Gaussian copula.
//!
//! Correlation coefficients are not money, so this works in `f64`.

/// Lower-triangular Cholesky factor `L` (row-major, `n x n`) of a symmetric
/// matrix, or `None` if the matrix is not positive definite (MODEL.md §3).
pub fn cholesky(matrix: &[f64], n: usize) -> Option<Vec<f64>> {
    if matrix.len() != n * n {
        return None;
    }
    let mut lower = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = matrix[i * n + j];
            for k in 0..j {
                sum -= lower[i * n + k] * lower[j * n + k];
            }
            if i == j {
                // A tiny positive pivot means the matrix is numerically singular.
                if sum.is_nan() || sum <= 1e-10 {
                    return None;
                }
                lower[i * n + i] = sum.sqrt();
            } else {
                lower[i * n + j] = sum / lower[j * n + j];
            }
        }
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_a_two_by_two_correlation() {
        // [[1, 0.6], [0.6, 1]] = L L^T with L = [[1, 0], [0.6, 0.8]].
        let lower = cholesky(&[1.0, 0.6, 0.6, 1.0], 2).unwrap();
        assert_eq!(lower[0], 1.0);
        assert!((lower[2] - 0.6).abs() < 1e-15);
        assert!((lower[3] - 0.8).abs() < 1e-15);
    }

    #[test]
    fn rejects_matrices_that_are_not_positive_definite() {
        // rho(a,b) = rho(b,c) = 0.9 with rho(a,c) = -0.9 is impossible.
        let m = [1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0];
        assert!(cholesky(&m, 3).is_none());
    }
}
