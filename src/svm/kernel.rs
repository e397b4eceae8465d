//! Kernel SVM: the dual solved by SMO, one machine per pair of classes (one-vs-one voting).
//!
//! Gaussian kernel (notes: *Kernels*): `K(x, l) = exp(-‖x - l‖² / (2σ²)) = exp(-γ ‖x - l‖²)`
//! with `γ = 1/(2σ²)`. Decision of a machine: `f(x) = Σ_i α_i y_i K(x_i, x) - ρ`.

use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rayon::prelude::*;

use super::smo::{RowCache, solve};
use crate::engine::{self, Engine};
use crate::estimator::{Checked, Convergence, FitChecked, Params, Predict};
use crate::{Error, Result, validate};

/// The kernel width `γ` of the Gaussian kernel.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Gamma {
    /// `γ = 1 / (n_features · Var(X))` (scikit-learn's default `"scale"`).
    Scale,
    /// A fixed `γ > 0`.
    Value(f64),
    /// The notes' width `σ > 0`: `γ = 1 / (2σ²)`.
    Sigma(f64),
}

/// A similarity function satisfying Mercer's condition.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Kernel {
    /// `K(a, b) = aᵀb`.
    Linear,
    /// `K(a, b) = exp(-γ ‖a - b‖²)`.
    Rbf(Gamma),
}

impl Kernel {
    /// The notes' Gaussian kernel with width `σ`: `γ = 1 / (2σ²)` (`σ ≤ 0` fails the params'
    /// check, naming `sigma`).
    pub fn gaussian(sigma: f64) -> Self {
        Kernel::Rbf(Gamma::Sigma(sigma))
    }

    /// The kernel with `γ` resolved against the training features.
    pub(crate) fn resolve(self, x: ArrayView2<f64>) -> Self {
        match self {
            Kernel::Rbf(Gamma::Sigma(sigma)) => {
                Kernel::Rbf(Gamma::Value(1.0 / (2.0 * sigma * sigma)))
            }
            Kernel::Rbf(Gamma::Scale) => {
                let var = x.var(0.0);
                let g = if var > 0.0 {
                    1.0 / (x.ncols() as f64 * var)
                } else {
                    1.0
                };
                Kernel::Rbf(Gamma::Value(g))
            }
            k => k,
        }
    }

    /// `K(a_i, b_j)` for all rows, from one matrix product (`‖a‖² + ‖b‖² - 2aᵀb` for RBF, on
    /// rows shifted by the mean of `b`: the distance does not change, and the expansion keeps
    /// its precision on data far from the origin).
    pub(crate) fn matrix(self, a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        let kernel = match self {
            Kernel::Rbf(Gamma::Sigma(_)) => self.resolve(b),
            other => other,
        };
        if let Kernel::Rbf(Gamma::Value(gamma)) = kernel {
            let shift = b
                .mean_axis(Axis(0))
                .unwrap_or_else(|| ndarray::Array1::zeros(b.ncols()));
            let (a, b) = (&a - &shift, &b - &shift);
            let mut k = a.dot(&b.t());
            let na = a.map_axis(Axis(1), |r| r.dot(&r));
            let nb = b.map_axis(Axis(1), |r| r.dot(&r));
            for ((i, j), v) in k.indexed_iter_mut() {
                *v = (-gamma * (na[i] + nb[j] - 2.0 * *v).max(0.0)).exp();
            }
            return k;
        }
        a.dot(&b.t())
    }
}

/// Kernel-SVM hyperparameters.
///
/// ```
/// use mlnotes::estimator::{Fit, Predict};
/// use mlnotes::preprocess::Scaled;
/// use mlnotes::svm::{Gamma, Kernel, KernelSvm};
/// let iris = mlnotes::data::iris();
/// let model = Scaled::standardized(KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale))).fit(&iris)?;
/// let acc = mlnotes::metrics::accuracy(iris.y(), model.predict(iris.x())?.view())?;
/// assert!(acc > 0.9);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KernelSvm {
    /// `C`, the inverse of the regularisation strength.
    pub c: f64,
    /// The kernel.
    pub kernel: Kernel,
    /// Stopping tolerance on the KKT violation (libsvm's `eps`, 1e-3).
    pub tol: f64,
    /// SMO iterations per machine before giving up.
    pub max_iter: usize,
    /// Kernel-row cache per machine, in megabytes.
    pub cache_mb: usize,
    /// Who solves each pair's dual: native (SMO with cached kernel rows), linfa (linfa-svm,
    /// dense kernel) or smartcore (its SVC); see [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

