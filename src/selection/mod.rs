//! Model evaluation and selection (notes: *Model Evaluation*, *Hyperparameter Search*):
//! hold-out and k-fold splits, cross-validation, learning curves for bias/variance diagnosis,
//! and grid, random and Bayesian hyperparameter search.

mod bayes_opt;
mod cross_val;
mod search;
mod split;

pub use bayes_opt::{BayesianSearch, FittedGaussianProcess, GaussianProcess};
pub use cross_val::{Diagnosis, LearningCurve, cross_val_score, learning_curve};
pub use search::{Dimension, Point, SearchResult, SearchSpace, Trial, grid_search, random_search};
pub use split::{Fold, HoldOut, HoldOutSplit, KFold};
