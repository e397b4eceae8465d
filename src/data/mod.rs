//! Data: the [`Dataset`] type, embedded data sets ([`iris`], [`wine`], [`breast_cancer`], [`play_tennis`],
//! [`diabetes`], [`digits`]), seeded generators ([`generate`]) and the CSV loader ([`csv`]).

pub mod csv;
mod embedded;
pub mod generate;

pub use embedded::{breast_cancer, diabetes, digits, iris, play_tennis, wine};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

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

    /// Class names for targets given without names: `"0"` to `"max"` for class labels (at most
    /// [`MAX_CLASSES`] of them), none otherwise.
    fn default_class_names(_targets: &Array1<Self>) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// The most classes a label-indexed data set may have: a label is an index into per-class
/// tables, so a label of 10⁹ would size them at 10⁹. Arbitrary label values (IDs, years, codes)
/// go through [`Dataset::classification`] or [`Dataset::from_labels`], which map them to dense
/// indices.
pub const MAX_CLASSES: usize = 1 << 16;

impl Target for usize {
    fn is_valid(&self) -> bool {
        true
    }

    fn class_index(&self) -> Option<usize> {
        Some(*self)
    }

    fn default_class_names(targets: &Array1<usize>) -> Result<Vec<String>> {
        let k = targets.iter().max().map_or(0, |&m| m.saturating_add(1));
        if k > MAX_CLASSES {
            return Err(Error::invalid(format!(
                "class label {} used as an index: at most {MAX_CLASSES} classes are taken; \
                 map arbitrary label values with Dataset::classification or Dataset::from_labels",
                k - 1
            )));
        }
        Ok((0..k).map(|c| c.to_string()).collect())
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
/// `Dataset<usize>` is a classification set (labels `0..n_classes`, one name per class),
/// `Dataset<f64>` a regression set, `Dataset<()>` features alone. The fields are private and
/// every constructor validates (non-empty, finite, matching lengths, labels below the number of
/// class names), so a `Dataset` always holds what [`Dataset::validate`] checks.
///
/// ```
/// use mlnotes::data::Dataset;
/// use ndarray::array;
///
/// // Labels {1, 2} are a binary problem: classes 0 and 1, named "1" and "2".
/// let d = Dataset::classification(array![[0.0], [1.0], [2.0]], array![2, 1, 2])?;
/// assert_eq!(d.n_classes(), 2);
/// assert_eq!(d.targets().to_vec(), vec![1, 0, 1]);
/// assert_eq!(d.decode(&[0, 1])?, vec!["1", "2"]);
/// // Any labels, strings too.
/// let s = Dataset::from_labels(array![[0.0], [1.0]], &["spam", "ham"])?;
/// assert_eq!(s.class_names(), ["ham", "spam"]);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T: Target = usize> {
    features: Array2<f64>,
    targets: Array1<T>,
    feature_names: Vec<String>,
    target_name: String,
    class_names: Vec<String>,
}

/// The names `x0, x1, ...` of `n` unnamed columns.
pub(crate) fn generic_names(n: usize) -> Vec<String> {
    (0..n).map(|j| format!("x{j}")).collect()
}

impl<T: Target> Dataset<T> {
    /// A validated data set with generic names `x0, x1, ...` and target `y`.
    pub fn new(features: Array2<f64>, targets: Array1<T>) -> Result<Self> {
        let names = generic_names(features.ncols());
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
        Self::build(features, targets, feature_names, target_name)
    }

    /// A data set whose features may be missing (NaN), as [`CsvLoader`](csv::CsvLoader) keeps
    /// them when asked: only estimators that accept missing values
    /// ([`Params::accepts_missing`](crate::estimator::Params::accepts_missing), e.g. the
    /// [`Imputer`](crate::preprocess::Imputer)) fit it; the others say to impute first.
    pub fn with_missing(
        features: Array2<f64>,
        targets: Array1<T>,
        feature_names: Vec<String>,
        target_name: impl Into<String>,
    ) -> Result<Self> {
        validate::features_or_missing(features.view(), "features")?;
        Self::build(features, targets, feature_names, target_name)
    }

    fn build(
        features: Array2<f64>,
        targets: Array1<T>,
        feature_names: Vec<String>,
        target_name: impl Into<String>,
    ) -> Result<Self> {
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
        let class_names = T::default_class_names(&targets)?;
        Ok(Dataset {
            features,
            targets,
            feature_names,
            target_name: target_name.into(),
            class_names,
        })
    }

