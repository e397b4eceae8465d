//! The CSV loader: how users bring their own data.
//!
//! A header row names the columns; one of them is the target. Feature columns must be numeric,
//! unless one-hot encoding of categorical (string) columns is asked for. Every problem is an
//! [`Error::Csv`] with the 1-based line number (the header is line 1).
//!
//! ```no_run
//! use mlnotes::data::csv::CsvLoader;
//! let houses = CsvLoader::new("price").one_hot_categorical(true).regression_from_path("houses.csv")?;
//! # Ok::<(), mlnotes::Error>(())
//! ```

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use ndarray::{Array1, Array2};

use super::Dataset;
use crate::estimator::{FitFeatures, Transform};
use crate::preprocess::{OneHotEncoder, category_codes};
use crate::{Error, Result};

/// Reads a CSV file into a [`Dataset`].
#[derive(Debug, Clone)]
pub struct CsvLoader {
    target: String,
    delimiter: u8,
    one_hot: Option<bool>,
}

/// The cells of a file: header and rows, each row with its line number.
struct Table {
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
    target: usize,
}

fn csv_err(line: u64, reason: impl Into<String>) -> Error {
    Error::Csv {
        line,
        reason: reason.into(),
    }
}

impl CsvLoader {
    /// A loader whose target is the column named `target`; comma-delimited; categorical
    /// feature columns are an error until [`CsvLoader::one_hot_categorical`] is called.
    pub fn new(target: impl Into<String>) -> Self {
        CsvLoader {
            target: target.into(),
            delimiter: b',',
            one_hot: None,
        }
    }

    /// Use another field delimiter (e.g. `b';'`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// One-hot encode non-numeric feature columns, dropping the first category of each when
    /// `drop_first` (the dummy-variable trap of linear models).
    pub fn one_hot_categorical(mut self, drop_first: bool) -> Self {
        self.one_hot = Some(drop_first);
        self
    }

    /// A regression set: the target column must be numeric.
    pub fn regression<R: Read>(&self, reader: R) -> Result<Dataset<f64>> {
        let table = self.read(reader)?;
        let y = table
            .rows
            .iter()
            .map(|(line, row)| parse_number(&row[table.target], &table.header[table.target], *line))
            .collect::<Result<Array1<f64>>>()?;
        let (x, names) = self.features(&table)?;
        Dataset::with_names(x, y, names, &self.target)
    }

    /// A classification set: target values (strings or numbers) become classes `0..k`, in
    /// numeric order when all are numbers, else in lexicographic order; `class_names` keeps them.
    pub fn classification<R: Read>(&self, reader: R) -> Result<Dataset<usize>> {
        let table = self.read(reader)?;
        let values: Vec<&str> = table
            .rows
            .iter()
            .map(|(_, r)| r[table.target].as_str())
            .collect();
        for ((line, _), v) in table.rows.iter().zip(&values) {
            if v.is_empty() {
                return Err(csv_err(
                    *line,
                    format!("missing target value in column '{}'", self.target),
                ));
            }
        }
        let (classes, y) = class_codes(&values);
        let (x, names) = self.features(&table)?;
        let mut d = Dataset::with_names(x, y, names, &self.target)?;
        d.class_names = classes;
        Ok(d)
    }

    /// [`CsvLoader::regression`] on a file.
    pub fn regression_from_path(&self, path: impl AsRef<Path>) -> Result<Dataset<f64>> {
        self.regression(open(path.as_ref())?)
    }

    /// [`CsvLoader::classification`] on a file.
    pub fn classification_from_path(&self, path: impl AsRef<Path>) -> Result<Dataset<usize>> {
        self.classification(open(path.as_ref())?)
    }

