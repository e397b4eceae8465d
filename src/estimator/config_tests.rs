//! Every hyperparameter of every estimator, set out of range, is refused by `fit` before any
//! work with `Error::Config` naming exactly that parameter.

use crate::Error;
use crate::bayes::{BernoulliNb, BinnedNb, CategoricalNb, GaussianNb, MultinomialNb};
use crate::cluster::{Divisive, KMeans};
use crate::data::{self, Dataset, Target};
use crate::engine::Engine;
use crate::ensemble::{AdaBoost, Bagging, GradientBoosting};
use crate::estimator::Fit;
use crate::knn::Knn;
use crate::linear::{Lasso, LinearRegression, LogisticRegression};
use crate::optim::{Batching, Bfgs, GradientDescent, Lbfgs, Newton, Solver, Update};
use crate::pca::{Components, Pca};
use crate::preprocess::{Binning, BinningStrategy, PolynomialFeatures, Scaled};
use crate::svm::{Gamma, Kernel, KernelSvm, LinearSvm};
use crate::tree::{Criterion, DecisionTree, MaxFeatures};

/// `fit` fails with `Error::Config { param, .. }` for exactly `param`.
#[track_caller]
fn refuses<T: Target, P: Fit<T>>(params: P, data: &Dataset<T>, param: &str) {
    match params.fit(data) {
        Err(Error::Config { param: got, .. }) => assert_eq!(got, param),
        Err(e) => panic!("expected a config error for `{param}`, got {e}"),
        Ok(_) => panic!("expected a config error for `{param}`, got a model"),
    }
}

fn classes() -> Dataset {
    data::iris()
}

fn values() -> Dataset<f64> {
    data::diabetes()
}

fn features() -> Dataset<()> {
    Dataset::unlabeled(data::iris().into_parts().0).unwrap()
}

#[test]
fn naive_bayes() {
    let d = classes();
    refuses(
        GaussianNb {
            var_smoothing: -1.0,
            ..Default::default()
        },
        &d,
        "var_smoothing",
    );
    refuses(
        CategoricalNb {
            alpha: f64::NAN,
            ..Default::default()
        },
        &d,
        "alpha",
    );
    refuses(
        MultinomialNb {
            alpha: -0.5,
            ..Default::default()
        },
        &d,
        "alpha",
    );
    // the linfa engine needs smoothing; smartcore does not run these models
    refuses(
        MultinomialNb {
            alpha: 0.0,
            engine: Engine::Linfa,
        },
        &d,
        "alpha",
    );
    refuses(
        BernoulliNb::default().with_engine(Engine::Smartcore),
        &d,
        "engine",
    );
    refuses(
        BernoulliNb {
            alpha: -1.0,
            threshold: 0.0,
            ..Default::default()
        },
        &d,
        "alpha",
    );
    refuses(
        BernoulliNb {
            alpha: 1.0,
            threshold: f64::NAN,
            ..Default::default()
        },
        &d,
        "threshold",
    );
    refuses(
        BinnedNb {
            alpha: -1.0,
            ..BinnedNb::default()
        },
        &d,
        "alpha",
    );
    let binning = Binning::new(1, BinningStrategy::Quantile);
    refuses(
        BinnedNb {
            binning,
            ..BinnedNb::default()
        },
        &d,
        "n_bins",
    );
}

#[test]
fn knn_and_linear_models() {
    let (c, v) = (classes(), values());
    refuses(Knn::new(0), &c, "k");
    refuses(Knn::new(0), &v, "k");
    refuses(LinearRegression::ridge(-1.0), &v, "l2");
    refuses(Lasso::new(-1.0), &v, "alpha");
    refuses(
        Lasso {
            max_sweeps: 0,
            ..Lasso::new(1.0)
        },
        &v,
        "max_sweeps",
    );
    refuses(
        Lasso {
            tol: 0.0,
            ..Lasso::new(1.0)
        },
        &v,
        "tol",
    );
    refuses(LogisticRegression::new(f64::INFINITY), &c, "l2");
}

