//! What the classical benchmarks share: the synthetic data they fit.

use mlnotes::data::Dataset;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `n` rows of `p` features uniform in `[-1, 1]`, a linear target with noise, and its sign as
/// a class.
pub fn synthetic(n: usize, p: usize, seed: u64) -> (Dataset<f64>, Dataset<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, p), |_| rng.random_range(-1.0..1.0));
    let w = Array1::from_shape_fn(p, |_| rng.random_range(-1.0..1.0));
    let score = x.dot(&w);
    let y_reg = score.mapv(|s| s + 0.1 * rng.random_range(-1.0..1.0));
    let y_cls = score.mapv(|s| usize::from(s > 0.0));
    (
        Dataset::new(x.clone(), y_reg).unwrap(),
        Dataset::classification(x, y_cls).unwrap(),
    )
}
