//! The decision tree (notes: *Decision Tree*): internal nodes test one attribute, leaves hold a
//! class distribution (or a mean, for regression). Grown top-down by the chosen [`Criterion`];
//! numeric attributes split at a threshold `x_j <= t`, categorical ones (listed in
//! [`DecisionTree::categorical`]) split multiway, one child per value (ID3 / C4.5).
//!
//! Pre-pruning: `max_depth`, `min_samples_split`, `min_samples_leaf`, `min_impurity_decrease`.
//! Post-pruning ([`super::prune`]): cost-complexity (`ccp_alpha`) and reduced-error pruning.

use std::marker::PhantomData;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;

use super::criterion::{Criterion, split_information};
use crate::data::{Dataset, Target};
use crate::estimator::{Fit, Params, Predict, PredictProba, Randomized};
use crate::{Error, Result, validate};

/// How many features are considered at each split (random forests use fewer than all).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum MaxFeatures {
    /// Every feature.
    All,
    /// `⌈√n⌉` features drawn at random per split.
    Sqrt,
    /// `⌈log₂ n⌉` features drawn at random per split.
    Log2,
    /// A fixed number of features.
    Count(usize),
    /// A fraction in `(0, 1]` of the features.
    Fraction(f64),
}

impl MaxFeatures {
    fn resolve(self, n: usize) -> usize {
        let k = match self {
            MaxFeatures::All => n,
            MaxFeatures::Sqrt => (n as f64).sqrt().ceil() as usize,
            MaxFeatures::Log2 => (n as f64).log2().ceil() as usize,
            MaxFeatures::Count(k) => k,
            MaxFeatures::Fraction(f) => (f * n as f64).ceil() as usize,
        };
        k.clamp(1, n)
    }
}

/// Decision-tree hyperparameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecisionTree {
    /// The splitting criterion (which also fixes classification vs regression).
    pub criterion: Criterion,
    /// Pre-pruning: the deepest a leaf may be (root = depth 0); `None` grows until pure.
    pub max_depth: Option<usize>,
    /// Pre-pruning: a node with fewer examples is not split (at least 2).
    pub min_samples_split: usize,
    /// Pre-pruning: every child keeps at least this many examples (at least 1).
    pub min_samples_leaf: usize,
    /// Pre-pruning: a split must reduce impurity (or reach this gain ratio) by at least this.
    pub min_impurity_decrease: f64,
    /// Features drawn per split.
    pub max_features: MaxFeatures,
    /// Indices of categorical features (split multiway on their values).
    pub categorical: Vec<usize>,
    /// Post-pruning: cost-complexity parameter `α` (0 keeps the full tree).
    pub ccp_alpha: f64,
    /// Seed of the feature draws.
    pub seed: u64,
}

impl DecisionTree {
    /// A fully grown tree with the given criterion.
    pub fn new(criterion: Criterion) -> Self {
        DecisionTree {
            criterion,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_impurity_decrease: 0.0,
            max_features: MaxFeatures::All,
            categorical: Vec::new(),
            ccp_alpha: 0.0,
            seed: 0,
        }
    }

    /// CART with Gini impurity.
    pub fn cart() -> Self {
        Self::new(Criterion::Gini)
    }

    /// A regression tree (squared error).
    pub fn regression() -> Self {
        Self::new(Criterion::SquaredError)
    }

    /// The same tree limited to `depth` (a stump for 1).
    pub fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = Some(depth);
        self
    }

    /// Fit with a non-negative weight per example (boosting reweights examples; a weight of
    /// `c` counts an example `c` times).
    pub fn fit_weighted<T: TreeTarget>(
        &self,
        data: &Dataset<T>,
        weights: &[f64],
    ) -> Result<FittedTree<T>> {
        self.check()?;
        if self.criterion.is_classification() != T::CLASSIFICATION {
            return Err(Error::config(
                "criterion",
                format!(
                    "{:?} does not fit {} targets",
                    self.criterion,
                    if T::CLASSIFICATION {
                        "class"
                    } else {
                        "continuous"
                    }
                ),
            ));
        }
        validate::same_len(data.n_samples(), weights.len(), "sample weights")?;
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().sum::<f64>() <= 0.0
        {
            return Err(Error::invalid(
                "sample weights must be finite, non-negative and not all zero",
            ));
        }
        if let Some(&j) = self.categorical.iter().find(|&&j| j >= data.n_features()) {
            return Err(Error::config(
                "categorical",
                format!("feature {j} but the data has {}", data.n_features()),
            ));
        }
        Ok(self.grow(data.x(), T::targets(data), weights))
    }

    /// Grows (and prunes) a tree on validated inputs.
    pub(crate) fn grow<T>(
        &self,
        x: ArrayView2<f64>,
        targets: Targets<'_>,
        weights: &[f64],
    ) -> FittedTree<T> {
        let n_classes = match targets {
            Targets::Classes(_, k) => k,
            Targets::Values(_) => 0,
        };
        let mut builder = Builder::new(self, x, targets, weights);
        builder.grow();
        let mut tree = FittedTree {
            nodes: builder.nodes,
            n_features: x.ncols(),
            n_classes,
            criterion: self.criterion,
            _target: PhantomData,
        };
        if self.ccp_alpha > 0.0 {
            tree.prune_cost_complexity(self.ccp_alpha);
        }
        tree
    }
}

