//! The cost functions of the linear models, as [`Objective`]s for any optimizer.
//!
//! `X` is the design matrix with a leading column of ones, so `θ₀` is the bias; the L2 term
//! `λ/(2m) Σ_{j≥1} θ_j²` never penalises the bias. Mini-batch gradients scale the data term by
//! the batch size and keep `λ/m`, so their expectation is the full gradient.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Zip};
use rayon::prelude::*;

use crate::optim::{Objective, Rows, arguments_fit};
use crate::{Error, Result, validate};

/// The sigmoid `g(z) = 1 / (1 + e^{-z})`.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Row-wise softmax `p_k = e^{z_k} / Σ_j e^{z_j}`, shifted by the row maximum (no overflow).
pub fn softmax_rows(mut z: Array2<f64>) -> Array2<f64> {
    for mut row in z.rows_mut() {
        let max = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row /= sum;
    }
    z
}

/// `log(1 + e^z)`, without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Add `λ/m θ'` to the gradient and return `λ/(2m) Σ_{j≥1} θ_j²`.
fn ridge(theta: ArrayView1<f64>, l2: f64, m: usize, grad: &mut Array1<f64>, stride: usize) -> f64 {
    if l2 == 0.0 {
        return 0.0;
    }
    let c = l2 / m as f64;
    let mut penalty = 0.0;
    for (j, (&t, g)) in theta.iter().zip(grad.iter_mut()).enumerate() {
        if j % stride != 0 {
            *g += c * t;
            penalty += t * t;
        }
    }
    0.5 * c * penalty
}

/// Add the L2 term's curvature `λ/m` to the diagonal, bias entry excepted.
fn ridge_hessian(mut h: Array2<f64>, c: f64) -> Array2<f64> {
    for j in 1..h.nrows() {
        h[[j, j]] += c;
    }
    h
}

/// Rows per parallel chunk of a full-batch gradient.
const CHUNK: usize = 4096;

fn for_rows(rows: Rows, m: usize, mut f: impl FnMut(usize)) -> usize {
    match rows {
        Rows::All => {
            (0..m).for_each(&mut f);
            m
        }
        Rows::Subset(idx) => {
            idx.iter().copied().for_each(&mut f);
            idx.len()
        }
    }
}

/// A cost that sums a per-example loss `ℓ(z, y)` of the score `z = θᵀx`, plus the L2 term:
/// squared error and logistic cross-entropy share their gradient `1/m Xᵀ ∂ℓ/∂z` and Hessian
/// `1/m Xᵀ diag(∂²ℓ/∂z²) X` code.
trait Pointwise: Sync {
    /// Design matrix `[1 | X]`, targets and `λ`.
    fn parts(&self) -> (ArrayView2<'_, f64>, ArrayView1<'_, f64>, f64);
    /// `(ℓ(z, y), ∂ℓ/∂z)`.
    fn loss_slope(z: f64, y: f64) -> (f64, f64);
    /// `∂²ℓ/∂z²`.
    fn curvature(z: f64) -> f64;
}

