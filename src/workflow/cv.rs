//! Cross-validation and hyperparameter search of a named model behind its preprocessing.

use ndarray::{Array1, ArrayView2};

use super::{Model, OwnData, Task, TaskData};
use crate::data::csv::{Encoding, Schema, Unknown};
use crate::data::{Dataset, Target};
use crate::estimator::{Fit, Predict};
use crate::metrics::{Average, ConfusionMatrix, f1_score, mae, mean_std, r2, rmse};
use crate::preprocess::Pipeline;
use crate::selection::{
    BayesianSearch, Dimension, Fold, KFold, SearchSpace, grid_search, random_search,
};
use crate::{Error, Result};

/// Settings of a cross-validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvOptions {
    /// Folds (stratified for classification).
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// What a category missing from a fold's training rows becomes.
    pub unknown: Unknown,
    /// Show a progress bar.
    pub progress: bool,
}

impl Default for CvOptions {
    /// 5 folds, seed 0, unseen categories as zeros, no progress bar.
    fn default() -> Self {
        CvOptions {
            folds: 5,
            seed: 0,
            unknown: Unknown::Zeros,
            progress: false,
        }
    }
}

/// One metric over the folds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scores {
    /// The metric's name.
    pub name: &'static str,
    /// Its value on each fold's validation rows.
    pub per_fold: Vec<f64>,
    /// Their mean.
    pub mean: f64,
    /// Their standard deviation.
    pub std: f64,
}

impl Scores {
    fn new(name: &'static str, per_fold: Vec<f64>) -> Self {
        let (mean, std) = mean_std(&per_fold);
        Scores {
            name,
            per_fold,
            mean,
            std,
        }
    }
}

/// What a cross-validation measured.
#[derive(Debug, Clone, PartialEq)]
pub struct CvReport {
    /// The task.
    pub task: Task,
    /// Accuracy and macro F1 (classification) or R², MAE and RMSE (regression); the first
    /// is the one a search maximises.
    pub scores: Vec<Scores>,
    /// The confusion matrix of the out-of-fold predictions (classification).
    pub confusion: Option<ConfusionMatrix>,
    /// The class names (classification).
    pub class_names: Vec<String>,
}

/// A metric of true and predicted targets.
type Metric<T> = dyn Fn(&Array1<T>, &Array1<T>) -> Result<f64>;

