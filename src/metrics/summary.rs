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

/// The exponent `b` of `time ≈ a·nᵇ` from `(size, seconds)` measurements: the log-log slope
/// ([`log_log_slope`]) over those that took at least `floor` seconds (below it, fixed costs
/// dominate; a time that is not positive and finite never counts); `None` unless that leaves two
/// distinct sizes.
///
/// ```
/// // Quadratic above 1 ms; the first size, under it, is left out.
/// let timed = [(100, 0.0001), (1000, 0.002), (10_000, 0.2), (100_000, 20.0)];
/// let b = mlnotes::metrics::cost_exponent(&timed, 0.001).unwrap();
/// assert!((b - 2.0).abs() < 1e-12);
/// assert_eq!(mlnotes::metrics::cost_exponent(&timed[..2], 0.001), None);
/// // One size twice, or times of zero and NaN, give no exponent rather than NaN.
/// assert_eq!(mlnotes::metrics::cost_exponent(&[(10, 1.0), (10, 2.0)], 0.0), None);
/// assert_eq!(mlnotes::metrics::cost_exponent(&[(10, 0.0), (100, f64::NAN), (1000, 1.0)], 0.0), None);
/// ```
pub fn cost_exponent(points: &[(usize, f64)], floor: f64) -> Option<f64> {
    let timed: Vec<(f64, f64)> = points
        .iter()
        .filter(|&&(n, t)| n > 0 && t.is_finite() && t > 0.0 && t >= floor)
        .map(|&(n, t)| (n as f64, t))
        .collect();
    let distinct = timed.iter().any(|p| p.0 != timed[0].0);
    distinct.then(|| log_log_slope(&timed))
}
