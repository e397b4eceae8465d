//! The bad-input battery, this project's `check_estimator`: every estimator meets the same
//! malformed and extreme inputs. Each case must end in an error of the right variant or in a
//! finite answer — never a panic, never NaN — and where the answer has a reference (the same
//! data shifted, a contiguous copy of a strided array) it must match it.
//!
//! A new estimator joins by adding one line to [`classifiers`], [`regressors`] or
//! [`unsupervised`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{Array1, Array2, Axis, array, concatenate};

use crate::bayes::{BernoulliNb, BinnedNb, CategoricalNb, GaussianNb, MultinomialNb};
use crate::cluster::{Agglomerative, Divisive, KMeans, Linkage};
use crate::data::{Dataset, Target, generate};
use crate::ensemble::{AdaBoost, Bagging, GradientBoosting};
use crate::estimator::{Fit, Predict, Transform};
use crate::knn::Knn;
use crate::linear::{Lasso, LinearRegression, LogisticRegression};
use crate::pca::Pca;
use crate::preprocess::{
    Binning, BinningStrategy, Imputation, Imputer, OneHotEncoder, PolynomialFeatures, Scaled,
    Scaler,
};
use crate::selection::GaussianProcess;
use crate::svm::{Gamma, Kernel, KernelSvm, LinearSvm};
use crate::tree::DecisionTree;
use crate::{Error, Result};

/// What a fitted model does with a feature matrix: predictions (or a transform) as numbers.
type Apply = Box<dyn Fn(ndarray::ArrayView2<f64>) -> Result<Array2<f64>>>;
/// Fit on a data set, giving the fitted model's [`Apply`].
type FitFn<T> = Box<dyn Fn(&Dataset<T>) -> Result<Apply>>;

/// One estimator of the battery.
struct Entry<T: Target> {
    name: &'static str,
    fit: FitFn<T>,
    /// Whether fitting on data shifted by a constant gives the same predictions (models that
    /// centre, scale, split on thresholds or measure distances do; unscaled margins do not).
    shift_invariant: bool,
    /// Maps every feature value into the model's domain (counts for count models).
    domain: fn(f64) -> f64,
    /// Whether a NaN is a missing value the model fills (imputers) rather than an error.
    imputes: bool,
}

impl<T: Target> Entry<T> {
    /// Features as non-negative whole counts, for count-based models.
    fn on_counts(mut self) -> Self {
        self.domain = |v| v.abs().round();
        self
    }

    /// A model that fills missing values (NaN) instead of refusing them.
    fn imputing(mut self) -> Self {
        self.imputes = true;
        self
    }
}

