//! A k-d tree over the training rows: leaves of at most `LEAF` rows, internal nodes split the
//! widest dimension at its median. A query descends to its own side first and visits the
//! other side only when the splitting plane is closer than the current k-th neighbour, so
//! low-dimensional queries touch `O(log N)` leaves instead of all `N` rows.

use ndarray::{Array2, ArrayView1};

use super::Distance;

const LEAF: usize = 16;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum KdNode {
    Leaf {
        start: usize,
        end: usize,
    },
    Split {
        dim: usize,
        value: f64,
        left: usize,
        right: usize,
    },
}

/// The tree: nodes, the row order its leaves index into, and the rows copied in that order
/// (a leaf scan reads contiguous memory).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct KdTree {
    nodes: Vec<KdNode>,
    order: Vec<usize>,
    points: Vec<f64>,
    dim: usize,
}

impl KdTree {
    pub(crate) fn build(x: &Array2<f64>) -> Self {
        let mut tree = KdTree {
            nodes: Vec::new(),
            order: (0..x.nrows()).collect(),
            points: Vec::with_capacity(x.len()),
            dim: x.ncols(),
        };
        tree.split(x, 0, x.nrows());
        for &i in &tree.order {
            tree.points.extend(x.row(i).iter());
        }
        tree
    }

    fn split(&mut self, x: &Array2<f64>, start: usize, end: usize) -> usize {
        let id = self.nodes.len();
        self.nodes.push(KdNode::Leaf { start, end });
        if end - start <= LEAF {
            return id;
        }
        let rows = &mut self.order[start..end];
        let dim = (0..x.ncols())
            .max_by(|&a, &b| {
                let spread = |j: usize| {
                    let (lo, hi) = rows
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &i| {
                            (lo.min(x[[i, j]]), hi.max(x[[i, j]]))
                        });
                    hi - lo
                };
                spread(a).total_cmp(&spread(b))
            })
            .unwrap_or(0);
        let mid = rows.len() / 2;
        rows.select_nth_unstable_by(mid, |&a, &b| x[[a, dim]].total_cmp(&x[[b, dim]]));
        let value = x[[rows[mid], dim]];
        let left = self.split(x, start, start + mid);
        let right = self.split(x, start + mid, end);
        self.nodes[id] = KdNode::Split {
            dim,
            value,
            left,
            right,
        };
        id
    }

    /// The `k` nearest rows to `q` as `(distance, row)`, nearest first, ties by row index.
    /// Distances are squared for Euclidean.
    pub(crate) fn query(
        &self,
        q: ArrayView1<f64>,
        k: usize,
        distance: Distance,
        best: &mut Vec<(f64, usize)>,
    ) {
        best.clear();
        let q = q.to_vec();
        self.visit(0, &q, k, distance, best);
    }

    fn visit(
        &self,
        node: usize,
        q: &[f64],
        k: usize,
        distance: Distance,
        best: &mut Vec<(f64, usize)>,
    ) {
        match self.nodes[node] {
            KdNode::Leaf { start, end } => {
                for (slot, &i) in (start..end).zip(&self.order[start..end]) {
                    let row = &self.points[slot * self.dim..(slot + 1) * self.dim];
                    let d: f64 = match distance {
                        Distance::Euclidean => {
                            q.iter().zip(row).map(|(a, b)| (a - b) * (a - b)).sum()
                        }
                        Distance::Manhattan => q.iter().zip(row).map(|(a, b)| (a - b).abs()).sum(),
                    };
                    let cand = (d, i);
                    let worse = |a: &(f64, usize), b: &(f64, usize)| {
                        a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
                    };
                    if best.len() == k && worse(&cand, &best[k - 1]).is_ge() {
                        continue;
                    }
                    let pos = best.partition_point(|b| worse(b, &cand).is_lt());
                    best.insert(pos, cand);
                    best.truncate(k);
                }
            }
            KdNode::Split {
                dim,
                value,
                left,
                right,
            } => {
                let diff = q[dim] - value;
                let (near, far) = if diff < 0.0 {
                    (left, right)
                } else {
                    (right, left)
                };
                self.visit(near, q, k, distance, best);
                let plane = match distance {
                    Distance::Euclidean => diff * diff,
                    Distance::Manhattan => diff.abs(),
                };
                if best.len() < k || plane <= best[k - 1].0 {
                    self.visit(far, q, k, distance, best);
                }
            }
        }
    }
}
