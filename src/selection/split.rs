//! Seeded index splits. Hold-out (train / validation / test, default 60/20/20) suits large data
//! sets; k-fold suits limited data: each example is validated exactly once.
//! Stratified variants keep each class's share in every part.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::estimator::Params;
use crate::{Error, Result};

/// Hold-out split proportions; `test = 1 - train - validation`.
#[derive(Debug, Clone, Copy)]
pub struct HoldOut {
    /// Share of examples for training.
    pub train: f64,
    /// Share for validation (may be 0 for a plain train/test split).
    pub validation: f64,
    /// Keep class proportions in each part (needs labels).
    pub stratify: bool,
    /// Shuffling seed.
    pub seed: u64,
}

/// Indices of the three parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldOutSplit {
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows.
    pub validation: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

impl Default for HoldOut {
    fn default() -> Self {
        HoldOut {
            train: 0.6,
            validation: 0.2,
            stratify: false,
            seed: 0,
        }
    }
}

impl Params for HoldOut {
    fn check(&self) -> Result<()> {
        let ok = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        if !ok(self.train) || self.train == 0.0 {
            return Err(Error::config(
                "train",
                format!("must lie in (0, 1], got {}", self.train),
            ));
        }
        if !ok(self.validation) || self.train + self.validation > 1.0 + 1e-12 {
            return Err(Error::config(
                "validation",
                format!(
                    "must be >= 0 with train + validation <= 1, got {}",
                    self.validation
                ),
            ));
        }
        Ok(())
    }
}

/// Groups of row indices: one group per class when stratifying, else one group of all rows.
fn groups(n: usize, labels: Option<&[usize]>, stratify: bool) -> Result<Vec<Vec<usize>>> {
    if !stratify {
        return Ok(vec![(0..n).collect()]);
    }
    let labels = labels.ok_or_else(|| Error::invalid("stratified splits need class labels"))?;
    if labels.len() != n {
        return Err(Error::shape("labels vs rows", n, labels.len()));
    }
    let (dense, k) = crate::data::dense_indices(labels.iter().copied());
    let mut g = vec![Vec::new(); k];
    for (i, &l) in dense.iter().enumerate() {
        g[l].push(i);
    }
    g.retain(|v| !v.is_empty());
    Ok(g)
}

impl HoldOut {
    /// A train/test split (no validation part).
    pub fn train_test(train: f64, seed: u64) -> Self {
        HoldOut {
            train,
            validation: 0.0,
            stratify: false,
            seed,
        }
    }

    /// Stratify by the labels given to [`HoldOut::split`].
    pub fn stratified(mut self) -> Self {
        self.stratify = true;
        self
    }

    /// Split `n` rows; `labels` are needed when stratifying. Each non-empty share gets at
    /// least one row.
    pub fn split(&self, n: usize, labels: Option<&[usize]>) -> Result<HoldOutSplit> {
        self.check()?;
        if n < 2 {
            return Err(Error::invalid(format!(
                "a hold-out split needs at least 2 rows, got {n}"
            )));
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut out = HoldOutSplit {
            train: vec![],
            validation: vec![],
            test: vec![],
        };
        for mut g in groups(n, labels, self.stratify)? {
            g.shuffle(&mut rng);
            let m = g.len() as f64;
            let n_train = ((self.train * m).round() as usize).clamp(1, g.len());
            let n_val = ((self.validation * m).round() as usize).min(g.len() - n_train);
            out.train.extend_from_slice(&g[..n_train]);
            out.validation
                .extend_from_slice(&g[n_train..n_train + n_val]);
            out.test.extend_from_slice(&g[n_train + n_val..]);
        }
        let test_share = 1.0 - self.train - self.validation;
        if test_share > 1e-9 && out.test.is_empty() {
            return Err(Error::invalid(format!(
                "{n} rows are too few for a non-empty test set"
            )));
        }
        Ok(out)
    }
}

/// K-fold cross-validation.
#[derive(Debug, Clone, Copy)]
pub struct KFold {
    /// Number of folds (at least 2, at most the number of rows or of the smallest class).
    pub k: usize,
    /// Keep class proportions in each fold (needs labels).
    pub stratify: bool,
    /// Shuffling seed.
    pub seed: u64,
}

/// One fold: train on `train`, validate on `test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Training rows (all other folds).
    pub train: Vec<usize>,
    /// Validation rows (this fold).
    pub test: Vec<usize>,
}