#[test]
fn solvers() {
    let c = classes();
    let with = |solver| LogisticRegression::new(1.0).with_solver(solver);
    let gd = GradientDescent::default();
    let bad_gd = [
        (
            GradientDescent {
                learning_rate: 0.0,
                ..gd
            },
            "learning_rate",
        ),
        (GradientDescent { decay: -1.0, ..gd }, "decay"),
        (
            GradientDescent {
                max_epochs: 0,
                ..gd
            },
            "max_epochs",
        ),
        (GradientDescent { tol: -1.0, ..gd }, "tol"),
        (
            GradientDescent {
                batching: Batching::MiniBatch(0),
                ..gd
            },
            "batching",
        ),
        (
            GradientDescent {
                update: Update::Momentum { beta: 1.0 },
                ..gd
            },
            "beta",
        ),
        (
            GradientDescent {
                update: Update::Adam {
                    beta1: 1.5,
                    beta2: 0.9,
                    epsilon: 1e-8,
                },
                ..gd
            },
            "beta1",
        ),
        (
            GradientDescent {
                update: Update::Adam {
                    beta1: 0.9,
                    beta2: -0.1,
                    epsilon: 1e-8,
                },
                ..gd
            },
            "beta2",
        ),
        (
            GradientDescent {
                update: Update::Adam {
                    beta1: 0.9,
                    beta2: 0.999,
                    epsilon: 0.0,
                },
                ..gd
            },
            "epsilon",
        ),
    ];
    for (s, param) in bad_gd {
        refuses(with(Solver::GradientDescent(s)), &c, param);
    }
    let l = Lbfgs::default();
    refuses(with(Solver::Lbfgs(Lbfgs { memory: 0, ..l })), &c, "memory");
    refuses(
        with(Solver::Lbfgs(Lbfgs { max_iter: 0, ..l })),
        &c,
        "max_iter",
    );
    refuses(with(Solver::Lbfgs(Lbfgs { tol: 0.0, ..l })), &c, "tol");
    let b = Bfgs::default();
    refuses(
        with(Solver::Bfgs(Bfgs { max_iter: 0, ..b })),
        &c,
        "max_iter",
    );
    refuses(with(Solver::Bfgs(Bfgs { tol: -1.0, ..b })), &c, "tol");
    let n = Newton::default();
    refuses(
        with(Solver::Newton(Newton { max_iter: 0, ..n })),
        &c,
        "max_iter",
    );
    refuses(
        with(Solver::Newton(Newton { tol: f64::NAN, ..n })),
        &c,
        "tol",
    );
    let v = values();
    let ridge_gd = LinearRegression {
        solver: Some(Solver::GradientDescent(GradientDescent {
            learning_rate: -1.0,
            ..gd
        })),
        ..LinearRegression::new()
    };
    refuses(ridge_gd, &v, "learning_rate");
}

#[test]
fn svms() {
    let c = classes();
    refuses(LinearSvm::new(0.0), &c, "c");
    refuses(
        LinearSvm {
            epochs: 0,
            ..LinearSvm::new(1.0)
        },
        &c,
        "epochs",
    );
    let k = KernelSvm::new(1.0, Kernel::Linear);
    refuses(KernelSvm { c: -1.0, ..k }, &c, "c");
    refuses(KernelSvm { tol: 0.0, ..k }, &c, "tol");
    refuses(KernelSvm { max_iter: 0, ..k }, &c, "max_iter");
    refuses(
        KernelSvm {
            kernel: Kernel::Rbf(Gamma::Value(-1.0)),
            ..k
        },
        &c,
        "gamma",
    );
    refuses(
        KernelSvm {
            kernel: Kernel::gaussian(-1.0),
            ..k
        },
        &c,
        "sigma",
    );
}

