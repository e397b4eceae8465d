//! Every fitted model survives `save` then `load` with identical predictions, probabilities
//! and transforms; files of another kind, another version, or cut short are clear errors.

use ndarray::ArrayView2;

use super::*;
use crate::bayes::{BernoulliNb, BinnedNb, CategoricalNb, GaussianNb, MultinomialNb};
use crate::cluster::{Agglomerative, Divisive, KMeans, Linkage};
use crate::data::{self, Dataset};
use crate::ensemble::{AdaBoost, Bagging, GradientBoosting};
use crate::estimator::{Fit, Predict, PredictProba, Transform};
use crate::knn::Knn;
use crate::linear::{Lasso, LinearRegression, LogisticRegression};
use crate::pca::Pca;
use crate::preprocess::{
    Binning, BinningStrategy, Imputation, Imputer, OneHotEncoder, PolynomialFeatures, Scaled,
    Scaler,
};
use crate::svm::{Kernel, KernelSvm, LinearSvm};
use crate::tree::DecisionTree;

/// A fresh path in the system's temporary folder.
fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "mlnotes-persist-{}-{name}.json",
        std::process::id()
    ))
}

/// Save, load, remove the file.
fn round_trip<M: Persist>(model: &M) -> M {
    let path = temp_path(&M::kind().replace(['(', ')'], "_"));
    model.save(&path).unwrap();
    let back = M::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    back
}

fn same_predictions<T: PartialEq + std::fmt::Debug, M: Persist + Predict<T>>(
    model: &M,
    x: ArrayView2<f64>,
) -> M {
    let back = round_trip(model);
    assert_eq!(
        back.predict(x).unwrap(),
        model.predict(x).unwrap(),
        "{}",
        M::kind()
    );
    back
}

fn same_classifier<M: Persist + Predict<usize> + PredictProba>(model: &M, x: ArrayView2<f64>) {
    let back = same_predictions(model, x);
    assert_eq!(
        back.predict_proba(x).unwrap(),
        model.predict_proba(x).unwrap(),
        "{}",
        M::kind()
    );
}

fn same_transform<M: Persist + Transform>(model: &M, x: ArrayView2<f64>) {
    let back = round_trip(model);
    assert_eq!(
        back.transform(x).unwrap(),
        model.transform(x).unwrap(),
        "{}",
        M::kind()
    );
}

/// Iris, a small and fast classification set.
fn iris() -> Dataset {
    data::iris()
}

#[test]
fn classifiers_round_trip() {
    let d = iris();
    let x = d.x();
    same_classifier(&GaussianNb::default().fit(&d).unwrap(), x);
    same_classifier(&BinnedNb::default().fit(&d).unwrap(), x);
    let counts = d.with_features(d.features().mapv(f64::round)).unwrap();
    same_classifier(&MultinomialNb::default().fit(&counts).unwrap(), counts.x());
    same_classifier(&CategoricalNb::default().fit(&counts).unwrap(), counts.x());
    same_classifier(&BernoulliNb::default().fit(&d).unwrap(), x);
    same_classifier(&Knn::new(5).fit(&d).unwrap(), x);
    same_classifier(&LogisticRegression::new(1.0).fit(&d).unwrap(), x);
    same_classifier(&DecisionTree::cart().fit(&d).unwrap(), x);
    same_classifier(&Bagging::random_forest(5).fit(&d).unwrap(), x);
    same_classifier(&AdaBoost::new(5).fit(&d).unwrap(), x);
    same_classifier(&GradientBoosting::new(5).fit(&d).unwrap(), x);
    same_classifier(
        &Scaled::standardized(LogisticRegression::new(1.0))
            .fit(&d)
            .unwrap(),
        x,
    );
    same_predictions(&LinearSvm::new(1.0).fit(&d).unwrap(), x);
    same_predictions(
        &KernelSvm::new(1.0, Kernel::gaussian(1.0)).fit(&d).unwrap(),
        x,
    );
}

#[test]
fn regressors_round_trip() {
    let d = data::diabetes();
    let x = d.x();
    same_predictions(&LinearRegression::new().fit(&d).unwrap(), x);
    same_predictions(&LinearRegression::ridge(1.0).fit(&d).unwrap(), x);
    same_predictions(&Lasso::new(0.1).fit(&d).unwrap(), x);
    same_predictions(&Knn::new(5).fit(&d).unwrap(), x);
    same_predictions(&DecisionTree::regression().fit(&d).unwrap(), x);
    same_predictions(&GradientBoosting::new(5).fit(&d).unwrap(), x);
    same_predictions(
        &Bagging::new(DecisionTree::regression(), 3).fit(&d).unwrap(),
        x,
    );
    let unit = d.select(&(0..40).collect::<Vec<_>>()).unwrap();
    same_predictions(
        &crate::selection::GaussianProcess::default()
            .fit(&unit)
            .unwrap(),
        unit.x(),
    );
}