impl Params for KFold {
    fn check(&self) -> Result<()> {
        if self.k < 2 {
            return Err(Error::config(
                "k",
                format!("needs at least 2 folds, got {}", self.k),
            ));
        }
        Ok(())
    }
}

impl KFold {
    /// `k` shuffled folds.
    pub fn new(k: usize, seed: u64) -> Self {
        KFold {
            k,
            stratify: false,
            seed,
        }
    }

    /// Stratify by the labels given to [`KFold::folds`].
    pub fn stratified(mut self) -> Self {
        self.stratify = true;
        self
    }

    /// The `k` folds of `n` rows; every row is in exactly one test fold.
    pub fn folds(&self, n: usize, labels: Option<&[usize]>) -> Result<Vec<Fold>> {
        self.check()?;
        if self.k > n {
            return Err(Error::invalid(format!(
                "k = {} folds need at least k rows, got {n}",
                self.k
            )));
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut assignment = vec![0usize; n];
        let mut offset = 0;
        for mut g in groups(n, labels, self.stratify)? {
            g.shuffle(&mut rng);
            // deal rows round-robin, continuing where the previous class stopped so folds stay even
            for (r, &i) in g.iter().enumerate() {
                assignment[i] = (offset + r) % self.k;
            }
            offset = (offset + g.len()) % self.k;
        }
        Ok((0..self.k)
            .map(|f| Fold {
                train: (0..n).filter(|&i| assignment[i] != f).collect(),
                test: (0..n).filter(|&i| assignment[i] == f).collect(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdout_partitions_all_rows() {
        let s = HoldOut::default().split(100, None).unwrap();
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (60, 20, 20)
        );
        let mut all: Vec<usize> = [s.train, s.validation, s.test].concat();
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_ne!(
            HoldOut::default().split(100, None).unwrap().train[..5],
            (0..5).collect::<Vec<_>>()[..]
        );
    }

    #[test]
    fn stratified_holdout_keeps_proportions() {
        let labels: Vec<usize> = (0..100).map(|i| usize::from(i < 20)).collect();
        let s = HoldOut::default()
            .stratified()
            .split(100, Some(&labels))
            .unwrap();
        let ones = |idx: &[usize]| idx.iter().filter(|&&i| labels[i] == 1).count();
        assert_eq!(
            (ones(&s.train), ones(&s.validation), ones(&s.test)),
            (12, 4, 4)
        );
        assert!(HoldOut::default().stratified().split(100, None).is_err());
    }

    #[test]
    fn kfold_each_row_tested_once_and_stratified() {
        let labels: Vec<usize> = (0..30).map(|i| i % 3).collect();
        let folds = KFold::new(5, 1)
            .stratified()
            .folds(30, Some(&labels))
            .unwrap();
        let mut seen = [0; 30];
        for f in &folds {
            assert_eq!(f.test.len(), 6);
            assert_eq!(f.train.len() + f.test.len(), 30);
            for c in 0..3 {
                assert_eq!(f.test.iter().filter(|&&i| labels[i] == c).count(), 2);
            }
            f.test.iter().for_each(|&i| seen[i] += 1);
        }
        assert!(seen.iter().all(|&s| s == 1));
    }

    #[test]
    fn bad_parameters() {
        assert!(KFold::new(1, 0).folds(10, None).is_err());
        assert!(KFold::new(11, 0).folds(10, None).is_err());
        assert!(
            HoldOut {
                train: 0.9,
                validation: 0.2,
                ..Default::default()
            }
            .split(10, None)
            .is_err()
        );
        assert!(HoldOut::train_test(0.0, 0).split(10, None).is_err());
        assert!(HoldOut::default().split(1, None).is_err());
    }
}
