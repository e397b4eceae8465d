//! The targets a tree is grown on: class labels (class weights per node) or continuous values
//! (the moments `Σw, Σwd, Σwd²` per node of the centred values `d = y - c`, `c` the mean of all
//! targets: the variance `Σwd²/Σw - (Σwd/Σw)²` is the same for any `c`, and centring keeps it
//! from cancelling when the mean is large next to the spread).

use super::fitted::argmax;

use crate::data::{Dataset, Target};

/// The targets a tree can be grown on: class labels or continuous values.
pub trait TreeTarget: Target {
    /// Classification (class counts) or regression (moments).
    const CLASSIFICATION: bool;
    /// Loss of predicting a node's value for this target: 0/1 for a class, squared error
    /// for a value (reduced-error pruning).
    fn loss(value: &[f64], target: Self) -> f64;
    #[doc(hidden)]
    fn targets<'a>(data: &Dataset<Self>, y: &'a [Self]) -> Targets<'a>;
}

impl TreeTarget for usize {
    const CLASSIFICATION: bool = true;
    fn loss(value: &[f64], target: usize) -> f64 {
        f64::from(u8::from(argmax(value) != target))
    }
    fn targets<'a>(data: &Dataset<usize>, y: &'a [usize]) -> Targets<'a> {
        Targets::Classes(y, data.n_classes())
    }
}

impl TreeTarget for f64 {
    const CLASSIFICATION: bool = false;
    fn loss(value: &[f64], target: f64) -> f64 {
        (value[0] - target).powi(2)
    }
    fn targets<'a>(_data: &Dataset<f64>, y: &'a [f64]) -> Targets<'a> {
        Targets::values(y)
    }
}

/// Targets as the tree grower reads them.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    /// Labels and the number of classes.
    Classes(&'a [usize], usize),
    /// Continuous values and the centre subtracted from them in the moments.
    Values(&'a [f64], f64),
}

impl<'a> Targets<'a> {
    /// Continuous targets (centred by [`Targets::centred`] when a tree is grown).
    pub(crate) fn values(y: &'a [f64]) -> Self {
        Targets::Values(y, 0.0)
    }

    /// Continuous targets centred on their weighted mean, as `y₀ + Σw(y - y₀) / Σw` with `y₀`
    /// the first weighted target: exactly `y₀` when every target equals it. Rows of weight 0
    /// (outside a bootstrap or subsample) do not move the centre. Classes are returned as
    /// they are.
    pub(crate) fn centred(self, weights: &[f64]) -> Self {
        let Targets::Values(y, _) = self else {
            return self;
        };
        let weighted = || y.iter().zip(weights).filter(|(_, w)| **w > 0.0);
        let Some((&y0, _)) = weighted().next() else {
            return Targets::Values(y, 0.0);
        };
        let (shift, total) =
            weighted().fold((0.0, 0.0), |(s, t), (v, w)| (s + w * (v - y0), t + w));
        Targets::Values(y, y0 + shift / total)
    }

    pub(super) fn width(&self) -> usize {
        match self {
            Targets::Classes(_, k) => *k,
            Targets::Values(..) => 3,
        }
    }

    /// Add example `i` with weight `w` to node statistics (class weights or `[Σw, Σwd, Σwd²]`).
    pub(super) fn add(&self, stats: &mut [f64], i: usize, w: f64) {
        match self {
            Targets::Classes(y, _) => stats[y[i]] += w,
            Targets::Values(y, centre) => {
                let d = y[i] - centre;
                stats[0] += w;
                stats[1] += w * d;
                stats[2] += w * d * d;
            }
        }
    }

    pub(super) fn value(&self, stats: &[f64]) -> Vec<f64> {
        match self {
            Targets::Classes(..) => {
                let total: f64 = stats.iter().sum();
                if total > 0.0 {
                    stats.iter().map(|s| s / total).collect()
                } else {
                    vec![1.0 / stats.len() as f64; stats.len()]
                }
            }
            Targets::Values(_, centre) if stats[0] > 0.0 => vec![centre + stats[1] / stats[0]],
            // A node of total weight 0 predicts the centre rather than 0/0.
            Targets::Values(_, centre) => vec![*centre],
        }
    }
}
