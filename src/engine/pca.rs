//! Principal components by linfa-reduction (truncated SVD by LOBPCG; directions without
//! variance, which it drops, are completed from the residual) and smartcore (SVD of the centred
//! data when there are more rows than features, else the covariance's eigen-decomposition).
//!
//! Both give the components only: linfa-reduction 0.8.1's `explained_variance` divides by the
//! number of components minus one instead of `m - 1` (infinite for one component), and
//! smartcore keeps its eigenvalues private. So the variance along each kept component is
//! measured here, `λ_j = ‖(X - x̄)v_j‖² / (m - 1)`, and the rest of the spectrum is the
//! eigenvalues of the covariance of the residual `(X - x̄)(I - V Vᵀ)`, which are the remaining
//! eigenvalues when `V` spans leading eigenvectors.

use linfa::traits::Fit as _;
use ndarray::{Array1, Array2, ArrayView2, Axis, concatenate};

use super::{dense, from_dense, wrapped};
use crate::{Error, Result, linalg};

/// `k` components as columns (`n × k`) by linfa-reduction.
pub(crate) fn linfa_components(x: ArrayView2<f64>, k: usize) -> Result<Array2<f64>> {
    let data = linfa::DatasetBase::from(x.to_owned());
    let model = linfa_reduction::Pca::params(k)
        .fit(&data)
        .map_err(|e| wrapped("linfa-reduction")(&e))?;
    let v = model.components().t().to_owned();
    if v.ncols() >= k {
        return orthonormal(v);
    }
    // linfa-reduction drops directions without variance: they are completed by an orthonormal
    // basis of the rest of the space, ordered by the residual's variance. With the projector
    // `P = I - VVᵀ` onto that rest, the leading eigenvectors of `P(C_res + δI)P` lie in it.
    let n = x.ncols();
    let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(n));
    let xc = &x - &mean;
    let projector = Array2::<f64>::eye(n) - v.dot(&v.t());
    let residual = xc.dot(&projector);
    let cov = residual.t().dot(&residual) / (x.nrows().max(2) - 1) as f64;
    let delta = 1e-9 * cov.diag().sum().max(1.0);
    let (_, vectors) = linalg::symmetric_eigen((&cov + &(&projector * delta)).view())?;
    let missing = k - v.ncols();
    orthonormal(concatenate![
        Axis(1),
        v,
        vectors.slice(ndarray::s![.., ..missing])
    ])
}

/// `v` when its columns are orthonormal (to 1e-6), else an error naming the wrapped crate's
/// result: a basis that is not would make every variance along it wrong.
fn orthonormal(v: Array2<f64>) -> Result<Array2<f64>> {
    let off = (&v.t().dot(&v) - &Array2::<f64>::eye(v.ncols()))
        .iter()
        .fold(0.0f64, |m, e| m.max(e.abs()));
    if off > 1e-6 {
        return Err(Error::invalid(format!(
            "linfa-reduction returned components that are not orthonormal (largest error \
             {off:.1e}); ask fewer components or use the native engine"
        )));
    }
    Ok(v)
}

/// `k` components as columns by smartcore.
pub(crate) fn smartcore_components(x: ArrayView2<f64>, k: usize) -> Result<Array2<f64>> {
    use smartcore::decomposition::pca::{PCA, PCAParameters};
    let model = PCA::fit(&dense(x)?, PCAParameters::default().with_n_components(k))
        .map_err(|e| wrapped("smartcore")(&e))?;
    orthonormal(from_dense(model.components()))
}

/// The spectrum `λ₁ ≥ … ≥ λ_n` for components `v` (columns) of the centred data `xc`: the
/// kept ones measured along `v`, the others from the residual's covariance.
pub(crate) fn spectrum(xc: ArrayView2<f64>, v: &Array2<f64>) -> Result<Array1<f64>> {
    let m1 = (xc.nrows() - 1) as f64;
    let z = xc.dot(v);
    let kept = z.map_axis(Axis(0), |c| c.dot(&c) / m1);
    let residual = &xc - &z.dot(&v.t());
    let cov = residual.t().dot(&residual) / m1;
    let (rest, _) = linalg::symmetric_eigen(cov.view())?;
    let rest = rest
        .slice(ndarray::s![..xc.ncols() - v.ncols()])
        .mapv(|l| l.max(0.0));
    Ok(concatenate![Axis(0), kept, rest])
}
