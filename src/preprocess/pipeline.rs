//! Pipelines (scikit-learn's `Pipeline`): a transformer followed by an estimator is itself an
//! estimator. `fit` fits the transformer on the training rows, transforms them, and fits the
//! estimator on the result; `predict` applies the fitted transformer unchanged first. So
//! cross-validation, hyperparameter search and persistence treat the whole chain as one model,
//! and nothing is ever fitted on validation rows. Longer chains nest: the estimator of a
//! pipeline can be another pipeline.
//!
//! ```
//! use mlnotes::estimator::{Fit, Predict};
//! use mlnotes::knn::Knn;
//! use mlnotes::preprocess::{Imputation, Imputer, Pipeline, Scaler};
//! // impute → standardise → 5-NN
//! let model = Pipeline::new(
//!     Imputer::new(Imputation::Median),
//!     Pipeline::new(Scaler::standardization(), Knn::new(5)),
//! );
//! let iris = mlnotes::data::iris();
//! let fitted = model.fit(&iris)?;
//! let x = ndarray::array![[5.1, f64::NAN, 1.4, 0.2]]; // a missing sepal width
//! assert_eq!(fitted.predict(x.view())?.len(), 1);
//! # Ok::<(), mlnotes::Error>(())
//! ```

use ndarray::{Array1, Array2, ArrayView2};

use crate::Result;
use crate::data::Target;
use crate::estimator::{
    Checked, Fit, FitChecked, Params, Predict, PredictProba, Randomized, Transform,
};

/// A transformer `step` followed by an estimator `model`.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Pipeline<S, P> {
    /// The transformer, fitted first.
    pub step: S,
    /// The estimator, fitted on the transformed rows.
    pub model: P,
}

/// A fitted [`Pipeline`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FittedPipeline<F, M> {
    /// The transformer learned on the training rows.
    pub step: F,
    /// The estimator learned on the transformed training rows.
    pub model: M,
}

impl<S, P> Pipeline<S, P> {
    /// `step`, then `model`.
    pub fn new(step: S, model: P) -> Self {
        Pipeline { step, model }
    }
}

impl<S: Randomized, P: Randomized> Randomized for Pipeline<S, P> {
    /// Both parts reseeded, each with a seed of its own.
    fn reseeded(&self, seed: u64) -> Self {
        Pipeline {
            step: self.step.reseeded(crate::estimator::member_seed(seed, 0)),
            model: self.model.reseeded(crate::estimator::member_seed(seed, 1)),
        }
    }
}

impl<S: Params, P: Params> Params for Pipeline<S, P> {
    fn check(&self) -> Result<()> {
        self.step.check()?;
        self.model.check()
    }

    /// Missing values are for the first step to handle (an imputer).
    fn accepts_missing(&self) -> bool {
        self.step.accepts_missing()
    }
}

impl<T, S, P> FitChecked<T> for Pipeline<S, P>
where
    T: Target,
    S: FitChecked<T, Model: Transform>,
    P: FitChecked<T>,
{
    type Model = FittedPipeline<S::Model, P::Model>;

    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<Self::Model> {
        let data = data.data();
        let step = self.step.fit(data)?;
        let model = self
            .model
            .fit(&data.with_features(step.transform(data.x())?)?)?;
        Ok(FittedPipeline { step, model })
    }
}

impl<T, F: Transform, M: Predict<T>> Predict<T> for FittedPipeline<F, M> {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<T>> {
        self.model.predict(self.step.transform(x)?.view())
    }
}

impl<F: Transform, M: PredictProba> PredictProba for FittedPipeline<F, M> {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.model.predict_proba(self.step.transform(x)?.view())
    }
}

impl<F: Transform, M: Transform> Transform for FittedPipeline<F, M> {
    /// Both transforms, in order (a pipeline of transformers is a transformer).
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.model.transform(self.step.transform(x)?.view())
    }
}

#[cfg(test)]
mod tests;
