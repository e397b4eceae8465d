//! Bayesian optimisation: a Gaussian-process surrogate maps hyperparameters to a score, and the
//! next point is the one with the highest *expected improvement* over the best score so far.
//!
//! GP with squared-exponential kernel `k(a, b) = exp(-|a - b|² / (2 ℓ²))` on the unit cube, on
//! standardised scores; `ℓ` is picked from a small grid by log marginal likelihood. With
//! `f*` the best score, `z = (μ - f*) / σ`: `EI = (μ - f*) Φ(z) + σ φ(z)`.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::search::{SearchResult, SearchSpace, evaluate};
use crate::data::Dataset;
use crate::estimator::{Checked, Fit, FitChecked, Params, Predict};
use crate::linalg::{cholesky, solve_lower, solve_upper_t};
use crate::{Error, Result, validate};

/// Gaussian-process regression hyperparameters: the length scales `ℓ` tried (the one of largest
/// log marginal likelihood is kept) and the noise added to the kernel's diagonal.
///
/// ```
/// use mlnotes::data::Dataset;
/// use mlnotes::estimator::{Fit, Predict};
/// use mlnotes::selection::GaussianProcess;
/// use ndarray::array;
///
/// let points = Dataset::new(array![[0.0], [0.5], [1.0]], array![1.0, 3.0, 2.0])?;
/// let gp = GaussianProcess::default().fit(&points)?;
/// let (mean, std) = gp.predict_mean_std(array![0.5].view())?;
/// assert!((mean - 3.0).abs() < 1e-3 && std < 1e-2); // interpolates the data
/// assert_eq!(gp.predict(points.x())?.len(), 3);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GaussianProcess {
    /// Candidate length scales `ℓ` (in the units of the inputs, e.g. the unit cube).
    pub length_scales: Vec<f64>,
    /// Added to the kernel's diagonal (a nugget for numerical stability).
    pub noise: f64,
}

impl Default for GaussianProcess {
    /// `ℓ` in `{0.05, 0.1, 0.2, 0.3, 0.5, 1}` (for points in the unit cube), noise `1e-6`.
    fn default() -> Self {
        GaussianProcess {
            length_scales: vec![0.05, 0.1, 0.2, 0.3, 0.5, 1.0],
            noise: 1e-6,
        }
    }
}

impl Params for GaussianProcess {
    fn check(&self) -> Result<()> {
        if self.length_scales.is_empty() {
            return Err(Error::config(
                "length_scales",
                "needs at least one length scale",
            ));
        }
        for &ell in &self.length_scales {
            validate::positive(ell, "length_scales")?;
        }
        validate::positive(self.noise, "noise")
    }
}

/// The most points a Gaussian process is conditioned on (its kernel matrix holds `n²` numbers).
pub const MAX_GP_POINTS: usize = 5_000;

/// A fitted Gaussian process regressor.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedGaussianProcess {
    x: Array2<f64>,
    alpha: Array1<f64>,
    chol: Array2<f64>,
    length_scale: f64,
    noise: f64,
    y_mean: f64,
    y_std: f64,
}

fn kernel(a: ArrayView1<f64>, b: ArrayView1<f64>, ell: f64) -> f64 {
    let d2: f64 = a.iter().zip(b.iter()).map(|(p, q)| (p - q).powi(2)).sum();
    (-d2 / (2.0 * ell * ell)).exp()
}

impl FitChecked<f64> for GaussianProcess {
    type Model = FittedGaussianProcess;

