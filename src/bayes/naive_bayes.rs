//! The naive Bayes variants share one fitted form: a log prior per class and a function giving
//! `Σ_i log P(x_i | C_k)` for a row; prediction is the arg max of their sum.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::data::Dataset;
use crate::engine::{self, Engine};
use crate::estimator::{Checked, Fit, FitChecked, Params, Predict, PredictProba, Transform};
use crate::preprocess::{Binning, BinningStrategy, FittedBinning};
use crate::{Error, Result, validate};

/// What a fitted model knows about each class's features.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum NaiveBayes {
    /// Per class and feature: mean and variance of a normal distribution.
    Gaussian {
        /// `μ_{k,i}`.
        mean: Array2<f64>,
        /// `σ²_{k,i}` (plus a small epsilon).
        var: Array2<f64>,
    },
    /// Per class, feature and value: `log P(x_i = v | C_k)`; values are `0..n_values[i]`.
    Categorical {
        /// `log_prob[i][[k, v]]`.
        log_prob: Vec<Array2<f64>>,
    },
    /// Per class and feature: `log θ_{k,i}` of the multinomial over features.
    Multinomial {
        /// `log θ_{k,i}`.
        log_theta: Array2<f64>,
    },
    /// Per class and feature: `log p` and `log(1 - p)` of `x_i = 1`.
    Bernoulli {
        /// `log P(x_i = 1 | C_k)`.
        log_p: Array2<f64>,
        /// `log P(x_i = 0 | C_k)`.
        log_q: Array2<f64>,
    },
}

/// A fitted naive Bayes classifier.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedNb {
    /// `log P(C_k)`.
    pub log_prior: Array1<f64>,
    /// The class-conditional model.
    pub model: NaiveBayes,
    /// For binned naive Bayes: the bins applied before the categorical model.
    pub bins: Option<FittedBinning>,
    n_features: usize,
}

/// Gaussian naive Bayes.
///
/// ```
/// use mlnotes::bayes::GaussianNb;
/// use mlnotes::estimator::{Fit, Predict, PredictProba};
/// let iris = mlnotes::data::iris();
/// let model = GaussianNb::default().fit(&iris)?;
/// let p = model.predict_proba(iris.x())?;
/// assert!((p.row(0).sum() - 1.0).abs() < 1e-12);
/// assert_eq!(model.predict(iris.x())?.len(), 150);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GaussianNb {
    /// Added to every variance, as a share of the largest feature variance (scikit-learn: 1e-9).
    pub var_smoothing: f64,
    /// Who estimates the class statistics: native, linfa (linfa-bayes) or smartcore (whose
    /// missing smoothing the adapter adds); see [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

impl GaussianNb {
    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }
}

/// Categorical naive Bayes on non-negative integer features (`0, 1, 2, ...`).
///
/// ```
/// use mlnotes::bayes::CategoricalNb;
/// use mlnotes::estimator::{Fit, Predict};
/// let tennis = mlnotes::data::play_tennis(); // categorical codes 0, 1, 2
/// let model = CategoricalNb::default().fit(&tennis)?;
/// assert_eq!(model.predict(tennis.x())?.len(), tennis.n_samples());
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CategoricalNb {
    /// Laplace smoothing α (1 in the notes; 0 turns it off).
    pub alpha: f64,
    /// Who counts: native, or smartcore (its categorical naive Bayes on the integer codes);
    /// see [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

impl CategoricalNb {
    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }
}

/// Multinomial naive Bayes on non-negative counts.
///
/// ```
/// use mlnotes::bayes::MultinomialNb;
/// use mlnotes::estimator::{Fit, Predict};
/// let digits = mlnotes::data::digits(); // pixel intensities 0..16 as counts
/// let model = MultinomialNb::default().fit(&digits)?;
/// let acc = mlnotes::metrics::accuracy(digits.y(), model.predict(digits.x())?.view())?;
/// assert!(acc > 0.85);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MultinomialNb {
    /// Laplace smoothing α.
    pub alpha: f64,
    /// Who counts: native, or linfa (linfa-bayes, its parameters recovered from its
    /// likelihoods); see [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

impl MultinomialNb {
    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }
}

