//! Engines: which implementation fits a classical family — the project's own code, a linfa
//! crate, or smartcore — behind the same estimator API.
//!
//! A family's params carry an `engine` field ([`Engine::Native`] by default). Whatever the
//! engine, `fit` runs the same checks first (params, then data), so a wrapped crate only ever
//! sees finite, non-empty, well-shaped input, and its fitted state is converted into the
//! family's own fitted type (coefficients, centroids, components, Gaussian statistics, tree
//! nodes, support vectors): prediction, probabilities, persistence and the experiments are the
//! same code for every engine. Hyperparameters are mapped to each crate's parameterisation by
//! the formulas documented on each adapter, and the crates' known defects are worked around in
//! the adapters (each pinned by a test in `tests/engines.rs`).
//!
//! ```
//! use mlnotes::engine::Engine;
//! use mlnotes::estimator::{Fit, Predict};
//! use mlnotes::linear::LinearRegression;
//! let diabetes = mlnotes::data::diabetes();
//! let native = LinearRegression::new().fit(&diabetes)?;
//! let linfa = LinearRegression::new().with_engine(Engine::Linfa).fit(&diabetes)?;
//! let smartcore = LinearRegression::new().with_engine(Engine::Smartcore).fit(&diabetes)?;
//! for other in [&linfa, &smartcore] {
//!     assert!((&native.coef - &other.coef).iter().all(|d| d.abs() < 1e-6));
//! }
//! # Ok::<(), mlnotes::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::{Error, Result};

pub(crate) mod kmeans;
pub(crate) mod knn;
pub(crate) mod linear;
pub(crate) mod logistic;
pub(crate) mod naive_bayes;
pub(crate) mod pca;
pub(crate) mod svm;
pub(crate) mod tree;

/// Who implements a classical family.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// The project's own code, written from the notes.
    #[default]
    Native,
    /// The linfa crate of the family (linfa-linear, linfa-elasticnet, linfa-logistic,
    /// linfa-clustering, linfa-reduction, linfa-bayes, linfa-trees, linfa-svm, linfa-ensemble,
    /// linfa-nn).
    Linfa,
    /// smartcore.
    Smartcore,
}

impl Engine {
    /// Every engine, native first.
    pub const ALL: [Engine; 3] = [Engine::Native, Engine::Linfa, Engine::Smartcore];

    /// The engine's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Native => "native",
            Engine::Linfa => "linfa",
            Engine::Smartcore => "smartcore",
        }
    }

    /// The error for a family (or an option of it) this engine does not implement.
    pub(crate) fn unsupported(self, what: &str) -> Error {
        Error::config(
            "engine",
            format!("{what} is not available with engine `{self}`"),
        )
    }

    /// `Ok` when the engine is one of `allowed`, else the error naming `what`.
    pub(crate) fn require(self, allowed: &[Engine], what: &str) -> Result<()> {
        if allowed.contains(&self) {
            Ok(())
        } else {
            Err(self.unsupported(what))
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Engine {
    type Err = Error;

    fn from_str(s: &str) -> Result<Engine> {
        Engine::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| {
                Error::config("engine", format!("`{s}`: use native, linfa or smartcore"))
            })
    }
}

/// An error of a wrapped crate as the library's error.
pub(crate) fn wrapped(crate_name: &'static str) -> impl Fn(&dyn fmt::Display) -> Error {
    move |e| Error::Wrapped {
        crate_name,
        message: e.to_string(),
    }
}

/// The rand 0.8 generator linfa takes, seeded from the project's seed (Xoshiro256+, so the
/// same seed gives the same linfa run on every platform).
pub(crate) fn linfa_rng(seed: u64) -> rand_xoshiro::Xoshiro256Plus {
    use rand_xoshiro::rand_core::SeedableRng;
    rand_xoshiro::Xoshiro256Plus::seed_from_u64(seed)
}

/// smartcore's dense matrix, copied row-major from an ndarray 0.16 view (smartcore 0.7's own
/// ndarray bindings target ndarray 0.17, another type).
pub(crate) fn dense(
    x: ArrayView2<f64>,
) -> Result<smartcore::linalg::basic::matrix::DenseMatrix<f64>> {
    let (n, p) = x.dim();
    let values: Vec<f64> = x.iter().copied().collect();
    smartcore::linalg::basic::matrix::DenseMatrix::new(n, p, values, false)
        .map_err(|e| wrapped("smartcore")(&e))
}

/// Features and targets centred on their means, with the means: the adapters of crates that
/// fit an intercept without centring X (linfa-elasticnet, smartcore's ridge and lasso without
/// normalisation) fit the centred problem without an intercept, and recover
/// `θ₀ = ȳ - x̄ᵀw`.
pub(crate) struct Centred {
    pub x: Array2<f64>,
    pub y: Array1<f64>,
    pub x_mean: Array1<f64>,
    pub y_mean: f64,
}

impl Centred {
    pub(crate) fn new(x: ArrayView2<f64>, y: ArrayView1<f64>) -> Centred {
        let x_mean = x
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let y_mean = y.mean().unwrap_or(0.0);
        Centred {
            x: &x - &x_mean,
            y: &y - y_mean,
            x_mean,
            y_mean,
        }
    }

    /// The intercept of weights `w` fitted on the centred data: `ȳ - x̄ᵀw`.
    pub(crate) fn intercept(&self, w: &Array1<f64>) -> f64 {
        self.y_mean - self.x_mean.dot(w)
    }
}

/// A smartcore dense matrix read back as an ndarray matrix.
pub(crate) fn from_dense(m: &smartcore::linalg::basic::matrix::DenseMatrix<f64>) -> Array2<f64> {
    use smartcore::linalg::basic::arrays::Array;
    let (n, p) = m.shape();
    Array2::from_shape_fn((n, p), |(i, j)| *m.get((i, j)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_a_config_error() {
        for e in Engine::ALL {
            assert_eq!(e.name().parse::<Engine>().unwrap(), e);
            assert_eq!(serde_json::to_string(&e).unwrap(), format!("\"{e}\""));
        }
        let err = "sklearn".parse::<Engine>().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Config {
                    param: "engine",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn dense_copies_row_major() {
        use smartcore::linalg::basic::arrays::Array;
        let x = ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let d = dense(x.view()).unwrap();
        assert_eq!(*d.get((1, 0)), 4.0);
        assert_eq!(*d.get((0, 2)), 3.0);
    }
}
