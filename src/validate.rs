//! Input checks shared by every function that takes data: finite, non-empty, matching lengths.
//! Each check names what it looked at, so the error says where the problem is.

use ndarray::{ArrayView1, ArrayView2};

use crate::{Error, Result};

/// Fails unless `x` has at least one row and one column.
pub fn non_empty(x: ArrayView2<f64>, what: &str) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::invalid(format!(
            "{what} is empty ({} rows x {} columns)",
            x.nrows(),
            x.ncols()
        )));
    }
    Ok(())
}

/// The largest feature magnitude taken: beyond it, squares and products of features (distances,
/// `XᵀX`, `θᵀx`) overflow `f64`. Rescale such data first (e.g. standardize it).
pub const MAX_MAGNITUDE: f64 = 1e150;

/// Fails at the first NaN or infinite entry of `x` (`Error::NonFinite`), or at the first entry
/// beyond ±[`MAX_MAGNITUDE`] (`Error::InvalidInput`), naming its row and column.
pub fn finite(x: ArrayView2<f64>, what: &str) -> Result<()> {
    // Fast path: one branch-free pass over contiguous memory.
    let ok = |v: &f64| v.abs() <= MAX_MAGNITUDE; // false for NaN and ±inf too
    let all_ok = match x.as_slice_memory_order() {
        Some(s) => s.iter().fold(true, |all, v| all & ok(v)),
        None => x.iter().all(ok),
    };
    if all_ok {
        return Ok(());
    }
    for ((i, j), v) in x.indexed_iter() {
        if !v.is_finite() {
            return Err(Error::NonFinite {
                location: format!("{what}, row {i}, column {j} (value {v})"),
            });
        }
        if !ok(v) {
            return Err(Error::invalid(format!(
                "{what}, row {i}, column {j}: value {v:e} is beyond ±{MAX_MAGNITUDE:e}, where \
                 squares overflow; rescale the features"
            )));
        }
    }
    Ok(())
}

/// Fails at the first NaN or infinite entry of `y`, naming its index.
pub fn finite_1d(y: ArrayView1<f64>, what: &str) -> Result<()> {
    match y.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::NonFinite {
            location: format!("{what}, index {i} (value {})", y[i]),
        }),
        None => Ok(()),
    }
}

/// A non-empty, finite feature matrix.
pub fn features(x: ArrayView2<f64>, what: &str) -> Result<()> {
    non_empty(x, what)?;
    finite(x, what).map_err(|e| missing_hint(x, e))
}

/// A NaN is how a missing value is written (CSV files loaded with missing values kept): say so.
fn missing_hint(x: ArrayView2<f64>, e: Error) -> Error {
    match e {
        Error::NonFinite { location } if x.iter().any(|v| v.is_nan()) => Error::NonFinite {
            location: format!(
                "{location}; NaN marks a missing value: impute it first (preprocess::Imputer)"
            ),
        },
        other => other,
    }
}

/// A non-empty feature matrix whose values are finite or NaN (missing), as an imputer takes.
pub fn features_or_missing(x: ArrayView2<f64>, what: &str) -> Result<()> {
    non_empty(x, what)?;
    match x
        .indexed_iter()
        .find(|(_, v)| !v.is_nan() && v.abs() > MAX_MAGNITUDE)
    {
        Some(((i, j), v)) if v.is_infinite() => Err(Error::NonFinite {
            location: format!("{what}, row {i}, column {j} (value {v})"),
        }),
        Some(((i, j), v)) => Err(Error::invalid(format!(
            "{what}, row {i}, column {j}: value {v:e} is beyond ±{MAX_MAGNITUDE:e}, where squares \
             overflow; rescale the features"
        ))),
        None => Ok(()),
    }
}

/// Fails unless two lengths agree.
pub fn same_len(expected: usize, got: usize, context: &str) -> Result<()> {
    if expected != got {
        return Err(Error::shape(
            context,
            format!("{expected} entries"),
            format!("{got} entries"),
        ));
    }
    Ok(())
}

/// Fails unless the matrix has `expected` columns (e.g. predicting with a fitted model).
pub fn n_features(expected: usize, x: ArrayView2<f64>, context: &str) -> Result<()> {
    if x.ncols() != expected {
        return Err(Error::shape(
            context,
            format!("{expected} features"),
            format!("{} features", x.ncols()),
        ));
    }
    Ok(())
}

/// Fails unless a prediction input has `expected` columns and only finite values.
pub fn input(expected: usize, x: ArrayView2<f64>, what: &str) -> Result<()> {
    n_features(expected, x, what)?;
    finite(x, what).map_err(|e| missing_hint(x, e))
}

/// Fails unless `0 < value` (a strictly positive hyperparameter).
pub fn positive(value: f64, param: &'static str) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        return Err(Error::config(
            param,
            format!("must be finite and > 0, got {value}"),
        ));
    }
    Ok(())
}

/// Fails unless `0 <= value` and finite (penalties, tolerances, smoothing).
pub fn non_negative(value: f64, param: &'static str) -> Result<()> {
    if !(value.is_finite() && value >= 0.0) {
        return Err(Error::config(
            param,
            format!("must be finite and >= 0, got {value}"),
        ));
    }
    Ok(())
}

/// Fails unless a count is at least `min` (sizes, epochs, steps).
pub fn at_least(value: usize, min: usize, param: &'static str) -> Result<()> {
    if value < min {
        return Err(Error::config(
            param,
            format!("must be at least {min}, got {value}"),
        ));
    }
    Ok(())
}

/// Fails unless `0 < value <= 1` (a share of the rows or features).
pub fn fraction(value: f64, param: &'static str) -> Result<()> {
    if !(value > 0.0 && value <= 1.0) {
        return Err(Error::config(
            param,
            format!("must lie in (0, 1], got {value}"),
        ));
    }
    Ok(())
}

/// Fails unless `low <= value <= high`.
pub fn in_range(value: f64, low: f64, high: f64, param: &'static str) -> Result<()> {
    if !(value.is_finite() && value >= low && value <= high) {
        return Err(Error::config(
            param,
            format!("must lie in [{low}, {high}], got {value}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn finite_names_row_and_column() {
        let x = array![[1.0, 2.0], [3.0, f64::NAN]];
        let err = finite(x.view(), "features").unwrap_err().to_string();
        assert!(err.contains("row 1, column 1"), "{err}");
    }

    #[test]
    fn empty_and_shape_errors() {
        let x = ndarray::Array2::<f64>::zeros((0, 3));
        assert!(non_empty(x.view(), "x").is_err());
        assert!(
            same_len(3, 4, "y")
                .unwrap_err()
                .to_string()
                .contains("expected 3")
        );
        assert!(positive(0.0, "alpha").is_err());
        assert!(in_range(1.5, 0.0, 1.0, "p").is_err());
        assert!(in_range(0.5, 0.0, 1.0, "p").is_ok());
    }
}
