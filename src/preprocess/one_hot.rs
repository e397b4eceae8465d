//! One-hot encoding: one binary (dummy) feature per category, e.g. red -> [1, 0, 0].
//! For linear models drop one column per feature (`drop_first`) to avoid the dummy-variable
//! trap (perfect multicollinearity with the intercept).
//!
//! Every feature column is treated as categorical, as scikit-learn's `OneHotEncoder` does: its
//! categories are the distinct values seen in training, sorted. String categories (a CSV column)
//! are coded as their sorted index first (see [`category_codes`]).
//!
//! ```
//! use mlnotes::estimator::{FitFeatures, Transform};
//! use mlnotes::preprocess::OneHotEncoder;
//! use ndarray::array;
//!
//! let colours = array![[2.0], [0.0], [1.0], [2.0]]; // red, blue, green, red
//! let enc = OneHotEncoder::new(false).fit_features(colours.view())?;
//! assert_eq!(enc.transform(array![[2.0]].view())?, array![[0.0, 0.0, 1.0]]);
//! # Ok::<(), mlnotes::Error>(())
//! ```

use std::collections::BTreeSet;

use ndarray::{Array2, ArrayView2};

use crate::data::Target;
use crate::data::csv::Unknown;
use crate::estimator::{Checked, FitChecked, Params, Transform};
use crate::{Error, Result, validate};

/// One-hot encoder hyperparameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OneHotEncoder {
    /// Encode each feature's first category as all zeros (one column fewer per feature).
    pub drop_first: bool,
    /// What a category unseen in training becomes at transform time (scikit-learn's
    /// `handle_unknown`): an error (default) or zeros in all of the feature's columns.
    #[serde(default)]
    pub unknown: Unknown,
}

/// A fitted encoder: the sorted categories of each feature seen in training.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedOneHot {
    categories: Vec<Vec<f64>>,
    drop_first: bool,
    #[serde(default)]
    unknown: Unknown,
}

impl OneHotEncoder {
    /// An encoder; with `drop_first` the first category of each feature is all zeros. An
    /// unseen category is an error until [`OneHotEncoder::unknown`] says otherwise.
    pub fn new(drop_first: bool) -> Self {
        OneHotEncoder {
            drop_first,
            unknown: Unknown::Error,
        }
    }

    /// What an unseen category becomes at transform time.
    pub fn unknown(mut self, unknown: Unknown) -> Self {
        self.unknown = unknown;
        self
    }
}

impl Params for OneHotEncoder {
    /// Both settings of `drop_first` are valid.
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

impl<T: Target> FitChecked<T> for OneHotEncoder {
    type Model = FittedOneHot;

    /// Learn the sorted distinct values of each feature column (targets are ignored).
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<FittedOneHot> {
        let categories = data
            .x()
            .columns()
            .into_iter()
            .map(|col| {
                // + 0.0 turns -0.0 into 0.0, so the two zeros are one category
                let mut v: Vec<f64> = col.iter().map(|&v| v + 0.0).collect();
                v.sort_by(f64::total_cmp);
                v.dedup();
                v
            })
            .collect();
        Ok(FittedOneHot {
            categories,
            drop_first: self.drop_first,
            unknown: self.unknown,
        })
    }
}

impl FittedOneHot {
    /// The categories of feature `j`, in column order (including a dropped first one).
    pub fn categories(&self, j: usize) -> Option<&[f64]> {
        self.categories.get(j).map(Vec::as_slice)
    }

