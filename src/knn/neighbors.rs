//! The KNN estimator: hyperparameters, the memorised training set, and prediction by vote
//! or mean over the `k` nearest training rows.

use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rayon::prelude::*;

use crate::data::{Dataset, Target};
use crate::engine::{self, Engine};
use crate::estimator::{Checked, FitChecked, Params, Predict, PredictProba};
use crate::{Error, Result, validate};

/// How distance is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Distance {
    /// `√Σ (a_i - b_i)²`.
    Euclidean,
    /// `Σ |a_i - b_i|`.
    Manhattan,
}

/// How neighbours are searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Algorithm {
    /// A k-d tree for at most 15 features and at least 1 000 training rows, else brute force
    /// (scikit-learn's rule of thumb: trees lose to scans in many dimensions).
    Auto,
    /// Every training row, by blocked matrix products.
    BruteForce,
    /// A k-d tree.
    KdTree,
}

/// KNN hyperparameters.
///
/// ```
/// use mlnotes::estimator::{Fit, Predict};
/// use mlnotes::knn::Knn;
/// let iris = mlnotes::data::iris();
/// let model = Knn::new(5).fit(&iris)?;
/// let acc = mlnotes::metrics::accuracy(iris.y(), model.predict(iris.x())?.view())?;
/// assert!(acc > 0.9);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Knn {
    /// Neighbours consulted (`1 <= k <= n`).
    pub k: usize,
    /// The distance.
    pub distance: Distance,
    /// The neighbour search (native engine).
    pub algorithm: Algorithm,
    /// Who searches the neighbours: native (`algorithm`), linfa (linfa-nn's k-d tree) or
    /// smartcore (its cover tree); see [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

impl Knn {
    /// `k` neighbours, Euclidean distance, automatic search.
    pub fn new(k: usize) -> Self {
        Knn {
            k,
            distance: Distance::Euclidean,
            algorithm: Algorithm::Auto,
            engine: Engine::Native,
        }
    }

    /// Search neighbours with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }
}

impl crate::estimator::Randomized for Knn {
    /// KNN is deterministic: the seed is ignored.
    fn reseeded(&self, _seed: u64) -> Self {
        *self
    }
}

impl Params for Knn {
    fn check(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::config("k", "needs at least one neighbour"));
        }
        Ok(())
    }
}

/// A fitted KNN model: the memorised training set (and its k-d tree).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FittedKnn<T: Target> {
    params: Knn,
    x: Array2<f64>,
    /// The training rows in single precision, and their squared norms (candidate search).
    x32: Array2<f32>,
    x_sq32: Array1<f32>,
    x_sq32_max: f32,
    y: Array1<T>,
    n_classes: usize,
    tree: Option<super::kd_tree::KdTree>,
}

fn memorise<T: Target>(params: &Knn, data: &Dataset<T>, n_classes: usize) -> Result<FittedKnn<T>> {
    if params.k > data.n_samples() {
        return Err(Error::invalid(format!(
            "k = {} neighbours but only {} training examples",
            params.k,
            data.n_samples()
        )));
    }
    let x32 = data.features().mapv(|v| v as f32);
    let x_sq32 = x32.map_axis(Axis(1), |r| r.dot(&r));
    let x_sq32_max = x_sq32.fold(0.0f32, |m, &v| m.max(v));
    let use_tree = match params.algorithm {
        Algorithm::Auto => data.n_features() <= 15 && data.n_samples() >= 1000,
        Algorithm::BruteForce => false,
        Algorithm::KdTree => true,
    } && params.engine == Engine::Native;
    Ok(FittedKnn {
        params: *params,
        tree: use_tree.then(|| super::kd_tree::KdTree::build(data.features())),
        x: data.features().clone(),
        x32,
        x_sq32,
        x_sq32_max,
        y: data.targets().clone(),
        n_classes,
    })
}

