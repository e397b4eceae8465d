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

/// The shape of a foreign tree: nodes with parents before children. A leaf carries the
/// engine's own output where the training rows cannot recount it (members of an ensemble,
/// trained on resamples); otherwise its value is recounted from the rows reaching it.
pub(crate) enum Shape {
    Leaf(Option<Vec<f64>>),
    Threshold {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
}

/// linfa-trees' CART params in the project's terms (linfa refuses a minimum impurity decrease
/// below `f64::EPSILON`; its split and leaf sizes are compared with row counts).
fn linfa_tree_params(
    criterion: Criterion,
    max_depth: Option<usize>,
    min_samples_split: usize,
    min_samples_leaf: usize,
    min_impurity_decrease: f64,
) -> linfa_trees::DecisionTreeParams<f64, usize> {
    let quality = if criterion == Criterion::Gini {
        linfa_trees::SplitQuality::Gini
    } else {
        linfa_trees::SplitQuality::Entropy
    };
    linfa_trees::DecisionTree::params()
        .split_quality(quality)
        .max_depth(max_depth)
        .min_weight_split(min_samples_split as f32)
        .min_weight_leaf(min_samples_leaf as f32)
        .min_impurity_decrease(min_impurity_decrease.max(f64::EPSILON))
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
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = linfa_tree_params(
        criterion,
        max_depth,
        min_samples_split,
        min_samples_leaf,
        min_impurity_decrease,
    )
    .fit(&data)
    .map_err(|e| wrapped("linfa-trees")(&e))?;
    Ok(read_linfa_tree(&model, None))
}

/// The shape of a fitted linfa tree; with `votes = Some(k)` each leaf keeps linfa's class as a
/// one-hot vote over `k` classes (learners trained on resamples), else its value is recounted.
pub(crate) fn read_linfa_tree(
    model: &linfa_trees::DecisionTree<f64, usize>,
    votes: Option<usize>,
) -> Vec<Shape> {
    let mut shape = Vec::new();
    read_linfa(model.root_node(), &mut shape, votes);
    shape
}

fn read_linfa(
    node: &linfa_trees::TreeNode<f64, usize>,
    shape: &mut Vec<Shape>,
    votes: Option<usize>,
) -> usize {
    let id = shape.len();
    let vote = votes.zip(node.prediction()).and_then(|(k, class)| {
        (class < k).then(|| {
            let mut v = vec![0.0; k];
            v[class] = 1.0;
            v
        })
    });
    shape.push(Shape::Leaf(vote));
    let children = node.children();
    if let (false, [Some(left), Some(right)]) = (node.is_leaf(), children.as_slice()) {
        let (feature, t, _) = node.split();
        let left = read_linfa(left, shape, votes);
        let right = read_linfa(right, shape, votes);
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

/// The training targets routed through a foreign tree.
pub(crate) enum Routed<'a> {
    /// Classes `0..k`.
    Classes(ArrayView1<'a, usize>, usize),
    /// Continuous values.
    Values(ArrayView1<'a, f64>),
}

impl Routed<'_> {
    /// Width of a node's statistics: class counts, or `[n, Σy, Σy²]`.
    fn width(&self) -> usize {
        match self {
            Routed::Classes(_, k) => *k,
            Routed::Values(_) => 3,
        }
    }

    fn add(&self, stats: &mut [f64], i: usize) {
        match self {
            Routed::Classes(y, _) => stats[y[i]] += 1.0,
            Routed::Values(y) => {
                stats[0] += 1.0;
                stats[1] += y[i];
                stats[2] += y[i] * y[i];
            }
        }
    }

    /// The node's value from its statistics: class frequencies, or `[mean]`.
    fn value(&self, stats: &[f64]) -> Option<Vec<f64>> {
        match self {
            Routed::Classes(..) => {
                let total: f64 = stats.iter().sum();
                (total > 0.0).then(|| stats.iter().map(|c| c / total).collect())
            }
            Routed::Values(_) => (stats[0] > 0.0).then(|| vec![stats[1] / stats[0]]),
        }
    }

    fn size(&self, stats: &[f64]) -> f64 {
        match self {
            Routed::Classes(..) => stats.iter().sum(),
            Routed::Values(_) => stats[0],
        }
    }
}

/// The project's nodes for `shape`, with the statistics of the training rows reaching each.
pub(crate) fn nodes(
    shape: &[Shape],
    x: ArrayView2<f64>,
    targets: Routed<'_>,
    criterion: Criterion,
) -> Vec<Node> {
    let mut counts = vec![vec![0.0f64; targets.width()]; shape.len()];
    for (i, row) in x.rows().into_iter().enumerate() {
        let mut id = 0;
        loop {
            targets.add(&mut counts[id], i);
            match shape[id] {
                Shape::Leaf(_) => break,
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
    let first = match targets {
        Routed::Classes(_, k) => vec![1.0 / k as f64; k],
        Routed::Values(_) => vec![0.0],
    };
    let mut parent_value = vec![first; shape.len()];
    for (id, s) in shape.iter().enumerate() {
        let total = targets.size(&counts[id]);
        let value = match s {
            Shape::Leaf(Some(v)) => v.clone(),
            _ => targets
                .value(&counts[id])
                .unwrap_or_else(|| parent_value[id].clone()),
        };
        let split = match *s {
            Shape::Leaf(_) => Split::Leaf,
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
    k: usize,
    base: &crate::tree::DecisionTree,
    n_estimators: usize,
    learning_rate: f64,
    seed: u64,
) -> Result<Vec<(Vec<Shape>, f64)>> {
    let tree = linfa_tree_params(
        base.criterion,
        base.max_depth,
        base.min_samples_split,
        base.min_samples_leaf,
        base.min_impurity_decrease,
    );
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = linfa_ensemble::AdaBoostParams::new_fixed_rng(tree, super::linfa_rng(seed))
        .n_estimators(n_estimators)
        .learning_rate(learning_rate)
        .fit(&data)
        .map_err(|e| wrapped("linfa-ensemble")(&e))?;
    Ok(read_adaboost(&model, k))
}

/// Each learner of a fitted linfa AdaBoost, its leaves voting linfa's classes, and its `α_t`.
pub(crate) fn read_adaboost(
    model: &linfa_ensemble::AdaBoost<linfa_trees::DecisionTree<f64, usize>, usize>,
    k: usize,
) -> Vec<(Vec<Shape>, f64)> {
    model
        .models
        .iter()
        .zip(&model.model_weights)
        .map(|(t, &alpha)| (read_linfa_tree(t, Some(k)), alpha))
        .collect()
}

/// A tree read from smartcore's serde form: `nodes` with `split_feature`, `split_value`
/// (`x ≤ value` goes to `true_child`, the project's rule), `true_child`, `false_child` and a
/// leaf `output`, mapped to a leaf value by `leaf` when the engine's output is kept.
fn read_smartcore(
    tree: &serde_json::Value,
    leaf: impl Fn(&serde_json::Value) -> Result<Option<Vec<f64>>>,
) -> Result<Vec<Shape>> {
    let nodes = tree
        .get("nodes")
        .and_then(|n| n.as_array())
        .ok_or_else(|| unreadable("nodes"))?;
    let index = |v: &serde_json::Value| -> Option<usize> { v.as_u64().map(|i| i as usize) };
    let mut shape = Vec::with_capacity(nodes.len());
    for (id, node) in nodes.iter().enumerate() {
        let field = |name: &str| node.get(name).unwrap_or(&serde_json::Value::Null);
        shape.push(
            match (index(field("true_child")), index(field("false_child"))) {
                (Some(left), Some(right))
                    if left > id && right > id && left.max(right) < nodes.len() =>
                {
                    Shape::Threshold {
                        feature: index(field("split_feature"))
                            .ok_or_else(|| unreadable("a feature"))?,
                        threshold: field("split_value")
                            .as_f64()
                            .ok_or_else(|| unreadable("a threshold"))?,
                        left,
                        right,
                    }
                }
                (None, _) => Shape::Leaf(leaf(field("output"))?),
                _ => return Err(unreadable("children before their parent")),
            },
        );
    }
    Ok(shape)
}

fn unreadable(what: &str) -> crate::Error {
    crate::Error::Wrapped {
        crate_name: "smartcore",
        message: format!("fitted tree not readable: {what}"),
    }
}

/// smartcore's split criterion for the project's.
fn criterion_of(criterion: Criterion) -> smartcore::tree::decision_tree_classifier::SplitCriterion {
    use smartcore::tree::decision_tree_classifier::SplitCriterion;
    if criterion == Criterion::Gini {
        SplitCriterion::Gini
    } else {
        SplitCriterion::Entropy
    }
}

/// smartcore's classification tree (its leaf values are recounted).
pub(crate) fn smartcore_classifier(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    base: &crate::tree::DecisionTree,
) -> Result<Vec<Shape>> {
    use smartcore::tree::decision_tree_classifier::{
        DecisionTreeClassifier, DecisionTreeClassifierParameters,
    };
    let mut params = DecisionTreeClassifierParameters::default()
        .with_criterion(criterion_of(base.criterion))
        .with_min_samples_leaf(base.min_samples_leaf)
        .with_min_samples_split(base.min_samples_split);
    params.max_depth = depth16(base.max_depth);
    params.seed = Some(base.seed);
    let model = DecisionTreeClassifier::fit(&super::dense(x)?, &y.to_vec(), params)
        .map_err(|e| wrapped("smartcore")(&e))?;
    read_smartcore(&serde_json::to_value(&model)?, |_| Ok(None))
}

/// smartcore's regression tree (its leaf means are recounted).
pub(crate) fn smartcore_regressor(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    base: &crate::tree::DecisionTree,
) -> Result<Vec<Shape>> {
    use smartcore::tree::decision_tree_regressor::{
        DecisionTreeRegressor, DecisionTreeRegressorParameters,
    };
    let mut params = DecisionTreeRegressorParameters::default()
        .with_min_samples_leaf(base.min_samples_leaf)
        .with_min_samples_split(base.min_samples_split);
    params.max_depth = depth16(base.max_depth);
    params.seed = Some(base.seed);
    let model = DecisionTreeRegressor::fit(&super::dense(x)?, &y.to_vec(), params)
        .map_err(|e| wrapped("smartcore")(&e))?;
    let json = serde_json::to_value(&model)?;
    read_smartcore(
        json.get("tree_regressor")
            .ok_or_else(|| unreadable("tree_regressor"))?,
        |_| Ok(None),
    )
}

/// smartcore's XGBoost regressor (squared error): `F(x) = base + η Σ_t h_t(x)`; each tree's
/// leaves keep smartcore's weights `-G/(H + λ)`. With `λ = 0` and `base = ȳ` this is the
/// notes' gradient boosting on squared error.
pub(crate) fn smartcore_xgboost(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    n_estimators: usize,
    learning_rate: f64,
    max_depth: usize,
    subsample: f64,
    seed: u64,
) -> Result<(f64, Vec<Vec<Shape>>)> {
    use smartcore::xgboost::{XGRegressor, XGRegressorParameters};
    let base = y.mean().unwrap_or(0.0);
    let params = XGRegressorParameters::default()
        .with_n_estimators(n_estimators)
        .with_learning_rate(learning_rate)
        .with_max_depth(max_depth.min(usize::from(u16::MAX)) as u16)
        .with_lambda(0.0)
        .with_base_score(base)
        .with_subsample(subsample)
        .with_seed(seed);
    let model = XGRegressor::fit(&super::dense(x)?, &y.to_vec(), params)
        .map_err(|e| wrapped("smartcore")(&e))?;
    let json = serde_json::to_value(&model)?;
    let trees = json
        .get("regressors")
        .and_then(|r| r.as_array())
        .ok_or_else(|| unreadable("regressors"))?;
    let shapes = trees
        .iter()
        .map(|t| {
            let mut shape = Vec::new();
            read_recursive(t, &mut shape)?;
            Ok(shape)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((base, shapes))
}

/// An XGBoost tree node: `left`/`right` (absent at a leaf), `value`, `threshold`,
/// `split_feature_idx`; `x ≤ threshold` goes left.
fn read_recursive(node: &serde_json::Value, shape: &mut Vec<Shape>) -> Result<usize> {
    let id = shape.len();
    let value = node
        .get("value")
        .and_then(|v| v.as_f64())
        .ok_or_else(|| unreadable("a leaf value"))?;
    shape.push(Shape::Leaf(Some(vec![value])));
    if let (Some(l), Some(r)) = (
        node.get("left").filter(|v| !v.is_null()),
        node.get("right").filter(|v| !v.is_null()),
    ) {
        let feature = node
            .get("split_feature_idx")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| unreadable("a feature"))? as usize;
        let threshold = node
            .get("threshold")
            .and_then(|v| v.as_f64())
            .ok_or_else(|| unreadable("a threshold"))?;
        let left = read_recursive(l, shape)?;
        let right = read_recursive(r, shape)?;
        shape[id] = Shape::Threshold {
            feature,
            threshold,
            left,
            right,
        };
    }
    Ok(id)
}

/// Random-forest settings in the project's terms (for linfa-ensemble and smartcore).
pub(crate) struct ForestSettings {
    pub n_trees: usize,
    pub features_per_split: usize,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    pub min_samples_split: usize,
    pub criterion: Criterion,
    pub seed: u64,
}

/// smartcore's `max_depth` for the project's: smartcore's trees put the root at level 1 and
/// never split a node at level `max_depth`, so the project's depth `d` (root = 0, leaves at
/// most `d` splits down) is smartcore's `d + 1`. (Its XGBoost trees count splits, as here.)
fn depth16(depth: Option<usize>) -> Option<u16> {
    depth.map(|d| d.saturating_add(1).min(usize::from(u16::MAX)) as u16)
}

/// smartcore's random-forest classifier: each tree's shape with its leaf votes (one-hot on the
/// class smartcore's tree predicts there, mapped through that tree's own class list).
pub(crate) fn smartcore_forest_classifier(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    k: usize,
    s: &ForestSettings,
) -> Result<Vec<Vec<Shape>>> {
    use smartcore::ensemble::random_forest_classifier::{
        RandomForestClassifier, RandomForestClassifierParameters,
    };
    let mut params = RandomForestClassifierParameters::default()
        .with_criterion(criterion_of(s.criterion))
        .with_min_samples_leaf(s.min_samples_leaf)
        .with_min_samples_split(s.min_samples_split)
        .with_n_trees(s.n_trees.min(usize::from(u16::MAX)) as u16)
        .with_m(s.features_per_split)
        .with_seed(s.seed);
    params.max_depth = depth16(s.max_depth);
    let model = RandomForestClassifier::fit(&super::dense(x)?, &y.to_vec(), params)
        .map_err(|e| wrapped("smartcore")(&e))?;
    let json = serde_json::to_value(&model)?;
    let trees = json
        .get("trees")
        .and_then(|t| t.as_array())
        .ok_or_else(|| unreadable("trees"))?;
    trees
        .iter()
        .map(|tree| {
            let classes: Vec<usize> = serde_json::from_value(
                tree.get("classes")
                    .cloned()
                    .ok_or_else(|| unreadable("classes"))?,
            )?;
            read_smartcore(tree, |output| {
                let class = output
                    .as_u64()
                    .and_then(|o| classes.get(o as usize))
                    .filter(|&&c| c < k)
                    .ok_or_else(|| unreadable("a leaf class"))?;
                let mut vote = vec![0.0; k];
                vote[*class] = 1.0;
                Ok(Some(vote))
            })
        })
        .collect()
}

/// smartcore's random-forest regressor: each tree's shape with its leaf means.
pub(crate) fn smartcore_forest_regressor(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    s: &ForestSettings,
) -> Result<Vec<Vec<Shape>>> {
    use smartcore::ensemble::random_forest_regressor::{
        RandomForestRegressor, RandomForestRegressorParameters,
    };
    let mut params = RandomForestRegressorParameters::default()
        .with_min_samples_leaf(s.min_samples_leaf)
        .with_min_samples_split(s.min_samples_split)
        .with_n_trees(s.n_trees)
        .with_m(s.features_per_split)
        .with_seed(s.seed);
    params.max_depth = depth16(s.max_depth);
    let model = RandomForestRegressor::fit(&super::dense(x)?, &y.to_vec(), params)
        .map_err(|e| wrapped("smartcore")(&e))?;
    let json = serde_json::to_value(&model)?;
    let trees = json
        .get("forest_regressor")
        .and_then(|f| f.get("trees"))
        .and_then(|t| t.as_array())
        .ok_or_else(|| unreadable("trees"))?;
    trees
        .iter()
        .map(|tree| {
            read_smartcore(tree, |output| {
                let v = output.as_f64().ok_or_else(|| unreadable("a leaf mean"))?;
                Ok(Some(vec![v]))
            })
        })
        .collect()
}

/// linfa-ensemble's random forest of linfa-trees: each tree's shape, its split features mapped
/// back from the tree's feature subset, its leaves voting linfa's classes. linfa draws one
/// feature subset per tree (with replacement), not per split: `feature_proportion =
/// features_per_split / n`.
pub(crate) fn linfa_forest(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    k: usize,
    s: &ForestSettings,
) -> Result<Vec<Vec<Shape>>> {
    let tree = linfa_tree_params(
        s.criterion,
        s.max_depth,
        s.min_samples_split,
        s.min_samples_leaf,
        0.0,
    );
    let n = x.ncols();
    let proportion = (s.features_per_split as f64 / n as f64).clamp(f64::MIN_POSITIVE, 1.0);
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model =
        linfa_ensemble::EnsembleLearnerParams::new_fixed_rng(tree, super::linfa_rng(s.seed))
            .ensemble_size(s.n_trees)
            .bootstrap_proportion(1.0)
            .feature_proportion(proportion)
            .fit(&data)
            .map_err(|e| wrapped("linfa-ensemble")(&e))?;
    model
        .models
        .iter()
        .zip(&model.model_features)
        .map(|(t, features)| {
            let mut shape = read_linfa_tree(t, Some(k));
            for node in &mut shape {
                if let Shape::Threshold { feature, .. } = node {
                    *feature = *features
                        .get(*feature)
                        .ok_or_else(|| unreadable("a feature outside the tree's subset"))?;
                }
            }
            Ok(shape)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use linfa::traits::{Fit as _, Predict as _};

    use super::*;
    use crate::data;
    use crate::estimator::{Predict, PredictProba};
    use crate::tree::FittedTree;

    /// The same fitted linfa tree, converted, predicts what linfa predicts wherever the leaf's
    /// class is unique (linfa breaks ties between classes in hash-map order).
    #[test]
    fn a_converted_linfa_tree_predicts_as_linfa() {
        for d in [data::iris(), data::wine(), data::breast_cancer()] {
            let raw = linfa_trees::DecisionTree::params()
                .min_impurity_decrease(f64::EPSILON)
                .fit(&linfa::Dataset::new(
                    d.features().clone(),
                    d.targets().clone(),
                ))
                .unwrap();
            let tree = FittedTree::from_shape(&read_linfa_tree(&raw, None), &d, Criterion::Gini);
            let expected = raw.predict(d.features());
            let got = tree.predict(d.x()).unwrap();
            let p = tree.predict_proba(d.x()).unwrap();
            for (i, row) in p.rows().into_iter().enumerate() {
                let top = row.iter().fold(0.0f64, |m, &v| m.max(v));
                if row.iter().filter(|&&v| v == top).count() == 1 {
                    assert_eq!(got[i], expected[i], "row {i}");
                }
            }
        }
    }

    /// The same fitted linfa AdaBoost, converted, predicts what linfa predicts.
    #[test]
    fn a_converted_linfa_adaboost_predicts_as_linfa() {
        for d in [data::iris(), data::breast_cancer()] {
            let tree = linfa_trees::DecisionTree::<f64, usize>::params()
                .max_depth(Some(1))
                .min_impurity_decrease(f64::EPSILON);
            let raw =
                linfa_ensemble::AdaBoostParams::new_fixed_rng(tree, super::super::linfa_rng(3))
                    .n_estimators(20)
                    .fit(&linfa::Dataset::new(
                        d.features().clone(),
                        d.targets().clone(),
                    ))
                    .unwrap();
            let rounds = read_adaboost(&raw, d.n_classes());
            let mut votes = ndarray::Array2::<f64>::zeros((d.n_samples(), d.n_classes()));
            for (shape, alpha) in &rounds {
                let h = FittedTree::from_shape(shape, &d, Criterion::Gini);
                for (i, &c) in h.predict(d.x()).unwrap().iter().enumerate() {
                    votes[[i, c]] += alpha;
                }
            }
            let ours = crate::tree::argmax_rows(&votes);
            assert_eq!(ours, raw.predict(d.features()));
        }
    }
    /// A linfa-ensemble forest's trees, features mapped back, vote as linfa's forest.
    #[test]
    fn converted_linfa_forest_trees_vote_as_linfa() {
        let d = data::breast_cancer();
        let tree =
            linfa_trees::DecisionTree::<f64, usize>::params().min_impurity_decrease(f64::EPSILON);
        let raw =
            linfa_ensemble::EnsembleLearnerParams::new_fixed_rng(tree, super::super::linfa_rng(5))
                .ensemble_size(15)
                .feature_proportion(0.2)
                .fit(&linfa::Dataset::new(
                    d.features().clone(),
                    d.targets().clone(),
                ))
                .unwrap();
        let mut votes = ndarray::Array2::<f64>::zeros((d.n_samples(), 2));
        for (t, features) in raw.models.iter().zip(&raw.model_features) {
            let mut shape = read_linfa_tree(t, Some(2));
            for node in &mut shape {
                if let Shape::Threshold { feature, .. } = node {
                    *feature = features[*feature];
                }
            }
            let h = FittedTree::from_shape(&shape, &d, Criterion::Gini);
            for (i, &c) in h.predict(d.x()).unwrap().iter().enumerate() {
                votes[[i, c]] += 1.0;
            }
        }
        let expected: ndarray::Array1<usize> = raw.predict(d.features());
        for (i, row) in votes.rows().into_iter().enumerate() {
            if row[0] != row[1] {
                let ours = usize::from(row[1] > row[0]);
                assert_eq!(ours, expected[i], "row {i}");
            }
        }
    }
}
