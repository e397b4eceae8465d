//! Gradient descent `θ_j := θ_j - α ∂J/∂θ_j` and its variants.
//!
//! - Batching: batch (all examples per update), stochastic (one), mini-batch (e.g. 32 or 64).
//! - Update rule: plain; momentum `v_t = β v_{t-1} + η ∇J`, `θ_t = θ_{t-1} - v_t`; Adam
//!   `m_t = β₁ m_{t-1} + (1-β₁) g_t`, `v_t = β₂ v_{t-1} + (1-β₂) g_t²`,
//!   `m̂_t = m_t / (1-β₁ᵗ)`, `v̂_t = v_t / (1-β₂ᵗ)`, `θ_t = θ_{t-1} - η m̂_t / (√v̂_t + ε)`.
//! - Learning-rate decay `α_e = α / (1 + decay · e)` per epoch `e`, so SGD can settle.

use ndarray::{Array1, ArrayView1, Zip};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::{History, Objective, Rows, check_loss, converged};
use crate::estimator::Params;
use crate::{Error, Result, validate};

/// How many examples each update uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Batching {
    /// All examples per update: one update per epoch.
    Batch,
    /// One example per update, in a fresh random order each epoch.
    Stochastic,
    /// `size` examples per update.
    MiniBatch(usize),
}

/// The step taken from a gradient.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Update {
    /// `θ := θ - α g`.
    Plain,
    /// Momentum with friction `β` (typically 0.9).
    Momentum {
        /// β.
        beta: f64,
    },
    /// Adam with `β₁`, `β₂`, `ε` (0.9, 0.999, 1e-8 by default).
    Adam {
        /// β₁.
        beta1: f64,
        /// β₂.
        beta2: f64,
        /// ε.
        epsilon: f64,
    },
}

impl Update {
    /// Momentum with β = 0.9.
    pub fn momentum() -> Self {
        Update::Momentum { beta: 0.9 }
    }

    /// Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn adam() -> Self {
        Update::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }
}

/// Gradient-descent settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GradientDescent {
    /// Learning rate α (η).
    pub learning_rate: f64,
    /// Examples per update.
    pub batching: Batching,
    /// Update rule.
    pub update: Update,
    /// Learning-rate decay per epoch (0: constant).
    pub decay: f64,
    /// Maximum epochs.
    pub max_epochs: usize,
    /// Stop when the epoch's relative loss change is at most this.
    pub tol: f64,
    /// Seed of the example order (stochastic and mini-batch).
    pub seed: u64,
}

impl Default for GradientDescent {
    fn default() -> Self {
        GradientDescent {
            learning_rate: 0.1,
            batching: Batching::Batch,
            update: Update::Plain,
            decay: 0.0,
            max_epochs: 1000,
            tol: 1e-9,
            seed: 0,
        }
    }
}

impl Params for GradientDescent {
    fn check(&self) -> Result<()> {
        validate::positive(self.learning_rate, "learning_rate")?;
        validate::non_negative(self.decay, "decay")?;
        if self.max_epochs == 0 {
            return Err(Error::config("max_epochs", "must be at least 1"));
        }
        validate::non_negative(self.tol, "tol")?;
        if self.batching == Batching::MiniBatch(0) {
            return Err(Error::config(
                "batching",
                "a mini-batch needs at least one example",
            ));
        }
        match self.update {
            Update::Plain => Ok(()),
            Update::Momentum { beta } => validate::in_range(beta, 0.0, 0.999_999, "beta"),
            Update::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                validate::in_range(beta1, 0.0, 0.999_999, "beta1")?;
                validate::in_range(beta2, 0.0, 0.999_999_999, "beta2")?;
                validate::positive(epsilon, "epsilon")
            }
        }
    }
}

/// Per-parameter state of the update rule.
struct Stepper {
    update: Update,
    v: Array1<f64>,
    m: Array1<f64>,
    t: i32,
}

impl Stepper {
    fn new(update: Update, n: usize) -> Self {
        Stepper {
            update,
            v: Array1::zeros(n),
            m: Array1::zeros(n),
            t: 0,
        }
    }

    fn step(&mut self, theta: &mut Array1<f64>, g: &Array1<f64>, lr: f64) {
        match self.update {
            Update::Plain => theta.scaled_add(-lr, g),
            Update::Momentum { beta } => {
                Zip::from(&mut self.v)
                    .and(g)
                    .for_each(|v, &gi| *v = beta * *v + lr * gi);
                *theta -= &self.v;
            }
            Update::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                self.t += 1;
                let (c1, c2) = (1.0 - beta1.powi(self.t), 1.0 - beta2.powi(self.t));
                Zip::from(theta)
                    .and(&mut self.m)
                    .and(&mut self.v)
                    .and(g)
                    .for_each(|th, m, v, &gi| {
                        *m = beta1 * *m + (1.0 - beta1) * gi;
                        *v = beta2 * *v + (1.0 - beta2) * gi * gi;
                        *th -= lr * (*m / c1) / ((*v / c2).sqrt() + epsilon);
                    });
            }
        }
    }
}

