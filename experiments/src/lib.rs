//! The experiments of mlnotes: one module (and one binary) per topic of the notes. Each reads
//! top to bottom: data, model, measurement, the notes' claim with its verdict.

#![warn(missing_docs)]

pub mod backprop;
pub mod batch_norm_dropout;
pub mod bias_variance;
pub mod cnn;
pub mod decision_tree;
pub mod dqn;
pub mod engines;
pub mod ensembles;
pub mod feature_scaling;
pub mod feedforward;
pub mod gan;
pub mod gradient_descent;
pub mod hierarchical;
pub mod initialization;
pub mod kmeans;
pub mod knn;
pub mod linear_regression;
pub mod logistic_regression;
pub mod metrics;
pub mod model_evaluation;
pub mod model_selection_strategy;
pub mod naive_bayes;
pub mod pca;
pub mod policy_gradient;
pub mod q_learning;
pub mod regularization;
pub mod rnn_vs_lstm;
pub mod second_order;
pub mod svm;
pub mod transfer_learning;
pub mod transformer;
pub mod value_iteration;

use mlnotes::experiment::Experiment;

/// Every experiment, in the order of the notes.
pub fn all() -> Vec<&'static dyn Experiment> {
    vec![
        &feature_scaling::FeatureScaling,
        &model_evaluation::ModelEvaluation,
        &bias_variance::BiasVariance,
        &metrics::Metrics,
        &gradient_descent::GradientDescentVariants,
        &second_order::SecondOrder,
        &regularization::Regularization,
        &linear_regression::LinearRegressionExperiment,
        &logistic_regression::LogisticRegressionExperiment,
        &knn::KnnExperiment,
        &naive_bayes::NaiveBayesExperiment,
        &svm::SvmExperiment,
        &model_selection_strategy::ModelSelectionStrategy,
        &decision_tree::DecisionTreeExperiment,
        &ensembles::Ensembles,
        &kmeans::KMeansExperiment,
        &hierarchical::Hierarchical,
        &pca::PcaExperiment,
        &engines::Engines,
        &feedforward::Feedforward,
        &backprop::Backprop,
        &initialization::Initialization,
        &batch_norm_dropout::BatchNormDropout,
        &cnn::CnnExperiment,
        &transfer_learning::TransferLearning,
        &rnn_vs_lstm::RnnVsLstm,
        &transformer::TransformerExperiment,
        &gan::GanExperiment,
        &value_iteration::ValueIterationExperiment,
        &q_learning::QLearningExperiment,
        &dqn::DqnExperiment,
        &policy_gradient::PolicyGradientExperiment,
    ]
}

pub use mlnotes::metrics::mean_std;

/// Mean accuracy of `params` over 5 stratified folds.
pub fn cv_accuracy(
    params: &impl mlnotes::estimator::Fit<usize, Model: mlnotes::estimator::Predict<usize>>,
    data: &mlnotes::data::Dataset,
    seed: u64,
) -> mlnotes::Result<f64> {
    let labels = data.targets().to_vec();
    let folds = mlnotes::selection::KFold::new(5, seed)
        .stratified()
        .folds(data.n_samples(), Some(&labels))?;
    let scores =
        mlnotes::selection::cross_val_score(params, data, &folds, mlnotes::metrics::accuracy)?;
    Ok(mean_std(&scores).0)
}

/// Digits with pixels scaled to `[0, 1]`, split 75 / 25 stratified: (train, test).
pub fn digits_split(
    seed: u64,
) -> mlnotes::Result<(mlnotes::data::Dataset, mlnotes::data::Dataset)> {
    let d = mlnotes::data::digits();
    let d = d.with_features(d.features().mapv(|v| v / 16.0))?;
    let labels = d.targets().to_vec();
    let split = mlnotes::selection::HoldOut::train_test(0.75, seed)
        .stratified()
        .split(d.n_samples(), Some(&labels))?;
    Ok((d.select(&split.train)?, d.select(&split.test)?))
}

/// Training, validation (chooses the epoch or the model) and test (scores it) sets.
pub struct Splits {
    /// Fits the model.
    pub train: mlnotes::data::Dataset,
    /// Chooses the epoch or the hyperparameters.
    pub val: mlnotes::data::Dataset,
    /// Scores the chosen model, and nothing else.
    pub test: mlnotes::data::Dataset,
}

/// Digits of one seed as [`Splits`]: training and validation stratified from the 75 % training
/// part of [`digits_split`] (`train_share` of it for training), and its 25 % test part.
pub fn digits_splits(seed: u64, train_share: f64) -> mlnotes::Result<Splits> {
    let (train_all, test) = digits_split(seed)?;
    let labels = train_all.targets().to_vec();
    let split = mlnotes::selection::HoldOut::train_test(train_share, seed)
        .stratified()
        .split(train_all.n_samples(), Some(&labels))?;
    Ok(Splits {
        train: train_all.select(&split.train)?,
        val: train_all.select(&split.test)?,
        test,
    })
}

