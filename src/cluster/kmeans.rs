//! K-means: partition the data into `K` clusters by alternating
//! *assign* `c⁽ⁱ⁾ := argmin_j ‖x⁽ⁱ⁾ - μ_j‖²` and *update* `μ_j := mean of the points in C_j`
//! until the centroids stop moving. The cost is `J(c, μ) = 1/m Σ ‖x⁽ⁱ⁾ - μ_{c⁽ⁱ⁾}‖²`; since it
//! has local optima, several random restarts are run and the lowest `J` is kept.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::data::Target;
use crate::engine::{self, Engine};
use crate::estimator::{Checked, Convergence, Fit, FitChecked, Params, Predict, Randomized};
use crate::{Error, Result, validate};

/// How the first centroids are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KMeansInit {
    /// `K` distinct examples chosen uniformly at random (the notes' initialisation).
    Random,
    /// k-means++: each next centroid is an example drawn with probability proportional to its
    /// squared distance from the nearest centroid chosen so far.
    PlusPlus,
}

/// K-means hyperparameters.
///
/// ```
/// use mlnotes::cluster::KMeans;
/// use mlnotes::estimator::{FitFeatures, Predict};
/// let iris = mlnotes::data::iris();
/// let model = KMeans::new(3).with_seed(1).fit_features(iris.x())?;
/// assert_eq!(model.centroids.nrows(), 3);
/// assert_eq!(model.predict(iris.x())?, model.labels);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KMeans {
    /// Number of clusters `K`.
    pub k: usize,
    /// Initialisation.
    pub init: KMeansInit,
    /// Random restarts; the run with the lowest cost is kept.
    pub n_restarts: usize,
    /// Maximum assign/update rounds per restart.
    pub max_iter: usize,
    /// Converged when the squared centroid movement of a round, summed over centroids, is at
    /// most `tol` times the mean feature variance (scikit-learn's rule; 1e-4 by default).
    pub tol: f64,
    /// Seed of the initialisations.
    pub seed: u64,
    /// Who runs the iterations from the project's initialisations: native (Lloyd) or linfa
    /// (linfa-clustering's m_k-means, see [`crate::engine`]).
    #[serde(default)]
    pub engine: Engine,
}

impl KMeans {
    /// `k` clusters, k-means++ initialisation, 10 restarts.
    pub fn new(k: usize) -> Self {
        KMeans {
            k,
            init: KMeansInit::PlusPlus,
            n_restarts: 10,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
            engine: Engine::Native,
        }
    }

    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Set the initialisation (builder style).
    pub fn with_init(mut self, init: KMeansInit, n_restarts: usize) -> Self {
        self.init = init;
        self.n_restarts = n_restarts;
        self
    }

    /// Set the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Randomized for KMeans {
    fn reseeded(&self, seed: u64) -> Self {
        self.with_seed(seed)
    }
}

impl Params for KMeans {
    fn check(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::config("k", "needs at least one cluster"));
        }
        if self.n_restarts == 0 {
            return Err(Error::config("n_restarts", "needs at least one restart"));
        }
        if self.max_iter == 0 {
            return Err(Error::config("max_iter", "needs at least one iteration"));
        }
        self.engine
            .require(&[Engine::Native, Engine::Linfa], "k-means")?;
        validate::non_negative(self.tol, "tol")?;
        Ok(())
    }
}

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedKMeans {
    /// The centroids `μ_j`, one row each.
    pub centroids: Array2<f64>,
    /// The cluster of each training example.
    pub labels: Array1<usize>,
    /// `J(c, μ)` of the kept run.
    pub cost: f64,
    /// Assign/update rounds of the kept run.
    pub iterations: usize,
    /// Whether the kept run's centroids stopped moving (within `tol`) before `max_iter`.
    pub converged: bool,
    /// The final cost of every restart (the kept one is the smallest).
    pub restart_costs: Vec<f64>,
}

