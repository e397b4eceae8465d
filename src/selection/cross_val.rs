//! Cross-validation and learning curves for any estimator of the common API.

use ndarray::ArrayView1;

use super::split::Fold;
use crate::data::{Dataset, Target};
use crate::estimator::{Fit, Predict};
use crate::{Error, Result};

/// The score of `params` on each fold: fit on the fold's training rows, score
/// `score(y_true, y_pred)` on its test rows. Average the result for the CV estimate.
pub fn cross_val_score<T, P, S>(
    params: &P,
    data: &Dataset<T>,
    folds: &[Fold],
    score: S,
) -> Result<Vec<f64>>
where
    T: Target,
    P: Fit<T, Model: Predict<T>>,
    S: Fn(ArrayView1<T>, ArrayView1<T>) -> Result<f64>,
{
    if folds.is_empty() {
        return Err(Error::invalid("cross-validation needs at least one fold"));
    }
    folds
        .iter()
        .map(|fold| {
            let train = data.select(&fold.train)?;
            let test = data.select(&fold.test)?;
            let model = params.fit(&train)?;
            let pred = model.predict(test.x())?;
            score(test.targets().view(), pred.view())
        })
        .collect()
}

/// Training and validation error against training-set size (notes: *Bias vs. Variance*).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LearningCurve {
    /// Training-set sizes `m`.
    pub sizes: Vec<usize>,
    /// Error on the `m` training examples used.
    pub train_error: Vec<f64>,
    /// Error on the fixed validation set.
    pub validation_error: Vec<f64>,
}

/// The notes' error-analysis table, read off the end of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Diagnosis {
    /// High training and high validation error: underfitting.
    HighBias,
    /// Low training error, much higher validation error: overfitting.
    HighVariance,
    /// Both errors low and close.
    Good,
}

impl LearningCurve {
    /// Diagnose at the largest size: training error above `acceptable` is high bias; else a
    /// validation error more than `gap` above the training error is high variance.
    pub fn diagnose(&self, acceptable: f64, gap: f64) -> Option<Diagnosis> {
        let train = *self.train_error.last()?;
        let val = *self.validation_error.last()?;
        Some(if train > acceptable {
            Diagnosis::HighBias
        } else if val - train > gap {
            Diagnosis::HighVariance
        } else {
            Diagnosis::Good
        })
    }
}

/// Fit on the first `m` rows of `train` for each `m` in `sizes` and record `error(y, ŷ)` on
/// those rows and on `validation`. Shuffle `train` beforehand if its order is not random.
pub fn learning_curve<T, P, E>(
    params: &P,
    train: &Dataset<T>,
    validation: &Dataset<T>,
    sizes: &[usize],
    error: E,
) -> Result<LearningCurve>
where
    T: Target,
    P: Fit<T, Model: Predict<T>>,
    E: Fn(ArrayView1<T>, ArrayView1<T>) -> Result<f64>,
{
    let mut curve = LearningCurve {
        sizes: sizes.to_vec(),
        train_error: vec![],
        validation_error: vec![],
    };
    for &m in sizes {
        if m == 0 || m > train.n_samples() {
            return Err(Error::invalid(format!(
                "learning-curve size {m} must lie in 1..={}",
                train.n_samples()
            )));
        }
        let subset = train.select(&(0..m).collect::<Vec<_>>())?;
        let model = params.fit(&subset)?;
        curve.train_error.push(error(
            subset.targets().view(),
            model.predict(subset.x())?.view(),
        )?);
        curve.validation_error.push(error(
            validation.targets().view(),
            model.predict(validation.x())?.view(),
        )?);
    }
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::generate;
    use crate::linear::LinearRegression;
    use crate::metrics;
    use crate::selection::KFold;

    fn curve(train: f64, val: f64) -> LearningCurve {
        LearningCurve {
            sizes: vec![10],
            train_error: vec![train],
            validation_error: vec![val],
        }
    }

    #[test]
    fn cross_validation_of_an_exact_model_scores_zero_error() {
        let d = generate::linear_regression(50, &[1.5, -2.0], 0.3, 0.0, 4).unwrap();
        let folds = KFold::new(5, 0).folds(50, None).unwrap();
        let scores = cross_val_score(&LinearRegression::new(), &d, &folds, metrics::mse).unwrap();
        assert_eq!(scores.len(), 5);
        assert!(scores.iter().all(|&s| s < 1e-20), "{scores:?}");
        assert!(cross_val_score(&LinearRegression::new(), &d, &[], metrics::mse).is_err());
    }

    #[test]
    fn learning_curve_shows_training_error_rising_and_validation_error_falling() {
        // noise std 0.5: with many examples both errors approach the noise variance 0.25
        let train = generate::linear_regression(400, &[1.0, 2.0, -1.0], 0.0, 0.5, 1).unwrap();
        let val = generate::linear_regression(400, &[1.0, 2.0, -1.0], 0.0, 0.5, 2).unwrap();
        let c = learning_curve(
            &LinearRegression::new(),
            &train,
            &val,
            &[5, 20, 400],
            metrics::mse,
        )
        .unwrap();
        assert!(c.train_error[0] < c.train_error[2]);
        assert!(c.validation_error[0] > c.validation_error[2]);
        assert!((c.validation_error[2] - 0.25).abs() < 0.06, "{c:?}");
        assert!(
            learning_curve(&LinearRegression::new(), &train, &val, &[0], metrics::mse).is_err()
        );
        assert!(
            learning_curve(&LinearRegression::new(), &train, &val, &[401], metrics::mse).is_err()
        );
    }

    #[test]
    fn diagnosis_follows_the_notes_table() {
        assert_eq!(
            curve(0.30, 0.32).diagnose(0.1, 0.05),
            Some(Diagnosis::HighBias)
        );
        assert_eq!(
            curve(0.01, 0.25).diagnose(0.1, 0.05),
            Some(Diagnosis::HighVariance)
        );
        assert_eq!(curve(0.05, 0.07).diagnose(0.1, 0.05), Some(Diagnosis::Good));
    }
}
