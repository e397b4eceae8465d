//! Accuracy on the 8x8 digits under scikit-learn's protocol: stratified, shuffled 5-fold
//! cross-validation. scikit-learn 1.9.1 on the same 1 797 images
//! (`cross_val_score(model, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))`):
//! standardised `LogisticRegression()` 0.9694, `KNeighborsClassifier()` 0.9855, `SVC()`
//! (RBF, γ = "scale") 0.9872, `RandomForestClassifier()` (100 trees) 0.9733.
//! Our models must land within one point.
//!
//! Iris, wine quality (red, six classes) and breast cancer, same protocol, scikit-learn 1.9.1
//! on the same arrays: standardised `SVC()`, `RandomForestClassifier()`, standardised
//! `KNeighborsClassifier()`, `GaussianNB()`. Our folds are drawn by our own shuffle, so on
//! these smaller sets (one iris flower is 0.7 points) the tolerance is two points.

use mlnotes::bayes::GaussianNb;
use mlnotes::data::{Dataset, breast_cancer, digits, iris, wine};
use mlnotes::ensemble::Bagging;
use mlnotes::estimator::{Fit, Predict};
use mlnotes::knn::Knn;
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics::accuracy;
use mlnotes::preprocess::Scaled;
use mlnotes::selection::{KFold, cross_val_score};
use mlnotes::svm::{Gamma, Kernel, KernelSvm};

fn cv(model: &impl Fit<usize, Model: Predict<usize>>, data: &Dataset) -> f64 {
    let labels = data.targets().to_vec();
    let folds = KFold::new(5, 0)
        .stratified()
        .folds(data.n_samples(), Some(&labels))
        .unwrap();
    let scores = cross_val_score(model, data, &folds, accuracy).unwrap();
    scores.iter().sum::<f64>() / scores.len() as f64
}

fn within(points: f64, ours: f64, sklearn: f64, what: &str) {
    eprintln!("{what}: ours {ours:.4}, scikit-learn {sklearn}");
    assert!(
        ours >= sklearn - points / 100.0,
        "{what}: {ours:.4} vs scikit-learn {sklearn}"
    );
}

fn within_a_point(ours: f64, sklearn: f64, what: &str) {
    within(1.0, ours, sklearn, what);
}

#[test]
fn logistic_regression() {
    let model = Scaled::standardized(LogisticRegression::new(1.0));
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

#[test]
fn iris_wine_and_breast_cancer() {
    // (data set, scikit-learn's SVC, random forest, KNN, Gaussian NB)
    let cases = [
        ("iris", iris(), [0.9533, 0.94, 0.9533, 0.96]),
        ("wine quality", wine(), [0.6266, 0.6879, 0.5791, 0.5416]),
        (
            "breast cancer",
            breast_cancer(),
            [0.9771, 0.9649, 0.9649, 0.9385],
        ),
    ];
    for (name, data, sk) in cases {
        let svm = Scaled::standardized(KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)));
        within(2.0, cv(&svm, &data), sk[0], &format!("{name}, RBF SVM"));
        within(
            2.0,
            cv(&Bagging::random_forest(100), &data),
            sk[1],
            &format!("{name}, random forest"),
        );
        within(
            2.0,
            cv(&Scaled::standardized(Knn::new(5)), &data),
            sk[2],
            &format!("{name}, 5-NN"),
        );
        within(
            2.0,
            cv(&GaussianNb::default(), &data),
            sk[3],
            &format!("{name}, Gaussian NB"),
        );
    }
}