impl FitChecked<usize> for Knn {
    type Model = FittedKnn<usize>;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedKnn<usize>> {
        let data = data.data();
        memorise(self, data, data.n_classes())
    }
}

impl FitChecked<f64> for Knn {
    type Model = FittedKnn<f64>;

    fn fit_checked(&self, data: Checked<'_, f64, Self>) -> Result<FittedKnn<f64>> {
        let data = data.data();
        memorise(self, data, 0)
    }
}

/// Queries per block: bounds the distance matrix to `BLOCK x N`.
const BLOCK: usize = 256;

impl<T: Target> FittedKnn<T> {
    /// Indices and distances of the `k` nearest training examples of each query row,
    /// nearest first (ties broken by training order).
    pub fn kneighbors(&self, q: ArrayView2<f64>) -> Result<(Array2<usize>, Array2<f64>)> {
        validate::n_features(self.x.ncols(), q, "KNN query")?;
        validate::finite(q, "KNN query features")?;
        let (m, k) = (q.nrows(), self.params.k);
        match self.params.engine {
            Engine::Native => {}
            Engine::Linfa => {
                return engine::knn::kneighbors(self.x.view(), q, k, self.params.distance);
            }
            Engine::Smartcore => {
                return engine::knn::smartcore_kneighbors(
                    self.x.view(),
                    q,
                    k,
                    self.params.distance,
                );
            }
        }
        let mut idx = Array2::zeros((m, k));
        let mut dist = Array2::zeros((m, k));
        if let Some(tree) = &self.tree {
            let found: Vec<Vec<(f64, usize)>> = (0..m)
                .into_par_iter()
                .map_init(Vec::new, |best, i| {
                    tree.query(q.row(i), k, self.params.distance, best);
                    best.clone()
                })
                .collect();
            for (i, row) in found.into_iter().enumerate() {
                for (j, (d, t)) in row.into_iter().enumerate() {
                    idx[[i, j]] = t;
                    dist[[i, j]] = match self.params.distance {
                        Distance::Euclidean => d.sqrt(),
                        Distance::Manhattan => d,
                    };
                }
            }
            return Ok((idx, dist));
        }
        let starts: Vec<usize> = (0..m).step_by(BLOCK).collect();
        let blocks: Vec<(usize, Vec<(usize, f64)>)> = starts
            .into_par_iter()
            .map(|start| {
                (
                    start,
                    self.brute_block(q.slice(s![start..(start + BLOCK).min(m), ..])),
                )
            })
            .collect();
        for (start, found) in blocks {
            for (n, (t, d)) in found.into_iter().enumerate() {
                idx[[start + n / k, n % k]] = t;
                dist[[start + n / k, n % k]] = d;
            }
        }
        Ok((idx, dist))
    }