impl Params for DecisionTree {
    fn check(&self) -> Result<()> {
        if self.max_depth == Some(0) {
            return Err(Error::config("max_depth", "must be at least 1"));
        }
        if self.min_samples_split < 2 {
            return Err(Error::config("min_samples_split", "must be at least 2"));
        }
        if self.min_samples_leaf < 1 {
            return Err(Error::config("min_samples_leaf", "must be at least 1"));
        }
        validate::non_negative(self.min_impurity_decrease, "min_impurity_decrease")?;
        validate::non_negative(self.ccp_alpha, "ccp_alpha")?;
        match self.max_features {
            MaxFeatures::Count(0) => Err(Error::config("max_features", "must be at least 1")),
            MaxFeatures::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::config(
                "max_features",
                format!("fraction {f} not in (0, 1]"),
            )),
            _ => Ok(()),
        }
    }
}

impl Randomized for DecisionTree {
    fn reseeded(&self, seed: u64) -> Self {
        DecisionTree {
            seed,
            ..self.clone()
        }
    }
}

/// The targets a tree can be grown on: class labels or continuous values.
pub trait TreeTarget: Target {
    /// Classification (class counts) or regression (moments).
    const CLASSIFICATION: bool;
    /// Loss of predicting a node's value for this target: 0/1 for a class, squared error
    /// for a value (reduced-error pruning).
    fn loss(value: &[f64], target: Self) -> f64;
    #[doc(hidden)]
    fn targets(data: &Dataset<Self>) -> Targets<'_>;
}

impl TreeTarget for usize {
    const CLASSIFICATION: bool = true;
    fn loss(value: &[f64], target: usize) -> f64 {
        f64::from(u8::from(argmax(value) != target))
    }
    fn targets(data: &Dataset<usize>) -> Targets<'_> {
        Targets::Classes(data.targets.as_slice().unwrap_or(&[]), data.n_classes())
    }
}

impl TreeTarget for f64 {
    const CLASSIFICATION: bool = false;
    fn loss(value: &[f64], target: f64) -> f64 {
        (value[0] - target).powi(2)
    }
    fn targets(data: &Dataset<f64>) -> Targets<'_> {
        Targets::Values(data.targets.as_slice().unwrap_or(&[]))
    }
}

/// Targets as the tree grower reads them.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    /// Labels and the number of classes.
    Classes(&'a [usize], usize),
    /// Continuous values.
    Values(&'a [f64]),
}

impl Targets<'_> {
    fn width(&self) -> usize {
        match self {
            Targets::Classes(_, k) => *k,
            Targets::Values(_) => 3,
        }
    }

    /// Add example `i` with weight `w` to node statistics (class weights or `[Σw, Σwy, Σwy²]`).
    fn add(&self, stats: &mut [f64], i: usize, w: f64) {
        match self {
            Targets::Classes(y, _) => stats[y[i]] += w,
            Targets::Values(y) => {
                stats[0] += w;
                stats[1] += w * y[i];
                stats[2] += w * y[i] * y[i];
            }
        }
    }

    fn value(&self, stats: &[f64]) -> Vec<f64> {
        match self {
            Targets::Classes(..) => {
                let total: f64 = stats.iter().sum();
                stats.iter().map(|s| s / total).collect()
            }
            Targets::Values(_) => vec![stats[1] / stats[0]],
        }
    }
}

/// How a node routes an example.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FittedTree<T> {
    pub(crate) nodes: Vec<Node>,
    pub(crate) n_features: usize,
    pub(crate) n_classes: usize,
    pub(crate) criterion: Criterion,
    #[serde(skip)]
    _target: PhantomData<T>,
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

impl Fit<usize> for DecisionTree {
    type Model = FittedTree<usize>;

