//! Engines cross-checked on the same arrays: native, linfa and smartcore fit the same model to
//! the same numbers (within each method's tolerance), and the wrapped crates' known defects are
//! pinned — each raw crate is called directly to show the defect, then the adapter is shown to
//! avoid it.

use linfa::traits::{Fit as _, Predict as _};
use mlnotes::bayes::GaussianNb;
use mlnotes::cluster::{KMeans, KMeansInit};
use mlnotes::data::{self, Dataset};
use mlnotes::engine::Engine;
use mlnotes::ensemble::AdaBoost;
use mlnotes::estimator::{Fit, FitFeatures, Predict, PredictProba, Transform};
use mlnotes::knn::Knn;
use mlnotes::linear::{Lasso, LinearRegression, LogisticRegression};
use mlnotes::optim::{Lbfgs, Solver};
use mlnotes::pca::Pca;
use mlnotes::preprocess::{Scaler, Scaling};
use mlnotes::svm::{Kernel, KernelSvm};
use mlnotes::tree::DecisionTree;
use mlnotes::{Error, metrics};
use ndarray::{Array1, Array2};

const LINFA: Engine = Engine::Linfa;
const SMARTCORE: Engine = Engine::Smartcore;

fn max_abs(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    (a - b).iter().fold(0.0f64, |m, d| m.max(d.abs()))
}

fn max_abs2(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    (a - b).iter().fold(0.0f64, |m, d| m.max(d.abs()))
}

/// Diabetes with every feature shifted far from 0: uncentred data, where an adapter that
/// forgot to centre would be wrong.
fn shifted_diabetes() -> Dataset<f64> {
    let d = data::diabetes();
    let x = d.features() + 50.0;
    Dataset::new(x, d.targets().clone()).unwrap()
}

/// A stratified 70/30 split.
fn split(d: &Dataset<usize>, seed: u64) -> (Dataset<usize>, Dataset<usize>) {
    let labels = d.targets().to_vec();
    let s = mlnotes::selection::HoldOut::train_test(0.7, seed)
        .stratified()
        .split(d.n_samples(), Some(&labels))
        .unwrap();
    (d.select(&s.train).unwrap(), d.select(&s.test).unwrap())
}

/// Standardised features (the iterative methods' tolerances are then comparable).
fn standardized<T: mlnotes::data::Target>(d: &Dataset<T>) -> Dataset<T> {
    let s = Scaler::new(Scaling::Standardization)
        .fit_features(d.x())
        .unwrap();
    d.with_features(s.transform(d.x()).unwrap()).unwrap()
}

#[test]
fn ordinary_least_squares_agrees_to_1e8() {
    for d in [data::diabetes(), shifted_diabetes()] {
        let native = LinearRegression::new().fit(&d).unwrap();
        let scale = native.coef.iter().fold(1.0f64, |m, w| m.max(w.abs()));
        for e in [LINFA, SMARTCORE] {
            let other = LinearRegression::new().with_engine(e).fit(&d).unwrap();
            let err = max_abs(&native.theta(), &other.theta()) / scale;
            assert!(err < 1e-8, "{e}: relative error {err:e}");
        }
    }
}

#[test]
fn ridge_agrees_after_the_penalty_mapping() {
    let d = shifted_diabetes();
    for l2 in [0.1, 10.0] {
        let native = LinearRegression::ridge(l2).fit(&d).unwrap();
        let scale = native.theta().iter().fold(1.0f64, |m, w| m.max(w.abs()));
        for e in [LINFA, SMARTCORE] {
            let other = LinearRegression::ridge(l2).with_engine(e).fit(&d).unwrap();
            let err = max_abs(&native.theta(), &other.theta()) / scale;
            assert!(err < 1e-6, "{e}, λ = {l2}: relative error {err:e}");
        }
    }
}

#[test]
fn lasso_agrees_after_the_penalty_mapping() {
    let d = shifted_diabetes();
    for alpha in [0.1, 1.0] {
        let native = Lasso::new(alpha).fit(&d).unwrap();
        let scale = native.coef.iter().fold(1.0f64, |m, w| m.max(w.abs()));
        for (e, tol) in [(LINFA, 1e-6), (SMARTCORE, 1e-6)] {
            let mut params = Lasso::new(alpha).with_engine(e);
            params.tol = 1e-12;
            let other = params.fit(&d).unwrap();
            let err = (max_abs(&native.coef, &other.coef)
                + (native.intercept - other.intercept).abs())
                / scale;
            assert!(err < tol, "{e}, α = {alpha}: relative error {err:e}");
        }
    }
}