    /// The `k` nearest `(row, distance)` of each query in a block, row after row.
    fn brute_block(&self, block: ArrayView2<f64>) -> Vec<(usize, f64)> {
        let k = self.params.k;
        let mut out = Vec::with_capacity(block.nrows() * k);
        let mut cand: Vec<(f64, usize)> = Vec::new();
        match self.params.distance {
            Distance::Euclidean => {
                // Candidates by single-precision distances from one f32 matrix product, then
                // exact f64 distances for every row within the f32 error bound of the k-th.
                let q32 = block.mapv(|v| v as f32);
                let mut d = q32.dot(&self.x32.t());
                let mut scratch: Vec<f32> = Vec::with_capacity(self.x.nrows());
                for ((query, q), mut row) in
                    block.rows().into_iter().zip(q32.rows()).zip(d.rows_mut())
                {
                    let q_sq = q.dot(&q);
                    row.zip_mut_with(&self.x_sq32, |v, &xs| *v = q_sq - 2.0 * *v + xs);
                    scratch.clear();
                    scratch.extend(row.iter());
                    let (_, kth, _) = scratch.select_nth_unstable_by(k - 1, f32::total_cmp);
                    let bound = *kth + F32_ERROR * block.ncols() as f32 * (q_sq + self.x_sq32_max);
                    // Beyond f32's range every row stays a candidate (exact, slower).
                    let bound = if bound.is_finite() {
                        bound
                    } else {
                        f32::INFINITY
                    };
                    cand.clear();
                    for (t, &v) in row.iter().enumerate() {
                        if v <= bound || v.is_nan() {
                            let exact: f64 = query
                                .iter()
                                .zip(self.x.row(t))
                                .map(|(a, b)| (a - b).powi(2))
                                .sum();
                            cand.push((exact, t));
                        }
                    }
                    cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    out.extend(cand[..k].iter().map(|&(d2, t)| (t, d2.sqrt())));
                }
            }
            Distance::Manhattan => {
                for query in block.rows() {
                    cand.clear();
                    cand.extend(self.x.rows().into_iter().enumerate().map(|(t, r)| {
                        (
                            query.iter().zip(r).map(|(a, b)| (a - b).abs()).sum::<f64>(),
                            t,
                        )
                    }));
                    cand.select_nth_unstable_by(k - 1, |a, b| {
                        a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
                    });
                    cand[..k].sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    out.extend(cand[..k].iter().map(|&(d, t)| (t, d)));
                }
            }
        }
        out
    }
}

/// Per-feature relative error allowed for single-precision squared distances from
/// `‖q‖² - 2q·x + ‖x‖²` (a few f32 epsilons per accumulated product).
const F32_ERROR: f32 = 4.0 * f32::EPSILON;

impl FittedKnn<usize> {
    /// Neighbour class counts of each query row (`rows x n_classes`).
    fn votes(&self, x: ArrayView2<f64>) -> Result<(Array2<usize>, Array2<f64>)> {
        let (idx, _) = self.kneighbors(x)?;
        let mut counts = Array2::zeros((x.nrows(), self.n_classes));
        for (row, mut c) in idx.rows().into_iter().zip(counts.rows_mut()) {
            row.iter().for_each(|&t| c[self.y[t]] += 1.0);
        }
        Ok((idx, counts))
    }
}

impl PredictProba for FittedKnn<usize> {
    /// The share of the `k` neighbours in each class.
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        Ok(self.votes(x)?.1 / self.params.k as f64)
    }
}

impl Predict<usize> for FittedKnn<usize> {
    /// Majority vote of the `k` nearest (a tie goes to the class of the nearest tied neighbour).
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        let (idx, counts) = self.votes(x)?;
        Ok(idx
            .rows()
            .into_iter()
            .zip(counts.rows())
            .map(|(row, c)| {
                let best = c.iter().copied().fold(0.0, f64::max);
                row.iter()
                    .map(|&t| self.y[t])
                    .find(|&l| c[l] == best)
                    .unwrap_or(0)
            })
            .collect())
    }
}

