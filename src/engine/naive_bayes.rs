//! Gaussian naive Bayes by linfa-bayes and smartcore, read back as per-class priors, means and
//! variances.
//!
//! linfa-bayes keeps its fitted statistics private; they are read from its serde form (its
//! `serde` feature), whose variances already include its smoothing
//! `ε = var_smoothing · max_i Var(x_i)` — the project's rule. smartcore has no variance
//! smoothing at all (a constant feature gives `σ² = 0` and NaN likelihoods), so the adapter adds
//! the same `ε` to its variances; and its one-pass variance `Σx²/n - μ²` cancels on features
//! far from 0, so it is given centred features.

use linfa::traits::Fit as _;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::{dense, wrapped};
use crate::{Error, Result};

/// Per-class Gaussian statistics: `log P(C_k)`, `μ_{k,i}`, `σ²_{k,i}`.
pub(crate) struct GaussianStats {
    pub log_prior: Array1<f64>,
    pub mean: Array2<f64>,
    pub var: Array2<f64>,
}

/// linfa-bayes' Gaussian naive Bayes with `var_smoothing`.
pub(crate) fn linfa_gaussian(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    k: usize,
    var_smoothing: f64,
) -> Result<GaussianStats> {
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = linfa_bayes::GaussianNb::params()
        .var_smoothing(var_smoothing)
        .fit(&data)
        .map_err(|e| wrapped("linfa-bayes")(&e))?;
    let json = serde_json::to_value(&model)?;
    let info = json
        .get("class_info")
        .and_then(|v| v.as_object())
        .ok_or_else(|| unreadable("no class_info"))?;
    let n = x.ncols();
    let mut stats = GaussianStats {
        log_prior: Array1::from_elem(k, f64::NEG_INFINITY),
        mean: Array2::zeros((k, n)),
        var: Array2::ones((k, n)),
    };
    for (class, entry) in info {
        let c: usize = class.parse().map_err(|_| unreadable("a class key"))?;
        if c >= k {
            return Err(unreadable("a class beyond the data set's"));
        }
        let prior = entry.get("prior").and_then(|p| p.as_f64());
        stats.log_prior[c] = prior.ok_or_else(|| unreadable("a prior"))?.ln();
        stats.mean.row_mut(c).assign(&vector(entry, "theta", n)?);
        stats.var.row_mut(c).assign(&vector(entry, "sigma", n)?);
    }
    Ok(stats)
}

