//! Throughput of the classical side: fits per second of linear and logistic regression on
//! 10^4 x 10^2 and 10^5 x 10 synthetic data, lasso, k-means on 10^5 x 16, PCA on 10^4 x 256,
//! hierarchical clustering of 2000 points, ROC AUC on 10^6 scores, 5-fold CV on digits; fit
//! and predict throughput of KNN, naive Bayes, trees, ensembles and SVMs on digits and on
//! 10^5 x 10 synthetic data.
//! Run: `cargo bench --bench classical`.

use std::time::Instant;

use mlnotes::bayes::GaussianNb;
use mlnotes::cluster::{Agglomerative, KMeans, Linkage};
use mlnotes::data::{self, Dataset};
use mlnotes::ensemble::{AdaBoost, Bagging, GradientBoosting};
use mlnotes::estimator::{Fit, Predict};
use mlnotes::knn::Knn;
use mlnotes::linear::{Lasso, LinearRegression, LogisticRegression};
use mlnotes::metrics;
use mlnotes::pca::Pca;
use mlnotes::selection::{self, KFold};
use mlnotes::svm::{Gamma, Kernel, KernelSvm, LinearSvm};
use mlnotes::tree::DecisionTree;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Run `f` until at least `min_secs` have passed (and at least once); return runs per second.
fn per_second(min_secs: f64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u32;
    while n == 0 || start.elapsed().as_secs_f64() < min_secs {
        f();
        n += 1;
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

fn synthetic(n: usize, p: usize, seed: u64) -> (Dataset<f64>, Dataset<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, p), |_| rng.random_range(-1.0..1.0));
    let w = Array1::from_shape_fn(p, |_| rng.random_range(-1.0..1.0));
    let score = x.dot(&w);
    let y_reg = score.mapv(|s| s + 0.1 * rng.random_range(-1.0..1.0));
    let y_cls = score.mapv(|s| usize::from(s > 0.0));
    (
        Dataset::new(x.clone(), y_reg).unwrap(),
        Dataset::classification(x, y_cls).unwrap(),
    )
}

fn main() {
    println!("{:<48} {:>14}", "workload", "throughput");
    for (n, p) in [(10_000, 100), (100_000, 10)] {
        let (reg, cls) = synthetic(n, p, 1);
        let lin = per_second(1.0, || {
            LinearRegression::new().fit(&reg).unwrap();
        });
        println!(
            "{:<48} {:>10.1} fits/s",
            format!("linear regression (normal eq.) {n}x{p}"),
            lin
        );
        let log = per_second(1.0, || {
            LogisticRegression::default().fit(&cls).unwrap();
        });
        println!(
            "{:<48} {:>10.2} fits/s",
            format!("logistic regression (L-BFGS) {n}x{p}"),
            log
        );
    }
    let (reg, _) = synthetic(10_000, 100, 3);
    let lasso = per_second(1.0, || {
        Lasso::new(0.01).fit(&reg).unwrap();
    });
    println!(
        "{:<48} {:>10.2} fits/s",
        "lasso (coordinate descent) 10000x100", lasso
    );
    let (blobs, _) = synthetic(100_000, 16, 4);
    let km = per_second(2.0, || {
        KMeans {
            n_restarts: 1,
            ..KMeans::new(8)
        }
        .fit(blobs.x())
        .unwrap();
    });
    println!(
        "{:<48} {:>10.2} fits/s",
        "k-means (k=8, k-means++, 1 restart) 100000x16", km
    );
    let (wide, _) = synthetic(10_000, 256, 5);
    let pca = per_second(2.0, || {
        Pca::new(32).fit(wide.x()).unwrap();
    });
    println!(
        "{:<48} {:>10.2} fits/s",
        "PCA (32 of 256 components) 10000x256", pca
    );
    let (pts, _) = synthetic(2_000, 8, 6);
    let hc = per_second(2.0, || {
        Agglomerative::new(Linkage::Average).fit(pts.x()).unwrap();
    });
    println!(
        "{:<48} {:>10.2} fits/s",
        "agglomerative (average linkage) 2000x8", hc
    );
    let mut rng = StdRng::seed_from_u64(2);
    let scores = Array1::from_shape_fn(1_000_000, |_| rng.random::<f64>());
    let labels = scores.mapv(|s| usize::from(s + rng.random_range(-0.3..0.3) > 0.5));
    let auc = per_second(1.0, || {
        metrics::roc_auc(labels.view(), scores.view(), 1).unwrap();
    });
    println!(
        "{:<48} {:>10.2} M scores/s",
        "ROC AUC (sort + sweep) on 10^6 scores", auc
    );
    let digits = data::digits();
    let folds = KFold::new(5, 0)
        .stratified()
        .folds(digits.n_samples(), Some(&digits.targets.to_vec()))
        .unwrap();
    let cv = per_second(2.0, || {
        selection::cross_val_score(
            &LogisticRegression::default(),
            &digits,
            &folds,
            metrics::accuracy,
        )
        .unwrap();
    });
    println!(
        "{:<48} {:>10.3} runs/s",
        "5-fold CV, logistic regression, digits", cv
    );
    supervised_families();
}

/// Fits per second and predicted rows per second of one model on one data set.
fn fit_predict<P: Fit<usize>>(name: &str, params: &P, data: &Dataset, min_secs: f64) {
    let fits = per_second(min_secs, || {
        params.fit(data).unwrap();
    });
    let model = params.fit(data).unwrap();
    let predicts = per_second(min_secs, || {
        model.predict(data.x()).unwrap();
    });
    println!(
        "{:<48} {:>10.3} fits/s {:>12.0} predictions/s",
        format!("{name} {}x{}", data.n_samples(), data.n_features()),
        fits,
        predicts * data.n_samples() as f64
    );
}

fn supervised_families() {
    let digits = data::digits();
    let (_, big) = synthetic(100_000, 10, 7);
    let knn_queries = big.select(&(0..2_000).collect::<Vec<_>>()).unwrap();
    for d in [&digits, &big] {
        fit_predict("Gaussian naive Bayes", &GaussianNb::default(), d, 1.0);
        fit_predict("decision tree (CART)", &DecisionTree::cart(), d, 1.0);
        fit_predict(
            "random forest (100 trees)",
            &Bagging::random_forest(100),
            d,
            1.0,
        );
        fit_predict("AdaBoost (50 stumps)", &AdaBoost::new(50), d, 1.0);
        fit_predict(
            "gradient boosting (100 x depth 3)",
            &GradientBoosting::new(100),
            d,
            1.0,
        );
        fit_predict("linear SVM (SGD, 100 epochs)", &LinearSvm::new(1.0), d, 1.0);
    }
    fit_predict(
        "RBF SVM (SMO)",
        &KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)),
        &digits,
        1.0,
    );
    let (_, mid) = synthetic(10_000, 10, 8);
    fit_predict(
        "RBF SVM (SMO)",
        &KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)),
        &mid,
        1.0,
    );
    let knn = Knn::new(5).fit(&big).unwrap();
    let q = per_second(1.0, || {
        knn.predict(knn_queries.x()).unwrap();
    });
    println!(
        "{:<48} {:>12.0} predictions/s",
        "5-NN, 2000 queries against 100000x10",
        q * 2_000.0
    );
    let knn = Knn::new(5).fit(&digits).unwrap();
    let q = per_second(1.0, || {
        knn.predict(digits.x()).unwrap();
    });
    println!(
        "{:<48} {:>12.0} predictions/s",
        "5-NN, digits against itself (1797x64)",
        q * digits.n_samples() as f64
    );
}
