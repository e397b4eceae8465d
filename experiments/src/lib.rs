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
