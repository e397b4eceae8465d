//! Support vector machines (notes: *Support Vector Machine*).
//!
//! - [`LinearSvm`]: the notes' primal objective,
//!   `min_θ C Σ_i [y_i cost₁(θᵀx_i) + (1 - y_i) cost₀(θᵀx_i)] + ½ Σ_{j≥1} θ_j²` with
//!   `cost₁(z) = max(0, 1 - z)` and `cost₀(z) = max(0, 1 + z)`, minimised by stochastic
//!   subgradient descent; one-vs-rest for K classes. Scales to many examples.
//! - [`KernelSvm`]: the same problem in its dual, `min_α ½ αᵀQα - Σα` with
//!   `Q_ij = y_i y_j K(x_i, x_j)`, `0 ≤ α ≤ C`, `yᵀα = 0`, solved exactly by SMO with
//!   second-order working-set selection (Fan, Chen & Lin 2005, libsvm's solver); linear or
//!   Gaussian (RBF) kernel; one-vs-one voting for K classes.
//!
//! Written here: smartcore's SVC is an approximate online solver (LaSVM) for two classes and
//! linfa-svm pulls in a sparse-matrix stack; the exact SMO reproduces libsvm's (scikit-learn's)
//! solutions.

mod kernel;
mod linear;
mod smo;

pub use kernel::{FittedKernelSvm, Gamma, Kernel, KernelSvm, PairMachine};
pub use linear::{FittedLinearSvm, LinearSvm, hinge_cost};

#[cfg(test)]
mod tests;

crate::estimator::deterministic!(KernelSvm);