/// Squared distance of every row of `x` to every row of `c`: `‖x‖² - 2 x·μ + ‖μ‖²`.
///
/// The expansion loses its precision far from the origin (clusters at 1e8 ± 1), so callers
/// pass centred data: `fit` centres the rows once, [`assign_centred`] shifts new rows.
fn sq_distances(x: ArrayView2<f64>, c: ArrayView2<f64>) -> Array2<f64> {
    let xn = x.map_axis(Axis(1), |r| r.dot(&r));
    let cn = c.map_axis(Axis(1), |r| r.dot(&r));
    let mut d = x.dot(&c.t());
    for ((i, j), v) in d.indexed_iter_mut() {
        *v = (xn[i] - 2.0 * *v + cn[j]).max(0.0);
    }
    d
}

/// The cluster step over all rows: each row's nearest centroid `c⁽ⁱ⁾` and squared distance,
/// and each cluster's sum of rows and size. Row chunks run in parallel.
struct Assignment {
    labels: Array1<usize>,
    dist: Array1<f64>,
    sums: Array2<f64>,
    counts: Vec<usize>,
}

/// Rows per parallel chunk.
const CHUNK: usize = 4096;

/// [`assign`] for rows and centroids in any position: both are shifted by the centroids' mean
/// first (distances do not change; the expansion keeps its precision).
fn assign_centred(x: ArrayView2<f64>, c: ArrayView2<f64>) -> Assignment {
    let shift = c
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(c.ncols()));
    assign((&x - &shift).view(), (&c - &shift).view())
}

fn assign(x: ArrayView2<f64>, c: ArrayView2<f64>) -> Assignment {
    let (k, n) = c.dim();
    let chunks: Vec<ArrayView2<f64>> = x.axis_chunks_iter(Axis(0), CHUNK).collect();
    let parts: Vec<Assignment> = chunks
        .into_par_iter()
        .map(|chunk| {
            let d = sq_distances(chunk, c);
            let mut part = Assignment {
                labels: Array1::zeros(chunk.nrows()),
                dist: Array1::zeros(chunk.nrows()),
                sums: Array2::zeros((k, n)),
                counts: vec![0; k],
            };
            for (i, (row, drow)) in chunk.rows().into_iter().zip(d.rows()).enumerate() {
                let (j, v) = drow
                    .iter()
                    .enumerate()
                    .fold(
                        (0, f64::INFINITY),
                        |b, (j, &v)| if v < b.1 { (j, v) } else { b },
                    );
                part.labels[i] = j;
                part.dist[i] = v;
                part.sums.row_mut(j).scaled_add(1.0, &row);
                part.counts[j] += 1;
            }
            part
        })
        .collect();
    let mut all = Assignment {
        labels: Array1::zeros(x.nrows()),
        dist: Array1::zeros(x.nrows()),
        sums: Array2::zeros((k, n)),
        counts: vec![0; k],
    };
    let mut start = 0;
    for p in parts {
        let end = start + p.labels.len();
        all.labels
            .slice_mut(ndarray::s![start..end])
            .assign(&p.labels);
        all.dist.slice_mut(ndarray::s![start..end]).assign(&p.dist);
        all.sums += &p.sums;
        for (a, b) in all.counts.iter_mut().zip(&p.counts) {
            *a += b;
        }
        start = end;
    }
    all
}

impl KMeans {
    fn initial(&self, x: ArrayView2<f64>, rng: &mut StdRng) -> Array2<f64> {
        let m = x.nrows();
        match self.init {
            KMeansInit::Random => {
                let picks = rand::seq::index::sample(rng, m, self.k).into_vec();
                x.select(Axis(0), &picks)
            }
            KMeansInit::PlusPlus => {
                let mut centroids = Array2::zeros((self.k, x.ncols()));
                centroids.row_mut(0).assign(&x.row(rng.random_range(0..m)));
                let mut nearest = sq_distances(x, centroids.slice(ndarray::s![0..1, ..]))
                    .column(0)
                    .to_owned();
                for j in 1..self.k {
                    let total: f64 = nearest.sum();
                    let pick = if total > 0.0 {
                        let mut u = rng.random::<f64>() * total;
                        nearest
                            .iter()
                            .position(|&d| {
                                u -= d;
                                u <= 0.0
                            })
                            .unwrap_or(m - 1)
                    } else {
                        rng.random_range(0..m)
                    };
                    centroids.row_mut(j).assign(&x.row(pick));
                    let d = sq_distances(x, centroids.slice(ndarray::s![j..j + 1, ..]));
                    nearest.zip_mut_with(&d.column(0), |a, &b| *a = a.min(b));
                }
                centroids
            }
        }
    }

