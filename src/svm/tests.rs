use ndarray::{Array1, Array2, array, s};

use super::*;
use crate::Error;
use crate::data::{Dataset, generate};
use crate::estimator::Transform;
use crate::estimator::{Convergence, Fit, Predict};
use crate::metrics::accuracy;
use crate::preprocess::Scaler;

fn standardized(d: &Dataset) -> Array2<f64> {
    Scaler::standardization()
        .fit(d)
        .unwrap()
        .transform(d.x())
        .unwrap()
}

/// Twelve points, two overlapping classes.
fn small() -> Dataset {
    let x = array![
        [0.0, 0.0],
        [1.0, 0.5],
        [0.5, 1.5],
        [2.0, 1.0],
        [1.5, 2.5],
        [3.0, 3.0],
        [2.5, 0.5],
        [3.5, 2.0],
        [4.0, 4.0],
        [1.0, 3.0],
        [3.0, 1.5],
        [2.0, 2.0]
    ];
    Dataset::new(x, array![0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0]).unwrap()
}

/// scikit-learn 1.9.1 `SVC(C=1, tol=1e-6).decision_function` on [`small`] (positive = class 1;
/// our machine votes class 0 when positive, hence the sign).
const SKLEARN_LINEAR: [f64; 12] = [
    -3.0, -1.875, -1.0, -0.75, 0.7, 2.1, -1.05, 1.225, 3.8, 1.0, 0.375, 0.4,
];
const SKLEARN_RBF: [f64; 12] = [
    -1.0, -1.30236, -0.95248, -1.0, 0.637382, 1.0, -0.85082, 1.0, 1.0, 1.0, 0.417902, 0.090644,
];

fn tight(kernel: Kernel) -> KernelSvm {
    KernelSvm {
        tol: 1e-6,
        ..KernelSvm::new(1.0, kernel)
    }
}

#[test]
fn smo_matches_libsvm_decision_values() {
    let data = small();
    for (kernel, reference) in [
        (Kernel::Linear, SKLEARN_LINEAR),
        (Kernel::Rbf(Gamma::Value(0.5)), SKLEARN_RBF),
    ] {
        let model = tight(kernel).fit(&data).unwrap();
        assert!(model.machines[0].converged);
        let f = model.decision_function(data.x()).unwrap();
        for (ours, theirs) in f.column(0).iter().zip(reference) {
            assert!(
                (ours + theirs).abs() < 1e-4,
                "{kernel:?}: {ours} vs {theirs}"
            );
        }
    }
    // scikit-learn: 6 support vectors for the linear kernel, w = (0.55, 1.15), b = -3.
    let linear = tight(Kernel::Linear).fit(&data).unwrap();
    assert_eq!(linear.n_support(), 6);
    let m = &linear.machines[0];
    let mut w = Array1::<f64>::zeros(2);
    for (&sv, &c) in m.support.iter().zip(&m.dual_coef) {
        w.scaled_add(-c, &linear.support_vectors.row(sv));
    }
    assert!(
        (w[0] - 0.55).abs() < 1e-4 && (w[1] - 1.15).abs() < 1e-4,
        "{w}"
    );
    assert!((m.rho + 3.0).abs() < 1e-4);
}

#[test]
fn gaussian_kernel_is_the_notes_similarity() {
    let sigma: f64 = 0.7;
    let a = array![[1.0, 2.0, -1.0]];
    let l = array![[0.5, 2.5, 0.0]];
    let expected = (-(0.25 + 0.25 + 1.0) / (2.0 * sigma * sigma)).exp();
    let k = Kernel::gaussian(sigma).matrix(a.view(), l.view());
    assert!((k[[0, 0]] - expected).abs() < 1e-15);
    // Gamma::Scale = 1 / (n_features · Var(X)) over all entries.
    let x = array![[0.0, 2.0], [4.0, 6.0]];
    assert_eq!(
        Kernel::Rbf(Gamma::Scale).resolve(x.view()),
        Kernel::Rbf(Gamma::Value(1.0 / (2.0 * 5.0)))
    );
}

