//! Gradient boosting (Friedman 2001): start from a constant `F₀`, then each round fits a
//! regression tree to the negative gradient of the loss, `r_i = -∂L(y_i, F(x_i))/∂F`, and adds
//! it shrunk by the learning rate, `F ← F + η h`.
//!
//! - Squared loss `½(y - F)²`: `r = y - F`, leaves hold the mean residual.
//! - Log loss (binary: `F` is the log-odds, `p = σ(F)`; K classes: one tree per class and round,
//!   `p = softmax(F)`): `r = y - p`, leaves take one Newton step `γ = Σ r / Σ p(1 - p)`
//!   (times `(K - 1)/K` for K classes).

use std::marker::PhantomData;

use ndarray::{Array1, Array2, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::data::Dataset;
use crate::engine::{self, Engine};
use crate::estimator::{Checked, FitChecked, Params, Predict, PredictProba, Randomized};
use crate::linear::cost::{sigmoid, softmax_rows};
use crate::tree::{Criterion, DecisionTree, FittedTree, Targets, argmax_rows};
use crate::{Error, Result, validate};

/// Gradient-boosting hyperparameters.
///
/// ```
/// use mlnotes::ensemble::GradientBoosting;
/// use mlnotes::estimator::{Fit, Predict};
/// let diabetes = mlnotes::data::diabetes();
/// let model = GradientBoosting::new(50).fit(&diabetes)?;
/// let yhat: ndarray::Array1<f64> = model.predict(diabetes.x())?;
/// assert!(mlnotes::metrics::r2(diabetes.y(), yhat.view())? > 0.5);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GradientBoosting {
    /// Boosting rounds.
    pub n_estimators: usize,
    /// Shrinkage `η`.
    pub learning_rate: f64,
    /// The regression tree fitted each round (depth 3 by default).
    pub tree: DecisionTree,
    /// Fraction of examples drawn (without replacement) for each round, in `(0, 1]`.
    pub subsample: f64,
    /// Seed of the subsampling.
    pub seed: u64,
    /// Who boosts: native, or smartcore (its XGBoost regressor with `λ = 0` and base score
    /// `ȳ`, regression only, depth-limited trees; see [`crate::engine`]).
    #[serde(default)]
    pub engine: Engine,
}

impl GradientBoosting {
    /// `n_estimators` rounds of depth-3 trees, `η = 0.1`, no subsampling.
    pub fn new(n_estimators: usize) -> Self {
        GradientBoosting {
            n_estimators,
            learning_rate: 0.1,
            tree: DecisionTree::regression().with_max_depth(3),
            subsample: 1.0,
            seed: 0,
            engine: Engine::Native,
        }
    }

    /// Boost with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// smartcore's XGBoost regressor, its trees converted; `train_loss` recomputed here.
    fn smartcore(&self, data: &Dataset<f64>) -> Result<FittedGradientBoosting<f64>> {
        let t = &self.tree;
        let plain = t.max_features == crate::tree::MaxFeatures::All
            && t.categorical.is_empty()
            && t.ccp_alpha == 0.0
            && t.min_impurity_decrease == 0.0
            && t.min_samples_split == 2
            && t.min_samples_leaf == 1;
        if !plain {
            return Err(self.engine.unsupported(
                "boosting trees with settings other than a depth limit (XGBoost's trees take only the depth)",
            ));
        }
        let depth = self.tree.max_depth.ok_or_else(|| {
            self.engine
                .unsupported("boosting trees without a depth limit")
        })?;
        let (x, y) = (data.x(), data.y());
        let (base, shapes) = engine::tree::smartcore_xgboost(
            x,
            y,
            self.n_estimators,
            self.learning_rate,
            depth,
            self.subsample,
            self.seed,
        )?;
        let half_mse = |f: &Array1<f64>| {
            y.iter()
                .zip(f)
                .map(|(a, b)| 0.5 * (a - b).powi(2))
                .sum::<f64>()
                / y.len() as f64
        };
        let mut f = Array1::from_elem(y.len(), base);
        let mut model = FittedGradientBoosting {
            init: vec![base],
            stages: Vec::with_capacity(shapes.len()),
            learning_rate: self.learning_rate,
            train_loss: Vec::with_capacity(shapes.len() + 1),
            _target: PhantomData,
        };
        for shape in shapes {
            model.train_loss.push(half_mse(&f));
            let residual = &y - &f;
            let tree = FittedTree::from_shape_values(&shape, x, residual.view());
            f.scaled_add(self.learning_rate, &tree.predict(x)?);
            model.stages.push(vec![tree]);
        }
        model.train_loss.push(half_mse(&f));
        Ok(model)
    }
}

impl Randomized for GradientBoosting {
    /// The seed of the row subsamples and of the trees' feature draws.
    fn reseeded(&self, seed: u64) -> Self {
        GradientBoosting {
            seed,
            ..self.clone()
        }
    }
}