    /// One run of linfa's m_k-means from an initialisation, summarised like a Lloyd run
    /// (linfa does not report its rounds: `iterations` is 0).
    fn linfa(&self, x: ArrayView2<f64>, init: Array2<f64>) -> Result<FittedKMeans> {
        let (centroids, converged) = engine::kmeans::linfa_run(x, init, self.max_iter, self.tol)?;
        let a = assign(x, centroids.view());
        Ok(FittedKMeans {
            centroids,
            labels: a.labels,
            cost: a.dist.sum() / x.nrows() as f64,
            iterations: 0,
            converged,
            restart_costs: Vec::new(),
        })
    }

    /// One run of Lloyd's algorithm from an initialisation (`restart_costs` left empty).
    fn lloyd(&self, x: ArrayView2<f64>, mut centroids: Array2<f64>) -> FittedKMeans {
        let m = x.nrows();
        let mean_var = x.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
        let mut iterations = 0;
        loop {
            iterations += 1;
            let Assignment {
                dist, sums, counts, ..
            } = assign(x, centroids.view());
            // An empty cluster takes the example farthest from its centroid (sorted only then).
            let mut far: Vec<usize> = Vec::new();
            if counts.contains(&0) {
                far = (0..m).collect();
                far.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]));
            }
            let mut far = far.into_iter();
            let mut shift = 0.0f64;
            for (j, &count) in counts.iter().enumerate() {
                let new = if count > 0 {
                    sums.row(j).mapv(|v| v / count as f64)
                } else {
                    far.next()
                        .map_or_else(|| centroids.row(j).to_owned(), |i| x.row(i).to_owned())
                };
                let d: f64 = new
                    .iter()
                    .zip(centroids.row(j))
                    .map(|(a, b)| (a - b).powi(2))
                    .sum();
                shift += d;
                centroids.row_mut(j).assign(&new);
            }
            let converged = shift <= self.tol * mean_var;
            if converged || iterations >= self.max_iter {
                let a = assign(x, centroids.view());
                return FittedKMeans {
                    centroids,
                    labels: a.labels,
                    cost: a.dist.sum() / m as f64,
                    iterations,
                    converged,
                    restart_costs: Vec::new(),
                };
            }
        }
    }
}

impl<T: Target> FitChecked<T> for KMeans {
    type Model = FittedKMeans;

    /// Cluster the feature rows (targets are ignored); `K > m` is an error.
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<FittedKMeans> {
        let x = data.x();
        if self.k > x.nrows() {
            return Err(Error::invalid(format!(
                "k = {} clusters need at least k examples, got {}",
                self.k,
                x.nrows()
            )));
        }
        // Centred once: every distance of every restart is then computed near the origin.
        let mean = x
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let centred = &x - &mean;
        let x = centred.view();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut best: Option<FittedKMeans> = None;
        let mut restart_costs = Vec::with_capacity(self.n_restarts);
        for _ in 0..self.n_restarts {
            let init = self.initial(x, &mut rng);
            let mut run = match self.engine {
                Engine::Linfa => self.linfa(x, init)?,
                _ => self.lloyd(x, init),
            };
            run.centroids += &mean;
            restart_costs.push(run.cost);
            if best.as_ref().is_none_or(|b| run.cost < b.cost) {
                best = Some(run);
            }
        }
        let mut best = best.ok_or_else(|| Error::invalid("no k-means run"))?;
        best.restart_costs = restart_costs;
        Ok(best)
    }
}

