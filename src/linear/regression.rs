//! Linear regression `h_θ(x) = θᵀx = θ₀ + θ₁x₁ + … + θₙxₙ`, fitted either by the normal
//! equation `θ = (XᵀX + λI')⁻¹ Xᵀy` (`I'`: identity with the bias entry zeroed; λ = 0 for
//! ordinary least squares), solved by Cholesky on centred features (equivalent, since the bias
//! is not penalised, and better conditioned) and never by an explicit inverse, or by any
//! iterative [`Solver`] on the squared-error cost. A singular `XᵀX` (collinear features, more
//! features than examples) is an error that suggests ridge.

use ndarray::{Array1, ArrayView2, s};

use super::cost::SquaredError;
use super::design;
use crate::engine::{self, Engine};
use crate::estimator::{Checked, Convergence, FitChecked, Params, Predict};
use crate::optim::{History, Solver};
use crate::{Result, linalg, validate};

/// Hyperparameters of linear (ridge) regression.
///
/// ```
/// use mlnotes::estimator::{Fit, Predict};
/// use mlnotes::linear::LinearRegression;
/// let diabetes = mlnotes::data::diabetes();
/// let ols = LinearRegression::new().fit(&diabetes)?;
/// let ridge = LinearRegression::ridge(1.0).fit(&diabetes)?;
/// assert!(ridge.coef.dot(&ridge.coef) < ols.coef.dot(&ols.coef)); // shrunk
/// assert_eq!(ols.predict(diabetes.x())?.len(), 442);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct LinearRegression {
    /// L2 penalty λ on the weights (not the bias); 0 for ordinary least squares.
    pub l2: f64,
    /// `None`: the normal equation; else the iterative method.
    pub solver: Option<Solver>,
    /// Who fits it: native (normal equation or `solver`), linfa (linfa-linear's QR for OLS,
    /// linfa-elasticnet for ridge) or smartcore (SVD for OLS, Cholesky for ridge); see
    /// [`engine`](crate::engine) for the penalty mapping.
    #[serde(default)]
    pub engine: Engine,
}

/// Coordinate-descent budget of linfa-elasticnet's ridge: tight enough to match the normal
/// equation to 1e-6 (relative) on the diabetes data.
const ENGINE_TOL: f64 = 1e-10;
const ENGINE_MAX_ITER: usize = 100_000;

/// A fitted linear model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedLinear {
    /// θ₀.
    pub intercept: f64,
    /// θ₁..θₙ.
    pub coef: Array1<f64>,
    /// The optimizer's history (iterative solvers only).
    pub history: Option<History>,
}

impl Convergence for FittedLinear {
    /// The iterative solver met its tolerance (always true for the normal equation).
    fn converged(&self) -> bool {
        self.history.as_ref().is_none_or(|h| h.converged)
    }
}

impl LinearRegression {
    /// Ordinary least squares by the normal equation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ridge regression with penalty `l2`, by the normal equation.
    pub fn ridge(l2: f64) -> Self {
        LinearRegression {
            l2,
            ..Self::default()
        }
    }

    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Fit with an iterative solver instead of the normal equation (builder style).
    pub fn with_solver(mut self, solver: Solver) -> Self {
        self.solver = Some(solver);
        self
    }
}

impl Params for LinearRegression {
    fn check(&self) -> Result<()> {
        validate::non_negative(self.l2, "l2")?;
        if self.solver.is_some() && self.engine != Engine::Native {
            return Err(self.engine.unsupported("an iterative solver"));
        }
        self.solver.as_ref().map_or(Ok(()), Params::check)
    }
}

impl FitChecked<f64> for LinearRegression {
    type Model = FittedLinear;

    fn fit_checked(&self, data: Checked<'_, f64, Self>) -> Result<FittedLinear> {
        let data = data.data();
        let (x, y) = (data.x(), data.y());
        if self.engine != Engine::Native && self.l2 == 0.0 {
            // the wrapped solvers answer collinear features with huge or minimum-norm
            // weights: the native Cholesky decides first whether XᵀX is singular
            self.normal_equation(data)?;
        }
        let solved = match (self.engine, self.l2 > 0.0) {
            (Engine::Native, _) => None,
            (Engine::Linfa, false) => Some(engine::linear::linfa_ols(x, y)?),
            (Engine::Linfa, true) => Some(engine::linear::linfa_ridge(
                x,
                y,
                self.l2,
                ENGINE_TOL,
                ENGINE_MAX_ITER,
            )?),
            (Engine::Smartcore, false) => Some(engine::linear::smartcore_ols(x, y)?),
            (Engine::Smartcore, true) => Some(engine::linear::smartcore_ridge(x, y, self.l2)?),
        };
        if let Some(s) = solved {
            return Ok(FittedLinear {
                intercept: s.intercept,
                coef: s.coef,
                history: s.iterations.map(|(iterations, converged)| History {
                    loss: Vec::new(),
                    iterations,
                    converged,
                }),
            });
        }
        let x = design(data.x());
        let (theta, history) = match &self.solver {
            None => (self.normal_equation(data)?, None),
            Some(solver) => {
                // the notes' cost is λ/(2m)Σθ², the normal equation's λ is that λ
                let cost = SquaredError::new(x.view(), data.targets().view(), self.l2)?;
                let (theta, h) = solver.minimize(&cost, Array1::zeros(x.ncols()).view())?;
                (theta, Some(h))
            }
        };
        Ok(FittedLinear {
            intercept: theta[0],
            coef: theta.slice(s![1..]).to_owned(),
            history,
        })
    }
}

