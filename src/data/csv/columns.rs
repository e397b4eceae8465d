//! What a CSV column holds: its kind (inferred or chosen), its missing cells, and class codes
//! of a target column.

use std::collections::BTreeSet;

use ndarray::Array1;

use super::table::Summary;

/// What a column holds, as inferred from its cells or chosen by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ColumnKind {
    /// Every present cell is a number.
    Numeric,
    /// Strings (or numbers chosen to be categories): one-hot encoded as features.
    Categorical,
    /// One distinct value at most: no information (loaded, and reported).
    Constant,
    /// Strings all different from each other (names, ids): one-hot encoding would give one
    /// column per row, so such a column is left out unless chosen otherwise.
    Identifier,
    /// Left out.
    Dropped,
}

/// What the loader found in one column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ColumnReport {
    /// The column's name (from the header, or given, or `x0, x1, ...`).
    pub name: String,
    /// Its kind: inferred, unless chosen with [`CsvLoader::column`](super::CsvLoader::column).
    pub kind: ColumnKind,
    /// Whether it is the target.
    pub target: bool,
    /// Its missing cells.
    pub missing: usize,
    /// The line of its first missing cell.
    pub first_missing_line: Option<u64>,
    /// Distinct present values.
    pub distinct: usize,
}

/// At least this many rows before all-distinct strings count as an identifier.
const IDENTIFIER_MIN_ROWS: usize = 10;

/// The kind of a column from the counts of its present cells. A column whose cells are
/// mostly numbers is numeric: its other cells are then reported at load time (a missing-value
/// token the loader does not know, say `n/a`), never turned into one category per number.
pub(super) fn infer(cells: &Summary) -> ColumnKind {
    if cells.distinct <= 1 {
        ColumnKind::Constant
    } else if 2 * cells.numbers >= cells.present {
        ColumnKind::Numeric
    } else if cells.distinct == cells.present && cells.present >= IDENTIFIER_MIN_ROWS {
        ColumnKind::Identifier
    } else {
        ColumnKind::Categorical
    }
}

/// Class names and the class index of every value. When every value is a finite number,
/// numbers are compared as numbers (`1`, `1.0` and `1e0` are one class, `-0` and `0` too;
/// integers exactly, beyond 2⁵³ as well) in numeric order, each class named by its first
/// spelling in the file; otherwise the values are strings in lexicographic order.
pub(super) fn class_codes(values: &[&str]) -> (Vec<String>, Array1<usize>) {
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
