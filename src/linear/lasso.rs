//! Lasso (L1 regularization): `J(θ) = 1/(2m) Σ (θᵀx⁽ⁱ⁾ - y⁽ⁱ⁾)² + α Σ_{j≥1} |θ_j|` (scikit-learn's
//! scaling of the penalty), by cyclic coordinate descent. Each coordinate update is a
//! soft-threshold `θ_j = S(ρ_j, α) / z_j`, `S(ρ, α) = sign(ρ) max(|ρ| - α, 0)`, which sets the
//! weights of irrelevant features to exactly 0: the notes' sparsity (feature selection).

use ndarray::{Array1, ArrayView2, Axis};

use crate::engine::{self, Engine};
use crate::estimator::{Checked, Convergence, FitChecked, Params, Predict};
use crate::{Error, Result, validate};

/// Lasso hyperparameters.
///
/// ```
/// use mlnotes::estimator::Fit;
/// use mlnotes::linear::Lasso;
/// let diabetes = mlnotes::data::diabetes();
/// let model = Lasso::new(1.0).fit(&diabetes)?;
/// assert!(model.coef.iter().any(|&w| w == 0.0)); // L1 sets some weights to exactly 0
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lasso {
    /// The L1 strength α.
    pub alpha: f64,
    /// Maximum coordinate sweeps.
    pub max_sweeps: usize,
    /// Stop when no weight moves by more than `tol · max|θ_j|` in a sweep (native); linfa
    /// stops when the duality gap is below `tol · ‖y - ȳ‖²`, smartcore's interior point when its
    /// relative duality gap is below `tol`.
    pub tol: f64,
    /// Who fits it: native (cyclic coordinate descent), linfa (linfa-elasticnet, l1_ratio 1) or
    /// smartcore (interior point); see [`engine`](crate::engine) for the penalty mapping.
    #[serde(default)]
    pub engine: Engine,
}

impl Default for Lasso {
    fn default() -> Self {
        Lasso {
            alpha: 1.0,
            max_sweeps: 10_000,
            tol: 1e-10,
            engine: Engine::Native,
        }
    }
}

impl Lasso {
    /// Lasso with strength `alpha`.
    pub fn new(alpha: f64) -> Self {
        Lasso {
            alpha,
            ..Self::default()
        }
    }
}

impl Lasso {
    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }
}

impl Params for Lasso {
    fn check(&self) -> Result<()> {
        validate::non_negative(self.alpha, "alpha")?;
        if self.max_sweeps == 0 {
            return Err(Error::config("max_sweeps", "must be at least 1"));
        }
        validate::positive(self.tol, "tol")
    }
}

/// A fitted lasso model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedLasso {
    /// θ₀.
    pub intercept: f64,
    /// θ₁..θₙ, many exactly 0.
    pub coef: Array1<f64>,
    /// Sweeps run.
    pub sweeps: usize,
    /// Whether the tolerance was met within `max_sweeps`.
    pub converged: bool,
}

impl Convergence for FittedLasso {
    fn converged(&self) -> bool {
        self.converged
    }
}

fn soft_threshold(rho: f64, alpha: f64) -> f64 {
    rho.signum() * (rho.abs() - alpha).max(0.0)
}

impl FitChecked<f64> for Lasso {
    type Model = FittedLasso;