fn pointwise_loss_grad<P: Pointwise>(
    p: &P,
    theta: ArrayView1<f64>,
    rows: Rows,
    grad: &mut Array1<f64>,
) -> f64 {
    let (x, y, l2) = p.parts();
    if !arguments_fit(theta, rows, grad, x.ncols(), x.nrows()) {
        return f64::NAN;
    }
    grad.fill(0.0);
    let (sum, b) = match rows {
        Rows::All => {
            // One chunk's loss sum and share of Xᵀ ∂ℓ/∂z.
            let part = |(x, y): (ArrayView2<f64>, ArrayView1<f64>)| {
                let z = x.dot(&theta);
                let mut slope = Array1::zeros(z.len());
                // Compensated (Neumaier) summation: near the optimum a line search compares
                // losses that differ in their last digits, which a plain running sum blurs.
                let (mut sum, mut carry) = (0.0f64, 0.0f64);
                Zip::from(&mut slope)
                    .and(&z)
                    .and(y)
                    .for_each(|d, &zi, &yi| {
                        let (l, dl) = P::loss_slope(zi, yi);
                        let t = sum + l;
                        carry += if sum.abs() >= l.abs() {
                            (sum - t) + l
                        } else {
                            (l - t) + sum
                        };
                        sum = t;
                        *d = dl;
                    });
                (sum + carry, x.t().dot(&slope))
            };
            // Threads only for several chunks: waking the pool costs more than a small gradient.
            let (s, g) = if x.nrows() <= CHUNK {
                part((x.view(), y.view()))
            } else {
                let chunks: Vec<_> = x
                    .axis_chunks_iter(Axis(0), CHUNK)
                    .zip(y.axis_chunks_iter(Axis(0), CHUNK))
                    .collect();
                // Chunks fixed by CHUNK and combined in order: the same low bits whatever the
                // thread count or work stealing.
                let parts: Vec<_> = chunks.into_par_iter().map(part).collect();
                parts
                    .into_iter()
                    .fold((0.0, Array1::zeros(theta.len())), |a, b| {
                        (a.0 + b.0, a.1 + b.1)
                    })
            };
            grad.assign(&g);
            (s, x.nrows())
        }
        subset => {
            let mut sum = 0.0;
            let b = for_rows(subset, x.nrows(), |i| {
                let xi = x.row(i);
                let (l, dl) = P::loss_slope(xi.dot(&theta), y[i]);
                sum += l;
                grad.scaled_add(dl, &xi);
            });
            (sum, b)
        }
    };
    *grad /= b as f64;
    sum / b as f64 + ridge(theta, l2, x.nrows(), grad, x.ncols())
}

fn pointwise_hessian<P: Pointwise>(p: &P, theta: ArrayView1<f64>) -> Array2<f64> {
    let (x, _, l2) = p.parts();
    if theta.len() != x.ncols() {
        return Array2::from_elem((x.ncols(), x.ncols()), f64::NAN);
    }
    let m = x.nrows() as f64;
    let w = x.dot(&theta).mapv(P::curvature);
    let xw = &x * &w.insert_axis(Axis(1));
    ridge_hessian(x.t().dot(&xw) / m, l2 / m)
}

/// Checks the parts every cost shares: a non-empty finite design matrix `[1 | X]`, one target
/// per row, and `λ ≥ 0`.
fn check_parts(x: ArrayView2<f64>, n_targets: usize, l2: f64) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::invalid(
            "a cost needs at least one row and one column",
        ));
    }
    if n_targets != x.nrows() {
        return Err(Error::shape(
            "cost targets",
            format!("{} (one per row)", x.nrows()),
            n_targets.to_string(),
        ));
    }
    validate::finite(x, "cost design matrix")?;
    validate::non_negative(l2, "l2")
}

/// Squared error `J(θ) = 1/(2m) Σ (θᵀx⁽ⁱ⁾ - y⁽ⁱ⁾)² + λ/(2m) Σ_{j≥1} θ_j²`.
pub struct SquaredError<'a> {
    x: ArrayView2<'a, f64>,
    y: ArrayView1<'a, f64>,
    l2: f64,
}

impl<'a> SquaredError<'a> {
    /// The cost of design matrix `x = [1 | X]`, targets `y` and penalty `λ = l2`; rows that do
    /// not match, non-finite values or `λ < 0` are errors.
    pub fn new(x: ArrayView2<'a, f64>, y: ArrayView1<'a, f64>, l2: f64) -> Result<Self> {
        check_parts(x, y.len(), l2)?;
        validate::finite(y.insert_axis(Axis(1)), "cost targets")?;
        Ok(SquaredError { x, y, l2 })
    }
}

impl Pointwise for SquaredError<'_> {
    fn parts(&self) -> (ArrayView2<'_, f64>, ArrayView1<'_, f64>, f64) {
        (self.x.view(), self.y.view(), self.l2)
    }
    fn loss_slope(z: f64, y: f64) -> (f64, f64) {
        (0.5 * (z - y) * (z - y), z - y)
    }
    fn curvature(_z: f64) -> f64 {
        1.0
    }
}

