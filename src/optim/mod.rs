//! Optimization algorithms (notes: *Optimization Algorithms*) for the classical models:
//! the gradient-descent family (batch, stochastic, mini-batch; plain, momentum, Adam), Newton's
//! method, and BFGS / L-BFGS through `argmin`.
//!
//! Every method minimises an [`Objective`] `J(θ)` and returns the final θ with its
//! [`History`]. A run whose loss becomes NaN/inf or grows without bound stops with
//! [`Error::Diverged`](crate::Error::Diverged) instead of returning a NaN model.

mod gradient_descent;
mod newton;
mod quasi_newton;

pub use gradient_descent::{Batching, GradientDescent, Update};
pub use newton::Newton;
pub use quasi_newton::{Bfgs, Lbfgs};

use ndarray::{Array1, Array2, ArrayView1};

use crate::{Error, Result};

/// Which examples a loss or gradient is averaged over.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Every example (batch gradient descent).
    All,
    /// The listed examples (stochastic and mini-batch updates).
    Subset(&'a [usize]),
}

/// A differentiable cost `J(θ)` over `m` examples.
///
/// `θ` must have [`Objective::n_params`] entries and row indices must be below
/// [`Objective::n_samples`]; every optimizer here checks the starting point before calling, so
/// user code only needs to care when it evaluates an objective by hand. The costs of this crate
/// answer other arguments with a NaN loss and a NaN gradient (resized to `n_params`), never a
/// panic; an optimizer turns that NaN into [`Error::Diverged`](crate::Error::Diverged).
pub trait Objective {
    /// Number of parameters `θ`.
    fn n_params(&self) -> usize;
    /// Number of examples `m`.
    fn n_samples(&self) -> usize;
    /// `J(θ)` averaged over `rows`, writing `∇J(θ)` into `grad` (overwritten, not added to).
    fn loss_grad(&self, theta: ArrayView1<f64>, rows: Rows, grad: &mut Array1<f64>) -> f64;
    /// `J(θ)` over every example.
    fn loss(&self, theta: ArrayView1<f64>) -> f64 {
        let mut g = Array1::zeros(self.n_params());
        self.loss_grad(theta, Rows::All, &mut g)
    }
    /// The Hessian `∇²J(θ)` over every example, where the objective provides it.
    fn hessian(&self, _theta: ArrayView1<f64>) -> Option<Array2<f64>> {
        None
    }
}

/// Any of the optimizers, for models that let the user choose.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Solver {
    /// The gradient-descent family.
    GradientDescent(GradientDescent),
    /// Newton's method (needs the objective's Hessian).
    Newton(Newton),
    /// BFGS.
    Bfgs(Bfgs),
    /// L-BFGS.
    Lbfgs(Lbfgs),
}

impl Default for Solver {
    fn default() -> Self {
        Solver::Lbfgs(Lbfgs::default())
    }
}

impl crate::estimator::Params for Solver {
    fn check(&self) -> Result<()> {
        match self {
            Solver::GradientDescent(s) => s.check(),
            Solver::Newton(s) => s.check(),
            Solver::Bfgs(s) => s.check(),
            Solver::Lbfgs(s) => s.check(),
        }
    }
}

impl Solver {
    /// Minimise `obj` from `theta0` with the chosen method.
    pub fn minimize(
        &self,
        obj: &impl Objective,
        theta0: ArrayView1<f64>,
    ) -> Result<(Array1<f64>, History)> {
        match self {
            Solver::GradientDescent(s) => s.minimize(obj, theta0),
            Solver::Newton(s) => s.minimize(obj, theta0),
            Solver::Bfgs(s) => s.minimize(obj, theta0),
            Solver::Lbfgs(s) => s.minimize(obj, theta0),
        }
    }
}

/// What an optimisation run did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// `J(θ)` over every example after each iteration (epoch for stochastic methods); the first
    /// entry is the initial loss.
    pub loss: Vec<f64>,
    /// Iterations (epochs) run.
    pub iterations: usize,
    /// Whether the tolerance was met before the iteration limit.
    pub converged: bool,
}

impl History {
    /// The history of a run starting at loss `initial` (an error if that is not finite).
    pub(crate) fn start(initial: f64) -> Result<Self> {
        check_loss(initial, initial, 0)?;
        Ok(History {
            loss: vec![initial],
            iterations: 0,
            converged: false,
        })
    }
}

/// Validate a method's settings and the starting point, before any work.
pub(crate) fn prepare(
    method: &impl crate::estimator::Params,
    obj: &impl Objective,
    theta0: ArrayView1<f64>,
) -> Result<()> {
    method.check()?;
    crate::validate::same_len(obj.n_params(), theta0.len(), "initial parameters")
}

/// The shared check of an iteration budget and a positive tolerance.
/// Whether `θ` and `rows` fit an objective of `n` parameters over `m` examples. When they do,
/// `grad` is made `n` long; when they do not, `grad` becomes `n` NaNs and the caller returns NaN.
pub(crate) fn arguments_fit(
    theta: ArrayView1<f64>,
    rows: Rows,
    grad: &mut Array1<f64>,
    n: usize,
    m: usize,
) -> bool {
    let fits = theta.len() == n
        && match rows {
            Rows::All => m > 0,
            Rows::Subset(idx) => !idx.is_empty() && idx.iter().all(|&i| i < m),
        };
    if !fits {
        *grad = Array1::from_elem(n, f64::NAN);
    } else if grad.len() != n {
        *grad = Array1::zeros(n);
    }
    fits
}

pub(crate) fn check_budget(max_iter: u64, tol: f64) -> Result<()> {
    if max_iter == 0 {
        return Err(Error::config("max_iter", "must be at least 1"));
    }
    crate::validate::positive(tol, "tol")
}

/// Stop-or-continue check shared by the iterative methods: divergence is an error.
pub(crate) fn check_loss(loss: f64, initial: f64, iteration: usize) -> Result<()> {
    if !loss.is_finite() || (loss > 1e3 * initial.abs().max(1.0) && iteration > 0) {
        return Err(Error::Diverged { iteration, loss });
    }
    Ok(())
}

/// Relative change small enough to call it converged.
pub(crate) fn converged(prev: f64, loss: f64, tol: f64) -> bool {
    (prev - loss).abs() <= tol * prev.abs().max(1.0)
}

#[cfg(test)]
pub(crate) mod test_objectives {
    use super::*;

    /// `J(θ) = ½ Σ_j a_j (θ_j - c_j)²` "averaged" over `m` identical examples: minimum at `c`.
    pub struct Quadratic {
        pub a: Array1<f64>,
        pub c: Array1<f64>,
        pub m: usize,
    }

    impl Objective for Quadratic {
        fn n_params(&self) -> usize {
            self.a.len()
        }
        fn n_samples(&self) -> usize {
            self.m
        }
        fn loss_grad(&self, theta: ArrayView1<f64>, _rows: Rows, grad: &mut Array1<f64>) -> f64 {
            let d = &theta - &self.c;
            grad.assign(&(&self.a * &d));
            0.5 * (&self.a * &d * &d).sum()
        }
        fn hessian(&self, _theta: ArrayView1<f64>) -> Option<Array2<f64>> {
            Some(Array2::from_diag(&self.a))
        }
    }

    pub fn skewed() -> Quadratic {
        Quadratic {
            a: ndarray::array![1.0, 10.0],
            c: ndarray::array![3.0, -2.0],
            m: 8,
        }
    }
}
