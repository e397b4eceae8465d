//! Classification trees by linfa-trees (CART), converted into the project's
//! [`FittedTree`](crate::tree::FittedTree).
//!
//! linfa-trees exposes its nodes (feature, threshold, children, leaf class) but no node
//! statistics, so the class frequencies, sizes and impurities of every node are recounted here
//! by routing the training rows through the converted tree. linfa routes `x < t` left (its
//! training partition uses `≤`; thresholds are midpoints, so the two agree on training rows);
//! the project routes `x ≤ t` left, so a threshold `t` becomes the largest float below `t`.
//! Differences that remain, measured in `tests/engines.rs`: linfa computes impurities in `f32`,
//! never separates values closer than 1e-5, and merges sibling leaves that predict the same
//! class.

use linfa::traits::Fit as _;
use ndarray::{ArrayView1, ArrayView2};

use super::wrapped;
use crate::Result;
use crate::tree::{Criterion, Node, Split};

/// The shape of a foreign tree: nodes with parents before children.
pub(crate) enum Shape {
    Leaf,
    Threshold {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
}

/// Fit linfa-trees' CART and read its shape.
pub(crate) fn linfa_cart(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    criterion: Criterion,
    max_depth: Option<usize>,
    min_samples_split: usize,
    min_samples_leaf: usize,
    min_impurity_decrease: f64,
) -> Result<Vec<Shape>> {
    let quality = if criterion == Criterion::Gini {
        linfa_trees::SplitQuality::Gini
    } else {
        linfa_trees::SplitQuality::Entropy
    };
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = linfa_trees::DecisionTree::params()
        .split_quality(quality)
        .max_depth(max_depth)
        .min_weight_split(min_samples_split as f32)
        .min_weight_leaf(min_samples_leaf as f32)
        // linfa refuses a decrease below f64::EPSILON
        .min_impurity_decrease(min_impurity_decrease.max(f64::EPSILON))
        .fit(&data)
        .map_err(|e| wrapped("linfa-trees")(&e))?;
    let mut shape = Vec::new();
    read_linfa(model.root_node(), &mut shape);
    Ok(shape)
}

fn read_linfa(node: &linfa_trees::TreeNode<f64, usize>, shape: &mut Vec<Shape>) -> usize {
    let id = shape.len();
    shape.push(Shape::Leaf);
    let children = node.children();
    if let (false, [Some(left), Some(right)]) = (node.is_leaf(), children.as_slice()) {
        let (feature, t, _) = node.split();
        let left = read_linfa(left, shape);
        let right = read_linfa(right, shape);
        shape[id] = Shape::Threshold {
            feature,
            // linfa: x < t goes left; here x ≤ threshold does
            threshold: t.next_down(),
            left,
            right,
        };
    }
    id
}

/// The project's nodes for `shape`, with the statistics of the training rows reaching each.
pub(crate) fn nodes(
    shape: &[Shape],
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    n_classes: usize,
    criterion: Criterion,
) -> Vec<Node> {
    let mut counts = vec![vec![0.0f64; n_classes]; shape.len()];
    for (row, &class) in x.rows().into_iter().zip(y) {
        let mut id = 0;
        loop {
            counts[id][class] += 1.0;
            match shape[id] {
                Shape::Leaf => break,
                Shape::Threshold {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    id = if row[feature] <= threshold {
                        left
                    } else {
                        right
                    }
                }
            }
        }
    }
    let mut out: Vec<Node> = Vec::with_capacity(shape.len());
    let mut parent_value = vec![vec![1.0 / n_classes as f64; n_classes]; shape.len()];
    for (id, s) in shape.iter().enumerate() {
        let total: f64 = counts[id].iter().sum();
        let value = if total > 0.0 {
            counts[id].iter().map(|c| c / total).collect()
        } else {
            parent_value[id].clone()
        };
        let split = match *s {
            Shape::Leaf => Split::Leaf,
            Shape::Threshold {
                feature,
                threshold,
                left,
                right,
            } => {
                parent_value[left] = value.clone();
                parent_value[right] = value.clone();
                Split::Threshold {
                    feature,
                    threshold,
                    left,
                    right,
                }
            }
        };
        out.push(Node {
            impurity: criterion.impurity(&counts[id]),
            value,
            n_samples: total as usize,
            weight: total,
            split,
        });
    }
    out
}

/// SAMME boosting of linfa-trees by linfa-ensemble: the shape and vote `α_t` of each learner.
///
/// linfa-ensemble trains each round on a weighted resample (drawn from `seed`) instead of on
/// weighted examples, and gives a perfect learner the vote 1e6; its votes are otherwise the
/// project's `α_t = η (ln((1 - err)/err) + ln(K - 1))`.
pub(crate) fn linfa_adaboost(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    base: &crate::tree::DecisionTree,
    n_estimators: usize,
    learning_rate: f64,
    seed: u64,
) -> Result<Vec<(Vec<Shape>, f64)>> {
    let quality = if base.criterion == Criterion::Gini {
        linfa_trees::SplitQuality::Gini
    } else {
        linfa_trees::SplitQuality::Entropy
    };
    let tree = linfa_trees::DecisionTree::<f64, usize>::params()
        .split_quality(quality)
        .max_depth(base.max_depth)
        .min_weight_split(base.min_samples_split as f32)
        .min_weight_leaf(base.min_samples_leaf as f32)
        .min_impurity_decrease(base.min_impurity_decrease.max(f64::EPSILON));
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = linfa_ensemble::AdaBoostParams::new_fixed_rng(tree, super::linfa_rng(seed))
        .n_estimators(n_estimators)
        .learning_rate(learning_rate)
        .fit(&data)
        .map_err(|e| wrapped("linfa-ensemble")(&e))?;
    Ok(model
        .models
        .iter()
        .zip(&model.model_weights)
        .map(|(t, &alpha)| {
            let mut shape = Vec::new();
            read_linfa(t.root_node(), &mut shape);
            (shape, alpha)
        })
        .collect())
}