/// Logistic cross-entropy `J(θ) = -1/m Σ [y log h + (1 - y) log(1 - h)] + λ/(2m) Σ_{j≥1} θ_j²`,
/// `h = g(θᵀx)`, for labels `y ∈ {0, 1}`.
pub struct CrossEntropy<'a> {
    x: ArrayView2<'a, f64>,
    y: ArrayView1<'a, f64>,
    l2: f64,
}

impl<'a> CrossEntropy<'a> {
    /// The cost of design matrix `x = [1 | X]`, labels `y ∈ {0, 1}` and penalty `λ = l2`.
    pub fn new(x: ArrayView2<'a, f64>, y: ArrayView1<'a, f64>, l2: f64) -> Result<Self> {
        check_parts(x, y.len(), l2)?;
        if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
            return Err(Error::invalid(format!(
                "cross-entropy labels must be 0 or 1, row {i} has {}",
                y[i]
            )));
        }
        Ok(CrossEntropy { x, y, l2 })
    }
}

impl Pointwise for CrossEntropy<'_> {
    fn parts(&self) -> (ArrayView2<'_, f64>, ArrayView1<'_, f64>, f64) {
        (self.x.view(), self.y.view(), self.l2)
    }
    /// `-[y log g(z) + (1 - y) log(1 - g(z))] = log(1 + e^z) - y z`, slope `g(z) - y`.
    fn loss_slope(z: f64, y: f64) -> (f64, f64) {
        (softplus(z) - y * z, sigmoid(z) - y)
    }
    fn curvature(z: f64) -> f64 {
        let h = sigmoid(z);
        h * (1.0 - h)
    }
}

impl<P: Pointwise> Objective for P {
    fn n_params(&self) -> usize {
        self.parts().0.ncols()
    }
    fn n_samples(&self) -> usize {
        self.parts().0.nrows()
    }
    fn loss_grad(&self, theta: ArrayView1<f64>, rows: Rows, grad: &mut Array1<f64>) -> f64 {
        pointwise_loss_grad(self, theta, rows, grad)
    }
    fn hessian(&self, theta: ArrayView1<f64>) -> Option<Array2<f64>> {
        Some(pointwise_hessian(self, theta))
    }
}

/// Softmax cross-entropy over `K` classes, `θ` = `K` blocks of `n + 1` (bias first):
/// `J = -1/m Σ log softmax(Θ x⁽ⁱ⁾)_{y⁽ⁱ⁾} + λ/(2m) Σ_k Σ_{j≥1} θ_kj²`.
pub struct SoftmaxCrossEntropy<'a> {
    x: ArrayView2<'a, f64>,
    y: ArrayView1<'a, usize>,
    k: usize,
    l2: f64,
}

impl<'a> SoftmaxCrossEntropy<'a> {
    /// The cost of design matrix `x = [1 | X]`, classes `y ∈ 0..k` and penalty `λ = l2`.
    pub fn new(
        x: ArrayView2<'a, f64>,
        y: ArrayView1<'a, usize>,
        k: usize,
        l2: f64,
    ) -> Result<Self> {
        check_parts(x, y.len(), l2)?;
        if let Some(i) = y.iter().position(|&c| c >= k) {
            return Err(Error::invalid(format!(
                "softmax labels must be below k = {k}, row {i} has {}",
                y[i]
            )));
        }
        if x.ncols().checked_mul(k).is_none_or(|n| n > MAX_PARAMS) {
            return Err(Error::invalid(format!(
                "softmax with {k} classes and {} columns has more than {MAX_PARAMS} parameters",
                x.ncols()
            )));
        }
        Ok(SoftmaxCrossEntropy { x, y, k, l2 })
    }
}

/// The most parameters a softmax cost takes (`k · (n + 1)`).
const MAX_PARAMS: usize = 100_000_000;