    /// Fails unless the data set holds what every constructor guarantees: at least one row and
    /// column, finite features, one valid target per row, one name per column, and class labels
    /// below the number of class names (when names are given). [`Fit::fit`](crate::estimator::Fit)
    /// runs it before any estimator sees the data.
    pub fn validate(&self) -> Result<()> {
        self.validate_with(false)
    }

    /// [`Dataset::validate`], with missing features (NaN) allowed when `missing` is true.
    pub fn validate_with(&self, missing: bool) -> Result<()> {
        if missing {
            validate::features_or_missing(self.features.view(), "features")?;
        } else {
            validate::features(self.features.view(), "features")?;
        }
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
        {
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

    /// The feature matrix, `n_samples x n_features`.
    pub fn features(&self) -> &Array2<f64> {
        &self.features
    }

    /// One target per row.
    pub fn targets(&self) -> &Array1<T> {
        &self.targets
    }

    /// The targets as a view.
    pub fn y(&self) -> ArrayView1<'_, T> {
        self.targets.view()
    }

    /// One name per feature column.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The name of the target variable.
    pub fn target_name(&self) -> &str {
        &self.target_name
    }

    /// For classification, the name of each class (index = label); empty otherwise.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The features and targets, taken apart.
    pub fn into_parts(self) -> (Array2<f64>, Array1<T>) {
        (self.features, self.targets)
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
            generic_names(features.ncols())
        };
        let mut out = Self::with_names(features, self.targets.clone(), names, &self.target_name)?;
        out.class_names.clone_from(&self.class_names);
        Ok(out)
    }
}

/// Arbitrary label values (cluster ids, class codes) as dense indices `0..k`, in the order of
/// the sorted distinct values, and `k`: tables sized by `k` stay as small as the number of
/// distinct labels, however large the values.
pub fn dense_indices(labels: impl IntoIterator<Item = usize>) -> (Vec<usize>, usize) {
    let labels: Vec<usize> = labels.into_iter().collect();
    let mut distinct = labels.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let index = labels
        .iter()
        .map(|l| distinct.binary_search(l).unwrap_or(0))
        .collect();
    (index, distinct.len())
}

impl Dataset<()> {
    /// Features alone (for unsupervised estimators and transformers), named `x0, x1, ...`.
    pub fn unlabeled(features: Array2<f64>) -> Result<Self> {
        let m = features.nrows();
        Self::new(features, Array1::from_elem(m, ()))
    }

    /// [`Dataset::unlabeled`] whose features may be missing (NaN), see
    /// [`Dataset::with_missing`].
    pub fn unlabeled_with_missing(features: Array2<f64>) -> Result<Self> {
        let m = features.nrows();
        let names = generic_names(features.ncols());
        Self::with_missing(features, Array1::from_elem(m, ()), names, "y")
    }
}

impl Dataset<usize> {
    /// A classification set from label values: the distinct values, sorted, become classes
    /// `0..k` named by the values (`{1, 2}` is a binary problem; `{0, 5}` two classes named
    /// `"0"` and `"5"`). Predictions map back with [`Dataset::decode`].
    pub fn classification(features: Array2<f64>, labels: Array1<usize>) -> Result<Self> {
        Self::from_labels(features, &labels.to_vec())
    }

    /// A classification set from labels of any ordered type (strings, codes): the distinct
    /// values, sorted, become classes `0..k`, named by their text.
    pub fn from_labels<L: Ord + std::fmt::Display>(
        features: Array2<f64>,
        labels: &[L],
    ) -> Result<Self> {
        let mut distinct: Vec<&L> = labels.iter().collect();
        distinct.sort();
        distinct.dedup();
        let index = labels
            .iter()
            .map(|l| distinct.binary_search(&l).unwrap_or(0))
            .collect();
        let names = distinct.iter().map(|l| l.to_string()).collect();
        Self::with_classes(features, index, names)
    }

    /// A classification set whose labels are indices into `class_names` (every class named,
    /// whether or not it occurs here, as in a split of a larger set).
    pub fn with_classes(
        features: Array2<f64>,
        labels: Array1<usize>,
        class_names: Vec<String>,
    ) -> Result<Self> {
        let mut d = Self::new(features, Array1::zeros(labels.len()))?;
        d.targets = labels;
        d.class_names = class_names;
        d.validate()?;
        Ok(d)
    }

