//! # mlnotes
//!
//! Machine-learning course notes turned into working, tested, fast software. The code mirrors
//! the notes' table of contents: each section is a module, named with the notes' word.
//!
//! | notes section | module |
//! |---|---|
//! | Data Preprocessing (scaling, one-hot, binning) | [`preprocess`] |
//! | Model Evaluation (hold-out, k-fold, bias/variance, hyperparameter search) | [`selection`] |
//! | Metrics (classification, regression; clustering) | [`metrics`] |
//! | Optimization Algorithms (GD family, momentum, Adam, Newton, BFGS / L-BFGS) | [`optim`] |
//! | K-Nearest Neighbors (classification by vote, regression by mean) | [`knn`] |
//! | Naive Bayes (Gaussian, categorical with Laplace smoothing, multinomial, Bernoulli, binned) | [`bayes`] |
//! | Support Vector Machine (hinge-loss primal by SGD, kernel SVM by SMO) | [`svm`] |
//! | Trees (ID3 gain, C4.5 gain ratio, CART Gini, regression; pre- and post-pruning) | [`tree`] |
//! | Ensemble Learning (bagging, random forest, AdaBoost, gradient boosting) | [`ensemble`] |
//! | Clustering (k-means, elbow, hierarchical: agglomerative and divisive) | [`cluster`] |
//! | Dimensionality Reduction (PCA) | [`pca`] |
//! | Linear Models, Regularization (normal equation, ridge, lasso, logistic, softmax) | [`linear`] |
//! | Backpropagation and Gradient Checking (the δ recursion in f64, against Burn's autodiff); training loops for Burn classifiers | [`deep`] |
//! | Sequence models: RNN / LSTM / Transformer training on the adding and copy tasks | [`sequence`] |
//! | Generative Adversarial Networks (saturating / non-saturating loss, mode coverage) | [`gan`] |
//! | Reinforcement Learning (MDPs, FrozenLake, CartPole, value iteration, Q-learning, DQN, policy gradient) | [`rl`] |
//! | Data sets, CSV loading, generators | [`data`] |
//! | Engines: linfa and smartcore behind the same API, their mappings and defects | [`engine`] |
//! | The common estimator API (`fit`, `predict`, `predict_proba`, `transform`) | [`estimator`] |
//! | Saving and loading fitted models (versioned JSON) | [`persist`] |
//! | Your own CSV end to end: named models, preprocessing from column kinds, cross-validation, search, saved pipelines (the `mlnotes` command line) | [`workflow`] |
//! | Input checks shared by every function that takes data | [`validate`] |
//! | Linear algebra the models share (Cholesky, symmetric eigenvalues) | [`linalg`] |
//! | Errors: one typed [`Error`] for the whole library | [`error`] |
//! | Progress bars on long work | [`progress`] |
//! | Memory: freed buffers kept for reuse by the programs that train | [`memory`] |
//! | What every training loop returns (model and typed history) | [`training`] |
//! | Checkpoints: training loops that survive interruption | [`checkpoint`] |
//! | Experiments (claims measured, reports, plots) | [`experiment`] |
//! | Burn backends (`flex`, `ndarray`, `wgpu`) | [`backend`] |
//!
//! Data flows one way: data → preprocess → estimator → metrics → report.

#![warn(missing_docs)]

pub mod backend;
pub mod bayes;
pub mod checkpoint;
pub mod cluster;
pub mod data;
pub mod deep;
pub mod engine;
pub mod ensemble;
pub mod error;
pub mod estimator;
pub mod experiment;
pub mod gan;
pub mod knn;
pub mod linalg;
pub mod linear;
pub mod memory;
pub mod metrics;
pub mod optim;
pub mod pca;
pub mod persist;
pub mod preprocess;
pub mod progress;
pub mod rl;
pub mod selection;
pub mod sequence;
pub mod svm;
pub mod training;
pub mod tree;
pub mod validate;
pub mod workflow;

pub use error::{Error, Result};
