//! One estimator API over every classical model, in linfa's and scikit-learn's words.
//!
//! Hyperparameters are a params struct whose [`Params::check`] validates them (linfa's
//! `ParamGuard`) and returns [`Error::Config`](crate::Error::Config); [`Fit::fit`] checks the
//! params and the data, then returns a fitted model; fitted models [`Predict::predict`] and,
//! for classifiers, [`PredictProba::predict_proba`]. Transformers [`Transform::transform`].
//! Unlike linfa's `PredictInplace`, prediction is fallible: a wrong feature count is an error,
//! not a panic.

use ndarray::{Array1, Array2, ArrayView2};

use crate::Result;
use crate::data::{Dataset, Target};

/// Hyperparameters that can be validated before any work starts.
pub trait Params {
    /// `Ok(())` when every hyperparameter is in its valid range.
    fn check(&self) -> Result<()>;
}

/// Learn a model from a data set with targets of type `T`.
pub trait Fit<T: Target>: Params {
    /// The fitted model.
    type Model: Predict<T>;

    /// Validate params and data, then fit.
    fn fit(&self, data: &Dataset<T>) -> Result<Self::Model>;
}

/// A fitted model that predicts one target per row.
pub trait Predict<T> {
    /// Predictions for each row of `x`.
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<T>>;
}

/// A fitted classifier that gives class probabilities (rows sum to 1).
pub trait PredictProba {
    /// `P(y = k | x)` for each row of `x` and class `k`.
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>>;
}

/// A fitted transformer of feature matrices (scalers, encoders, PCA).
pub trait Transform {
    /// The transformed features.
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>>;
}

/// Hyperparameters with a random seed: ensembles give each member its own.
pub trait Randomized: Sized {
    /// The same hyperparameters with another seed.
    fn reseeded(&self, seed: u64) -> Self;
}