    fn read<R: Read>(&self, mut reader: R) -> Result<Table> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| csv_err(0, format!("read failed: {e}")))?;
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
            .from_reader(bytes.as_slice());
        let mut records = rdr.records();
        let header = match records.next() {
            None => return Err(csv_err(1, "empty file: expected a header row")),
            Some(rec) => rec.map_err(|e| from_csv_error(&e, &line_at))?,
        };
        let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
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
        let target = header
            .iter()
            .position(|h| *h == self.target)
            .ok_or_else(|| {
                csv_err(
                    1,
                    format!(
                        "no column named '{}' (columns: {})",
                        self.target,
                        header.join(", ")
                    ),
                )
            })?;
        if header.len() < 2 {
            return Err(csv_err(
                1,
                "need at least one feature column besides the target",
            ));
        }
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
                        "expected {} fields (as in the header), found {}",
                        header.len(),
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

    /// The feature matrix: numeric columns as they are, categorical ones one-hot encoded.
    fn features(&self, t: &Table) -> Result<(Array2<f64>, Vec<String>)> {
        let mut columns: Vec<Vec<f64>> = Vec::new();
        let mut names = Vec::new();
        for (j, name) in t.header.iter().enumerate().filter(|&(j, _)| j != t.target) {
            let cells: Vec<&str> = t.rows.iter().map(|(_, r)| r[j].as_str()).collect();
            if let Some(k) = cells.iter().position(|c| c.is_empty()) {
                return Err(csv_err(
                    t.rows[k].0,
                    format!("missing value in column '{name}'"),
                ));
            }
            let non_numeric = cells.iter().position(|c| c.parse::<f64>().is_err());
            match (non_numeric, self.one_hot) {
                (None, _) => {
                    let col = t
                        .rows
                        .iter()
                        .map(|(line, r)| parse_number(&r[j], name, *line))
                        .collect::<Result<Vec<f64>>>()?;
                    columns.push(col);
                    names.push(name.clone());
                }
                (Some(k), None) => {
                    return Err(csv_err(
                        t.rows[k].0,
                        format!(
                            "non-numeric value '{}' in feature column '{name}': it is categorical; \
                             ask for one-hot encoding (CsvLoader::one_hot_categorical)",
                            cells[k]
                        ),
                    ));
                }
                (Some(_), Some(drop_first)) => {
                    let (categories, codes) = category_codes(&cells);
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
                }
            }
        }
        let n = t.rows.len();
        let x = Array2::from_shape_fn((n, columns.len()), |(i, j)| columns[j][i]);
        Ok((x, names))
    }
}

/// Class names and the class index of every value. When every value is a finite number,
/// numbers are compared as numbers (`1`, `1.0` and `1e0` are one class, `-0` and `0` too;
/// integers exactly, beyond 2⁵³ as well) in numeric order, each class named by its first
/// spelling in the file; otherwise the values are strings in lexicographic order.
fn class_codes(values: &[&str]) -> (Vec<String>, Array1<usize>) {
    let keys: Option<Vec<NumberKey>> = values.iter().map(|v| NumberKey::parse(v)).collect();
    match keys {
        Some(keys) => {
            let mut classes: Vec<(NumberKey, &str)> = Vec::new();
            for (key, spelling) in keys.iter().zip(values) {
                if !classes.iter().any(|(k, _)| k == key) {
                    classes.push((*key, spelling));
                }
            }
            classes.sort_by(|a, b| a.0.cmp(&b.0));
            let y = keys
                .iter()
                .map(|k| classes.partition_point(|(c, _)| c < k))
                .collect();
            (classes.iter().map(|(_, s)| s.to_string()).collect(), y)
        }
        None => {
            let classes: Vec<&str> = values
                .iter()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let y = values
                .iter()
                .map(|v| classes.partition_point(|c| c < v))
                .collect();
            (classes.iter().map(|c| c.to_string()).collect(), y)
        }
    }
}

/// A numeric class label: its value, and its exact integer value when it is one.
#[derive(Debug, Clone, Copy)]
struct NumberKey {
    value: f64,
    integer: Option<i128>,
}

impl NumberKey {
    /// A finite number, integers parsed exactly; `None` for anything else.
    fn parse(cell: &str) -> Option<Self> {
        if let Ok(i) = cell.parse::<i128>() {
            return Some(NumberKey {
                value: i as f64,
                integer: Some(i),
            });
        }
        let value = cell.parse::<f64>().ok().filter(|v| v.is_finite())? + 0.0; // -0 → 0
        let integer =
            (value.fract() == 0.0 && value.abs() < 2f64.powi(100)).then_some(value as i128);
        Some(NumberKey { value, integer })
    }

    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self.integer, other.integer) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.value.total_cmp(&other.value),
        }
    }
}

impl PartialEq for NumberKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl PartialOrd for NumberKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(NumberKey::cmp(self, other))
    }
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
    Ok(v)
}

