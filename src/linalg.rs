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

/// Solves a general square system `A x = b` by Gaussian elimination with partial pivoting;
/// a (numerically) singular `A` is an error.
pub fn solve(a: ArrayView2<f64>, b: ArrayView1<f64>) -> Result<Array1<f64>> {
    let n = a.nrows();
    if a.ncols() != n || b.len() != n {
        return Err(Error::shape(
            "linear system",
            format!("{n}x{n} and {n}"),
            format!("{}x{} and {}", n, a.ncols(), b.len()),
        ));
    }
    let mut m = a.to_owned();
    let mut x = b.to_owned();
    let scale = m
        .iter()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| m[[i, col]].abs().total_cmp(&m[[j, col]].abs()))
            .unwrap_or(col);
        if m[[pivot, col]].abs() <= 1e-13 * scale {
            return Err(Error::Singular {
                what: "linear system".into(),
            });
        }
        if pivot != col {
            for j in 0..n {
                m.swap([pivot, j], [col, j]);
            }
            x.swap(pivot, col);
        }
        for i in col + 1..n {
            let f = m[[i, col]] / m[[col, col]];
            if f != 0.0 {
                for j in col..n {
                    m[[i, j]] -= f * m[[col, j]];
                }
                x[i] -= f * x[col];
            }
        }
    }
    for i in (0..n).rev() {
        let tail: f64 = (i + 1..n).map(|j| m[[i, j]] * x[j]).sum();
        x[i] = (x[i] - tail) / m[[i, i]];
    }
    Ok(x)
}

/// Eigen-decomposition of a symmetric matrix: eigenvalues in decreasing order and the
/// matching unit eigenvectors as columns. Householder reduction to tridiagonal form, then the
/// implicit QL algorithm with Wilkinson-style shifts (EISPACK's `tred2` / `tql2`): `O(n³)`
/// with a small constant, accurate to machine precision.
pub fn symmetric_eigen(a: ArrayView2<f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    let n = a.nrows();
    if a.ncols() != n {
        return Err(Error::shape(
            "symmetric eigen-decomposition",
            "a square matrix",
            format!("{}x{}", n, a.ncols()),
        ));
    }
    if n == 0 {
        return Ok((Array1::zeros(0), Array2::zeros((0, 0))));
    }
    let mut v = a.to_owned();
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n];
    tridiagonalize(&mut v, &mut d, &mut e);
    tridiagonal_ql(&mut v, &mut d, &mut e)?;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| d[j].total_cmp(&d[i]));
    let values = order.iter().map(|&i| d[i]).collect();
    Ok((values, v.select(ndarray::Axis(1), &order)))
}

/// Householder reduction `A = Q T Qᵀ`: `d` and `e` receive the diagonal and sub-diagonal of
/// `T`, `v` is overwritten by `Q`.
fn tridiagonalize(v: &mut Array2<f64>, d: &mut [f64], e: &mut [f64]) {
    let n = d.len();
    for j in 0..n {
        d[j] = v[[n - 1, j]];
    }
    for i in (1..n).rev() {
        let scale: f64 = d[..i].iter().map(|x| x.abs()).sum();
        let mut h = 0.0;
        if scale == 0.0 {
            e[i] = d[i - 1];
            for j in 0..i {
                d[j] = v[[i - 1, j]];
                v[[i, j]] = 0.0;
                v[[j, i]] = 0.0;
            }
        } else {
            // The Householder vector.
            for dk in &mut d[..i] {
                *dk /= scale;
                h += *dk * *dk;
            }
            let f = d[i - 1];
            let g = if f > 0.0 { -h.sqrt() } else { h.sqrt() };
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            e[..i].fill(0.0);
            // Apply the similarity transformation to the remaining columns.
            for j in 0..i {
                let f = d[j];
                v[[j, i]] = f;
                let mut g = e[j] + v[[j, j]] * f;
                for k in j + 1..i {
                    g += v[[k, j]] * d[k];
                    e[k] += v[[k, j]] * f;
                }
                e[j] = g;
            }
            let mut f = 0.0;
            for j in 0..i {
                e[j] /= h;
                f += e[j] * d[j];
            }
            let hh = f / (h + h);
            for j in 0..i {
                e[j] -= hh * d[j];
            }
            for j in 0..i {
                let (f, g) = (d[j], e[j]);
                for k in j..i {
                    v[[k, j]] -= f * e[k] + g * d[k];
                }
                d[j] = v[[i - 1, j]];
                v[[i, j]] = 0.0;
            }
        }
        d[i] = h;
    }
    // Accumulate the transformations into Q.
    for i in 0..n - 1 {
        v[[n - 1, i]] = v[[i, i]];
        v[[i, i]] = 1.0;
        let h = d[i + 1];
        if h != 0.0 {
            for k in 0..=i {
                d[k] = v[[k, i + 1]] / h;
            }
            for j in 0..=i {
                let g: f64 = (0..=i).map(|k| v[[k, i + 1]] * v[[k, j]]).sum();
                for k in 0..=i {
                    v[[k, j]] -= g * d[k];
                }
            }
        }
        for k in 0..=i {
            v[[k, i + 1]] = 0.0;
        }
    }
    for j in 0..n {
        d[j] = v[[n - 1, j]];
        v[[n - 1, j]] = 0.0;
    }
    v[[n - 1, n - 1]] = 1.0;
    e[0] = 0.0;
}