    /// Condition on the points and scores, on standardised scores.
    fn fit_checked(&self, data: Checked<'_, f64, Self>) -> Result<FittedGaussianProcess> {
        let x = data.features();
        let y = data.targets();
        if x.nrows() > MAX_GP_POINTS {
            return Err(Error::invalid(format!(
                "a Gaussian process on {} points needs an n x n kernel matrix; at most \
                 {MAX_GP_POINTS} points are taken",
                x.nrows()
            )));
        }
        let n = y.len() as f64;
        let y_mean = y.sum() / n;
        let var = y.iter().map(|v| (v - y_mean).powi(2)).sum::<f64>() / n;
        let y_std = if var > 1e-24 { var.sqrt() } else { 1.0 };
        let yn: Array1<f64> = y.mapv(|v| (v - y_mean) / y_std);
        let mut best: Option<(f64, FittedGaussianProcess)> = None;
        for &ell in &self.length_scales {
            let k = Array2::from_shape_fn((x.nrows(), x.nrows()), |(i, j)| {
                kernel(x.row(i), x.row(j), ell) + if i == j { self.noise } else { 0.0 }
            });
            let Ok(chol) = cholesky(k.view(), "GP kernel matrix") else {
                continue;
            };
            let alpha = solve_upper_t(chol.view(), solve_lower(chol.view(), yn.view()).view());
            // log p(y) = -yᵀα/2 - Σ log L_ii - n/2 log 2π
            let lml = -0.5 * yn.dot(&alpha) - chol.diag().mapv(f64::ln).sum();
            if best.as_ref().is_none_or(|(b, _)| lml > *b) {
                let gp = FittedGaussianProcess {
                    x: x.clone(),
                    alpha,
                    chol,
                    length_scale: ell,
                    noise: self.noise,
                    y_mean,
                    y_std,
                };
                best = Some((lml, gp));
            }
        }
        best.map(|(_, gp)| gp).ok_or_else(|| Error::Singular {
            what: "GP kernel matrix (duplicate points?)".into(),
        })
    }
}

impl FittedGaussianProcess {
    /// The chosen length scale `ℓ`.
    pub fn length_scale(&self) -> f64 {
        self.length_scale
    }

    /// Posterior mean and standard deviation at `p`.
    pub fn predict_mean_std(&self, p: ArrayView1<f64>) -> Result<(f64, f64)> {
        validate::same_len(self.x.ncols(), p.len(), "GP prediction point")?;
        validate::finite_1d(p, "GP prediction point")?;
        let ks: Array1<f64> = self
            .x
            .rows()
            .into_iter()
            .map(|r| kernel(r, p, self.length_scale))
            .collect();
        let mean = ks.dot(&self.alpha);
        let v = solve_lower(self.chol.view(), ks.view());
        let var = (1.0 + self.noise - v.dot(&v)).max(0.0);
        Ok((self.y_mean + self.y_std * mean, self.y_std * var.sqrt()))
    }
}

impl Predict<f64> for FittedGaussianProcess {
    /// The posterior mean at each row.
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        validate::input(self.x.ncols(), x, "GP prediction")?;
        x.rows()
            .into_iter()
            .map(|r| self.predict_mean_std(r).map(|(m, _)| m))
            .collect()
    }
}

/// Standard normal CDF via `erfc` (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    0.5 * if x >= 0.0 { erfc } else { 2.0 - erfc }
}

/// Expected improvement of a point with posterior `(mean, std)` over the best score `best`.
pub fn expected_improvement(mean: f64, std: f64, best: f64) -> f64 {
    if std <= 0.0 {
        return (mean - best).max(0.0);
    }
    let z = (mean - best) / std;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (mean - best) * normal_cdf(z) + std * pdf
}

/// Bayesian optimisation settings.
#[derive(Debug, Clone, Copy)]
pub struct BayesianSearch {
    /// Random points before the surrogate takes over (at least 1).
    pub n_initial: usize,
    /// Total evaluations, initial ones included.
    pub n_trials: usize,
    /// Random candidates scored by expected improvement at each step.
    pub n_candidates: usize,
    /// Seed for the initial points and the candidates.
    pub seed: u64,
}

impl BayesianSearch {
    /// `n_trials` evaluations, the first `n_initial` random.
    pub fn new(n_initial: usize, n_trials: usize, seed: u64) -> Self {
        BayesianSearch {
            n_initial,
            n_trials,
            n_candidates: 2000,
            seed,
        }
    }

