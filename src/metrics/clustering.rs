//! Clustering metrics: the silhouette (cohesion vs separation, in `[-1, 1]`) and the adjusted
//! Rand index (agreement of two labelings, corrected for chance; 1 = identical).

use ndarray::{Array1, ArrayView1, ArrayView2};

use crate::{Error, Result, validate};

/// Per-sample silhouette `s(i) = (b - a) / max(a, b)`, where `a` is the mean distance to the
/// other members of its cluster and `b` the smallest mean distance to another cluster
/// (Euclidean). A point alone in its cluster scores 0. Needs `2 <= clusters <= n - 1`.
pub fn silhouette_samples(x: ArrayView2<f64>, labels: ArrayView1<usize>) -> Result<Array1<f64>> {
    validate::features(x, "silhouette features")?;
    validate::same_len(x.nrows(), labels.len(), "labels vs feature rows")?;
    let n = x.nrows();
    // cluster ids may be any values: dense indices keep the tables small
    let (dense, k) = crate::data::dense_indices(labels.iter().copied());
    let labels = ndarray::Array1::from(dense);
    let mut sizes = vec![0usize; k];
    for &l in &labels {
        sizes[l] += 1;
    }
    let used = sizes.iter().filter(|&&s| s > 0).count();
    if used < 2 || used > n - 1 {
        return Err(Error::invalid(format!(
            "silhouette needs between 2 and n - 1 = {} clusters, got {used}",
            n - 1
        )));
    }
    let mut sums = vec![0.0; k];
    Ok(Array1::from_shape_fn(n, |i| {
        sums.iter_mut().for_each(|s| *s = 0.0);
        let xi = x.row(i);
        for (j, xj) in x.rows().into_iter().enumerate() {
            let d: f64 = xi.iter().zip(xj.iter()).map(|(a, b)| (a - b).powi(2)).sum();
            sums[labels[j]] += d.sqrt();
        }
        let own = labels[i];
        if sizes[own] == 1 {
            return 0.0;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && sizes[c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        (b - a) / a.max(b)
    }))
}

/// Mean silhouette over all samples.
pub fn silhouette_score(x: ArrayView2<f64>, labels: ArrayView1<usize>) -> Result<f64> {
    let s = silhouette_samples(x, labels)?;
    Ok(s.mean().unwrap_or(0.0))
}

fn choose2(n: usize) -> f64 {
    (n * n.saturating_sub(1)) as f64 / 2.0
}

/// Adjusted Rand index `(RI - E[RI]) / (max RI - E[RI])` from the contingency table
/// (Hubert & Arabie). Label values need not match between the two labelings.
pub fn adjusted_rand_index(a: ArrayView1<usize>, b: ArrayView1<usize>) -> Result<f64> {
    validate::same_len(a.len(), b.len(), "second labeling vs first")?;
    if a.is_empty() {
        return Err(Error::invalid("no labels to compare"));
    }
    let (a, ka) = crate::data::dense_indices(a.iter().copied());
    let (b, kb) = crate::data::dense_indices(b.iter().copied());
    let mut table = ndarray::Array2::<usize>::zeros((ka, kb));
    for (&i, &j) in a.iter().zip(b.iter()) {
        table[[i, j]] += 1;
    }
    let index: f64 = table.iter().map(|&c| choose2(c)).sum();
    let rows: f64 = table.rows().into_iter().map(|r| choose2(r.sum())).sum();
    let cols: f64 = table.columns().into_iter().map(|c| choose2(c.sum())).sum();
    let expected = rows * cols / choose2(a.len());
    let max = (rows + cols) / 2.0;
    if max == expected {
        return Ok(1.0); // both labelings trivial (one cluster, or all singletons): identical
    }
    Ok((index - expected) / (max - expected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn silhouette_by_hand() {
        // points 0, 1 in cluster 0 and 4, 6 in cluster 1 on a line.
        // s(0): a = 1, b = (4 + 6)/2 = 5 -> 0.8;  s(1): a = 1, b = 4 -> 0.75
        // s(4): a = 2, b = (4 + 3)/2 = 3.5 -> 1 - 2/3.5;  s(6): a = 2, b = 5.5 -> 1 - 2/5.5
        let x = array![[0.0], [1.0], [4.0], [6.0]];
        let s = silhouette_samples(x.view(), array![0, 0, 1, 1].view()).unwrap();
        let want = [0.8, 0.75, 1.0 - 2.0 / 3.5, 1.0 - 2.0 / 5.5];
        for (g, w) in s.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{g} vs {w}");
        }
        assert!(silhouette_score(x.view(), array![0, 0, 0, 0].view()).is_err());
        assert!(silhouette_score(x.view(), array![0, 1, 2, 3].view()).is_err());
    }

    #[test]
    fn ari_matches_scikit_learn() {
        let a = array![0, 0, 1, 1];
        assert_eq!(
            adjusted_rand_index(a.view(), array![1, 1, 0, 0].view()).unwrap(),
            1.0
        );
        // sklearn adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714
        let v = adjusted_rand_index(a.view(), array![0, 0, 1, 2].view()).unwrap();
        assert!((v - 4.0 / 7.0).abs() < 1e-12);
        // sklearn adjusted_rand_score([0,0,1,2],[0,0,1,1]) is symmetric
        let w = adjusted_rand_index(array![0, 0, 1, 2].view(), a.view()).unwrap();
        assert!((w - v).abs() < 1e-12);
        // sklearn adjusted_rand_score([0,0,0,0],[0,1,2,3]) = 0.0
        assert_eq!(
            adjusted_rand_index(array![0, 0, 0, 0].view(), array![0, 1, 2, 3].view()).unwrap(),
            0.0
        );
        assert!(adjusted_rand_index(a.view(), array![0].view()).is_err());
    }
}
