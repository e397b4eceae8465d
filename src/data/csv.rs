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

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use ndarray::{Array1, Array2};

pub use columns::{ColumnKind, ColumnReport};
pub use schema::{Encoding, Schema, SchemaColumn, Unknown};

use super::Dataset;
use crate::estimator::{FitFeatures, Transform};
use crate::preprocess::{OneHotEncoder, category_codes};
use crate::{Error, Result};

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
    one_hot: Option<bool>,
    has_header: bool,
    names: Option<Vec<String>>,
    missing_tokens: Vec<String>,
    missing: Missing,
    kinds: BTreeMap<String, ColumnKind>,
}

/// A row's line number and cells.
type Row = (u64, Vec<String>);

/// The cells of a file: header and rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Row>,
    target: usize,
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
            one_hot: None,
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
        self.one_hot = Some(drop_first);
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
        let table = self.read(reader)?;
        self.reports(&table)
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
        let table = self.read(reader)?;
        let (rows, reports) = self.rows(&table)?;
        let target = &table.header[table.target];
        let y = rows
            .iter()
            .map(|(line, row)| parse_number(&row[table.target], target, *line))
            .collect::<Result<Array1<f64>>>()?;
        let (x, names, columns) = self.features(&rows, &reports)?;
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
        let table = self.read(reader)?;
        let (rows, reports) = self.rows(&table)?;
        // Classes from every row of the file (rows dropped for missing features included), so
        // that dropping rows never drops a class or renumbers the others.
        let all: Vec<&str> = table
            .rows
            .iter()
            .map(|(_, r)| r[table.target].as_str())
            .filter(|v| !self.is_missing(v))
            .collect();
        let (classes, codes) = columns::class_codes(&all);
        let code: std::collections::HashMap<&str, usize> = all.iter().copied().zip(codes).collect();
        let y = rows
            .iter()
            .map(|(_, r)| code.get(r[table.target].as_str()).copied().unwrap_or(0))
            .collect::<Array1<usize>>();
        let (x, names, columns) = self.features(&rows, &reports)?;
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
        if self.missing == Missing::Keep {
            Dataset::with_missing(x, y, names, &self.target)
        } else {
            Dataset::with_names(x, y, names, &self.target)
        }
    }

    /// Each column's report, with the user's kinds applied (an unknown column name, or a kind
    /// that cannot be chosen, is an error).
    fn reports(&self, t: &Table) -> Result<Vec<ColumnReport>> {
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
            .enumerate()
            .map(|(j, name)| {
                let (mut missing, mut first_missing_line) = (0, None);
                let mut present = Vec::with_capacity(t.rows.len());
                for (line, row) in &t.rows {
                    if self.is_missing(&row[j]) {
                        missing += 1;
                        first_missing_line.get_or_insert(*line);
                    } else {
                        present.push(row[j].as_str());
                    }
                }
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
                    None => columns::infer(&present),
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
                    missing,
                    first_missing_line,
                    distinct: columns::distinct(&present),
                })
            })
            .collect()
    }

    /// The rows to load, after the missing-cell policy, and the column reports.
    fn rows<'t>(&self, t: &'t Table) -> Result<(Vec<&'t Row>, Vec<ColumnReport>)> {
        let reports = self.reports(t)?;
        let loaded = |r: &ColumnReport| r.target || !is_left_out(r.kind);
        let with_missing: Vec<&ColumnReport> = reports
            .iter()
            .filter(|r| loaded(r) && r.missing > 0)
            .collect();
        let target = &reports[t.target];
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
            Missing::Keep => {}
            Missing::DropRows => {
                let columns: Vec<usize> = (0..reports.len())
                    .filter(|&j| loaded(&reports[j]))
                    .collect();
                let kept: Vec<_> = t
                    .rows
                    .iter()
                    .filter(|(_, row)| columns.iter().all(|&j| !self.is_missing(&row[j])))
                    .collect();
                if kept.is_empty() {
                    return Err(csv_err(2, "every row has a missing value"));
                }
                return Ok((kept, reports));
            }
        }
        Ok((t.rows.iter().collect(), reports))
    }

    fn read<R: Read>(&self, reader: R) -> Result<Table> {
        self.read_table(reader, true)
    }

    /// The file's cells; `with_target`: the target column must be there (a file of new rows
    /// to predict need not have it).
    fn read_table<R: Read>(&self, mut reader: R, with_target: bool) -> Result<Table> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| csv_err(0, format!("read failed: {e}")))?;
        // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first name.
        let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let bytes = &bytes[start..];
        // line numbers from byte offsets (the csv crate does not count blank lines)
        let newlines: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i)
            .collect();
        let line_at = |byte: u64| {
            // a record's position can point at blank lines before it: skip them
            let mut b = byte as usize;
            while matches!(bytes.get(b), Some(b'\n' | b'\r')) {
                b += 1;
            }
            newlines.partition_point(|&nl| nl < b) as u64 + 1
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(bytes);
        let mut records = rdr.records().peekable();
        if self.has_header && self.names.is_some() {
            return Err(Error::config(
                "names",
                "column names are given for a file with a header; set has_header(false)",
            ));
        }
        let header: Vec<String> = if self.has_header {
            match records.next() {
                None => return Err(csv_err(1, "empty file: expected a header row")),
                Some(rec) => rec
                    .map_err(|e| from_csv_error(&e, &line_at))?
                    .iter()
                    .map(|h| h.trim().to_string())
                    .collect(),
            }
        } else {
            let width = match records.peek() {
                None => return Err(csv_err(1, "empty file: expected data rows")),
                Some(Ok(rec)) => rec.len(),
                Some(Err(e)) => return Err(from_csv_error(e, &line_at)),
            };
            match &self.names {
                Some(names) if names.len() != width => {
                    return Err(csv_err(
                        1,
                        format!("{} names given for {width} columns", names.len()),
                    ));
                }
                Some(names) => names.clone(),
                None => super::generic_names(width),
            }
        };
        check_header(
            &header,
            with_target.then_some(self.target.as_str()),
            self.delimiter,
            self.has_header,
        )?;
        let target = header
            .iter()
            .position(|h| *h == self.target)
            .unwrap_or(usize::MAX);
        let mut rows = Vec::new();
        for rec in records {
            let rec = rec.map_err(|e| from_csv_error(&e, &line_at))?;
            let line = rec.position().map_or(0, |p| line_at(p.byte()));
            if rec.len() == 1 && rec.get(0).is_some_and(|c| c.trim().is_empty()) {
                continue; // blank line
            }
            if rec.len() != header.len() {
                return Err(csv_err(
                    line,
                    format!(
                        "expected {} fields (as in the {}), found {}",
                        header.len(),
                        if self.has_header {
                            "header"
                        } else {
                            "first row"
                        },
                        rec.len()
                    ),
                ));
            }
            rows.push((line, rec.iter().map(|c| c.trim().to_string()).collect()));
        }
        if rows.is_empty() {
            return Err(csv_err(2, "no data rows after the header"));
        }
        Ok(Table {
            header,
            rows,
            target,
        })
    }

    /// The feature matrix of `rows`: numeric columns as they are (missing cells NaN),
    /// categorical ones one-hot encoded; identifier-like and dropped columns left out.
    fn features(
        &self,
        rows: &[&Row],
        reports: &[ColumnReport],
    ) -> Result<(Array2<f64>, Vec<String>, Vec<SchemaColumn>)> {
        let mut columns: Vec<Vec<f64>> = Vec::new();
        let mut names = Vec::new();
        let mut schema = Vec::new();
        for (j, report) in reports.iter().enumerate() {
            if report.target || is_left_out(report.kind) {
                continue;
            }
            let name = &report.name;
            let cells: Vec<&str> = rows.iter().map(|(_, r)| r[j].as_str()).collect();
            let numeric = match report.kind {
                ColumnKind::Numeric => true,
                ColumnKind::Constant => cells
                    .iter()
                    .all(|c| self.is_missing(c) || c.parse::<f64>().is_ok()),
                _ => false,
            };
            if numeric {
                let col = rows
                    .iter()
                    .map(|(line, r)| match self.is_missing(&r[j]) {
                        true => Ok(f64::NAN),
                        false => parse_number(&r[j], name, *line),
                    })
                    .collect::<Result<Vec<f64>>>()?;
                columns.push(col);
                names.push(name.clone());
                schema.push(SchemaColumn {
                    name: name.clone(),
                    encoding: Encoding::Numeric,
                });
                continue;
            }
            let Some(drop_first) = self.one_hot else {
                let k = cells
                    .iter()
                    .position(|c| !self.is_missing(c) && c.parse::<f64>().is_err())
                    .unwrap_or(0);
                if report.kind == ColumnKind::Categorical && self.kinds.contains_key(name) {
                    return Err(csv_err(
                        rows.get(k).map_or(2, |r| r.0),
                        format!(
                            "column '{name}' was chosen categorical: ask for one-hot encoding \
                             (CsvLoader::one_hot_categorical)"
                        ),
                    ));
                }
                return Err(csv_err(
                    rows.get(k).map_or(2, |r| r.0),
                    format!(
                        "non-numeric value '{}' in feature column '{name}': it is categorical; \
                         ask for one-hot encoding (CsvLoader::one_hot_categorical) or leave it \
                         out (CsvLoader::column(\"{name}\", ColumnKind::Dropped))",
                        cells.get(k).unwrap_or(&"")
                    ),
                ));
            };
            let spelled: Vec<&str> = cells
                .iter()
                .map(|&c| {
                    if self.is_missing(c) {
                        MISSING_CATEGORY
                    } else {
                        c
                    }
                })
                .collect();
            let (categories, codes) = category_codes(&spelled);
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
            let codes = Array2::from_shape_vec((codes.len(), 1), codes)
                .map_err(|e| Error::invalid(e.to_string()))?;
            let encoded = OneHotEncoder::new(drop_first)
                .fit_features(codes.view())?
                .transform(codes.view())?;
            for (col, category) in encoded
                .columns()
                .into_iter()
                .zip(&categories[usize::from(drop_first)..])
            {
                columns.push(col.to_vec());
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
        let n = rows.len();
        let x = Array2::from_shape_fn((n, columns.len()), |(i, j)| columns[j][i]);
        Ok((x, names, schema))
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

fn from_csv_error(e: &csv::Error, line_at: &impl Fn(u64) -> u64) -> Error {
    let line = e.position().map_or(0, |p| line_at(p.byte()));
    csv_err(line, e.to_string())
}