/// Bernoulli naive Bayes on binary features (values > `threshold` count as 1).
///
/// ```
/// use mlnotes::bayes::BernoulliNb;
/// use mlnotes::estimator::{Fit, Predict};
/// let digits = mlnotes::data::digits();
/// let model = BernoulliNb { alpha: 1.0, threshold: 8.0, ..Default::default() }.fit(&digits)?; // ink or no ink
/// assert_eq!(model.predict(digits.x())?.len(), digits.n_samples());
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BernoulliNb {
    /// Laplace smoothing α.
    pub alpha: f64,
    /// Binarisation threshold.
    pub threshold: f64,
    /// Who counts: native, or linfa (linfa-bayes); see [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

/// Continuous features binned into buckets, then categorical naive Bayes.
///
/// ```
/// use mlnotes::bayes::BinnedNb;
/// use mlnotes::estimator::{Fit, Predict};
/// let iris = mlnotes::data::iris();
/// let model = BinnedNb::default().fit(&iris)?;
/// assert_eq!(model.predict(iris.x())?.len(), 150);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BinnedNb {
    /// The binning.
    pub binning: Binning,
    /// Laplace smoothing α.
    pub alpha: f64,
}

impl Default for GaussianNb {
    fn default() -> Self {
        GaussianNb {
            var_smoothing: 1e-9,
            engine: Engine::Native,
        }
    }
}

impl Default for CategoricalNb {
    fn default() -> Self {
        CategoricalNb {
            alpha: 1.0,
            engine: Engine::Native,
        }
    }
}

impl Default for MultinomialNb {
    fn default() -> Self {
        MultinomialNb {
            alpha: 1.0,
            engine: Engine::Native,
        }
    }
}

impl Default for BernoulliNb {
    fn default() -> Self {
        BernoulliNb {
            alpha: 1.0,
            threshold: 0.0,
            engine: Engine::Native,
        }
    }
}

impl Default for BinnedNb {
    fn default() -> Self {
        BinnedNb {
            binning: Binning::new(5, BinningStrategy::Quantile),
            alpha: 1.0,
        }
    }
}

impl Params for GaussianNb {
    fn check(&self) -> Result<()> {
        validate::non_negative(self.var_smoothing, "var_smoothing")?;
        Ok(())
    }
}

impl Params for CategoricalNb {
    fn check(&self) -> Result<()> {
        validate::non_negative(self.alpha, "alpha")?;
        self.engine.require(
            &[Engine::Native, Engine::Smartcore],
            "categorical naive Bayes",
        )
    }
}

impl Params for MultinomialNb {
    fn check(&self) -> Result<()> {
        validate::non_negative(self.alpha, "alpha")?;
        linfa_smoothing(self.engine, self.alpha, "multinomial naive Bayes")
    }
}

/// linfa-bayes takes the log of smoothed counts: without smoothing a zero count gives
/// `ln 0` and NaN posteriors, so its engine needs `α > 0`; smartcore does not run these models.
fn linfa_smoothing(engine: Engine, alpha: f64, what: &str) -> Result<()> {
    engine.require(&[Engine::Native, Engine::Linfa], what)?;
    if engine == Engine::Linfa && alpha <= 0.0 {
        return Err(Error::config(
            "alpha",
            "engine linfa needs smoothing alpha > 0 (ln 0 for unseen counts)",
        ));
    }
    Ok(())
}

impl BernoulliNb {
    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }
}

impl Params for BernoulliNb {
    fn check(&self) -> Result<()> {
        validate::non_negative(self.alpha, "alpha")?;
        if !self.threshold.is_finite() {
            return Err(Error::config("threshold", "must be finite"));
        }
        linfa_smoothing(self.engine, self.alpha, "Bernoulli naive Bayes")
    }
}

impl Params for BinnedNb {
    fn check(&self) -> Result<()> {
        self.binning.check()?;
        validate::non_negative(self.alpha, "alpha")
    }
}

/// `log P(C_k)` from the class counts; also validates two classes.
fn log_prior(data: &Dataset) -> Result<(Array1<f64>, Vec<usize>)> {
    data.require_two_classes()?;
    let counts = data.class_counts();
    let m = data.n_samples() as f64;
    Ok((
        counts.iter().map(|&c| (c as f64 / m).ln()).collect(),
        counts,
    ))
}

