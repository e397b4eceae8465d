//! Throughput of the classical side: fits per second of linear and logistic regression on
//! 10^4 x 10^2 and 10^5 x 10 synthetic data, lasso, k-means on 10^5 x 16, PCA on 10^4 x 256,
//! hierarchical clustering of 2000 points, ROC AUC on 10^6 scores, 5-fold CV on digits; fit
//! and predict throughput of KNN, naive Bayes, trees, ensembles and SVMs on digits and on
//! 10^5 x 10 synthetic data; fit throughput of every family by each engine (native, linfa,
//! smartcore) side by side.
//! Run: `cargo bench --bench classical`; `cargo bench --bench classical -- pca` runs only the
//! workloads whose name contains `pca`.

mod common;
mod usage;

use std::time::Instant;

use common::synthetic;
use mlnotes::bayes::GaussianNb;
use mlnotes::cluster::{Agglomerative, KMeans, Linkage};
use mlnotes::data::{self, Dataset};
use mlnotes::engine::Engine;
use mlnotes::ensemble::{AdaBoost, Bagging, GradientBoosting, RandomForest};
use mlnotes::estimator::{Fit, Predict};
use mlnotes::knn::Knn;
use mlnotes::linear::{Lasso, LinearRegression, LogisticRegression};
use mlnotes::metrics;
use mlnotes::pca::Pca;
use mlnotes::rl::{CartPole, Dqn, Estimator, PolicyGradient};
use mlnotes::selection::{self, KFold};
use mlnotes::svm::{Gamma, Kernel, KernelSvm, LinearSvm};
use mlnotes::tree::DecisionTree;
use ndarray::Array1;
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

/// The workload filter: the first argument that is not a flag.
fn wanted(name: &str) -> bool {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .is_none_or(|f| name.contains(&f))
}

/// Measures `f` (runs per second times `scale`) and prints it, if the filter wants `name`.
fn bench(name: &str, unit: &str, scale: f64, min_secs: f64, f: impl FnMut()) {
    if wanted(name) {
        println!(
            "{name:<56} {:>12.3} {unit}",
            per_second(min_secs, f) * scale
        );
    }
}

fn main() {
    usage::help_if_asked(
        "Throughput of the classical models: fits (and predictions) per second of every family, \
         and of each engine (native, linfa, smartcore) side by side.",
        "cargo bench --bench classical [-- FILTER]\n\
         \x20 FILTER: run only the workloads whose name contains it",
    );
    mlnotes::memory::keep_freed_memory();
    println!("{:<56} {:>12}", "workload", "throughput");
    for (n, p) in [(10_000, 100), (100_000, 10)] {
        let (reg, cls) = synthetic(n, p, 1);
        bench(
            &format!("linear regression (normal eq.) {n}x{p}"),
            "fits/s",
            1.0,
            1.0,
            || {
                LinearRegression::new().fit(&reg).unwrap();
            },
        );
        bench(
            &format!("logistic regression (L-BFGS) {n}x{p}"),
            "fits/s",
            1.0,
            1.0,
            || {
                LogisticRegression::default().fit(&cls).unwrap();
            },
        );
    }
    let (reg, _) = synthetic(10_000, 100, 3);
    bench(
        "lasso (coordinate descent) 10000x100",
        "fits/s",
        1.0,
        1.0,
        || {
            Lasso::new(0.01).fit(&reg).unwrap();
        },
    );
    let (blobs, _) = synthetic(100_000, 16, 4);
    bench(
        "k-means (k=8, k-means++, 1 restart) 100000x16",
        "fits/s",
        1.0,
        2.0,
        || {
            KMeans {
                n_restarts: 1,
                ..KMeans::new(8)
            }
            .fit(&blobs)
            .unwrap();
        },
    );
    let (wide, _) = synthetic(10_000, 256, 5);
    bench(
        "PCA (32 of 256 components) 10000x256",
        "fits/s",
        1.0,
        2.0,
        || {
            Pca::new(32).fit(&wide).unwrap();
        },
    );
    let (pts, _) = synthetic(2_000, 8, 6);
    bench(
        "agglomerative (average linkage) 2000x8",
        "fits/s",
        1.0,
        2.0,
        || {
            Agglomerative::new(Linkage::Average).fit(&pts).unwrap();
        },
    );
    let mut rng = StdRng::seed_from_u64(2);
    let scores = Array1::from_shape_fn(1_000_000, |_| rng.random::<f64>());
    let labels = scores.mapv(|s| usize::from(s + rng.random_range(-0.3..0.3) > 0.5));
    bench(
        "ROC AUC (sort + sweep) on 10^6 scores",
        "M scores/s",
        1.0,
        1.0,
        || {
            metrics::roc_auc(labels.view(), scores.view(), 1).unwrap();
        },
    );
    let digits = data::digits();
    let folds = KFold::new(5, 0)
        .stratified()
        .folds(digits.n_samples(), Some(&digits.targets().to_vec()))
        .unwrap();
    bench(
        "5-fold CV, logistic regression, digits",
        "runs/s",
        1.0,
        2.0,
        || {
            selection::cross_val_score(
                &LogisticRegression::default(),
                &digits,
                &folds,
                metrics::accuracy,
            )
            .unwrap();
        },
    );
    logistic_on_wine_quality();
    supervised_families();
    engines();
    reinforcement();
}

