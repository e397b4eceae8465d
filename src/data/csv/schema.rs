//! The schema of a loaded training file: which columns became features and how, so that new
//! rows (a file to predict) are loaded into exactly the same feature layout — columns matched
//! by name, categories mapped to the training file's one-hot columns.

use std::io::Read;
use std::path::Path;

use ndarray::Array2;

use super::{CsvLoader, MISSING_CATEGORY, csv_err, open, parse_number};
use crate::Result;

/// How a feature column was encoded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Encoding {
    /// One feature, the number (a missing cell is NaN).
    Numeric,
    /// One feature per category (the first left out when `drop_first`), in this order.
    OneHot {
        /// The training file's categories, sorted (`<missing>` among them when kept).
        categories: Vec<String>,
        /// Whether the first category has no column.
        drop_first: bool,
    },
}

/// One column of the file that became features.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SchemaColumn {
    /// Its name in the file.
    pub name: String,
    /// How it was encoded.
    pub encoding: Encoding,
}

/// What a category not seen in the training file becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Unknown {
    /// An error naming the line, the column and the value.
    Error,
    /// Zeros in every one-hot column of that feature (scikit-learn's `handle_unknown="ignore"`).
    Zeros,
}

/// The feature layout of a training file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Schema {
    /// The feature columns, in the order of the features.
    pub columns: Vec<SchemaColumn>,
    /// The target's name (a file to predict need not have it).
    pub target: String,
    /// The class names of a classification target (empty for regression).
    pub classes: Vec<String>,
}

impl Schema {
    pub(super) fn new(columns: Vec<SchemaColumn>, target: &str, classes: Vec<String>) -> Self {
        Schema {
            columns,
            target: target.to_string(),
            classes,
        }
    }

    /// The feature names, as the training data set has them.
    pub fn feature_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .flat_map(|c| match &c.encoding {
                Encoding::Numeric => vec![c.name.clone()],
                Encoding::OneHot {
                    categories,
                    drop_first,
                } => categories[usize::from(*drop_first)..]
                    .iter()
                    .map(|k| format!("{}={k}", c.name))
                    .collect(),
            })
            .collect()
    }
}

impl CsvLoader {
    /// The features of new rows in the layout of `schema` (from
    /// [`CsvLoader::classification_with_schema`] or [`CsvLoader::regression_with_schema`]):
    /// columns are found by name (other columns, the target among them, are ignored; a
    /// missing one is an error naming it), numbers parsed (missing cells NaN, for the model's
    /// imputer), categories mapped to the training file's one-hot columns, an unseen category
    /// handled by `unknown`. This loader's reading settings (delimiter, header, missing-value
    /// tokens) apply.
    pub fn features_like<R: Read>(
        &self,
        schema: &Schema,
        reader: R,
        unknown: Unknown,
    ) -> Result<Array2<f64>> {
        let mut reading = self.clone();
        reading.target.clone_from(&schema.target);
        let table = reading.read_table(reader, false)?;
        let positions = schema
            .columns
            .iter()
            .map(|c| {
                table.header.iter().position(|h| *h == c.name).ok_or_else(|| {
                    csv_err(
                        1,
                        format!(
                            "no column named '{}', which the model was trained on (columns: {})",
                            c.name,
                            table.header.join(", ")
                        ),
                    )
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        let width = schema.feature_names().len();
        let mut x = Array2::zeros((table.rows.len(), width));
        for (i, (line, row)) in table.rows.iter().enumerate() {
            let mut j = 0;
            for (column, &p) in schema.columns.iter().zip(&positions) {
                let cell = row[p].as_str();
                match &column.encoding {
                    Encoding::Numeric => {
                        x[[i, j]] = if self.is_missing(cell) {
                            f64::NAN
                        } else {
                            parse_number(cell, &column.name, *line)?
                        };
                        j += 1;
                    }
                    Encoding::OneHot {
                        categories,
                        drop_first,
                    } => {
                        let value = if self.is_missing(cell) {
                            MISSING_CATEGORY
                        } else {
                            cell
                        };
                        let offset = usize::from(*drop_first);
                        match categories.binary_search_by(|c| c.as_str().cmp(value)) {
                            Ok(k) if k >= offset => x[[i, j + k - offset]] = 1.0,
                            Ok(_) => {}
                            Err(_) if unknown == Unknown::Zeros => {}
                            Err(_) => {
                                return Err(csv_err(
                                    *line,
                                    format!(
                                        "category '{value}' of column '{}' was not in the \
                                         training file (it had {})",
                                        column.name,
                                        categories.join(", ")
                                    ),
                                ));
                            }
                        }
                        j += categories.len() - offset;
                    }
                }
            }
        }
        Ok(x)
    }

    /// [`CsvLoader::features_like`] of a file.
    pub fn features_like_path(
        &self,
        schema: &Schema,
        path: impl AsRef<Path>,
        unknown: Unknown,
    ) -> Result<Array2<f64>> {
        self.features_like(schema, open(path.as_ref())?, unknown)
    }
}