    fn fit_checked(&self, data: Checked<'_, f64, Self>) -> Result<FittedLasso> {
        let data = data.data();
        let solve = match self.engine {
            Engine::Native => None,
            Engine::Linfa => Some(engine::linear::linfa_lasso as engine::linear::LassoSolver),
            Engine::Smartcore => {
                Some(engine::linear::smartcore_lasso as engine::linear::LassoSolver)
            }
        };
        let wrapped = solve
            .map(|solve| solve(data.x(), data.y(), self.alpha, self.tol, self.max_sweeps))
            .transpose()?;
        if let Some(s) = wrapped {
            let (sweeps, converged) = s.iterations.unwrap_or((0, false));
            return Ok(FittedLasso {
                intercept: s.intercept,
                coef: s.coef,
                sweeps,
                converged,
            });
        }
        let (m, n) = (data.n_samples() as f64, data.n_features());
        let x_mean = data
            .features()
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(n));
        let y_mean = data.targets().mean().unwrap_or(0.0);
        // Centred features stored column by column: each coordinate reads contiguous memory.
        let xt = (data.features() - &x_mean)
            .reversed_axes()
            .as_standard_layout()
            .into_owned();
        let z: Array1<f64> = xt.rows().into_iter().map(|c| c.dot(&c) / m).collect();
        let mut w = Array1::<f64>::zeros(n);
        let mut r = data.targets() - y_mean; // residual y - Xw, centred
        let (mut sweeps, mut converged) = (0, false);
        while sweeps < self.max_sweeps {
            sweeps += 1;
            let (mut max_step, mut max_w) = (0.0f64, 0.0f64);
            for j in 0..n {
                if z[j] == 0.0 {
                    continue; // constant feature: weight stays 0
                }
                let col = xt.row(j);
                let rho = col.dot(&r) / m + z[j] * w[j];
                let new = soft_threshold(rho, self.alpha) / z[j];
                let step = new - w[j];
                if step != 0.0 {
                    r.scaled_add(-step, &col);
                    w[j] = new;
                }
                max_step = max_step.max(step.abs());
                max_w = max_w.max(new.abs());
            }
            if max_step <= self.tol * max_w.max(1e-12) {
                converged = true;
                break;
            }
        }
        Ok(FittedLasso {
            intercept: y_mean - x_mean.dot(&w),
            coef: w,
            sweeps,
            converged,
        })
    }
}

impl Predict<f64> for FittedLasso {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        validate::n_features(self.coef.len(), x, "lasso predict")?;
        validate::finite(x, "features to predict")?;
        Ok(x.dot(&self.coef) + self.intercept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data;
    use crate::estimator::Fit;

    #[test]
    fn matches_scikit_learn_on_diabetes() {
        // sklearn.linear_model.Lasso(alpha=a, tol=1e-14) on the same 442 x 10 array
        let d = data::diabetes();
        let cases: [(f64, [f64; 10], f64); 2] = [
            (
                0.1,
                [
                    0.0,
                    -155.346_004_875_427_6,
                    517.211_483_221_304,
                    275.092_344_023_236_7,
                    -52.552_949_408_247_9,
                    0.0,
                    -210.141_260_343_771_3,
                    0.0,
                    483.918_938_478_929_5,
                    33.661_040_584_524_6,
                ],
                152.133_484_112_892_57,
            ),
            (
                1.0,
                [
                    0.0,
                    0.0,
                    367.699_618_595_286_8,
                    6.312_749_850_332_6,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    307.602_429_122_201_2,
                    0.0,
                ],
                152.133_484_050_142_73,
            ),
        ];
        for (alpha, want, intercept) in cases {
            let m = Lasso::new(alpha).fit(&d).unwrap();
            for (g, w) in m.coef.iter().zip(want) {
                assert!(
                    (g - w).abs() < 1e-4 * (1.0 + w.abs()),
                    "alpha {alpha}: {g} vs {w}"
                );
                if w == 0.0 {
                    assert_eq!(*g, 0.0, "exact zero expected");
                }
            }
            assert!((m.intercept - intercept).abs() < 1e-6);
        }
    }

    #[test]
    fn zero_alpha_is_least_squares_and_bad_alpha_fails() {
        let d = data::generate::linear_regression(50, &[2.0, -1.0], 0.5, 0.0, 1).unwrap();
        let m = Lasso::new(0.0).fit(&d).unwrap();
        assert!((m.coef[0] - 2.0).abs() < 1e-8 && (m.intercept - 0.5).abs() < 1e-8);
        assert!(Lasso::new(-0.1).fit(&d).is_err());
        assert!(m.predict(ndarray::array![[1.0]].view()).is_err());
    }

    #[test]
    fn a_sweep_budget_too_small_is_reported_as_not_converged() {
        let d = data::diabetes();
        let full = Lasso::new(0.1).fit(&d).unwrap();
        assert!(full.converged() && full.sweeps < full_budget());
        let short = Lasso {
            max_sweeps: 2,
            ..Lasso::new(0.1)
        }
        .fit(&d)
        .unwrap();
        assert!(!short.converged() && short.sweeps == 2);
        // ... and the unconverged coefficients really are off the converged ones.
        let gap = (&short.coef - &full.coef).mapv(f64::abs).sum();
        assert!(gap > 1.0, "gap {gap}");
    }

    fn full_budget() -> usize {
        Lasso::new(0.1).max_sweeps
    }
}