/// smartcore's Gaussian naive Bayes, with `ε = var_smoothing · max_i Var(x_i)` added to its
/// variances.
pub(crate) fn smartcore_gaussian(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    k: usize,
    epsilon: f64,
) -> Result<GaussianStats> {
    use smartcore::naive_bayes::gaussian::{GaussianNB, GaussianNBParameters};
    // smartcore's one-pass variance Σx²/n - μ² cancels on features far from 0: it is given
    // features centred on their overall means, which are added back to its class means
    let shift = x
        .mean_axis(ndarray::Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let centred = &x - &shift;
    let model = GaussianNB::fit(
        &dense(centred.view())?,
        &y.to_vec(),
        GaussianNBParameters::default(),
    )
    .map_err(|e| wrapped("smartcore")(&e))?;
    let n = x.ncols();
    let mut stats = GaussianStats {
        log_prior: Array1::from_elem(k, f64::NEG_INFINITY),
        mean: Array2::zeros((k, n)),
        var: Array2::ones((k, n)),
    };
    for (i, &c) in model.classes().iter().enumerate() {
        if c >= k {
            return Err(unreadable("a class beyond the data set's"));
        }
        stats.log_prior[c] = model.class_priors()[i].ln();
        stats
            .mean
            .row_mut(c)
            .assign(&(Array1::from(model.theta()[i].clone()) + &shift));
        // smartcore's Σx²/n - μ² can round below 0: clamp, then smooth
        let var = Array1::from(model.var()[i].clone()).mapv(|v| v.max(0.0) + epsilon);
        stats.var.row_mut(c).assign(&var);
    }
    Ok(stats)
}

fn vector(entry: &serde_json::Value, field: &str, n: usize) -> Result<Array1<f64>> {
    let v: Array1<f64> =
        serde_json::from_value(entry.get(field).cloned().ok_or_else(|| unreadable(field))?)?;
    if v.len() == n {
        Ok(v)
    } else {
        Err(unreadable(field))
    }
}

fn unreadable(what: &str) -> Error {
    Error::Wrapped {
        crate_name: "linfa-bayes",
        message: format!("fitted model not readable: {what}"),
    }
}

/// smartcore's categorical naive Bayes on integer codes: `log P(x_i = v | C_k)` per feature as
/// a `classes × values` table (its `feature_log_prob`, `(count + α) / (N_k + α · values_i)`, the
/// project's estimate), and `log P(C_k)` from its class counts.
pub(crate) fn smartcore_categorical(
    codes: &Array2<usize>,
    y: ArrayView1<usize>,
    k: usize,
    alpha: f64,
) -> Result<(Array1<f64>, Vec<Array2<f64>>)> {
    use smartcore::linalg::basic::matrix::DenseMatrix;
    use smartcore::naive_bayes::categorical::{CategoricalNB, CategoricalNBParameters};
    let (n, p) = codes.dim();
    let x = DenseMatrix::new(n, p, codes.iter().copied().collect(), false)
        .map_err(|e| wrapped("smartcore")(&e))?;
    let model = CategoricalNB::fit(
        &x,
        &y.to_vec(),
        CategoricalNBParameters::default().with_alpha(alpha),
    )
    .map_err(|e| wrapped("smartcore")(&e))?;
    // smartcore numbers its classes 0..=max(y); a class without rows has NaN tables when α = 0:
    // such classes get prior 0 and unused tables, as natively
    let classes = model.classes();
    if classes.len() > k || classes.iter().enumerate().any(|(i, &c)| i != c) {
        return Err(Error::Wrapped {
            crate_name: "smartcore",
            message: format!("categorical naive Bayes classes {classes:?}, {k} expected"),
        });
    }
    let present: Vec<bool> = (0..k)
        .map(|c| model.class_count().get(c).is_some_and(|&n| n > 0))
        .collect();
    let log_prior = (0..k)
        .map(|c| {
            if present[c] {
                (model.class_count()[c] as f64 / n as f64).ln()
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let tables = model
        .feature_log_prob()
        .iter()
        .map(|per_class| {
            let values = per_class.first().map_or(0, Vec::len);
            Array2::from_shape_fn(
                (k, values),
                |(c, v)| {
                    if present[c] { per_class[c][v] } else { 0.0 }
                },
            )
        })
        .collect();
    Ok((log_prior, tables))
}

/// A linfa-bayes model's parameters, recovered from its public joint log-likelihood at the
/// probe rows `0` and `e_i` (its fitted statistics are private, and its Bernoulli model has no
/// serde form): `jll_k(0)` and `jll_k(e_i) - jll_k(0)` for every class `k`.
fn probe<M: linfa_bayes::NaiveBayes<'static, f64, usize>>(
    model: &M,
    n: usize,
    k: usize,
) -> Result<(Array1<f64>, Array2<f64>)> {
    let mut rows = Array2::zeros((n + 1, n));
    for i in 0..n {
        rows[[i + 1, i]] = 1.0;
    }
    let jll = model.joint_log_likelihood(rows.view());
    let mut base = Array1::from_elem(k, f64::NEG_INFINITY);
    let mut steps = Array2::zeros((k, n));
    for (&&class, values) in &jll {
        if class >= k || values.len() != n + 1 {
            return Err(Error::Wrapped {
                crate_name: "linfa-bayes",
                message: "joint log-likelihood of an unexpected shape".into(),
            });
        }
        base[class] = values[0];
        for i in 0..n {
            steps[[class, i]] = values[i + 1] - values[0];
        }
    }
    Ok((base, steps))
}

/// linfa-bayes' multinomial naive Bayes: `jll_k(x) = log P(C_k) + Σ_i x_i log θ_{k,i}`, so
/// `log P(C_k) = jll_k(0)` and `log θ_{k,i} = jll_k(e_i) - jll_k(0)`. (linfa-bayes 0.8.1 prints
/// the fitted model to standard error on every multinomial fit, a leftover `dbg!`.)
pub(crate) fn linfa_multinomial(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    k: usize,
    alpha: f64,
) -> Result<(Array1<f64>, Array2<f64>)> {
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = linfa_bayes::MultinomialNb::params()
        .alpha(alpha)
        .fit(&data)
        .map_err(|e| wrapped("linfa-bayes")(&e))?;
    probe(&model, x.ncols(), k)
}

/// linfa-bayes' Bernoulli naive Bayes (it binarizes `x > threshold` when fitting):
/// `jll_k(x) = log P(C_k) + Σ_i [x_i log p + (1 - x_i) log q]`, so
/// `d_i = jll_k(e_i) - jll_k(0) = log(p/q)` gives `p = σ(d_i)`, `q = σ(-d_i)`, and
/// `log P(C_k) = jll_k(0) - Σ_i log q`. Returns `(log prior, log p, log q)`.
pub(crate) fn linfa_bernoulli(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    k: usize,
    alpha: f64,
    threshold: f64,
) -> Result<(Array1<f64>, Array2<f64>, Array2<f64>)> {
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = linfa_bayes::BernoulliNb::params()
        .alpha(alpha)
        .binarize(Some(threshold))
        .fit(&data)
        .map_err(|e| wrapped("linfa-bayes")(&e))?;
    let (base, d) = probe(&model, x.ncols(), k)?;
    // log σ(v) = -ln(1 + e^{-v}), computed without overflow
    let log_sigmoid = |v: f64| {
        if v >= 0.0 {
            -(-v).exp().ln_1p()
        } else {
            v - v.exp().ln_1p()
        }
    };
    let log_p = d.mapv(log_sigmoid);
    let log_q = d.mapv(|v| log_sigmoid(-v));
    let log_prior = &base - &log_q.sum_axis(ndarray::Axis(1));
    Ok((log_prior, log_p, log_q))
}