#[test]
fn trees_and_ensembles() {
    let (c, v) = (classes(), values());
    let t = DecisionTree::cart();
    refuses(
        DecisionTree {
            max_depth: Some(0),
            ..t.clone()
        },
        &c,
        "max_depth",
    );
    refuses(
        DecisionTree {
            min_samples_split: 1,
            ..t.clone()
        },
        &c,
        "min_samples_split",
    );
    refuses(
        DecisionTree {
            min_samples_leaf: 0,
            ..t.clone()
        },
        &c,
        "min_samples_leaf",
    );
    refuses(
        DecisionTree {
            min_impurity_decrease: -1.0,
            ..t.clone()
        },
        &c,
        "min_impurity_decrease",
    );
    refuses(
        DecisionTree {
            ccp_alpha: f64::NAN,
            ..t.clone()
        },
        &c,
        "ccp_alpha",
    );
    refuses(
        DecisionTree {
            max_features: MaxFeatures::Count(0),
            ..t.clone()
        },
        &c,
        "max_features",
    );
    refuses(
        DecisionTree {
            max_features: MaxFeatures::Fraction(1.5),
            ..t.clone()
        },
        &c,
        "max_features",
    );
    refuses(
        DecisionTree {
            categorical: vec![9],
            ..t.clone()
        },
        &c,
        "categorical",
    );
    refuses(DecisionTree::new(Criterion::Gini), &v, "criterion");

    refuses(Bagging::new(t.clone(), 0), &c, "n_estimators");
    refuses(
        Bagging {
            max_samples: 0.0,
            ..Bagging::new(t.clone(), 3)
        },
        &c,
        "max_samples",
    );
    refuses(
        Bagging::new(
            DecisionTree {
                max_depth: Some(0),
                ..t.clone()
            },
            3,
        ),
        &c,
        "max_depth",
    );
    refuses(Bagging::new(Knn::new(0), 3), &c, "k");

    refuses(
        AdaBoost {
            n_estimators: 0,
            ..AdaBoost::new(3)
        },
        &c,
        "n_estimators",
    );
    refuses(
        AdaBoost {
            learning_rate: 0.0,
            ..AdaBoost::new(3)
        },
        &c,
        "learning_rate",
    );

    let g = GradientBoosting::new(3);
    refuses(
        GradientBoosting {
            n_estimators: 0,
            ..g.clone()
        },
        &v,
        "n_estimators",
    );
    refuses(
        GradientBoosting {
            learning_rate: -1.0,
            ..g.clone()
        },
        &v,
        "learning_rate",
    );
    refuses(
        GradientBoosting {
            subsample: 0.0,
            ..g.clone()
        },
        &v,
        "subsample",
    );
    refuses(
        GradientBoosting {
            subsample: 1.5,
            ..g.clone()
        },
        &c,
        "subsample",
    );
    refuses(
        GradientBoosting {
            tree: DecisionTree::cart(),
            ..g.clone()
        },
        &v,
        "tree",
    );
    let wrong_categorical = DecisionTree {
        categorical: vec![99],
        ..DecisionTree::regression()
    };
    refuses(
        GradientBoosting {
            tree: wrong_categorical,
            ..g
        },
        &c,
        "categorical",
    );

    refuses(Scaled::standardized(Knn::new(0)), &c, "k");
}

#[test]
fn unsupervised_and_transformers() {
    let x = features();
    refuses(KMeans::new(0), &x, "k");
    refuses(
        KMeans {
            n_restarts: 0,
            ..KMeans::new(3)
        },
        &x,
        "n_restarts",
    );
    refuses(
        KMeans {
            max_iter: 0,
            ..KMeans::new(3)
        },
        &x,
        "max_iter",
    );
    refuses(
        KMeans {
            tol: -1.0,
            ..KMeans::new(3)
        },
        &x,
        "tol",
    );
    refuses(Divisive::new(0), &x, "k");
    refuses(Pca::new(0), &x, "components");
    refuses(
        Pca {
            components: Components::VarianceRetained(1.5),
            ..Pca::default()
        },
        &x,
        "components",
    );
    refuses(Binning::new(1, BinningStrategy::EqualWidth), &x, "n_bins");
    refuses(PolynomialFeatures::new(0), &x, "degree");
    refuses(PolynomialFeatures::new(1000), &x, "degree");
    refuses(
        Binning::new(usize::MAX, BinningStrategy::EqualWidth),
        &x,
        "n_bins",
    );
}

#[test]
fn gaussian_process() {
    use crate::selection::GaussianProcess;
    let v = values();
    let gp = GaussianProcess::default();
    refuses(
        GaussianProcess {
            length_scales: vec![],
            ..gp.clone()
        },
        &v,
        "length_scales",
    );
    refuses(
        GaussianProcess {
            length_scales: vec![0.1, -1.0],
            ..gp.clone()
        },
        &v,
        "length_scales",
    );
    refuses(GaussianProcess { noise: 0.0, ..gp }, &v, "noise");
}

#[test]
fn messages_are_short() {
    let err = GradientBoosting {
        subsample: 0.0,
        ..GradientBoosting::new(3)
    }
    .fit(&values())
    .unwrap_err()
    .to_string();
    assert!(err.len() < 120, "{err}");
}