#[test]
fn linfa_elasticnet_defect_intercept_without_centring() {
    // The raw crate on uncentred data: its intercept is ȳ, which is wrong unless x̄ = 0.
    let d = shifted_diabetes();
    let raw = linfa_elasticnet::ElasticNet::<f64>::lasso()
        .penalty(1.0)
        .tolerance(1e-12)
        .max_iterations(100_000)
        .fit(&linfa::Dataset::new(
            d.features().clone(),
            d.targets().clone(),
        ))
        .unwrap();
    let y_mean = d.targets().mean().unwrap();
    assert!(
        (raw.intercept() - y_mean).abs() < 1e-9,
        "the crate's intercept is ȳ"
    );
    let native = Lasso::new(1.0).fit(&d).unwrap();
    assert!(
        (raw.intercept() - native.intercept).abs() > 1.0,
        "raw {} vs right {}",
        raw.intercept(),
        native.intercept
    );
    // The adapter centres first and recovers θ₀ = ȳ - x̄ᵀw.
    let adapted = Lasso::new(1.0).with_engine(LINFA).fit(&d).unwrap();
    assert!((adapted.intercept - native.intercept).abs() < 1e-6 * native.intercept.abs());
}

fn tight_logistic(l2: f64) -> LogisticRegression {
    LogisticRegression::new(l2).with_solver(Solver::Lbfgs(Lbfgs {
        max_iter: 10_000,
        tol: 1e-10,
        ..Lbfgs::default()
    }))
}

#[test]
fn logistic_regression_agrees_to_1e5() {
    let cancer = standardized(&data::breast_cancer());
    let iris = standardized(&data::iris());
    for d in [&cancer, &iris] {
        let native = tight_logistic(1.0).fit(d).unwrap();
        let p = native.predict_proba(d.x()).unwrap();
        for e in [LINFA, SMARTCORE] {
            let other = tight_logistic(1.0).with_engine(e).fit(d).unwrap();
            let q = other.predict_proba(d.x()).unwrap();
            let err = max_abs2(&p, &q);
            // smartcore's L-BFGS stops on its own fixed tolerance
            let tol = if e == SMARTCORE { 1e-4 } else { 1e-5 };
            assert!(err < tol, "{e}, {} classes: {err:e}", d.n_classes());
        }
    }
}

#[test]
fn linfa_logistic_defect_positive_class_is_the_more_frequent_one() {
    // rust-ml/linfa#393: linfa makes the more frequent class its positive one. Keep every
    // class-0 tumour and a third of class 1, so that class 0 is the majority.
    let cancer = standardized(&data::breast_cancer());
    let rows: Vec<usize> = (0..cancer.n_samples())
        .filter(|&i| cancer.targets()[i] == 0 || i % 3 == 0)
        .collect();
    let d = cancer.select(&rows).unwrap();
    let counts = d.class_counts();
    assert!(counts[0] > counts[1], "{counts:?}");
    let raw = linfa_logistic::LogisticRegression::default()
        .fit(&linfa::Dataset::new(
            d.features().clone(),
            d.targets().clone(),
        ))
        .unwrap();
    assert_eq!(
        raw.labels().pos.class,
        0,
        "linfa's positive class is the majority"
    );
    // Its "probability" is then P(class 0); the adapter flips it into P(class 1).
    let raw_p = raw.predict_probabilities(d.features());
    let native = tight_logistic(1.0).fit(&d).unwrap();
    let p = native.predict_proba(d.x()).unwrap();
    assert!(
        (raw_p[0] - p[[0, 0]]).abs() < 1e-3,
        "{} vs {}",
        raw_p[0],
        p[[0, 0]]
    );
    let adapted = tight_logistic(1.0).with_engine(LINFA).fit(&d).unwrap();
    let diff = max_abs2(&p, &adapted.predict_proba(d.x()).unwrap());
    assert!(diff < 1e-5, "{diff:e}");
}