/// A model that predicts class labels or clusters (`usize`).
fn labels<T, P>(name: &'static str, params: P, shift_invariant: bool) -> Entry<T>
where
    T: Target,
    P: Fit<T, Model: Predict<usize> + 'static> + 'static,
{
    Entry {
        name,
        shift_invariant,
        domain: |v| v,
        imputes: false,
        fit: Box::new(move |d: &Dataset<T>| {
            let model = params.fit(d)?;
            Ok(Box::new(move |x: ndarray::ArrayView2<f64>| {
                let p = model.predict(x)?;
                Ok(p.mapv(|c| c as f64).insert_axis(Axis(1)))
            }) as Apply)
        }),
    }
}

/// A regressor.
fn values<P>(name: &'static str, params: P, shift_invariant: bool) -> Entry<f64>
where
    P: Fit<f64, Model: Predict<f64> + 'static> + 'static,
{
    Entry {
        name,
        shift_invariant,
        domain: |v| v,
        imputes: false,
        fit: Box::new(move |d: &Dataset<f64>| {
            let model = params.fit(d)?;
            Ok(Box::new(move |x: ndarray::ArrayView2<f64>| {
                Ok(model.predict(x)?.insert_axis(Axis(1)))
            }) as Apply)
        }),
    }
}

fn transformer<P>(name: &'static str, params: P, shift_invariant: bool) -> Entry<()>
where
    P: Fit<(), Model: Transform + 'static> + 'static,
{
    Entry {
        name,
        shift_invariant,
        domain: |v| v,
        imputes: false,
        fit: Box::new(move |d: &Dataset<()>| {
            let model = params.fit(d)?;
            Ok(Box::new(move |x: ndarray::ArrayView2<f64>| model.transform(x)) as Apply)
        }),
    }
}

fn classifiers() -> Vec<Entry<usize>> {
    vec![
        labels("gaussian naive Bayes", GaussianNb::default(), true),
        labels("binned naive Bayes", BinnedNb::default(), true),
        labels("multinomial naive Bayes", MultinomialNb::default(), false).on_counts(),
        labels("categorical naive Bayes", CategoricalNb::default(), false).on_counts(),
        labels("Bernoulli naive Bayes", BernoulliNb::default(), false),
        labels("knn", Knn::new(3), true),
        labels("logistic regression", LogisticRegression::new(1.0), false),
        labels(
            "scaled logistic regression",
            Scaled::standardized(LogisticRegression::new(1.0)),
            true,
        ),
        labels("decision tree", DecisionTree::cart(), true),
        labels("random forest", Bagging::random_forest(5), true),
        labels("AdaBoost", AdaBoost::new(5), true),
        labels("gradient boosting", GradientBoosting::new(5), true),
        labels(
            "linear SVM",
            Scaled::standardized(LinearSvm::new(1.0)),
            true,
        ),
        labels(
            "kernel SVM",
            Scaled::standardized(KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale))),
            true,
        ),
    ]
}

fn regressors() -> Vec<Entry<f64>> {
    vec![
        values("linear regression", LinearRegression::new(), true),
        values("ridge", LinearRegression::ridge(1.0), true),
        values("lasso", Lasso::new(0.01), true),
        values("knn regressor", Knn::new(3), true),
        values("regression tree", DecisionTree::regression(), true),
        values(
            "gradient boosting regressor",
            GradientBoosting::new(5),
            true,
        ),
        values(
            "bagged trees",
            Bagging::new(DecisionTree::regression(), 3),
            true,
        ),
        values("Gaussian process", GaussianProcess::default(), true),
    ]
}

fn unsupervised() -> Vec<Entry<()>> {
    vec![
        labels("k-means", KMeans::new(2), true),
        labels("divisive clustering", Divisive::new(2), true),
        transformer("PCA", Pca::new(1), true),
        transformer("standard scaler", Scaler::standardization(), true),
        transformer("binning", Binning::new(3, BinningStrategy::Quantile), true),
        transformer("one-hot encoder", OneHotEncoder::new(false), false),
        transformer("polynomial features", PolynomialFeatures::new(2), false),
        transformer("imputer", Imputer::new(Imputation::Median), false).imputing(),
    ]
}

/// Three well-separated blobs, 30 rows, 3 features.
fn blobs() -> Dataset {
    let centers = array![[0.0, 0.0, 0.0], [4.0, 4.0, 0.0], [0.0, 4.0, 4.0]];
    generate::blobs(30, &centers, 0.5, 3).unwrap()
}

/// `y = x0 - 2 x1 + 0.5` plus a little curvature, 30 rows.
fn line() -> Dataset<f64> {
    let d = blobs();
    let y = d
        .features()
        .rows()
        .into_iter()
        .map(|r| r[0] - 2.0 * r[1] + 0.5 + 0.1 * r[2] * r[2])
        .collect();
    Dataset::new(d.features().clone(), y).unwrap()
}

/// Runs `f`, turning a panic into a message naming the estimator and the case.
fn no_panic<R>(name: &str, case: &str, f: impl FnOnce() -> R) -> std::result::Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{name}, {case}: PANIC {msg}")
    })
}

/// Fits and applies, recording a failure when the outcome is a panic or a non-finite answer.
/// Errors are allowed (returned as `None`) unless `must_fit`.
fn outcome<T: Target>(
    e: &Entry<T>,
    case: &str,
    data: &Dataset<T>,
    query: ndarray::ArrayView2<f64>,
    must_fit: bool,
    failures: &mut Vec<String>,
) -> Option<Array2<f64>> {
    let result = no_panic(e.name, case, || (e.fit)(data).and_then(|m| m(query)));
    match result {
        Err(panic) => failures.push(panic),
        Ok(Err(err)) if must_fit => failures.push(format!("{}, {case}: error {err}", e.name)),
        Ok(Err(_)) => {}
        Ok(Ok(out)) if out.iter().all(|v| v.is_finite()) => return Some(out),
        Ok(Ok(_)) => failures.push(format!("{}, {case}: non-finite output", e.name)),
    }
    None
}

/// Share of equal entries.
fn agreement(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let same = a
        .iter()
        .zip(b)
        .filter(|(p, q)| (*p - *q).abs() <= 1e-6 * (1.0 + p.abs()))
        .count();
    same as f64 / a.len().max(1) as f64
}