/// Rows of class `k`.
fn rows_of(data: &Dataset, k: usize) -> Vec<usize> {
    data.targets()
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == k)
        .map(|(i, _)| i)
        .collect()
}

impl FitChecked<usize> for GaussianNb {
    type Model = FittedNb;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedNb> {
        let data = data.data();
        let (log_prior, counts) = log_prior(data)?;
        let (k, n) = (counts.len(), data.n_features());
        let eps = self.var_smoothing
            * data
                .features()
                .var_axis(Axis(0), 0.0)
                .fold(0.0f64, |a, &b| a.max(b))
                .max(f64::MIN_POSITIVE);
        let stats = match self.engine {
            Engine::Native => None,
            Engine::Linfa => Some(engine::naive_bayes::linfa_gaussian(
                data.x(),
                data.y(),
                k,
                self.var_smoothing,
            )?),
            Engine::Smartcore => Some(engine::naive_bayes::smartcore_gaussian(
                data.x(),
                data.y(),
                k,
                eps.max(1e-300),
            )?),
        };
        if let Some(stats) = stats {
            return Ok(FittedNb {
                log_prior: stats.log_prior,
                model: NaiveBayes::Gaussian {
                    mean: stats.mean,
                    var: stats.var,
                },
                bins: None,
                n_features: n,
            });
        }
        let mut mean = Array2::zeros((k, n));
        let mut var = Array2::from_elem((k, n), eps.max(1e-300));
        for c in (0..k).filter(|&c| counts[c] > 0) {
            let sub = data.features().select(Axis(0), &rows_of(data, c));
            mean.row_mut(c)
                .assign(&sub.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(n)));
            var.row_mut(c)
                .assign(&(sub.var_axis(Axis(0), 0.0) + eps.max(1e-300)));
        }
        Ok(FittedNb {
            log_prior,
            model: NaiveBayes::Gaussian { mean, var },
            bins: None,
            n_features: n,
        })
    }
}

/// The largest category code taken: tables have one column per code up to the largest seen,
/// so an ID-like column (codes in the millions) would allocate millions of columns per class.
pub const MAX_CATEGORY: f64 = 65_535.0;

/// Non-negative integer codes of the features, or an error naming the first bad cell.
fn codes(x: ArrayView2<f64>) -> Result<Array2<usize>> {
    if let Some(((i, j), v)) = x
        .indexed_iter()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0 && v.fract() == 0.0 && **v <= MAX_CATEGORY))
    {
        return Err(Error::invalid(format!(
            "categorical features must be integer codes in 0..={MAX_CATEGORY}; row {i}, column {j} is {v}"
        )));
    }
    Ok(x.mapv(|v| v as usize))
}

/// Categorical fit on integer codes: `P(x_i = v | C_k) = (count + α) / (N_k + α · values_i)`,
/// with at least `min_values` values per feature.
fn categorical(
    codes: &Array2<usize>,
    data: &Dataset,
    alpha: f64,
    counts: &[usize],
    min_values: usize,
) -> NaiveBayes {
    let k = counts.len();
    let log_prob = codes
        .columns()
        .into_iter()
        .map(|col| {
            let values = col.iter().max().map_or(1, |&m| m + 1).max(min_values);
            let mut table = Array2::<f64>::zeros((k, values));
            for (&v, &t) in col.iter().zip(data.targets()) {
                table[[t, v]] += 1.0;
            }
            for (mut row, &n_c) in table.rows_mut().into_iter().zip(counts) {
                let denom = n_c as f64 + alpha * values as f64;
                // a class with no examples and no smoothing: its prior is 0, its table unused
                if denom > 0.0 {
                    row.mapv_inplace(|cnt| ((cnt + alpha) / denom).ln());
                }
            }
            table
        })
        .collect();
    NaiveBayes::Categorical { log_prob }
}

impl FitChecked<usize> for CategoricalNb {
    type Model = FittedNb;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedNb> {
        let data = data.data();
        let (prior, counts) = log_prior(data)?;
        let c = codes(data.x())?;
        if self.engine == Engine::Smartcore {
            let (log_prior, log_prob) = engine::naive_bayes::smartcore_categorical(
                &c,
                data.y(),
                data.n_classes(),
                self.alpha,
            )?;
            return Ok(FittedNb {
                log_prior,
                model: NaiveBayes::Categorical { log_prob },
                bins: None,
                n_features: data.n_features(),
            });
        }
        let model = categorical(&c, data, self.alpha, &counts, 0);
        Ok(FittedNb {
            log_prior: prior,
            model,
            bins: None,
            n_features: data.n_features(),
        })
    }
}

