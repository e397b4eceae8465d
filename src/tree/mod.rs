//! Decision trees (notes: *Trees & Ensemble Learning, Decision Tree*): ID3 (information gain),
//! C4.5 (gain ratio), CART (Gini) and regression trees, with pre- and post-pruning.
//!
//! Written here rather than wrapped: linfa-trees and smartcore grow binary CART trees only,
//! without gain ratio, multiway categorical splits, sample weights or post-pruning.

pub mod criterion;
mod decision_tree;
mod prune;
mod render;

pub use criterion::Criterion;
pub use decision_tree::{DecisionTree, FittedTree, MaxFeatures, Node, Split, TreeTarget};
pub(crate) use decision_tree::{Targets, argmax, argmax_rows};

#[cfg(test)]
mod tests;
