//! Seeded synthetic data: blobs, two moons, concentric circles, and linear / polynomial
//! regression with Gaussian noise. The same seed gives the same data.

use std::f64::consts::PI;

use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

use super::Dataset;
use crate::{Error, Result, validate};

fn normal(std: f64, param: &'static str) -> Result<Normal<f64>> {
    if !(std.is_finite() && std >= 0.0) {
        return Err(Error::config(
            param,
            format!("must be finite and >= 0, got {std}"),
        ));
    }
    Normal::new(0.0, std).map_err(|e| Error::config(param, e.to_string()))
}

fn need_samples(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::config("n_samples", "must be at least 1"));
    }
    Ok(())
}

/// Class names `"0"` to `"k-1"`: generated labels are indices, every class named even
/// when a small sample misses one.
fn class_names(k: usize) -> Vec<String> {
    (0..k).map(|c| c.to_string()).collect()
}

/// Isotropic Gaussian blobs around `centers` (one row per center), `n_samples` split evenly
/// (the first centers get one more when it does not divide), each with standard deviation `std`.
pub fn blobs(n_samples: usize, centers: &Array2<f64>, std: f64, seed: u64) -> Result<Dataset> {
    need_samples(n_samples)?;
    validate::features(centers.view(), "blob centers")?;
    let noise = normal(std, "std")?;
    let (k, p) = centers.dim();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((n_samples, p));
    let mut y = Array1::zeros(n_samples);
    for i in 0..n_samples {
        let c = i % k;
        y[i] = c;
        for j in 0..p {
            x[[i, j]] = centers[[c, j]] + noise.sample(&mut rng);
        }
    }
    Dataset::with_classes(x, y, class_names(k))
}

/// Two interleaving half circles (scikit-learn's `make_moons`), plus Gaussian `noise`.
pub fn moons(n_samples: usize, noise: f64, seed: u64) -> Result<Dataset> {
    need_samples(n_samples)?;
    let dist = normal(noise, "noise")?;
    let mut rng = StdRng::seed_from_u64(seed);
    let n_out = n_samples.div_ceil(2);
    let mut x = Array2::zeros((n_samples, 2));
    let mut y = Array1::zeros(n_samples);
    for i in 0..n_samples {
        let (outer, k, n) = if i < n_out {
            (true, i, n_out)
        } else {
            (false, i - n_out, n_samples - n_out)
        };
        let t = if n > 1 {
            PI * k as f64 / (n - 1) as f64
        } else {
            0.0
        };
        let (a, b) = if outer {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 1.0 - t.sin() - 0.5)
        };
        x[[i, 0]] = a + dist.sample(&mut rng);
        x[[i, 1]] = b + dist.sample(&mut rng);
        y[i] = usize::from(!outer);
    }
    Dataset::with_classes(x, y, class_names(2))
}

/// Two concentric circles (scikit-learn's `make_circles`): the outer of radius 1 is class 0,
/// the inner of radius `factor` (0 < factor < 1) is class 1.
pub fn circles(n_samples: usize, noise: f64, factor: f64, seed: u64) -> Result<Dataset> {
    need_samples(n_samples)?;
    if !(factor > 0.0 && factor < 1.0) {
        return Err(Error::config(
            "factor",
            format!("must lie in (0, 1), got {factor}"),
        ));
    }
    let dist = normal(noise, "noise")?;
    let mut rng = StdRng::seed_from_u64(seed);
    let n_out = n_samples.div_ceil(2);
    let mut x = Array2::zeros((n_samples, 2));
    let mut y = Array1::zeros(n_samples);
    for i in 0..n_samples {
        let (r, k, n) = if i < n_out {
            (1.0, i, n_out)
        } else {
            (factor, i - n_out, n_samples - n_out)
        };
        let t = 2.0 * PI * k as f64 / n as f64;
        x[[i, 0]] = r * t.cos() + dist.sample(&mut rng);
        x[[i, 1]] = r * t.sin() + dist.sample(&mut rng);
        y[i] = usize::from(i >= n_out);
    }
    Dataset::with_classes(x, y, class_names(2))
}

/// `y = bias + X coef + noise` with `X` uniform in `[-1, 1]^p` (p = `coef.len()`).
pub fn linear_regression(
    n_samples: usize,
    coef: &[f64],
    bias: f64,
    noise: f64,
    seed: u64,
) -> Result<Dataset<f64>> {
    need_samples(n_samples)?;
    if coef.is_empty() {
        return Err(Error::config("coef", "needs at least one coefficient"));
    }
    let dist = normal(noise, "noise")?;
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n_samples, coef.len()), |_| rng.random_range(-1.0..=1.0));
    let w = Array1::from(coef.to_vec());
    let y = x.dot(&w).mapv(|v| v + bias + dist.sample(&mut rng));
    Dataset::new(x, y)
}

/// One feature `x` uniform in `[low, high]` and `y = sum_k poly[k] x^k + noise`.
pub fn polynomial(
    n_samples: usize,
    poly: &[f64],
    (low, high): (f64, f64),
    noise: f64,
    seed: u64,
) -> Result<Dataset<f64>> {
    need_samples(n_samples)?;
    if poly.is_empty() {
        return Err(Error::config("poly", "needs at least one coefficient"));
    }
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Err(Error::config(
            "range",
            format!("needs low < high, got [{low}, {high}]"),
        ));
    }
    let dist = normal(noise, "noise")?;
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n_samples, 1), |_| rng.random_range(low..=high));
    let y = x.column(0).mapv(|v| {
        let clean = poly.iter().rev().fold(0.0, |acc, &c| acc * v + c);
        clean + dist.sample(&mut rng)
    });
    Dataset::new(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn same_seed_same_data() {
        let a = moons(50, 0.1, 7).unwrap();
        assert_eq!(a, moons(50, 0.1, 7).unwrap());
        assert_ne!(a, moons(50, 0.1, 8).unwrap());
    }

    #[test]
    fn noiseless_shapes_are_exact() {
        let c = circles(40, 0.0, 0.5, 0).unwrap();
        for (row, &y) in c.features.rows().into_iter().zip(&c.targets) {
            let r = row.dot(&row).sqrt();
            let want = if y == 0 { 1.0 } else { 0.5 };
            assert!((r - want).abs() < 1e-12);
        }
        let m = moons(10, 0.0, 0).unwrap();
        assert_eq!(m.class_counts(), vec![5, 5]);
        assert!((m.features[[0, 0]] - 1.0).abs() < 1e-12); // outer moon starts at (1, 0)
        let b = blobs(9, &array![[0.0, 0.0], [10.0, 10.0], [-10.0, 5.0]], 0.0, 1).unwrap();
        assert_eq!(b.features.row(4), array![10.0, 10.0]);
        let p = polynomial(20, &[1.0, 0.0, 2.0], (-1.0, 1.0), 0.0, 3).unwrap();
        for (x, y) in p.features.column(0).iter().zip(&p.targets) {
            assert!((1.0 + 2.0 * x * x - y).abs() < 1e-12);
        }
        let l = linear_regression(20, &[2.0, -1.0], 0.5, 0.0, 3).unwrap();
        let r = l.features.row(3);
        assert!((0.5 + 2.0 * r[0] - r[1] - l.targets[3]).abs() < 1e-12);
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(moons(0, 0.1, 0).is_err());
        assert!(moons(10, -1.0, 0).is_err());
        assert!(circles(10, 0.1, 1.5, 0).is_err());
        assert!(polynomial(10, &[1.0], (1.0, 0.0), 0.1, 0).is_err());
        assert!(blobs(10, &array![[f64::NAN]], 1.0, 0).is_err());
    }
}