impl KernelSvm {
    /// `C` with the given kernel.
    pub fn new(c: f64, kernel: Kernel) -> Self {
        KernelSvm {
            c,
            kernel,
            tol: 1e-3,
            max_iter: 10_000_000,
            cache_mb: 200,
            engine: Engine::Native,
        }
    }

    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }
}

impl Params for KernelSvm {
    fn check(&self) -> Result<()> {
        validate::positive(self.c, "c")?;
        validate::positive(self.tol, "tol")?;
        if self.max_iter == 0 {
            return Err(Error::config("max_iter", "must be at least 1"));
        }
        match self.kernel {
            Kernel::Rbf(Gamma::Value(g)) => validate::positive(g, "gamma")?,
            Kernel::Rbf(Gamma::Sigma(sigma)) => {
                validate::positive(sigma, "sigma")?;
                validate::positive(1.0 / (2.0 * sigma * sigma), "sigma")?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// One binary machine separating class `positive` (`f > 0`) from class `negative`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairMachine {
    /// The class voted for when `f(x) > 0`.
    pub positive: usize,
    /// The class voted for otherwise.
    pub negative: usize,
    /// Indices into [`FittedKernelSvm::support_vectors`].
    pub support: Vec<usize>,
    /// `α_i y_i` of each support vector.
    pub dual_coef: Vec<f64>,
    /// The offset `ρ` (`f(x) = Σ α_i y_i K(x_i, x) - ρ`).
    pub rho: f64,
    /// SMO iterations used.
    pub iterations: usize,
    /// Whether the KKT conditions were met within `tol`.
    pub converged: bool,
}

/// A fitted kernel SVM: the support vectors shared by all pairwise machines.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedKernelSvm {
    /// The kernel with `γ` resolved.
    pub kernel: Kernel,
    /// Every training example that is a support vector of some machine.
    pub support_vectors: Array2<f64>,
    /// The `K (K - 1) / 2` pairwise machines.
    pub machines: Vec<PairMachine>,
    n_classes: usize,
}

impl Convergence for FittedKernelSvm {
    /// Every pairwise machine met the KKT tolerance within `max_iter`.
    fn converged(&self) -> bool {
        self.machines.iter().all(|m| m.converged)
    }
}

impl FitChecked<usize> for KernelSvm {
    type Model = FittedKernelSvm;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedKernelSvm> {
        let data = data.data();
        data.require_two_classes()?;
        let kernel = self.kernel.resolve(data.x());
        let k = data.n_classes();
        let by_class: Vec<Vec<usize>> = (0..k)
            .map(|c| {
                (0..data.n_samples())
                    .filter(|&i| data.targets()[i] == c)
                    .collect()
            })
            .collect();
        let pairs: Vec<(usize, usize)> = (0..k)
            .flat_map(|a| (a + 1..k).map(move |b| (a, b)))
            .filter(|&(a, b)| !by_class[a].is_empty() && !by_class[b].is_empty())
            .collect();
        // Each machine: (pair, training rows, solution).
        let solve_pair = |&(a, b): &(usize, usize)| -> Result<_> {
            let rows: Vec<usize> = by_class[a].iter().chain(&by_class[b]).copied().collect();
            let y: Vec<f64> = rows
                .iter()
                .map(|&i| if data.targets()[i] == a { 1.0 } else { -1.0 })
                .collect();
            let x = data.features().select(Axis(0), &rows);
            let sol = match self.engine {
                Engine::Linfa | Engine::Smartcore => {
                    let s = if self.engine == Engine::Linfa {
                        engine::svm::linfa_pair(kernel, x.view(), &y, self.c, self.tol)?
                    } else {
                        engine::svm::smartcore_pair(kernel, x.view(), &y, self.c, self.tol, 0)?
                    };
                    super::smo::Solution {
                        alpha: s.alpha,
                        rho: s.rho,
                        iterations: 0,
                        converged: s.converged,
                    }
                }
                Engine::Native => self.solve_binary(kernel, x.view(), &y),
            };
            Ok((a, b, rows, y, sol))
        };
        // linfa-svm holds a dense kernel matrix per machine: one machine at a time
        let solved: Vec<_> = if self.engine == Engine::Linfa {
            pairs.iter().map(solve_pair).collect::<Result<Vec<_>>>()?
        } else {
            pairs
                .par_iter()
                .map(solve_pair)
                .collect::<Result<Vec<_>>>()?
        };
        // Shared support vectors: training rows with α > 0 in any machine.
        let mut slot = vec![usize::MAX; data.n_samples()];
        let mut sv_rows = Vec::new();
        let mut machines = Vec::with_capacity(solved.len());
        for (a, b, rows, y, sol) in solved {
            let mut m = PairMachine {
                positive: a,
                negative: b,
                support: Vec::new(),
                dual_coef: Vec::new(),
                rho: sol.rho,
                iterations: sol.iterations,
                converged: sol.converged,
            };
            for (t, &alpha) in sol.alpha.iter().enumerate() {
                if alpha > 0.0 {
                    let r = rows[t];
                    if slot[r] == usize::MAX {
                        slot[r] = sv_rows.len();
                        sv_rows.push(r);
                    }
                    m.support.push(slot[r]);
                    m.dual_coef.push(alpha * y[t]);
                }
            }
            machines.push(m);
        }
        Ok(FittedKernelSvm {
            kernel,
            support_vectors: data.features().select(Axis(0), &sv_rows),
            machines,
            n_classes: k,
        })
    }
}

impl KernelSvm {
    fn solve_binary(&self, kernel: Kernel, x: ArrayView2<f64>, y: &[f64]) -> super::smo::Solution {
        let n = x.nrows();
        // The RBF kernel depends on differences only: centre the rows so that the expansion
        // `‖a‖² + ‖b‖² - 2aᵀb` keeps its precision on data far from the origin.
        let centred;
        let x = if matches!(kernel, Kernel::Rbf(_)) {
            let mean = x
                .mean_axis(Axis(0))
                .unwrap_or_else(|| ndarray::Array1::zeros(x.ncols()));
            centred = &x - &mean;
            centred.view()
        } else {
            x.view()
        };
        let norms: Vec<f64> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
        let diag: Vec<f64> = match kernel {
            Kernel::Linear => norms.clone(),
            Kernel::Rbf(_) => vec![1.0; n],
        };
        let gamma = match kernel {
            Kernel::Rbf(Gamma::Value(g)) => g,
            _ => 0.0,
        };
        let compute = |i: usize, out: &mut [f64]| {
            let xi = x.row(i);
            let mut row = ndarray::ArrayViewMut1::from(out);
            ndarray::linalg::general_mat_vec_mul(1.0, &x, &xi, 0.0, &mut row);
            if gamma > 0.0 {
                for (t, v) in row.iter_mut().enumerate() {
                    *v = (-gamma * (norms[i] + norms[t] - 2.0 * *v).max(0.0)).exp();
                }
            }
        };
        let mut cache = RowCache::new(n, self.cache_mb << 20, compute);
        solve(&mut cache, &diag, y, self.c, self.tol, self.max_iter)
    }
}

/// Queries per block in prediction (bounds the kernel matrix to `BLOCK x n_SV`).
const BLOCK: usize = 512;

impl FittedKernelSvm {
    /// Number of support vectors (shared across machines).
    pub fn n_support(&self) -> usize {
        self.support_vectors.nrows()
    }

    /// `f(x)` of every machine (`m x machines`).
    pub fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::input(self.support_vectors.ncols(), x, "SVM input")?;
        let mut f = Array2::zeros((x.nrows(), self.machines.len()));
        for start in (0..x.nrows()).step_by(BLOCK) {
            let end = (start + BLOCK).min(x.nrows());
            let k = self
                .kernel
                .matrix(x.slice(s![start..end, ..]), self.support_vectors.view());
            for (q, krow) in k.rows().into_iter().enumerate() {
                for (p, m) in self.machines.iter().enumerate() {
                    let sum: f64 = m
                        .support
                        .iter()
                        .zip(&m.dual_coef)
                        .map(|(&s, &c)| c * krow[s])
                        .sum();
                    f[[start + q, p]] = sum - m.rho;
                }
            }
        }
        Ok(f)
    }
}

impl Predict<usize> for FittedKernelSvm {
    /// One-vs-one vote (lowest class on ties, as libsvm).
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        let f = self.decision_function(x)?;
        let mut votes = Array2::<f64>::zeros((x.nrows(), self.n_classes));
        for (i, row) in f.rows().into_iter().enumerate() {
            for (m, &v) in self.machines.iter().zip(row) {
                votes[[i, if v > 0.0 { m.positive } else { m.negative }]] += 1.0;
            }
        }
        Ok(crate::tree::argmax_rows(&votes))
    }
}
