//! Bagging (bootstrap aggregating): `B` copies of a base learner, each fitted on `m` examples
//! drawn with replacement; classification by majority vote, regression by the average.
//! A random forest is bagging of trees that draw a random feature subset at every split.

use ndarray::{Array1, Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::data::{Dataset, Target};
use crate::estimator::{
    Checked, Fit, FitChecked, Params, Predict, PredictProba, Randomized, member_seed,
};
use crate::tree::{DecisionTree, MaxFeatures, argmax_rows};
use crate::{Error, Result, validate};

/// Bootstrap draws tried per learner before a one-class sample is kept (and its learner's own
/// error reported).
const MAX_REDRAWS: usize = 100;

/// Bagging hyperparameters around a base learner's.
///
/// ```
/// use mlnotes::ensemble::Bagging;
/// use mlnotes::estimator::{Fit, PredictProba};
/// use mlnotes::knn::Knn;
/// let iris = mlnotes::data::iris();
/// let forest = Bagging::random_forest(20).with_seed(7).fit(&iris)?;
/// assert_eq!(forest.predict_proba(iris.x())?.ncols(), 3);
/// // any model can be bagged
/// let knns = Bagging::new(Knn::new(3), 5).fit(&iris)?;
/// assert_eq!(knns.models.len(), 5);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bagging<P> {
    /// The base learner.
    pub base: P,
    /// Number of learners `B`.
    pub n_estimators: usize,
    /// Bootstrap sample size as a fraction of the training set, in `(0, 1]`.
    pub max_samples: f64,
    /// Seed of the bootstrap draws (learner `b` also gets seed [`member_seed`]`(seed, b)`).
    pub seed: u64,
}

impl<P> Bagging<P> {
    /// `n_estimators` copies of `base` on full-size bootstrap samples.
    pub fn new(base: P, n_estimators: usize) -> Self {
        Bagging {
            base,
            n_estimators,
            max_samples: 1.0,
            seed: 0,
        }
    }

    /// Set the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Bagging<DecisionTree> {
    /// A random forest: bagged, fully grown CART trees drawing `√n` features per split.
    pub fn random_forest(n_trees: usize) -> Self {
        Self::new(
            DecisionTree {
                max_features: MaxFeatures::Sqrt,
                ..DecisionTree::cart()
            },
            n_trees,
        )
    }
}

impl<P: Clone> Randomized for Bagging<P> {
    /// The seed of the bootstrap draws (and so of every learner).
    fn reseeded(&self, seed: u64) -> Self {
        Bagging {
            seed,
            ..self.clone()
        }
    }
}

impl<P: Params> Params for Bagging<P> {
    fn check(&self) -> Result<()> {
        self.base.check()?;
        if self.n_estimators == 0 {
            return Err(Error::config("n_estimators", "needs at least one learner"));
        }
        validate::fraction(self.max_samples, "max_samples")
    }
}

/// The fitted learners.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedBagging<M> {
    /// One fitted learner per bootstrap sample.
    pub models: Vec<M>,
    n_classes: usize,
}

impl<P> Bagging<P> {
    /// Fits every learner on its own bootstrap sample, in parallel.
    fn fit_all<T, M>(&self, data: &Dataset<T>) -> Result<Vec<M>>
    where
        T: Target,
        P: FitChecked<T, Model = M> + Randomized + Sync,
        M: Send,
    {
        let n = data.n_samples();
        let m = ((self.max_samples * n as f64).ceil() as usize).max(1);
        // For classification, a bootstrap sample that happens to hold one class only cannot
        // train most learners: such a sample is drawn again (from the member's own generator).
        let class = |i: usize| data.targets()[i].class_index();
        let several_classes = |rows: &[usize]| {
            let first = class(rows[0]);
            first.is_none() || rows.iter().any(|&i| class(i) != first)
        };
        let data_has_several = several_classes(&(0..n).collect::<Vec<_>>());
        (0..self.n_estimators)
            .into_par_iter()
            .map(|b| {
                let seed = member_seed(self.seed, b as u64);
                let mut rng = StdRng::seed_from_u64(seed);
                let mut rows: Vec<usize> = (0..m).map(|_| rng.random_range(0..n)).collect();
                for _ in 0..MAX_REDRAWS {
                    if !data_has_several || several_classes(&rows) {
                        break;
                    }
                    rows = (0..m).map(|_| rng.random_range(0..n)).collect();
                }
                self.base.reseeded(seed).fit(&data.select(&rows)?)
            })
            .collect()
    }
}

impl<P> FitChecked<usize> for Bagging<P>
where
    P: FitChecked<usize> + Randomized + Sync,
    P::Model: Send + Sync,
{
    type Model = FittedBagging<P::Model>;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<Self::Model> {
        let data = data.data();
        data.require_two_classes()?;
        Ok(FittedBagging {
            models: self.fit_all(data)?,
            n_classes: data.n_classes(),
        })
    }
}

impl<P> FitChecked<f64> for Bagging<P>
where
    P: FitChecked<f64> + Randomized + Sync,
    P::Model: Send + Sync,
{
    type Model = FittedBagging<P::Model>;

    fn fit_checked(&self, data: Checked<'_, f64, Self>) -> Result<Self::Model> {
        let data = data.data();
        Ok(FittedBagging {
            models: self.fit_all(data)?,
            n_classes: 0,
        })
    }
}

impl<M> FittedBagging<M> {
    /// Learners fitted elsewhere (by another engine) for `n_classes` classes (0 for values).
    pub(crate) fn from_models(models: Vec<M>, n_classes: usize) -> Self {
        FittedBagging { models, n_classes }
    }

    /// Every learner's predictions, learners in parallel.
    fn all_predictions<T: Send>(&self, x: ArrayView2<f64>) -> Result<Vec<Array1<T>>>
    where
        M: Predict<T> + Sync,
    {
        self.models.par_iter().map(|m| m.predict(x)).collect()
    }
}

impl<M: Predict<usize> + Sync> PredictProba for FittedBagging<M> {
    /// The share of learners voting for each class.
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let mut votes = Array2::zeros((x.nrows(), self.n_classes));
        for pred in self.all_predictions(x)? {
            for (i, &k) in pred.iter().enumerate() {
                votes[[i, k]] += 1.0;
            }
        }
        Ok(votes / self.models.len() as f64)
    }
}

impl<M: Predict<usize> + Sync> Predict<usize> for FittedBagging<M> {
    /// Majority vote (lowest class on ties).
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.predict_proba(x)?))
    }
}

impl<M: Predict<f64> + Sync> Predict<f64> for FittedBagging<M> {
    /// The average of the learners' predictions.
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let mut sum = Array1::zeros(x.nrows());
        for pred in self.all_predictions(x)? {
            sum += &pred;
        }
        Ok(sum / self.models.len() as f64)
    }
}
