//! Kernel SVM machines by linfa-svm, one per pair of classes (linfa-svm separates two classes
//! only; the one-vs-one voting is the project's).
//!
//! Mapping: linfa-svm's Gaussian kernel is `exp(-‖a - b‖² / eps)`, so `eps = 1/γ`; `C` is its
//! `pos_neg_weights(C, C)`; the stopping tolerance is its `eps` of the SMO. Its solution is
//! read back as signed `α_i y_i` (its `alpha`, positive for the class voted for when `f > 0`)
//! and its offset `ρ` (`f(x) = Σ α_i y_i K(x_i, x) - ρ`, the project's form). linfa-svm builds
//! the dense `m × m` kernel matrix of each machine (rust-ml/linfa#308), so a machine whose
//! matrix would exceed [`MAX_KERNEL_BYTES`] is refused before any work.

use linfa::traits::Fit as _;
use ndarray::{Array1, ArrayView2};

use super::wrapped;
use crate::svm::{Gamma, Kernel};
use crate::{Error, Result};

/// The largest dense kernel matrix linfa-svm is given: 2 GiB (16 384 examples in one pair).
pub const MAX_KERNEL_BYTES: usize = 2 << 30;

/// One machine's solution: `α_i ≥ 0` per training row (of this pair), `ρ`, and whether it
/// meets the KKT conditions (linfa-svm does not report it; judged here).
pub(crate) struct PairSolution {
    pub alpha: Vec<f64>,
    pub rho: f64,
    pub converged: bool,
}

/// Solve one pair (`y = ±1`) with linfa-svm.
pub(crate) fn linfa_pair(
    kernel: Kernel,
    x: ArrayView2<f64>,
    y: &[f64],
    c: f64,
    tol: f64,
) -> Result<PairSolution> {
    let m = x.nrows();
    let bytes = m
        .saturating_mul(m)
        .saturating_mul(std::mem::size_of::<f64>());
    if bytes > MAX_KERNEL_BYTES {
        return Err(Error::invalid(format!(
            "engine linfa builds a dense {m} x {m} kernel matrix ({:.1} GiB) for one pair of \
             classes, more than its {} GiB limit: use the native engine (cached kernel rows)",
            bytes as f64 / f64::from(1u32 << 30),
            MAX_KERNEL_BYTES >> 30
        )));
    }
    let targets: Array1<bool> = y.iter().map(|&v| v > 0.0).collect();
    let params = linfa_svm::Svm::<f64, bool>::params()
        .pos_neg_weights(c, c)
        .eps(tol);
    let params = match kernel {
        Kernel::Linear => params.linear_kernel(),
        Kernel::Rbf(Gamma::Value(g)) => params.gaussian_kernel(1.0 / g),
        Kernel::Rbf(_) => return Err(Error::invalid("kernel width not resolved before linfa-svm")),
    };
    let data = linfa::Dataset::new(x.to_owned(), targets);
    let model = params.fit(&data).map_err(|e| wrapped("linfa-svm")(&e))?;
    if model.alpha.len() != m || !model.rho.is_finite() {
        return Err(wrapped("linfa-svm")(&"solution of an unexpected shape"));
    }
    let alpha: Vec<f64> = model
        .alpha
        .iter()
        .zip(y)
        .map(|(a, yi)| (a * yi).max(0.0))
        .collect();
    let converged = kkt_met(kernel, x, y, &alpha, model.rho, c, tol);
    Ok(PairSolution {
        alpha,
        rho: model.rho,
        converged,
    })
}

/// The KKT conditions of the dual at `α`, with margin `y_i f(x_i)` allowed `10 · tol` of
/// slack: `α_i = 0 ⇒ y_i f_i ≥ 1`, `0 < α_i < C ⇒ y_i f_i = 1`, `α_i = C ⇒ y_i f_i ≤ 1`.
fn kkt_met(
    kernel: Kernel,
    x: ArrayView2<f64>,
    y: &[f64],
    alpha: &[f64],
    rho: f64,
    c: f64,
    tol: f64,
) -> bool {
    let support: Vec<usize> = (0..alpha.len()).filter(|&i| alpha[i] > 0.0).collect();
    let k = |a: ndarray::ArrayView1<f64>, b: ndarray::ArrayView1<f64>| match kernel {
        Kernel::Linear => a.dot(&b),
        Kernel::Rbf(Gamma::Value(g)) => {
            (-g * a.iter().zip(b).map(|(p, q)| (p - q).powi(2)).sum::<f64>()).exp()
        }
        Kernel::Rbf(_) => f64::NAN,
    };
    let slack = 10.0 * tol;
    let at_bound = 1e-8 * c;
    (0..alpha.len()).all(|i| {
        let f: f64 = support
            .iter()
            .map(|&j| alpha[j] * y[j] * k(x.row(j), x.row(i)))
            .sum::<f64>()
            - rho;
        let margin = y[i] * f;
        if alpha[i] <= at_bound {
            margin >= 1.0 - slack
        } else if alpha[i] >= c - at_bound {
            margin <= 1.0 + slack
        } else {
            (margin - 1.0).abs() <= slack
        }
    })
}

