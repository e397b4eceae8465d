//! Regression metrics. `n` examples, `y` true values, `ŷ` predictions.

use ndarray::ArrayView1;

use crate::{Error, Result, validate};

fn pairs(y: ArrayView1<f64>, y_hat: ArrayView1<f64>) -> Result<usize> {
    validate::same_len(y.len(), y_hat.len(), "predictions vs true values")?;
    if y.is_empty() {
        return Err(Error::invalid("no values to compare"));
    }
    validate::finite_1d(y, "true values")?;
    validate::finite_1d(y_hat, "predictions")?;
    Ok(y.len())
}

/// Mean absolute error `(1/n) Σ |y - ŷ|`.
pub fn mae(y: ArrayView1<f64>, y_hat: ArrayView1<f64>) -> Result<f64> {
    let n = pairs(y, y_hat)?;
    Ok((&y - &y_hat).mapv(f64::abs).sum() / n as f64)
}

/// Mean squared error `(1/n) Σ (y - ŷ)²`.
pub fn mse(y: ArrayView1<f64>, y_hat: ArrayView1<f64>) -> Result<f64> {
    let n = pairs(y, y_hat)?;
    Ok((&y - &y_hat).mapv(|e| e * e).sum() / n as f64)
}

/// Root mean squared error `√MSE`.
pub fn rmse(y: ArrayView1<f64>, y_hat: ArrayView1<f64>) -> Result<f64> {
    mse(y, y_hat).map(f64::sqrt)
}

/// Mean absolute percentage error `(1/n) Σ |(y - ŷ) / y|` (a fraction, not percent).
/// A zero true value makes it undefined: an error naming the index.
pub fn mape(y: ArrayView1<f64>, y_hat: ArrayView1<f64>) -> Result<f64> {
    let n = pairs(y, y_hat)?;
    if let Some(i) = y.iter().position(|&v| v == 0.0) {
        return Err(Error::invalid(format!(
            "MAPE is undefined: true value at index {i} is 0"
        )));
    }
    Ok(y.iter()
        .zip(y_hat.iter())
        .map(|(a, b)| ((a - b) / a).abs())
        .sum::<f64>()
        / n as f64)
}

/// Coefficient of determination `R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)²`. For constant `y` it is 1 on a
/// perfect fit and 0 otherwise (scikit-learn's convention).
pub fn r2(y: ArrayView1<f64>, y_hat: ArrayView1<f64>) -> Result<f64> {
    let n = pairs(y, y_hat)?;
    let mean = y.sum() / n as f64;
    let ss_res: f64 = y
        .iter()
        .zip(y_hat.iter())
        .map(|(a, b)| (a - b).powi(2))
        .sum();
    let ss_tot: f64 = y.iter().map(|a| (a - mean).powi(2)).sum();
    Ok(if ss_tot == 0.0 {
        if ss_res == 0.0 { 1.0 } else { 0.0 }
    } else {
        1.0 - ss_res / ss_tot
    })
}

/// Adjusted `R²_adj = 1 - (1 - R²)(n - 1)/(n - p - 1)` for `p` features; needs `n > p + 1`.
pub fn adjusted_r2(y: ArrayView1<f64>, y_hat: ArrayView1<f64>, p: usize) -> Result<f64> {
    let r = r2(y, y_hat)?;
    let n = y.len();
    if n <= p + 1 {
        return Err(Error::invalid(format!(
            "adjusted R² needs n > p + 1, got n = {n} samples and p = {p} features"
        )));
    }
    Ok(1.0 - (1.0 - r) * (n - 1) as f64 / (n - p - 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn match_scikit_learn() {
        // sklearn: y=[3,-0.5,2,7], yhat=[2.5,0,2,8]: MAE 0.5, MSE 0.375, R² 0.9486081, MAPE 0.3273810
        let y = array![3.0, -0.5, 2.0, 7.0];
        let p = array![2.5, 0.0, 2.0, 8.0];
        assert_eq!(mae(y.view(), p.view()).unwrap(), 0.5);
        assert_eq!(mse(y.view(), p.view()).unwrap(), 0.375);
        assert!((rmse(y.view(), p.view()).unwrap() - 0.375f64.sqrt()).abs() < 1e-15);
        assert!((r2(y.view(), p.view()).unwrap() - 0.948_608_137_044_967_9).abs() < 1e-12);
        assert!((mape(y.view(), p.view()).unwrap() - 0.327_380_952_380_952_4).abs() < 1e-12);
        // adjusted with p = 1: 1 - (1 - R²) * 3 / 2
        let adj = adjusted_r2(y.view(), p.view(), 1).unwrap();
        assert!((adj - (1.0 - (1.0 - 0.948_608_137_044_967_9) * 1.5)).abs() < 1e-12);
    }

    #[test]
    fn undefined_cases_are_errors() {
        let y = array![0.0, 1.0, 2.0];
        assert!(
            mape(y.view(), y.view())
                .unwrap_err()
                .to_string()
                .contains("index 0")
        );
        assert!(adjusted_r2(y.view(), y.view(), 2).is_err());
        assert!(mae(y.view(), array![1.0].view()).is_err());
        assert!(mse(array![].view(), array![].view()).is_err());
        assert!(mse(y.view(), array![0.0, f64::NAN, 1.0].view()).is_err());
        assert_eq!(
            r2(array![1.0, 1.0].view(), array![1.0, 1.0].view()).unwrap(),
            1.0
        );
    }
}
