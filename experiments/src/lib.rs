//! The experiments of mlnotes: one module (and one binary) per topic of the notes. Each reads
//! top to bottom: data, model, measurement, the notes' claim with its verdict.

pub mod bias_variance;
pub mod feature_scaling;
pub mod gradient_descent;
pub mod hierarchical;
pub mod kmeans;
pub mod knn;
pub mod linear_regression;
pub mod logistic_regression;
pub mod metrics;
pub mod model_evaluation;
pub mod naive_bayes;
pub mod pca;
pub mod regularization;
pub mod second_order;

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
        &kmeans::KMeansExperiment,
        &hierarchical::Hierarchical,
        &pca::PcaExperiment,
    ]
}

/// Mean and (population) standard deviation.
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt(),
    )
}

/// Mean accuracy of `params` over 5 stratified folds.
pub fn cv_accuracy(
    params: &impl mlnotes::estimator::Fit<usize>,
    data: &mlnotes::data::Dataset,
    seed: u64,
) -> mlnotes::Result<f64> {
    let labels = data.targets.to_vec();
    let folds = mlnotes::selection::KFold::new(5, seed)
        .stratified()
        .folds(data.n_samples(), Some(&labels))?;
    let scores =
        mlnotes::selection::cross_val_score(params, data, &folds, mlnotes::metrics::accuracy)?;
    Ok(mean_std(&scores).0)
}

/// Format a float with 4 decimals (for tables and evidence strings).
pub fn f4(v: f64) -> String {
    format!("{v:.4}")
}