#[test]
fn pca_components_up_to_sign_and_variance_to_1e8() {
    for d in [standardized(&data::iris()), standardized(&data::wine())] {
        let k = 2;
        let native = Pca::new(k).fit_features(d.x()).unwrap();
        for e in [LINFA, SMARTCORE] {
            let other = Pca::new(k).with_engine(e).fit_features(d.x()).unwrap();
            // both oriented by the same sign rule
            let comp = max_abs2(&native.components, &other.components);
            assert!(comp < 1e-6, "{e}: components differ by {comp:e}");
            let var = max_abs(&native.explained_variance, &other.explained_variance);
            let top = native.explained_variance[0];
            assert!(
                var / top < 1e-8,
                "{e}: explained variance differs by {var:e}"
            );
        }
    }
}

#[test]
fn linfa_reduction_defect_explained_variance_of_one_component() {
    // linfa-reduction divides σ² by (components - 1): with one component, by zero.
    let iris = data::iris();
    let raw = linfa_reduction::Pca::params(1)
        .fit(&linfa::DatasetBase::from(iris.features().clone()))
        .unwrap();
    assert!(!raw.explained_variance()[0].is_finite());
    let adapted = Pca::new(1)
        .with_engine(LINFA)
        .fit_features(iris.x())
        .unwrap();
    let native = Pca::new(1).fit_features(iris.x()).unwrap();
    assert!((adapted.explained_variance[0] - native.explained_variance[0]).abs() < 1e-8);
}

#[test]
fn kmeans_from_the_same_start_reaches_the_same_clusters_short_of_the_mean() {
    let iris = data::iris();
    let params = KMeans::new(3)
        .with_init(KMeansInit::PlusPlus, 1)
        .with_seed(4);
    let mut tight = params;
    tight.tol = 1e-12;
    let native = tight.fit_features(iris.x()).unwrap();
    let linfa = tight.with_engine(LINFA).fit_features(iris.x()).unwrap();
    assert_eq!(native.labels, linfa.labels);
    let gap = max_abs2(&native.centroids, &linfa.centroids);
    assert!(gap < 1e-4, "{gap:e}");
    // The documented difference at the default tolerance: m_k-means stops short of the mean.
    let loose = params.fit_features(iris.x()).unwrap();
    let loose_linfa = params.with_engine(LINFA).fit_features(iris.x()).unwrap();
    assert_eq!(loose.labels, loose_linfa.labels);
    let gap = max_abs2(&loose.centroids, &loose_linfa.centroids);
    assert!(gap > 0.0 && gap < 0.1, "{gap:e}");
}

#[test]
fn linfa_kmeans_defect_the_update_counts_the_old_centroid() {
    // One cluster {0, 2} (mean 1) and a centroid at 4: Lloyd moves it to 1; linfa's m_k-means
    // to (4 + 0 + 2) / 3 = 2.
    let x = ndarray::array![[0.0], [2.0], [10.0]];
    let init = ndarray::array![[4.0], [10.0]];
    let raw = linfa_clustering::KMeans::params(2)
        .n_runs(1)
        .max_n_iterations(1)
        .init_method(linfa_clustering::KMeansInit::Precomputed(init))
        .fit(&linfa::DatasetBase::from(x.clone()))
        .unwrap();
    let c: f64 = raw.centroids()[[0, 0]];
    assert!((c - 2.0).abs() < 1e-12);
    assert_eq!(raw.predict(&x).to_vec(), vec![0, 0, 1]);
}

#[test]
fn gaussian_naive_bayes_probabilities_agree() {
    for d in [data::iris(), data::wine()] {
        let native = GaussianNb::default().fit(&d).unwrap();
        let p = native.predict_proba(d.x()).unwrap();
        for e in [LINFA, SMARTCORE] {
            let other = GaussianNb::default().with_engine(e).fit(&d).unwrap();
            let err = max_abs2(&p, &other.predict_proba(d.x()).unwrap());
            assert!(err < 1e-8, "{e}: {err:e}");
        }
    }
}

