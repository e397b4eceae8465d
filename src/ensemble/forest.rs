//! The random forest as one family with engines: bagged CART trees drawing a random subset of
//! features at each split (native: [`Bagging::random_forest`]), linfa-ensemble's bagged
//! linfa-trees (classification; a feature subset per tree, not per split), or smartcore's
//! random forest (classification and regression). Both give a [`FittedBagging`] of the project's trees, so
//! voting, probabilities and persistence are the same.
//!
//! smartcore's bootstrap is stratified by class and its trees keep their own leaf outputs (the
//! class of the bootstrap rows reaching the leaf, or their mean), which the converted trees
//! keep; node sizes and impurities are those of the whole training set routed through them.

use crate::engine::{self, Engine};
use crate::estimator::{Checked, Fit, FitChecked, Params, Randomized};
use crate::tree::{Criterion, DecisionTree, FittedTree, MaxFeatures};
use crate::{Error, Result};

use super::{Bagging, FittedBagging};

/// Random-forest hyperparameters.
///
/// ```
/// use mlnotes::engine::Engine;
/// use mlnotes::ensemble::RandomForest;
/// use mlnotes::estimator::{Fit, Predict};
/// let iris = mlnotes::data::iris();
/// for engine in [Engine::Native, Engine::Smartcore] {
///     let forest = RandomForest::new(20).with_engine(engine).fit(&iris)?;
///     let acc = mlnotes::metrics::accuracy(iris.y(), forest.predict(iris.x())?.view())?;
///     assert!(acc > 0.95);
/// }
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RandomForest {
    /// Number of trees.
    pub n_trees: usize,
    /// Each tree (√n features per split by default; CART or a regression tree, chosen by the
    /// targets when fitting).
    pub tree: DecisionTree,
    /// Seed of the bootstraps and of the feature draws.
    pub seed: u64,
    /// Who grows the forest: native, linfa (linfa-ensemble over linfa-trees, one feature
    /// subset per tree; classification only) or smartcore; see [`crate::engine`].
    #[serde(default)]
    pub engine: Engine,
}

impl RandomForest {
    /// `n_trees` fully grown trees drawing `√n` features per split.
    pub fn new(n_trees: usize) -> Self {
        RandomForest {
            n_trees,
            tree: DecisionTree {
                max_features: MaxFeatures::Sqrt,
                ..DecisionTree::cart()
            },
            seed: 0,
            engine: Engine::Native,
        }
    }

    /// Grow with `engine` (builder style).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    fn bagging(&self, tree: DecisionTree) -> Bagging<DecisionTree> {
        Bagging {
            seed: self.seed,
            ..Bagging::new(tree, self.n_trees)
        }
    }
}

impl Randomized for RandomForest {
    fn reseeded(&self, seed: u64) -> Self {
        RandomForest {
            seed,
            ..self.clone()
        }
    }
}

impl Params for RandomForest {
    fn check(&self) -> Result<()> {
        if self.n_trees == 0 {
            return Err(Error::config("n_trees", "needs at least one tree"));
        }
        self.tree.check()?;
        if self.engine != Engine::Native {
            let plain = self.tree.categorical.is_empty()
                && self.tree.ccp_alpha == 0.0
                && self.tree.min_impurity_decrease == 0.0
                && matches!(
                    self.tree.criterion,
                    Criterion::Gini | Criterion::InformationGain | Criterion::SquaredError
                );
            if !plain || self.n_trees > usize::from(u16::MAX) {
                return Err(self.engine.unsupported(
                    "a forest with gain-ratio or categorical splits, pruning, a minimum decrease or more than 65535 trees",
                ));
            }
        }
        Ok(())
    }
}

/// The smartcore settings shared by both targets.
fn smartcore_settings(forest: &RandomForest, n_features: usize) -> engine::tree::ForestSettings {
    engine::tree::ForestSettings {
        n_trees: forest.n_trees,
        features_per_split: forest.tree.max_features.resolve(n_features),
        max_depth: forest.tree.max_depth,
        min_samples_leaf: forest.tree.min_samples_leaf,
        min_samples_split: forest.tree.min_samples_split,
        criterion: forest.tree.criterion,
        seed: forest.seed,
    }
}

impl FitChecked<usize> for RandomForest {
    type Model = FittedBagging<FittedTree<usize>>;

    fn fit_checked(&self, data: Checked<'_, usize, Self>) -> Result<Self::Model> {
        let data = data.data();
        if self.engine == Engine::Native {
            return self.bagging(self.tree.clone()).fit(data);
        }
        data.require_two_classes()?;
        if !matches!(
            self.tree.criterion,
            Criterion::Gini | Criterion::InformationGain
        ) {
            return Err(self
                .engine
                .unsupported("a classification forest other than Gini or entropy"));
        }
        let settings = smartcore_settings(self, data.n_features());
        let shapes = if self.engine == Engine::Linfa {
            engine::tree::linfa_forest(data.x(), data.y(), data.n_classes(), &settings)?
        } else {
            engine::tree::smartcore_forest_classifier(
                data.x(),
                data.y(),
                data.n_classes(),
                &settings,
            )?
        };
        let trees = shapes
            .iter()
            .map(|s| FittedTree::from_shape(s, data, self.tree.criterion))
            .collect();
        Ok(FittedBagging::from_models(trees, data.n_classes()))
    }
}

impl FitChecked<f64> for RandomForest {
    type Model = FittedBagging<FittedTree<f64>>;

    fn fit_checked(&self, data: Checked<'_, f64, Self>) -> Result<Self::Model> {
        let data = data.data();
        let tree = DecisionTree {
            criterion: Criterion::SquaredError,
            ..self.tree.clone()
        };
        match self.engine {
            Engine::Native => return self.bagging(tree).fit(data),
            Engine::Linfa => return Err(self.engine.unsupported("a regression forest")),
            Engine::Smartcore => {}
        }
        let settings = smartcore_settings(self, data.n_features());
        let shapes = engine::tree::smartcore_forest_regressor(data.x(), data.y(), &settings)?;
        let trees = shapes
            .iter()
            .map(|s| FittedTree::from_shape_values(s, data.x(), data.y()))
            .collect();
        Ok(FittedBagging::from_models(trees, 0))
    }
}
