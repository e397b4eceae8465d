//! Feature scaling: bring every feature into roughly `-1 <= x_i <= 1` so that gradient descent
//! does not zig-zag along skewed cost contours.
//!
//! Mean normalisation: `x' = (x - mean) / (max - min)`; standardisation: `x' = (x - mean) / std`.
//! A constant column (range or std of 0) is centred and left unscaled, never divided by zero.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::data::{Dataset, Target};
use crate::estimator::{Fit, Params, Predict, PredictProba, Transform};
use crate::{Result, validate};

/// Which divisor to use after subtracting the mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scaling {
    /// Divide by the range `max - min` (the notes' mean normalisation).
    MeanNormalization,
    /// Divide by the (population) standard deviation, like scikit-learn's `StandardScaler`.
    Standardization,
}

/// A feature scaler, to be fitted on training data.
#[derive(Debug, Clone, Copy)]
pub struct Scaler {
    method: Scaling,
}

/// A fitted scaler: per-feature offset (the mean) and scale.
#[derive(Debug, Clone, PartialEq)]
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

    /// Learn mean and scale of each column of `x`.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedScaler> {
        validate::features(x, "scaler training features")?;
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
        let scale = scale.mapv(|s| if s > f64::EPSILON { s } else { 1.0 });
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

/// A model fitted on scaled features: the scaler is fitted on the training data only and
/// applied unchanged before every prediction (scikit-learn's `make_pipeline(StandardScaler(),
/// model)`), so cross-validation never leaks test statistics.
#[derive(Debug, Clone, Copy)]
pub struct Scaled<P> {
    /// How to scale.
    pub scaler: Scaler,
    /// The model's hyperparameters.
    pub model: P,
}

/// A fitted [`Scaled`] model.
#[derive(Debug, Clone)]
pub struct FittedScaled<M> {
    /// The scaler learned on the training data.
    pub scaler: FittedScaler,
    /// The model learned on the scaled training data.
    pub model: M,
}

impl<P> Scaled<P> {
    /// `model` on standardised features.
    pub fn standardized(model: P) -> Self {
        Scaled {
            scaler: Scaler::standardization(),
            model,
        }
    }
}

impl<P: Params> Params for Scaled<P> {
    fn check(&self) -> Result<()> {
        self.model.check()
    }
}

impl<T: Target, P: Fit<T>> Fit<T> for Scaled<P> {
    type Model = FittedScaled<P::Model>;

    fn fit(&self, data: &Dataset<T>) -> Result<Self::Model> {
        self.check()?;
        let scaler = self.scaler.fit(data.x())?;
        let model = self
            .model
            .fit(&data.with_features(scaler.transform(data.x())?)?)?;
        Ok(FittedScaled { scaler, model })
    }
}

impl<T, M: Predict<T>> Predict<T> for FittedScaled<M> {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<T>> {
        self.model.predict(self.scaler.transform(x)?.view())
    }
}

impl<M: PredictProba> PredictProba for FittedScaled<M> {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.model.predict_proba(self.scaler.transform(x)?.view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn mean_normalisation_by_hand() {
        // column 0: mean 2, range 2; column 1: mean 200, range 200; column 2 constant.
        let x = array![[1.0, 100.0, 5.0], [2.0, 200.0, 5.0], [3.0, 300.0, 5.0]];
        let s = Scaler::mean_normalization().fit(x.view()).unwrap();
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
        let s = Scaler::standardization().fit(x.view()).unwrap();
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
        use crate::linear::LinearRegression;
        // y = 3 + 2x: the fitted pipeline predicts on raw inputs
        let d = Dataset::new(array![[10.0], [20.0], [30.0]], array![23.0, 43.0, 63.0]).unwrap();
        let m = Scaled::standardized(LinearRegression::new())
            .fit(&d)
            .unwrap();
        assert!((m.predict(array![[40.0]].view()).unwrap()[0] - 83.0).abs() < 1e-9);
        assert!((m.scaler.offset[0] - 20.0).abs() < 1e-12);
    }

    #[test]
    fn errors() {
        let s = Scaler::standardization()
            .fit(array![[1.0, 2.0]].view())
            .unwrap();
        assert!(s.transform(array![[1.0]].view()).is_err());
        assert!(s.transform(array![[1.0, f64::NAN]].view()).is_err());
        assert!(
            Scaler::standardization()
                .fit(Array2::zeros((0, 2)).view())
                .is_err()
        );
    }
}
