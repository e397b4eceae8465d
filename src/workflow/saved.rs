//! A fitted pipeline saved with what it needs to read new files: the training file's schema
//! (columns by name, categories) and reading settings.

use std::io::Write;
use std::path::Path;

use super::cv::task_mismatch;
use super::{
    FittedClassifier, FittedPreprocessing, FittedRegressor, Model, OwnData, Reading, TaskData,
};
use crate::data::csv::{Schema, Unknown};
use crate::estimator::{Fit, Predict, PredictProba};
use crate::persist::Persist;
use crate::preprocess::{FittedPipeline, Pipeline};
use crate::{Error, Result};

/// The fitted preprocessing and model of either task.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[allow(clippy::large_enum_variant)]
pub enum Trained {
    /// A classifier.
    Classifier(FittedPipeline<FittedPreprocessing, FittedClassifier>),
    /// A regressor.
    Regressor(FittedPipeline<FittedPreprocessing, FittedRegressor>),
}

/// A model fitted on a CSV file, ready for new files of the same columns.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SavedModel {
    /// The model's name and hyperparameters.
    pub model: Model,
    /// The training file's feature layout and class names.
    pub schema: Schema,
    /// How files are read.
    pub reading: Reading,
    /// What a category the training file did not have becomes.
    pub unknown: Unknown,
    /// The fitted pipeline.
    pub trained: Trained,
}

impl Persist for SavedModel {
    fn kind() -> String {
        "csv-pipeline".into()
    }
}

/// Fit `model` behind `data`'s preprocessing on every row.
pub fn fit(data: &OwnData, model: &Model, unknown: Unknown) -> Result<SavedModel> {
    let preprocessing = data.preprocessing(model, unknown);
    let trained = match (&data.data, model) {
        (TaskData::Classification(d), Model::Classifier(m)) => {
            Trained::Classifier(Pipeline::new(preprocessing, m.clone()).fit(d)?)
        }
        (TaskData::Regression(d), Model::Regressor(m)) => {
            Trained::Regressor(Pipeline::new(preprocessing, m.clone()).fit(d)?)
        }
        _ => return Err(task_mismatch(data.task, model)),
    };
    Ok(SavedModel {
        model: model.clone(),
        schema: data.schema.clone(),
        reading: data.reading.clone(),
        unknown,
        trained,
    })
}

/// Quote a CSV field when it needs it.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

impl SavedModel {
    /// Predict every row of the CSV file `path` (its columns matched by name; the target
    /// need not be there) and write a CSV to `out`: one column named after the target
    /// (class names or numbers), then with `proba` one `P(class)` column per class. Returns
    /// the number of rows.
    pub fn predict_csv(&self, path: &Path, proba: bool, out: &mut impl Write) -> Result<usize> {
        let loader = self.reading.loader(&self.schema.target);
        let x = loader
            .features_like_path(&self.schema, path, self.unknown)
            .map_err(|e| super::in_file(path, e))?;
        let io = |e: std::io::Error| Error::invalid(format!("writing predictions: {e}"));
        let mut header = vec![field(&self.schema.target)];
        let rows: Vec<Vec<String>> = match &self.trained {
            Trained::Classifier(m) => {
                let labels = m.predict(x.view())?;
                let names = &self.schema.classes;
                let p = if proba {
                    header.extend(names.iter().map(|c| field(&format!("P({c})"))));
                    Some(m.predict_proba(x.view())?)
                } else {
                    None
                };
                labels
                    .iter()
                    .enumerate()
                    .map(|(i, &k)| {
                        let mut row = vec![field(names.get(k).map_or("", String::as_str))];
                        if let Some(p) = &p {
                            row.extend(p.row(i).iter().map(|v| format!("{v}")));
                        }
                        row
                    })
                    .collect()
            }
            Trained::Regressor(m) => {
                if proba {
                    m.predict_proba(x.view())?; // a regressor's error, naming it
                }
                m.predict(x.view())?
                    .iter()
                    .map(|v| vec![format!("{v}")])
                    .collect()
            }
        };
        writeln!(out, "{}", header.join(",")).map_err(io)?;
        for row in &rows {
            writeln!(out, "{}", row.join(",")).map_err(io)?;
        }
        Ok(rows.len())
    }
}