#[test]
fn smartcore_gaussian_nb_defect_no_variance_smoothing() {
    // A feature constant within each class: smartcore's variance is 0 and its likelihoods NaN.
    let x = ndarray::array![[1.0, 0.0], [1.2, 0.0], [3.0, 5.0], [3.1, 5.0]];
    let y = vec![0usize, 0, 1, 1];
    let m = smartcore::linalg::basic::matrix::DenseMatrix::new(
        4,
        2,
        x.iter().copied().collect(),
        false,
    )
    .unwrap();
    let raw =
        smartcore::naive_bayes::gaussian::GaussianNB::fit(&m, &y, Default::default()).unwrap();
    assert!(raw.var().iter().flatten().any(|&v| v == 0.0));
    let d = Dataset::classification(x.clone(), Array1::from(y)).unwrap();
    let adapted = GaussianNb::default()
        .with_engine(SMARTCORE)
        .fit(&d)
        .unwrap();
    let p = adapted.predict_proba(x.view()).unwrap();
    assert!(p.iter().all(|v| v.is_finite()));
    assert_eq!(
        adapted.predict(x.view()).unwrap().to_vec(),
        vec![0, 0, 1, 1]
    );
}

#[test]
fn kernel_svm_decision_values_agree_on_small_sets() {
    let iris = standardized(&data::iris());
    let params = KernelSvm::new(1.0, Kernel::gaussian(1.0));
    let mut tight = params.clone();
    tight.tol = 1e-6;
    let native = tight.fit(&iris).unwrap();
    let mut linfa = tight.clone().with_engine(LINFA);
    linfa.tol = 1e-6;
    let other = linfa.fit(&iris).unwrap();
    let dn = native.decision_function(iris.x()).unwrap();
    let dl = other.decision_function(iris.x()).unwrap();
    let err = max_abs2(&dn, &dl);
    assert!(err < 1e-3, "{err:e}");
    assert_eq!(
        native.predict(iris.x()).unwrap(),
        other.predict(iris.x()).unwrap()
    );
}

#[test]
fn linfa_svm_refuses_a_dense_kernel_too_large() {
    // 16 385 rows in one pair: the dense kernel would pass 2 GiB; refused before any work.
    let m = 16_385;
    let x = Array2::from_shape_fn((m, 1), |(i, _)| i as f64);
    let y = Array1::from_shape_fn(m, |i| i % 2);
    let d = Dataset::classification(x, y).unwrap();
    let err = KernelSvm::new(1.0, Kernel::Linear)
        .with_engine(LINFA)
        .fit(&d)
        .unwrap_err();
    assert!(err.to_string().contains("dense"), "{err}");
}

#[test]
fn cart_accuracy_parity() {
    for d in [data::iris(), data::wine(), data::breast_cancer()] {
        let (train, test) = split(&d, 1);
        let native = DecisionTree::cart().fit(&train).unwrap();
        let converted = DecisionTree::cart().with_engine(LINFA).fit(&train).unwrap();
        let acc = |p: Array1<usize>| metrics::accuracy(test.y(), p.view()).unwrap();
        let (a, b) = (
            acc(native.predict(test.x()).unwrap()),
            acc(converted.predict(test.x()).unwrap()),
        );
        assert!((a - b).abs() <= 0.1, "native {a} vs linfa {b}");
        // (that a converted tree predicts what the same linfa tree predicts is tested in
        // src/engine/tree.rs: two linfa fits of the same data can differ)
    }
}

#[test]
fn linfa_adaboost_learns() {
    let cancer = data::breast_cancer();
    let (train, test) = split(&cancer, 2);
    let model = AdaBoost::new(30).with_engine(LINFA).fit(&train).unwrap();
    let acc = metrics::accuracy(test.y(), model.predict(test.x()).unwrap().view()).unwrap();
    assert!(acc > 0.9, "{acc}");
    assert!(!model.learners.is_empty() && model.learners.len() == model.alphas.len());
}

