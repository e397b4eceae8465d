//! The CSV loader: how users bring their own data.
//!
//! A header row names the columns (or [`CsvLoader::has_header`]`(false)` and names are given or
//! generated); one of them is the target. Each column's kind is inferred — numeric,
//! categorical, constant, identifier-like — and can be chosen per column
//! ([`CsvLoader::column`]); [`CsvLoader::describe`] reports what was found. Missing cells
//! (empty, `NA`, `N/A`, `NaN`, `nan`, `null`, `NULL`, `?`; configurable) are an error naming
//! every column that has them, unless the rows holding them are dropped or the cells kept as
//! NaN for an [`Imputer`](crate::preprocess::Imputer) ([`Missing`]). Every problem is an
//! [`Error::Csv`] with the 1-based line number (the header is line 1).
//!
//! ```no_run
//! use mlnotes::data::csv::{CsvLoader, Missing};
//! let houses = CsvLoader::new("price")
//!     .one_hot_categorical(true)
//!     .missing(Missing::Keep)
//!     .regression_from_path("houses.csv")?;
//! # Ok::<(), mlnotes::Error>(())
//! ```

mod columns;
mod schema;
mod table;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use ndarray::{Array1, Array2};

pub use columns::{ColumnKind, ColumnReport};
pub use schema::{Encoding, Schema, SchemaColumn, Unknown};

use super::Dataset;
use crate::{Error, Result};
use table::{Cells, Table};

/// What the loader does with missing cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Missing {
    /// An error naming each column with missing cells, their count and first line.
    Refuse,
    /// Leave out every row with a missing cell in a loaded column (target included).
    DropRows,
    /// Keep missing feature cells as NaN (a categorical column gets a `<missing>` category)
    /// for an imputer; a missing target is still an error.
    Keep,
    /// As `Keep` for features, and leave out every row whose target is missing (nothing to
    /// learn from).
    KeepFeatures,
}

/// The most categories a column may one-hot encode into.
pub const MAX_CATEGORIES: usize = 1000;

/// The category a missing cell of a categorical column becomes with [`Missing::Keep`].
pub const MISSING_CATEGORY: &str = "<missing>";

/// Reads a CSV file into a [`Dataset`].
#[derive(Debug, Clone)]
pub struct CsvLoader {
    target: String,
    delimiter: u8,
    categorical: Option<Categorical>,
    has_header: bool,
    names: Option<Vec<String>>,
    missing_tokens: Vec<String>,
    missing: Missing,
    kinds: BTreeMap<String, ColumnKind>,
}

/// How categorical feature columns become numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Categorical {
    /// One 0/1 feature per category (the first left out when `drop_first`); a missing cell is
    /// the category `<missing>`.
    OneHot {
        /// Leave out the first category's column.
        drop_first: bool,
    },
    /// One feature holding the category's index among the sorted categories (NaN when
    /// missing), for a [`ColumnTransformer`](crate::preprocess::ColumnTransformer) that
    /// imputes and one-hot encodes inside a pipeline, on training rows only.
    Codes,
}

fn csv_err(line: u64, reason: impl Into<String>) -> Error {
    Error::Csv {
        line,
        reason: reason.into(),
    }
}

impl CsvLoader {
    /// A loader whose target is the column named `target`; comma-delimited, with a header;
    /// categorical feature columns are an error until [`CsvLoader::one_hot_categorical`] is
    /// called; missing cells are an error until [`CsvLoader::missing`] says otherwise.
    pub fn new(target: impl Into<String>) -> Self {
        CsvLoader {
            target: target.into(),
            delimiter: b',',
            categorical: None,
            has_header: true,
            names: None,
            missing_tokens: ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"]
                .map(String::from)
                .to_vec(),
            missing: Missing::Refuse,
            kinds: BTreeMap::new(),
        }
    }

    /// Use another field delimiter (e.g. `b';'`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// One-hot encode categorical feature columns, dropping the first category of each when
    /// `drop_first` (the dummy-variable trap of linear models).
    pub fn one_hot_categorical(mut self, drop_first: bool) -> Self {
        self.categorical = Some(Categorical::OneHot { drop_first });
        self
    }

    /// Load each categorical feature column as one feature of category codes (NaN when
    /// missing): the input of a [`ColumnTransformer`](crate::preprocess::ColumnTransformer),
    /// whose categorical columns are [`Schema::categorical_features`].
    pub fn categorical_codes(mut self) -> Self {
        self.categorical = Some(Categorical::Codes);
        self
    }