impl FitChecked<usize> for BinnedNb {
    type Model = FittedNb;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedNb> {
        let data = data.data();
        let (prior, counts) = log_prior(data)?;
        let bins = self.binning.fit(data)?;
        let c = bins.bin_indices(data.x())?;
        // every bin gets a column, seen in training or not
        let model = categorical(&c, data, self.alpha, &counts, bins.n_bins());
        Ok(FittedNb {
            log_prior: prior,
            model,
            bins: Some(bins),
            n_features: data.n_features(),
        })
    }
}

impl FitChecked<usize> for MultinomialNb {
    type Model = FittedNb;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedNb> {
        let data = data.data();
        let (prior, counts) = log_prior(data)?;
        if let Some(((i, j), v)) = data.features().indexed_iter().find(|(_, v)| **v < 0.0) {
            return Err(Error::invalid(format!(
                "multinomial naive Bayes needs non-negative counts; row {i}, column {j} is {v}"
            )));
        }
        let (k, n) = (counts.len(), data.n_features());
        if self.engine == Engine::Linfa {
            let (log_prior, log_theta) =
                engine::naive_bayes::linfa_multinomial(data.x(), data.y(), k, self.alpha)?;
            return Ok(FittedNb {
                log_prior,
                model: NaiveBayes::Multinomial { log_theta },
                bins: None,
                n_features: n,
            });
        }
        let mut totals = Array2::<f64>::zeros((k, n));
        for (row, &t) in data.features().rows().into_iter().zip(data.targets()) {
            totals.row_mut(t).scaled_add(1.0, &row);
        }
        let mut log_theta = totals.clone();
        for (c, mut row) in log_theta.rows_mut().into_iter().enumerate() {
            let denom = totals.row(c).sum() + self.alpha * n as f64;
            // a class with no counts and no smoothing: its prior is 0, its row unused
            if denom > 0.0 {
                row.mapv_inplace(|cnt| ((cnt + self.alpha) / denom).ln());
            }
        }
        Ok(FittedNb {
            log_prior: prior,
            model: NaiveBayes::Multinomial { log_theta },
            bins: None,
            n_features: n,
        })
    }
}

impl FitChecked<usize> for BernoulliNb {
    type Model = FittedNb;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedNb> {
        let data = data.data();
        let (prior, counts) = log_prior(data)?;
        let (k, n) = (counts.len(), data.n_features());
        if self.engine == Engine::Linfa {
            let (log_prior, log_p, log_q) = engine::naive_bayes::linfa_bernoulli(
                data.x(),
                data.y(),
                k,
                self.alpha,
                self.threshold,
            )?;
            return Ok(FittedNb {
                log_prior,
                model: NaiveBayes::Bernoulli { log_p, log_q },
                bins: None,
                n_features: n,
            });
        }
        let mut ones = Array2::<f64>::zeros((k, n));
        for (row, &t) in data.features().rows().into_iter().zip(data.targets()) {
            ones.row_mut(t)
                .zip_mut_with(&row, |o, &v| *o += f64::from(u8::from(v > self.threshold)));
        }
        let mut log_p = Array2::zeros((k, n));
        let mut log_q = Array2::zeros((k, n));
        for c in 0..k {
            let denom = counts[c] as f64 + 2.0 * self.alpha;
            if denom == 0.0 {
                continue; // no examples, no smoothing: prior 0, rows unused
            }
            for i in 0..n {
                let p = (ones[[c, i]] + self.alpha) / denom;
                log_p[[c, i]] = p.ln();
                log_q[[c, i]] = (1.0 - p).ln();
            }
        }
        Ok(FittedNb {
            log_prior: prior,
            model: NaiveBayes::Bernoulli { log_p, log_q },
            bins: None,
            n_features: n,
        })
    }
}