#[test]
fn knn_by_linfa_nn_predicts_as_native() {
    for d in [data::iris(), data::digits()] {
        let (train, test) = split(&d, 3);
        let native = Knn::new(5).fit(&train).unwrap();
        let linfa = Knn::new(5).with_engine(LINFA).fit(&train).unwrap();
        let (ni, nd) = native.kneighbors(test.x()).unwrap();
        let (li, ld) = linfa.kneighbors(test.x()).unwrap();
        // the same distances in the same order; rows at equal distance (iris has duplicate
        // flowers) may be listed in another order, so the rows are compared where distances
        // are distinct
        assert!(max_abs2(&nd, &ld) < 1e-9);
        for ((i, j), &n) in ni.indexed_iter() {
            let tied = (0..nd.ncols())
                .filter(|&c| nd[[i, c]] == nd[[i, j]])
                .count()
                > 1
                || (j + 1 == nd.ncols());
            assert!(tied || n == li[[i, j]], "row {i}, neighbour {j}");
        }
    }
}

#[test]
fn unsupported_choices_are_config_errors_naming_the_engine() {
    let iris = data::iris();
    let diabetes = data::diabetes();
    let is_engine = |e: Error| {
        matches!(
            e,
            Error::Config {
                param: "engine",
                ..
            }
        )
    };
    assert!(is_engine(
        KMeans::new(3)
            .with_engine(SMARTCORE)
            .fit_features(iris.x())
            .unwrap_err()
    ));
    assert!(is_engine(
        Pca::default()
            .with_engine(LINFA)
            .fit_features(iris.x())
            .unwrap_err()
    ));
    assert!(is_engine(
        DecisionTree::regression()
            .with_engine(LINFA)
            .fit(&diabetes)
            .unwrap_err()
    ));
    assert!(is_engine(
        mlnotes::ensemble::RandomForest::new(3)
            .with_engine(LINFA)
            .fit(&diabetes)
            .unwrap_err()
    ));
    assert!(is_engine(
        mlnotes::ensemble::GradientBoosting::new(3)
            .with_engine(SMARTCORE)
            .fit(&iris)
            .unwrap_err()
    ));
    assert!(is_engine(
        mlnotes::bayes::CategoricalNb::default()
            .with_engine(LINFA)
            .fit(&iris)
            .unwrap_err()
    ));
    let iterative = LinearRegression::new()
        .with_solver(Solver::default())
        .with_engine(LINFA);
    assert!(is_engine(iterative.fit(&diabetes).unwrap_err()));
}

