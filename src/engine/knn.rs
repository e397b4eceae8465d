//! Neighbour search by linfa-nn's k-d tree (the KNN vote or mean stays the project's).
//!
//! linfa-nn returns the `k` nearest rows in increasing distance but in no set order among
//! equal distances; the adapter sorts them by `(distance, training row)`, the native order.
//! Its k-d tree panics on non-finite values and needs contiguous rows: both are guaranteed
//! before it is called (fitted rows are validated, queries checked by the caller).

use linfa_nn::NearestNeighbour;
use linfa_nn::distance::{L1Dist, L2Dist};
use ndarray::{Array2, ArrayView2};

use super::wrapped;
use crate::Result;
use crate::knn::Distance;

/// Indices and distances of the `k` nearest rows of `x` for each row of `q`, nearest first.
pub(crate) fn kneighbors(
    x: ArrayView2<f64>,
    q: ArrayView2<f64>,
    k: usize,
    distance: Distance,
) -> Result<(Array2<usize>, Array2<f64>)> {
    let x = x.as_standard_layout();
    let algo = linfa_nn::CommonNearestNeighbour::KdTree;
    let index = match distance {
        Distance::Euclidean => algo.from_batch(&x, L2Dist),
        Distance::Manhattan => algo.from_batch(&x, L1Dist),
    }
    .map_err(|e| wrapped("linfa-nn")(&e))?;
    let (m, n) = (q.nrows(), x.nrows());
    let mut idx = Array2::zeros((m, k));
    let mut dist = Array2::zeros((m, k));
    for (i, row) in q.rows().into_iter().enumerate() {
        let row = row.to_owned();
        let found = index
            .k_nearest(row.view(), k.min(n))
            .map_err(|e| wrapped("linfa-nn")(&e))?;
        let mut found: Vec<(f64, usize)> = found
            .into_iter()
            .map(|(p, t)| {
                let d = match distance {
                    Distance::Euclidean => p
                        .iter()
                        .zip(&row)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                        .sqrt(),
                    Distance::Manhattan => p.iter().zip(&row).map(|(a, b)| (a - b).abs()).sum(),
                };
                (d, t)
            })
            .collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (j, (d, t)) in found.into_iter().enumerate() {
            idx[[i, j]] = t;
            dist[[i, j]] = d;
        }
    }
    Ok((idx, dist))
}
