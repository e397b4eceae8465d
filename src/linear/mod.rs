//! Linear models (notes: *Linear Regression*, *Logistic Regression*, *Regularization*).

pub mod cost;
mod lasso;
mod logistic;
mod regression;

pub use lasso::{FittedLasso, Lasso};
pub use logistic::{FittedLogistic, LogisticRegression, MultiClass};
pub use regression::{FittedLinear, LinearRegression};

use ndarray::{Array2, ArrayView2, s};

/// The design matrix `[1 | X]`: a leading column of ones for the bias `θ₀`.
pub fn design(x: ArrayView2<f64>) -> Array2<f64> {
    let mut d = Array2::ones((x.nrows(), x.ncols() + 1));
    d.slice_mut(s![.., 1..]).assign(&x);
    d
}

crate::estimator::deterministic!(LinearRegression, Lasso, LogisticRegression);
