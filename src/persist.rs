//! Saving and loading fitted models: a JSON file holding the model and what it is.
//!
//! The format (version [`FORMAT_VERSION`]) is one JSON object:
//!
//! ```json
//! { "format": "mlnotes-model", "format_version": 2, "crate_version": "0.1.0",
//!   "kind": "linear-regression", "model": { ... the fitted state ... } }
//! ```
//!
//! `kind` names the model type ([`Persist::kind`]); loading checks `format`, `format_version`
//! and `kind` before reading the model, so a file of another model, another format version or a
//! truncated file is an [`Error::ModelFile`] naming the file, never a silently different model.
//! Files are written atomically (a temporary file in the same folder, then a rename).
//!
//! ```
//! use mlnotes::data;
//! use mlnotes::estimator::{Fit, Predict};
//! use mlnotes::linear::{FittedLinear, LinearRegression};
//! use mlnotes::persist::Persist;
//!
//! let diabetes = data::diabetes();
//! let model = LinearRegression::new().fit(&diabetes)?;
//! let path = std::env::temp_dir().join("mlnotes-doc-linear.json");
//! model.save(&path)?;
//! let back = FittedLinear::load(&path)?;
//! assert_eq!(back.predict(diabetes.x())?, model.predict(diabetes.x())?);
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), mlnotes::Error>(())
//! ```

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// The value of the `format` field.
pub const FORMAT: &str = "mlnotes-model";

/// The current format version; files of another version are refused.
pub const FORMAT_VERSION: u32 = 2;

/// A fitted model that can be written to a file and read back.
pub trait Persist: Serialize + DeserializeOwned {
    /// The model's kind as written in the file, e.g. `"linear-regression"` or
    /// `"pipeline(scaler, knn-classifier)"`.
    fn kind() -> String;

    /// Write the model to `path` (JSON, atomically).
    fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let envelope = serde_json::json!({
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "crate_version": env!("CARGO_PKG_VERSION"),
            "kind": Self::kind(),
            "model": serde_json::to_value(self).map_err(|e| Error::model_file(path, e))?,
        });
        // JSON has no NaN or infinity (serde_json writes them as null): refuse to write a file
        // that could not be read back.
        serde_json::from_value::<Self>(envelope["model"].clone()).map_err(|_| {
            Error::model_file(
                path,
                "the model holds NaN or infinite numbers, which JSON cannot store",
            )
        })?;
        let text = serde_json::to_string(&envelope).map_err(|e| Error::model_file(path, e))?;
        write_atomically(path, text.as_bytes())
    }

    /// Read a model written by [`Persist::save`] for this kind.
    fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        from_json(&text, &Self::kind()).map_err(|reason| Error::model_file(path, reason))
    }
}

/// Parse a saved model of kind `kind`, or say what is wrong with the text.
fn from_json<M: DeserializeOwned>(text: &str, kind: &str) -> std::result::Result<M, String> {
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a complete JSON model file ({e})"))?;
    let field = |name: &str| value.get(name).cloned();
    if field("format")
        .and_then(|v| v.as_str().map(str::to_owned))
        .as_deref()
        != Some(FORMAT)
    {
        return Err(format!(
            "not an mlnotes model file (no \"format\": \"{FORMAT}\")"
        ));
    }
    match field("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => {
            return Err(format!(
                "format version {v}, but this build reads version {FORMAT_VERSION}"
            ));
        }
        None => return Err("no format_version".into()),
    }
    let found = field("kind").and_then(|v| v.as_str().map(str::to_owned));
    if found.as_deref() != Some(kind) {
        return Err(format!(
            "holds a {} model, not a {kind} model",
            found.as_deref().unwrap_or("(no kind)")
        ));
    }
    let model = value
        .get_mut("model")
        .map(serde_json::Value::take)
        .ok_or("no model")?;
    serde_json::from_value(model).map_err(|e| format!("the {kind} model is malformed ({e})"))
}

/// Write `bytes` to a temporary file beside `path`, then rename it over `path`: a reader sees
/// the old file or the new one, never half of one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::model_file(path, "not a file path"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tmp_name.push(format!(".tmp{}-{n}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        std::fs::remove_file(&tmp).ok();
        Error::io(path, e)
    })
}

/// `impl Persist` for fitted types with a fixed kind name.
macro_rules! persist {
    ($($ty:ty => $kind:literal),* $(,)?) => {
        $(impl Persist for $ty {
            fn kind() -> String {
                $kind.to_string()
            }
        })*
    };
}

use crate::bayes::FittedNb;
use crate::cluster::{Dendrogram, FittedDivisive, FittedKMeans};
use crate::ensemble::{FittedAdaBoost, FittedBagging, FittedGradientBoosting};
use crate::knn::FittedKnn;
use crate::linear::{FittedLasso, FittedLinear, FittedLogistic};
use crate::pca::FittedPca;
use crate::preprocess::{
    FittedBinning, FittedImputer, FittedOneHot, FittedPipeline, FittedPolynomial, FittedScaler,
};
use crate::selection::FittedGaussianProcess;
use crate::svm::{FittedKernelSvm, FittedLinearSvm};
use crate::tree::FittedTree;

persist! {
    FittedNb => "naive-bayes",
    FittedKMeans => "k-means",
    Dendrogram => "dendrogram",
    FittedDivisive => "divisive-clustering",
    FittedAdaBoost => "adaboost",
    FittedGradientBoosting<usize> => "gradient-boosting-classifier",
    FittedGradientBoosting<f64> => "gradient-boosting-regressor",
    FittedKnn<usize> => "knn-classifier",
    FittedKnn<f64> => "knn-regressor",
    FittedLasso => "lasso",
    FittedLinear => "linear-regression",
    FittedLogistic => "logistic-regression",
    FittedPca => "pca",
    FittedBinning => "binning",
    FittedOneHot => "one-hot-encoder",
    FittedPolynomial => "polynomial-features",
    FittedScaler => "scaler",
    FittedImputer => "imputer",
    FittedGaussianProcess => "gaussian-process",
    FittedKernelSvm => "kernel-svm",
    FittedLinearSvm => "linear-svm",
    FittedTree<usize> => "decision-tree-classifier",
    FittedTree<f64> => "decision-tree-regressor",
}

impl<M: Persist> Persist for FittedBagging<M> {
    fn kind() -> String {
        format!("bagging({})", M::kind())
    }
}

impl<F: Persist, M: Persist> Persist for FittedPipeline<F, M> {
    fn kind() -> String {
        format!("pipeline({}, {})", F::kind(), M::kind())
    }
}

impl<N: Persist, C: Persist> Persist for crate::preprocess::FittedColumnTransformer<N, C> {
    fn kind() -> String {
        format!("columns({}, {})", N::kind(), C::kind())
    }
}

#[cfg(test)]
mod tests;
