//! Ensemble learning (notes: *Ensemble Learning*): many weak learners make a strong one.
//!
//! - [`Bagging`]: independent learners on bootstrap samples, majority vote or average
//!   (reduces variance); [`Bagging::random_forest`] adds random feature subsets at each split;
//!   [`RandomForest`] is the same forest as a family with engines (native or smartcore).
//! - [`AdaBoost`]: sequential stumps on reweighted examples, misclassified ones up-weighted
//!   (SAMME, reduces bias).
//! - [`GradientBoosting`]: sequential regression trees fitted to the negative gradient of the
//!   loss (squared error, log loss).

mod adaboost;
mod bagging;
mod forest;
mod gradient_boosting;

pub use adaboost::{AdaBoost, FittedAdaBoost};
pub use bagging::{Bagging, FittedBagging};
pub use forest::RandomForest;
pub use gradient_boosting::{FittedGradientBoosting, GradientBoosting};

#[cfg(test)]
mod tests;
