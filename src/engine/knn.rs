//! Neighbour search by linfa-nn's k-d tree (the KNN vote or mean stays the project's).
//!
//! linfa-nn returns `k` nearest rows but picks any among rows tied at the `k`-th distance; the
//! adapter then asks it for every row within that distance and keeps the `k` first by
//! `(distance, training row)`, the native order, so both engines choose the same neighbours.
//! Its k-d tree panics on non-finite values, needs contiguous rows, and recurses without end
//! when a column spans more than `f64::MAX` (its split point overflows): rows are checked
//! finite before (fit and the caller's query check), and such a column is refused here.

use linfa_nn::NearestNeighbour;
use linfa_nn::distance::{L1Dist, L2Dist};

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};

use super::wrapped;
use crate::knn::Distance;
use crate::{Error, Result};

/// Indices and distances of the `k` nearest rows of `x` for each row of `q`, nearest first.
pub(crate) fn kneighbors(
    x: ArrayView2<f64>,
    q: ArrayView2<f64>,
    k: usize,
    distance: Distance,
) -> Result<(Array2<usize>, Array2<f64>)> {
    if let Some(j) = x.axis_iter(Axis(1)).position(|c| {
        let (lo, hi) = c
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        !(hi - lo).is_finite()
    }) {
        return Err(Error::invalid(format!(
            "engine linfa: feature {j} spans more than f64's range, which linfa-nn's k-d tree \
             cannot split; use the native engine"
        )));
    }
    let x = x.as_standard_layout();
    match distance {
        Distance::Euclidean => search(&x.view(), q, k, L2Dist, distance),
        Distance::Manhattan => search(&x.view(), q, k, L1Dist, distance),
    }
}

/// The sort key of two rows' distance exactly as the native search computes it (the squared
/// sum for Euclidean, whose square root can tie rows the sum tells apart), so that rows are
/// ordered alike whatever engine found them.
fn exact(distance: Distance, a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    match distance {
        Distance::Euclidean => a.iter().zip(b).map(|(p, q)| (p - q).powi(2)).sum::<f64>(),
        Distance::Manhattan => a.iter().zip(b).map(|(p, q)| (p - q).abs()).sum(),
    }
}

/// The reported distance of a sort key.
fn reported(distance: Distance, key: f64) -> f64 {
    match distance {
        Distance::Euclidean => key.sqrt(),
        Distance::Manhattan => key,
    }
}

fn search<D: linfa_nn::distance::Distance<f64> + Clone>(
    x: &ArrayView2<f64>,
    q: ArrayView2<f64>,
    k: usize,
    dist: D,
    distance: Distance,
) -> Result<(Array2<usize>, Array2<f64>)> {
    let index = linfa_nn::CommonNearestNeighbour::KdTree
        .from_batch(x, dist.clone())
        .map_err(|e| wrapped("linfa-nn")(&e))?;
    let (m, n) = (q.nrows(), x.nrows());
    let k = k.min(n);
    let mut idx = Array2::zeros((m, k));
    let mut out = Array2::zeros((m, k));
    for (i, row) in q.rows().into_iter().enumerate() {
        let row = row.to_owned();
        let exact = |p: ArrayView1<f64>| exact(distance, p, row.view());
        let nearest = index
            .k_nearest(row.view(), k)
            .map_err(|e| wrapped("linfa-nn")(&e))?;
        let kth = reported(
            distance,
            nearest
                .iter()
                .map(|(p, _)| exact(p.view()))
                .fold(0.0f64, f64::max),
        );
        // every row tied with the k-th (the tree's range test includes its bound)
        let within = index
            .within_range(row.view(), kth * (1.0 + 1e-12) + f64::MIN_POSITIVE)
            .map_err(|e| wrapped("linfa-nn")(&e))?;
        let mut found: Vec<(f64, usize)> = within.into_iter().map(|(p, t)| (exact(p), t)).collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if found.len() < k {
            return Err(wrapped("linfa-nn")(&"fewer neighbours in range than found"));
        }
        for (j, &(d, t)) in found.iter().take(k).enumerate() {
            idx[[i, j]] = t;
            out[[i, j]] = reported(distance, d);
        }
    }
    Ok((idx, out))
}

/// Indices and distances of the `k` nearest rows by smartcore's cover tree, ties at the `k`-th
/// resolved as native (every row within that distance, then `(distance, row)`).
pub(crate) fn smartcore_kneighbors(
    x: ArrayView2<f64>,
    q: ArrayView2<f64>,
    k: usize,
    distance: Distance,
) -> Result<(Array2<usize>, Array2<f64>)> {
    use smartcore::metrics::distance::Distances;
    let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    match distance {
        Distance::Euclidean => cover_tree(x, rows, q, k, Distances::euclidian(), distance),
        Distance::Manhattan => cover_tree(x, rows, q, k, Distances::manhattan(), distance),
    }
}

fn cover_tree<D: smartcore::metrics::distance::Distance<Vec<f64>>>(
    x: ArrayView2<f64>,
    rows: Vec<Vec<f64>>,
    q: ArrayView2<f64>,
    k: usize,
    dist: D,
    distance: Distance,
) -> Result<(Array2<usize>, Array2<f64>)> {
    let n = rows.len();
    let k = k.min(n);
    let tree = smartcore::algorithm::neighbour::cover_tree::CoverTree::new(rows, dist)
        .map_err(|e| wrapped("smartcore")(&e))?;
    let (m, mut idx, mut out) = (
        q.nrows(),
        Array2::zeros((q.nrows(), k)),
        Array2::zeros((q.nrows(), k)),
    );
    for i in 0..m {
        let row = q.row(i).to_vec();
        let nearest = tree.find(&row, k).map_err(|e| wrapped("smartcore")(&e))?;
        let kth = nearest.iter().map(|f| f.1).fold(0.0f64, f64::max);
        let within = tree
            .find_radius(&row, kth * (1.0 + 1e-12) + f64::MIN_POSITIVE)
            .map_err(|e| wrapped("smartcore")(&e))?;
        let mut found: Vec<(f64, usize)> = within
            .into_iter()
            .map(|f| (exact(distance, x.row(f.0), q.row(i)), f.0))
            .collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if found.len() < k {
            return Err(wrapped("smartcore")(
                &"fewer neighbours in range than found",
            ));
        }
        for (j, &(d, t)) in found.iter().take(k).enumerate() {
            idx[[i, j]] = t;
            out[[i, j]] = reported(distance, d);
        }
    }
    Ok((idx, out))
}