impl Predict<f64> for FittedKnn<f64> {
    /// Mean target of the `k` nearest.
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let (idx, _) = self.kneighbors(x)?;
        Ok(idx.map_axis(Axis(1), |row| {
            row.iter().map(|&t| self.y[t]).sum::<f64>() / row.len() as f64
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimator::Fit;
    use ndarray::array;

    #[test]
    fn neighbours_votes_and_means_by_hand() {
        let x = array![[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [5.0, 5.0], [6.0, 5.0]];
        let cls = Dataset::classification(x.clone(), array![0, 0, 1, 1, 1]).unwrap();
        let m = Knn::new(3).fit(&cls).unwrap();
        let (idx, dist) = m.kneighbors(array![[0.1, 0.0]].view()).unwrap();
        assert_eq!(idx.row(0).to_vec(), vec![0, 1, 2]);
        assert!((dist[[0, 0]] - 0.1).abs() < 1e-12 && (dist[[0, 1]] - 0.9).abs() < 1e-12);
        assert_eq!(
            m.predict(array![[0.1, 0.0], [5.5, 5.0]].view())
                .unwrap()
                .to_vec(),
            vec![0, 1]
        );
        assert_eq!(
            m.predict_proba(array![[0.1, 0.0]].view())
                .unwrap()
                .row(0)
                .to_vec(),
            vec![2.0 / 3.0, 1.0 / 3.0]
        );
        let reg = Dataset::new(x, array![1.0, 2.0, 3.0, 10.0, 20.0]).unwrap();
        let r = Knn {
            k: 2,
            distance: Distance::Manhattan,
            algorithm: Algorithm::BruteForce,
            ..Knn::new(2)
        }
        .fit(&reg)
        .unwrap();
        assert_eq!(r.predict(array![[5.4, 5.0]].view()).unwrap()[0], 15.0);
    }

    #[test]
    fn k_out_of_range_and_shape_errors() {
        let d = Dataset::classification(array![[0.0], [1.0]], array![0, 1]).unwrap();
        assert!(Knn::new(0).fit(&d).is_err());
        assert!(Knn::new(3).fit(&d).is_err());
        let m = Knn::new(1).fit(&d).unwrap();
        assert!(m.predict(array![[0.0, 1.0]].view()).is_err());
        assert!(m.predict(array![[f64::NAN]].view()).is_err());
    }

    #[test]
    fn kd_tree_finds_the_same_neighbours_as_brute_force() {
        let d =
            crate::data::generate::blobs(3000, &array![[0.0, 0.0, 0.0], [2.0, 2.0, 1.0]], 1.0, 9)
                .unwrap();
        let q = crate::data::generate::blobs(200, &array![[1.0, 1.0, 0.5]], 1.5, 10).unwrap();
        for distance in [Distance::Euclidean, Distance::Manhattan] {
            let fit = |algorithm| {
                Knn {
                    k: 7,
                    distance,
                    algorithm,
                    ..Knn::new(7)
                }
                .fit(&d)
                .unwrap()
            };
            let (tree, brute) = (fit(Algorithm::KdTree), fit(Algorithm::BruteForce));
            assert!(tree.tree.is_some() && brute.tree.is_none());
            let (ti, td) = tree.kneighbors(q.x()).unwrap();
            let (bi, bd) = brute.kneighbors(q.x()).unwrap();
            assert!((&td - &bd).iter().all(|v| v.abs() < 1e-9));
            assert_eq!(ti, bi);
            assert_eq!(tree.predict(q.x()).unwrap(), brute.predict(q.x()).unwrap());
        }
    }

    #[test]
    fn values_beyond_single_precision_are_still_exact() {
        // The f32 candidate search overflows here; every row stays a candidate.
        let d = Dataset::classification(array![[1e30], [2e30], [3e30]], array![0, 1, 0]).unwrap();
        let m = Knn {
            algorithm: Algorithm::BruteForce,
            ..Knn::new(1)
        }
        .fit(&d)
        .unwrap();
        let (idx, dist) = m.kneighbors(array![[2.1e30]].view()).unwrap();
        assert_eq!(idx[[0, 0]], 1);
        assert!((dist[[0, 0]] / 1e29 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn matches_brute_force_on_many_queries() {
        // more queries than one block: every block boundary handled
        let d = crate::data::generate::blobs(300, &array![[0.0, 0.0], [3.0, 3.0]], 1.0, 4).unwrap();
        let m = Knn::new(5).fit(&d).unwrap();
        let (idx, dist) = m.kneighbors(d.x()).unwrap();
        for i in [0, 255, 256, 299] {
            let mut all: Vec<(f64, usize)> = (0..300)
                .map(|j| {
                    (
                        (&d.features().row(i) - &d.features().row(j))
                            .mapv(|v| v * v)
                            .sum()
                            .sqrt(),
                        j,
                    )
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for j in 0..5 {
                assert!((dist[[i, j]] - all[j].0).abs() < 1e-9);
            }
            assert_eq!(idx[[i, 0]], i);
        }
    }
}