#[test]
fn unsupervised_and_transformers_round_trip() {
    let d = iris();
    let x = d.x();
    same_predictions(&KMeans::new(3).fit(&d).unwrap(), x);
    same_predictions(&Divisive::new(3).fit(&d).unwrap(), x);
    let tree = Agglomerative::new(Linkage::Average).fit(&d).unwrap();
    assert_eq!(round_trip(&tree), tree);
    same_transform(&Pca::new(2).fit(&d).unwrap(), x);
    same_transform(&Scaler::standardization().fit(&d).unwrap(), x);
    same_transform(
        &Binning::new(4, BinningStrategy::Quantile).fit(&d).unwrap(),
        x,
    );
    same_transform(&PolynomialFeatures::new(2).fit(&d).unwrap(), x);
    same_transform(&Imputer::new(Imputation::Median).fit(&d).unwrap(), x);
    let codes = Dataset::unlabeled(d.features().mapv(f64::round)).unwrap();
    same_transform(&OneHotEncoder::new(true).fit(&codes).unwrap(), codes.x());
}

/// The error of loading `text` as a fitted linear regression.
fn load_error(name: &str, text: &str) -> String {
    let path = temp_path(name);
    std::fs::write(&path, text).unwrap();
    let err = crate::linear::FittedLinear::load(&path).unwrap_err();
    std::fs::remove_file(&path).ok();
    assert!(matches!(err, Error::ModelFile { .. }), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    err.to_string()
}

#[test]
fn wrong_kind_version_or_truncated_file_is_a_clear_error() {
    let d = data::diabetes();
    let model = LinearRegression::new().fit(&d).unwrap();
    let path = temp_path("good");
    model.save(&path).unwrap();
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();

    let knn = Knn::new(3).fit(&d).unwrap();
    let knn_path = temp_path("knn");
    knn.save(&knn_path).unwrap();
    let err = crate::linear::FittedLinear::load(&knn_path).unwrap_err();
    std::fs::remove_file(&knn_path).ok();
    assert!(err.to_string().contains("knn-regressor"), "{err}");

    let err = load_error("truncated", &good[..good.len() / 2]);
    assert!(err.contains("not a complete JSON"), "{err}");
    let err = load_error(
        "version",
        &good.replace("\"format_version\":2", "\"format_version\":99"),
    );
    assert!(err.contains("format version 99"), "{err}");
    let err = load_error("other", "{\"hello\": 1}");
    assert!(err.contains("not an mlnotes model file"), "{err}");
    let err = load_error("malformed", &good.replace("\"coef\"", "\"ceof\""));
    assert!(err.contains("malformed"), "{err}");
    // A missing file is an I/O error naming it.
    let missing = temp_path("missing");
    assert!(matches!(
        crate::linear::FittedLinear::load(&missing),
        Err(Error::Io { .. })
    ));
}

#[test]
fn file_records_format_crate_version_and_kind() {
    let model = Scaled::standardized(Knn::new(3)).fit(&iris()).unwrap();
    let path = temp_path("envelope");
    model.save(&path).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(v["format"], FORMAT);
    assert_eq!(v["format_version"], FORMAT_VERSION);
    assert_eq!(v["crate_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["kind"], "pipeline(scaler, knn-classifier)");
}

#[test]
fn a_model_json_cannot_hold_is_refused_at_save() {
    // a class named but absent: its log prior is -inf, which JSON cannot store
    let d = data::iris();
    let rows: Vec<usize> = (0..100).collect(); // setosa and versicolor only
    let two = d.select(&rows).unwrap();
    let model = GaussianNb::default().fit(&two).unwrap();
    let path = temp_path("non-finite");
    match model.save(&path) {
        // either the model keeps finite numbers and round-trips, or saving says why it cannot
        Ok(()) => {
            let back = crate::bayes::FittedNb::load(&path).unwrap();
            assert_eq!(back.predict(d.x()).unwrap(), model.predict(d.x()).unwrap());
        }
        Err(e) => {
            assert!(matches!(e, Error::ModelFile { .. }), "{e}");
            assert!(e.to_string().contains("NaN or infinite"), "{e}");
            assert!(!path.exists());
        }
    }
    std::fs::remove_file(&path).ok();
}