    /// Whether the first line names the columns (default); without a header the columns are
    /// named by [`CsvLoader::names`] or `x0, x1, ...`.
    pub fn has_header(mut self, has_header: bool) -> Self {
        self.has_header = has_header;
        self
    }

    /// The column names of a headerless file.
    pub fn names(mut self, names: Vec<String>) -> Self {
        self.names = Some(names);
        self
    }

    /// The cell texts that mean "missing" (after trimming spaces), replacing the default list.
    pub fn missing_tokens(mut self, tokens: Vec<String>) -> Self {
        self.missing_tokens = tokens;
        self
    }

    /// What to do with missing cells (default [`Missing::Refuse`]).
    pub fn missing(mut self, missing: Missing) -> Self {
        self.missing = missing;
        self
    }

    /// Load the feature column `name` as `kind` (numeric, categorical, or dropped) instead of
    /// the inferred kind.
    pub fn column(mut self, name: impl Into<String>, kind: ColumnKind) -> Self {
        self.kinds.insert(name.into(), kind);
        self
    }

    /// What each column holds: its kind, its missing cells and its distinct values.
    pub fn describe<R: Read>(&self, reader: R) -> Result<Vec<ColumnReport>> {
        let table = self.read_table(reader, true, true)?;
        self.reports(&table, true)
    }

    /// [`CsvLoader::describe`] of a file.
    pub fn describe_path(&self, path: impl AsRef<Path>) -> Result<Vec<ColumnReport>> {
        self.describe(open(path.as_ref())?)
    }

    /// A regression set: the target column must be numeric.
    pub fn regression<R: Read>(&self, reader: R) -> Result<Dataset<f64>> {
        Ok(self.regression_with_schema(reader)?.0)
    }

    /// [`CsvLoader::regression`], and the [`Schema`] that loads new rows the same way.
    pub fn regression_with_schema<R: Read>(&self, reader: R) -> Result<(Dataset<f64>, Schema)> {
        self.regression_from(self.read_table(reader, true, false)?)
    }

    /// Read a file once: what its columns hold ([`ReadFile::columns`]), then the data set of
    /// either task from the same cells ([`ReadFile::classification`],
    /// [`ReadFile::regression`]) — for choosing the task from the target's kind without
    /// reading the file twice.
    pub fn read_file<R: Read>(&self, reader: R) -> Result<ReadFile> {
        let table = self.read_table(reader, true, true)?;
        let columns = self.reports(&table, true)?;
        Ok(ReadFile {
            loader: self.clone(),
            table,
            columns,
        })
    }

    fn regression_from(&self, mut table: Table) -> Result<(Dataset<f64>, Schema)> {
        let (rows, reports) = self.rows(&table)?;
        let y = Array1::from(Self::numbers(&table, table.target, &rows)?);
        let (x, names, columns) = self.features(&mut table, &rows, &reports)?;
        let schema = Schema::new(columns, &self.target, Vec::new());
        Ok((self.dataset(x, y, names)?, schema))
    }

    /// A classification set: target values become classes `0..k` — numbers compared as
    /// numbers (`1` and `1.0` are one class) in numeric order, else strings in lexicographic
    /// order; `class_names` keeps each class's spelling.
    pub fn classification<R: Read>(&self, reader: R) -> Result<Dataset<usize>> {
        Ok(self.classification_with_schema(reader)?.0)
    }

    /// [`CsvLoader::classification`], and the [`Schema`] that loads new rows the same way.
    pub fn classification_with_schema<R: Read>(
        &self,
        reader: R,
    ) -> Result<(Dataset<usize>, Schema)> {
        self.classification_from(self.read_table(reader, true, true)?)
    }

    fn classification_from(&self, mut table: Table) -> Result<(Dataset<usize>, Schema)> {
        let (rows, reports) = self.rows(&table)?;
        // Classes from every row of the file (rows dropped for missing features included), so
        // that dropping rows never drops a class or renumbers the others.
        let table::Cells::Text(target) = &table.columns[table.target] else {
            return Err(Error::invalid("the target column was not read as text"));
        };
        let values: Vec<&str> = target.values.iter().map(String::as_str).collect();
        let (classes, class_of_value) = columns::class_codes(&values);
        let y = rows
            .iter()
            .map(|&i| {
                class_of_value
                    .get(target.codes[i] as usize)
                    .copied()
                    .unwrap_or(0)
            })
            .collect::<Array1<usize>>();
        let (x, names, columns) = self.features(&mut table, &rows, &reports)?;
        let schema = Schema::new(columns, &self.target, classes.clone());
        let mut d = self.dataset(x, y, names)?;
        d.class_names = classes;
        Ok((d, schema))
    }

