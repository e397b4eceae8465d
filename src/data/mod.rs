//! Data: the [`Dataset`] type, embedded data sets ([`iris`], [`wine`], [`breast_cancer`], [`play_tennis`],
//! [`diabetes`], [`digits`]), seeded generators ([`generate`]) and the CSV loader ([`csv`]).

pub mod csv;
mod embedded;
pub mod generate;

pub use embedded::{breast_cancer, diabetes, digits, iris, play_tennis, wine};

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::{Error, Result, validate};

/// A target value: a class label (`usize`, classes `0..n_classes`), a continuous value (`f64`),
/// or nothing (`()`: features alone, for unsupervised estimators and transformers).
pub trait Target: Copy + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// Whether this value is usable (finite for `f64`, always for labels).
    fn is_valid(&self) -> bool;

    /// The class index, for class labels.
    fn class_index(&self) -> Option<usize> {
        None
    }
}

impl Target for usize {
    fn is_valid(&self) -> bool {
        true
    }

    fn class_index(&self) -> Option<usize> {
        Some(*self)
    }
}

impl Target for f64 {
    fn is_valid(&self) -> bool {
        self.is_finite()
    }
}

impl Target for () {
    fn is_valid(&self) -> bool {
        true
    }
}

/// Features `X` (one row per example), targets `y`, and names.
///
/// `Dataset<usize>` is a classification set (labels `0..n_classes`), `Dataset<f64>` a
/// regression set. Every constructor validates: non-empty, finite, matching lengths.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T: Target = usize> {
    /// The feature matrix, `n_samples x n_features`.
    pub features: Array2<f64>,
    /// One target per row of `features`.
    pub targets: Array1<T>,
    /// One name per column of `features`.
    pub feature_names: Vec<String>,
    /// The name of the target variable.
    pub target_name: String,
    /// For classification, the name of each class (index = label); empty for regression.
    pub class_names: Vec<String>,
}

impl<T: Target> Dataset<T> {
    /// A validated data set with generic names `x0, x1, ...` and target `y`.
    pub fn new(features: Array2<f64>, targets: Array1<T>) -> Result<Self> {
        let names = (0..features.ncols()).map(|j| format!("x{j}")).collect();
        Self::with_names(features, targets, names, "y")
    }

    /// A validated data set with the given feature and target names.
    pub fn with_names(
        features: Array2<f64>,
        targets: Array1<T>,
        feature_names: Vec<String>,
        target_name: impl Into<String>,
    ) -> Result<Self> {
        validate::features(features.view(), "features")?;
        validate::same_len(features.nrows(), targets.len(), "targets vs feature rows")?;
        validate::same_len(
            features.ncols(),
            feature_names.len(),
            "feature names vs columns",
        )?;
        if let Some(i) = targets.iter().position(|t| !t.is_valid()) {
            return Err(Error::NonFinite {
                location: format!("targets, index {i} (value {:?})", targets[i]),
            });
        }
        Ok(Dataset {
            features,
            targets,
            feature_names,
            target_name: target_name.into(),
            class_names: Vec::new(),
        })
    }

    /// Fails unless the data set holds what every constructor guarantees: at least one row and
    /// column, finite features, one valid target per row, one name per column, and class labels
    /// below the number of class names (when names are given). [`Fit::fit`](crate::estimator::Fit)
    /// runs it before any estimator sees the data.
    pub fn validate(&self) -> Result<()> {
        validate::features(self.features.view(), "features")?;
        validate::same_len(
            self.features.nrows(),
            self.targets.len(),
            "targets vs feature rows",
        )?;
        validate::same_len(
            self.features.ncols(),
            self.feature_names.len(),
            "feature names vs columns",
        )?;
        if let Some(i) = self.targets.iter().position(|t| !t.is_valid()) {
            return Err(Error::NonFinite {
                location: format!("targets, index {i} (value {:?})", self.targets[i]),
            });
        }
        if !self.class_names.is_empty() {
            let k = self.class_names.len();
            if let Some((i, c)) = self
                .targets
                .iter()
                .enumerate()
                .find_map(|(i, t)| t.class_index().filter(|&c| c >= k).map(|c| (i, c)))
            {
                return Err(Error::invalid(format!(
                    "target {i} is class {c}, but only {k} class names are given"
                )));
            }
        }
        Ok(())
    }