fn from_csv_error(e: &csv::Error, line_at: &impl Fn(u64) -> u64) -> Error {
    let line = e.position().map_or(0, |p| line_at(p.byte()));
    csv_err(line, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(r: Result<impl std::fmt::Debug>) -> (u64, String) {
        match r {
            Err(Error::Csv { line, reason }) => (line, reason),
            other => panic!("expected a CSV error, got {other:?}"),
        }
    }

    #[test]
    fn reads_numeric_regression() {
        let d = CsvLoader::new("y")
            .regression("a,y,b\n1,2,3\n4,5,6\n".as_bytes())
            .unwrap();
        assert_eq!(d.features, ndarray::array![[1.0, 3.0], [4.0, 6.0]]);
        assert_eq!(d.targets, ndarray::array![2.0, 5.0]);
        assert_eq!(d.feature_names, vec!["a", "b"]);
    }

    #[test]
    fn classification_labels_and_one_hot() {
        let csv = "size,color,label\n1.5,red,cat\n2,blue,dog\n3,green,cat\n";
        let loader = CsvLoader::new("label");
        let (line, reason) = line_of(loader.classification(csv.as_bytes()));
        assert_eq!(line, 2);
        assert!(reason.contains("categorical"), "{reason}");
        let d = loader
            .clone()
            .one_hot_categorical(false)
            .classification(csv.as_bytes())
            .unwrap();
        assert_eq!(
            d.feature_names,
            vec!["size", "color=blue", "color=green", "color=red"]
        );
        assert_eq!(d.features.row(0).to_vec(), vec![1.5, 0.0, 0.0, 1.0]);
        assert_eq!(d.targets.to_vec(), vec![0, 1, 0]);
        assert_eq!(d.class_names, vec!["cat", "dog"]);
        let dropped = loader
            .one_hot_categorical(true)
            .classification(csv.as_bytes())
            .unwrap();
        assert_eq!(
            dropped.feature_names,
            vec!["size", "color=green", "color=red"]
        );
        let numeric = CsvLoader::new("y")
            .classification("x,y\n1,10\n2,2\n3,1\n".as_bytes())
            .unwrap();
        assert_eq!(numeric.class_names, vec!["1", "2", "10"]);
        // Numbers are one class whatever their spelling; -0 and 0 too.
        let spelled = CsvLoader::new("y")
            .classification("x,y\n1,1\n2,1.0\n3,2e0\n4,-0\n5,0.0\n6,1e1\n".as_bytes())
            .unwrap();
        assert_eq!(spelled.class_names, vec!["-0", "1", "2e0", "1e1"]);
        assert_eq!(spelled.targets.to_vec(), vec![1, 1, 2, 0, 0, 3]);
        // Integers beyond 2⁵³ stay apart (as f64 they would be one number).
        let big = CsvLoader::new("y")
            .classification(
                "x,y\n1,9007199254740993\n2,9007199254740992\n3,9007199254740993.0\n".as_bytes(),
            )
            .unwrap();
        assert_eq!(
            big.class_names,
            vec!["9007199254740992", "9007199254740993"]
        );
        assert_eq!(big.targets.to_vec(), vec![1, 0, 0]);
    }

    #[test]
    fn malformed_files_name_the_line() {
        let l = CsvLoader::new("y");
        assert_eq!(line_of(l.regression("".as_bytes())).0, 1);
        assert!(
            line_of(l.regression("a,b\n1,2\n".as_bytes()))
                .1
                .contains("no column named 'y'")
        );
        assert_eq!(line_of(l.regression("a,y\n".as_bytes())).0, 2);
        let (line, reason) = line_of(l.regression("a,y\n1,2\n3,4,5\n".as_bytes()));
        assert_eq!(line, 3);
        assert!(reason.contains("expected 2 fields"), "{reason}");
        assert_eq!(line_of(l.regression("a,y\n1,2\n3,\n".as_bytes())).0, 3);
        assert_eq!(line_of(l.regression("a,y\n1,2\nx,4\n".as_bytes())).0, 3);
        assert_eq!(line_of(l.regression("a,y\n1,2\n\n4,NaN\n".as_bytes())).0, 4);
        assert_eq!(line_of(l.classification("a,y\n1,\n".as_bytes())).0, 2);
        let (line, reason) = line_of(l.regression("a,y,a\n1,2,3\n".as_bytes()));
        assert_eq!(line, 1);
        assert!(
            reason.contains("duplicate column name 'a' (columns 1 and 3)"),
            "{reason}"
        );
        assert!(matches!(
            l.regression_from_path("/no/such/file.csv"),
            Err(Error::Io { .. })
        ));
    }
}