    /// [`CsvLoader::regression`] on a file.
    pub fn regression_from_path(&self, path: impl AsRef<Path>) -> Result<Dataset<f64>> {
        self.regression(open(path.as_ref())?)
    }

    /// [`CsvLoader::classification`] on a file.
    pub fn classification_from_path(&self, path: impl AsRef<Path>) -> Result<Dataset<usize>> {
        self.classification(open(path.as_ref())?)
    }

    fn is_missing(&self, cell: &str) -> bool {
        self.missing_tokens.iter().any(|t| t == cell)
    }

    /// A data set, keeping NaN (missing cells) only when asked to.
    fn dataset<T: super::Target>(
        &self,
        x: Array2<f64>,
        y: Array1<T>,
        names: Vec<String>,
    ) -> Result<Dataset<T>> {
        if matches!(self.missing, Missing::Keep | Missing::KeepFeatures) {
            Dataset::with_missing(x, y, names, &self.target)
        } else {
            Dataset::with_names(x, y, names, &self.target)
        }
    }

    /// Each column's report, with the user's kinds applied (an unknown column name, or a kind
    /// that cannot be chosen, is an error).
    /// `exact`: count every distinct value of number columns (for [`CsvLoader::describe`]);
    /// loading needs to know only whether there is more than one.
    fn reports(&self, t: &Table, exact: bool) -> Result<Vec<ColumnReport>> {
        if let Some(name) = self.kinds.keys().find(|k| !t.header.contains(k)) {
            return Err(csv_err(
                1,
                format!(
                    "no column named '{name}' to choose a kind for (columns: {})",
                    t.header.join(", ")
                ),
            ));
        }
        t.header
            .iter()
            .zip(&t.columns)
            .enumerate()
            .map(|(j, (name, cells))| {
                let summary = cells.summary(exact);
                let kind = match self.kinds.get(name) {
                    Some(_) if j == t.target => {
                        return Err(Error::config(
                            "column",
                            format!(
                                "'{name}' is the target: its kind follows from regression or \
                                 classification"
                            ),
                        ));
                    }
                    None => columns::infer(&summary),
                    Some(
                        k @ (ColumnKind::Numeric | ColumnKind::Categorical | ColumnKind::Dropped),
                    ) => *k,
                    Some(k) => {
                        return Err(Error::config(
                            "column",
                            format!(
                                "'{name}' can be chosen numeric, categorical or dropped, not {k:?}"
                            ),
                        ));
                    }
                };
                Ok(ColumnReport {
                    name: name.clone(),
                    kind,
                    target: j == t.target,
                    missing: summary.missing,
                    first_missing_line: summary.first_missing.map(|i| t.lines[i]),
                    distinct: summary.distinct,
                })
            })
            .collect()
    }

    /// The rows to load (indices into the table), after the missing-cell policy, and the
    /// column reports.
    fn rows(&self, t: &Table) -> Result<(Vec<usize>, Vec<ColumnReport>)> {
        let reports = self.reports(t, false)?;
        let loaded = |r: &ColumnReport| r.target || !is_left_out(r.kind);
        let with_missing: Vec<&ColumnReport> = reports
            .iter()
            .filter(|r| loaded(r) && r.missing > 0)
            .collect();
        let target = &reports[t.target];
        let all = (0..t.n_rows()).collect();
        match self.missing {
            _ if with_missing.is_empty() => {}
            Missing::Refuse => {
                let line = with_missing
                    .iter()
                    .filter_map(|r| r.first_missing_line)
                    .min()
                    .unwrap_or(2);
                let listed: Vec<String> = with_missing
                    .iter()
                    .map(|r| {
                        format!(
                            "'{}' {} (first at line {})",
                            r.name,
                            r.missing,
                            r.first_missing_line.unwrap_or(0)
                        )
                    })
                    .collect();
                return Err(csv_err(
                    line,
                    format!(
                        "missing values in columns {}; drop those rows \
                         (CsvLoader::missing(Missing::DropRows)) or keep them for an imputer \
                         (Missing::Keep)",
                        listed.join(", ")
                    ),
                ));
            }
            Missing::Keep if target.missing > 0 => {
                return Err(csv_err(
                    target.first_missing_line.unwrap_or(2),
                    format!(
                        "{} missing values in the target column '{}' (first at line {}): \
                         drop those rows (Missing::DropRows)",
                        target.missing,
                        target.name,
                        target.first_missing_line.unwrap_or(0)
                    ),
                ));
            }
            Missing::KeepFeatures if target.missing > 0 => {
                let target = &t.columns[t.target];
                let kept: Vec<usize> = (0..t.n_rows()).filter(|&i| !target.is_missing(i)).collect();
                if kept.is_empty() {
                    return Err(csv_err(2, "every row's target is missing"));
                }
                return Ok((kept, reports));
            }
            Missing::Keep | Missing::KeepFeatures => {}
            Missing::DropRows => {
                let columns: Vec<&Cells> = (0..reports.len())
                    .filter(|&j| loaded(&reports[j]))
                    .map(|j| &t.columns[j])
                    .collect();
                let kept: Vec<usize> = (0..t.n_rows())
                    .filter(|&i| columns.iter().all(|c| !c.is_missing(i)))
                    .collect();
                if kept.is_empty() {
                    return Err(csv_err(2, "every row has a missing value"));
                }
                return Ok((kept, reports));
            }
        }
        Ok((all, reports))
    }