    /// The same examples with every class named (`class_names.len()` at least the number of
    /// classes): e.g. the embedded sets' species or digit names.
    pub fn with_class_names(mut self, class_names: Vec<String>) -> Result<Self> {
        self.class_names = class_names;
        self.validate()?;
        Ok(self)
    }

    /// Number of classes `k` (the number of class names).
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    /// The class names of predicted labels.
    pub fn decode(&self, labels: &[usize]) -> Result<Vec<String>> {
        labels
            .iter()
            .map(|&l| {
                self.class_names.get(l).cloned().ok_or_else(|| {
                    Error::invalid(format!(
                        "label {l} is not a class of this data set ({} classes)",
                        self.class_names.len()
                    ))
                })
            })
            .collect()
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
        assert_eq!(d.class_names(), ["0", "1"]);
    }

    #[test]
    fn select_and_one_class() {
        let d = Dataset::classification(array![[1.0], [2.0], [3.0]], array![0, 0, 1]).unwrap();
        let s = d.select(&[2, 0]).unwrap();
        assert_eq!(s.targets(), &array![1, 0]);
        assert_eq!(s.features(), &array![[3.0], [1.0]]);
        assert!(d.select(&[3]).is_err());
        assert!(d.select(&[0, 1]).unwrap().require_two_classes().is_err());
        assert!(d.require_two_classes().is_ok());
    }

    #[test]
    fn arbitrary_labels_become_dense_classes() {
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        // {1, 2}: a binary problem, not three classes with an empty class 0
        let d = Dataset::classification(x.clone(), array![2, 1, 1, 2]).unwrap();
        assert_eq!(d.n_classes(), 2);
        assert_eq!(d.targets().to_vec(), vec![1, 0, 0, 1]);
        assert_eq!(d.class_names(), ["1", "2"]);
        assert_eq!(d.decode(&[1, 0]).unwrap(), vec!["2", "1"]);
        assert!(d.decode(&[2]).is_err());
        // {0, 5}: two classes named "0" and "5"
        let gap = Dataset::classification(x.clone(), array![0, 5, 5, 0]).unwrap();
        assert_eq!(gap.class_counts(), vec![2, 2]);
        assert_eq!(gap.class_names(), ["0", "5"]);
        // strings, sorted
        let s = Dataset::from_labels(x.clone(), &["b", "a", "c", "a"]).unwrap();
        assert_eq!(s.targets().to_vec(), vec![1, 0, 2, 0]);
        assert_eq!(s.class_names(), ["a", "b", "c"]);
        // a huge label value is just a name, never a table size
        let big = Dataset::classification(x.clone(), array![usize::MAX, 7, 7, usize::MAX]).unwrap();
        assert_eq!(big.n_classes(), 2);
    }

    #[test]
    fn label_indices_are_bounded_and_checked() {
        let x = array![[0.0], [1.0]];
        // as indices (Dataset::new), a label past MAX_CLASSES is refused, not allocated
        let err = Dataset::new(x.clone(), array![0usize, 1 << 40]).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        assert!(err.to_string().contains("Dataset::classification"), "{err}");
        assert!(Dataset::new(x.clone(), array![0usize, usize::MAX]).is_err());
        // named classes: labels must index them; absent classes are allowed
        let names = vec!["a".to_string(), "b".into(), "c".into()];
        let d = Dataset::with_classes(x.clone(), array![0, 2], names.clone()).unwrap();
        assert_eq!((d.n_classes(), d.class_counts()), (3, vec![1, 0, 1]));
        assert!(Dataset::with_classes(x.clone(), array![0, 3], names).is_err());
        assert!(
            Dataset::classification(x, array![0, 1])
                .unwrap()
                .with_class_names(vec!["only".into()])
                .is_err()
        );
    }

    #[test]
    fn strided_targets_are_read_correctly() {
        // a reversed (negative-stride) target array
        let mut y = array![0.0, 1.0, 2.0];
        y.invert_axis(Axis(0));
        let d = Dataset::new(array![[0.0], [1.0], [2.0]], y).unwrap();
        assert_eq!(d.targets_slice().to_vec(), vec![2.0, 1.0, 0.0]);
    }
}
