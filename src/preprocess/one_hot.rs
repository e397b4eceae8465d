//! One-hot encoding: one binary (dummy) feature per category, e.g. red -> [1, 0, 0].
//! For linear models drop one column (`drop_first`) to avoid the dummy-variable trap
//! (perfect multicollinearity with the intercept).

use std::collections::BTreeSet;
use std::fmt::Debug;

use ndarray::Array2;

use crate::{Error, Result};

/// One-hot encoder hyperparameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct OneHotEncoder {
    drop_first: bool,
}

/// A fitted encoder: the sorted categories seen in training.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedOneHot<T> {
    categories: Vec<T>,
    drop_first: bool,
}

impl OneHotEncoder {
    /// An encoder; with `drop_first` the first category is encoded as all zeros.
    pub fn new(drop_first: bool) -> Self {
        OneHotEncoder { drop_first }
    }

    /// Learn the categories (sorted) of `values`.
    pub fn fit<T: Ord + Clone>(&self, values: &[T]) -> Result<FittedOneHot<T>> {
        let categories: Vec<T> = values
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if categories.is_empty() {
            return Err(Error::invalid("one-hot encoding needs at least one value"));
        }
        Ok(FittedOneHot {
            categories,
            drop_first: self.drop_first,
        })
    }
}

impl<T: Ord + Debug> FittedOneHot<T> {
    /// The categories, in column order (including a dropped first one).
    pub fn categories(&self) -> &[T] {
        &self.categories
    }

    /// Number of output columns: categories, minus one with `drop_first`.
    pub fn n_columns(&self) -> usize {
        self.categories.len() - usize::from(self.drop_first)
    }

    /// One row per value, with a 1 in its category's column. An unseen category is an error.
    pub fn transform(&self, values: &[T]) -> Result<Array2<f64>> {
        let mut out = Array2::zeros((values.len(), self.n_columns()));
        for (i, v) in values.iter().enumerate() {
            let k = self.categories.binary_search(v).map_err(|_| {
                Error::invalid(format!(
                    "value {i} ({v:?}) is a category unseen in training"
                ))
            })?;
            if let Some(col) = k.checked_sub(usize::from(self.drop_first)) {
                out[[i, col]] = 1.0;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn notes_example_and_dummy_trap() {
        let colours = ["Red", "Blue", "Green", "Red"];
        let enc = OneHotEncoder::new(false).fit(&colours).unwrap();
        assert_eq!(enc.categories(), ["Blue", "Green", "Red"]);
        let x = enc.transform(&colours).unwrap();
        assert_eq!(x.row(0), array![0.0, 0.0, 1.0]);
        assert!(x.rows().into_iter().all(|r| r.sum() == 1.0));
        let dropped = OneHotEncoder::new(true).fit(&colours).unwrap();
        assert_eq!(
            dropped.transform(&["Blue", "Green"]).unwrap(),
            array![[0.0, 0.0], [1.0, 0.0]]
        );
        assert!(enc.transform(&["Purple"]).is_err());
        assert!(OneHotEncoder::new(false).fit::<u8>(&[]).is_err());
    }
}
