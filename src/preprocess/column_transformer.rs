//! Column transformers (scikit-learn's `ColumnTransformer`): one step for the numeric
//! features and another for the categorical ones, fitted on the training rows and applied side
//! by side — numeric features first, then the categorical step's output. The usual choice,
//! [`ColumnTransformer::standard`], imputes numeric features with the median and standardises
//! them, and imputes category codes with the most frequent one and one-hot encodes them.
//!
//! Categorical features hold category codes (as [`CsvLoader::categorical_codes`] loads
//! them; NaN when missing), so the categories a model knows are those of its training rows: a
//! category met only at predict time (or only in a validation fold) is an error or zeros, as
//! the encoder's [`Unknown`] option says.
//!
//! [`CsvLoader::categorical_codes`]: crate::data::csv::CsvLoader::categorical_codes
//!
//! ```
//! use mlnotes::data::csv::Unknown;
//! use mlnotes::estimator::{FitFeatures, Transform};
//! use mlnotes::preprocess::ColumnTransformer;
//! // feature 0 numeric (one missing), feature 1 a category code (one missing)
//! let x = ndarray::array![[1.0, 0.0], [f64::NAN, 1.0], [3.0, 1.0], [4.0, f64::NAN]];
//! let fitted = ColumnTransformer::standard(vec![1], Unknown::Zeros).fit_features(x.view())?;
//! let z = fitted.transform(x.view())?;
//! // the numeric feature (median 3 filled in) standardised, then one column per category
//! assert_eq!(z.ncols(), 3);
//! assert_eq!(z.row(3).to_vec()[1..], [0.0, 1.0]); // the missing code: the most frequent, 1
//! # Ok::<(), mlnotes::Error>(())
//! ```

use ndarray::{Array2, ArrayView2, Axis, concatenate};

use super::{Imputation, Imputer, OneHotEncoder, Pipeline, Scaler};
use crate::data::csv::Unknown;
use crate::data::{Dataset, Target};
use crate::estimator::{Checked, Fit, FitChecked, Params, Randomized, Transform};
use crate::{Error, Result, validate};

/// A step for the numeric features and one for the categorical features.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnTransformer<N, C> {
    /// The features holding category codes; every other feature is numeric.
    pub categorical: Vec<usize>,
    /// Fitted on the numeric features.
    pub numeric_step: N,
    /// Fitted on the categorical features.
    pub categorical_step: C,
}

/// Median imputation, then standardisation.
pub type NumericSteps = Pipeline<Imputer, Scaler>;

/// Most-frequent imputation, then one-hot encoding.
pub type CategoricalSteps = Pipeline<Imputer, OneHotEncoder>;

/// A fitted [`ColumnTransformer`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedColumnTransformer<FN, FC> {
    n_features: usize,
    categorical: Vec<usize>,
    /// `None` when every feature is categorical.
    numeric: Option<FN>,
    /// `None` when no feature is categorical.
    categorical_step: Option<FC>,
}

impl<N, C> ColumnTransformer<N, C> {
    /// `numeric_step` on every feature not in `categorical`, `categorical_step` on those.
    pub fn new(categorical: Vec<usize>, numeric_step: N, categorical_step: C) -> Self {
        ColumnTransformer {
            categorical,
            numeric_step,
            categorical_step,
        }
    }
}

impl ColumnTransformer<NumericSteps, CategoricalSteps> {
    /// Numeric features: median imputation, then standardisation; categorical features:
    /// most-frequent imputation, then one-hot encoding with unseen categories handled by
    /// `unknown`.
    pub fn standard(categorical: Vec<usize>, unknown: Unknown) -> Self {
        ColumnTransformer::new(
            categorical,
            Pipeline::new(Imputer::new(Imputation::Median), Scaler::standardization()),
            Pipeline::new(
                Imputer::new(Imputation::MostFrequent),
                OneHotEncoder::new(false).unknown(unknown),
            ),
        )
    }
}