impl Params for GradientBoosting {
    fn check(&self) -> Result<()> {
        self.tree.check()?;
        if self.tree.criterion != Criterion::SquaredError {
            return Err(Error::config(
                "tree",
                "gradient boosting fits regression trees (Criterion::SquaredError)",
            ));
        }
        if self.n_estimators == 0 {
            return Err(Error::config("n_estimators", "needs at least one round"));
        }
        validate::positive(self.learning_rate, "learning_rate")?;
        self.engine
            .require(&[Engine::Native, Engine::Smartcore], "gradient boosting")?;
        validate::fraction(self.subsample, "subsample")
    }
}

/// The loss being boosted, with its targets.
enum Loss<'a> {
    Squared(&'a [f64]),
    Log(&'a [usize], usize),
}

impl Loss<'_> {
    /// Writes the negative gradient `r` and the Hessian `h` at scores `f` (all `outputs x m`);
    /// returns the mean loss.
    fn gradients(&self, f: &Array2<f64>, r: &mut Array2<f64>, h: &mut Array2<f64>) -> f64 {
        let m = f.ncols();
        match *self {
            Loss::Squared(y) => {
                let mut loss = 0.0;
                for i in 0..m {
                    r[[0, i]] = y[i] - f[[0, i]];
                    h[[0, i]] = 1.0;
                    loss += 0.5 * r[[0, i]] * r[[0, i]];
                }
                loss / m as f64
            }
            Loss::Log(y, 2) => {
                let mut loss = 0.0;
                for i in 0..m {
                    let (fi, yi) = (f[[0, i]], y[i] as f64);
                    let p = sigmoid(fi);
                    r[[0, i]] = yi - p;
                    h[[0, i]] = p * (1.0 - p);
                    // log(1 + e^F) - yF, computed without overflow
                    loss += fi.max(0.0) + (-fi.abs()).exp().ln_1p() - yi * fi;
                }
                loss / m as f64
            }
            Loss::Log(y, k) => {
                let scale = k as f64 / (k as f64 - 1.0);
                let mut loss = 0.0;
                for i in 0..m {
                    let col = f.column(i);
                    let max = col.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                    let z: f64 = col.iter().map(|v| (v - max).exp()).sum();
                    for c in 0..k {
                        let p = (f[[c, i]] - max).exp() / z;
                        r[[c, i]] = f64::from(u8::from(y[i] == c)) - p;
                        h[[c, i]] = scale * p * (1.0 - p);
                    }
                    loss += z.ln() + max - f[[y[i], i]];
                }
                loss / m as f64
            }
        }
    }
}

/// The fitted ensemble: `F(x) = F₀ + η Σ_t h_t(x)`, one tree per output and round.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedGradientBoosting<T> {
    init: Vec<f64>,
    stages: Vec<Vec<FittedTree<f64>>>,
    learning_rate: f64,
    /// Mean training loss before each round and after the last.
    pub train_loss: Vec<f64>,
    _target: PhantomData<T>,
}

impl GradientBoosting {
    fn boost<T>(
        &self,
        x: ArrayView2<f64>,
        init: Vec<f64>,
        loss: &Loss,
    ) -> FittedGradientBoosting<T> {
        let (outputs, m) = (init.len(), x.nrows());
        let mut f = Array2::from_shape_fn((outputs, m), |(k, _)| init[k]);
        let mut r = Array2::zeros((outputs, m));
        let mut h = Array2::zeros((outputs, m));
        let mut weights = vec![1.0; m];
        let mut rng = StdRng::seed_from_u64(self.seed);
        let n_sub = ((self.subsample * m as f64).round() as usize).clamp(1, m);
        let newton = matches!(loss, Loss::Log(..));
        let mut model = FittedGradientBoosting {
            init,
            stages: Vec::with_capacity(self.n_estimators),
            learning_rate: self.learning_rate,
            train_loss: Vec::with_capacity(self.n_estimators + 1),
            _target: PhantomData,
        };
        for _ in 0..self.n_estimators {
            model.train_loss.push(loss.gradients(&f, &mut r, &mut h));
            if n_sub < m {
                weights.fill(0.0);
                for i in rand::seq::index::sample(&mut rng, m, n_sub) {
                    weights[i] = 1.0;
                }
            }
            let mut round = Vec::with_capacity(outputs);
            for k in 0..outputs {
                let rk = r.row(k).to_vec();
                let hk = h.row(k).to_vec();
                let targets = Targets::values(&rk);
                let mut tree: FittedTree<f64> = self.tree.grow(x, targets, &weights);
                let leaves: Vec<usize> =
                    x.rows().into_iter().map(|row| tree.leaf_of(row)).collect();
                if newton {
                    newton_leaves(&mut tree, &leaves, &rk, &hk, &weights);
                }
                for (i, &leaf) in leaves.iter().enumerate() {
                    f[[k, i]] += self.learning_rate * tree.nodes()[leaf].value[0];
                }
                round.push(tree);
            }
            model.stages.push(round);
        }
        model.train_loss.push(loss.gradients(&f, &mut r, &mut h));
        model
    }
}

