//! Growing a tree top-down: at each node the split of largest impurity decrease (ties to the
//! lower feature), until a pre-pruning limit or purity stops it.

use super::fitted::{Node, Split};
use super::params::DecisionTree;
use super::targets::Targets;

use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::criterion::{Criterion, split_information};

/// Class impurity (entropy or Gini, both exactly 0 for one class) below which a node is pure.
const PURITY: f64 = 1e-12;

/// The best split found for a node.
struct Candidate {
    score: f64,
    gain: f64,
    split: Split,
}

/// Grows a tree depth-first over one index array partitioned in place.
pub(super) struct Builder<'a> {
    params: &'a DecisionTree,
    /// Features column-major: row `j` holds feature `j` of every example.
    cols: Array2<f64>,
    targets: Targets<'a>,
    weights: &'a [f64],
    is_categorical: Vec<bool>,
    rng: StdRng,
    pub(super) nodes: Vec<Node>,
    /// Whether each node is pure (no split can lower its impurity).
    pure: Vec<bool>,
    sorted: Vec<(f64, usize)>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(
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
            targets: targets.centred(weights),
            weights,
            is_categorical,
            rng: StdRng::seed_from_u64(params.seed),
            nodes: Vec::new(),
            pure: Vec::new(),
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

    pub(super) fn grow(&mut self) {
        let mut idx: Vec<usize> = (0..self.weights.len())
            .filter(|&i| self.weights[i] > 0.0)
            .collect();
        let n = idx.len();
        // (node id, start, end, depth): children are pushed after their parent is created.
        let mut stack = vec![(self.push_node(&idx), 0, n, 0)];
        while let Some((id, start, end, depth)) = stack.pop() {
            let range = &mut idx[start..end];
            let impurity = self.nodes[id].impurity;
            let stop = self.pure[id]
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
        let (impurity, pure) = match self.targets {
            // The variance by two passes (mean, then squared deviations): exact where the
            // moments' difference cancels. Pure when the values agree to rounding.
            Targets::Values(y, _) => {
                let value = self.targets.value(&stats)[0];
                let (mut w, mut sq, mut abs) = (0.0, 0.0, 0.0);
                for &i in idx {
                    let wi = self.weights[i];
                    w += wi;
                    sq += wi * (y[i] - value).powi(2);
                    abs += wi * y[i].abs();
                }
                let (var, mean_abs) = if w > 0.0 {
                    (sq / w, abs / w)
                } else {
                    (0.0, 0.0)
                };
                (var, var <= (4.0 * f64::EPSILON * mean_abs).powi(2))
            }
            Targets::Classes(..) => {
                let impurity = self.params.criterion.impurity(&stats);
                (impurity, impurity <= PURITY)
            }
        };
        self.nodes.push(Node {
            value: self.targets.value(&stats),
            n_samples: idx.len(),
            weight: idx.iter().map(|&i| self.weights[i]).sum(),
            impurity,
            split: Split::Leaf,
        });
        self.pure.push(pure);
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