/// Out-of-fold predictions of `model` behind `data`'s preprocessing, and the metrics of each
/// fold.
fn folds_of<T, P>(
    data: &Dataset<T>,
    schema: &Schema,
    model: &Pipeline<super::Preprocessing, P>,
    options: &CvOptions,
    labels: Option<&[usize]>,
    metrics: &[(&'static str, &Metric<T>)],
) -> Result<(Vec<Scores>, Array1<T>)>
where
    T: Target + Default,
    P: Fit<T, Model: Predict<T>>,
    super::Preprocessing: Fit<T, Model: crate::estimator::Transform>,
{
    let mut kfold = KFold::new(options.folds, options.seed);
    if labels.is_some() {
        kfold = kfold.stratified();
    }
    let folds = kfold.folds(data.n_samples(), labels)?;
    if options.unknown == Unknown::Error {
        seen_in_training(schema, data.x(), &folds)?;
    }
    let bar = crate::progress::bar(
        options.progress,
        folds.len() as u64,
        "cross-validation",
        "folds",
    );
    let mut out_of_fold = Array1::from_elem(data.n_samples(), T::default());
    let mut per_metric = vec![Vec::new(); metrics.len()];
    for fold in &folds {
        let fitted = model.fit(&data.select(&fold.train)?)?;
        let test = data.select(&fold.test)?;
        let predicted = fitted.predict(test.x())?;
        for (values, (_, metric)) in per_metric.iter_mut().zip(metrics) {
            values.push(metric(test.targets(), &predicted)?);
        }
        for (&i, p) in fold.test.iter().zip(predicted) {
            out_of_fold[i] = p;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let scores = metrics
        .iter()
        .zip(per_metric)
        .map(|((name, _), values)| Scores::new(name, values))
        .collect();
    Ok((scores, out_of_fold))
}

/// Fails unless every category of a validation fold is among its training rows' (with
/// unseen categories refused, the fold could not be scored), naming the fold, the column and
/// the category.
fn seen_in_training(schema: &Schema, x: ArrayView2<f64>, folds: &[Fold]) -> Result<()> {
    let columns = schema.columns.iter().filter_map(|c| match &c.encoding {
        Encoding::Codes { categories } => Some((c.name.as_str(), categories)),
        _ => None,
    });
    for (j, (name, categories)) in schema.categorical_features().into_iter().zip(columns) {
        for (f, fold) in folds.iter().enumerate() {
            let seen: std::collections::BTreeSet<u64> =
                fold.train.iter().map(|&i| x[[i, j]].to_bits()).collect();
            if let Some(&i) = fold
                .test
                .iter()
                .find(|&&i| !x[[i, j]].is_nan() && !seen.contains(&x[[i, j]].to_bits()))
            {
                let category = categories
                    .get(x[[i, j]] as usize)
                    .map_or("?", String::as_str);
                return Err(Error::Parameter {
                    name: "unknown".into(),
                    reason: format!(
                        "fold {} of {}: category '{category}' of column '{name}' is in its \
                         validation rows but not in its training rows, and unseen categories \
                         are refused; encode them as zeros (--unknown zeros) or merge rare \
                         categories",
                        f + 1,
                        folds.len()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// `options.folds`-fold cross-validation of `model` behind the preprocessing chosen for
/// `data`: each fold's preprocessing and model are fitted on its training rows only.
pub fn cross_validate(data: &OwnData, model: &Model, options: &CvOptions) -> Result<CvReport> {
    let n = data.n_samples();
    if options.folds < 2 || options.folds > n / 2 {
        return Err(Error::Parameter {
            name: "folds".into(),
            reason: format!(
                "{} folds of {n} rows: needs 2 to {} (at least 2 validation rows per fold)",
                options.folds,
                n / 2
            ),
        });
    }
    let preprocessing = data.preprocessing(model, options.unknown);
    match (&data.data, model) {
        (TaskData::Classification(d), Model::Classifier(m)) => {
            let labels = d.targets_slice();
            let (scores, predicted) = folds_of(
                d,
                &data.schema,
                &Pipeline::new(preprocessing, m.clone()),
                options,
                Some(&labels),
                &[
                    ("accuracy", &|y, p| {
                        crate::metrics::accuracy(y.view(), p.view())
                    }),
                    ("f1_macro", &|y, p| {
                        f1_score(y.view(), p.view(), Average::Macro)
                    }),
                ],
            )?;
            Ok(CvReport {
                task: Task::Classification,
                scores,
                confusion: Some(ConfusionMatrix::new(d.y(), predicted.view())?),
                class_names: d.class_names().to_vec(),
            })
        }
        (TaskData::Regression(d), Model::Regressor(m)) => {
            let (scores, _) = folds_of(
                d,
                &data.schema,
                &Pipeline::new(preprocessing, m.clone()),
                options,
                None,
                &[
                    ("r2", &|y, p| r2(y.view(), p.view())),
                    ("mae", &|y, p| mae(y.view(), p.view())),
                    ("rmse", &|y, p| rmse(y.view(), p.view())),
                ],
            )?;
            Ok(CvReport {
                task: Task::Regression,
                scores,
                confusion: None,
                class_names: Vec::new(),
            })
        }
        _ => Err(task_mismatch(data.task, model)),
    }
}

/// The error of a model of one task on data of the other.
pub(super) fn task_mismatch(task: Task, model: &Model) -> Error {
    Error::invalid(format!(
        "the data is loaded for {task}, but '{}' was built as a {}",
        model.name(),
        match model {
            Model::Classifier(_) => "classifier",
            Model::Regressor(_) => "regressor",
        }
    ))
}

/// How a search picks the points it evaluates.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchMethod {
    /// Every combination of the listed values: `(name, values)`.
    Grid(Vec<(String, Vec<String>)>),
    /// `trials` uniform random points of the ranges.
    Random {
        /// The ranges: `(name, "low:high" | "low:high:log" | "low:high:int")`.
        ranges: Vec<(String, String)>,
        /// Points evaluated.
        trials: usize,
    },
    /// `trials` points chosen by Bayesian optimisation (Gaussian process, expected
    /// improvement), the first third at random.
    Bayes {
        /// The ranges, as for `Random`.
        ranges: Vec<(String, String)>,
        /// Points evaluated.
        trials: usize,
    },
}

/// Every point a search evaluated, and the best.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchReport {
    /// The metric maximised (the first of the cross-validation's).
    pub metric: &'static str,
    /// Each trial's hyperparameters and mean cross-validated score, in evaluation order.
    pub trials: Vec<(Vec<(String, String)>, f64)>,
    /// The index of the best trial.
    pub best: usize,
}

/// A range `low:high[:log|:int]` as a search dimension.
fn dimension(name: &str, range: &str) -> Result<Dimension> {
    let bad = |why: &str| Error::Parameter {
        name: name.to_string(),
        reason: format!("range '{range}': {why} (expected low:high, low:high:log or low:high:int)"),
    };
    let parts: Vec<&str> = range.split(':').collect();
    let number = |s: &str| s.trim().parse::<f64>().map_err(|_| bad("not a number"));
    let (low, high, scale) = match parts.as_slice() {
        [low, high] => (number(low)?, number(high)?, None),
        [low, high, scale] => (number(low)?, number(high)?, Some(scale.trim())),
        _ => return Err(bad("needs two bounds and at most one scale")),
    };
    // integers and their spans stay exact in f64 and i64
    const LIMIT: f64 = 4.5e15;
    let finite = low.is_finite() && high.is_finite();
    if !(finite && low < high && low.abs() <= LIMIT && high.abs() <= LIMIT) {
        return Err(bad("needs finite low < high, within ±4.5e15"));
    }
    match scale {
        None => Ok(Dimension::continuous(name, low, high)),
        Some("log") if low > 0.0 => Ok(Dimension::log_uniform(name, low, high)),
        Some("log") => Err(bad("a log range needs low > 0")),
        Some("int") if low.ceil() <= high.floor() => Ok(Dimension::integer(
            name,
            low.ceil() as i64,
            high.floor() as i64,
        )),
        Some("int") => Err(bad("no integer between the bounds")),
        Some(_) => Err(bad("unknown scale")),
    }
}

/// Search `model`'s hyperparameters by mean cross-validated score (accuracy or R²), each
/// point cross-validated as [`cross_validate`] does.
pub fn search(
    data: &OwnData,
    model: &Model,
    method: &SearchMethod,
    options: &CvOptions,
    seed: u64,
) -> Result<SearchReport> {
    let quiet = CvOptions {
        progress: false,
        ..*options
    };
    let names: Vec<&String> = match method {
        SearchMethod::Grid(axes) => axes.iter().map(|(n, _)| n).collect(),
        SearchMethod::Random { ranges, .. } | SearchMethod::Bayes { ranges, .. } => {
            ranges.iter().map(|(n, _)| n).collect()
        }
    };
    if let Some((_, twice)) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        return Err(Error::Parameter {
            name: twice.to_string(),
            reason: "searched twice; give all its values in one --grid or range".into(),
        });
    }
    match method {
        SearchMethod::Random { trials: 0, .. } | SearchMethod::Bayes { trials: 0, .. } => {
            return Err(Error::Parameter {
                name: "trials".into(),
                reason: "a random or Bayesian search needs at least one trial".into(),
            });
        }
        SearchMethod::Grid(axes) => {
            if let Some((name, _)) = axes
                .iter()
                .find(|(_, values)| values.is_empty() || values.iter().any(String::is_empty))
            {
                return Err(Error::Parameter {
                    name: name.clone(),
                    reason: "an empty grid value".into(),
                });
            }
        }
        _ => {}
    }
    // each point's values as text, from its coordinates
    type Decode = Box<dyn Fn(&[f64]) -> Vec<(String, String)>>;
    let (space, decode): (SearchSpace, Decode) = match method {
        SearchMethod::Grid(axes) => {
            let dims = axes
                .iter()
                .map(|(name, values)| {
                    let indices: Vec<f64> = (0..values.len()).map(|i| i as f64).collect();
                    Dimension::choice(name, &indices)
                })
                .collect();
            let axes = axes.clone();
            (
                SearchSpace::new(dims)?,
                Box::new(move |p: &[f64]| {
                    axes.iter()
                        .zip(p)
                        .map(|((n, values), &i)| (n.clone(), values[i as usize].clone()))
                        .collect()
                }),
            )
        }
        SearchMethod::Random { ranges, .. } | SearchMethod::Bayes { ranges, .. } => {
            let dims = ranges
                .iter()
                .map(|(name, range)| dimension(name, range))
                .collect::<Result<Vec<_>>>()?;
            let integer: Vec<bool> = ranges.iter().map(|(_, r)| r.ends_with(":int")).collect();
            let names: Vec<String> = ranges.iter().map(|(n, _)| n.clone()).collect();
            (
                SearchSpace::new(dims)?,
                Box::new(move |p: &[f64]| {
                    names
                        .iter()
                        .zip(p)
                        .zip(&integer)
                        .map(|((n, &v), &int)| {
                            let text = if int {
                                format!("{}", v.round() as i64)
                            } else {
                                format!("{v}")
                            };
                            (n.clone(), text)
                        })
                        .collect()
                }),
            )
        }
    };
    let base = model.clone();
    let mut trials = Vec::new();
    let total = match method {
        SearchMethod::Grid(axes) => axes.iter().map(|(_, v)| v.len()).product(),
        SearchMethod::Random { trials, .. } | SearchMethod::Bayes { trials, .. } => *trials,
    };
    let bar = crate::progress::bar(options.progress, total as u64, "search", "points");
    let mut metric = "";
    let mut objective = |point: &[f64]| -> Result<f64> {
        let settings = decode(point);
        let candidate = base.with(&settings)?;
        let report = cross_validate(data, &candidate, &quiet)?;
        metric = report.scores[0].name;
        let score = report.scores[0].mean;
        trials.push((settings, score));
        bar.inc(1);
        Ok(score)
    };
    match method {
        SearchMethod::Grid(_) => grid_search(&space, 1, &mut objective)?,
        SearchMethod::Random { trials: n, .. } => random_search(&space, *n, seed, &mut objective)?,
        SearchMethod::Bayes { trials: n, .. } => {
            BayesianSearch::new((*n / 3).max(1), *n, seed).run(&space, &mut objective)?
        }
    };
    bar.finish_and_clear();
    let best = trials
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
        .map(|(i, _)| i)
        .ok_or_else(|| Error::invalid("the search evaluated no point"))?;
    Ok(SearchReport {
        metric,
        trials,
        best,
    })
}

impl Model {
    /// The same model with `settings` applied on top of its current hyperparameters.
    pub fn with(&self, settings: &[(String, String)]) -> Result<Model> {
        let model = match self {
            Model::Classifier(m) => Model::Classifier(super::with_model_params(m, settings)?),
            Model::Regressor(m) => Model::Regressor(super::with_model_params(m, settings)?),
        };
        model.check()?;
        Ok(model)
    }
}