impl Objective for SoftmaxCrossEntropy<'_> {
    fn n_params(&self) -> usize {
        self.k * self.x.ncols()
    }
    fn n_samples(&self) -> usize {
        self.x.nrows()
    }
    fn loss_grad(&self, theta: ArrayView1<f64>, rows: Rows, grad: &mut Array1<f64>) -> f64 {
        let p = self.x.ncols();
        if !arguments_fit(theta, rows, grad, self.n_params(), self.x.nrows()) {
            return f64::NAN;
        }
        // θ and the gradient as k × p blocks (their lengths were just checked).
        let (Ok(w), Ok(mut g2)) = (
            theta.to_shape((self.k, p)),
            grad.view_mut().into_shape_with_order((self.k, p)),
        ) else {
            return f64::NAN;
        };
        if let Rows::All = rows {
            // Every row: two matrix products, `S = X Wᵀ` (scores) and `∇ = (P - Y)ᵀ X / m`.
            let mut residual = self.x.dot(&w.t());
            let mut sum = 0.0;
            for (mut row, &yi) in residual.rows_mut().into_iter().zip(self.y) {
                let max = row.fold(f64::NEG_INFINITY, |m, &s| m.max(s));
                let norm: f64 = row.iter().map(|s| (s - max).exp()).sum();
                sum += max + norm.ln() - row[yi];
                row.mapv_inplace(|s| (s - max).exp() / norm);
                row[yi] -= 1.0;
            }
            let m = self.x.nrows() as f64;
            ndarray::linalg::general_mat_mul(1.0 / m, &residual.t(), &self.x, 0.0, &mut g2);
            return sum / m + ridge(theta, self.l2, self.x.nrows(), grad, p);
        }
        g2.fill(0.0);
        let mut sum = 0.0;
        let mut scores = vec![0.0; self.k];
        let b = {
            for_rows(rows, self.x.nrows(), |i| {
                let xi = self.x.row(i);
                let mut max = f64::NEG_INFINITY;
                for (c, s) in scores.iter_mut().enumerate() {
                    *s = w.row(c).dot(&xi);
                    max = max.max(*s);
                }
                let norm: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                sum += max + norm.ln() - scores[self.y[i]];
                for (c, s) in scores.iter().enumerate() {
                    let pc = (s - max).exp() / norm - f64::from(u8::from(c == self.y[i]));
                    g2.row_mut(c).scaled_add(pc, &xi);
                }
            })
        };
        *grad /= b as f64;
        sum / b as f64 + ridge(theta, self.l2, self.x.nrows(), grad, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, s};

    /// Central differences `(J(θ + εe_j) - J(θ - εe_j)) / 2ε` against the analytic gradient.
    fn grad_check(obj: &impl Objective, theta: Array1<f64>, rows: Rows) {
        let mut g = Array1::zeros(theta.len());
        let mut scratch = Array1::zeros(theta.len());
        obj.loss_grad(theta.view(), rows, &mut g);
        let eps = 1e-6;
        for j in 0..theta.len() {
            let (mut a, mut b) = (theta.clone(), theta.clone());
            a[j] += eps;
            b[j] -= eps;
            let num = (obj.loss_grad(a.view(), rows, &mut scratch)
                - obj.loss_grad(b.view(), rows, &mut scratch))
                / (2.0 * eps);
            assert!(
                (num - g[j]).abs() < 1e-6 * (1.0 + num.abs()),
                "param {j}: numeric {num} vs analytic {}",
                g[j]
            );
        }
    }

    fn design() -> Array2<f64> {
        array![
            [1.0, 0.5, -1.0],
            [1.0, 2.0, 0.3],
            [1.0, -1.5, 0.8],
            [1.0, 0.1, 2.2],
            [1.0, -0.7, -0.4]
        ]
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x = design();
        let y = array![1.0, 0.0, 1.0, 1.0, 0.0];
        let theta = array![0.1, -0.3, 0.7];
        let subset = [0usize, 3];
        for rows in [Rows::All, Rows::Subset(&subset)] {
            grad_check(
                &SquaredError::new(x.view(), y.view(), 0.7).unwrap(),
                theta.clone(),
                rows,
            );
            grad_check(
                &CrossEntropy::new(x.view(), y.view(), 0.7).unwrap(),
                theta.clone(),
                rows,
            );
            let labels = array![0usize, 2, 1, 2, 0];
            let soft = SoftmaxCrossEntropy::new(x.view(), labels.view(), 3, 0.7).unwrap();
            grad_check(
                &soft,
                array![0.1, -0.3, 0.7, 0.2, 0.0, -0.5, 0.3, 0.4, -0.1],
                rows,
            );
        }
    }

    #[test]
    fn hessians_match_finite_differences_of_the_gradient() {
        let x = design();
        let y = array![1.0, 0.0, 1.0, 1.0, 0.0];
        let theta = array![0.1, -0.3, 0.7];
        let ce = CrossEntropy::new(x.view(), y.view(), 0.5).unwrap();
        let h = ce.hessian(theta.view()).unwrap();
        let eps = 1e-6;
        let (mut ga, mut gb) = (Array1::zeros(3), Array1::zeros(3));
        for j in 0..3 {
            let (mut a, mut b) = (theta.clone(), theta.clone());
            a[j] += eps;
            b[j] -= eps;
            ce.loss_grad(a.view(), Rows::All, &mut ga);
            ce.loss_grad(b.view(), Rows::All, &mut gb);
            let col = (&ga - &gb) / (2.0 * eps);
            assert!((&col - &h.slice(s![.., j])).iter().all(|d| d.abs() < 1e-6));
        }
    }

    #[test]
    fn cross_entropy_by_hand_and_stable_sigmoid() {
        // θ = 0: h = 0.5 everywhere, J = log 2
        let x = design();
        let y = array![1.0, 0.0, 1.0, 1.0, 0.0];
        let ce = CrossEntropy::new(x.view(), y.view(), 0.0).unwrap();
        assert!((ce.loss(array![0.0, 0.0, 0.0].view()) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_eq!(sigmoid(800.0), 1.0);
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-15);
    }

    /// Bad constructions are errors; a θ, gradient or row subset of the wrong size gives a NaN
    /// loss and a NaN gradient, never a panic.
    #[test]
    fn bad_arguments_are_errors_or_nan_never_panics() {
        let x = design();
        let y = array![1.0, 0.0, 1.0, 1.0, 0.0];
        let labels = array![0usize, 2, 1, 2, 0];
        assert!(SquaredError::new(x.view(), y.slice(s![..4]), 0.0).is_err());
        assert!(SquaredError::new(x.view(), y.view(), -1.0).is_err());
        assert!(SquaredError::new(x.slice(s![..0, ..]), y.slice(s![..0]), 0.0).is_err());
        let bad_y = array![1.0, 0.0, 2.0, 1.0, 0.0];
        assert!(CrossEntropy::new(x.view(), bad_y.view(), 0.0).is_err());
        assert!(SquaredError::new(x.view(), (&y * f64::NAN).view(), 0.0).is_err());
        assert!(SoftmaxCrossEntropy::new(x.view(), labels.view(), 2, 0.0).is_err());
        assert!(SoftmaxCrossEntropy::new(x.view(), labels.view(), usize::MAX, 0.0).is_err());
        let se = SquaredError::new(x.view(), y.view(), 0.1).unwrap();
        let soft = SoftmaxCrossEntropy::new(x.view(), labels.view(), 3, 0.1).unwrap();
        let objectives: [&dyn Objective; 2] = [&se, &soft];
        for obj in objectives {
            let n = obj.n_params();
            let good = Array1::zeros(n);
            let mut grad = Array1::zeros(1); // wrong length: resized
            assert!(obj.loss_grad(good.view(), Rows::All, &mut grad).is_finite());
            assert_eq!(grad.len(), n);
            for (theta, rows) in [
                (Array1::zeros(n + 1), Rows::All),
                (good.clone(), Rows::Subset(&[0, 5])),
                (good.clone(), Rows::Subset(&[])),
            ] {
                let mut grad = Array1::zeros(n);
                assert!(obj.loss_grad(theta.view(), rows, &mut grad).is_nan());
                assert!(grad.len() == n && grad.iter().all(|g| g.is_nan()));
            }
        }
        assert!(se.hessian(Array1::zeros(7).view()).unwrap()[[0, 0]].is_nan());
    }
}
