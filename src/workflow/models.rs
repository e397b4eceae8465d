//! The models the command line offers by name: one enum of hyperparameters per task, each
//! variant a library estimator, so that cross-validation, search and persistence treat a
//! named model as any other estimator. The serde form of a variant is
//! `{"model": "<name>", "params": {...}}`, and its fitted form
//! `{"model": "<name>", "fitted": {...}}`.

use ndarray::{Array1, Array2, ArrayView2};

use crate::bayes::GaussianNb;
use crate::ensemble::{AdaBoost, GradientBoosting, RandomForest};
use crate::estimator::{Checked, Fit, FitChecked, Params, Predict, PredictProba};
use crate::knn::Knn;
use crate::linear::{Lasso, LinearRegression, LogisticRegression};
use crate::svm::{Gamma, Kernel, KernelSvm, LinearSvm};
use crate::tree::DecisionTree;
use crate::{Error, Result};

/// A fitted classifier's probabilities, or an error saying that the model gives none.
trait Probabilities {
    fn probabilities(&self, x: ArrayView2<f64>, model: &str) -> Result<Array2<f64>>;
}

/// Fitted types with class probabilities.
macro_rules! with_proba {
    ($($ty:ty),*) => {$(
        impl Probabilities for $ty {
            fn probabilities(&self, x: ArrayView2<f64>, _model: &str) -> Result<Array2<f64>> {
                self.predict_proba(x)
            }
        }
    )*};
}

/// Fitted types without class probabilities.
macro_rules! without_proba {
    ($($ty:ty),*) => {$(
        impl Probabilities for $ty {
            fn probabilities(&self, _x: ArrayView2<f64>, model: &str) -> Result<Array2<f64>> {
                Err(Error::invalid(format!(
                    "model '{model}' gives predictions, not class probabilities"
                )))
            }
        }
    )*};
}

with_proba!(
    crate::linear::FittedLogistic,
    crate::knn::FittedKnn<usize>,
    crate::bayes::FittedNb,
    crate::tree::FittedTree<usize>,
    crate::ensemble::FittedBagging<crate::tree::FittedTree<usize>>,
    crate::ensemble::FittedAdaBoost,
    crate::ensemble::FittedGradientBoosting<usize>
);
without_proba!(
    crate::svm::FittedKernelSvm,
    crate::svm::FittedLinearSvm,
    crate::linear::FittedLinear,
    crate::linear::FittedLasso,
    crate::knn::FittedKnn<f64>,
    crate::tree::FittedTree<f64>,
    crate::ensemble::FittedBagging<crate::tree::FittedTree<f64>>,
    crate::ensemble::FittedGradientBoosting<f64>
);

/// One enum of named models for a target type, its fitted enum, and the estimator traits
/// dispatched to the variants.
macro_rules! catalog {
    (
        $(#[$doc:meta])* $name:ident, $fitted:ident, $target:ty,
        [$($variant:ident($params:ty) = $model:literal, $about:literal, $default:expr;)*]
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "model", content = "params")]
        pub enum $name {
            $(
                #[doc = $about]
                #[serde(rename = $model)]
                $variant($params),
            )*
        }

        #[doc = concat!("A fitted [`", stringify!($name), "`].")]
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "model", content = "fitted")]
        #[allow(clippy::large_enum_variant)]
        pub enum $fitted {
            $(
                #[doc = $about]
                #[serde(rename = $model)]
                $variant(<$params as FitChecked<$target>>::Model),
            )*
        }

        impl $name {
            /// Every model with its default hyperparameters, and a line about it.
            pub fn defaults() -> Vec<(Self, &'static str)> {
                vec![$(($name::$variant($default), $about),)*]
            }

            /// The model's name, as the command line spells it.
            pub fn name(&self) -> &'static str {
                match self {
                    $($name::$variant(_) => $model,)*
                }
            }
        }

        impl $fitted {
            /// The model's name, as the command line spells it.
            pub fn name(&self) -> &'static str {
                match self {
                    $($fitted::$variant(_) => $model,)*
                }
            }
        }

        impl PredictProba for $fitted {
            /// Class probabilities, or an error naming a model that gives none.
            fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
                let name = self.name();
                match self {
                    $($fitted::$variant(m) => m.probabilities(x, name),)*
                }
            }
        }

        impl Params for $name {
            fn check(&self) -> Result<()> {
                match self {
                    $($name::$variant(p) => p.check(),)*
                }
            }
        }

        impl FitChecked<$target> for $name {
            type Model = $fitted;

            fn fit_checked(&self, data: Checked<'_, $target, Self>) -> Result<$fitted> {
                match self {
                    $($name::$variant(p) => Ok($fitted::$variant(p.fit(data.data())?)),)*
                }
            }
        }

        impl Predict<$target> for $fitted {
            fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<$target>> {
                match self {
                    $($fitted::$variant(m) => m.predict(x),)*
                }
            }
        }
    };
}

catalog!(
    /// A named classifier and its hyperparameters.
    Classifier, FittedClassifier, usize,
    [
        LogisticRegression(LogisticRegression) = "logistic-regression",
            "softmax logistic regression, L2 penalty, L-BFGS", LogisticRegression::default();
        Knn(Knn) = "knn", "k nearest neighbours, majority vote", Knn::new(5);
        NaiveBayes(GaussianNb) = "naive-bayes", "Gaussian naive Bayes",
            GaussianNb::default();
        DecisionTree(DecisionTree) = "decision-tree", "CART tree, Gini impurity",
            DecisionTree::cart();
        RandomForest(RandomForest) = "random-forest", "random forest of CART trees",
            RandomForest::new(100);
        AdaBoost(AdaBoost) = "adaboost", "AdaBoost (SAMME) of decision stumps",
            AdaBoost::new(50);
        GradientBoosting(GradientBoosting) = "gradient-boosting",
            "gradient boosting of regression trees (log loss)", GradientBoosting::new(100);
        Svm(KernelSvm) = "svm", "kernel SVM (RBF), one machine per pair of classes",
            KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale));
        LinearSvm(LinearSvm) = "linear-svm", "linear SVM, hinge loss", LinearSvm::new(1.0);
    ]
);

catalog!(
    /// A named regressor and its hyperparameters.
    Regressor, FittedRegressor, f64,
    [
        LinearRegression(LinearRegression) = "linear-regression",
            "least squares (ridge with l2 > 0)", LinearRegression::new();
        Lasso(Lasso) = "lasso", "L1-penalised least squares (coordinate descent)",
            Lasso::default();
        Knn(Knn) = "knn", "k nearest neighbours, mean of their targets", Knn::new(5);
        DecisionTree(DecisionTree) = "decision-tree", "regression tree, squared error",
            DecisionTree::regression();
        RandomForest(RandomForest) = "random-forest", "random forest of regression trees",
            RandomForest::new(100);
        GradientBoosting(GradientBoosting) = "gradient-boosting",
            "gradient boosting of regression trees (squared error)", GradientBoosting::new(100);
    ]
);