    /// Number of output columns: categories of every feature, minus one each with `drop_first`.
    pub fn n_columns(&self) -> usize {
        self.categories
            .iter()
            .map(|c| c.len() - usize::from(self.drop_first))
            .sum()
    }
}

impl Transform for FittedOneHot {
    /// One row per input row, with a 1 in each feature's category column. A category unseen in
    /// training is an error naming its row and feature, or all zeros with [`Unknown::Zeros`].
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::input(self.categories.len(), x, "one-hot encoding")?;
        let mut out = Array2::zeros((x.nrows(), self.n_columns()));
        let skip = usize::from(self.drop_first);
        for (i, row) in x.rows().into_iter().enumerate() {
            let mut offset = 0;
            for (j, (v, cats)) in row.iter().zip(&self.categories).enumerate() {
                let v = v + 0.0;
                match cats.binary_search_by(|c| c.total_cmp(&v)) {
                    Ok(k) => {
                        if let Some(col) = k.checked_sub(skip) {
                            out[[i, offset + col]] = 1.0;
                        }
                    }
                    Err(_) if self.unknown == Unknown::Zeros => {}
                    Err(_) => {
                        return Err(Error::invalid(format!(
                            "row {i}, feature {j}: value {v} is a category unseen in training"
                        )));
                    }
                }
                offset += cats.len() - skip;
            }
        }
        Ok(out)
    }
}

/// String categories as codes: the sorted distinct values, and each value's index among them
/// (the input of [`OneHotEncoder`] for a text column).
pub fn category_codes<S: AsRef<str>>(values: &[S]) -> (Vec<String>, Vec<f64>) {
    let sorted: Vec<String> = values
        .iter()
        .map(|v| v.as_ref().to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let codes = values
        .iter()
        .map(|v| {
            sorted
                .binary_search_by(|c| c.as_str().cmp(v.as_ref()))
                .map_or(f64::NAN, |k| k as f64)
        })
        .collect();
    (sorted, codes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimator::FitFeatures;
    use ndarray::array;

    #[test]
    fn notes_example_and_dummy_trap() {
        let (names, codes) = category_codes(&["Red", "Blue", "Green", "Red"]);
        assert_eq!(names, ["Blue", "Green", "Red"]);
        assert_eq!(codes, [2.0, 0.0, 1.0, 2.0]);
        let x = Array2::from_shape_vec((4, 1), codes).unwrap();
        let enc = OneHotEncoder::new(false).fit_features(x.view()).unwrap();
        assert_eq!(enc.categories(0).unwrap(), [0.0, 1.0, 2.0]);
        let z = enc.transform(x.view()).unwrap();
        assert_eq!(z.row(0), array![0.0, 0.0, 1.0]);
        assert!(z.rows().into_iter().all(|r| r.sum() == 1.0));
        let dropped = OneHotEncoder::new(true).fit_features(x.view()).unwrap();
        assert_eq!(
            dropped.transform(array![[0.0], [1.0]].view()).unwrap(),
            array![[0.0, 0.0], [1.0, 0.0]]
        );
        assert!(enc.transform(array![[7.0]].view()).is_err());
        let ignoring = OneHotEncoder::new(false)
            .unknown(Unknown::Zeros)
            .fit_features(x.view())
            .unwrap();
        assert_eq!(
            ignoring.transform(array![[7.0], [1.0]].view()).unwrap(),
            array![[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        );
    }

    #[test]
    fn several_features_side_by_side() {
        // feature 0 has categories {1, 5}, feature 1 has {0, 1, 2}: 5 columns
        let x = array![[5.0, 0.0], [1.0, 2.0], [5.0, 1.0]];
        let enc = OneHotEncoder::new(false).fit_features(x.view()).unwrap();
        assert_eq!(enc.n_columns(), 5);
        assert_eq!(
            enc.transform(x.view()).unwrap(),
            array![
                [0.0, 1.0, 1.0, 0.0, 0.0],
                [1.0, 0.0, 0.0, 0.0, 1.0],
                [0.0, 1.0, 0.0, 1.0, 0.0]
            ]
        );
        let err = enc.transform(array![[5.0, 3.0]].view()).unwrap_err();
        assert!(err.to_string().contains("feature 1"), "{err}");
        assert!(enc.transform(array![[5.0]].view()).is_err());
    }
}