/// The cases every estimator meets, on its base data set `base` (features with `with` builds a
/// data set of the same kind).
fn run<T: Target>(
    entries: Vec<Entry<T>>,
    base: &Dataset<T>,
    with: impl Fn(Array2<f64>) -> Result<Dataset<T>>,
) -> Vec<String> {
    let with = |x: Array2<f64>| with(x).expect("a valid data set");
    let mut failures = Vec::new();
    for e in &entries {
        let x = base.features().mapv(e.domain);
        let base = &with(x.clone());
        let Some(reference) = outcome(e, "base data", base, x.view(), true, &mut failures) else {
            continue;
        };
        let Ok(Ok(model)) = no_panic(e.name, "refit", || (e.fit)(base)) else {
            continue;
        };
        // Prediction-time checks: wrong width, NaN, strided and column-major inputs.
        let narrow = x.slice(ndarray::s![.., ..2]).to_owned();
        match no_panic(e.name, "wrong feature count", || model(narrow.view())) {
            Ok(Err(Error::Shape { .. })) => {}
            Ok(other) => failures.push(format!(
                "{}, wrong feature count: expected a Shape error, got {:?}",
                e.name,
                other.map(|a| a.dim())
            )),
            Err(p) => failures.push(p),
        }
        let mut nan = x.clone();
        nan[[3, 1]] = f64::NAN;
        match no_panic(e.name, "NaN at predict", || model(nan.view())) {
            Ok(Err(Error::NonFinite { .. })) if !e.imputes => {}
            Ok(Ok(a)) if e.imputes && a.iter().all(|v| v.is_finite()) => {}
            Ok(other) => failures.push(format!(
                "{}, NaN at predict: expected a NonFinite error, got {:?}",
                e.name,
                other.map(|a| a.dim())
            )),
            Err(p) => failures.push(p),
        }
        let column_major = x.t().to_owned();
        let wide = concatenate(Axis(1), &[x.view(), x.view()]).unwrap();
        let strided_view = wide.slice(ndarray::s![.., 0..x.ncols()]);
        for (case, view) in [
            ("column-major input", column_major.t()),
            ("strided input", strided_view),
        ] {
            match no_panic(e.name, case, || model(view)) {
                Ok(Ok(out)) if out == reference => {}
                Ok(other) => failures.push(format!(
                    "{}, {case}: differs from contiguous ({:?})",
                    e.name,
                    other.map(|a| a.dim())
                )),
                Err(p) => failures.push(p),
            }
        }
        // Fit-time cases: an error or a finite answer.
        let mut constant = x.clone();
        constant.column_mut(0).fill(2.5);
        outcome(
            e,
            "a constant feature",
            &with(constant.clone()),
            constant.view(),
            false,
            &mut failures,
        );
        let doubled = concatenate(Axis(0), &[x.view(), x.view()]).unwrap();
        let twice = with(doubled);
        outcome(
            e,
            "every row duplicated",
            &twice,
            x.view(),
            false,
            &mut failures,
        );
        let one_row = base.select(&[0]).unwrap();
        outcome(e, "one row", &one_row, x.view(), false, &mut failures);
        // Values near 1e300 overflow when squared: refused at predict time (and by every data
        // set constructor, tested below).
        let huge = x.mapv(|v| v * 1e300);
        match no_panic(e.name, "values near 1e300 at predict", || {
            model(huge.view())
        }) {
            Ok(Err(Error::InvalidInput { .. })) => {}
            Ok(other) => failures.push(format!(
                "{}, values near 1e300 at predict: expected InvalidInput, got {:?}",
                e.name,
                other.map(|a| a.dim())
            )),
            Err(p) => failures.push(p),
        }
        let tiny = x.mapv(|v| v * 1e-9);
        outcome(
            e,
            "scale 1e-9",
            &with(tiny.clone()),
            tiny.view(),
            false,
            &mut failures,
        );
        // Shifted far from the origin: the reference is the unshifted answer.
        let shifted = x.mapv(|v| v + 1e8);
        if let Some(out) = outcome(
            e,
            "offset 1e8",
            &with(shifted.clone()),
            shifted.view(),
            false,
            &mut failures,
        ) && e.shift_invariant
        {
            let agree = agreement(&out, &reference);
            if agree < 0.9 {
                failures.push(format!(
                    "{}, offset 1e8: agrees with the unshifted fit on {agree:.2} only",
                    e.name
                ));
            }
        }
    }
    failures
}

