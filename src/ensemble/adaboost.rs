//! AdaBoost, multi-class SAMME (Zhu, Zou, Rosset & Hastie 2009; K = 2 is Freund & Schapire's
//! AdaBoost.M1). Start with weights `w_i = 1/m`; each round fits a weak learner `h_t` on the
//! weighted examples and computes
//!
//! - `err_t = Σ_i w_i [h_t(x_i) ≠ y_i] / Σ_i w_i`
//! - `α_t = η (ln((1 - err_t) / err_t) + ln(K - 1))`
//! - `w_i ← w_i exp(α_t [h_t(x_i) ≠ y_i])`, then normalise: misclassified examples gain weight.
//!
//! Prediction: `argmax_k Σ_t α_t [h_t(x) = k]`.

use ndarray::{Array1, Array2, ArrayView2};

use crate::data::Dataset;
use crate::engine::{self, Engine};
use crate::estimator::{
    Checked, FitChecked, Params, Predict, PredictProba, Randomized, member_seed,
};
use crate::linear::cost::softmax_rows;
use crate::tree::{DecisionTree, FittedTree, argmax_rows};
use crate::{Error, Result, validate};

/// AdaBoost hyperparameters.
///
/// ```
/// use mlnotes::ensemble::AdaBoost;
/// use mlnotes::estimator::{Fit, Predict};
/// let cancer = mlnotes::data::breast_cancer();
/// let model = AdaBoost::new(20).fit(&cancer)?;
/// assert_eq!(model.predict(cancer.x())?.len(), cancer.n_samples());
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdaBoost {
    /// The weak learner (a depth-1 stump by default).
    pub base: DecisionTree,
    /// Rounds `T` (fewer if a learner is perfect).
    pub n_estimators: usize,
    /// Shrinkage `η` of every `α_t`.
    pub learning_rate: f64,
    /// Who boosts: native (weighted examples) or linfa (linfa-ensemble's SAMME on weighted
    /// resamples of linfa-trees learners; see [`crate::engine`]).
    #[serde(default)]
    pub engine: Engine,
}

impl AdaBoost {
    /// `n_estimators` rounds of CART stumps, `η = 1`.
    pub fn new(n_estimators: usize) -> Self {
        AdaBoost {
            base: DecisionTree::cart().with_max_depth(1),
            n_estimators,
            learning_rate: 1.0,
            engine: Engine::Native,
        }
    }

    /// Boost with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// linfa-ensemble's AdaBoost, its learners converted; `errors` are each learner's
    /// unweighted training error and `sample_weights` is empty (linfa keeps no weights).
    fn linfa(&self, data: &Dataset<usize>) -> Result<FittedAdaBoost> {
        let rounds = engine::tree::linfa_adaboost(
            data.x(),
            data.y(),
            data.n_classes(),
            &self.base,
            self.n_estimators,
            self.learning_rate,
            self.base.seed,
        )?;
        let mut model = FittedAdaBoost {
            learners: Vec::with_capacity(rounds.len()),
            alphas: Vec::with_capacity(rounds.len()),
            errors: Vec::with_capacity(rounds.len()),
            sample_weights: Vec::new(),
            n_classes: data.n_classes(),
        };
        for (shape, alpha) in rounds {
            let h = FittedTree::from_shape(&shape, data, self.base.criterion);
            let predicted = h.predict(data.x())?;
            let wrong = predicted
                .iter()
                .zip(data.y())
                .filter(|(p, y)| p != y)
                .count();
            model.errors.push(wrong as f64 / data.n_samples() as f64);
            model.learners.push(h);
            model.alphas.push(alpha);
        }
        Ok(model)
    }
}

impl Randomized for AdaBoost {
    /// The base learner's seed (each round's learner derives its own from it).
    fn reseeded(&self, seed: u64) -> Self {
        AdaBoost {
            base: self.base.reseeded(seed),
            ..self.clone()
        }
    }
}

impl Params for AdaBoost {
    fn check(&self) -> Result<()> {
        self.base.check()?;
        if self.n_estimators == 0 {
            return Err(Error::config("n_estimators", "needs at least one round"));
        }
        validate::positive(self.learning_rate, "learning_rate")?;
        self.engine
            .require(&[Engine::Native, Engine::Linfa], "AdaBoost")?;
        if self.engine == Engine::Linfa && !self.base.linfa_supported() {
            return Err(self
                .engine
                .unsupported("boosting a tree other than binary CART (Gini or entropy)"));
        }
        Ok(())
    }
}