    /// The numbers of a column at `rows` (missing cells NaN); a cell that is not a finite
    /// number within range is an error naming its line.
    fn numbers(t: &Table, j: usize, rows: &[usize]) -> Result<Vec<f64>> {
        let name = &t.header[j];
        match &t.columns[j] {
            Cells::Numbers(v) => rows
                .iter()
                .map(|&i| match v[i] {
                    x if x.is_nan() => Ok(x),
                    x if x.is_finite() && x.abs() <= crate::validate::MAX_MAGNITUDE => Ok(x),
                    x => parse_number(&x.to_string(), name, t.lines[i]),
                })
                .collect(),
            Cells::Text(text) => {
                // each distinct value parsed once
                let parsed: Vec<std::result::Result<f64, u32>> = (0..text.values.len())
                    .map(|k| parse_number(&text.values[k], name, 0).map_err(|_| k as u32))
                    .collect();
                rows.iter()
                    .map(|&i| match text.codes[i] {
                        table::MISSING => Ok(f64::NAN),
                        k => parsed[k as usize]
                            .or_else(|k| parse_number(&text.values[k as usize], name, t.lines[i])),
                    })
                    .collect()
            }
        }
    }

    /// Fails unless every present cell of a number column at `rows` is finite and within
    /// range, naming the first that is not and its line.
    fn check_numbers(t: &Table, j: usize, rows: &[usize]) -> Result<()> {
        if let Cells::Numbers(v) = &t.columns[j]
            && let Some(&i) = rows.iter().find(|&&i| {
                let x = v[i];
                let in_range = x.is_finite() && x.abs() <= crate::validate::MAX_MAGNITUDE;
                !(x.is_nan() || in_range)
            })
        {
            parse_number(&v[i].to_string(), &t.header[j], t.lines[i])?;
        }
        Ok(())
    }

