//! Small dense linear algebra on ndarray: Cholesky factorisation and triangular solves, for
//! the normal equation and the Gaussian process (no BLAS/LAPACK dependency).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use crate::{Error, Result};

/// Lower-triangular `L` with `A = L Lᵀ`, for symmetric positive definite `A`.
/// A non-positive pivot (singular or indefinite `A`) is [`Error::Singular`] naming `what`.
pub fn cholesky(a: ArrayView2<f64>, what: &str) -> Result<Array2<f64>> {
    let n = a.nrows();
    if a.ncols() != n {
        return Err(Error::shape(
            what,
            "a square matrix",
            format!("{}x{}", n, a.ncols()),
        ));
    }
    let scale = a
        .diag()
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[[i, k]] * l[[j, k]]).sum();
            if i == j {
                let d = a[[i, i]] - s;
                if d.is_nan() || d <= scale * 1e-12 {
                    return Err(Error::Singular {
                        what: format!("{what} (pivot {i} is {d:.3e}; features may be collinear)"),
                    });
                }
                l[[i, i]] = d.sqrt();
            } else {
                l[[i, j]] = (a[[i, j]] - s) / l[[j, j]];
            }
        }
    }
    Ok(l)
}

/// Solve `L z = b` for lower-triangular `L` (forward substitution).
pub fn solve_lower(l: ArrayView2<f64>, b: ArrayView1<f64>) -> Array1<f64> {
    let mut z = Array1::zeros(b.len());
    for i in 0..b.len() {
        let s: f64 = (0..i).map(|k| l[[i, k]] * z[k]).sum();
        z[i] = (b[i] - s) / l[[i, i]];
    }
    z
}

/// Solve `Lᵀ x = z` for lower-triangular `L` (backward substitution).
pub fn solve_upper_t(l: ArrayView2<f64>, z: ArrayView1<f64>) -> Array1<f64> {
    let n = z.len();
    let mut x = Array1::zeros(n);
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[[k, i]] * x[k]).sum();
        x[i] = (z[i] - s) / l[[i, i]];
    }
    x
}

/// Solve `A x = b` for symmetric positive definite `A` by Cholesky.
pub fn solve_spd(a: ArrayView2<f64>, b: ArrayView1<f64>, what: &str) -> Result<Array1<f64>> {
    let l = cholesky(a, what)?;
    let z = solve_lower(l.view(), b);
    Ok(solve_upper_t(l.view(), z.view()))
}

/// Largest eigenvalue of a symmetric positive semi-definite matrix, by power iteration.
/// `1 / λ_max` of a cost's Hessian is the classic safe gradient-descent step.
pub fn largest_eigenvalue(a: ArrayView2<f64>) -> f64 {
    let n = a.nrows();
    if n == 0 {
        return 0.0;
    }
    let mut v = Array1::from_elem(n, 1.0 / (n as f64).sqrt());
    let mut lambda = 0.0;
    for _ in 0..500 {
        let w = a.dot(&v);
        let norm = w.dot(&w).sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        let next = v.dot(&w);
        v = w / norm;
        if (next - lambda).abs() <= 1e-12 * next.abs() {
            return next;
        }
        lambda = next;
    }
    lambda
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: eigenvalues in
/// decreasing order and the matching unit eigenvectors as columns. Accurate to machine
/// precision; `O(n³)` per sweep, a handful of sweeps.
pub fn symmetric_eigen(a: ArrayView2<f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    let n = a.nrows();
    if a.ncols() != n {
        return Err(Error::shape(
            "symmetric eigen-decomposition",
            "a square matrix",
            format!("{}x{}", n, a.ncols()),
        ));
    }
    let mut m = a.to_owned();
    let mut v = Array2::<f64>::eye(n);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[[i, j]].powi(2))
            .sum();
        let total: f64 = m.iter().map(|x| x * x).sum();
        if off <= 1e-30 * total.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[[p, q]];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[[q, q]] - m[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[[k, p]], m[[k, q]]);
                    m[[k, p]] = c * mkp - s * mkq;
                    m[[k, q]] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[[p, k]], m[[q, k]]);
                    m[[p, k]] = c * mpk - s * mqk;
                    m[[q, k]] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[[j, j]].total_cmp(&m[[i, i]]));
    let values = order.iter().map(|&i| m[[i, i]]).collect();
    let vectors = v.select(ndarray::Axis(1), &order);
    Ok((values, vectors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn solves_a_hand_system() {
        // A = [[4, 2], [2, 3]], b = [2, 1] -> x = [0.5, 0]
        let a = array![[4.0, 2.0], [2.0, 3.0]];
        let l = cholesky(a.view(), "A").unwrap();
        assert_eq!(l, array![[2.0, 0.0], [1.0, 2f64.sqrt()]]);
        let x = solve_spd(a.view(), array![2.0, 1.0].view(), "A").unwrap();
        assert!((x[0] - 0.5).abs() < 1e-15 && x[1].abs() < 1e-15);
    }

    #[test]
    fn power_iteration_finds_the_top_eigenvalue() {
        // eigenvalues of [[2, 1], [1, 2]] are 3 and 1
        assert!((largest_eigenvalue(array![[2.0, 1.0], [1.0, 2.0]].view()) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn jacobi_eigen_reconstructs_the_matrix() {
        let a = array![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 1.0]];
        let (vals, vecs) = symmetric_eigen(a.view()).unwrap();
        assert!(vals[0] >= vals[1] && vals[1] >= vals[2]);
        let rebuilt = vecs.dot(&Array2::from_diag(&vals)).dot(&vecs.t());
        assert!((&rebuilt - &a).iter().all(|d| d.abs() < 1e-12));
        assert!(
            (vecs.t().dot(&vecs) - Array2::<f64>::eye(3))
                .iter()
                .all(|d| d.abs() < 1e-12)
        );
        assert!((vals[0] - largest_eigenvalue(a.view())).abs() < 1e-9);
    }

    #[test]
    fn singular_is_an_error() {
        let a = array![[1.0, 2.0], [2.0, 4.0]];
        assert!(matches!(
            cholesky(a.view(), "XᵀX"),
            Err(Error::Singular { .. })
        ));
        assert!(cholesky(array![[1.0, 2.0]].view(), "A").is_err());
    }
}