    /// Number of examples `m`.
    pub fn n_samples(&self) -> usize {
        self.features.nrows()
    }

    /// Number of features `n`.
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// The targets as one contiguous slice (borrowed, or copied when the array is strided).
    pub fn targets_slice(&self) -> std::borrow::Cow<'_, [T]> {
        match self.targets.as_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(self.targets.to_vec()),
        }
    }

    /// The features as a view.
    pub fn x(&self) -> ArrayView2<'_, f64> {
        self.features.view()
    }

    /// The rows at `indices` (in that order), names kept.
    pub fn select(&self, indices: &[usize]) -> Result<Self> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.n_samples()) {
            return Err(Error::invalid(format!(
                "row index {bad} out of range for {} samples",
                self.n_samples()
            )));
        }
        Ok(Dataset {
            features: self.features.select(Axis(0), indices),
            targets: self.targets.select(Axis(0), indices),
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
            class_names: self.class_names.clone(),
        })
    }

    /// The same targets with new features (e.g. after scaling); names are kept when the
    /// column count is unchanged, else replaced by `x0, x1, ...`.
    pub fn with_features(&self, features: Array2<f64>) -> Result<Self> {
        let names = if features.ncols() == self.n_features() {
            self.feature_names.clone()
        } else {
            (0..features.ncols()).map(|j| format!("x{j}")).collect()
        };
        let mut out = Self::with_names(features, self.targets.clone(), names, &self.target_name)?;
        out.class_names = self.class_names.clone();
        Ok(out)
    }
}

impl Dataset<()> {
    /// Features alone (for unsupervised estimators and transformers), named `x0, x1, ...`.
    pub fn unlabeled(features: Array2<f64>) -> Result<Self> {
        let m = features.nrows();
        Self::new(features, Array1::from_elem(m, ()))
    }
}

impl Dataset<usize> {
    /// A classification set; class names default to `"0", "1", ...`.
    pub fn classification(features: Array2<f64>, labels: Array1<usize>) -> Result<Self> {
        let mut d = Self::new(features, labels)?;
        d.class_names = (0..d.n_classes()).map(|c| c.to_string()).collect();
        Ok(d)
    }

    /// Number of classes: the larger of `max label + 1` and the number of class names.
    pub fn n_classes(&self) -> usize {
        let from_labels = self.targets.iter().max().map_or(0, |&m| m + 1);
        from_labels.max(self.class_names.len())
    }

    /// How many examples each class has.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_classes()];
        for &t in &self.targets {
            counts[t] += 1;
        }
        counts
    }

    /// Fails unless at least two classes occur (a classifier needs something to separate).
    pub fn require_two_classes(&self) -> Result<()> {
        let present = self.class_counts().iter().filter(|&&c| c > 0).count();
        if present < 2 {
            return Err(Error::invalid(format!(
                "classification needs at least two classes, found {present}"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn constructor_validates() {
        let x = array![[1.0, 2.0], [3.0, 4.0]];
        assert!(Dataset::new(x.clone(), array![0usize]).is_err());
        assert!(Dataset::new(x.clone(), array![0.0, f64::INFINITY]).is_err());
        assert!(Dataset::new(array![[f64::NAN]], array![0usize]).is_err());
        assert!(Dataset::new(Array2::<f64>::zeros((0, 2)), Array1::<usize>::zeros(0)).is_err());
        let d = Dataset::classification(x, array![0, 1]).unwrap();
        assert_eq!(d.n_classes(), 2);
        assert_eq!(d.class_names, vec!["0", "1"]);
    }

    #[test]
    fn select_and_one_class() {
        let d = Dataset::classification(array![[1.0], [2.0], [3.0]], array![0, 0, 1]).unwrap();
        let s = d.select(&[2, 0]).unwrap();
        assert_eq!(s.targets, array![1, 0]);
        assert_eq!(s.features, array![[3.0], [1.0]]);
        assert!(d.select(&[3]).is_err());
        assert!(d.select(&[0, 1]).unwrap().require_two_classes().is_err());
        assert!(d.require_two_classes().is_ok());
    }
}
