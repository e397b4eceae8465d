//! Hierarchical clustering, visualised as a dendrogram.
//!
//! Agglomerative (bottom-up): start with every point its own cluster and repeatedly merge the
//! two closest clusters, where the distance between clusters is the linkage: *single* (minimum
//! pairwise distance; chains), *complete* (maximum) or *average* (mean of all pairs). Computed by
//! the nearest-neighbour chain in `O(n²)` time with Lance–Williams updates. Divisive (top-down):
//! start with one cluster and recursively split it, here by 2-means on the cluster of largest
//! squared error (bisecting k-means).

use ndarray::{Array1, ArrayView2};

use ndarray::Array2;

use super::KMeans;
use crate::data::Target;
use crate::estimator::{Checked, Fit, FitChecked, Params, Predict};
use crate::{Error, Result, validate};

/// The most points agglomerative clustering takes: its distance matrix holds `n²` numbers
/// (20 000 points: 3.2 GB).
pub const MAX_AGGLOMERATIVE_POINTS: usize = 20_000;

/// Distance between two clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Linkage {
    /// Minimum distance between their points.
    Single,
    /// Maximum distance between their points.
    Complete,
    /// Average distance over all pairs.
    Average,
}

/// Agglomerative clustering hyperparameters.
///
/// ```
/// use mlnotes::cluster::{Agglomerative, Linkage};
/// use mlnotes::estimator::FitFeatures;
/// let iris = mlnotes::data::iris();
/// let tree = Agglomerative::new(Linkage::Average).fit_features(iris.x())?;
/// assert_eq!(tree.merges.len(), 149);
/// let labels = tree.cut_k(3)?;
/// assert_eq!(labels.iter().max(), Some(&2));
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Agglomerative {
    /// The linkage criterion.
    pub linkage: Linkage,
}

impl Params for Agglomerative {
    /// Every linkage is valid.
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

/// One merge, in SciPy's numbering: ids `0..n` are the points, id `n + i` is the cluster made
/// by merge `i`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Merge {
    /// The smaller id merged.
    pub a: usize,
    /// The larger id merged.
    pub b: usize,
    /// The linkage distance at which they merged.
    pub distance: f64,
    /// Points in the new cluster.
    pub size: usize,
}

/// The full merge tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dendrogram {
    /// Number of points (leaves).
    pub n_samples: usize,
    /// The `n - 1` merges by increasing distance.
    pub merges: Vec<Merge>,
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
}

impl Agglomerative {
    /// Agglomerative clustering with `linkage`.
    pub fn new(linkage: Linkage) -> Self {
        Agglomerative { linkage }
    }
}

impl<T: Target> FitChecked<T> for Agglomerative {
    type Model = Dendrogram;