    /// The sorted categories of a column at `rows` (missing cells `None`), and each row's
    /// index among them.
    fn categories(t: &Table, j: usize, rows: &[usize]) -> (Vec<String>, Vec<Option<usize>>) {
        let texts: Vec<Option<std::borrow::Cow<'_, str>>> =
            rows.iter().map(|&i| t.columns[j].text(i)).collect();
        let categories: Vec<String> = texts
            .iter()
            .flatten()
            .map(|c| c.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let codes = texts
            .iter()
            .map(|c| {
                c.as_ref()
                    .and_then(|c| categories.binary_search_by(|k| k.as_str().cmp(c)).ok())
            })
            .collect();
        (categories, codes)
    }

    /// The feature matrix of `rows`: numeric columns as they are (missing cells NaN),
    /// categorical ones one-hot encoded or coded; identifier-like and dropped columns left
    /// out.
    fn features(
        &self,
        t: &mut Table,
        rows: &[usize],
        reports: &[ColumnReport],
    ) -> Result<(Array2<f64>, Vec<String>, Vec<SchemaColumn>)> {
        /// Where a feature's values come from: a number column of the table, checked and
        /// copied when the matrix is filled, or values computed here (categorical columns,
        /// numbers stored as text).
        enum Source {
            Column(usize),
            Values(Vec<f64>),
        }
        let mut columns: Vec<Source> = Vec::new();
        let mut names = Vec::new();
        let mut schema = Vec::new();
        for (j, report) in reports.iter().enumerate() {
            if report.target || is_left_out(report.kind) {
                continue;
            }
            let name = &report.name;
            let numeric = match report.kind {
                ColumnKind::Numeric => true,
                ColumnKind::Constant => matches!(t.columns[j], Cells::Numbers(_)),
                _ => false,
            };
            if numeric {
                columns.push(match &t.columns[j] {
                    Cells::Numbers(_) => {
                        Self::check_numbers(t, j, rows)?;
                        Source::Column(j)
                    }
                    Cells::Text(_) => Source::Values(Self::numbers(t, j, rows)?),
                });
                names.push(name.clone());
                schema.push(SchemaColumn {
                    name: name.clone(),
                    encoding: Encoding::Numeric,
                });
                continue;
            }
            let Some(categorical) = self.categorical else {
                let k = rows
                    .iter()
                    .position(|&i| {
                        t.columns[j]
                            .text(i)
                            .is_some_and(|c| c.parse::<f64>().is_err())
                    })
                    .unwrap_or(0);
                let line = rows.get(k).map_or(2, |&i| t.lines[i]);
                if report.kind == ColumnKind::Categorical && self.kinds.contains_key(name) {
                    return Err(csv_err(
                        line,
                        format!(
                            "column '{name}' was chosen categorical: ask for one-hot encoding \
                             (CsvLoader::one_hot_categorical) or codes \
                             (CsvLoader::categorical_codes)"
                        ),
                    ));
                }
                let cell = rows
                    .get(k)
                    .and_then(|&i| t.columns[j].text(i))
                    .unwrap_or_default();
                return Err(csv_err(
                    line,
                    format!(
                        "non-numeric value '{cell}' in feature column '{name}': it is \
                         categorical; ask for one-hot encoding (CsvLoader::one_hot_categorical) \
                         or leave it out (CsvLoader::column(\"{name}\", ColumnKind::Dropped))"
                    ),
                ));
            };
            let (mut categories, mut codes) = Self::categories(t, j, rows);
            t.columns[j] = Cells::Numbers(Vec::new());
            if let Categorical::OneHot { .. } = categorical
                && codes.iter().any(Option::is_none)
            {
                // a missing cell is one more category
                let k = categories.partition_point(|c| c.as_str() < MISSING_CATEGORY);
                categories.insert(k, MISSING_CATEGORY.to_string());
                for c in &mut codes {
                    *c = Some(c.map_or(k, |c| c + usize::from(c >= k)));
                }
            }
            if categories.len() > MAX_CATEGORIES {
                return Err(csv_err(
                    1,
                    format!(
                        "column '{name}' has {} categories, more than {MAX_CATEGORIES} one-hot \
                         columns; leave it out (CsvLoader::column(\"{name}\", \
                         ColumnKind::Dropped)) or, if it holds numbers, set its missing-value \
                         tokens",
                        categories.len()
                    ),
                ));
            }
            match categorical {
                Categorical::Codes => {
                    columns.push(Source::Values(
                        codes
                            .iter()
                            .map(|c| c.map_or(f64::NAN, |c| c as f64))
                            .collect(),
                    ));
                    names.push(name.clone());
                    schema.push(SchemaColumn {
                        name: name.clone(),
                        encoding: Encoding::Codes { categories },
                    });
                }
                Categorical::OneHot { drop_first } => {
                    for (k, category) in categories.iter().enumerate().skip(usize::from(drop_first))
                    {
                        columns.push(Source::Values(
                            codes.iter().map(|&c| f64::from(c == Some(k))).collect(),
                        ));
                        names.push(format!("{name}={category}"));
                    }
                    schema.push(SchemaColumn {
                        name: name.clone(),
                        encoding: Encoding::OneHot {
                            categories,
                            drop_first,
                        },
                    });
                }
            }
        }
        if columns.is_empty() {
            let left_out: Vec<String> = reports
                .iter()
                .filter(|r| !r.target)
                .map(|r| format!("'{}' ({:?})", r.name, r.kind))
                .collect();
            return Err(csv_err(
                1,
                format!("no feature column is left to load: {}", left_out.join(", ")),
            ));
        }
        // Row blocks that fit in cache, each filled column by column.
        const BLOCK: usize = 1024;
        let width = columns.len();
        let mut x = Array2::zeros((rows.len(), width));
        let cells = x
            .as_slice_mut()
            .ok_or_else(|| Error::invalid("a new matrix is contiguous"))?;
        for start in (0..rows.len()).step_by(BLOCK) {
            let block = start..(start + BLOCK).min(rows.len());
            for (j, column) in columns.iter().enumerate() {
                match column {
                    Source::Values(values) => {
                        for i in block.clone() {
                            cells[i * width + j] = values[i];
                        }
                    }
                    Source::Column(c) => {
                        if let Cells::Numbers(values) = &t.columns[*c] {
                            for i in block.clone() {
                                cells[i * width + j] = values[rows[i]];
                            }
                        }
                    }
                }
            }
        }
        Ok((x, names, schema))
    }
}

/// A file read once by [`CsvLoader::read_file`].
pub struct ReadFile {
    loader: CsvLoader,
    table: Table,
    columns: Vec<ColumnReport>,
}

impl ReadFile {
    /// What each column holds, as [`CsvLoader::describe`] reports it.
    pub fn columns(&self) -> &[ColumnReport] {
        &self.columns
    }

