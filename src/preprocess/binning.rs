//! Binning (discretisation): continuous values into buckets, giving Bernoulli features that
//! help linear models capture nonlinear effects and feed categorical naive Bayes.
//!
//! Equal-width bins split `[min, max]` into `n_bins` equal intervals; quantile bins put about
//! the same number of training values in each bin. Values outside the training range fall into
//! the first or last bin.

use ndarray::{Array2, ArrayView2};

use crate::data::Target;
use crate::estimator::{Checked, FitChecked, Params, Transform};
use crate::{Error, Result, validate};

/// How bin edges are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BinningStrategy {
    /// Equal-width intervals between the training min and max.
    EqualWidth,
    /// Edges at the training quantiles `1/n_bins, 2/n_bins, ...`.
    Quantile,
}

/// The most bins per feature.
pub const MAX_BINS: usize = 1 << 16;

/// Binning hyperparameters.
///
/// ```
/// use mlnotes::estimator::{FitFeatures, Transform};
/// use mlnotes::preprocess::{Binning, BinningStrategy};
/// let x = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
/// let bins = Binning::new(2, BinningStrategy::EqualWidth).fit_features(x.view())?;
/// // one indicator column per bin: 0 and 1 fall in the first bin, 2 and 3 in the second
/// let z = bins.transform(x.view())?;
/// assert_eq!(z, ndarray::array![[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Binning {
    /// Number of bins per feature (at least 2).
    pub n_bins: usize,
    /// Where the edges go.
    pub strategy: BinningStrategy,
}

/// Fitted inner edges per feature (`n_bins - 1` of them, ascending).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedBinning {
    /// For each feature, the inner edges; value `v` falls in bin `#{edges <= v}`.
    pub edges: Vec<Vec<f64>>,
    n_bins: usize,
}

impl Params for Binning {
    fn check(&self) -> Result<()> {
        if !(2..=MAX_BINS).contains(&self.n_bins) {
            return Err(Error::config(
                "n_bins",
                format!("must lie in 2..={MAX_BINS}, got {}", self.n_bins),
            ));
        }
        Ok(())
    }
}

impl Binning {
    /// `n_bins` bins per feature with the given strategy.
    pub fn new(n_bins: usize, strategy: BinningStrategy) -> Self {
        Binning { n_bins, strategy }
    }
}

impl<T: Target> FitChecked<T> for Binning {
    type Model = FittedBinning;

    /// Learn the edges of each feature column (targets are ignored).
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<FittedBinning> {
        let x = data.x();
        let k = self.n_bins;
        let edges = x
            .columns()
            .into_iter()
            .map(|col| {
                let mut v = col.to_vec();
                v.sort_by(f64::total_cmp);
                let (lo, hi) = (v[0], v[v.len() - 1]);
                (1..k)
                    .map(|b| match self.strategy {
                        BinningStrategy::EqualWidth => lo + (hi - lo) * b as f64 / k as f64,
                        BinningStrategy::Quantile => quantile(&v, b as f64 / k as f64),
                    })
                    .collect()
            })
            .collect();
        Ok(FittedBinning { edges, n_bins: k })
    }
}

/// Linear-interpolated quantile of sorted values (numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    let next = sorted[(i + 1).min(sorted.len() - 1)];
    sorted[i] + frac * (next - sorted[i])
}

impl FittedBinning {
    /// Number of bins per feature.
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// The bin index (`0..n_bins`) of every value.
    pub fn bin_indices(&self, x: ArrayView2<f64>) -> Result<Array2<usize>> {
        validate::n_features(self.edges.len(), x, "binning")?;
        validate::finite(x, "features to bin")?;
        Ok(Array2::from_shape_fn(x.dim(), |(i, j)| {
            self.edges[j].partition_point(|&e| e <= x[[i, j]])
        }))
    }
}

impl Transform for FittedBinning {
    /// Bernoulli features: for each feature, `n_bins` columns, a 1 in the value's bin.
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let bins = self.bin_indices(x)?;
        let mut out = Array2::zeros((x.nrows(), x.ncols() * self.n_bins));
        for ((i, j), &b) in bins.indexed_iter() {
            out[[i, j * self.n_bins + b]] = 1.0;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimator::FitFeatures;
    use ndarray::array;

    #[test]
    fn equal_width_and_quantile_edges() {
        let x = array![[0.0], [1.0], [2.0], [3.0], [10.0]];
        let w = Binning::new(2, BinningStrategy::EqualWidth)
            .fit_features(x.view())
            .unwrap();
        assert_eq!(w.edges, vec![vec![5.0]]);
        assert_eq!(
            w.bin_indices(x.view()).unwrap().column(0).to_vec(),
            vec![0, 0, 0, 0, 1]
        );
        let q = Binning::new(2, BinningStrategy::Quantile)
            .fit_features(x.view())
            .unwrap();
        assert_eq!(q.edges, vec![vec![2.0]]);
        assert_eq!(
            q.bin_indices(x.view()).unwrap().column(0).to_vec(),
            vec![0, 0, 1, 1, 1]
        );
        let onehot = q.transform(array![[-5.0], [99.0]].view()).unwrap();
        assert_eq!(onehot, array![[1.0, 0.0], [0.0, 1.0]]);
    }

    #[test]
    fn bad_bins_and_shapes() {
        assert!(
            Binning::new(1, BinningStrategy::Quantile)
                .fit_features(array![[1.0]].view())
                .is_err()
        );
        let b = Binning::new(3, BinningStrategy::EqualWidth)
            .fit_features(array![[1.0, 2.0]].view())
            .unwrap();
        assert!(b.bin_indices(array![[1.0]].view()).is_err());
    }
}