/// Solve one pair (`y = ±1`) with smartcore's SVC (its larger label, here the class voted for
/// when `f > 0`, is its positive one). Its fitted support vectors, their `α_i y_i` and its
/// offset `b` are read from its serde form (`f(x) = Σ w_i K(x_i, x) + b`, so `ρ = -b`) and
/// mapped back to the pair's rows. smartcore keeps only the first `m` features of each row
/// when there are more features than rows (`m`), so such a pair is refused.
pub(crate) fn smartcore_pair(
    kernel: Kernel,
    x: ArrayView2<f64>,
    y: &[f64],
    c: f64,
    tol: f64,
    seed: u64,
) -> Result<PairSolution> {
    use smartcore::linalg::basic::matrix::DenseMatrix;
    use smartcore::svm::Kernels;
    use smartcore::svm::svc::{SVC, SVCParameters};
    let (m, p) = x.dim();
    if p > m {
        return Err(Error::invalid(format!(
            "engine smartcore: a pair of classes with {m} examples and {p} features (its SVC \
             truncates rows to the number of examples); use the native engine"
        )));
    }
    let kernels = match kernel {
        Kernel::Linear => Kernels::linear(),
        Kernel::Rbf(Gamma::Value(g)) => Kernels::rbf().with_gamma(g),
        Kernel::Rbf(_) => return Err(Error::invalid("kernel width not resolved before smartcore")),
    };
    let labels: Vec<usize> = y.iter().map(|&v| usize::from(v > 0.0)).collect();
    let params = SVCParameters::<f64, usize, DenseMatrix<f64>, Vec<usize>>::default()
        .with_c(c)
        .with_tol(tol)
        .with_kernel(kernels)
        .with_seed(Some(seed));
    let xm = super::dense(x)?;
    let model = SVC::fit(&xm, &labels, &params).map_err(|e| wrapped("smartcore")(&e))?;
    let json = serde_json::to_value(&model)?;
    let unreadable = |what: &str| wrapped("smartcore")(&format!("fitted SVC not readable: {what}"));
    let instances: Vec<Vec<f64>> = serde_json::from_value(
        json.get("instances")
            .cloned()
            .ok_or_else(|| unreadable("instances"))?,
    )?;
    let w: Vec<f64> =
        serde_json::from_value(json.get("w").cloned().ok_or_else(|| unreadable("w"))?)?;
    let b = json
        .get("b")
        .and_then(|v| v.as_f64())
        .ok_or_else(|| unreadable("b"))?;
    if instances.len() != w.len() || instances.iter().any(|r| r.len() != p) {
        return Err(unreadable("support vectors of another shape"));
    }
    // each support vector back to an unused row of the pair with the same values and the
    // label its weight's sign gives (`w_i = α_i y_i`): identical rows may carry both labels
    let mut by_row: std::collections::HashMap<(Vec<u64>, bool), Vec<usize>> = Default::default();
    for (t, row) in x.rows().into_iter().enumerate().rev() {
        let key = (row.iter().map(|v| v.to_bits()).collect(), y[t] > 0.0);
        by_row.entry(key).or_default().push(t);
    }
    let mut alpha = vec![0.0; m];
    for (sv, &wi) in instances.iter().zip(&w) {
        if wi == 0.0 {
            continue;
        }
        let key = (sv.iter().map(|v| v.to_bits()).collect(), wi > 0.0);
        let t = by_row
            .get_mut(&key)
            .and_then(Vec::pop)
            .ok_or_else(|| unreadable("a support vector that is no training row of its label"))?;
        alpha[t] = wi.abs();
    }
    let rho = -b;
    let converged = kkt_met(kernel, x, y, &alpha, rho, c, tol);
    Ok(PairSolution {
        alpha,
        rho,
        converged,
    })
}
