//! The schema of a loaded training file: which columns became features and how, so that new
//! rows (a file to predict) are loaded into exactly the same feature layout — columns matched
//! by name, categories mapped to the training file's one-hot columns.

use std::io::Read;
use std::path::Path;

use ndarray::Array2;

use super::{ColumnKind, CsvLoader, MISSING_CATEGORY, csv_err, open};
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
    /// One feature: the category's index among `categories` (sorted), NaN when missing.
    Codes {
        /// The training file's categories, sorted.
        categories: Vec<String>,
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Unknown {
    /// An error naming the line, the column and the value.
    #[default]
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
                Encoding::Numeric | Encoding::Codes { .. } => vec![c.name.clone()],
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

    /// The features that hold category codes ([`Encoding::Codes`]), for a
    /// [`ColumnTransformer`](crate::preprocess::ColumnTransformer).
    pub fn categorical_features(&self) -> Vec<usize> {
        let mut j = 0;
        let mut out = Vec::new();
        for c in &self.columns {
            match &c.encoding {
                Encoding::Numeric => j += 1,
                Encoding::Codes { .. } => {
                    out.push(j);
                    j += 1;
                }
                Encoding::OneHot {
                    categories,
                    drop_first,
                } => j += categories.len() - usize::from(*drop_first),
            }
        }
        out
    }
}

/// The index of `value` among the sorted `categories`; a number missing in its own spelling
/// is looked up in its shortest one (`1.0` as `1`), as a column read as numbers before its
/// first text cell stores its numbers.
fn category_index(categories: &[String], value: &str) -> Option<usize> {
    let find = |v: &str| categories.binary_search_by(|c| c.as_str().cmp(v)).ok();
    find(value).or_else(|| {
        let v = value.parse::<f64>().ok().filter(|v| !v.is_nan())?;
        find(&v.to_string())
    })
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
        // categorical columns as text, whatever their cells look like
        for c in &schema.columns {
            if !matches!(c.encoding, Encoding::Numeric) {
                reading
                    .kinds
                    .insert(c.name.clone(), ColumnKind::Categorical);
            }
        }
        reading
            .kinds
            .retain(|name, _| schema.columns.iter().any(|c| c.name == *name));
        let table = reading.read_table(reader, false, false)?;
        let position = |name: &str| table.header.iter().position(|h| h == name);
        let absent: Vec<&str> = schema
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|name| position(name).is_none())
            .collect();
        if !absent.is_empty() {
            return Err(csv_err(
                1,
                format!(
                    "no column named '{}', which the model was trained on (columns: {})",
                    absent.join("', '"),
                    table.header.join(", ")
                ),
            ));
        }
        let positions: Vec<usize> = schema
            .columns
            .iter()
            .filter_map(|c| position(&c.name))
            .collect();
        let rows: Vec<usize> = (0..table.n_rows()).collect();
        let width = schema.feature_names().len();
        let mut x = Array2::zeros((rows.len(), width));
        let mut j = 0;
        for (column, &p) in schema.columns.iter().zip(&positions) {
            let unseen = |i: usize, value: &str, categories: &[String]| {
                csv_err(
                    table.lines[i],
                    format!(
                        "category '{value}' of column '{}' was not in the training file (it \
                         had {})",
                        column.name,
                        categories.join(", ")
                    ),
                )
            };
            match &column.encoding {
                Encoding::Numeric => {
                    let numbers = CsvLoader::numbers(&table, p, &rows)?;
                    x.column_mut(j).assign(&ndarray::ArrayView1::from(&numbers));
                    j += 1;
                }
                Encoding::OneHot {
                    categories,
                    drop_first,
                } => {
                    let offset = usize::from(*drop_first);
                    for i in 0..table.n_rows() {
                        let cell = table.columns[p].text(i);
                        let value = cell.as_deref().unwrap_or(MISSING_CATEGORY);
                        match category_index(categories, value) {
                            Some(k) if k >= offset => x[[i, j + k - offset]] = 1.0,
                            Some(_) => {}
                            None if unknown == Unknown::Zeros => {}
                            None => return Err(unseen(i, value, categories)),
                        }
                    }
                    j += categories.len() - offset;
                }
                Encoding::Codes { categories } => {
                    for i in 0..table.n_rows() {
                        x[[i, j]] = match table.columns[p].text(i) {
                            None => f64::NAN,
                            Some(value) => {
                                match category_index(categories, &value) {
                                    Some(k) => k as f64,
                                    // a code no training row has: zeros for an encoder that
                                    // ignores unknown categories
                                    None if unknown == Unknown::Zeros => categories.len() as f64,
                                    None => return Err(unseen(i, &value, categories)),
                                }
                            }
                        };
                    }
                    j += 1;
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
