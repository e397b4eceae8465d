//! Summaries of repeated measurements.

/// Mean and population standard deviation `√(Σ (x - x̄)² / n)` (NaN for no values).
///
/// ```
/// let (m, s) = mlnotes::metrics::mean_std(&[1.0, 3.0]);
/// assert_eq!((m, s), (2.0, 1.0));
/// ```
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt(),
    )
}