/// Softmax logistic regression (standardised, λ = 1) on each of 10 stratified folds of wine
/// quality (six imbalanced classes), the workload where scikit-learn's default once led; the
/// arrays are written to the temporary folder for `benches/sklearn_engines.py`.
fn logistic_on_wine_quality() {
    let wine = data::wine();
    let mut csv = String::new();
    for (row, y) in wine.features().rows().into_iter().zip(wine.targets()) {
        let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        csv += &format!("{},{y}\n", cells.join(","));
    }
    let _ = std::fs::write(std::env::temp_dir().join("mlnotes-winequality.csv"), csv);
    let folds = KFold::new(10, 0)
        .stratified()
        .folds(wine.n_samples(), Some(&wine.targets().to_vec()))
        .unwrap();
    let sklearn_like = mlnotes::optim::Solver::Lbfgs(mlnotes::optim::Lbfgs {
        memory: 10,
        max_iter: 100,
        tol: 1e-4,
    });
    for (stopping, solver) in [
        ("gradient norm 1e-8", mlnotes::optim::Solver::default()),
        ("gradient norm 1e-4, 100 iterations", sklearn_like),
    ] {
        let model = mlnotes::preprocess::Scaled::standardized(
            LogisticRegression::new(1.0).with_solver(solver),
        );
        let mut accuracy = 0.0;
        let runs = per_second(2.0, || {
            let scores =
                selection::cross_val_score(&model, &wine, &folds, metrics::accuracy).unwrap();
            accuracy = scores.iter().sum::<f64>() / scores.len() as f64;
        });
        println!(
            "{:<56} {:>12.1} ms per fold (accuracy {accuracy:.4})",
            format!("logistic regression, wine quality, 10-fold CV, {stopping}"),
            1000.0 / (runs * 10.0)
        );
    }
}

/// Fits per second of one family by each engine that implements it, side by side (a dash
/// where the engine does not implement the family).
fn engines_row<T: mlnotes::data::Target, P: Fit<T>>(
    name: &str,
    data: &Dataset<T>,
    min_secs: f64,
    params: impl Fn(Engine) -> Option<P>,
) {
    let name = format!("engines: {name} {}x{}", data.n_samples(), data.n_features());
    if !wanted(&name) {
        return;
    }
    let cells: Vec<String> = Engine::ALL
        .iter()
        .map(|&e| {
            params(e).map_or("-".into(), |p| {
                format!(
                    "{:.3}",
                    per_second(min_secs, || {
                        p.fit(data).unwrap();
                    })
                )
            })
        })
        .collect();
    println!(
        "{name:<56} fits/s  native {}  linfa {}  smartcore {}",
        cells[0], cells[1], cells[2]
    );
}

fn engines() {
    let (reg, cls) = synthetic(10_000, 100, 11);
    let all = |e: Engine| Some(e);
    let native_linfa = |e: Engine| (e != Engine::Smartcore).then_some(e);
    engines_row("least squares", &reg, 1.0, |e| {
        all(e).map(|e| LinearRegression::new().with_engine(e))
    });
    engines_row("ridge (λ = 1)", &reg, 1.0, |e| {
        all(e).map(|e| LinearRegression::ridge(1.0).with_engine(e))
    });
    engines_row("lasso (α = 0.01)", &reg, 1.0, |e| {
        all(e).map(|e| Lasso::new(0.01).with_engine(e))
    });
    engines_row("logistic regression", &cls, 1.0, |e| {
        all(e).map(|e| LogisticRegression::default().with_engine(e))
    });
    let (blobs, _) = synthetic(100_000, 16, 4);
    engines_row("k-means (k=8, 1 restart)", &blobs, 2.0, |e| {
        native_linfa(e).map(|e| {
            KMeans {
                n_restarts: 1,
                ..KMeans::new(8)
            }
            .with_engine(e)
        })
    });
    let (wide, _) = synthetic(10_000, 256, 5);
    engines_row("PCA (32 components)", &wide, 2.0, |e| {
        all(e).map(|e| Pca::new(32).with_engine(e))
    });
    let digits = data::digits();
    for d in [&digits, &synthetic(100_000, 10, 7).1] {
        engines_row("Gaussian naive Bayes", d, 1.0, |e| {
            all(e).map(|e| GaussianNb::default().with_engine(e))
        });
        engines_row("decision tree (CART)", d, 1.0, |e| {
            all(e).map(|e| DecisionTree::cart().with_engine(e))
        });
        engines_row("AdaBoost (50 stumps)", d, 1.0, |e| {
            native_linfa(e).map(|e| AdaBoost::new(50).with_engine(e))
        });
        engines_row("5-NN (fit + predict itself)", d, 1.0, |e| {
            all(e).map(|e| KnnFitPredict(Knn::new(5).with_engine(e)))
        });
    }
    let native_smartcore = |e: Engine| (e != Engine::Linfa).then_some(e);
    engines_row("random forest (100 trees)", &digits, 2.0, |e| {
        all(e).map(|e| RandomForest::new(100).with_engine(e))
    });
    let (small_reg, _) = synthetic(10_000, 10, 12);
    engines_row("gradient boosting (100 x depth 3)", &small_reg, 2.0, |e| {
        native_smartcore(e).map(|e| GradientBoosting::new(100).with_engine(e))
    });
    engines_row("RBF SVM", &digits, 1.0, |e| {
        all(e).map(|e| KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)).with_engine(e))
    });
}

