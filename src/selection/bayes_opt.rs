//! Bayesian optimisation: a Gaussian-process surrogate maps hyperparameters to a score, and the
//! next point is the one with the highest *expected improvement* over the best score so far.
//!
//! GP with squared-exponential kernel `k(a, b) = exp(-|a - b|² / (2 ℓ²))` on the unit cube, on
//! standardised scores; `ℓ` is picked from a small grid by log marginal likelihood. With
//! `f*` the best score, `z = (μ - f*) / σ`: `EI = (μ - f*) Φ(z) + σ φ(z)`.

use ndarray::{Array1, Array2, ArrayView1};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::search::{SearchResult, SearchSpace, evaluate};
use crate::linalg::{cholesky, solve_lower, solve_upper_t};
use crate::{Error, Result};

/// A fitted Gaussian process regressor on points in `[0, 1]^d`.
#[derive(Debug, Clone)]
pub struct GaussianProcess {
    x: Array2<f64>,
    alpha: Array1<f64>,
    chol: Array2<f64>,
    length_scale: f64,
    y_mean: f64,
    y_std: f64,
}

const NOISE: f64 = 1e-6;

fn kernel(a: ArrayView1<f64>, b: ArrayView1<f64>, ell: f64) -> f64 {
    let d2: f64 = a.iter().zip(b.iter()).map(|(p, q)| (p - q).powi(2)).sum();
    (-d2 / (2.0 * ell * ell)).exp()
}

impl GaussianProcess {
    /// Fit to points `x` (rows in `[0, 1]^d`) and scores `y`.
    pub fn fit(x: Array2<f64>, y: &[f64]) -> Result<Self> {
        if x.nrows() == 0 || x.nrows() != y.len() {
            return Err(Error::shape("GP targets vs points", x.nrows(), y.len()));
        }
        let n = y.len() as f64;
        let y_mean = y.iter().sum::<f64>() / n;
        let var = y.iter().map(|v| (v - y_mean).powi(2)).sum::<f64>() / n;
        let y_std = if var > 1e-24 { var.sqrt() } else { 1.0 };
        let yn: Array1<f64> = y.iter().map(|v| (v - y_mean) / y_std).collect();
        let mut best: Option<(f64, Self)> = None;
        for ell in [0.05, 0.1, 0.2, 0.3, 0.5, 1.0] {
            let k = Array2::from_shape_fn((x.nrows(), x.nrows()), |(i, j)| {
                kernel(x.row(i), x.row(j), ell) + if i == j { NOISE } else { 0.0 }
            });
            let Ok(chol) = cholesky(k.view(), "GP kernel matrix") else {
                continue;
            };
            let alpha = solve_upper_t(chol.view(), solve_lower(chol.view(), yn.view()).view());
            // log p(y) = -yᵀα/2 - Σ log L_ii - n/2 log 2π
            let lml = -0.5 * yn.dot(&alpha) - chol.diag().mapv(f64::ln).sum();
            if best.as_ref().is_none_or(|(b, _)| lml > *b) {
                let gp = GaussianProcess {
                    x: x.clone(),
                    alpha,
                    chol,
                    length_scale: ell,
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

    /// The chosen length scale `ℓ`.
    pub fn length_scale(&self) -> f64 {
        self.length_scale
    }

    /// Posterior mean and standard deviation at `p`.
    pub fn predict(&self, p: ArrayView1<f64>) -> (f64, f64) {
        let ks: Array1<f64> = self
            .x
            .rows()
            .into_iter()
            .map(|r| kernel(r, p, self.length_scale))
            .collect();
        let mean = ks.dot(&self.alpha);
        let v = solve_lower(self.chol.view(), ks.view());
        let var = (1.0 + NOISE - v.dot(&v)).max(0.0);
        (self.y_mean + self.y_std * mean, self.y_std * var.sqrt())
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
            let units = Array2::from_shape_fn((trials.len(), d), |(i, j)| {
                space.dims[j].to_unit(trials[i].point[j])
            });
            let scores: Vec<f64> = trials.iter().map(|t| t.score).collect();
            let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let gp = GaussianProcess::fit(units, &scores)?;
            let mut pick = space.sample(&mut rng);
            let mut pick_ei = f64::NEG_INFINITY;
            for _ in 0..self.n_candidates {
                let cand = space.sample(&mut rng);
                let u: Array1<f64> = cand
                    .iter()
                    .zip(&space.dims)
                    .map(|(&v, dim)| dim.to_unit(v))
                    .collect();
                let (m, s) = gp.predict(u.view());
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
        let gp = GaussianProcess::fit(x, &[1.0, 3.0, 2.0]).unwrap();
        let (m, s) = gp.predict(array![0.5].view());
        assert!((m - 3.0).abs() < 1e-3 && s < 1e-2, "{m} {s}");
        let (_, s_between) = gp.predict(array![0.25].view());
        assert!(s_between > s);
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