/// The boosted learners and their votes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedAdaBoost {
    /// Weak learners `h_t`.
    pub learners: Vec<FittedTree<usize>>,
    /// Their votes `α_t`.
    pub alphas: Vec<f64>,
    /// Their weighted training errors `err_t`.
    pub errors: Vec<f64>,
    /// Example weights after the last round (sum 1).
    pub sample_weights: Vec<f64>,
    n_classes: usize,
}

impl FitChecked<usize> for AdaBoost {
    type Model = FittedAdaBoost;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedAdaBoost> {
        let data = data.data();
        data.require_two_classes()?;
        if self.engine == Engine::Linfa {
            return self.linfa(data);
        }
        let (m, k) = (data.n_samples(), data.n_classes());
        let mut w = vec![1.0 / m as f64; m];
        let mut model = FittedAdaBoost {
            learners: Vec::new(),
            alphas: Vec::new(),
            errors: Vec::new(),
            sample_weights: Vec::new(),
            n_classes: k,
        };
        for t in 0..self.n_estimators {
            let h = self
                .base
                .reseeded(member_seed(self.base.seed, t as u64))
                .fit_weighted(data, &w)?;
            let miss: Vec<bool> = h
                .predict(data.x())?
                .iter()
                .zip(data.targets())
                .map(|(p, y)| p != y)
                .collect();
            let err = w
                .iter()
                .zip(&miss)
                .filter(|p| *p.1)
                .map(|p| p.0)
                .sum::<f64>()
                / w.iter().sum::<f64>();
            if err <= 0.0 {
                // A perfect learner decides alone.
                model.learners.push(h);
                model.alphas.push(1.0);
                model.errors.push(0.0);
                break;
            }
            if err >= 1.0 - 1.0 / k as f64 {
                if t == 0 {
                    return Err(Error::invalid(format!(
                        "the weak learner's error {err:.4} is no better than chance (1 - 1/K)"
                    )));
                }
                break;
            }
            let alpha = self.learning_rate * (((1.0 - err) / err).ln() + (k as f64 - 1.0).ln());
            for (wi, &missed) in w.iter_mut().zip(&miss) {
                if missed {
                    *wi *= alpha.exp();
                }
            }
            let total: f64 = w.iter().sum();
            w.iter_mut().for_each(|wi| *wi /= total);
            model.learners.push(h);
            model.alphas.push(alpha);
            model.errors.push(err);
        }
        model.sample_weights = w;
        Ok(model)
    }
}

impl FittedAdaBoost {
    /// The weighted votes `Σ_t α_t [h_t(x) = k]` after each round (for error-vs-rounds curves).
    pub fn staged_votes(&self, x: ArrayView2<f64>) -> Result<Vec<Array2<f64>>> {
        let mut stages = Vec::with_capacity(self.learners.len());
        self.accumulate_votes(x, |v| stages.push(v.clone()))?;
        Ok(stages)
    }

    /// Predictions after each round.
    pub fn staged_predict(&self, x: ArrayView2<f64>) -> Result<Vec<Array1<usize>>> {
        Ok(self.staged_votes(x)?.iter().map(argmax_rows).collect())
    }

    /// Adds each learner's votes in turn, showing the running total to `stage`.
    fn accumulate_votes(
        &self,
        x: ArrayView2<f64>,
        mut stage: impl FnMut(&Array2<f64>),
    ) -> Result<Array2<f64>> {
        let mut votes = Array2::zeros((x.nrows(), self.n_classes));
        for (h, &alpha) in self.learners.iter().zip(&self.alphas) {
            for (i, &k) in h.predict(x)?.iter().enumerate() {
                votes[[i, k]] += alpha;
            }
            stage(&votes);
        }
        Ok(votes)
    }
}

impl Predict<usize> for FittedAdaBoost {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.accumulate_votes(x, |_| {})?))
    }
}

impl PredictProba for FittedAdaBoost {
    /// `softmax(votes / (Σ_t α_t (K - 1)))`: ranks classes as the vote does.
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let scale = self.alphas.iter().sum::<f64>() * (self.n_classes as f64 - 1.0);
        Ok(softmax_rows(self.accumulate_votes(x, |_| {})? / scale))
    }
}
