//! Metrics (notes: *Metrics*): how to judge a model.
//!
//! Classification: confusion matrix, accuracy, precision, recall, F1, ROC and AUC.
//! Regression: MAE, MSE, RMSE, MAPE, R², adjusted R². Clustering: silhouette, adjusted Rand.
//! Repeated measurements: mean and standard deviation.

mod classification;
mod clustering;
mod regression;
mod summary;

pub use classification::{
    Average, ConfusionMatrix, RocCurve, accuracy, f1_score, precision, recall, roc_auc, roc_curve,
};
pub use clustering::{adjusted_rand_index, silhouette_samples, silhouette_score};
pub use regression::{adjusted_r2, mae, mape, mse, r2, rmse};
pub use summary::{cost_exponent, log_log_slope, mean_std};
