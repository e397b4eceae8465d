//! Principal component analysis (notes: *Dimensionality Reduction*): project the data onto the
//! `k` directions of maximum variance (equivalently, of minimum reconstruction error).
//!
//! With centred data `X` (scale it first: the notes call this crucial), the right singular
//! vectors `V` of `X = UΣVᵀ` are the eigenvectors of the covariance `XᵀX/(m-1)`, and
//! `σ_i² / (m-1)` its eigenvalues. Projection `Z = X V_{:,1:k}`, reconstruction `X̂ = Z V_{:,1:k}ᵀ`,
//! variance retained `Σ_{i≤k} σ_i² / Σ_j σ_j²`.

use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rayon::prelude::*;

use crate::data::Target;
use crate::engine::{self, Engine};
use crate::estimator::{Checked, FitChecked, Params, Transform};
use crate::{Error, Result, linalg, validate};

/// How many components to keep.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Components {
    /// Exactly `k`.
    Fixed(usize),
    /// The smallest `k` retaining at least this share of the variance (e.g. 0.99).
    VarianceRetained(f64),
}

/// PCA hyperparameters.
///
/// ```
/// use mlnotes::estimator::{FitFeatures, Transform};
/// use mlnotes::pca::Pca;
/// let iris = mlnotes::data::iris();
/// let pca = Pca::new(2).fit_features(iris.x())?;
/// assert_eq!(pca.transform(iris.x())?.ncols(), 2);
/// assert!(pca.variance_retained(2) > 0.95);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pca {
    /// Components to keep.
    pub components: Components,
    /// Who finds the components: native (eigen-decomposition of the covariance), linfa
    /// (linfa-reduction, truncated SVD) or smartcore; the other engines need
    /// [`Components::Fixed`]. See [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

impl Default for Pca {
    fn default() -> Self {
        Pca {
            components: Components::VarianceRetained(0.99),
            engine: Engine::Native,
        }
    }
}

impl Params for Pca {
    fn check(&self) -> Result<()> {
        match self.components {
            Components::Fixed(0) => {
                Err(Error::config("components", "needs at least one component"))
            }
            Components::VarianceRetained(v) if !(v > 0.0 && v <= 1.0) => Err(Error::config(
                "components",
                format!("variance share must lie in (0, 1], got {v}"),
            )),
            Components::VarianceRetained(_) if self.engine != Engine::Native => Err(self
                .engine
                .unsupported("a variance share (use Components::Fixed)")),
            _ => Ok(()),
        }
    }
}

/// A fitted PCA.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedPca {
    /// Per-feature mean subtracted before projecting.
    pub mean: Array1<f64>,
    /// The kept principal components `V_{:,1:k}` as columns (n x k).
    pub components: Array2<f64>,
    /// Variance along every principal direction (all n, decreasing): `σ_i² / (m-1)`.
    pub explained_variance: Array1<f64>,
}

impl Pca {
    /// Keep exactly `k` components.
    pub fn new(k: usize) -> Self {
        Pca {
            components: Components::Fixed(k),
            engine: Engine::Native,
        }
    }

    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Keep the smallest `k` retaining `share` of the variance.
    pub fn retaining(share: f64) -> Self {
        Pca {
            components: Components::VarianceRetained(share),
            engine: Engine::Native,
        }
    }
}

impl<T: Target> FitChecked<T> for Pca {
    type Model = FittedPca;

    /// Learn the principal components of the feature rows (targets are ignored).
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<FittedPca> {
        let x = data.x();
        let (m, n) = x.dim();
        if m < 2 {
            return Err(Error::invalid(format!(
                "PCA needs at least 2 examples, got {m}"
            )));
        }
        let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(n));
        let xc = &x - &mean;
        if let (Engine::Linfa | Engine::Smartcore, Components::Fixed(k)) =
            (self.engine, self.components)
        {
            if k > n {
                return Err(Error::invalid(format!(
                    "{k} components asked of {n} features"
                )));
            }
            let mut components = if self.engine == Engine::Linfa {
                engine::pca::linfa_components(x, k)?
            } else {
                engine::pca::smartcore_components(x, k)?
            };
            orient(&mut components);
            let explained_variance = engine::pca::spectrum(xc.view(), &components)?;
            return Ok(FittedPca {
                mean,
                components,
                explained_variance,
            });
        }
        // XᵀX as a sum over fixed row chunks computed in parallel and added in order, so the
        // result does not depend on the thread count.
        let chunks: Vec<_> = xc.axis_chunks_iter(Axis(0), 2048).collect();
        let parts: Vec<Array2<f64>> = chunks.into_par_iter().map(|c| c.t().dot(&c)).collect();
        let cov = parts.into_iter().fold(Array2::zeros((n, n)), |a, b| a + b) / (m - 1) as f64;
        let (values, vectors) = linalg::symmetric_eigen(cov.view())?;
        let explained_variance = values.mapv(|v| v.max(0.0));
        let k = match self.components {
            Components::Fixed(k) if k > n => {
                return Err(Error::invalid(format!(
                    "{k} components asked of {n} features"
                )));
            }
            Components::Fixed(k) => k,
            Components::VarianceRetained(share) => {
                let total = explained_variance.sum();
                let mut acc = 0.0;
                explained_variance
                    .iter()
                    .position(|v| {
                        acc += v;
                        acc >= share * total - 1e-12
                    })
                    .map_or(n, |i| i + 1)
            }
        };
        let mut components = vectors.slice(s![.., ..k]).to_owned();
        orient(&mut components);
        Ok(FittedPca {
            mean,
            components,
            explained_variance,
        })
    }
}

