//! Polynomial features: every monomial of the inputs up to a total degree, e.g. degree 2 of
//! `(a, b)` gives `a, b, a², ab, b²`. With them a linear model fits curves, and adding degree
//! is the notes' "add more features / more complex model" remedy for high bias.

use ndarray::{Array2, ArrayView2};

use crate::estimator::Transform;
use crate::{Error, Result, validate};

/// Polynomial expansion of degree `degree` (no constant column: the models add θ₀).
#[derive(Debug, Clone, PartialEq)]
pub struct PolynomialFeatures {
    n_inputs: usize,
    /// One exponent vector per output column.
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
    /// All monomials of `n_inputs` variables with total degree `1..=degree`.
    pub fn new(n_inputs: usize, degree: u32) -> Result<Self> {
        if degree == 0 || n_inputs == 0 {
            return Err(Error::config(
                "degree",
                format!(
                    "needs degree >= 1 and inputs >= 1, got degree {degree}, {n_inputs} inputs"
                ),
            ));
        }
        let mut powers = Vec::new();
        for d in 1..=degree {
            monomials(n_inputs, 0, &mut vec![0; n_inputs], d, &mut powers);
        }
        Ok(PolynomialFeatures { n_inputs, powers })
    }

    /// Number of output columns.
    pub fn n_outputs(&self) -> usize {
        self.powers.len()
    }
}

impl Transform for PolynomialFeatures {
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        validate::n_features(self.n_inputs, x, "polynomial features")?;
        validate::finite(x, "features to expand")?;
        Ok(Array2::from_shape_fn(
            (x.nrows(), self.powers.len()),
            |(i, c)| {
                self.powers[c]
                    .iter()
                    .enumerate()
                    .map(|(j, &p)| x[[i, j]].powi(p as i32))
                    .product()
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn degree_two_of_two_inputs() {
        let p = PolynomialFeatures::new(2, 2).unwrap();
        assert_eq!(p.n_outputs(), 5);
        let z = p.transform(array![[2.0, 3.0]].view()).unwrap();
        assert_eq!(z, array![[2.0, 3.0, 4.0, 6.0, 9.0]]);
        let one = PolynomialFeatures::new(1, 4)
            .unwrap()
            .transform(array![[2.0]].view())
            .unwrap();
        assert_eq!(one, array![[2.0, 4.0, 8.0, 16.0]]);
        assert!(PolynomialFeatures::new(1, 0).is_err());
        assert!(p.transform(array![[1.0]].view()).is_err());
    }
}
