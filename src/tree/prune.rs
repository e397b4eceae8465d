//! Post-pruning (notes: *Pruning*): grow the full tree, then remove branches that do not earn
//! their keep.
//!
//! - Cost-complexity (CART, Breiman et al. 1984): with `R(t)` the weighted impurity of node `t`
//!   as a leaf and `R(T_t)` that of its subtree's leaves, the weakest link minimises
//!   `g(t) = (R(t) - R(T_t)) / (|leaves(T_t)| - 1)`; it is cut while `g(t) <= α`.
//! - Reduced-error (Quinlan 1987): bottom-up, a subtree becomes a leaf when that does not
//!   increase the error on a held-out validation set.

use super::fitted::{FittedTree, Split};
use super::targets::TreeTarget;
use crate::data::Dataset;
use crate::{Result, validate};

impl<T> FittedTree<T> {
    /// `R(t)`: the node's impurity weighted by its share of the training weight.
    fn risk(&self, id: usize) -> f64 {
        self.nodes[id].weight / self.nodes[0].weight * self.nodes[id].impurity
    }

    /// Total impurity of the leaves, `R(T) = Σ_leaves R(t)`.
    pub fn total_leaf_impurity(&self) -> f64 {
        let reach = self.reachable();
        (0..self.nodes.len())
            .filter(|&i| reach[i] && self.nodes[i].split == Split::Leaf)
            .map(|i| self.risk(i))
            .sum()
    }

    /// The weakest link `argmin_t g(t)` over internal nodes, and `g` there.
    fn weakest_link(&self) -> Option<(usize, f64)> {
        let reach = self.reachable();
        let n = self.nodes.len();
        let mut branch = vec![0.0; n];
        let mut leaves = vec![0usize; n];
        let mut best: Option<(usize, f64)> = None;
        // Children have larger indices than their parent: one reverse sweep is bottom-up.
        for id in (0..n).rev() {
            let children = self.nodes[id].children();
            if children.is_empty() {
                branch[id] = self.risk(id);
                leaves[id] = 1;
                continue;
            }
            branch[id] = children.iter().map(|&c| branch[c]).sum();
            leaves[id] = children.iter().map(|&c| leaves[c]).sum();
            let g = (self.risk(id) - branch[id]) / (leaves[id] - 1) as f64;
            if reach[id] && best.is_none_or(|b| g <= b.1) {
                best = Some((id, g));
            }
        }
        best
    }

    /// Cuts weakest links while `g(t) <= α` (scikit-learn's `ccp_alpha`).
    pub fn prune_cost_complexity(&mut self, alpha: f64) {
        while let Some((id, g)) = self.weakest_link() {
            if g > alpha {
                break;
            }
            self.nodes[id].split = Split::Leaf;
        }
    }
}

impl<T: TreeTarget> FittedTree<T> {
    /// The pruning path: `(α, R(T_α))` for every subtree in the nested sequence, from the full
    /// tree (`α = 0`) to the root alone (scikit-learn's `cost_complexity_pruning_path`).
    pub fn cost_complexity_path(&self) -> Vec<(f64, f64)> {
        let mut tree = self.clone();
        let mut path = vec![(0.0, tree.total_leaf_impurity())];
        let mut alpha: f64 = 0.0;
        while let Some((id, g)) = tree.weakest_link() {
            alpha = alpha.max(g);
            tree.nodes[id].split = Split::Leaf;
            path.push((alpha, tree.total_leaf_impurity()));
        }
        path
    }

    /// Reduced-error pruning on a validation set; returns how many subtrees became leaves.
    pub fn prune_reduced_error(&mut self, validation: &Dataset<T>) -> Result<usize> {
        validate::n_features(self.n_features, validation.x(), "pruning validation set")?;
        let n = self.nodes.len();
        // Loss on the validation examples reaching each node, were that node a leaf.
        let mut as_leaf = vec![0.0; n];
        for (row, &y) in validation
            .features()
            .rows()
            .into_iter()
            .zip(validation.targets())
        {
            self.walk(row, |id| as_leaf[id] += T::loss(&self.nodes[id].value, y));
        }
        let mut subtree = vec![0.0; n];
        let mut pruned = 0;
        for id in (0..n).rev() {
            let children = self.nodes[id].children();
            if children.is_empty() {
                subtree[id] = as_leaf[id];
                continue;
            }
            let kept: f64 = children.iter().map(|&c| subtree[c]).sum();
            if as_leaf[id] <= kept {
                self.nodes[id].split = Split::Leaf;
                subtree[id] = as_leaf[id];
                pruned += 1;
            } else {
                subtree[id] = kept;
            }
        }
        Ok(pruned)
    }
}
