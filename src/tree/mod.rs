//! Decision trees (notes: *Trees & Ensemble Learning, Decision Tree*): ID3 (information gain),
//! C4.5 (gain ratio), CART (Gini) and regression trees, with pre- and post-pruning.
//!
//! Written here rather than wrapped: linfa-trees and smartcore grow binary CART trees only,
//! without gain ratio, multiway categorical splits, sample weights or post-pruning.

pub mod criterion;
mod fitted;
mod grow;
mod params;
mod prune;
mod render;
mod targets;

pub use criterion::Criterion;
pub use fitted::{FittedTree, Node, Split};
pub(crate) use fitted::{argmax, argmax_rows};
pub use params::{DecisionTree, MaxFeatures};
pub(crate) use targets::Targets;
pub use targets::TreeTarget;

#[cfg(test)]
mod tests;