/// `mean ± SE` of repeated values (the mean alone for one value), for tables.
///
/// ```
/// // 1, 2, 3: mean 2, SE = 1/√3
/// assert_eq!(mlnotes_experiments::mean_pm(&[1.0, 2.0, 3.0]), "2.000 ± 0.5774");
/// assert_eq!(mlnotes_experiments::mean_pm(&[5.0]), "5.000");
/// ```
pub fn mean_pm(v: &[f64]) -> String {
    use mlnotes::experiment::{mean_se, num};
    match mean_se(v) {
        (m, Some(se)) => format!("{} ± {}", num(m), num(se)),
        (m, None) => num(m),
    }
}

/// Bias and variance of the 0-1 loss (Domingos) of models fitted to independent training
/// sets, measured on one test set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZeroOneDecomposition {
    /// Share of (test point, training set) pairs predicted otherwise than the main prediction
    /// (the most frequent class over the training sets): the variance.
    pub variance: f64,
    /// Test error of the main prediction (bias, plus the labels' noise).
    pub bias: f64,
    /// Mean test error over the training sets.
    pub error: f64,
}

/// The [`ZeroOneDecomposition`] of `predictions` (one vector of classes of the test rows per
/// training set) against the test labels `y`; ties for the main prediction go to the smaller
/// class.
///
/// ```
/// use mlnotes_experiments::zero_one_decomposition;
/// use ndarray::array;
/// // Three training sets; the main prediction is [0, 1], so one of six predictions deviates.
/// let preds = [array![0, 1], array![0, 1], array![1, 1]];
/// let d = zero_one_decomposition(&preds, array![0, 0].view());
/// assert_eq!((d.variance, d.bias), (1.0 / 6.0, 0.5));
/// assert_eq!(d.error, 4.0 / 6.0);
/// ```
pub fn zero_one_decomposition(
    predictions: &[ndarray::Array1<usize>],
    y: ndarray::ArrayView1<usize>,
) -> ZeroOneDecomposition {
    let (mut deviate, mut wrong_main, mut wrong) = (0usize, 0usize, 0usize);
    for (i, &yi) in y.iter().enumerate() {
        let classes = predictions.iter().map(|p| p[i]).max().unwrap_or(0) + 1;
        let mut counts = vec![0usize; classes];
        for p in predictions {
            counts[p[i]] += 1;
        }
        let main = (0..classes).rev().max_by_key(|&c| counts[c]).unwrap_or(0);
        deviate += predictions.len() - counts[main];
        wrong += predictions.len() - counts.get(yi).copied().unwrap_or(0);
        wrong_main += usize::from(main != yi);
    }
    let pairs = (y.len() * predictions.len()) as f64;
    ZeroOneDecomposition {
        variance: deviate as f64 / pairs,
        bias: wrong_main as f64 / y.len() as f64,
        error: wrong as f64 / pairs,
    }
}

/// Format a float with 4 decimals (for tables and evidence strings).
pub fn f4(v: f64) -> String {
    format!("{v:.4}")
}

/// Points on the decision boundary of a 2-D classifier: grid cells (`res x res` over the
/// ranges) whose right or upper neighbour gets another class.
pub fn boundary_points(
    model: &impl mlnotes::estimator::Predict<usize>,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    res: usize,
) -> mlnotes::Result<Vec<(f64, f64)>> {
    let at = |i: usize, lo: f64, hi: f64| lo + (hi - lo) * i as f64 / (res - 1) as f64;
    let grid = ndarray::Array2::from_shape_fn((res * res, 2), |(r, c)| {
        if c == 0 {
            at(r % res, x0, x1)
        } else {
            at(r / res, y0, y1)
        }
    });
    let class = model.predict(grid.view())?;
    let mut out = Vec::new();
    for j in 0..res {
        for i in 0..res {
            let k = class[j * res + i];
            let right = i + 1 < res && class[j * res + i + 1] != k;
            let up = j + 1 < res && class[(j + 1) * res + i] != k;
            if right || up {
                out.push((at(i, x0, x1), at(j, y0, y1)));
            }
        }
    }
    Ok(out)
}

/// The rows of one class as plot points (first two features).
pub fn class_points(data: &mlnotes::data::Dataset, class: usize) -> Vec<(f64, f64)> {
    data.features()
        .rows()
        .into_iter()
        .zip(data.targets())
        .filter(|(_, y)| **y == class)
        .map(|(r, _)| (r[0], r[1]))
        .collect()
}

/// Mean ± SE over seeds, point by point, for a line with error bars: `per_seed[s][i]` is seed
/// `s`'s value at `xs[i]`. Returns the `(x, mean)` points and their standard errors (0 with
/// fewer than two values); a seed without a value at `xs[i]` is left out there.
///
/// ```
/// let per_seed = [vec![1.0, 4.0], vec![3.0, 4.0]];
/// let (points, se) = mlnotes_experiments::mean_se_points(&[1.0, 2.0], &per_seed);
/// assert_eq!(points, vec![(1.0, 2.0), (2.0, 4.0)]);
/// assert_eq!(se, vec![1.0, 0.0]);
/// ```
pub fn mean_se_points(xs: &[f64], per_seed: &[Vec<f64>]) -> (Vec<(f64, f64)>, Vec<f64>) {
    use mlnotes::experiment::mean_se;
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let at: Vec<f64> = per_seed.iter().filter_map(|s| s.get(i).copied()).collect();
            let (mean, se) = mean_se(&at);
            ((x, mean), se.unwrap_or(0.0))
        })
        .unzip()
}