    /// Maximise `objective` over `space`.
    pub fn run(
        &self,
        space: &SearchSpace,
        mut objective: impl FnMut(&[f64]) -> Result<f64>,
    ) -> Result<SearchResult> {
        if self.n_initial == 0 || self.n_trials < self.n_initial || self.n_candidates == 0 {
            return Err(Error::config(
                "n_trials",
                format!(
                    "needs 1 <= n_initial <= n_trials and candidates > 0, got {} initial, {} trials, {} candidates",
                    self.n_initial, self.n_trials, self.n_candidates
                ),
            ));
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut trials = Vec::with_capacity(self.n_trials);
        for _ in 0..self.n_initial {
            trials.push(evaluate(&mut objective, space.sample(&mut rng))?);
        }
        let d = space.dims.len();
        while trials.len() < self.n_trials {
            let mut units = Array2::zeros((trials.len(), d));
            for (i, t) in trials.iter().enumerate() {
                for (j, dim) in space.dims.iter().enumerate() {
                    units[[i, j]] = dim.to_unit(t.point[j])?;
                }
            }
            let scores: Vec<f64> = trials.iter().map(|t| t.score).collect();
            let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let gp = GaussianProcess::default().fit(&Dataset::new(units, Array1::from(scores))?)?;
            let mut pick = space.sample(&mut rng);
            let mut pick_ei = f64::NEG_INFINITY;
            for _ in 0..self.n_candidates {
                let cand = space.sample(&mut rng);
                let u: Array1<f64> = cand
                    .iter()
                    .zip(&space.dims)
                    .map(|(&v, dim)| dim.to_unit(v))
                    .collect::<Result<_>>()?;
                let (m, s) = gp.predict_mean_std(u.view())?;
                let ei = expected_improvement(m, s, best);
                if ei > pick_ei && !trials.iter().any(|t| t.point == cand) {
                    pick_ei = ei;
                    pick = cand;
                }
            }
            trials.push(evaluate(&mut objective, pick)?);
        }
        Ok(SearchResult { trials })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selection::{Dimension, random_search};
    use ndarray::array;

    #[test]
    fn gp_interpolates_and_is_uncertain_far_away() {
        let x = array![[0.0], [0.5], [1.0]];
        let d = Dataset::new(x, array![1.0, 3.0, 2.0]).unwrap();
        let gp = GaussianProcess::default().fit(&d).unwrap();
        let (m, s) = gp.predict_mean_std(array![0.5].view()).unwrap();
        assert!((m - 3.0).abs() < 1e-3 && s < 1e-2, "{m} {s}");
        let (_, s_between) = gp.predict_mean_std(array![0.25].view()).unwrap();
        assert!(s_between > s);
        assert!(gp.predict_mean_std(array![0.25, 1.0].view()).is_err());
        let no_scales = GaussianProcess {
            length_scales: vec![],
            ..GaussianProcess::default()
        };
        assert!(matches!(
            no_scales.fit(&d),
            Err(Error::Config {
                param: "length_scales",
                ..
            })
        ));
    }

    #[test]
    fn normal_cdf_and_ei_by_hand() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975_002_1).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
        // EI at mean = best: sigma * phi(0) = sigma / sqrt(2 pi)
        assert!(
            (expected_improvement(1.0, 2.0, 1.0) - 2.0 / (2.0 * std::f64::consts::PI).sqrt()).abs()
                < 1e-9
        );
        assert_eq!(expected_improvement(3.0, 0.0, 1.0), 2.0);
    }

    #[test]
    fn finds_a_narrow_optimum_better_than_random_at_equal_budget() {
        let space = SearchSpace::new(vec![
            Dimension::continuous("x", 0.0, 1.0),
            Dimension::continuous("y", 0.0, 1.0),
        ])
        .unwrap();
        let f = |p: &[f64]| Ok(-((p[0] - 0.73).powi(2) + (p[1] - 0.21).powi(2)));
        let bayes = BayesianSearch::new(5, 25, 3).run(&space, f).unwrap();
        let random = random_search(&space, 25, 3, f).unwrap();
        let (b, r) = (bayes.best().unwrap().score, random.best().unwrap().score);
        assert!(b > -1e-3, "bayes best {b}");
        assert!(b > r, "bayes {b} vs random {r}");
        assert!(BayesianSearch::new(0, 5, 0).run(&space, f).is_err());
    }
}
