//! Imputing missing values (scikit-learn's `SimpleImputer`): each feature's missing cells
//! (NaN) are filled with one value learned from the training rows only — the mean, the
//! median or the most frequent of the column's present values, or a constant.
//!
//! ```
//! use mlnotes::estimator::{FitFeatures, Transform};
//! use mlnotes::preprocess::{Imputer, Imputation};
//! let x = ndarray::array![[1.0, f64::NAN], [3.0, 10.0], [f64::NAN, 20.0]];
//! let imputer = Imputer::new(Imputation::Mean).fit_features(x.view())?;
//! assert_eq!(imputer.fill.to_vec(), vec![2.0, 15.0]);
//! assert_eq!(imputer.transform(x.view())?[[2, 0]], 2.0);
//! # Ok::<(), mlnotes::Error>(())
//! ```

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::data::Target;
use crate::estimator::{Checked, FitChecked, Params, Transform, deterministic};
use crate::{Error, Result, validate};

/// The value a missing cell of a feature gets.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Imputation {
    /// The mean of the feature's present values.
    Mean,
    /// Their median (the mean of the two middle values for an even count).
    Median,
    /// Their most frequent value (the smallest of equally frequent ones).
    MostFrequent,
    /// This value, whatever the data.
    Constant(f64),
}

/// Imputer hyperparameters: the [`Imputation`] of every feature.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Imputer {
    /// How missing values are filled.
    pub strategy: Imputation,
}

impl Imputer {
    /// An imputer with this strategy.
    pub fn new(strategy: Imputation) -> Self {
        Imputer { strategy }
    }
}

deterministic!(Imputer);

impl Params for Imputer {
    fn check(&self) -> Result<()> {
        if let Imputation::Constant(v) = self.strategy {
            validate::in_range(
                v,
                -validate::MAX_MAGNITUDE,
                validate::MAX_MAGNITUDE,
                "strategy",
            )?;
        }
        Ok(())
    }

    fn accepts_missing(&self) -> bool {
        true
    }
}

/// A fitted imputer: the value each feature's missing cells get.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedImputer {
    /// The fill value of each feature.
    pub fill: Array1<f64>,
}

impl<T: Target> FitChecked<T> for Imputer {
    type Model = FittedImputer;

    /// Learns each feature's fill value from its present values (targets are ignored); a
    /// feature with no present value is an error unless the strategy is a constant.
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<FittedImputer> {
        let fill = data
            .x()
            .axis_iter(Axis(1))
            .enumerate()
            .map(|(j, column)| {
                let mut present: Vec<f64> =
                    column.iter().copied().filter(|v| !v.is_nan()).collect();
                if let Imputation::Constant(v) = self.strategy {
                    return Ok(v);
                }
                if present.is_empty() {
                    return Err(Error::invalid(format!(
                        "feature {j} ('{}') has no value to impute from: every cell is missing",
                        data.feature_names().get(j).map_or("", String::as_str)
                    )));
                }
                present.sort_by(f64::total_cmp);
                Ok(match self.strategy {
                    Imputation::Mean => crate::metrics::mean_std(&present).0,
                    Imputation::Median => {
                        let n = present.len();
                        if n % 2 == 1 {
                            present[n / 2]
                        } else {
                            0.5 * (present[n / 2 - 1] + present[n / 2])
                        }
                    }
                    Imputation::MostFrequent => most_frequent(&present),
                    Imputation::Constant(v) => v,
                })
            })
            .collect::<Result<Array1<f64>>>()?;
        Ok(FittedImputer { fill })
    }
}

/// The most frequent value of sorted numbers (the smallest of equally frequent ones).
fn most_frequent(sorted: &[f64]) -> f64 {
    let (mut best, mut best_count) = (sorted[0], 0);
    let mut i = 0;
    while i < sorted.len() {
        let run = sorted[i..].iter().take_while(|&&v| v == sorted[i]).count();
        if run > best_count {
            (best, best_count) = (sorted[i], run);
        }
        i += run;
    }
    best
}