impl<N: Randomized, C: Randomized> Randomized for ColumnTransformer<N, C> {
    fn reseeded(&self, seed: u64) -> Self {
        ColumnTransformer {
            categorical: self.categorical.clone(),
            numeric_step: self
                .numeric_step
                .reseeded(crate::estimator::member_seed(seed, 0)),
            categorical_step: self
                .categorical_step
                .reseeded(crate::estimator::member_seed(seed, 1)),
        }
    }
}

impl<N: Params, C: Params> Params for ColumnTransformer<N, C> {
    fn check(&self) -> Result<()> {
        let mut sorted = self.categorical.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::config(
                "categorical",
                format!("feature {} is listed twice", w[0]),
            ));
        }
        self.numeric_step.check()?;
        self.categorical_step.check()
    }

    /// Missing values reach the steps, which accept them or say what to do.
    fn accepts_missing(&self) -> bool {
        self.numeric_step.accepts_missing() || self.categorical_step.accepts_missing()
    }
}

/// The features of `x` at `columns`.
fn columns_of(x: ArrayView2<f64>, columns: &[usize]) -> Array2<f64> {
    x.select(Axis(1), columns)
}

/// The indices `0..n` not in `categorical`.
fn numeric_of(n: usize, categorical: &[usize]) -> Vec<usize> {
    (0..n).filter(|j| !categorical.contains(j)).collect()
}

impl<T, N, C> FitChecked<T> for ColumnTransformer<N, C>
where
    T: Target,
    N: FitChecked<T, Model: Transform>,
    C: FitChecked<T, Model: Transform>,
{
    type Model = FittedColumnTransformer<N::Model, C::Model>;

    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<Self::Model> {
        let n = data.n_features();
        if let Some(&j) = self.categorical.iter().find(|&&j| j >= n) {
            return Err(Error::config(
                "categorical",
                format!("feature {j} is categorical, but the data has {n} features"),
            ));
        }
        let part = |columns: &[usize]| -> Result<Option<Dataset<T>>> {
            if columns.is_empty() {
                return Ok(None);
            }
            let names = columns
                .iter()
                .map(|&j| data.feature_names()[j].clone())
                .collect();
            Dataset::with_missing(
                columns_of(data.x(), columns),
                data.targets().clone(),
                names,
                data.target_name(),
            )
            .map(Some)
        };
        let numeric = numeric_of(n, &self.categorical);
        Ok(FittedColumnTransformer {
            n_features: n,
            categorical: self.categorical.clone(),
            numeric: part(&numeric)?
                .map(|d| self.numeric_step.fit(&d))
                .transpose()?,
            categorical_step: part(&self.categorical)?
                .map(|d| self.categorical_step.fit(&d))
                .transpose()?,
        })
    }
}

