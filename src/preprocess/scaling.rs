//! Feature scaling: bring every feature into roughly `-1 <= x_i <= 1` so that gradient descent
//! does not zig-zag along skewed cost contours.
//!
//! Mean normalisation: `x' = (x - mean) / (max - min)`; standardisation: `x' = (x - mean) / std`.
//! A constant column (range or std of 0) is centred and left unscaled, never divided by zero.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::{FittedPipeline, Pipeline};
use crate::data::Target;
use crate::estimator::{Checked, FitChecked, Params, Transform};
use crate::{Result, validate};

/// Which divisor to use after subtracting the mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scaling {
    /// Divide by the range `max - min` (the notes' mean normalisation).
    MeanNormalization,
    /// Divide by the (population) standard deviation, like scikit-learn's `StandardScaler`.
    Standardization,
}

/// A feature scaler, to be fitted on training data.
///
/// ```
/// use mlnotes::estimator::{FitFeatures, Transform};
/// use mlnotes::preprocess::Scaler;
/// let x = ndarray::array![[1.0, 100.0], [3.0, 300.0]];
/// let scaler = Scaler::standardization().fit_features(x.view())?;
/// assert_eq!(scaler.transform(x.view())?, ndarray::array![[-1.0, -1.0], [1.0, 1.0]]);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Scaler {
    method: Scaling,
}

/// A fitted scaler: per-feature offset (the mean) and scale.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedScaler {
    /// Per-feature mean of the training data.
    pub offset: Array1<f64>,
    /// Per-feature divisor (1 for constant features).
    pub scale: Array1<f64>,
}

impl Scaler {
    /// A scaler of the given kind.
    pub fn new(method: Scaling) -> Self {
        Scaler { method }
    }

    /// `x' = (x - mean) / (max - min)`.
    pub fn mean_normalization() -> Self {
        Self::new(Scaling::MeanNormalization)
    }

    /// `x' = (x - mean) / std`.
    pub fn standardization() -> Self {
        Self::new(Scaling::Standardization)
    }
}

impl Params for Scaler {
    /// Nothing to check: both methods are always valid.
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

impl<T: Target> FitChecked<T> for Scaler {
    type Model = FittedScaler;

    /// Learn mean and scale of each column of the features (targets are ignored).
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<FittedScaler> {
        let x = data.x();
        let offset = x
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let scale = match self.method {
            Scaling::Standardization => x.std_axis(Axis(0), 0.0),
            Scaling::MeanNormalization => {
                let max = x.fold_axis(Axis(0), f64::NEG_INFINITY, |&a, &b| a.max(b));
                let min = x.fold_axis(Axis(0), f64::INFINITY, |&a, &b| a.min(b));
                max - min
            }
        };
        // Constant means constant up to rounding: relative to the column's magnitude, so a
        // feature on a 1e-17 scale is scaled and a constant 1e8 column with rounding noise is not.
        let magnitude = x.fold_axis(Axis(0), 0.0f64, |&a, &b| a.max(b.abs()));
        let scale = ndarray::Zip::from(&scale)
            .and(&magnitude)
            .map_collect(|&s, &mag| {
                if s > 0.0 && s > 16.0 * f64::EPSILON * mag {
                    s
                } else {
                    1.0
                }
            });
        Ok(FittedScaler { offset, scale })
    }
}

impl FittedScaler {
    /// Undo the scaling.
    pub fn inverse_transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.offset.len(), x, "inverse scaling")?;
        Ok(&x * &self.scale + &self.offset)
    }
}

impl Transform for FittedScaler {
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.offset.len(), x, "scaling")?;
        validate::finite(x, "features to scale")?;
        Ok((&x - &self.offset) / &self.scale)
    }
}

/// A model fitted on standardised features: the [`Pipeline`] of a [`Scaler`] and the model
/// (scikit-learn's `make_pipeline(StandardScaler(), model)`), the scaler fitted on the training
/// rows only.
///
/// ```
/// use mlnotes::estimator::{Fit, Predict};
/// use mlnotes::knn::Knn;
/// use mlnotes::preprocess::Scaled;
/// let wine = mlnotes::data::wine();
/// let model = Scaled::standardized(Knn::new(5)).fit(&wine)?; // scaler fitted on training rows
/// assert_eq!(model.predict(wine.x())?.len(), wine.n_samples());
/// # Ok::<(), mlnotes::Error>(())
/// ```
pub type Scaled<P> = Pipeline<Scaler, P>;

/// A fitted [`Scaled`] model.
pub type FittedScaled<M> = FittedPipeline<FittedScaler, M>;

impl<P> Pipeline<Scaler, P> {
    /// `model` on standardised features.
    pub fn standardized(model: P) -> Self {
        Pipeline::new(Scaler::standardization(), model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;
    use crate::estimator::FitFeatures;
    use ndarray::array;

    #[test]
    fn mean_normalisation_by_hand() {
        // column 0: mean 2, range 2; column 1: mean 200, range 200; column 2 constant.
        let x = array![[1.0, 100.0, 5.0], [2.0, 200.0, 5.0], [3.0, 300.0, 5.0]];
        let s = Scaler::mean_normalization().fit_features(x.view()).unwrap();
        let z = s.transform(x.view()).unwrap();
        assert_eq!(
            z,
            array![[-0.5, -0.5, 0.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.0]]
        );
        assert_eq!(s.inverse_transform(z.view()).unwrap(), x);
    }

    #[test]
    fn standardisation_gives_zero_mean_unit_variance() {
        let x = array![[1.0, -3.0], [2.0, 0.0], [6.0, 9.0], [3.0, 2.0]];
        let s = Scaler::standardization().fit_features(x.view()).unwrap();
        let z = s.transform(x.view()).unwrap();
        for col in z.columns() {
            assert!(col.mean().unwrap().abs() < 1e-12);
            assert!((col.std(0.0) - 1.0).abs() < 1e-12);
        }
        // scikit-learn StandardScaler().fit([[1],[2],[6],[3]]).scale_ == [1.8708287]
        assert!((s.scale[0] - 1.870_828_693_386_970_7).abs() < 1e-12);
    }

    #[test]
    fn scaled_model_uses_training_statistics_only() {
        use crate::estimator::{Fit, Predict};
        use crate::linear::LinearRegression;
        // y = 3 + 2x: the fitted pipeline predicts on raw inputs
        let d = Dataset::new(array![[10.0], [20.0], [30.0]], array![23.0, 43.0, 63.0]).unwrap();
        let m = Scaled::standardized(LinearRegression::new())
            .fit(&d)
            .unwrap();
        assert!((m.predict(array![[40.0]].view()).unwrap()[0] - 83.0).abs() < 1e-9);
        assert!((m.step.offset[0] - 20.0).abs() < 1e-12);
    }

    #[test]
    fn errors() {
        let s = Scaler::standardization()
            .fit_features(array![[1.0, 2.0]].view())
            .unwrap();
        assert!(s.transform(array![[1.0]].view()).is_err());
        assert!(s.transform(array![[1.0, f64::NAN]].view()).is_err());
        assert!(
            Scaler::standardization()
                .fit_features(Array2::zeros((0, 2)).view())
                .is_err()
        );
    }
}
