//! Your own data, end to end: what the `mlnotes` command line does, one library call each. A
//! CSV file is loaded with its column kinds inferred ([`OwnData::load`]); the preprocessing is
//! chosen from them — numeric columns imputed (median) and standardised, categorical columns
//! imputed (most frequent) and one-hot encoded, identifier-like columns left out — and placed
//! in front of a model named as on the command line ([`Model::named`]), so that
//! cross-validation ([`cross_validate`]), search ([`search`]) and saving ([`fit`]) fit the
//! preprocessing on training rows only.
//!
//! ```
//! use mlnotes::workflow::{self, CvOptions, Model, OwnData, Reading};
//! let dir = std::env::temp_dir().join(format!("mlnotes-doc-workflow-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let csv = dir.join("flowers.csv");
//! let mut text = String::from("length,colour,species\n");
//! for i in 0..60 {
//!     let length = if i % 9 == 0 { "NA".to_string() } else { format!("{}", i % 3) };
//!     text += &format!("{length},{},{}\n", ["red", "blue"][i % 2], ["a", "b", "c"][i % 3]);
//! }
//! std::fs::write(&csv, text).unwrap();
//! let data = OwnData::load(&csv, "species", None, "knn", &Reading::default())?;
//! let model = Model::named("knn", data.task, &[("k".into(), "3".into())])?;
//! let cv = workflow::cross_validate(&data, &model, &CvOptions::default())?;
//! assert!(cv.scores[0].mean > 0.8, "{:?}", cv.scores[0]);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), mlnotes::Error>(())
//! ```

mod cv;
mod models;
mod params;
mod saved;

use std::fmt::Write as _;
use std::path::Path;

pub use cv::{CvOptions, CvReport, Scores, SearchMethod, SearchReport, cross_validate, search};
pub use models::{Classifier, FittedClassifier, FittedRegressor, Regressor};
pub use params::{Hyperparameter, hyperparameters, parse_setting, with_hyperparameters};
pub use saved::{SavedModel, Trained, fit};

use crate::data::Dataset;
use crate::data::csv::{ColumnKind, ColumnReport, CsvLoader, Missing, Schema, Unknown};
use crate::estimator::Params;
use crate::preprocess::{
    CategoricalSteps, ColumnTransformer, FittedColumnTransformer, FittedImputer, FittedOneHot,
    FittedPipeline, FittedScaler, NumericSteps,
};
use crate::{Error, Result};

/// What the target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Classes (any labels).
    Classification,
    /// Numbers.
    Regression,
}

impl std::str::FromStr for Task {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "classification" | "classify" => Ok(Task::Classification),
            "regression" | "regress" => Ok(Task::Regression),
            _ => Err(Error::Parameter {
                name: "task".into(),
                reason: format!("'{s}' is neither classification nor regression"),
            }),
        }
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        })
    }
}

/// The preprocessing in front of every named model.
pub type Preprocessing = ColumnTransformer<NumericSteps, CategoricalSteps>;

/// A fitted [`Preprocessing`].
pub type FittedPreprocessing = FittedColumnTransformer<
    FittedPipeline<FittedImputer, FittedScaler>,
    FittedPipeline<FittedImputer, FittedOneHot>,
>;

/// A named model with its hyperparameters, for either task.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Model {
    /// A classifier.
    Classifier(Classifier),
    /// A regressor.
    Regressor(Regressor),
}

/// The names of the models of `task`.
pub fn model_names(task: Task) -> Vec<&'static str> {
    match task {
        Task::Classification => Classifier::defaults()
            .iter()
            .map(|(m, _)| m.name())
            .collect(),
        Task::Regression => Regressor::defaults()
            .iter()
            .map(|(m, _)| m.name())
            .collect(),
    }
}

/// Which tasks a model name exists for.
pub fn tasks_of(name: &str) -> Vec<Task> {
    [Task::Classification, Task::Regression]
        .into_iter()
        .filter(|&t| model_names(t).contains(&name))
        .collect()
}