/// KNN's fit only stores the rows: its throughput is fit plus predicting the training rows.
struct KnnFitPredict(Knn);

impl mlnotes::estimator::Params for KnnFitPredict {
    fn check(&self) -> mlnotes::Result<()> {
        self.0.check()
    }
}

impl mlnotes::estimator::FitChecked<usize> for KnnFitPredict {
    type Model = Array1<usize>;

    fn fit_checked(
        &self,
        data: mlnotes::estimator::Checked<'_, usize, Self>,
    ) -> mlnotes::Result<Array1<usize>> {
        self.0.fit(data.data())?.predict(data.x())
    }
}

/// Fits per second and predicted rows per second of one model on one data set.
fn fit_predict<P: Fit<usize, Model: Predict<usize>>>(name: &str, params: &P, data: &Dataset) {
    let name = format!("{name} {}x{}", data.n_samples(), data.n_features());
    if !wanted(&name) {
        return;
    }
    bench(&format!("{name}, fit"), "fits/s", 1.0, 1.0, || {
        params.fit(data).unwrap();
    });
    let model = params.fit(data).unwrap();
    bench(
        &format!("{name}, predict"),
        "rows/s",
        data.n_samples() as f64,
        1.0,
        || {
            model.predict(data.x()).unwrap();
        },
    );
}

fn supervised_families() {
    let digits = data::digits();
    let (_, big) = synthetic(100_000, 10, 7);
    for d in [&digits, &big] {
        fit_predict("Gaussian naive Bayes", &GaussianNb::default(), d);
        fit_predict("decision tree (CART)", &DecisionTree::cart(), d);
        fit_predict("random forest (100 trees)", &Bagging::random_forest(100), d);
        fit_predict("AdaBoost (50 stumps)", &AdaBoost::new(50), d);
        fit_predict(
            "gradient boosting (100 x depth 3)",
            &GradientBoosting::new(100),
            d,
        );
        fit_predict("linear SVM (SGD, 100 epochs)", &LinearSvm::new(1.0), d);
    }
    let rbf = KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale));
    fit_predict("RBF SVM (SMO)", &rbf, &digits);
    fit_predict("RBF SVM (SMO)", &rbf, &synthetic(10_000, 10, 8).1);
    let queries = big.select(&(0..2_000).collect::<Vec<_>>()).unwrap();
    let knn = Knn::new(5).fit(&big).unwrap();
    bench(
        "5-NN (k-d tree), 2000 queries against 100000x10",
        "rows/s",
        2_000.0,
        1.0,
        || {
            knn.predict(queries.x()).unwrap();
        },
    );
    let knn = Knn::new(5).fit(&digits).unwrap();
    bench(
        "5-NN (brute force), digits against itself",
        "rows/s",
        digits.n_samples() as f64,
        1.0,
        || {
            knn.predict(digits.x()).unwrap();
        },
    );
}

fn reinforcement() {
    let mut rng = StdRng::seed_from_u64(9);
    let mut env = CartPole::reset(&mut rng);
    bench(
        "CartPole-v1 environment steps (random actions)",
        "steps/s",
        1_000.0,
        1.0,
        || {
            for _ in 0..1_000 {
                let a = rng.random_range(0..2);
                let s = env.step(a).unwrap();
                if s.terminated || s.truncated {
                    env = CartPole::reset(&mut rng);
                }
            }
        },
    );
    let device = burn::tensor::Device::default();
    for estimator in [Estimator::RewardsToGo, Estimator::Baseline] {
        let params = PolicyGradient {
            batch_steps: 2_000,
            ..PolicyGradient::new(estimator, 3)
        };
        bench(
            &format!("REINFORCE ({estimator:?}), 3 iterations x 2000 steps"),
            "env steps/s",
            6_000.0,
            2.0,
            || {
                params.fit(&device, |_| {}).unwrap();
            },
        );
    }
    let dqn = Dqn {
        learning_starts: 500,
        eval_every: 1_000_000,
        ..Dqn::new(5_000)
    };
    bench(
        "DQN, 5000 steps (gradient step every 10, batch 128)",
        "env steps/s",
        5_000.0,
        2.0,
        || {
            dqn.fit(&device, |_| {}).unwrap();
        },
    );
}