/// The sign convention: the largest-magnitude loading of each component is positive.
fn orient(components: &mut Array2<f64>) {
    for mut col in components.columns_mut() {
        let big = col
            .iter()
            .fold(0.0f64, |b, &v| if v.abs() > b.abs() { v } else { b });
        if big < 0.0 {
            col.mapv_inplace(|v| -v);
        }
    }
}

impl FittedPca {
    /// Number of kept components `k`.
    pub fn n_components(&self) -> usize {
        self.components.ncols()
    }

    /// Share of the variance along each direction (all n).
    pub fn explained_variance_ratio(&self) -> Array1<f64> {
        let total = self.explained_variance.sum();
        if total > 0.0 {
            &self.explained_variance / total
        } else {
            Array1::zeros(self.explained_variance.len())
        }
    }

    /// Share of the variance retained by the first `k` components.
    pub fn variance_retained(&self, k: usize) -> f64 {
        self.explained_variance_ratio().iter().take(k).sum()
    }

    /// `X̂ = Z V_kᵀ + mean`: back to the original space (an approximation).
    pub fn inverse_transform(&self, z: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.n_components(), z, "PCA reconstruction")?;
        Ok(z.dot(&self.components.t()) + &self.mean)
    }

    /// Mean squared reconstruction error `1/m Σ ‖x - x̂‖²`.
    pub fn reconstruction_error(&self, x: ArrayView2<f64>) -> Result<f64> {
        let back = self.inverse_transform(self.transform(x)?.view())?;
        Ok((&x - &back).mapv(|v| v * v).sum() / x.nrows() as f64)
    }
}

impl Transform for FittedPca {
    /// `Z = (X - mean) V_k`.
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.mean.len(), x, "PCA projection")?;
        validate::finite(x, "features to project")?;
        Ok((&x - &self.mean).dot(&self.components))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data;
    use crate::estimator::FitFeatures;

    #[test]
    fn iris_matches_scikit_learn() {
        // sklearn PCA().fit(iris): explained_variance_ratio_ and components_[0] (same iris array)
        let x = data::iris().into_parts().0;
        let p = Pca::new(4).fit_features(x.view()).unwrap();
        let want = [
            0.924_616_207_174_3,
            0.053_015_567_850_5,
            0.017_185_139_525,
            0.005_183_085_450_2,
        ];
        for (g, w) in p.explained_variance_ratio().iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{g} vs {w}");
        }
        assert!((p.explained_variance[0] - 4.224_840_768_320_088).abs() < 1e-9);
        let c0: [f64; 4] = [
            0.361_589_677_381_4,
            -0.082_268_889_892_2,
            0.856_572_105_290_5,
            0.358_843_926_248_2,
        ];
        for (g, w) in p.components.column(0).iter().zip(c0) {
            assert!((g.abs() - w.abs()).abs() < 1e-9, "{g} vs {w} (up to sign)");
        }
    }

    #[test]
    fn digits_variance_threshold_and_reconstruction() {
        // sklearn: 41 components keep 99% of the digits' variance, 29 keep 95%
        let x = data::digits().into_parts().0;
        assert_eq!(
            Pca::retaining(0.99)
                .fit_features(x.view())
                .unwrap()
                .n_components(),
            41
        );
        assert_eq!(
            Pca::retaining(0.95)
                .fit_features(x.view())
                .unwrap()
                .n_components(),
            29
        );
        let full = Pca::new(64).fit_features(x.view()).unwrap();
        assert!(full.reconstruction_error(x.view()).unwrap() < 1e-18 * 1e10);
        let two = Pca::new(2).fit_features(x.view()).unwrap();
        // reconstruction error = sum of the dropped variances * (m-1)/m
        let dropped: f64 = full.explained_variance.iter().skip(2).sum();
        let err = two.reconstruction_error(x.view()).unwrap();
        assert!(
            (err - dropped * 1796.0 / 1797.0).abs() < 1e-6 * dropped,
            "{err} vs {dropped}"
        );
    }

    #[test]
    fn errors() {
        let x = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
        assert!(Pca::new(3).fit_features(x.view()).is_err());
        assert!(Pca::new(0).fit_features(x.view()).is_err());
        assert!(Pca::retaining(1.5).fit_features(x.view()).is_err());
        assert!(
            Pca::new(1)
                .fit_features(ndarray::array![[1.0, 2.0]].view())
                .is_err()
        );
        let p = Pca::new(1).fit_features(x.view()).unwrap();
        assert!(p.transform(ndarray::array![[1.0]].view()).is_err());
    }
}