impl Model {
    /// The model `name` for `task` with its defaults, then each `(parameter, value)` set; an
    /// unknown model, an unknown parameter, a value of the wrong type or out of range is an
    /// error naming it.
    pub fn named(name: &str, task: Task, settings: &[(String, String)]) -> Result<Model> {
        let unknown = || Error::Parameter {
            name: "model".into(),
            reason: format!(
                "no {task} model named '{name}' (models: {})",
                model_names(task).join(", ")
            ),
        };
        let model = match task {
            Task::Classification => {
                let (params, _) = Classifier::defaults()
                    .into_iter()
                    .find(|(m, _)| m.name() == name)
                    .ok_or_else(unknown)?;
                Model::Classifier(with_model_params(&params, settings)?)
            }
            Task::Regression => {
                let (params, _) = Regressor::defaults()
                    .into_iter()
                    .find(|(m, _)| m.name() == name)
                    .ok_or_else(unknown)?;
                Model::Regressor(with_model_params(&params, settings)?)
            }
        };
        model.check()?;
        Ok(model)
    }

    /// The model's name.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Classifier(m) => m.name(),
            Model::Regressor(m) => m.name(),
        }
    }

    /// Whether the model is unpenalised least squares, which needs full-rank features.
    pub fn needs_full_rank(&self) -> bool {
        matches!(self, Model::Regressor(Regressor::LinearRegression(m)) if m.l2 == 0.0)
    }

    /// Its hyperparameters and their values.
    pub fn hyperparameters(&self) -> Result<Vec<Hyperparameter>> {
        let value = match self {
            Model::Classifier(m) => serde_json::to_value(m)?,
            Model::Regressor(m) => serde_json::to_value(m)?,
        };
        hyperparameters(&value["params"])
    }

    fn check(&self) -> Result<()> {
        match self {
            Model::Classifier(m) => m.check(),
            Model::Regressor(m) => m.check(),
        }
    }
}

/// A catalogue enum's `params` set by name (the enum's serde form is `{model, params}`), each
/// value checked against the model's own parameter types.
fn with_model_params<E>(model: &E, settings: &[(String, String)]) -> Result<E>
where
    E: serde::Serialize + serde::de::DeserializeOwned,
{
    let whole = serde_json::to_value(model)?;
    let params = params::set_checked(whole["params"].clone(), settings, |params| {
        let mut candidate = whole.clone();
        candidate["params"] = params.clone();
        serde_json::from_value::<E>(candidate).map(drop)
    })?;
    let mut value = whole;
    value["params"] = params;
    serde_json::from_value(value).map_err(Error::from)
}

/// How a CSV file is read (kept with a saved model, for the files it predicts).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reading {
    /// The field delimiter.
    pub delimiter: u8,
    /// Whether the first line names the columns.
    pub has_header: bool,
    /// The cell texts that mean "missing" (`None`: the loader's defaults).
    pub missing_tokens: Option<Vec<String>>,
    /// Columns whose kind is chosen (numeric, categorical or dropped) instead of inferred.
    #[serde(default)]
    pub kinds: Vec<(String, ColumnKind)>,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            delimiter: b',',
            has_header: true,
            missing_tokens: None,
            kinds: Vec::new(),
        }
    }
}

impl Reading {
    /// A loader for `target` with these settings, categories as codes, missing feature cells
    /// kept (for the imputers), rows without a target left out.
    pub fn loader(&self, target: &str) -> CsvLoader {
        let mut loader = CsvLoader::new(target)
            .delimiter(self.delimiter)
            .has_header(self.has_header)
            .categorical_codes()
            .missing(Missing::KeepFeatures);
        if let Some(tokens) = &self.missing_tokens {
            loader = loader.missing_tokens(tokens.clone());
        }
        for (name, kind) in &self.kinds {
            loader = loader.column(name.clone(), *kind);
        }
        loader
    }
}

/// The data set of a task.
#[derive(Debug, Clone)]
pub enum TaskData {
    /// Classes.
    Classification(Dataset<usize>),
    /// Numbers.
    Regression(Dataset<f64>),
}

/// A user's CSV file, loaded for one task.
#[derive(Debug, Clone)]
pub struct OwnData {
    /// The task.
    pub task: Task,
    /// The data set (categorical features as codes, missing cells NaN).
    pub data: TaskData,
    /// How new rows are loaded the same way.
    pub schema: Schema,
    /// What each column was found to hold.
    pub columns: Vec<ColumnReport>,
    /// How the file was read.
    pub reading: Reading,
}

