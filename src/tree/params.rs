//! Decision-tree hyperparameters and fitting (notes: *Decision Tree*): internal nodes test one attribute, leaves hold a
//! class distribution (or a mean, for regression). Grown top-down by the chosen [`Criterion`];
//! numeric attributes split at a threshold `x_j <= t`, categorical ones (listed in
//! [`DecisionTree::categorical`]) split multiway, one child per value (ID3 / C4.5).
//!
//! Pre-pruning: `max_depth`, `min_samples_split`, `min_samples_leaf`, `min_impurity_decrease`.
//! Post-pruning ([`super::prune`]): cost-complexity (`ccp_alpha`) and reduced-error pruning.

use super::fitted::FittedTree;
use super::grow::Builder;
use super::targets::{Targets, TreeTarget};
use std::marker::PhantomData;

use ndarray::ArrayView2;

use super::criterion::Criterion;
use crate::data::Dataset;
use crate::engine::{self, Engine};
use crate::estimator::{Checked, FitChecked, Params, Randomized};
use crate::{Error, Result, validate};

/// How many features are considered at each split (random forests use fewer than all).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum MaxFeatures {
    /// Every feature.
    All,
    /// `⌈√n⌉` features drawn at random per split.
    Sqrt,
    /// `⌈log₂ n⌉` features drawn at random per split.
    Log2,
    /// A fixed number of features.
    Count(usize),
    /// A fraction in `(0, 1]` of the features.
    Fraction(f64),
}

impl MaxFeatures {
    pub(crate) fn resolve(self, n: usize) -> usize {
        let k = match self {
            MaxFeatures::All => n,
            MaxFeatures::Sqrt => (n as f64).sqrt().ceil() as usize,
            MaxFeatures::Log2 => (n as f64).log2().ceil() as usize,
            MaxFeatures::Count(k) => k,
            MaxFeatures::Fraction(f) => (f * n as f64).ceil() as usize,
        };
        k.clamp(1, n)
    }
}

/// Decision-tree hyperparameters.
///
/// ```
/// use mlnotes::estimator::{Fit, Predict};
/// use mlnotes::tree::DecisionTree;
/// let iris = mlnotes::data::iris();
/// let tree = DecisionTree::cart().with_max_depth(3).fit(&iris)?;
/// let acc = mlnotes::metrics::accuracy(iris.y(), tree.predict(iris.x())?.view())?;
/// assert!(acc > 0.95);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DecisionTree {
    /// The splitting criterion (which also fixes classification vs regression).
    pub criterion: Criterion,
    /// Pre-pruning: the deepest a leaf may be (root = depth 0); `None` grows until pure.
    pub max_depth: Option<usize>,
    /// Pre-pruning: a node with fewer examples is not split (at least 2).
    pub min_samples_split: usize,
    /// Pre-pruning: every child keeps at least this many examples (at least 1).
    pub min_samples_leaf: usize,
    /// Pre-pruning: a split must reduce impurity (or reach this gain ratio) by at least this.
    pub min_impurity_decrease: f64,
    /// Features drawn per split.
    pub max_features: MaxFeatures,
    /// Indices of categorical features (split multiway on their values).
    pub categorical: Vec<usize>,
    /// Post-pruning: cost-complexity parameter `α` (0 keeps the full tree).
    pub ccp_alpha: f64,
    /// Seed of the feature draws.
    pub seed: u64,
    /// Who grows the tree: native, linfa (linfa-trees' binary CART, classification only) or
    /// smartcore (binary CART, classification and regression); the other engines grow Gini or
    /// entropy trees on all features, without categorical splits or pruning. See
    /// [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

impl DecisionTree {
    /// A fully grown tree with the given criterion.
    pub fn new(criterion: Criterion) -> Self {
        DecisionTree {
            criterion,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_impurity_decrease: 0.0,
            max_features: MaxFeatures::All,
            categorical: Vec::new(),
            ccp_alpha: 0.0,
            seed: 0,
            engine: Engine::Native,
        }
    }