    fn fit(&self, data: &Dataset<usize>) -> Result<FittedTree<usize>> {
        data.require_two_classes()?;
        self.fit_weighted(data, &vec![1.0; data.n_samples()])
    }
}

impl Fit<f64> for DecisionTree {
    type Model = FittedTree<f64>;

    fn fit(&self, data: &Dataset<f64>) -> Result<FittedTree<f64>> {
        self.fit_weighted(data, &vec![1.0; data.n_samples()])
    }
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

/// The best split found for a node.
struct Candidate {
    score: f64,
    gain: f64,
    split: Split,
}

/// Grows a tree depth-first over one index array partitioned in place.
struct Builder<'a> {
    params: &'a DecisionTree,
    /// Features column-major: row `j` holds feature `j` of every example.
    cols: Array2<f64>,
    targets: Targets<'a>,
    weights: &'a [f64],
    is_categorical: Vec<bool>,
    rng: StdRng,
    nodes: Vec<Node>,
    sorted: Vec<(f64, usize)>,
}

impl<'a> Builder<'a> {
    fn new(
        params: &'a DecisionTree,
        x: ArrayView2<f64>,
        targets: Targets<'a>,
        weights: &'a [f64],
    ) -> Self {
        let mut is_categorical = vec![false; x.ncols()];
        for &j in &params.categorical {
            is_categorical[j] = true;
        }
        Builder {
            params,
            cols: x.t().as_standard_layout().into_owned(),
            targets,
            weights,
            is_categorical,
            rng: StdRng::seed_from_u64(params.seed),
            nodes: Vec::new(),
            sorted: Vec::with_capacity(x.nrows()),
        }
    }

    fn stats(&self, idx: &[usize]) -> Vec<f64> {
        let mut s = vec![0.0; self.targets.width()];
        for &i in idx {
            self.targets.add(&mut s, i, self.weights[i]);
        }
        s
    }

    fn grow(&mut self) {
        let mut idx: Vec<usize> = (0..self.weights.len())
            .filter(|&i| self.weights[i] > 0.0)
            .collect();
        let n = idx.len();
        // (node id, start, end, depth): children are pushed after their parent is created.
        let mut stack = vec![(self.push_node(&idx), 0, n, 0)];
        while let Some((id, start, end, depth)) = stack.pop() {
            let range = &mut idx[start..end];
            let impurity = self.nodes[id].impurity;
            let stop = impurity <= 1e-12
                || range.len() < self.params.min_samples_split
                || range.len() < 2 * self.params.min_samples_leaf
                || self.params.max_depth.is_some_and(|d| depth >= d);
            if stop {
                continue;
            }
            let Some(best) = self.best_split(range, impurity) else {
                continue;
            };
            if best.gain < self.params.min_impurity_decrease.max(0.0) {
                continue;
            }
            // Partition the examples by the chosen test, children in the split's order.
            let groups = self.partition(range, &best.split);
            let mut split = best.split;
            let mut offset = start;
            let mut child_ids = Vec::with_capacity(groups.len());
            for len in groups {
                let child = self.push_node(&idx[offset..offset + len]);
                stack.push((child, offset, offset + len, depth + 1));
                child_ids.push(child);
                offset += len;
            }
            match &mut split {
                Split::Threshold { left, right, .. } => {
                    (*left, *right) = (child_ids[0], child_ids[1]);
                }
                Split::Category { children, .. } => {
                    for (c, id) in children.iter_mut().zip(child_ids) {
                        c.1 = id;
                    }
                }
                Split::Leaf => {}
            }
            self.nodes[id].split = split;
        }
    }

    fn push_node(&mut self, idx: &[usize]) -> usize {
        let stats = self.stats(idx);
        self.nodes.push(Node {
            value: self.targets.value(&stats),
            n_samples: idx.len(),
            weight: idx.iter().map(|&i| self.weights[i]).sum(),
            impurity: self.params.criterion.impurity(&stats),
            split: Split::Leaf,
        });
        self.nodes.len() - 1
    }

    /// Sorts the node's examples so each child's examples are contiguous; returns child sizes.
    fn partition(&self, range: &mut [usize], split: &Split) -> Vec<usize> {
        match split {
            Split::Threshold {
                feature, threshold, ..
            } => {
                let col = self.cols.row(*feature);
                range.sort_by_key(|&i| col[i] > *threshold);
                let left = range.iter().filter(|&&i| col[i] <= *threshold).count();
                vec![left, range.len() - left]
            }
            Split::Category { feature, children } => {
                let col = self.cols.row(*feature);
                range.sort_by(|&a, &b| col[a].total_cmp(&col[b]));
                children
                    .iter()
                    .map(|(v, _)| range.iter().filter(|&&i| col[i] == *v).count())
                    .collect()
            }
            Split::Leaf => vec![range.len()],
        }
    }

