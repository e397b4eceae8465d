//! The fitted decision tree: nodes in an arena (root first, children after their parent),
//! routing an example from the root to a leaf and reading the leaf's value.

use std::marker::PhantomData;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

use super::criterion::Criterion;
use crate::estimator::{Predict, PredictProba};
use crate::{Result, validate};

/// How a node routes an example.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Split {
    /// No test: predict the node's value.
    Leaf,
    /// `x[feature] <= threshold` goes `left`, otherwise `right`.
    Threshold {
        /// The tested feature.
        feature: usize,
        /// The threshold (midpoint between two observed values).
        threshold: f64,
        /// Child for `x <= threshold`.
        left: usize,
        /// Child for `x > threshold`.
        right: usize,
    },
    /// One child per observed value of a categorical feature; an unseen value stops here.
    Category {
        /// The tested feature.
        feature: usize,
        /// `(value, child)` pairs, values ascending.
        children: Vec<(f64, usize)>,
    },
}

/// One node of a fitted tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    /// Class probabilities (classification) or `[mean]` (regression) of the node's examples.
    pub value: Vec<f64>,
    /// Training examples reaching the node.
    pub n_samples: usize,
    /// Their total weight.
    pub weight: f64,
    /// Their impurity (entropy, Gini or variance).
    pub impurity: f64,
    /// The test.
    pub split: Split,
}

impl Node {
    /// Child indices of the node (none for a leaf).
    pub fn children(&self) -> Vec<usize> {
        match &self.split {
            Split::Leaf => Vec::new(),
            Split::Threshold { left, right, .. } => vec![*left, *right],
            Split::Category { children, .. } => children.iter().map(|c| c.1).collect(),
        }
    }
}

/// A fitted decision tree; node 0 is the root and children come after their parent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedTree<T> {
    pub(crate) nodes: Vec<Node>,
    pub(crate) n_features: usize,
    pub(crate) n_classes: usize,
    pub(crate) criterion: Criterion,
    #[serde(skip)]
    pub(super) _target: PhantomData<T>,
}

impl<T> FittedTree<T> {
    /// All nodes (pruned subtrees stay in the arena but are unreachable).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Which nodes hang below the root (after pruning, some do not).
    pub fn reachable(&self) -> Vec<bool> {
        let mut reach = vec![false; self.nodes.len()];
        reach[0] = true;
        for id in 0..self.nodes.len() {
            if reach[id] {
                for c in self.nodes[id].children() {
                    reach[c] = true;
                }
            }
        }
        reach
    }

    /// Number of leaves below the root.
    pub fn n_leaves(&self) -> usize {
        let reach = self.reachable();
        (0..self.nodes.len())
            .filter(|&i| reach[i] && self.nodes[i].split == Split::Leaf)
            .count()
    }

    /// Depth of the deepest leaf (root = 0).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0; self.nodes.len()];
        let mut max = 0;
        for id in 0..self.nodes.len() {
            for c in self.nodes[id].children() {
                depth[c] = depth[id] + 1;
            }
        }
        let reach = self.reachable();
        for id in 0..self.nodes.len() {
            if reach[id] {
                max = max.max(depth[id]);
            }
        }
        max
    }

    /// The node an example ends in: a leaf, or the node whose categorical test has not seen
    /// the example's value (the row is trusted; [`FittedTree::apply`] validates).
    pub(crate) fn leaf_of(&self, row: ArrayView1<f64>) -> usize {
        self.walk(row, |_| {})
    }

    /// Follows an example from the root, visiting every node on its path; returns the last.
    pub(crate) fn walk(&self, row: ArrayView1<f64>, mut visit: impl FnMut(usize)) -> usize {
        let mut id = 0;
        loop {
            visit(id);
            match &self.nodes[id].split {
                Split::Leaf => return id,
                Split::Threshold {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    id = if row[*feature] <= *threshold {
                        *left
                    } else {
                        *right
                    }
                }
                Split::Category { feature, children } => {
                    match children.iter().find(|c| c.0 == row[*feature]) {
                        Some(c) => id = c.1,
                        None => return id,
                    }
                }
            }
        }
    }

    /// The final node of every row (scikit-learn's `apply`).
    pub fn apply(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        validate::input(self.n_features, x, "decision tree input")?;
        Ok(x.rows().into_iter().map(|r| self.leaf_of(r)).collect())
    }

    /// Normalised total impurity decrease per feature (weighted by examples reaching the split).
    pub fn feature_importances(&self) -> Array1<f64> {
        let mut imp = Array1::zeros(self.n_features);
        let reach = self.reachable();
        for (id, node) in self.nodes.iter().enumerate() {
            let feature = match &node.split {
                Split::Leaf => continue,
                Split::Threshold { feature, .. } | Split::Category { feature, .. } => *feature,
            };
            if !reach[id] {
                continue;
            }
            let children: f64 = node
                .children()
                .iter()
                .map(|&c| self.nodes[c].weight * self.nodes[c].impurity)
                .sum();
            imp[feature] += node.weight * node.impurity - children;
        }
        let total = imp.sum();
        if total > 0.0 {
            imp /= total;
        }
        imp
    }

    pub(crate) fn set_value(&mut self, node: usize, value: Vec<f64>) {
        self.nodes[node].value = value;
    }

    /// The value of each row's leaf (rows in parallel).
    fn leaf_values(&self, x: ArrayView2<f64>) -> Result<Vec<&[f64]>>
    where
        T: Sync,
    {
        validate::input(self.n_features, x, "decision tree input")?;
        let value = |i: usize| self.nodes[self.leaf_of(x.row(i))].value.as_slice();
        // Threads pay off only for large inputs.
        Ok(if x.nrows() < PARALLEL_ROWS {
            (0..x.nrows()).map(value).collect()
        } else {
            (0..x.nrows())
                .into_par_iter()
                .with_min_len(PARALLEL_ROWS / 2)
                .map(value)
                .collect()
        })
    }
}

/// Rows from which prediction runs on several threads.
const PARALLEL_ROWS: usize = 8192;

/// The index of the largest score (lowest index on ties).
pub(crate) fn argmax<'a>(scores: impl IntoIterator<Item = &'a f64>) -> usize {
    scores
        .into_iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |best, (k, &v)| {
            if v > best.1 { (k, v) } else { best }
        })
        .0
}

/// The row-wise [`argmax`] of a score matrix.
pub(crate) fn argmax_rows(scores: &Array2<f64>) -> Array1<usize> {
    scores.rows().into_iter().map(argmax).collect()
}

impl Predict<usize> for FittedTree<usize> {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        Ok(self.leaf_values(x)?.into_iter().map(argmax).collect())
    }
}

impl PredictProba for FittedTree<usize> {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let values = self.leaf_values(x)?;
        let mut p = Array2::zeros((x.nrows(), self.n_classes));
        for (mut row, v) in p.rows_mut().into_iter().zip(values) {
            row.assign(&ArrayView1::from(v));
        }
        Ok(p)
    }
}

impl Predict<f64> for FittedTree<f64> {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(self.leaf_values(x)?.into_iter().map(|v| v[0]).collect())
    }
}