    /// Build the merge tree of the feature rows (Euclidean distances; targets are ignored).
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<Dendrogram> {
        let x = data.x();
        let n = x.nrows();
        if n < 2 {
            return Err(Error::invalid(format!(
                "hierarchical clustering needs at least 2 points, got {n}"
            )));
        }
        if n > MAX_AGGLOMERATIVE_POINTS {
            return Err(Error::invalid(format!(
                "agglomerative clustering of {n} points needs an {n} x {n} distance matrix; \
                 at most {MAX_AGGLOMERATIVE_POINTS} points are taken"
            )));
        }
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let v: f64 = x
                    .row(i)
                    .iter()
                    .zip(x.row(j))
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
                    .sqrt();
                d[i * n + j] = v;
                d[j * n + i] = v;
            }
        }
        let mut active = vec![true; n];
        let mut size = vec![1usize; n];
        let mut chain: Vec<usize> = Vec::with_capacity(n);
        let mut raw = Vec::with_capacity(n - 1); // (slot kept, slot removed, distance)
        while raw.len() < n - 1 {
            if chain.is_empty() {
                chain.push(active.iter().position(|&a| a).unwrap_or(0));
            }
            let a = chain[chain.len() - 1];
            let prev = chain.len().checked_sub(2).map(|i| chain[i]);
            // nearest active neighbour of a, preferring the previous chain element on ties
            let mut best = prev.unwrap_or(usize::MAX);
            let mut best_d = prev.map_or(f64::INFINITY, |p| d[a * n + p]);
            for k in (0..n).filter(|&k| active[k] && k != a) {
                if d[a * n + k] < best_d {
                    best = k;
                    best_d = d[a * n + k];
                }
            }
            if Some(best) == prev {
                chain.truncate(chain.len() - 2);
                let (keep, gone) = (best.min(a), best.max(a));
                let (nk, ng) = (size[keep] as f64, size[gone] as f64);
                for k in (0..n).filter(|&k| active[k] && k != keep && k != gone) {
                    let (dk, dg) = (d[keep * n + k], d[gone * n + k]);
                    let v = match self.linkage {
                        Linkage::Single => dk.min(dg),
                        Linkage::Complete => dk.max(dg),
                        Linkage::Average => (nk * dk + ng * dg) / (nk + ng),
                    };
                    d[keep * n + k] = v;
                    d[k * n + keep] = v;
                }
                active[gone] = false;
                size[keep] += size[gone];
                raw.push((keep, gone, best_d));
            } else {
                chain.push(best);
            }
        }
        raw.sort_by(|p, q| p.2.total_cmp(&q.2));
        let mut uf = UnionFind((0..n).collect());
        let mut id: Vec<usize> = (0..n).collect();
        let mut count = vec![1usize; n];
        let merges = raw
            .into_iter()
            .enumerate()
            .map(|(i, (p, q, dist))| {
                let (rp, rq) = (uf.find(p), uf.find(q));
                let (ia, ib) = (id[rp], id[rq]);
                uf.0[rq] = rp;
                id[rp] = n + i;
                count[rp] += count[rq];
                Merge {
                    a: ia.min(ib),
                    b: ia.max(ib),
                    distance: dist,
                    size: count[rp],
                }
            })
            .collect();
        Ok(Dendrogram {
            n_samples: n,
            merges,
        })
    }
}

impl Dendrogram {
    /// Labels `0..k` after applying the first `n - k` merges (`1 <= k <= n`).
    pub fn cut_k(&self, k: usize) -> Result<Array1<usize>> {
        if k == 0 || k > self.n_samples {
            return Err(Error::invalid(format!(
                "cannot cut {} points into {k} clusters",
                self.n_samples
            )));
        }
        Ok(self.labels(self.n_samples - k))
    }

    /// Labels after applying every merge at distance `<= threshold`.
    pub fn cut_distance(&self, threshold: f64) -> Array1<usize> {
        self.labels(
            self.merges
                .iter()
                .take_while(|m| m.distance <= threshold)
                .count(),
        )
    }

    fn labels(&self, n_merges: usize) -> Array1<usize> {
        let n = self.n_samples;
        let mut uf = UnionFind((0..2 * n).collect());
        for (i, m) in self.merges.iter().take(n_merges).enumerate() {
            let (ra, rb) = (uf.find(m.a), uf.find(m.b));
            uf.0[ra] = n + i;
            uf.0[rb] = n + i;
        }
        let mut seen: Vec<usize> = Vec::new();
        (0..n)
            .map(|i| {
                let r = uf.find(i);
                seen.iter().position(|&s| s == r).unwrap_or_else(|| {
                    seen.push(r);
                    seen.len() - 1
                })
            })
            .collect()
    }

    /// Leaves in drawing order (children side by side).
    pub fn leaf_order(&self) -> Vec<usize> {
        let n = self.n_samples;
        let mut order = Vec::with_capacity(n);
        let mut stack = vec![n + self.merges.len() - 1];
        while let Some(c) = stack.pop() {
            if c < n {
                order.push(c);
            } else {
                let m = &self.merges[c - n];
                stack.push(m.b);
                stack.push(m.a);
            }
        }
        order
    }
}

