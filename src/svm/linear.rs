//! Linear SVM in the notes' primal form, by stochastic subgradient descent.
//!
//! `J(θ) = C Σ_i [y_i cost₁(θᵀx_i) + (1 - y_i) cost₀(θᵀx_i)] + ½ Σ_{j≥1} θ_j²`. Divided by
//! `C m` this is `(1/m) Σ_i max(0, 1 - s_i θᵀx_i) + (λ/2)‖w‖²` with `s_i = 2y_i - 1` and
//! `λ = 1/(C m)`: each step takes one example's subgradient with the step
//! `η_t = 1/(λ (t + t₀))` (Pegasos; Bottou's `t₀`), the bias `θ₀` unregularised, and the
//! answer is the average of the iterates over the last half of the epochs. The error falls
//! roughly as `1/(λt)`: a large `C` (small `λ`) needs more epochs.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use crate::estimator::{Checked, FitChecked, Params, Predict, Randomized};
use crate::{Error, Result, validate};

/// Linear-SVM hyperparameters.
///
/// ```
/// use mlnotes::estimator::{Fit, Predict};
/// use mlnotes::preprocess::Scaled;
/// use mlnotes::svm::LinearSvm;
/// let cancer = mlnotes::data::breast_cancer();
/// let model = Scaled::standardized(LinearSvm::new(1.0)).fit(&cancer)?;
/// let acc = mlnotes::metrics::accuracy(cancer.y(), model.predict(cancer.x())?.view())?;
/// assert!(acc > 0.9);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinearSvm {
    /// `C`, the inverse of the regularisation strength.
    pub c: f64,
    /// Passes over the data.
    pub epochs: usize,
    /// Seed of the example order.
    pub seed: u64,
}

impl LinearSvm {
    /// `C` with 100 epochs.
    pub fn new(c: f64) -> Self {
        LinearSvm {
            c,
            epochs: 100,
            seed: 0,
        }
    }
}

impl Params for LinearSvm {
    fn check(&self) -> Result<()> {
        validate::positive(self.c, "c")?;
        if self.epochs == 0 {
            return Err(Error::config("epochs", "needs at least one pass"));
        }
        Ok(())
    }
}

impl Randomized for LinearSvm {
    fn reseeded(&self, seed: u64) -> Self {
        LinearSvm {
            seed,
            ..self.clone()
        }
    }
}

/// The notes' SVM cost `J(θ)` for labels `y ∈ {0, 1}`, `θ = [θ₀, θ₁, …]`.
pub fn hinge_cost(theta: ArrayView1<f64>, x: ArrayView2<f64>, y: &[bool], c: f64) -> Result<f64> {
    validate::input(theta.len().saturating_sub(1), x, "SVM cost features")?;
    validate::same_len(x.nrows(), y.len(), "SVM labels")?;
    let w = theta.slice(s![1..]);
    let loss: f64 = x
        .rows()
        .into_iter()
        .zip(y)
        .map(|(row, &yi)| {
            let z = theta[0] + row.dot(&w);
            if yi {
                (1.0 - z).max(0.0)
            } else {
                (1.0 + z).max(0.0)
            }
        })
        .sum();
    Ok(c * loss + 0.5 * w.dot(&w))
}

/// A fitted linear SVM: one `θ` row per class (one-vs-rest), or a single row for two classes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedLinearSvm {
    /// `θ` (bias first), one row per binary problem.
    pub theta: Array2<f64>,
}

impl LinearSvm {
    /// Minimises `J` for one binary problem (`y_i = true` is the positive class).
    pub fn fit_binary(&self, x: ArrayView2<f64>, y: &[bool]) -> Result<Array1<f64>> {
        self.check()?;
        validate::features(x, "SVM features")?;
        validate::same_len(x.nrows(), y.len(), "SVM labels")?;
        let (m, n) = x.dim();
        let lambda = 1.0 / (self.c * m as f64);
        // Bottou's t₀: the first step is λ^{-1/4}, a typical weight scale for the hinge.
        let t0 = (1.0 / lambda.powf(0.75)).max(2.0);
        let mut w = Array1::<f64>::zeros(n);
        let mut b = 0.0;
        // w is stored as scale · v so that shrinking by (1 - ηλ) is O(1).
        let mut scale = 1.0;
        let (mut avg_w, mut avg_b, mut averaged) = (Array1::<f64>::zeros(n), 0.0, 0usize);
        let mut order: Vec<usize> = (0..m).collect();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut t = 0.0;
        for epoch in 0..self.epochs {
            order.shuffle(&mut rng);
            for &i in &order {
                let eta = 1.0 / (lambda * (t + t0));
                t += 1.0;
                let xi = x.row(i);
                let s_i = if y[i] { 1.0 } else { -1.0 };
                let z = scale * xi.dot(&w) + b;
                scale *= 1.0 - eta * lambda;
                if s_i * z < 1.0 {
                    w.scaled_add(eta * s_i / scale, &xi);
                    b += eta * s_i;
                }
                if scale < 1e-9 {
                    w *= scale;
                    scale = 1.0;
                }
            }
            // The second half of the epochs is averaged (the last one always, so one epoch
            // averages itself rather than nothing).
            if 2 * epoch >= self.epochs || epoch + 1 == self.epochs {
                avg_w.scaled_add(scale, &w);
                avg_b += b;
                averaged += 1;
            }
        }
        let mut theta = Array1::zeros(n + 1);
        theta[0] = avg_b / averaged as f64;
        theta.slice_mut(s![1..]).assign(&(avg_w / averaged as f64));
        if theta.iter().any(|v| !v.is_finite()) {
            return Err(Error::Diverged {
                iteration: self.epochs,
                loss: f64::NAN,
            });
        }
        Ok(theta)
    }
}

impl FitChecked<usize> for LinearSvm {
    type Model = FittedLinearSvm;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedLinearSvm> {
        let data = data.data();
        data.require_two_classes()?;
        let k = data.n_classes();
        let problems: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
        let rows: Vec<Array1<f64>> = problems
            .par_iter()
            .map(|&c| {
                let y: Vec<bool> = data.targets().iter().map(|&t| t == c).collect();
                self.reseeded(crate::estimator::member_seed(self.seed, c as u64))
                    .fit_binary(data.x(), &y)
            })
            .collect::<Result<_>>()?;
        let mut theta = Array2::zeros((rows.len(), data.n_features() + 1));
        for (mut r, t) in theta.rows_mut().into_iter().zip(rows) {
            r.assign(&t);
        }
        Ok(FittedLinearSvm { theta })
    }
}

impl FittedLinearSvm {
    /// `θᵀx` per example and binary problem.
    pub fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::input(self.theta.ncols() - 1, x, "SVM input")?;
        let w = self.theta.slice(s![.., 1..]);
        Ok(x.dot(&w.t()) + self.theta.column(0))
    }
}

impl Predict<usize> for FittedLinearSvm {
    /// Two classes: 1 when `θᵀx ≥ 0`; K classes: the largest `θ_kᵀx`.
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        let z = self.decision_function(x)?;
        if z.ncols() == 1 {
            return Ok(z.column(0).mapv(|v| usize::from(v >= 0.0)));
        }
        Ok(crate::tree::argmax_rows(&z))
    }
}
