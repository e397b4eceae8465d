//! Logistic regression on linfa-logistic and smartcore.
//!
//! Penalty mapping: the project's cost is `1/m Σ CE + λ/(2m)‖w‖²`; linfa-logistic and smartcore
//! both minimise the sum `Σ CE + ½α‖w‖²` (bias not penalised), so `α = λ` (= 1/C), and a
//! gradient tolerance `tol` on the mean cost is `m · tol` on theirs.
//!
//! linfa-logistic 0.8.1 takes the *more frequent* class as its positive one (rust-ml/linfa#393,
//! its docs say otherwise), so the binary adapter reads which class it chose and flips the
//! signs when that is class 0. Its multinomial model orders classes ascending; smartcore's
//! binary model predicts its larger label (class 1) when `wᵀx + b > 0`.

use linfa::traits::Fit as _;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};

use super::{dense, from_dense, wrapped};
use crate::{Error, Result};

/// linfa-logistic params (`LogisticRegression` or `MultiLogisticRegression`; their generic
/// type is private) with the project's penalty and L-BFGS budget: `alpha = λ`, and a gradient
/// tolerance `tol` on the mean cost is `m · tol` on its sum.
macro_rules! budget {
    ($params:ty, $x:expr, $l2:expr, $max_iter:expr, $tol:expr) => {
        <$params>::default()
            .alpha($l2)
            .with_intercept(true)
            .max_iterations(u64::try_from($max_iter).unwrap_or(u64::MAX))
            .gradient_tolerance($tol * $x.nrows() as f64)
    };
}

/// Binary model `[θ₀, θ₁, …]` for class 1 against class 0 by linfa-logistic (L-BFGS).
pub(crate) fn linfa_binary(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    l2: f64,
    max_iter: usize,
    tol: f64,
) -> Result<Array1<f64>> {
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = budget!(
        linfa_logistic::LogisticRegression<f64>,
        x,
        l2,
        max_iter,
        tol
    )
    .fit(&data)
    .map_err(|e| wrapped("linfa-logistic")(&e))?;
    let mut theta = Array1::zeros(x.ncols() + 1);
    theta[0] = model.intercept();
    theta.slice_mut(s![1..]).assign(model.params());
    // linfa's positive class is the more frequent one (linfa#393): turn it into class 1
    if model.labels().pos.class != 1 {
        theta.mapv_inplace(|v| -v);
    }
    Ok(theta)
}

/// Softmax model, one row `[θ₀, θ₁, …]` per class, by linfa-logistic's multinomial regression.
pub(crate) fn linfa_softmax(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    k: usize,
    l2: f64,
    max_iter: usize,
    tol: f64,
) -> Result<Array2<f64>> {
    let data = linfa::Dataset::new(x.to_owned(), y.to_owned());
    let model = budget!(
        linfa_logistic::MultiLogisticRegression<f64>,
        x,
        l2,
        max_iter,
        tol
    )
    .fit(&data)
    .map_err(|e| wrapped("linfa-logistic")(&e))?;
    every_class_present(model.classes(), k, "linfa")?;
    let mut theta = Array2::zeros((k, x.ncols() + 1));
    theta.column_mut(0).assign(model.intercept());
    theta.slice_mut(s![.., 1..]).assign(&model.params().t());
    Ok(theta)
}

/// Binary (one row, class 1) or softmax (one row per class) model by smartcore (L-BFGS).
pub(crate) fn smartcore(
    x: ArrayView2<f64>,
    y: ArrayView1<usize>,
    k: usize,
    l2: f64,
) -> Result<Array2<f64>> {
    use smartcore::linear::logistic_regression::{
        LogisticRegression, LogisticRegressionParameters,
    };
    let model = LogisticRegression::fit(
        &dense(x)?,
        &y.to_vec(),
        LogisticRegressionParameters::default().with_alpha(l2),
    )
    .map_err(|e| wrapped("smartcore")(&e))?;
    every_class_present(model.classes(), k, "smartcore")?;
    let w = from_dense(model.coefficients());
    let b = from_dense(model.intercept());
    let mut theta = Array2::zeros((w.nrows(), x.ncols() + 1));
    theta.column_mut(0).assign(&b.column(0));
    theta.slice_mut(s![.., 1..]).assign(&w);
    Ok(theta)
}

/// The wrapped crates number only the classes they saw: a class absent from the training rows
/// would shift every later column, so it is refused.
fn every_class_present(seen: &[usize], k: usize, engine: &str) -> Result<()> {
    if seen.len() == k && seen.iter().enumerate().all(|(i, &c)| i == c) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "engine {engine} needs every one of the {k} classes in the training rows, saw {seen:?}"
        )))
    }
}