impl FittedNb {
    /// `log P(C_k) + Σ_i log P(x_i | C_k)` for every row and class (the unnormalised log
    /// posterior; a zero-probability event gives `-inf`).
    pub fn joint_log_likelihood(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.n_features, x, "naive Bayes predict")?;
        validate::finite(x, "features to classify")?;
        let k = self.log_prior.len();
        let mut out = Array2::zeros((x.nrows(), k));
        let binned = match &self.bins {
            Some(b) => Some(b.bin_indices(x)?),
            None => None,
        };
        for (i, row) in x.rows().into_iter().enumerate() {
            for c in 0..k {
                out[[i, c]] = self.log_prior[c]
                    + self.log_likelihood(row, binned.as_ref().map(|b| b.row(i)), c)?;
            }
        }
        Ok(out)
    }

    fn log_likelihood(
        &self,
        row: ArrayView1<f64>,
        binned: Option<ArrayView1<usize>>,
        c: usize,
    ) -> Result<f64> {
        Ok(match &self.model {
            NaiveBayes::Gaussian { mean, var } => row
                .iter()
                .zip(mean.row(c))
                .zip(var.row(c))
                .map(|((&x, &mu), &v)| {
                    -0.5 * ((2.0 * std::f64::consts::PI * v).ln() + (x - mu).powi(2) / v)
                })
                .sum(),
            NaiveBayes::Categorical { log_prob } => {
                let mut s = 0.0;
                for (i, table) in log_prob.iter().enumerate() {
                    let v = match binned {
                        Some(b) => b[i],
                        None => {
                            let x = row[i];
                            if !(x >= 0.0 && x.fract() == 0.0) {
                                return Err(Error::invalid(format!(
                                    "categorical feature {i} must be a non-negative integer, got {x}"
                                )));
                            }
                            x as usize
                        }
                    };
                    // a value never seen in training for any class: probability α / (N_k + α k)
                    // is unknown, so it contributes equally to every class (ignored)
                    if v < table.ncols() {
                        s += table[[c, v]];
                    }
                }
                s
            }
            NaiveBayes::Multinomial { log_theta } => row
                .iter()
                .zip(log_theta.row(c))
                .map(|(&x, &lt)| if x == 0.0 { 0.0 } else { x * lt })
                .sum(),
            NaiveBayes::Bernoulli { log_p, log_q } => row
                .iter()
                .zip(log_p.row(c))
                .zip(log_q.row(c))
                .map(|((&x, &p), &q)| if x > 0.0 { p } else { q })
                .sum(),
        })
    }
}

impl PredictProba for FittedNb {
    /// Normalised posteriors `P(C_k | x)` (all classes equally likely when every class has a
    /// zero-probability event, as happens without smoothing).
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let mut jll = self.joint_log_likelihood(x)?;
        for mut row in jll.rows_mut() {
            let max = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            if max == f64::NEG_INFINITY {
                row.fill(1.0 / row.len() as f64);
                continue;
            }
            row.mapv_inplace(|v| (v - max).exp());
            let s = row.sum();
            row /= s;
        }
        Ok(jll)
    }
}

impl Predict<usize> for FittedNb {
    /// The MAP class `argmax_k log P(C_k) + Σ_i log P(x_i | C_k)`.
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        let jll = self.joint_log_likelihood(x)?;
        Ok(jll.map_axis(Axis(1), |r| {
            r.iter()
                .enumerate()
                .fold(0, |b, (i, &v)| if v > r[b] { i } else { b })
        }))
    }
}

