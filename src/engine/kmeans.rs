//! k-means by linfa-clustering, started from the project's initial centroids.
//!
//! linfa-clustering 0.8.1 runs m_k-means, not the notes' Lloyd update: each cluster's old
//! centroid counts as one more member, `μ_j ← (μ_j + Σ_{i∈C_j} x⁽ⁱ⁾) / (|C_j| + 1)`, so a
//! centroid moves only `|C_j| / (|C_j| + 1)` of the way to its cluster's mean per round. Both
//! have the same fixed points (centroid = mean of its members) but linfa stops short of them by
//! about its tolerance divided by the cluster size (the difference is measured in
//! `tests/engines.rs`). Its `cluster_count` reports the last run rather than the best, so the
//! adapter runs one restart at a time and recounts.
//!
//! Tolerance mapping: the project stops when `Σ_j ‖Δμ_j‖² ≤ tol · mean feature variance`;
//! linfa when the Frobenius norm of the shift is below its tolerance, so
//! `tolerance = √(tol · mean variance)`.

use linfa::traits::Fit as _;
use ndarray::{Array2, ArrayView2, Axis};

use super::wrapped;
use crate::Result;

/// Centroids of one linfa run from `init`, and whether one more m_k-means round would move
/// them by less than the tolerance (linfa does not report it).
pub(crate) fn linfa_run(
    x: ArrayView2<f64>,
    init: Array2<f64>,
    max_iter: usize,
    tol: f64,
) -> Result<(Array2<f64>, bool)> {
    let mean_var = x.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
    let tolerance = (tol * mean_var).sqrt().max(f64::MIN_POSITIVE);
    let k = init.nrows();
    let model = linfa_clustering::KMeans::params(k)
        .n_runs(1)
        .tolerance(tolerance)
        .max_n_iterations(max_iter as u64)
        .init_method(linfa_clustering::KMeansInit::Precomputed(init))
        .fit(&linfa::DatasetBase::from(x.to_owned()))
        .map_err(|e| wrapped("linfa-clustering")(&e))?;
    let centroids = model.centroids().clone();
    let next = mk_step(x, &centroids);
    let shift = (&next - &centroids).mapv(|v| v * v).sum().sqrt();
    Ok((centroids, shift < tolerance))
}

/// One m_k-means round: `μ_j ← (μ_j + Σ_{i∈C_j} x⁽ⁱ⁾) / (|C_j| + 1)`.
pub(crate) fn mk_step(x: ArrayView2<f64>, centroids: &Array2<f64>) -> Array2<f64> {
    let mut sums = centroids.clone();
    let mut counts = vec![1.0f64; centroids.nrows()];
    for row in x.rows() {
        let j = (0..centroids.nrows())
            .min_by(|&a, &b| {
                let da = (&row - &centroids.row(a)).mapv(|v| v * v).sum();
                let db = (&row - &centroids.row(b)).mapv(|v| v * v).sum();
                da.total_cmp(&db)
            })
            .unwrap_or(0);
        sums.row_mut(j).zip_mut_with(&row, |s, &v| *s += v);
        counts[j] += 1.0;
    }
    for (mut r, c) in sums.rows_mut().into_iter().zip(counts) {
        r /= c;
    }
    sums
}
