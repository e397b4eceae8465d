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

/// The exponent `b` of `y ≈ a·xᵇ`: the least-squares slope of `ln y` against `ln x` (how a
/// cost grows with size: about 1 for linear time, 2 for quadratic). NaN for fewer than two
/// distinct `x`.
///
/// ```
/// let cubic: Vec<(f64, f64)> = [10.0, 20.0, 40.0].iter().map(|&n| (n, 3.0 * n * n * n)).collect();
/// assert!((mlnotes::metrics::log_log_slope(&cubic) - 3.0).abs() < 1e-12);
/// ```
pub fn log_log_slope(points: &[(f64, f64)]) -> f64 {
    let pts: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x.ln(), y.ln())).collect();
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}