#[test]
fn linear_svm_sgd_reaches_the_exact_optimum() {
    // The primal J of the SGD solution is within 1% of the exact (SMO, linear kernel) optimum.
    let raw = generate::blobs(200, &array![[-1.0, -1.0], [1.0, 1.0]], 1.0, 3).unwrap();
    let data = raw.with_features(standardized(&raw)).unwrap();
    let y: Vec<bool> = data.targets().iter().map(|&t| t == 1).collect();
    for c in [0.1, 1.0, 10.0] {
        // SGD's error falls as 1/(λt): large C (small λ) needs more passes.
        let sgd = LinearSvm {
            epochs: 300,
            ..LinearSvm::new(c)
        }
        .fit_binary(data.x(), &y)
        .unwrap();
        let exact = tight(Kernel::Linear);
        let exact = KernelSvm { c, ..exact }.fit(&data).unwrap();
        let m = &exact.machines[0];
        // The machine votes class 0 when positive: θ_notes = -(−ρ, w).
        let mut theta = Array1::<f64>::zeros(3);
        theta[0] = m.rho;
        for (&sv, &coef) in m.support.iter().zip(&m.dual_coef) {
            theta
                .slice_mut(s![1..])
                .scaled_add(-coef, &exact.support_vectors.row(sv));
        }
        let j_sgd = hinge_cost(sgd.view(), data.x(), &y, c).unwrap();
        let j_exact = hinge_cost(theta.view(), data.x(), &y, c).unwrap();
        assert!(
            j_sgd >= j_exact * (1.0 - 1e-6),
            "C = {c}: SMO is not optimal: {j_exact} > {j_sgd}"
        );
        assert!(
            j_sgd <= j_exact * 1.01,
            "C = {c}: {j_sgd} vs optimum {j_exact}"
        );
    }
}

#[test]
fn hinge_cost_by_hand() {
    // θ = (0, 1): z = x. y = 1 at z = 0.5 costs 0.5; y = 0 at z = -2 costs 0; y = 0 at z = 0
    // costs 1. With C = 2: 2 · 1.5 + ½ · 1 = 3.5.
    let x = array![[0.5], [-2.0], [0.0]];
    let j = hinge_cost(
        array![0.0, 1.0].view(),
        x.view(),
        &[true, false, false],
        2.0,
    )
    .unwrap();
    assert!((j - 3.5).abs() < 1e-15);
}

#[test]
fn multiclass_one_vs_one_and_one_vs_rest() {
    let raw = crate::data::iris();
    let data = raw.with_features(standardized(&raw)).unwrap();
    let rbf = KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale))
        .fit(&data)
        .unwrap();
    assert_eq!(rbf.machines.len(), 3);
    let acc = accuracy(data.targets().view(), rbf.predict(data.x()).unwrap().view()).unwrap();
    assert!(acc > 0.95, "{acc}");
    let linear = LinearSvm::new(1.0).fit(&data).unwrap();
    assert_eq!(linear.theta.nrows(), 3);
    let acc = accuracy(
        data.targets().view(),
        linear.predict(data.x()).unwrap().view(),
    )
    .unwrap();
    assert!(acc > 0.85, "{acc}");
}

/// An SMO budget too small to meet the KKT tolerance is visible on the fitted model.
#[test]
fn kernel_svm_reports_an_unconverged_solve() {
    let raw = crate::data::iris();
    let data = raw.with_features(standardized(&raw)).unwrap();
    let full = KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale))
        .fit(&data)
        .unwrap();
    assert!(full.converged());
    let short = KernelSvm {
        max_iter: 3,
        ..KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale))
    }
    .fit(&data)
    .unwrap();
    assert!(!short.converged());
    assert!(short.machines.iter().all(|m| m.iterations <= 3));
}

#[test]
fn bad_input_is_an_error() {
    let data = small();
    assert!(KernelSvm::new(0.0, Kernel::Linear).fit(&data).is_err());
    assert!(
        KernelSvm::new(1.0, Kernel::Rbf(Gamma::Value(-1.0)))
            .fit(&data)
            .is_err()
    );
    assert!(LinearSvm::new(-1.0).fit(&data).is_err());
    assert!(
        LinearSvm {
            epochs: 0,
            ..LinearSvm::new(1.0)
        }
        .fit(&data)
        .is_err()
    );
    let one = Dataset::new(Array2::zeros((3, 2)), array![1, 1, 1]).unwrap();
    assert!(KernelSvm::new(1.0, Kernel::Linear).fit(&one).is_err());
    let model = KernelSvm::new(1.0, Kernel::Linear).fit(&data).unwrap();
    assert!(model.predict(array![[1.0]].view()).is_err());
    assert!(
        hinge_cost(array![0.0, 1.0].view(), data.x(), &[true; 12], 1.0).is_err(),
        "θ for 1 feature, data with 2"
    );
    assert!(hinge_cost(array![0.0, 1.0, 1.0].view(), data.x(), &[true; 3], 1.0).is_err());
    assert!(
        LinearSvm::new(1.0)
            .fit_binary(Array2::zeros((0, 2)).view(), &[])
            .is_err()
    );
    // σ ≤ 0 (σ < 0 used to give the same γ as |σ|) and a σ so small that γ overflows.
    for sigma in [0.0, -1.0, 1e-200, f64::NAN] {
        let err = KernelSvm::new(1.0, Kernel::gaussian(sigma))
            .fit(&data)
            .unwrap_err();
        assert!(
            matches!(err, Error::Config { param: "sigma", .. }),
            "σ = {sigma}: {err}"
        );
    }
    assert!(model.predict(array![[f64::INFINITY, 1.0]].view()).is_err());
}
