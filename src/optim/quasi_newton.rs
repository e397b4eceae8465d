//! BFGS and L-BFGS (quasi-Newton: they build an approximation of the inverse Hessian from
//! successive gradients) through `argmin`, with a More-Thuente line search.

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::{BFGS, LBFGS};
use ndarray::{Array1, Array2, ArrayView1};

use super::{History, Objective, Rows};
use crate::estimator::Params;
use crate::{Error, Result};

/// The `argmin` view of an [`Objective`], counting evaluations: argmin's More-Thuente line
/// search has no evaluation cap of its own and can loop forever on a cost that is flat to
/// rounding or not finite, so the run stops with [`Error::NotConverged`] past `max_evals`.
///
/// The objective computes the loss and its gradient in one pass, and argmin asks for the cost
/// and then the gradient at the same point (every line-search trial, every iterate): the
/// gradient of the last cost evaluation is kept and handed back when the point is the same,
/// which halves the passes over the data without changing a single number.
struct Problem<'a, O: Objective> {
    obj: &'a O,
    evals: std::cell::Cell<u64>,
    max_evals: u64,
    /// The point of the last cost evaluation and the gradient there.
    last: std::cell::RefCell<Option<(Array1<f64>, Array1<f64>)>>,
}

impl<'a, O: Objective> Problem<'a, O> {
    /// At most 50 cost evaluations per allowed iteration (the line search rarely needs 5).
    fn new(obj: &'a O, max_iter: u64) -> Self {
        Problem {
            obj,
            evals: std::cell::Cell::new(0),
            max_evals: max_iter.saturating_mul(50).saturating_add(100),
            last: std::cell::RefCell::new(None),
        }
    }
}

/// Marks the argmin error raised when the evaluation budget is spent.
const BUDGET_SPENT: &str = "evaluation budget spent";

impl<O: Objective> CostFunction for Problem<'_, O> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, p: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        self.evals.set(self.evals.get() + 1);
        if self.evals.get() > self.max_evals {
            return Err(argmin::core::Error::msg(BUDGET_SPENT));
        }
        let mut g = Array1::zeros(p.len());
        let loss = self.obj.loss_grad(p.view(), Rows::All, &mut g);
        if !loss.is_finite() {
            return Err(argmin::core::Error::msg(format!("non-finite loss {loss}")));
        }
        *self.last.borrow_mut() = Some((p.clone(), g));
        Ok(loss)
    }
}

impl<O: Objective> Gradient for Problem<'_, O> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, p: &Array1<f64>) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        if let Some((at, g)) = self.last.borrow().as_ref()
            && at == p
        {
            return Ok(g.clone());
        }
        let mut g = Array1::zeros(p.len());
        self.obj.loss_grad(p.view(), Rows::All, &mut g);
        Ok(g)
    }
}

fn wrapped(e: argmin::core::Error) -> Error {
    let message = e.to_string();
    if message.contains(BUDGET_SPENT) {
        return Error::NotConverged {
            method: "quasi-Newton line search".into(),
            iterations: 0,
            reason: "the cost stopped decreasing measurably (badly scaled features? \
                     standardize them)"
                .into(),
        };
    }
    Error::Wrapped {
        crate_name: "argmin",
        message,
    }
}

/// L-BFGS settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lbfgs {
    /// Past gradient pairs kept (the limited memory).
    pub memory: usize,
    /// Maximum iterations.
    pub max_iter: u64,
    /// Stop when the gradient norm is at most this.
    pub tol: f64,
}

/// BFGS settings (dense inverse-Hessian approximation).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bfgs {
    /// Maximum iterations.
    pub max_iter: u64,
    /// Stop when the gradient norm is at most this.
    pub tol: f64,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Lbfgs {
            memory: 10,
            max_iter: 500,
            tol: 1e-8,
        }
    }
}

impl Lbfgs {
    /// scikit-learn's budget for `LogisticRegression` (`solver="lbfgs"`, `tol=1e-4`,
    /// `max_iter=100`): at most 100 iterations, stopping when the gradient's Euclidean norm is
    /// at most 1e-4 — never looser than scikit-learn, whose L-BFGS-B tests the largest
    /// absolute component against the same 1e-4.
    pub fn scikit_learn() -> Self {
        Lbfgs {
            memory: 10,
            max_iter: 100,
            tol: 1e-4,
        }
    }
}

impl Default for Bfgs {
    fn default() -> Self {
        Bfgs {
            max_iter: 500,
            tol: 1e-8,
        }
    }
}

impl Params for Lbfgs {
    fn check(&self) -> Result<()> {
        if self.memory == 0 {
            return Err(Error::config("memory", "must be at least 1"));
        }
        super::check_budget(self.max_iter, self.tol)
    }
}

impl Params for Bfgs {
    fn check(&self) -> Result<()> {
        super::check_budget(self.max_iter, self.tol)
    }
}