/// Implicit QL iterations on the tridiagonal `(d, e)`, rotating the columns of `v`: on return
/// `d` holds the eigenvalues and `v` the eigenvectors.
///
/// Each eigenvalue takes a few sweeps (EISPACK's tql2 allows 30); a matrix with NaN entries
/// would never converge, so past [`MAX_QL_SWEEPS`] it is [`Error::NotConverged`].
fn tridiagonal_ql(v: &mut Array2<f64>, d: &mut [f64], e: &mut [f64]) -> Result<()> {
    let n = d.len();
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    let (mut f, mut tst1) = (0.0f64, 0.0f64);
    let eps = f64::EPSILON;
    for l in 0..n {
        tst1 = tst1.max(d[l].abs() + e[l].abs());
        let mut m = l;
        while m < n - 1 && e[m].abs() > eps * tst1 {
            m += 1;
        }
        if m > l {
            let mut sweeps = 0;
            loop {
                sweeps += 1;
                if sweeps > MAX_QL_SWEEPS || !e[l].is_finite() {
                    return Err(Error::NotConverged {
                        method: "symmetric eigendecomposition (implicit QL)".into(),
                        iterations: sweeps,
                        reason: format!("eigenvalue {l} did not converge (non-finite entries?)"),
                    });
                }
                // The shift from the leading 2x2 block.
                let g = d[l];
                let mut p = (d[l + 1] - g) / (2.0 * e[l]);
                let mut r = p.hypot(1.0);
                if p < 0.0 {
                    r = -r;
                }
                d[l] = e[l] / (p + r);
                d[l + 1] = e[l] * (p + r);
                let dl1 = d[l + 1];
                let mut h = g - d[l];
                for di in &mut d[l + 2..n] {
                    *di -= h;
                }
                f += h;
                // The implicit QL sweep.
                p = d[m];
                let (mut c, mut c2, mut c3) = (1.0, 1.0, 1.0);
                let el1 = e[l + 1];
                let (mut s, mut s2) = (0.0, 0.0);
                for i in (l..m).rev() {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    let g = c * e[i];
                    h = c * p;
                    r = p.hypot(e[i]);
                    e[i + 1] = s * r;
                    s = e[i] / r;
                    c = p / r;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    for k in 0..n {
                        let h = v[[k, i + 1]];
                        v[[k, i + 1]] = s * v[[k, i]] + c * h;
                        v[[k, i]] = c * v[[k, i]] - s * h;
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
                if e[l].abs() <= eps * tst1 {
                    break;
                }
            }
        }
        d[l] += f;
        e[l] = 0.0;
    }
    Ok(())
}

/// Implicit QL sweeps allowed per eigenvalue.
const MAX_QL_SWEEPS: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn eigen_of_a_non_finite_matrix_stops_with_an_error() {
        let bad = array![[f64::NAN, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 3.0]];
        assert!(symmetric_eigen(bad.view()).is_err());
        let inf = array![[f64::INFINITY, 1.0], [1.0, 0.0]];
        assert!(symmetric_eigen(inf.view()).is_err());
    }

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
    fn eigen_reconstructs_random_matrices() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for n in [1, 2, 5, 40] {
            let b = Array2::from_shape_fn((n, n), |_| rng.random_range(-1.0..1.0));
            let a = &b + &b.t();
            let (vals, vecs) = symmetric_eigen(a.view()).unwrap();
            assert!(vals.windows(2).into_iter().all(|w| w[0] >= w[1]));
            let rebuilt = vecs.dot(&Array2::from_diag(&vals)).dot(&vecs.t());
            assert!((&rebuilt - &a).iter().all(|d| d.abs() < 1e-12), "n = {n}");
            let gram = vecs.t().dot(&vecs) - Array2::<f64>::eye(n);
            assert!(gram.iter().all(|d| d.abs() < 1e-12), "n = {n}");
        }
        // A diagonal matrix with a repeated eigenvalue.
        let (vals, _) =
            symmetric_eigen(Array2::from_diag(&ndarray::array![2.0, 5.0, 2.0]).view()).unwrap();
        assert_eq!(vals.to_vec(), vec![5.0, 2.0, 2.0]);
    }

    #[test]
    fn eigen_reconstructs_the_matrix() {
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
    fn general_solve_pivots() {
        // A zero on the diagonal needs a row swap: [[0, 2], [3, 1]] x = [4, 5] -> x = [1, 2]
        let x = solve(
            array![[0.0, 2.0], [3.0, 1.0]].view(),
            array![4.0, 5.0].view(),
        )
        .unwrap();
        assert!((x[0] - 1.0).abs() < 1e-15 && (x[1] - 2.0).abs() < 1e-15);
        assert!(
            solve(
                array![[1.0, 2.0], [2.0, 4.0]].view(),
                array![1.0, 1.0].view()
            )
            .is_err()
        );
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