impl Convergence for FittedKMeans {
    fn converged(&self) -> bool {
        self.converged
    }
}

impl FittedKMeans {
    /// `J(c, μ)` of new data under these centroids.
    pub fn cost_of(&self, x: ArrayView2<f64>) -> Result<f64> {
        validate::n_features(self.centroids.ncols(), x, "k-means cost")?;
        validate::features(x, "k-means features")?;
        Ok(assign_centred(x, self.centroids.view()).dist.sum() / x.nrows() as f64)
    }
}

impl Predict<usize> for FittedKMeans {
    /// The nearest centroid of each row.
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        validate::n_features(self.centroids.ncols(), x, "k-means predict")?;
        validate::finite(x, "features to cluster")?;
        Ok(assign_centred(x, self.centroids.view()).labels)
    }
}

/// The elbow curve: the best cost `J` for each `K` in `ks` (other settings from `params`).
pub fn elbow(params: &KMeans, x: ArrayView2<f64>, ks: &[usize]) -> Result<Vec<(usize, f64)>> {
    let data = crate::data::Dataset::unlabeled(x.to_owned())?;
    ks.iter()
        .map(|&k| Ok((k, KMeans { k, ..*params }.fit(&data)?.cost)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data;
    use crate::estimator::FitFeatures;
    use ndarray::array;

    #[test]
    fn iris_cost_matches_scikit_learn() {
        // sklearn KMeans(k, n_init=50).fit(iris).inertia_ / 150 for k = 2, 3, 4 (same iris array)
        let x = data::iris().into_parts().0;
        for (k, inertia) in [
            (2, 152.368_706_477_339_06),
            (3, 78.940_841_426_146),
            (4, 57.317_873_214_285_704),
        ] {
            let m = KMeans::new(k).fit_features(x.view()).unwrap();
            assert!(
                (m.cost - inertia / 150.0).abs() < 1e-6,
                "k = {k}: {} vs {}",
                m.cost,
                inertia / 150.0
            );
            assert!(m.restart_costs.iter().all(|&c| c >= m.cost));
            assert!((m.cost_of(x.view()).unwrap() - m.cost).abs() < 1e-12);
        }
    }

    #[test]
    fn two_obvious_clusters_by_hand() {
        let x = array![[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]];
        let m = KMeans::new(2)
            .with_init(KMeansInit::Random, 5)
            .fit_features(x.view())
            .unwrap();
        assert_eq!(m.labels[0], m.labels[1]);
        assert_ne!(m.labels[0], m.labels[2]);
        assert!((m.cost - 0.25).abs() < 1e-12); // every point 0.5 from its centroid
        assert_eq!(
            m.predict(array![[9.0, 0.2]].view()).unwrap()[0],
            m.labels[2]
        );
    }

    #[test]
    fn one_lloyd_round_from_random_centroids_has_not_converged() {
        let x = data::iris().into_parts().0;
        let full = KMeans::new(3).fit_features(x.view()).unwrap();
        assert!(full.converged() && full.iterations < full_budget());
        let short = KMeans {
            max_iter: 1,
            ..KMeans::new(3).with_init(KMeansInit::Random, 1)
        }
        .fit_features(x.view())
        .unwrap();
        assert!(!short.converged() && short.iterations == 1);
        assert!(short.cost > full.cost);
    }

    fn full_budget() -> usize {
        KMeans::new(3).max_iter
    }

    #[test]
    fn errors_and_empty_clusters() {
        let x = array![[0.0], [0.0], [0.0], [1.0]];
        assert!(KMeans::new(5).fit_features(x.view()).is_err());
        assert!(KMeans::new(0).fit_features(x.view()).is_err());
        // three clusters on two distinct values: no panic, no NaN centroid
        let m = KMeans::new(3)
            .with_init(KMeansInit::Random, 3)
            .fit_features(x.view())
            .unwrap();
        assert!(m.centroids.iter().all(|v| v.is_finite()));
        assert!(
            KMeans::new(1)
                .fit_features(array![[f64::NAN]].view())
                .is_err()
        );
    }
}
