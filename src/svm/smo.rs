//! Sequential minimal optimisation for `min_α ½ αᵀQα - eᵀα`, `0 ≤ α_i ≤ C`, `yᵀα = 0`, with
//! `Q_ij = y_i y_j K_ij` (Fan, Chen & Lin 2005: maximal violating pair by second-order gain).
//! Kernel rows are computed on demand and cached within a memory budget.

use std::collections::VecDeque;

/// A solved dual problem.
pub(crate) struct Solution {
    pub alpha: Vec<f64>,
    pub rho: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Kernel rows `K(x_i, ·)` on demand, keeping at most `capacity` rows.
pub(crate) struct RowCache<F: Fn(usize, &mut [f64])> {
    compute: F,
    n: usize,
    rows: Vec<Option<Box<[f64]>>>,
    order: VecDeque<usize>,
    capacity: usize,
}

impl<F: Fn(usize, &mut [f64])> RowCache<F> {
    pub(crate) fn new(n: usize, budget_bytes: usize, compute: F) -> Self {
        RowCache {
            compute,
            n,
            rows: vec![None; n],
            order: VecDeque::new(),
            capacity: (budget_bytes / (8 * n.max(1))).max(2),
        }
    }

    /// Computes row `i` if absent, evicting the oldest row other than `keep`.
    fn ensure(&mut self, i: usize, keep: usize) {
        if self.rows[i].is_some() {
            return;
        }
        let mut row = if self.order.len() >= self.capacity {
            let mut old = self.order.pop_front().unwrap_or(i);
            if old == keep {
                self.order.push_back(old);
                old = self.order.pop_front().unwrap_or(i);
            }
            self.rows[old]
                .take()
                .unwrap_or_else(|| vec![0.0; self.n].into())
        } else {
            vec![0.0; self.n].into()
        };
        (self.compute)(i, &mut row);
        self.rows[i] = Some(row);
        self.order.push_back(i);
    }

    /// Rows `i` and `j` (both cached at once).
    fn pair(&mut self, i: usize, j: usize) -> (&[f64], &[f64]) {
        self.ensure(i, j);
        self.ensure(j, i);
        let ri = self.rows[i].as_deref().unwrap_or(&[]);
        let rj = self.rows[j].as_deref().unwrap_or(&[]);
        (ri, rj)
    }

    fn row(&mut self, i: usize) -> &[f64] {
        self.ensure(i, i);
        self.rows[i].as_deref().unwrap_or(&[])
    }
}

const TAU: f64 = 1e-12;

/// Solves the dual for labels `y ∈ {-1, +1}` with kernel diagonal `diag`.
pub(crate) fn solve<F: Fn(usize, &mut [f64])>(
    cache: &mut RowCache<F>,
    diag: &[f64],
    y: &[f64],
    c: f64,
    tol: f64,
    max_iter: usize,
) -> Solution {
    let n = y.len();
    let mut alpha = vec![0.0; n];
    let mut g = vec![-1.0; n];
    let upper = |a: f64| a >= c;
    let lower = |a: f64| a <= 0.0;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iter {
        // i: the most violating index in I_up, by -y_t G_t.
        let (mut gmax, mut i) = (f64::NEG_INFINITY, usize::MAX);
        for t in 0..n {
            let in_up = if y[t] > 0.0 {
                !upper(alpha[t])
            } else {
                !lower(alpha[t])
            };
            if in_up && -y[t] * g[t] >= gmax {
                gmax = -y[t] * g[t];
                i = t;
            }
        }
        if i == usize::MAX {
            converged = true;
            break;
        }
        // j: in I_low, the largest second-order decrease b² / a.
        let ki = cache.row(i);
        let (mut gmax2, mut j, mut best) = (f64::NEG_INFINITY, usize::MAX, f64::INFINITY);
        for t in 0..n {
            let in_low = if y[t] > 0.0 {
                !lower(alpha[t])
            } else {
                !upper(alpha[t])
            };
            if !in_low {
                continue;
            }
            let yg = y[t] * g[t];
            gmax2 = gmax2.max(yg);
            let b = gmax + yg;
            if b > 0.0 {
                let a = (diag[i] + diag[t] - 2.0 * ki[t]).max(TAU);
                let obj = -b * b / a;
                if obj <= best {
                    best = obj;
                    j = t;
                }
            }
        }
        if gmax + gmax2 < tol || j == usize::MAX {
            converged = true;
            break;
        }
        iterations += 1;
        let (ki, kj) = cache.pair(i, j);
        let (old_i, old_j) = (alpha[i], alpha[j]);
        let quad = (diag[i] + diag[j] - 2.0 * ki[j]).max(TAU);
        if y[i] != y[j] {
            let delta = (-g[i] - g[j]) / quad;
            let diff = alpha[i] - alpha[j];
            alpha[i] += delta;
            alpha[j] += delta;
            if diff > 0.0 {
                if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = diff;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = -diff;
            }
            if diff > 0.0 {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = c - diff;
                }
            } else if alpha[j] > c {
                alpha[j] = c;
                alpha[i] = c + diff;
            }
        } else {
            let delta = (g[i] - g[j]) / quad;
            let sum = alpha[i] + alpha[j];
            alpha[i] -= delta;
            alpha[j] += delta;
            if sum > c {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = sum - c;
                }
            } else if alpha[j] < 0.0 {
                alpha[j] = 0.0;
                alpha[i] = sum;
            }
            if sum > c {
                if alpha[j] > c {
                    alpha[j] = c;
                    alpha[i] = sum - c;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = sum;
            }
        }
        // G_t += Q_ti Δα_i + Q_tj Δα_j
        let (di, dj) = ((alpha[i] - old_i) * y[i], (alpha[j] - old_j) * y[j]);
        for t in 0..n {
            g[t] += y[t] * (ki[t] * di + kj[t] * dj);
        }
    }
    let rho = rho(&alpha, &g, y, c);
    Solution {
        alpha,
        rho,
        iterations,
        converged,
    }
}

/// The offset `ρ` (the bias is `-ρ`): the mean of `y_t G_t` over free vectors, else the
/// midpoint of its feasible interval.
fn rho(alpha: &[f64], g: &[f64], y: &[f64], c: f64) -> f64 {
    let (mut ub, mut lb) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut free, mut sum) = (0usize, 0.0);
    for t in 0..y.len() {
        let yg = y[t] * g[t];
        if alpha[t] >= c {
            if y[t] < 0.0 {
                ub = ub.min(yg)
            } else {
                lb = lb.max(yg)
            }
        } else if alpha[t] <= 0.0 {
            if y[t] > 0.0 {
                ub = ub.min(yg)
            } else {
                lb = lb.max(yg)
            }
        } else {
            free += 1;
            sum += yg;
        }
    }
    if free > 0 {
        sum / free as f64
    } else {
        (ub + lb) / 2.0
    }
}
