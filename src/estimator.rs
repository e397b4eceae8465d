//! One estimator API over every classical model, in linfa's and scikit-learn's words.
//!
//! * Hyperparameters are a params struct whose [`Params::check`] validates them (linfa's
//!   `ParamGuard`) and returns [`Error::Config`](crate::Error::Config) naming the parameter.
//! * An implementation provides [`FitChecked::fit_checked`], which receives a [`Checked`] data
//!   set: a proof, only this module can make, that the params passed `check` and the data passed
//!   [`Dataset::validate`]. The public [`Fit::fit`] is a blanket implementation that runs both
//!   checks and then calls `fit_checked`; `Fit` cannot be implemented by hand (it requires
//!   `FitChecked` and every `FitChecked` type already has the blanket `Fit`), so no estimator
//!   can skip the checks.
//! * Supervised models fit a `Dataset<usize>` (classification) or `Dataset<f64>` (regression);
//!   unsupervised estimators and transformers fit a `Dataset<()>` (features only, made by
//!   [`Dataset::unlabeled`], or directly from a matrix by [`FitFeatures::fit_features`]).
//!   Transformers that ignore targets fit any `Dataset<T>`, so they can stand in a supervised
//!   pipeline.
//! * Fitted models [`Predict::predict`] (clusterers predict the cluster), classifiers
//!   [`PredictProba::predict_proba`], transformers [`Transform::transform`]. Unlike linfa's
//!   `PredictInplace`, prediction is fallible: a wrong feature count is an error, not a panic.
//!
//! ```
//! use mlnotes::data;
//! use mlnotes::estimator::{Fit, Predict};
//! use mlnotes::knn::Knn;
//!
//! let iris = data::iris();
//! let model = Knn::new(5).fit(&iris)?;
//! let predicted = model.predict(iris.x())?;
//! assert_eq!(predicted.len(), iris.n_samples());
//! // A hyperparameter out of range is an error naming it, before any work.
//! let err = Knn::new(0).fit(&iris).unwrap_err();
//! assert!(matches!(err, mlnotes::Error::Config { param: "k", .. }));
//! # Ok::<(), mlnotes::Error>(())
//! ```

use std::marker::PhantomData;
use std::ops::Deref;

use ndarray::{Array1, Array2, ArrayView2};

use crate::Result;
use crate::data::{Dataset, Target};

/// Hyperparameters that can be validated before any work starts.
pub trait Params {
    /// `Ok(())` when every hyperparameter is in its valid range, else
    /// [`Error::Config`](crate::Error::Config) naming the first one that is not.
    fn check(&self) -> Result<()>;

    /// Whether the estimator fits data with missing features (NaN); only imputers do.
    fn accepts_missing(&self) -> bool {
        false
    }
}

/// A data set that passed [`Dataset::validate`], handed to [`FitChecked::fit_checked`] by
/// [`Fit::fit`] after the params `P` passed [`Params::check`]. Only this module can make one,
/// and it is tied to `P`: a wrapper cannot hand its own proof to an inner estimator's
/// `fit_checked` (it calls the inner `fit`, which checks the inner params).
#[derive(Debug)]
pub struct Checked<'a, T: Target, P: ?Sized> {
    data: &'a Dataset<T>,
    params: PhantomData<fn(&P)>,
}

impl<T: Target, P: ?Sized> Deref for Checked<'_, T, P> {
    type Target = Dataset<T>;

    fn deref(&self) -> &Dataset<T> {
        self.data
    }
}

impl<'a, T: Target, P: ?Sized> Checked<'a, T, P> {
    /// The checked data set, with the lifetime of the original borrow.
    pub fn data(&self) -> &'a Dataset<T> {
        self.data
    }
}

/// What an estimator implements: learning from data that has already been checked.
///
/// Implement this, never [`Fit`]: the public `fit` comes with it and runs the checks first.
pub trait FitChecked<T: Target>: Params {
    /// The fitted model.
    type Model;

    /// Learn from `data`; the params and the data are known to be valid.
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<Self::Model>;
}

/// Learn a model from a data set with targets of type `T` (`()` for features alone).
///
/// Implemented for every [`FitChecked`] type and for no other: it validates the params, then
/// the data, then fits.
pub trait Fit<T: Target>: FitChecked<T> {
    /// Validate params and data, then fit.
    fn fit(&self, data: &Dataset<T>) -> Result<Self::Model>;
}

impl<T: Target, P: FitChecked<T> + ?Sized> Fit<T> for P {
    fn fit(&self, data: &Dataset<T>) -> Result<Self::Model> {
        self.check()?;
        data.validate_with(self.accepts_missing())?;
        self.fit_checked(Checked {
            data,
            params: PhantomData,
        })
    }
}

/// Fit an unsupervised estimator or a transformer on a bare feature matrix.
pub trait FitFeatures: Fit<()> {
    /// `fit` on the features `x` alone (missing values, NaN, reach only an estimator that
    /// accepts them; the others refuse them in `fit`).
    fn fit_features(&self, x: ArrayView2<f64>) -> Result<Self::Model> {
        self.fit(&Dataset::unlabeled_with_missing(x.to_owned())?)
    }
}

impl<P: Fit<()> + ?Sized> FitFeatures for P {}

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

/// A fitted model found by an iterative method with a stopping tolerance and an iteration cap.
///
/// Reaching the cap is not an error (the model is usable and often good), but it must be
/// visible: `converged` is `false` when the tolerance was not met within the budget.
pub trait Convergence {
    /// Whether the stopping tolerance was met before the iteration limit.
    fn converged(&self) -> bool;
}

/// Hyperparameters with a random seed: ensembles give each member its own.
///
/// Models without randomness implement it as the identity (`reseeded` returns a copy), so
/// [`Bagging`](crate::ensemble::Bagging) can wrap any model.
pub trait Randomized: Sized {
    /// The same hyperparameters with another seed.
    fn reseeded(&self, seed: u64) -> Self;
}

/// `impl Randomized` as the identity, for models without randomness.
macro_rules! deterministic {
    ($($ty:ty),* $(,)?) => {
        $(impl $crate::estimator::Randomized for $ty {
            /// No randomness: the seed is ignored.
            fn reseeded(&self, _seed: u64) -> Self {
                self.clone()
            }
        })*
    };
}
pub(crate) use deterministic;

/// Seed of member `index` of an ensemble built with `seed`: SplitMix64 of both, so members of
/// runs with neighbouring seeds share nothing (with `seed + index`, seeds `s` and `s + 1` would
/// share all members but one).
pub fn member_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(index)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod battery;

#[cfg(test)]
mod config_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_seeds_of_neighbouring_runs_differ() {
        let a: Vec<u64> = (0..100).map(|b| member_seed(1, b)).collect();
        let b: Vec<u64> = (0..100).map(|b| member_seed(2, b)).collect();
        assert!(a.iter().all(|s| !b.contains(s)));
        // SplitMix64's published first output for state 0 after one increment.
        assert_eq!(member_seed(0, 0), 0xE220_A839_7B1D_CDAF);
        // no overflow panic at the ends of the range
        assert_ne!(member_seed(u64::MAX, u64::MAX), member_seed(u64::MAX, 0));
    }
}