impl Transform for FittedNb {
    /// The log posterior of every class (useful as features or scores).
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.joint_log_likelihood(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data;
    use ndarray::array;

    #[test]
    fn categorical_posterior_by_hand() {
        // feature: 0 = sunny, 1 = rain; classes: 0 = stay, 1 = play
        // play: sunny 3 of 4; stay: sunny 0 of 2.
        let d = Dataset::classification(
            array![[0.0], [0.0], [0.0], [1.0], [1.0], [1.0]],
            array![1, 1, 1, 1, 0, 0],
        )
        .unwrap();
        // Laplace (α = 1, k = 2 values): P(sunny|play) = (3+1)/(4+2) = 2/3, P(sunny|stay) = (0+1)/(2+2) = 1/4
        let m = CategoricalNb::default().fit(&d).unwrap();
        let p = m.predict_proba(array![[0.0]].view()).unwrap();
        let (play, stay) = (4.0 / 6.0 * 2.0 / 3.0, 2.0 / 6.0 * 0.25);
        assert!((p[[0, 1]] - play / (play + stay)).abs() < 1e-12);
        // without smoothing P(sunny | stay) = 0: the posterior of 'stay' is exactly 0
        let raw = CategoricalNb {
            alpha: 0.0,
            ..Default::default()
        }
        .fit(&d)
        .unwrap();
        assert_eq!(
            raw.predict_proba(array![[0.0]].view()).unwrap()[[0, 0]],
            0.0
        );
        assert!(
            CategoricalNb::default()
                .fit(&Dataset::classification(array![[0.5], [1.0]], array![0, 1]).unwrap())
                .is_err()
        );
    }

    #[test]
    fn gaussian_matches_the_normal_density() {
        // class 0 at x = {0, 2}: μ = 1, σ² = 1; class 1 at {4, 6}: μ = 5, σ² = 1; equal priors
        let d = Dataset::classification(array![[0.0], [2.0], [4.0], [6.0]], array![0, 0, 1, 1])
            .unwrap();
        let m = GaussianNb {
            var_smoothing: 0.0,
            ..Default::default()
        }
        .fit(&d)
        .unwrap();
        let jll = m.joint_log_likelihood(array![[2.0]].view()).unwrap();
        let logpdf =
            |x: f64, mu: f64| -0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * (x - mu).powi(2);
        assert!((jll[[0, 0]] - (0.5f64.ln() + logpdf(2.0, 1.0))).abs() < 1e-12);
        assert!((jll[[0, 1]] - (0.5f64.ln() + logpdf(2.0, 5.0))).abs() < 1e-12);
        assert_eq!(
            m.predict(array![[2.9], [3.1]].view()).unwrap().to_vec(),
            vec![0, 1]
        );
    }

    #[test]
    fn no_underflow_on_64_features() {
        // digits: 64 features; a product of 64 densities underflows f64 without log space
        let d = data::digits();
        let m = GaussianNb::default().fit(&d).unwrap();
        let p = m.predict_proba(d.x()).unwrap();
        assert!(p.iter().all(|v| v.is_finite()));
        assert_eq!(
            m.transform(d.x()).unwrap(),
            m.joint_log_likelihood(d.x()).unwrap()
        );
        let acc =
            crate::metrics::accuracy(d.targets().view(), m.predict(d.x()).unwrap().view()).unwrap();
        // scikit-learn 1.9.1: GaussianNB().fit(X, y).score(X, y) on digits = 0.8580968280467446
        assert!((acc - 0.858_096_828_046_744_6).abs() < 0.005, "{acc}");
    }

    #[test]
    fn multinomial_bernoulli_and_binned() {
        let x = array![
            [3.0, 0.0, 1.0],
            [2.0, 0.0, 0.0],
            [0.0, 4.0, 1.0],
            [0.0, 3.0, 2.0]
        ];
        let d = Dataset::classification(x.clone(), array![0, 0, 1, 1]).unwrap();
        let mn = MultinomialNb::default().fit(&d).unwrap();
        // class 0 totals (5, 0, 1): θ = (6/9, 1/9, 2/9)
        if let NaiveBayes::Multinomial { log_theta } = &mn.model {
            assert!((log_theta[[0, 0]] - (6.0f64 / 9.0).ln()).abs() < 1e-12);
        }
        assert_eq!(mn.predict(x.view()).unwrap().to_vec(), vec![0, 0, 1, 1]);
        assert_eq!(
            BernoulliNb::default()
                .fit(&d)
                .unwrap()
                .predict(x.view())
                .unwrap()
                .to_vec(),
            vec![0, 0, 1, 1]
        );
        let iris = data::iris();
        let b = BinnedNb::default().fit(&iris).unwrap();
        let acc =
            crate::metrics::accuracy(iris.targets().view(), b.predict(iris.x()).unwrap().view())
                .unwrap();
        assert!(acc > 0.9, "{acc}");
        assert!(
            MultinomialNb::default()
                .fit(&Dataset::classification(array![[-1.0], [1.0]], array![0, 1]).unwrap())
                .is_err()
        );
    }
}