fn finish<S: State<Param = Array1<f64>, Float = f64>>(
    obj: &impl Objective,
    theta0: ArrayView1<f64>,
    state: &S,
    tol: f64,
) -> Result<(Array1<f64>, History)> {
    let theta = state
        .get_best_param()
        .cloned()
        .unwrap_or_else(|| theta0.to_owned());
    let mut g = Array1::zeros(theta.len());
    let loss = obj.loss_grad(theta.view(), Rows::All, &mut g);
    if !loss.is_finite() {
        return Err(Error::Diverged {
            iteration: state.get_iter() as usize,
            loss,
        });
    }
    let history = History {
        loss: vec![obj.loss(theta0), loss],
        iterations: state.get_iter() as usize,
        converged: g.dot(&g).sqrt() <= tol * 10.0,
    };
    Ok((theta, history))
}

impl Lbfgs {
    /// Minimise `obj` from `theta0`.
    pub fn minimize(
        &self,
        obj: &impl Objective,
        theta0: ArrayView1<f64>,
    ) -> Result<(Array1<f64>, History)> {
        super::prepare(self, obj, theta0)?;
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), self.memory)
            .with_tolerance_grad(self.tol)
            .map_err(wrapped)?
            .with_tolerance_cost(0.0)
            .map_err(wrapped)?;
        let res = Executor::new(Problem::new(obj, self.max_iter), solver)
            .configure(|s| s.param(theta0.to_owned()).max_iters(self.max_iter))
            .run()
            .map_err(wrapped)?;
        finish(obj, theta0, &res.state, self.tol)
    }
}

impl Bfgs {
    /// Minimise `obj` from `theta0`, starting from the identity as inverse Hessian.
    pub fn minimize(
        &self,
        obj: &impl Objective,
        theta0: ArrayView1<f64>,
    ) -> Result<(Array1<f64>, History)> {
        self.minimize_with_estimate(obj, theta0)
            .map(|(theta, history, _)| (theta, history))
    }

    /// [`Bfgs::minimize`], also returning BFGS's final estimate `H ≈ ∇²J⁻¹` of the inverse
    /// Hessian, built from `H₀ = I` by the update
    /// `H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ`, `ρ = 1/(yᵀs)`, after each step `s` with
    /// gradient change `y`.
    ///
    /// ```
    /// use mlnotes::optim::{Bfgs, Objective, Rows};
    /// use ndarray::{Array1, ArrayView1, array};
    /// // J(θ) = ½ (θ₁² + 4 θ₂²): Hessian diag(1, 4).
    /// struct Bowl;
    /// impl Objective for Bowl {
    ///     fn n_params(&self) -> usize { 2 }
    ///     fn n_samples(&self) -> usize { 1 }
    ///     fn loss_grad(&self, t: ArrayView1<f64>, _: Rows, g: &mut Array1<f64>) -> f64 {
    ///         *g = array![t[0], 4.0 * t[1]];
    ///         0.5 * (t[0] * t[0] + 4.0 * t[1] * t[1])
    ///     }
    /// }
    /// let bfgs = Bfgs { max_iter: 20, tol: 1e-10 };
    /// let (theta, _, h) = bfgs.minimize_with_estimate(&Bowl, array![1.0, 1.0].view()).unwrap();
    /// assert!(theta.iter().all(|v| v.abs() < 1e-8));
    /// // Two steps along independent directions recover the inverse Hessian diag(1, 1/4).
    /// assert!((h[[0, 0]] - 1.0).abs() < 1e-6 && (h[[1, 1]] - 0.25).abs() < 1e-6);
    /// ```
    pub fn minimize_with_estimate(
        &self,
        obj: &impl Objective,
        theta0: ArrayView1<f64>,
    ) -> Result<(Array1<f64>, History, Array2<f64>)> {
        super::prepare(self, obj, theta0)?;
        let solver = BFGS::new(MoreThuenteLineSearch::new())
            .with_tolerance_grad(self.tol)
            .map_err(wrapped)?
            .with_tolerance_cost(0.0)
            .map_err(wrapped)?;
        let n = theta0.len();
        let mut res = Executor::new(Problem::new(obj, self.max_iter), solver)
            .configure(|s| {
                s.param(theta0.to_owned())
                    .inv_hessian(Array2::eye(n))
                    .max_iters(self.max_iter)
            })
            .run()
            .map_err(wrapped)?;
        let (theta, history) = finish(obj, theta0, &res.state, self.tol)?;
        let estimate = res
            .state
            .take_inv_hessian()
            .unwrap_or_else(|| Array2::eye(n));
        Ok((theta, history, estimate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_objectives::skewed;
    use ndarray::array;

    #[test]
    fn quasi_newton_methods_reach_the_quadratic_minimum() {
        let q = skewed();
        let (a, ha) = Lbfgs::default()
            .minimize(&q, array![0.0, 0.0].view())
            .unwrap();
        let (b, hb) = Bfgs::default()
            .minimize(&q, array![0.0, 0.0].view())
            .unwrap();
        for t in [a, b] {
            assert!((&t - &q.c).iter().all(|d| d.abs() < 1e-6), "{t}");
        }
        assert!(ha.converged && hb.converged);
        assert!(ha.iterations < 20);
    }
}
