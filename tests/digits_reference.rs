//! Accuracy on the 8x8 digits under scikit-learn's protocol: stratified, shuffled 5-fold
//! cross-validation. scikit-learn 1.9.1 on the same 1 797 images
//! (`cross_val_score(model, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))`):
//! standardised `LogisticRegression()` 0.9694, `KNeighborsClassifier()` 0.9855, `SVC()`
//! (RBF, γ = "scale") 0.9872, `RandomForestClassifier()` (100 trees) 0.9733.
//! Our models must land within one point.

use mlnotes::data::{Dataset, digits};
use mlnotes::ensemble::Bagging;
use mlnotes::estimator::Fit;
use mlnotes::knn::Knn;
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics::accuracy;
use mlnotes::preprocess::{Scaled, Scaler};
use mlnotes::selection::{KFold, cross_val_score};
use mlnotes::svm::{Gamma, Kernel, KernelSvm};

fn cv(model: &impl Fit<usize>, data: &Dataset) -> f64 {
    let labels = data.targets.to_vec();
    let folds = KFold::new(5, 0)
        .stratified()
        .folds(data.n_samples(), Some(&labels))
        .unwrap();
    let scores = cross_val_score(model, data, &folds, accuracy).unwrap();
    scores.iter().sum::<f64>() / scores.len() as f64
}

fn within_a_point(ours: f64, sklearn: f64, what: &str) {
    eprintln!("{what}: ours {ours:.4}, scikit-learn {sklearn}");
    assert!(
        ours >= sklearn - 0.01,
        "{what}: {ours:.4} vs scikit-learn {sklearn}"
    );
}

#[test]
fn logistic_regression() {
    let model = Scaled {
        scaler: Scaler::standardization(),
        model: LogisticRegression::new(1.0),
    };
    within_a_point(
        cv(&model, &digits()),
        0.9694,
        "standardised logistic regression",
    );
}

#[test]
fn knn() {
    within_a_point(cv(&Knn::new(5), &digits()), 0.9855, "5-NN");
}

#[test]
fn rbf_svm() {
    within_a_point(
        cv(&KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)), &digits()),
        0.9872,
        "RBF SVM",
    );
}

#[test]
fn random_forest() {
    within_a_point(
        cv(&Bagging::random_forest(100), &digits()),
        0.9733,
        "random forest",
    );
}
