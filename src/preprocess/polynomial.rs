//! Polynomial features: every monomial of the inputs up to a total degree, e.g. degree 2 of
//! `(a, b)` gives `a, b, a², ab, b²`. With them a linear model fits curves, and adding degree
//! is the notes' "add more features / more complex model" remedy for high bias.

use ndarray::{Array2, ArrayView2};

use crate::data::Target;
use crate::estimator::{Checked, FitChecked, Params, Transform};
use crate::{Error, Result, validate};

/// The most output columns a polynomial expansion may have (`C(n + d, d) - 1` grows
/// combinatorially: 100 inputs at degree 4 would be 4.6 million columns).
pub const MAX_POLYNOMIAL_COLUMNS: usize = 100_000;

/// The highest degree taken (the monomials are generated recursively, one level per degree).
pub const MAX_DEGREE: u32 = 64;

/// Polynomial expansion of degree `degree` (no constant column: the models add θ₀).
///
/// ```
/// use mlnotes::estimator::{FitFeatures, Transform};
/// use mlnotes::preprocess::PolynomialFeatures;
/// let x = ndarray::array![[2.0, 3.0]];
/// let poly = PolynomialFeatures::new(2).fit_features(x.view())?;
/// assert_eq!(poly.transform(x.view())?, ndarray::array![[2.0, 3.0, 4.0, 6.0, 9.0]]);
/// # Ok::<(), mlnotes::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolynomialFeatures {
    /// The highest total degree, at least 1.
    pub degree: u32,
}

/// A fitted expansion: one exponent vector per output column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedPolynomial {
    n_inputs: usize,
    powers: Vec<Vec<u32>>,
}

fn monomials(n: usize, start: usize, current: &mut [u32], left: u32, out: &mut Vec<Vec<u32>>) {
    if left == 0 {
        out.push(current.to_vec());
        return;
    }
    for j in start..n {
        current[j] += 1;
        monomials(n, j, current, left - 1, out);
        current[j] -= 1;
    }
}

impl PolynomialFeatures {
    /// All monomials with total degree `1..=degree`.
    pub fn new(degree: u32) -> Self {
        PolynomialFeatures { degree }
    }

    /// Number of output columns for `n_inputs` variables: `C(n + d, d) - 1`, or `None` past
    /// `usize`.
    pub fn n_outputs(&self, n_inputs: usize) -> Option<usize> {
        // C(n + d, d) computed incrementally: C(n + i, i) = C(n + i - 1, i - 1) (n + i) / i;
        // it never decreases, so the loop stops as soon as it passes usize.
        let mut c: usize = 1;
        for i in 1..=self.degree as usize {
            c = c.checked_mul(n_inputs.checked_add(i)?)? / i;
        }
        Some(c - 1)
    }
}

impl Params for PolynomialFeatures {
    fn check(&self) -> Result<()> {
        if !(1..=MAX_DEGREE).contains(&self.degree) {
            return Err(Error::config(
                "degree",
                format!("must lie in 1..={MAX_DEGREE}, got {}", self.degree),
            ));
        }
        Ok(())
    }
}

impl<T: Target> FitChecked<T> for PolynomialFeatures {
    type Model = FittedPolynomial;

    /// Learn the number of inputs; too many output columns is an error.
    fn fit_checked(&self, data: Checked<'_, T, Self>) -> Result<FittedPolynomial> {
        let n_inputs = data.n_features();
        match self.n_outputs(n_inputs) {
            Some(n) if n <= MAX_POLYNOMIAL_COLUMNS => {}
            n => {
                return Err(Error::invalid(format!(
                    "degree {} of {n_inputs} features gives {} columns, more than the \
                     {MAX_POLYNOMIAL_COLUMNS} allowed",
                    self.degree,
                    n.map_or("too many".to_string(), |n| n.to_string())
                )));
            }
        }
        let mut powers = Vec::new();
        for d in 1..=self.degree {
            monomials(n_inputs, 0, &mut vec![0; n_inputs], d, &mut powers);
        }
        Ok(FittedPolynomial { n_inputs, powers })
    }
}

impl FittedPolynomial {
    /// Number of output columns.
    pub fn n_outputs(&self) -> usize {
        self.powers.len()
    }
}

impl Transform for FittedPolynomial {
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.n_inputs, x, "polynomial features")?;
        validate::finite(x, "features to expand")?;
        let out = Array2::from_shape_fn((x.nrows(), self.powers.len()), |(i, c)| {
            self.powers[c]
                .iter()
                .enumerate()
                .map(|(j, &p)| x[[i, j]].powi(p as i32))
                .product::<f64>()
        });
        // Large features raised to a high degree overflow: an error, not a column of inf.
        validate::finite(
            out.view(),
            "polynomial features (overflow: scale the inputs first)",
        )?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimator::FitFeatures;
    use ndarray::array;

    #[test]
    fn degree_two_of_two_inputs() {
        let x = array![[2.0, 3.0]];
        let p = PolynomialFeatures::new(2).fit_features(x.view()).unwrap();
        assert_eq!(p.n_outputs(), 5);
        let z = p.transform(x.view()).unwrap();
        assert_eq!(z, array![[2.0, 3.0, 4.0, 6.0, 9.0]]);
        let one = PolynomialFeatures::new(4)
            .fit_features(array![[2.0]].view())
            .unwrap()
            .transform(array![[2.0]].view())
            .unwrap();
        assert_eq!(one, array![[2.0, 4.0, 8.0, 16.0]]);
        assert!(matches!(
            PolynomialFeatures::new(0).fit_features(x.view()),
            Err(Error::Config {
                param: "degree",
                ..
            })
        ));
        assert!(p.transform(array![[1.0]].view()).is_err());
    }

    #[test]
    fn column_count_is_binomial_and_bounded() {
        // C(2 + 2, 2) - 1 = 5; C(10 + 3, 3) - 1 = 285; C(100 + 4, 4) - 1 = 4 598 125
        let p = |d| PolynomialFeatures::new(d);
        assert_eq!(p(2).n_outputs(2), Some(5));
        assert_eq!(p(3).n_outputs(10), Some(285));
        assert_eq!(p(4).n_outputs(100), Some(4_598_125));
        assert_eq!(p(40).n_outputs(usize::MAX / 2), None);
        let wide = ndarray::Array2::<f64>::zeros((1, 100));
        assert!(matches!(
            p(4).fit_features(wide.view()),
            Err(Error::InvalidInput { .. })
        ));
    }
}