impl LinearRegression {
    /// `θ` by the normal equation.
    fn normal_equation(&self, data: &crate::data::Dataset<f64>) -> Result<Array1<f64>> {
        // The bias is not penalised, so centring is exact: w solves the centred normal
        // equation (X_cᵀX_c + λI)w = X_cᵀy_c and θ₀ = ȳ - x̄ᵀw. Centred, the Gram matrix
        // does not carry the column means (features far from 0 would otherwise square
        // an avoidable condition number).
        let c = engine::Centred::new(data.x(), data.y());
        let mut gram = c.x.t().dot(&c.x);
        for j in 0..gram.nrows() {
            gram[[j, j]] += self.l2;
        }
        let xty = c.x.t().dot(&c.y);
        let what = if self.l2 == 0.0 {
            "XᵀX; try ridge (l2 > 0)"
        } else {
            "XᵀX + λI'"
        };
        let w = linalg::solve_spd(gram.view(), xty.view(), what)?;
        let mut theta = Array1::zeros(w.len() + 1);
        theta[0] = c.intercept(&w);
        theta.slice_mut(s![1..]).assign(&w);
        Ok(theta)
    }
}

impl Predict<f64> for FittedLinear {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        validate::n_features(self.coef.len(), x, "linear regression predict")?;
        validate::finite(x, "features to predict")?;
        Ok(x.dot(&self.coef) + self.intercept)
    }
}

impl FittedLinear {
    /// θ with the bias first: `[θ₀, θ₁, …]`.
    pub fn theta(&self) -> Array1<f64> {
        let mut t = Array1::zeros(self.coef.len() + 1);
        t[0] = self.intercept;
        t.slice_mut(s![1..]).assign(&self.coef);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;
    use crate::estimator::Fit;
    use crate::optim::{GradientDescent, Lbfgs, Newton};
    use ndarray::{Axis, array};

    #[test]
    fn exact_line_through_points() {
        // y = 1 + 2 x1 - 3 x2 exactly
        let x = array![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [2.0, 3.0]];
        let y = x.map_axis(Axis(1), |r| 1.0 + 2.0 * r[0] - 3.0 * r[1]);
        let m = LinearRegression::new()
            .fit(&Dataset::new(x, y).unwrap())
            .unwrap();
        assert!(
            (m.theta() - array![1.0, 2.0, -3.0])
                .iter()
                .all(|d| d.abs() < 1e-10)
        );
        assert!(m.predict(array![[1.0]].view()).is_err());
    }

    #[test]
    fn ridge_closed_form_by_hand() {
        // symmetric data: θ₀ = 0 and θ₁ = Σxy / (Σx² + λ) = 4 / (2 + 2) = 1
        let d = Dataset::new(array![[-1.0], [1.0]], array![-2.0, 2.0]).unwrap();
        let m = LinearRegression::ridge(2.0).fit(&d).unwrap();
        assert!(
            m.intercept.abs() < 1e-12 && (m.coef[0] - 1.0).abs() < 1e-12,
            "{m:?}"
        );
    }

    #[test]
    fn iterative_solvers_agree_with_the_normal_equation() {
        let d =
            crate::data::generate::linear_regression(200, &[1.0, -2.0, 0.5], 0.7, 0.1, 3).unwrap();
        let exact = LinearRegression::ridge(0.5).fit(&d).unwrap().theta();
        let solvers = [
            Solver::GradientDescent(GradientDescent {
                learning_rate: 0.5,
                max_epochs: 20_000,
                tol: 1e-15,
                ..Default::default()
            }),
            Solver::Newton(Newton::default()),
            Solver::Lbfgs(Lbfgs::default()),
        ];
        for solver in solvers {
            let m = LinearRegression::ridge(0.5)
                .with_solver(solver)
                .fit(&d)
                .unwrap();
            let err = (&m.theta() - &exact)
                .iter()
                .fold(0.0f64, |a, d| a.max(d.abs()));
            assert!(err < 1e-6, "{solver:?}: {err}");
            assert!(m.history.is_some());
        }
    }

    #[test]
    fn collinear_features_are_singular_unless_ridge() {
        let x = array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
        let d = Dataset::new(x, array![1.0, 2.0, 3.0]).unwrap();
        let err = LinearRegression::new().fit(&d).unwrap_err().to_string();
        assert!(err.contains("singular") && err.contains("ridge"), "{err}");
        assert!(LinearRegression::ridge(0.1).fit(&d).is_ok());
        assert!(LinearRegression::ridge(-1.0).fit(&d).is_err());
    }
}