impl Transform for FittedImputer {
    /// The features with every missing cell (NaN) replaced by its feature's fill value.
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.fill.len(), x, "imputer transform")?;
        validate::features_or_missing(x, "features to impute")?;
        let mut out = x.to_owned();
        for (mut column, &fill) in out.axis_iter_mut(Axis(1)).zip(&self.fill) {
            column.mapv_inplace(|v| if v.is_nan() { fill } else { v });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::data::Dataset;
    use crate::estimator::{Fit, FitFeatures};
    use crate::preprocess::Scaler;

    const NAN: f64 = f64::NAN;

    #[test]
    fn each_strategy_by_hand() {
        // Column 0 present values 1, 2, 2, 7; column 1: 4, 4, 5, 5 (a tie: the smaller wins).
        let x = array![[1.0, 4.0], [2.0, NAN], [NAN, 4.0], [2.0, 5.0], [7.0, 5.0]];
        let fill = |s| {
            Imputer::new(s)
                .fit_features(x.view())
                .unwrap()
                .fill
                .to_vec()
        };
        assert_eq!(fill(Imputation::Mean), vec![3.0, 4.5]);
        assert_eq!(fill(Imputation::Median), vec![2.0, 4.5]);
        assert_eq!(fill(Imputation::MostFrequent), vec![2.0, 4.0]);
        assert_eq!(fill(Imputation::Constant(-1.0)), vec![-1.0, -1.0]);
        let imputed = Imputer::new(Imputation::Median)
            .fit_features(x.view())
            .unwrap()
            .transform(x.view())
            .unwrap();
        assert_eq!(
            imputed,
            array![[1.0, 4.0], [2.0, 4.5], [2.0, 4.0], [2.0, 5.0], [7.0, 5.0]]
        );
    }

    /// Learned from the training rows only: the fill values do not see the rows it is
    /// applied to later.
    #[test]
    fn fill_values_come_from_the_training_rows() {
        let train = array![[1.0], [3.0], [NAN]];
        let imputer = Imputer::new(Imputation::Mean)
            .fit_features(train.view())
            .unwrap();
        let test = array![[NAN], [100.0]];
        assert_eq!(
            imputer.transform(test.view()).unwrap(),
            array![[2.0], [100.0]]
        );
    }

    #[test]
    fn missing_values_are_refused_by_other_estimators_and_bad_input_is_an_error() {
        let x = array![[1.0, NAN], [2.0, 3.0]];
        let data = Dataset::with_missing(
            x.clone(),
            array![0.0, 1.0],
            vec!["a".into(), "b".into()],
            "y",
        )
        .unwrap();
        let err = Scaler::standardization().fit(&data).unwrap_err();
        assert!(err.to_string().contains("impute it first"), "{err}");
        assert!(Dataset::new(x.clone(), array![0.0, 1.0]).is_err());
        // An all-missing column names itself; a constant fill needs no data.
        let empty = array![[NAN, 1.0], [NAN, 2.0]];
        let err = Imputer::new(Imputation::Mean)
            .fit_features(empty.view())
            .unwrap_err();
        assert!(err.to_string().contains("feature 0"), "{err}");
        assert!(
            Imputer::new(Imputation::Constant(0.0))
                .fit_features(empty.view())
                .is_ok()
        );
        // Infinity is not a missing value; a wrong width is a shape error.
        assert!(
            Imputer::new(Imputation::Mean)
                .fit_features(array![[f64::INFINITY]].view())
                .is_err()
        );
        let fitted = Imputer::new(Imputation::Mean)
            .fit_features(x.view())
            .unwrap();
        assert!(matches!(
            fitted.transform(array![[1.0]].view()),
            Err(Error::Shape { .. })
        ));
        assert!(
            Imputer::new(Imputation::Constant(f64::NAN))
                .fit_features(x.view())
                .is_err()
        );
    }
}