/// Divisive (top-down) clustering into `k` clusters: repeatedly bisect, by 2-means, the
/// cluster with the largest squared error (bisecting k-means).
///
/// ```
/// use mlnotes::cluster::Divisive;
/// use mlnotes::estimator::{FitFeatures, Predict};
/// let iris = mlnotes::data::iris();
/// let model = Divisive::new(3).fit_features(iris.x())?;
/// assert_eq!(model.predict(iris.x())?.len(), 150);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Divisive {
    /// Number of clusters `k`.
    pub k: usize,
    /// Seed of the 2-means splits.
    pub seed: u64,
}

impl Divisive {
    /// `k` clusters, seed 0.
    pub fn new(k: usize) -> Self {
        Divisive { k, seed: 0 }
    }

    /// Set the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Params for Divisive {
    fn check(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::config("k", "needs at least one cluster"));
        }
        Ok(())
    }
}

/// A fitted divisive clustering: the cluster of each training row and each cluster's mean.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedDivisive {
    /// The cluster of each training row, `0..k`.
    pub labels: Array1<usize>,
    /// The mean of each cluster, one row each.
    pub centroids: Array2<f64>,
}

impl<T: Target> FitChecked<T> for Divisive {
    type Model = FittedDivisive;

    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<FittedDivisive> {
        let x = data.x();
        let k = self.k;
        if k > x.nrows() {
            return Err(Error::invalid(format!(
                "cannot split {} points into {k} clusters",
                x.nrows()
            )));
        }
        let sse = |idx: &[usize]| -> f64 {
            let sub = x.select(ndarray::Axis(0), idx);
            let mean = sub
                .mean_axis(ndarray::Axis(0))
                .unwrap_or_else(|| Array1::zeros(x.ncols()));
            sub.rows()
                .into_iter()
                .map(|r| {
                    r.iter()
                        .zip(&mean)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                })
                .sum()
        };
        let mut clusters: Vec<Vec<usize>> = vec![(0..x.nrows()).collect()];
        while clusters.len() < k {
            let (worst, _) = clusters
                .iter()
                .enumerate()
                .filter(|(_, c)| c.len() >= 2)
                .map(|(i, c)| (i, sse(c)))
                .fold(
                    (usize::MAX, -1.0),
                    |b, (i, s)| if s > b.1 { (i, s) } else { b },
                );
            if worst == usize::MAX {
                return Err(Error::invalid("no cluster left with two points to split"));
            }
            let members = clusters.swap_remove(worst);
            let sub = x.select(ndarray::Axis(0), &members);
            let halves = KMeans::new(2)
                .with_seed(self.seed)
                .fit(&crate::data::Dataset::unlabeled(sub)?)?
                .labels;
            type Labelled = Vec<(usize, usize)>;
            let (left, right): (Labelled, Labelled) = members
                .iter()
                .copied()
                .zip(halves.iter().copied())
                .partition(|(_, l)| *l == 0);
            if left.is_empty() || right.is_empty() {
                return Err(Error::invalid(format!(
                    "cannot split into {k} clusters: a cluster of identical points cannot be bisected"
                )));
            }
            clusters.push(left.into_iter().map(|(i, _)| i).collect());
            clusters.push(right.into_iter().map(|(i, _)| i).collect());
        }
        let mut labels = Array1::zeros(x.nrows());
        let mut centroids = Array2::zeros((k, x.ncols()));
        for (c, members) in clusters.iter().enumerate() {
            members.iter().for_each(|&i| labels[i] = c);
            let mean = x
                .select(ndarray::Axis(0), members)
                .mean_axis(ndarray::Axis(0))
                .unwrap_or_else(|| Array1::zeros(x.ncols()));
            centroids.row_mut(c).assign(&mean);
        }
        Ok(FittedDivisive { labels, centroids })
    }
}

