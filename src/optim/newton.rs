//! Newton's method: `θ := θ - H⁻¹ ∇J(θ)`, with the Hessian `H` solved by Cholesky (never
//! inverted). Quadratic convergence near the minimum, `O(n³)` per step.

use ndarray::{Array1, ArrayView1};

use super::{History, Objective, Rows, check_loss};
use crate::estimator::Params;
use crate::{Error, Result, linalg};

/// Newton's method settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Newton {
    /// Maximum iterations.
    pub max_iter: usize,
    /// Stop when the gradient norm is at most this.
    pub tol: f64,
}

impl Default for Newton {
    fn default() -> Self {
        Newton {
            max_iter: 50,
            tol: 1e-10,
        }
    }
}

impl Params for Newton {
    fn check(&self) -> Result<()> {
        super::check_budget(self.max_iter as u64, self.tol)
    }
}

impl Newton {
    /// Minimise `obj` (which must provide its Hessian) from `theta0`.
    pub fn minimize(
        &self,
        obj: &impl Objective,
        theta0: ArrayView1<f64>,
    ) -> Result<(Array1<f64>, History)> {
        super::prepare(self, obj, theta0)?;
        let mut theta = theta0.to_owned();
        let mut grad = Array1::zeros(theta.len());
        let initial = obj.loss_grad(theta.view(), Rows::All, &mut grad);
        let mut history = History::start(initial)?;
        for it in 0..self.max_iter {
            if grad.dot(&grad).sqrt() <= self.tol {
                history.converged = true;
                break;
            }
            let h = obj.hessian(theta.view()).ok_or_else(|| {
                Error::invalid("Newton's method needs an objective with a Hessian")
            })?;
            let step = linalg::solve_spd(h.view(), grad.view(), "Hessian")?;
            theta -= &step;
            let loss = obj.loss_grad(theta.view(), Rows::All, &mut grad);
            check_loss(loss, initial, it + 1)?;
            history.loss.push(loss);
            history.iterations = it + 1;
        }
        if !history.converged && grad.dot(&grad).sqrt() <= self.tol {
            history.converged = true;
        }
        Ok((theta, history))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_objectives::skewed;
    use ndarray::array;

    #[test]
    fn one_step_on_a_quadratic() {
        let q = skewed();
        let (theta, h) = Newton::default()
            .minimize(&q, array![0.0, 0.0].view())
            .unwrap();
        assert!((&theta - &q.c).iter().all(|d| d.abs() < 1e-12));
        assert_eq!(h.iterations, 1);
        assert!(h.converged);
    }
}
