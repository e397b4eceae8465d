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
    if model.classes().len() != k || model.classes().iter().enumerate().any(|(i, &c)| i != c) {
        return Err(Error::invalid(format!(
            "engine smartcore needs every one of the {k} classes in the training rows"
        )));
    }
    let log_prior = model
        .class_count()
        .iter()
        .map(|&c| (c as f64 / n as f64).ln())
        .collect();
    let tables = model
        .feature_log_prob()
        .iter()
        .map(|per_class| {
            let values = per_class.first().map_or(0, Vec::len);
            Array2::from_shape_fn((k, values), |(c, v)| per_class[c][v])
        })
        .collect();
    Ok((log_prior, tables))
}