impl Predict<usize> for FittedDivisive {
    /// The cluster whose mean is nearest to each row.
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        validate::input(self.centroids.ncols(), x, "divisive clustering prediction")?;
        Ok(x.rows()
            .into_iter()
            .map(|r| {
                self.centroids
                    .rows()
                    .into_iter()
                    .map(|c| r.iter().zip(c).map(|(a, b)| (a - b).powi(2)).sum::<f64>())
                    .enumerate()
                    .fold(
                        (0, f64::INFINITY),
                        |b, (j, d)| if d < b.1 { (j, d) } else { b },
                    )
                    .0
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimator::FitFeatures;
    use ndarray::array;

    /// Five points on a line: 0, 1, 3, 7, 15 (gaps 1, 2, 4, 8).
    fn five() -> ndarray::Array2<f64> {
        array![[0.0], [1.0], [3.0], [7.0], [15.0]]
    }

    #[test]
    fn merge_distances_by_hand() {
        // single: merges at the gaps 1, 2, 4, 8
        let s = Agglomerative::new(Linkage::Single)
            .fit_features(five().view())
            .unwrap();
        assert_eq!(
            s.merges.iter().map(|m| m.distance).collect::<Vec<_>>(),
            vec![1.0, 2.0, 4.0, 8.0]
        );
        assert_eq!(
            (s.merges[0].a, s.merges[0].b, s.merges[1].a, s.merges[1].b),
            (0, 1, 2, 5)
        );
        // complete: {0,1} at 1, {0,1,2} at 3, {..,7} at 7, {..,15} at 15
        let c = Agglomerative::new(Linkage::Complete)
            .fit_features(five().view())
            .unwrap();
        assert_eq!(
            c.merges.iter().map(|m| m.distance).collect::<Vec<_>>(),
            vec![1.0, 3.0, 7.0, 15.0]
        );
        // average: {0,1} 1; 3 to {0,1}: (3+2)/2 = 2.5; 7 to {0,1,3}: (7+6+4)/3; 15: (15+14+12+8)/4
        let a = Agglomerative::new(Linkage::Average)
            .fit_features(five().view())
            .unwrap();
        let want = [1.0, 2.5, 17.0 / 3.0, 49.0 / 4.0];
        for (m, w) in a.merges.iter().zip(want) {
            assert!((m.distance - w).abs() < 1e-12, "{} vs {w}", m.distance);
        }
        assert_eq!(a.merges[3].size, 5);
    }

    #[test]
    fn cuts_and_leaf_order() {
        let s = Agglomerative::new(Linkage::Single)
            .fit_features(five().view())
            .unwrap();
        assert_eq!(s.cut_k(2).unwrap().to_vec(), vec![0, 0, 0, 0, 1]);
        assert_eq!(s.cut_k(3).unwrap().to_vec(), vec![0, 0, 0, 1, 2]);
        assert_eq!(s.cut_distance(2.5).to_vec(), vec![0, 0, 0, 1, 2]);
        let mut order = s.leaf_order();
        order.sort();
        assert_eq!(order, vec![0, 1, 2, 3, 4]);
        assert!(s.cut_k(0).is_err() && s.cut_k(6).is_err());
        assert!(
            Agglomerative::new(Linkage::Single)
                .fit_features(array![[1.0]].view())
                .is_err()
        );
    }

    #[test]
    fn divisive_splits_obvious_groups() {
        let x = array![[0.0], [0.1], [5.0], [5.1], [10.0], [10.1]];
        let fitted = Divisive::new(3).fit_features(x.view()).unwrap();
        let l = &fitted.labels;
        assert!(l[0] == l[1] && l[2] == l[3] && l[4] == l[5]);
        assert!(l[0] != l[2] && l[2] != l[4] && l[0] != l[4]);
        // new points go to the cluster of the nearest mean
        let p = fitted.predict(array![[0.05], [9.0]].view()).unwrap();
        assert_eq!((p[0], p[1]), (l[0], l[4]));
        assert!(Divisive::new(7).fit_features(x.view()).is_err());
        assert!(matches!(
            Divisive::new(0).fit_features(x.view()),
            Err(Error::Config { param: "k", .. })
        ));
    }
}