impl GradientDescent {
    /// Batch gradient descent with learning rate `lr` (plain updates).
    pub fn batch(lr: f64) -> Self {
        GradientDescent {
            learning_rate: lr,
            ..Self::default()
        }
    }

    /// Set the batching (builder style).
    pub fn with_batching(mut self, batching: Batching) -> Self {
        self.batching = batching;
        self
    }

    /// Set the update rule (builder style).
    pub fn with_update(mut self, update: Update) -> Self {
        self.update = update;
        self
    }

    /// Minimise `obj` from `theta0`. Returns θ and the loss after every epoch.
    pub fn minimize(
        &self,
        obj: &impl Objective,
        theta0: ArrayView1<f64>,
    ) -> Result<(Array1<f64>, History)> {
        super::prepare(self, obj, theta0)?;
        let m = obj.n_samples();
        let mut theta = theta0.to_owned();
        let mut grad = Array1::zeros(theta.len());
        let mut stepper = Stepper::new(self.update, theta.len());
        let mut order: Vec<usize> = (0..m).collect();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let initial = obj.loss(theta.view());
        let mut history = History::start(initial)?;
        for epoch in 0..self.max_epochs {
            let lr = self.learning_rate / (1.0 + self.decay * epoch as f64);
            let size = match self.batching {
                Batching::Batch => m,
                Batching::Stochastic => 1,
                Batching::MiniBatch(s) => s.min(m),
            };
            if size >= m {
                obj.loss_grad(theta.view(), Rows::All, &mut grad);
                stepper.step(&mut theta, &grad, lr);
            } else {
                order.shuffle(&mut rng);
                for chunk in order.chunks(size) {
                    obj.loss_grad(theta.view(), Rows::Subset(chunk), &mut grad);
                    stepper.step(&mut theta, &grad, lr);
                }
            }
            let loss = obj.loss(theta.view());
            check_loss(loss, initial, epoch + 1)?;
            let prev = history.loss[history.loss.len() - 1];
            history.loss.push(loss);
            history.iterations = epoch + 1;
            if converged(prev, loss, self.tol) {
                history.converged = true;
                break;
            }
        }
        Ok((theta, history))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_objectives::skewed;
    use ndarray::array;

    fn close(theta: &Array1<f64>, want: &Array1<f64>, tol: f64) -> bool {
        (theta - want).iter().all(|d| d.abs() < tol)
    }

    #[test]
    fn every_update_rule_reaches_the_quadratic_minimum() {
        let q = skewed();
        for (update, lr) in [
            (Update::Plain, 0.15),
            (Update::momentum(), 0.02),
            (Update::adam(), 0.1),
        ] {
            let gd = GradientDescent {
                learning_rate: lr,
                update,
                max_epochs: 5000,
                tol: 1e-14,
                ..Default::default()
            };
            let (theta, h) = gd.minimize(&q, array![0.0, 0.0].view()).unwrap();
            assert!(close(&theta, &q.c, 1e-4), "{update:?}: {theta}");
            assert!(h.loss.windows(2).last().is_some());
        }
    }

    #[test]
    fn first_steps_match_the_formulas_by_hand() {
        // J = ½ (θ - 3)², g(0) = -3. Momentum, η = 0.1, β = 0.9: v1 = 0.1·(-3) = -0.3, θ1 = 0.3;
        // g(0.3) = -2.7: v2 = 0.9·(-0.3) - 0.27 = -0.54, θ2 = 0.84.
        let q = crate::optim::test_objectives::Quadratic {
            a: array![1.0],
            c: array![3.0],
            m: 1,
        };
        let gd = GradientDescent {
            learning_rate: 0.1,
            update: Update::momentum(),
            max_epochs: 2,
            tol: 0.0,
            ..Default::default()
        };
        let (theta, _) = gd.minimize(&q, array![0.0].view()).unwrap();
        assert!((theta[0] - 0.84).abs() < 1e-12, "{theta}");
        // Adam's first step is η·sign(g) (bias correction): θ1 = 0 + 0.1.
        let adam = GradientDescent {
            learning_rate: 0.1,
            update: Update::adam(),
            max_epochs: 1,
            tol: 0.0,
            ..Default::default()
        };
        let (theta, _) = adam.minimize(&q, array![0.0].view()).unwrap();
        assert!((theta[0] - 0.1).abs() < 1e-7, "{theta}");
    }

    #[test]
    fn too_large_a_learning_rate_diverges_with_an_error() {
        let q = skewed(); // curvature 10: plain GD diverges for α > 0.2
        let err = GradientDescent::batch(0.25)
            .minimize(&q, array![0.0, 0.0].view())
            .unwrap_err();
        assert!(matches!(err, Error::Diverged { .. }), "{err}");
        assert!(
            GradientDescent::batch(-1.0)
                .minimize(&q, array![0.0, 0.0].view())
                .is_err()
        );
        assert!(
            GradientDescent::batch(0.1)
                .minimize(&q, array![0.0].view())
                .is_err()
        );
    }
}