    /// Fit with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// linfa-trees' or smartcore's CART, converted.
    fn foreign(&self, data: &Dataset<usize>) -> Result<FittedTree<usize>> {
        if !self.linfa_supported() {
            return Err(self.engine.unsupported(
                "a tree other than binary CART (Gini or entropy, all features, no pruning)",
            ));
        }
        if self.engine == Engine::Smartcore && self.min_impurity_decrease > 0.0 {
            return Err(self
                .engine
                .unsupported("a minimum impurity decrease (smartcore's trees have none)"));
        }
        let shape = if self.engine == Engine::Linfa {
            engine::tree::linfa_cart(
                data.x(),
                data.y(),
                self.criterion,
                self.max_depth,
                self.min_samples_split,
                self.min_samples_leaf,
                self.min_impurity_decrease,
            )?
        } else {
            engine::tree::smartcore_classifier(data.x(), data.y(), self)?
        };
        Ok(FittedTree::from_shape(&shape, data, self.criterion))
    }

    /// Whether the other engines grow this tree: binary CART (Gini or entropy) on all
    /// features, without categorical splits or pruning.
    pub(crate) fn linfa_supported(&self) -> bool {
        matches!(self.criterion, Criterion::Gini | Criterion::InformationGain)
            && self.max_features == MaxFeatures::All
            && self.categorical.is_empty()
            && self.ccp_alpha == 0.0
    }

    /// CART with Gini impurity.
    pub fn cart() -> Self {
        Self::new(Criterion::Gini)
    }

    /// A regression tree (squared error).
    pub fn regression() -> Self {
        Self::new(Criterion::SquaredError)
    }

    /// The same tree limited to `depth` (a stump for 1).
    pub fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = Some(depth);
        self
    }

    /// Fit with a non-negative weight per example (boosting reweights examples; a weight of
    /// `c` counts an example `c` times).
    pub(crate) fn fit_weighted<T: TreeTarget>(
        &self,
        data: &Dataset<T>,
        weights: &[f64],
    ) -> Result<FittedTree<T>> {
        self.check()?;
        data.validate()?;
        if self.criterion.is_classification() != T::CLASSIFICATION {
            return Err(Error::config(
                "criterion",
                format!(
                    "{:?} does not fit {} targets",
                    self.criterion,
                    if T::CLASSIFICATION {
                        "class"
                    } else {
                        "continuous"
                    }
                ),
            ));
        }
        validate::same_len(data.n_samples(), weights.len(), "sample weights")?;
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().sum::<f64>() <= 0.0
        {
            return Err(Error::invalid(
                "sample weights must be finite, non-negative and not all zero",
            ));
        }
        self.check_features(data.n_features())?;
        let y = data.targets_slice();
        Ok(self.grow(data.x(), T::targets(data, &y), weights))
    }

    /// Fails unless every categorical feature index exists in data of `n_features` columns.
    pub(crate) fn check_features(&self, n_features: usize) -> Result<()> {
        if let Some(&j) = self.categorical.iter().find(|&&j| j >= n_features) {
            return Err(Error::config(
                "categorical",
                format!("feature {j} but the data has {n_features}"),
            ));
        }
        Ok(())
    }

    /// Grows (and prunes) a tree on validated inputs.
    pub(crate) fn grow<T>(
        &self,
        x: ArrayView2<f64>,
        targets: Targets<'_>,
        weights: &[f64],
    ) -> FittedTree<T> {
        let n_classes = match targets {
            Targets::Classes(_, k) => k,
            Targets::Values(..) => 0,
        };
        let mut builder = Builder::new(self, x, targets, weights);
        builder.grow();
        let mut tree = FittedTree {
            nodes: builder.nodes,
            n_features: x.ncols(),
            n_classes,
            criterion: self.criterion,
            _target: PhantomData,
        };
        if self.ccp_alpha > 0.0 {
            tree.prune_cost_complexity(self.ccp_alpha);
        }
        tree
    }
}