#[test]
fn classifiers_survive_the_battery() {
    let base = blobs();
    let names: Vec<String> = base.class_names().to_vec();
    let labels = base.targets().clone();
    let with = move |x: Array2<f64>| {
        let n = x.nrows();
        let y: Array1<usize> = (0..n).map(|i| labels[i % labels.len()]).collect();
        Dataset::with_classes(x, y, names.clone())
    };
    let failures = run(classifiers(), &base, with);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // one class only: an InvalidInput error (or a model), never a panic
    let one_class = base.select(&[0, 1, 2]).unwrap();
    for e in classifiers() {
        match no_panic(e.name, "one class", || (e.fit)(&one_class)) {
            Ok(Ok(_)) | Ok(Err(Error::InvalidInput { .. })) => {}
            Ok(Err(other)) => panic!("{}, one class: {other}", e.name),
            Err(p) => panic!("{p}"),
        }
    }
}

#[test]
fn regressors_survive_the_battery() {
    let base = line();
    let y = base.targets().clone();
    let with = move |x: Array2<f64>| {
        let n = x.nrows();
        let t: Array1<f64> = (0..n).map(|i| y[i % y.len()]).collect();
        Dataset::new(x, t)
    };
    let failures = run(regressors(), &base, with);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unsupervised_estimators_survive_the_battery() {
    let base = Dataset::unlabeled(blobs().features().clone()).unwrap();
    let failures = run(unsupervised(), &base, Dataset::unlabeled);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // agglomerative clustering has no predict: its fit alone meets the cases
    for x in [
        base.features().mapv(|v| v + 1e8),
        base.features().slice(ndarray::s![..1, ..]).to_owned(),
    ] {
        let r = no_panic("agglomerative", "extreme data", || {
            Agglomerative::new(Linkage::Average).fit(&Dataset::unlabeled(x).unwrap())
        });
        assert!(matches!(r, Ok(Ok(_)) | Ok(Err(_))), "{r:?}");
    }
}

#[test]
fn features_whose_squares_overflow_are_refused() {
    let huge = blobs().features().mapv(|v| v * 1e300);
    let err = Dataset::unlabeled(huge.clone()).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    assert!(err.to_string().contains("row 0"), "{err}");
    assert!(Dataset::new(huge, Array1::<f64>::zeros(30)).is_err());
}

#[test]
fn k_larger_than_the_data_is_an_error() {
    let d = blobs().select(&[0, 1, 2, 3]).unwrap();
    assert!(matches!(
        Knn::new(5).fit(&d),
        Err(Error::InvalidInput { .. })
    ));
    let x = Dataset::unlabeled(d.features().clone()).unwrap();
    assert!(matches!(
        KMeans::new(5).fit(&x),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        Divisive::new(5).fit(&x),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        Pca::new(4).fit(&x),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn defects_found_by_reading_the_code_stay_fixed() {
    // k-means on clusters far from the origin (1e8 ± 1): the distance expansion is centred
    let far = array![
        [1e8],
        [1e8 + 0.1],
        [1e8 + 0.2],
        [1e8 + 10.0],
        [1e8 + 10.1],
        [1e8 + 10.2]
    ];
    let km = KMeans::new(2)
        .fit(&Dataset::unlabeled(far.clone()).unwrap())
        .unwrap();
    let l = &km.labels;
    assert!(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[4] == l[5] && l[0] != l[3]);
    // an RBF kernel SVM on unscaled data far from the origin
    let y = array![0, 0, 0, 1, 1, 1];
    let d = Dataset::with_classes(far.clone(), y.clone(), vec!["a".into(), "b".into()]).unwrap();
    let svm = KernelSvm::new(10.0, Kernel::gaussian(1.0)).fit(&d).unwrap();
    assert_eq!(svm.predict(far.view()).unwrap(), y);
    // a linear SVM trained for one epoch averages that epoch, not 0/0
    let one = LinearSvm {
        epochs: 1,
        ..LinearSvm::new(1.0)
    };
    let p = one.fit(&blobs()).unwrap().predict(blobs().x()).unwrap();
    assert_eq!(p.len(), 30);
    // one-vs-all probabilities of a point far from every class stay finite
    use crate::estimator::PredictProba;
    use crate::linear::MultiClass;
    let ova = LogisticRegression {
        multi_class: MultiClass::OneVsAll,
        ..LogisticRegression::new(1.0)
    }
    .fit(&blobs())
    .unwrap();
    let probs = ova.predict_proba(array![[1e5, -1e5, 1e5]].view()).unwrap();
    assert!(probs.iter().all(|v| v.is_finite()), "{probs}");
    assert!((probs.sum() - 1.0).abs() < 1e-12);
    // divisive clustering of identical points cannot make an empty cluster
    let same = Dataset::unlabeled(array![[5.0], [5.0], [5.0]]).unwrap();
    assert!(matches!(
        Divisive::new(2).fit(&same),
        Err(Error::InvalidInput { .. })
    ));
    // the one-hot encoder treats -0.0 and 0.0 as one category
    let zeros = Dataset::unlabeled(array![[-0.0], [0.0], [1.0]]).unwrap();
    let enc = OneHotEncoder::new(false).fit(&zeros).unwrap();
    assert_eq!(enc.n_columns(), 2);
    assert!(enc.transform(zeros.x()).is_ok());
    // polynomial features that overflow are an error, not inf
    let big = Dataset::unlabeled(array![[1e100]]).unwrap();
    let poly = PolynomialFeatures::new(4).fit(&big).unwrap();
    assert!(poly.transform(big.x()).is_err());
    // labels must index the class names, even when none are given
    assert!(Dataset::with_classes(array![[0.0]], array![3], vec![]).is_err());
}

#[test]
fn labels_are_names_not_table_sizes() {
    use crate::metrics::{
        Average, ConfusionMatrix, adjusted_rand_index, f1_score, silhouette_score,
    };
    use crate::selection::KFold;
    // cluster ids and class codes of any size: tables as small as the distinct labels
    let huge = array![0, usize::MAX, usize::MAX, 0];
    let ari = adjusted_rand_index(huge.view(), array![5, 7, 7, 5].view()).unwrap();
    assert!((ari - 1.0).abs() < 1e-12);
    let x = array![[0.0], [10.0], [10.1], [0.1]];
    assert!(silhouette_score(x.view(), huge.view()).unwrap() > 0.9);
    let folds = KFold::new(2, 0)
        .stratified()
        .folds(4, Some(&[0, usize::MAX, usize::MAX, 0]))
        .unwrap();
    assert_eq!(folds.len(), 2);
    // a confusion matrix indexes its rows by class: a label of 2^40 is refused, not allocated
    let err = ConfusionMatrix::new(array![0, 1 << 40].view(), array![0, 0].view()).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    // macro averages run over the classes that occur (scikit-learn), not over 0..max label
    let y = array![0, 0, 2, 2];
    assert_eq!(f1_score(y.view(), y.view(), Average::Macro).unwrap(), 1.0);
}

#[test]
fn a_named_class_absent_from_training_gets_probability_zero() {
    use crate::estimator::PredictProba;
    let iris = crate::data::iris();
    let two: Vec<usize> = (0..100).collect(); // setosa and versicolor; virginica is named only
    let d = iris.select(&two).unwrap();
    assert_eq!(d.n_classes(), 3);
    let probs = [
        GaussianNb::default()
            .fit(&d)
            .unwrap()
            .predict_proba(iris.x())
            .unwrap(),
        MultinomialNb {
            alpha: 0.0,
            ..Default::default()
        }
        .fit(&d)
        .unwrap()
        .predict_proba(iris.x())
        .unwrap(),
        BernoulliNb::default()
            .fit(&d)
            .unwrap()
            .predict_proba(iris.x())
            .unwrap(),
        Knn::new(3)
            .fit(&d)
            .unwrap()
            .predict_proba(iris.x())
            .unwrap(),
        LogisticRegression::new(1.0)
            .fit(&d)
            .unwrap()
            .predict_proba(iris.x())
            .unwrap(),
    ];
    for (i, p) in probs.iter().enumerate() {
        assert!(p.iter().all(|v| v.is_finite()), "model {i}: {}", p.row(0));
        assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-9));
    }
}

#[test]
fn an_id_like_categorical_column_is_refused_not_allocated() {
    let d = Dataset::with_classes(
        array![[0.0], [1e9], [2.0], [1.0]],
        array![0, 1, 0, 1],
        vec!["a".into(), "b".into()],
    )
    .unwrap();
    let err = CategoricalNb::default().fit(&d).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    assert!(err.to_string().contains("row 1"), "{err}");
    let fractional = Dataset::with_classes(
        array![[0.5], [1.0]],
        array![0, 1],
        vec!["a".into(), "b".into()],
    )
    .unwrap();
    assert!(matches!(
        CategoricalNb::default().fit(&fractional),
        Err(Error::InvalidInput { .. })
    ));
}