impl<FN: Transform, FC: Transform> Transform for FittedColumnTransformer<FN, FC> {
    /// The numeric step's output, then the categorical step's, side by side.
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.n_features, x, "column transformer")?;
        let mut parts = Vec::with_capacity(2);
        if let Some(step) = &self.numeric {
            let numeric = numeric_of(self.n_features, &self.categorical);
            parts.push(step.transform(columns_of(x, &numeric).view())?);
        }
        if let Some(step) = &self.categorical_step {
            parts.push(step.transform(columns_of(x, &self.categorical).view())?);
        }
        let views: Vec<ArrayView2<f64>> = parts.iter().map(Array2::view).collect();
        concatenate(Axis(1), &views).map_err(|e| Error::invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimator::{FitFeatures, Predict};
    use ndarray::array;

    /// Each part equals its steps applied by hand to its own columns, learned on the training
    /// rows only.
    #[test]
    fn each_part_is_its_steps_on_its_columns() {
        // feature 1 is a category code; features 0 and 2 numeric with holes
        let train = array![
            [1.0, 2.0, 10.0],
            [f64::NAN, 0.0, 20.0],
            [5.0, 2.0, f64::NAN],
            [7.0, f64::NAN, 40.0],
        ];
        let fitted = ColumnTransformer::standard(vec![1], Unknown::Error)
            .fit_features(train.view())
            .unwrap();
        let z = fitted.transform(train.view()).unwrap();
        // numeric by hand: medians 5 and 20, then (v - mean) / std (population)
        let filled = array![[1.0, 10.0], [5.0, 20.0], [5.0, 20.0], [7.0, 40.0]];
        for (j, col) in filled.columns().into_iter().enumerate() {
            let mean = col.mean().unwrap();
            let std = col.std(0.0);
            for i in 0..4 {
                assert!((z[[i, j]] - (col[i] - mean) / std).abs() < 1e-12, "{i},{j}");
            }
        }
        // categorical: codes {0, 2}, the missing one filled with 2 (the most frequent)
        assert_eq!(z.column(2).to_vec(), [0.0, 1.0, 0.0, 0.0]);
        assert_eq!(z.column(3).to_vec(), [1.0, 0.0, 1.0, 1.0]);
        // a code unseen in training: an error, or zeros when asked
        let new = array![[3.0, 1.0, 30.0]];
        assert!(fitted.transform(new.view()).is_err());
        let ignoring = ColumnTransformer::standard(vec![1], Unknown::Zeros)
            .fit_features(train.view())
            .unwrap();
        assert_eq!(
            ignoring.transform(new.view()).unwrap().row(0).to_vec()[2..],
            [0.0, 0.0]
        );
        // the wrong number of features
        assert!(matches!(
            fitted.transform(array![[1.0, 2.0]].view()),
            Err(Error::Shape { .. })
        ));
    }

    #[test]
    fn bad_settings_are_errors_and_one_kind_of_column_is_enough() {
        let x = array![[1.0, 0.0], [2.0, 1.0], [3.0, 1.0]];
        for categorical in [vec![1, 1], vec![2]] {
            assert!(matches!(
                ColumnTransformer::standard(categorical, Unknown::Error).fit_features(x.view()),
                Err(Error::Config {
                    param: "categorical",
                    ..
                })
            ));
        }
        let all_numeric = ColumnTransformer::standard(vec![], Unknown::Error)
            .fit_features(x.view())
            .unwrap();
        assert_eq!(all_numeric.transform(x.view()).unwrap().ncols(), 2);
        let all_categorical = ColumnTransformer::standard(vec![0, 1], Unknown::Error)
            .fit_features(x.view())
            .unwrap();
        assert_eq!(all_categorical.transform(x.view()).unwrap().ncols(), 5);
    }

    /// `json` read back as the type of `_model`.
    fn from_json_like<M: serde::de::DeserializeOwned>(_model: &M, json: &str) -> M {
        serde_json::from_str(json).unwrap()
    }

    /// In a pipeline, the whole chain is one model: fitted on training rows, saved and loaded.
    #[test]
    fn in_a_pipeline_with_a_classifier() {
        let x = array![
            [1.0, 0.0],
            [1.2, 0.0],
            [f64::NAN, 0.0],
            [5.0, 1.0],
            [5.2, f64::NAN],
            [4.9, 1.0]
        ];
        let data = Dataset::with_missing(
            x.clone(),
            array![0usize, 0, 0, 1, 1, 1],
            vec!["size".into(), "colour".into()],
            "y",
        )
        .unwrap();
        let model = Pipeline::new(
            ColumnTransformer::standard(vec![1], Unknown::Error),
            crate::knn::Knn::new(1),
        );
        let fitted = model.fit(&data).unwrap();
        assert_eq!(
            fitted.predict(x.view()).unwrap().to_vec(),
            [0, 0, 0, 1, 1, 1]
        );
        let json = serde_json::to_string(&fitted).unwrap();
        let back = from_json_like(&fitted, &json);
        assert_eq!(
            Predict::<usize>::predict(&back, x.view()).unwrap(),
            fitted.predict(x.view()).unwrap()
        );
    }
}