    fn best_split(&mut self, idx: &[usize], impurity: f64) -> Option<Candidate> {
        let d = self.cols.nrows();
        let k = self.params.max_features.resolve(d);
        let features: Vec<usize> = if k < d {
            rand::seq::index::sample(&mut self.rng, d, k).into_vec()
        } else {
            (0..d).collect()
        };
        let parent = self.stats(idx);
        let mut best: Option<Candidate> = None;
        for j in features {
            self.sorted.clear();
            let col = self.cols.row(j);
            self.sorted.extend(idx.iter().map(|&i| (col[i], i)));
            self.sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            let found = if self.is_categorical[j] {
                self.categorical_split(j, &parent, impurity)
            } else {
                self.threshold_split(j, &parent, impurity)
            };
            if let Some(c) = found
                && best.as_ref().is_none_or(|b| c.score > b.score)
            {
                best = Some(c);
            }
        }
        best
    }

    /// Scores a split from its children's statistics: gain (or gain ratio for C4.5).
    fn score(&self, children: &[&[f64]], weights: &[f64], impurity: f64) -> (f64, f64) {
        let total: f64 = weights.iter().sum();
        let crit = self.params.criterion;
        let gain = impurity
            - children
                .iter()
                .zip(weights)
                .map(|(s, w)| w / total * crit.impurity(s))
                .sum::<f64>();
        let score = if crit == Criterion::GainRatio {
            let si = split_information(weights);
            if si > 0.0 { gain / si } else { 0.0 }
        } else {
            gain
        };
        (score, gain)
    }

    /// Best threshold on a sorted numeric feature (candidates between distinct values).
    fn threshold_split(&self, j: usize, parent: &[f64], impurity: f64) -> Option<Candidate> {
        let n = self.sorted.len();
        let min_leaf = self.params.min_samples_leaf;
        let mut left = vec![0.0; parent.len()];
        let mut right = parent.to_vec();
        let (mut wl, mut wr): (f64, f64) =
            (0.0, self.sorted.iter().map(|p| self.weights[p.1]).sum());
        let mut best: Option<Candidate> = None;
        for p in 0..n - 1 {
            let (v, i) = self.sorted[p];
            let w = self.weights[i];
            self.targets.add(&mut left, i, w);
            self.targets.add(&mut right, i, -w);
            wl += w;
            wr -= w;
            let next = self.sorted[p + 1].0;
            if next <= v || p + 1 < min_leaf || n - p - 1 < min_leaf {
                continue;
            }
            let (score, gain) = self.score(&[&left, &right], &[wl, wr], impurity);
            // C4.5 picks the threshold by gain, then scores the attribute by its ratio.
            if best.as_ref().is_none_or(|b| gain > b.gain) {
                let threshold = v + (next - v) / 2.0;
                best = Some(Candidate {
                    score,
                    gain,
                    split: Split::Threshold {
                        feature: j,
                        threshold: if threshold < next { threshold } else { v },
                        left: 0,
                        right: 0,
                    },
                });
            }
        }
        best
    }

    /// One child per distinct value of a sorted categorical feature.
    fn categorical_split(&self, j: usize, parent: &[f64], impurity: f64) -> Option<Candidate> {
        let mut children: Vec<(f64, usize)> = Vec::new();
        let mut stats: Vec<Vec<f64>> = Vec::new();
        let mut weights: Vec<f64> = Vec::new();
        let mut counts: Vec<usize> = Vec::new();
        for &(v, i) in &self.sorted {
            if children.last().is_none_or(|c| c.0 != v) {
                children.push((v, 0));
                stats.push(vec![0.0; parent.len()]);
                weights.push(0.0);
                counts.push(0);
            }
            let last = stats.len() - 1;
            self.targets.add(&mut stats[last], i, self.weights[i]);
            weights[last] += self.weights[i];
            counts[last] += 1;
        }
        if children.len() < 2 || counts.iter().any(|&c| c < self.params.min_samples_leaf) {
            return None;
        }
        let refs: Vec<&[f64]> = stats.iter().map(Vec::as_slice).collect();
        let (score, gain) = self.score(&refs, &weights, impurity);
        Some(Candidate {
            score,
            gain,
            split: Split::Category {
                feature: j,
                children,
            },
        })
    }
}