impl OwnData {
    /// Load `path` with `target` as the target. The task is `task` when given, else the only
    /// one `model` exists for, else classification for a target that is not numeric and
    /// regression for one that is.
    pub fn load(
        path: impl AsRef<Path>,
        target: &str,
        task: Option<Task>,
        model: &str,
        reading: &Reading,
    ) -> Result<OwnData> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let read = reading
            .loader(target)
            .read_file(file)
            .map_err(|e| in_file(path, e))?;
        let columns = read.columns().to_vec();
        let numeric_target = columns
            .iter()
            .any(|c| c.target && c.kind == ColumnKind::Numeric);
        let task = match (task, tasks_of(model).as_slice()) {
            (Some(t), _) => t,
            (None, [Task::Regression]) if !numeric_target => {
                return Err(Error::Parameter {
                    name: "model".into(),
                    reason: format!(
                        "'{model}' is a regression model, but the target '{target}' is not \
                         numeric"
                    ),
                });
            }
            (None, [only]) => *only,
            (None, _) if numeric_target => Task::Regression,
            (None, _) => Task::Classification,
        };
        let (data, schema) = match task {
            Task::Classification => {
                let (d, s) = read.classification().map_err(|e| in_file(path, e))?;
                (TaskData::Classification(d), s)
            }
            Task::Regression => {
                let (d, s) = read.regression().map_err(|e| in_file(path, e))?;
                (TaskData::Regression(d), s)
            }
        };
        Ok(OwnData {
            task,
            data,
            schema,
            columns,
            reading: reading.clone(),
        })
    }

    /// The preprocessing chosen from the column kinds for `model`: for unpenalised least
    /// squares, whose intercept the full set of one-hot columns would duplicate (a singular
    /// `XᵀX`), each categorical feature's first category is left out.
    pub fn preprocessing(&self, model: &Model, unknown: Unknown) -> Preprocessing {
        let mut p = ColumnTransformer::standard(self.schema.categorical_features(), unknown);
        p.categorical_step.model.drop_first = model.needs_full_rank();
        p
    }

    /// The preprocessing in words: which columns go through which steps.
    pub fn describe_preprocessing(&self, model: &Model, unknown: Unknown) -> String {
        let names = |kind: &dyn Fn(&ColumnReport) -> bool| -> Vec<String> {
            self.columns
                .iter()
                .filter(|c| !c.target && kind(c))
                .map(|c| match c.missing {
                    0 => c.name.clone(),
                    m => format!("{} ({m} missing)", c.name),
                })
                .collect()
        };
        let categorical: Vec<&str> = self
            .schema
            .columns
            .iter()
            .filter(|c| !matches!(c.encoding, crate::data::csv::Encoding::Numeric))
            .map(|c| c.name.as_str())
            .collect();
        let numeric = names(&|c| {
            !categorical.contains(&c.name.as_str())
                && matches!(c.kind, ColumnKind::Numeric | ColumnKind::Constant)
        });
        let categorical = names(&|c| categorical.contains(&c.name.as_str()));
        let left_out: Vec<String> = self
            .columns
            .iter()
            .filter(|c| matches!(c.kind, ColumnKind::Identifier | ColumnKind::Dropped))
            .map(|c| format!("{} ({:?})", c.name, c.kind).to_lowercase())
            .collect();
        let mut out = String::new();
        if !numeric.is_empty() {
            let _ = writeln!(
                out,
                "numeric ({}): {} -> median imputation -> standardisation",
                numeric.len(),
                numeric.join(", ")
            );
        }
        if !categorical.is_empty() {
            let _ = writeln!(
                out,
                "categorical ({}): {} -> most-frequent imputation -> one-hot{} (unknown \
                 categories: {})",
                categorical.len(),
                categorical.join(", "),
                if model.needs_full_rank() {
                    ", first category dropped"
                } else {
                    ""
                },
                match unknown {
                    Unknown::Error => "error",
                    Unknown::Zeros => "zeros",
                }
            );
        }
        if !left_out.is_empty() {
            let _ = writeln!(out, "left out: {}", left_out.join(", "));
        }
        if let Some(target) = self.columns.iter().find(|c| c.target && c.missing > 0) {
            let _ = writeln!(
                out,
                "left out: {} rows without a target (first at line {})",
                target.missing,
                target.first_missing_line.unwrap_or(0)
            );
        }
        out
    }

    /// The number of rows.
    pub fn n_samples(&self) -> usize {
        match &self.data {
            TaskData::Classification(d) => d.n_samples(),
            TaskData::Regression(d) => d.n_samples(),
        }
    }
}

/// A CSV error with the file's name in front.
fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Csv { line, reason } => Error::Csv {
            line,
            reason: format!("{reason} (in {})", path.display()),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;