#[test]
fn engine_fits_persist_and_predict_alike() {
    let iris = data::iris();
    let model = GaussianNb::default().with_engine(LINFA).fit(&iris).unwrap();
    let dir = std::env::temp_dir().join(format!("mlnotes-engine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("nb.json");
    mlnotes::persist::Persist::save(&model, &path).unwrap();
    let back: mlnotes::bayes::FittedNb = mlnotes::persist::Persist::load(&path).unwrap();
    assert_eq!(
        back.predict_proba(iris.x()).unwrap(),
        model.predict_proba(iris.x()).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn dense(x: &Array2<f64>) -> smartcore::linalg::basic::matrix::DenseMatrix<f64> {
    smartcore::linalg::basic::matrix::DenseMatrix::new(
        x.nrows(),
        x.ncols(),
        x.iter().copied().collect(),
        false,
    )
    .unwrap()
}

#[test]
fn smartcore_trees_convert_to_the_same_predictions() {
    use smartcore::tree::decision_tree_classifier::{
        DecisionTreeClassifier, DecisionTreeClassifierParameters,
    };
    use smartcore::tree::decision_tree_regressor::{
        DecisionTreeRegressor, DecisionTreeRegressorParameters,
    };
    for d in [data::iris(), data::breast_cancer()] {
        let (train, test) = split(&d, 4);
        let converted = DecisionTree::cart()
            .with_engine(SMARTCORE)
            .fit(&train)
            .unwrap();
        let params = DecisionTreeClassifierParameters {
            seed: Some(0),
            ..Default::default()
        };
        let raw = DecisionTreeClassifier::fit(
            &dense(train.features()),
            &train.targets().to_vec(),
            params,
        )
        .unwrap();
        let expected: Vec<usize> = raw.predict(&dense(test.features())).unwrap();
        assert_eq!(converted.predict(test.x()).unwrap().to_vec(), expected);
        let native = DecisionTree::cart().fit(&train).unwrap();
        let acc = |p: Array1<usize>| metrics::accuracy(test.y(), p.view()).unwrap();
        let gap =
            acc(native.predict(test.x()).unwrap()) - acc(converted.predict(test.x()).unwrap());
        assert!(gap.abs() <= 0.1, "{gap}");
    }
    let d = data::diabetes();
    let converted = DecisionTree::regression()
        .with_max_depth(4)
        .with_engine(SMARTCORE)
        .fit(&d)
        .unwrap();
    // smartcore's root is at level 1: its max_depth 5 is the project's depth 4
    let mut params = DecisionTreeRegressorParameters::default().with_max_depth(5);
    params.seed = Some(0);
    let raw =
        DecisionTreeRegressor::fit(&dense(d.features()), &d.targets().to_vec(), params).unwrap();
    let expected = Array1::from(raw.predict(&dense(d.features())).unwrap());
    assert!(max_abs(&converted.predict(d.x()).unwrap(), &expected) < 1e-9);
    assert_eq!(converted.depth(), 4);
    // the same depth means the same for every engine
    let iris = data::iris();
    for e in Engine::ALL {
        let stump = DecisionTree::cart().with_max_depth(2).with_engine(e);
        assert_eq!(stump.fit(&iris).unwrap().depth(), 2, "{e}");
    }
}

#[test]
fn smartcore_forests_and_boosting_convert_to_the_same_predictions() {
    use mlnotes::ensemble::{GradientBoosting, RandomForest};
    use smartcore::ensemble::random_forest_regressor::{
        RandomForestRegressor, RandomForestRegressorParameters,
    };
    use smartcore::xgboost::{XGRegressor, XGRegressorParameters};
    let d = data::diabetes();
    let forest = RandomForest::new(10)
        .with_engine(SMARTCORE)
        .fit(&d)
        .unwrap();
    let params = RandomForestRegressorParameters::default()
        .with_n_trees(10)
        .with_m(4) // ⌈√10⌉
        .with_seed(0);
    let raw =
        RandomForestRegressor::fit(&dense(d.features()), &d.targets().to_vec(), params).unwrap();
    let expected = Array1::from(raw.predict(&dense(d.features())).unwrap());
    assert!(max_abs(&forest.predict(d.x()).unwrap(), &expected) < 1e-9);

    let boosted = GradientBoosting::new(30)
        .with_engine(SMARTCORE)
        .fit(&d)
        .unwrap();
    let mean = d.targets().mean().unwrap();
    let params = XGRegressorParameters::default()
        .with_n_estimators(30)
        .with_learning_rate(0.1)
        .with_max_depth(3)
        .with_lambda(0.0)
        .with_base_score(mean);
    let raw = XGRegressor::fit(&dense(d.features()), &d.targets().to_vec(), params).unwrap();
    let expected = Array1::from(raw.predict(&dense(d.features())).unwrap());
    assert!(max_abs(&boosted.predict(d.x()).unwrap(), &expected) < 1e-9);
    // the notes' squared-error boosting and XGBoost with λ = 0 learn alike
    let native = GradientBoosting::new(30).fit(&d).unwrap();
    let r2 = |m: Array1<f64>| metrics::r2(d.y(), m.view()).unwrap();
    let gap = r2(native.predict(d.x()).unwrap()) - r2(boosted.predict(d.x()).unwrap());
    assert!(gap.abs() < 0.05, "{gap}");
    assert_eq!(boosted.train_loss.len(), 31);
    assert!(boosted.train_loss.windows(2).all(|w| w[1] <= w[0] + 1e-12));

    let iris = data::iris();
    let forest = RandomForest::new(25)
        .with_engine(SMARTCORE)
        .fit(&iris)
        .unwrap();
    let acc = metrics::accuracy(iris.y(), forest.predict(iris.x()).unwrap().view()).unwrap();
    assert!(acc > 0.95, "{acc}");
}

#[test]
fn collinear_features_are_singular_for_every_engine() {
    let x = ndarray::array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]];
    let d = Dataset::new(x, ndarray::array![1.0, 2.0, 3.0, 5.0]).unwrap();
    for e in Engine::ALL {
        let err = LinearRegression::new().with_engine(e).fit(&d).unwrap_err();
        assert!(matches!(err, Error::Singular { .. }), "{e}: {err}");
    }
}

#[test]
fn smartcore_gaussian_nb_on_features_far_from_zero() {
    // 1e8 + N(0, 1): smartcore's one-pass variance would cancel; the adapter centres first.
    let iris = data::iris();
    let d = iris.with_features(iris.features() + 1e8).unwrap();
    let native = GaussianNb::default().fit(&d).unwrap();
    let other = GaussianNb::default()
        .with_engine(SMARTCORE)
        .fit(&d)
        .unwrap();
    let err = max_abs2(
        &native.predict_proba(d.x()).unwrap(),
        &other.predict_proba(d.x()).unwrap(),
    );
    assert!(err < 1e-6, "{err:e}");
}

#[test]
fn linfa_knn_on_extreme_queries_does_not_panic() {
    // Training rows beyond ±1e150 are refused by every data set; queries far out are not,
    // and the k-d tree must answer (or refuse) them without panicking, as native does.
    let iris = data::iris();
    let far = ndarray::array![[1e300, -1e300, 1e300, 0.0], [f64::MAX, 0.0, 0.0, f64::MIN]];
    let linfa = Knn::new(3).with_engine(LINFA).fit(&iris).unwrap();
    let native = Knn::new(3).fit(&iris).unwrap();
    let (a, b) = (linfa.predict(far.view()), native.predict(far.view()));
    assert_eq!(a.is_ok(), b.is_ok(), "{a:?} vs {b:?}");
}

#[test]
fn convergence_is_judged_not_assumed() {
    use mlnotes::estimator::Convergence;
    let d = shifted_diabetes();
    for e in [LINFA, SMARTCORE] {
        let mut tight = Lasso::new(1.0).with_engine(e);
        tight.tol = 1e-12;
        assert!(tight.fit(&d).unwrap().converged(), "{e}: tight lasso");
        let mut starved = Lasso::new(1.0).with_engine(e);
        starved.max_sweeps = 1;
        assert!(!starved.fit(&d).unwrap().converged(), "{e}: one iteration");
    }
    let iris = standardized(&data::iris());
    let svm = KernelSvm::new(1.0, Kernel::gaussian(1.0)).with_engine(LINFA);
    assert!(svm.fit(&iris).unwrap().converged());
    // a constant target (0.1 does not centre to exactly 0 in floating point): every weight
    // 0, θ₀ = ȳ, converged
    for value in [3.0, 0.1] {
        let flat = Dataset::new(
            d.features().clone(),
            Array1::from_elem(d.n_samples(), value),
        )
        .unwrap();
        for e in [LINFA, SMARTCORE] {
            let m = Lasso::new(0.1).with_engine(e).fit(&flat).unwrap();
            assert!(m.coef.iter().all(|&w| w == 0.0), "{e}");
            assert!((m.intercept - value).abs() < 1e-15 && m.converged(), "{e}");
        }
    }
}

#[test]
fn categorical_naive_bayes_agrees_with_smartcore() {
    use mlnotes::bayes::CategoricalNb;
    // iris measurements rounded to integer codes (0..=7)
    let iris = data::iris();
    let d = iris
        .with_features(iris.features().mapv(f64::round))
        .unwrap();
    for alpha in [1.0, 0.5] {
        let native = CategoricalNb {
            alpha,
            ..Default::default()
        }
        .fit(&d)
        .unwrap();
        let other = CategoricalNb {
            alpha,
            ..Default::default()
        }
        .with_engine(SMARTCORE)
        .fit(&d)
        .unwrap();
        let err = max_abs2(
            &native.predict_proba(d.x()).unwrap(),
            &other.predict_proba(d.x()).unwrap(),
        );
        assert!(err < 1e-12, "α = {alpha}: {err:e}");
    }
    // α = 0 with a class that has no rows (smartcore numbers classes 0..=max(y) and gives
    // the empty one NaN tables): finite probabilities, the empty class never predicted
    let rows: Vec<usize> = (0..d.n_samples())
        .filter(|&i| d.targets()[i] != 1)
        .collect();
    let without = d.select(&rows).unwrap();
    assert_eq!(without.n_classes(), 3);
    let nb = CategoricalNb {
        alpha: 0.0,
        ..Default::default()
    };
    let native = nb.fit(&without).unwrap();
    let other = nb.with_engine(SMARTCORE).fit(&without).unwrap();
    let p = other.predict_proba(without.x()).unwrap();
    assert!(p.iter().all(|v| v.is_finite()) && p.column(1).iter().all(|&v| v == 0.0));
    assert_eq!(
        native.predict(without.x()).unwrap(),
        other.predict(without.x()).unwrap()
    );
}

#[test]
fn linfa_pca_is_completed_where_linfa_drops_directions_without_variance() {
    // digits has constant pixels: asked for all 64 components, linfa-reduction returns 61; the
    // adapter completes an orthonormal basis, and the spectrum is native's.
    let d = data::digits();
    let native = Pca::new(64).fit_features(d.x()).unwrap();
    let linfa = Pca::new(64).with_engine(LINFA).fit_features(d.x()).unwrap();
    let gram = linfa.components.t().dot(&linfa.components);
    assert!(max_abs2(&gram, &Array2::eye(64)) < 1e-6);
    let top = native.explained_variance[0];
    let gap = max_abs(&native.explained_variance, &linfa.explained_variance) / top;
    assert!(gap < 1e-6, "{gap:e}");
}

#[test]
fn smartcore_knn_and_svc_agree_with_native() {
    for d in [data::iris(), data::digits()] {
        let (train, test) = split(&d, 5);
        let native = Knn::new(5).fit(&train).unwrap();
        let sc = Knn::new(5).with_engine(SMARTCORE).fit(&train).unwrap();
        let (ni, nd) = native.kneighbors(test.x()).unwrap();
        let (si, sd) = sc.kneighbors(test.x()).unwrap();
        assert!(max_abs2(&nd, &sd) < 1e-9);
        assert_eq!(ni, si);
    }
    let iris = standardized(&data::iris());
    let mut params = KernelSvm::new(1.0, Kernel::gaussian(1.0));
    params.tol = 1e-6;
    let native = params.fit(&iris).unwrap();
    let sc = params.clone().with_engine(SMARTCORE).fit(&iris).unwrap();
    let err = max_abs2(
        &native.decision_function(iris.x()).unwrap(),
        &sc.decision_function(iris.x()).unwrap(),
    );
    // smartcore's SMO stops after a fixed number of passes: close, and judged not converged
    // at the native tolerance
    assert!(err < 1e-3, "{err:e}");
    assert!(!mlnotes::estimator::Convergence::converged(&sc));
    let same = native
        .predict(iris.x())
        .unwrap()
        .iter()
        .zip(&sc.predict(iris.x()).unwrap())
        .filter(|(a, b)| a == b)
        .count();
    assert!(same >= 147, "{same} of 150");
}

#[test]
fn multinomial_and_bernoulli_naive_bayes_recovered_from_linfa() {
    use mlnotes::bayes::{BernoulliNb, MultinomialNb};
    let digits = data::digits(); // pixel intensities 0..16 as counts
    let native = MultinomialNb::default().fit(&digits).unwrap();
    let linfa = MultinomialNb::default()
        .with_engine(LINFA)
        .fit(&digits)
        .unwrap();
    let err = max_abs2(
        &native.predict_proba(digits.x()).unwrap(),
        &linfa.predict_proba(digits.x()).unwrap(),
    );
    assert!(err < 1e-9, "multinomial: {err:e}");
    let params = BernoulliNb {
        alpha: 1.0,
        threshold: 8.0,
        ..Default::default()
    };
    let native = params.fit(&digits).unwrap();
    let linfa = params.with_engine(LINFA).fit(&digits).unwrap();
    let err = max_abs2(
        &native.predict_proba(digits.x()).unwrap(),
        &linfa.predict_proba(digits.x()).unwrap(),
    );
    assert!(err < 1e-9, "Bernoulli: {err:e}");
}

#[test]
fn linfa_random_forest_converted_learns() {
    use mlnotes::ensemble::RandomForest;
    let cancer = data::breast_cancer();
    let (train, test) = split(&cancer, 6);
    let acc = |e: Engine| {
        let forest = RandomForest::new(30).with_engine(e).fit(&train).unwrap();
        metrics::accuracy(test.y(), forest.predict(test.x()).unwrap().view()).unwrap()
    };
    let (native, linfa) = (acc(Engine::Native), acc(LINFA));
    assert!(
        linfa > 0.9 && (native - linfa).abs() < 0.05,
        "native {native}, linfa {linfa}"
    );
}