impl FittedTree<usize> {
    /// A classification tree of a foreign engine's shape, its node statistics counted from the
    /// training rows of `data`.
    pub(crate) fn from_shape(
        shape: &[engine::tree::Shape],
        data: &Dataset<usize>,
        criterion: Criterion,
    ) -> Self {
        let k = data.n_classes();
        let routed = engine::tree::Routed::Classes(data.y(), k);
        FittedTree {
            nodes: engine::tree::nodes(shape, data.x(), routed, criterion),
            n_features: data.n_features(),
            n_classes: k,
            criterion,
            _target: PhantomData,
        }
    }
}

impl FittedTree<f64> {
    /// A regression tree of a foreign engine's shape, its node statistics counted from the rows
    /// `x` with targets `y`.
    pub(crate) fn from_shape_values(
        shape: &[engine::tree::Shape],
        x: ArrayView2<f64>,
        y: ndarray::ArrayView1<f64>,
    ) -> Self {
        let routed = engine::tree::Routed::Values(y);
        FittedTree {
            nodes: engine::tree::nodes(shape, x, routed, Criterion::SquaredError),
            n_features: x.ncols(),
            n_classes: 0,
            criterion: Criterion::SquaredError,
            _target: PhantomData,
        }
    }
}

impl Params for DecisionTree {
    fn check(&self) -> Result<()> {
        if self.max_depth == Some(0) {
            return Err(Error::config("max_depth", "must be at least 1"));
        }
        if self.min_samples_split < 2 {
            return Err(Error::config("min_samples_split", "must be at least 2"));
        }
        if self.min_samples_leaf < 1 {
            return Err(Error::config("min_samples_leaf", "must be at least 1"));
        }
        validate::non_negative(self.min_impurity_decrease, "min_impurity_decrease")?;
        validate::non_negative(self.ccp_alpha, "ccp_alpha")?;

        match self.max_features {
            MaxFeatures::Count(0) => Err(Error::config("max_features", "must be at least 1")),
            MaxFeatures::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::config(
                "max_features",
                format!("fraction {f} not in (0, 1]"),
            )),
            _ => Ok(()),
        }
    }
}

impl Randomized for DecisionTree {
    fn reseeded(&self, seed: u64) -> Self {
        DecisionTree {
            seed,
            ..self.clone()
        }
    }
}

impl FitChecked<usize> for DecisionTree {
    type Model = FittedTree<usize>;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<FittedTree<usize>> {
        let data = data.data();
        data.require_two_classes()?;
        if self.engine != Engine::Native {
            return self.foreign(data);
        }
        self.fit_weighted(data, &vec![1.0; data.n_samples()])
    }
}

impl FitChecked<f64> for DecisionTree {
    type Model = FittedTree<f64>;

    fn fit_checked(&self, data: Checked<'_, f64, Self>) -> Result<FittedTree<f64>> {
        let data = data.data();
        match self.engine {
            Engine::Native => {}
            Engine::Linfa => return Err(self.engine.unsupported("a regression tree")),
            Engine::Smartcore => {
                let plain = self.max_features == MaxFeatures::All
                    && self.categorical.is_empty()
                    && self.ccp_alpha == 0.0
                    && self.min_impurity_decrease == 0.0;
                if !plain {
                    return Err(self.engine.unsupported(
                        "a regression tree with feature sampling, categorical splits, pruning or a minimum decrease",
                    ));
                }
                let shape = engine::tree::smartcore_regressor(data.x(), data.y(), self)?;
                return Ok(FittedTree::from_shape_values(&shape, data.x(), data.y()));
            }
        }
        self.fit_weighted(data, &vec![1.0; data.n_samples()])
    }
}
