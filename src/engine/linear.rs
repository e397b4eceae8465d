//! Linear regression, ridge and lasso on linfa (linfa-linear, linfa-elasticnet) and smartcore.
//!
//! Penalty mappings (the project's costs on the left):
//! * ridge, `½‖y - Xθ‖² + ½λ‖w‖²` (normal equation `(XᵀX + λI')θ = Xᵀy`):
//!   linfa-elasticnet minimises `1/(2n)‖y - Xw‖² + ½·penalty·‖w‖²` (l1_ratio 0), so
//!   `penalty = λ / n`; smartcore's ridge minimises `‖y - Xw‖² + α‖w‖²`, so `α = λ`.
//! * lasso, `1/(2n)‖y - Xw‖² + α‖w‖₁`: linfa-elasticnet's `penalty = α` (l1_ratio 1);
//!   smartcore minimises `(1/n)‖y - Xw‖² + α_s‖w‖₁`, so `α_s = 2α`.
//!
//! Intercepts: linfa-elasticnet takes the intercept as `ȳ` without centring X (wrong on
//! uncentred data), and smartcore's ridge without normalisation fits no intercept, so both are
//! given centred data without an intercept and `θ₀ = ȳ - x̄ᵀw` is recovered here.

use linfa::traits::Fit as _;
use ndarray::{Array1, ArrayView1, ArrayView2};

use super::{Centred, dense, from_dense, wrapped};
use crate::{Error, Result};

/// Fitted weights and intercept, with the iterations of an iterative engine.
pub(crate) struct Solution {
    pub intercept: f64,
    pub coef: Array1<f64>,
    /// `(iterations, converged)` where the engine iterates.
    pub iterations: Option<(usize, bool)>,
}

/// Ordinary least squares by linfa-linear (Householder QR of `[X 1]`).
pub(crate) fn linfa_ols(x: ArrayView2<f64>, y: ArrayView1<f64>) -> Result<Solution> {
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = linfa_linear::LinearRegression::new()
        .fit(&data)
        .map_err(|e| match e {
            linfa_linear::LinearError::LinalgError(_) => Error::Singular {
                what: "[X 1] has dependent columns; try ridge (l2 > 0)".into(),
            },
            e => wrapped("linfa-linear")(&e),
        })?;
    finite(Solution {
        intercept: model.intercept(),
        coef: model.params().clone(),
        iterations: None,
    })
}

/// Ordinary least squares by smartcore (its default SVD solver).
pub(crate) fn smartcore_ols(x: ArrayView2<f64>, y: ArrayView1<f64>) -> Result<Solution> {
    use smartcore::linear::linear_regression::{LinearRegression, LinearRegressionParameters};
    let model = LinearRegression::fit(
        &dense(x)?,
        &y.to_vec(),
        LinearRegressionParameters::default(),
    )
    .map_err(|e| wrapped("smartcore")(&e))?;
    finite(Solution {
        intercept: *model.intercept(),
        coef: from_dense(model.coefficients()).column(0).to_owned(),
        iterations: None,
    })
}

/// Ridge by linfa-elasticnet's coordinate descent (l1_ratio 0, `penalty = λ/n`) on centred data.
pub(crate) fn linfa_ridge(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    l2: f64,
    tol: f64,
    max_iter: usize,
) -> Result<Solution> {
    let n = x.nrows() as f64;
    elastic_net(x, y, l2 / n, 0.0, tol, max_iter)
}

/// A wrapped lasso solver: `(x, y, α, tol, max_iter)`.
pub(crate) type LassoSolver =
    fn(ArrayView2<f64>, ArrayView1<f64>, f64, f64, usize) -> Result<Solution>;

/// Lasso by linfa-elasticnet (l1_ratio 1, `penalty = α`) on centred data.
pub(crate) fn linfa_lasso(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    alpha: f64,
    tol: f64,
    max_iter: usize,
) -> Result<Solution> {
    elastic_net(x, y, alpha, 1.0, tol, max_iter)
}

/// A constant target: every weight is 0 and `θ₀ = ȳ` (the wrapped solvers' relative
/// tolerances are 0/0 there, and they would run to their iteration limit). Centred, a constant
/// need not round to exactly 0, so the spread of the centred targets is compared with their
/// magnitude.
fn constant_target(c: &Centred) -> Option<Solution> {
    let (lo, hi) =
        c.y.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
    (hi - lo <= 4.0 * f64::EPSILON * c.y_mean.abs()).then(|| Solution {
        intercept: c.y_mean,
        coef: Array1::zeros(c.x.ncols()),
        iterations: Some((0, true)),
    })
}