    /// The classification set and its schema, as
    /// [`CsvLoader::classification_with_schema`] loads them.
    pub fn classification(self) -> Result<(Dataset<usize>, Schema)> {
        self.loader.classification_from(self.table)
    }

    /// The regression set and its schema, as [`CsvLoader::regression_with_schema`] loads
    /// them (the target's distinct values parsed once each).
    pub fn regression(self) -> Result<(Dataset<f64>, Schema)> {
        self.loader.regression_from(self.table)
    }
}

/// Whether a column of this kind is left out of the features.
fn is_left_out(kind: ColumnKind) -> bool {
    matches!(kind, ColumnKind::Identifier | ColumnKind::Dropped)
}

/// Fails unless the names are unique, include the target, and leave at least one feature; when
/// the target is not found in a one-column header, says which delimiter the file seems to use.
fn check_header(
    header: &[String],
    target: Option<&str>,
    delimiter: u8,
    has_header: bool,
) -> Result<()> {
    if let Some(j) = header.iter().position(String::is_empty) {
        return Err(csv_err(
            1,
            format!(
                "column {} has no name (a trailing delimiter?); name it, or load without a \
                 header and give names",
                j + 1
            ),
        ));
    }
    let mut seen = std::collections::HashMap::with_capacity(header.len());
    for (j, name) in header.iter().enumerate() {
        if let Some(&first) = seen.get(name.as_str()) {
            return Err(csv_err(
                1,
                format!(
                    "duplicate column name '{name}' (columns {} and {})",
                    first + 1,
                    j + 1
                ),
            ));
        }
        seen.insert(name.as_str(), j);
    }
    let Some(target) = target else {
        return Ok(());
    };
    if !header.iter().any(|h| h == target) {
        let hint = match header {
            [only] => [b',', b';', b'\t', b'|']
                .into_iter()
                .filter(|&d| d != delimiter)
                .find(|&d| only.contains(char::from(d)))
                .map(|d| {
                    format!(
                        "; the {} has one column but contains '{}': set CsvLoader::delimiter(b'{}')",
                        if has_header { "header" } else { "first row" },
                        char::from(d).escape_default(),
                        char::from(d).escape_default()
                    )
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        return Err(csv_err(
            1,
            format!(
                "no column named '{target}' (columns: {}){hint}",
                header.join(", ")
            ),
        ));
    }
    if header.len() < 2 {
        return Err(csv_err(
            1,
            "need at least one feature column besides the target",
        ));
    }
    Ok(())
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| Error::io(path, e))
}

fn parse_number(cell: &str, column: &str, line: u64) -> Result<f64> {
    if cell.is_empty() {
        return Err(csv_err(line, format!("missing value in column '{column}'")));
    }
    let v: f64 = cell.parse().map_err(|_| {
        csv_err(
            line,
            format!("non-numeric value '{cell}' in column '{column}'"),
        )
    })?;
    if !v.is_finite() {
        return Err(csv_err(
            line,
            format!("non-finite value '{cell}' in column '{column}'"),
        ));
    }
    if v.abs() > crate::validate::MAX_MAGNITUDE {
        return Err(csv_err(
            line,
            format!(
                "value '{cell}' in column '{column}' is beyond ±{:e}, where squares overflow; \
                 rescale the column",
                crate::validate::MAX_MAGNITUDE
            ),
        ));
    }
    Ok(v)
}