/// One Newton step per leaf: `γ = Σ r / Σ h` over the (sampled) examples in the leaf.
fn newton_leaves(tree: &mut FittedTree<f64>, leaves: &[usize], r: &[f64], h: &[f64], w: &[f64]) {
    let n = tree.nodes().len();
    let (mut num, mut den) = (vec![0.0; n], vec![0.0; n]);
    for (i, &leaf) in leaves.iter().enumerate() {
        num[leaf] += w[i] * r[i];
        den[leaf] += w[i] * h[i];
    }
    for leaf in 0..n {
        if tree.nodes()[leaf].children().is_empty() {
            let gamma = if den[leaf] > 1e-150 {
                num[leaf] / den[leaf]
            } else {
                0.0
            };
            tree.set_value(leaf, vec![gamma]);
        }
    }
}

impl FitChecked<f64> for GradientBoosting {
    type Model = FittedGradientBoosting<f64>;

    fn fit_checked(&self, data: Checked<'_, f64, Self>) -> Result<Self::Model> {
        let data = data.data();
        self.tree.check_features(data.n_features())?;
        if self.engine == Engine::Smartcore {
            return self.smartcore(data);
        }
        let y = data.targets_slice();
        let mean = data.targets().mean().unwrap_or(0.0);
        Ok(self.boost(data.x(), vec![mean], &Loss::Squared(&y)))
    }
}

impl FitChecked<usize> for GradientBoosting {
    type Model = FittedGradientBoosting<usize>;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<Self::Model> {
        let data = data.data();
        data.require_two_classes()?;
        if self.engine != Engine::Native {
            return Err(self.engine.unsupported("gradient boosting for classes"));
        }
        self.tree.check_features(data.n_features())?;
        let k = data.n_classes();
        let m = data.n_samples() as f64;
        let prior: Vec<f64> = data
            .class_counts()
            .iter()
            .map(|&c| (c as f64 / m).max(1e-12))
            .collect();
        let init = if k == 2 {
            vec![(prior[1] / prior[0]).ln()]
        } else {
            prior.iter().map(|p| p.ln()).collect()
        };
        let y = data.targets_slice();
        Ok(self.boost(data.x(), init, &Loss::Log(&y, k)))
    }
}

impl<T> FittedGradientBoosting<T> {
    /// Raw scores `F(x)` (`m x outputs`) after each round.
    pub fn staged_decision(&self, x: ArrayView2<f64>) -> Result<Vec<Array2<f64>>> {
        let mut stages = Vec::with_capacity(self.stages.len());
        self.accumulate(x, |f| stages.push(f.clone()))?;
        Ok(stages)
    }

    /// Raw scores `F(x)`: the prediction (regression) or log-odds / class scores.
    pub fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.accumulate(x, |_| {})
    }

    fn accumulate(
        &self,
        x: ArrayView2<f64>,
        mut stage: impl FnMut(&Array2<f64>),
    ) -> Result<Array2<f64>> {
        let n_features = self.stages.first().map_or(x.ncols(), |s| s[0].n_features);
        validate::input(n_features, x, "gradient boosting input")?;
        let mut f = Array2::from_shape_fn((x.nrows(), self.init.len()), |(_, k)| self.init[k]);
        for round in &self.stages {
            for (i, row) in x.rows().into_iter().enumerate() {
                for (k, tree) in round.iter().enumerate() {
                    f[[i, k]] += self.learning_rate * tree.nodes()[tree.leaf_of(row)].value[0];
                }
            }
            stage(&f);
        }
        Ok(f)
    }
}

impl Predict<f64> for FittedGradientBoosting<f64> {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(self.decision_function(x)?.column(0).to_owned())
    }
}

impl PredictProba for FittedGradientBoosting<usize> {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        Ok(scores_to_proba(self.decision_function(x)?))
    }
}

impl Predict<usize> for FittedGradientBoosting<usize> {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.predict_proba(x)?))
    }
}

/// `[1 - σ(F), σ(F)]` for one output, `softmax(F)` for several.
fn scores_to_proba(f: Array2<f64>) -> Array2<f64> {
    if f.ncols() > 1 {
        return softmax_rows(f);
    }
    let p = f.column(0).mapv(sigmoid);
    let mut out = Array2::zeros((f.nrows(), 2));
    out.column_mut(1).assign(&p);
    out.column_mut(0).assign(&p.mapv(|v| 1.0 - v));
    out
}