fn elastic_net(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    penalty: f64,
    l1_ratio: f64,
    tol: f64,
    max_iter: usize,
) -> Result<Solution> {
    let c = Centred::new(x, y);
    if let Some(s) = constant_target(&c) {
        return Ok(s);
    }
    let max_iter = u32::try_from(max_iter).unwrap_or(u32::MAX);
    let data = linfa::Dataset::new(c.x.clone(), c.y.clone());
    let model = linfa_elasticnet::ElasticNet::<f64>::params()
        .penalty(penalty)
        .l1_ratio(l1_ratio)
        .with_intercept(false)
        .tolerance(tol)
        .max_iterations(max_iter)
        .fit(&data)
        .map_err(|e| wrapped("linfa-elasticnet")(&e))?;
    let coef = model.hyperplane().clone();
    let steps = model.n_steps();
    finite(Solution {
        intercept: c.intercept(&coef),
        coef,
        iterations: Some((steps as usize, steps < max_iter)),
    })
}

/// Ridge by smartcore (Cholesky of `ZᵀZ + αI`, `α = λ`) on centred data.
pub(crate) fn smartcore_ridge(x: ArrayView2<f64>, y: ArrayView1<f64>, l2: f64) -> Result<Solution> {
    use smartcore::linear::ridge_regression::{RidgeRegression, RidgeRegressionParameters};
    let c = Centred::new(x, y);
    let params = RidgeRegressionParameters::default()
        .with_alpha(l2)
        .with_normalize(false);
    let model = RidgeRegression::fit(&dense(c.x.view())?, &c.y.to_vec(), params)
        .map_err(|e| wrapped("smartcore")(&e))?;
    let coef = from_dense(model.coefficients()).column(0).to_owned();
    finite(Solution {
        intercept: c.intercept(&coef),
        coef,
        iterations: None,
    })
}

/// Lasso by smartcore's interior-point solver (`α_s = 2α`) on centred data.
pub(crate) fn smartcore_lasso(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    alpha: f64,
    tol: f64,
    max_iter: usize,
) -> Result<Solution> {
    use smartcore::linear::lasso::{Lasso, LassoParameters};
    let c = Centred::new(x, y);
    if let Some(s) = constant_target(&c) {
        return Ok(s);
    }
    let params = LassoParameters::default()
        .with_alpha(2.0 * alpha)
        .with_normalize(false)
        .with_tol(tol)
        .with_max_iter(max_iter);
    let model = Lasso::fit(&dense(c.x.view())?, &c.y.to_vec(), params)
        .map_err(|e| wrapped("smartcore")(&e))?;
    let coef = from_dense(model.coefficients()).column(0).to_owned();
    let converged = lasso_kkt(&c, &coef, alpha);
    finite(Solution {
        intercept: c.intercept(&coef),
        coef,
        iterations: Some((0, converged)),
    })
}

/// Whether `w` meets the lasso's optimality conditions on the centred data (smartcore's
/// interior point returns its last iterate without saying whether it converged): with
/// `g = X_cᵀ(y_c - X_c w)/n`, `g_j = α sign(w_j)` where `w_j ≠ 0` and `|g_j| ≤ α` where
/// `w_j = 0`, each to `10⁻³ α` (plus `10⁻⁹ ‖X_cᵀy_c/n‖∞` for α near 0).
fn lasso_kkt(c: &Centred, w: &Array1<f64>, alpha: f64) -> bool {
    let n = c.x.nrows() as f64;
    let g = c.x.t().dot(&(&c.y - &c.x.dot(w))) / n;
    let scale = (c.x.t().dot(&c.y) / n)
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let slack = 1e-3 * alpha + 1e-9 * scale;
    // an interior point never reaches 0 exactly: weights this small count as zero
    let zero = 1e-8 * w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    g.iter().zip(w).all(|(&gj, &wj)| {
        if wj.abs() <= zero {
            gj.abs() <= alpha + slack
        } else {
            (gj - alpha * wj.signum()).abs() <= slack
        }
    })
}

/// A solution with a non-finite weight is the wrapped solver's breakdown, not a model.
fn finite(s: Solution) -> Result<Solution> {
    if s.intercept.is_finite() && s.coef.iter().all(|w| w.is_finite()) {
        Ok(s)
    } else {
        Err(Error::Singular {
            what: "the wrapped solver returned non-finite weights; try ridge (l2 > 0) or scaling"
                .into(),
        })
    }
}
