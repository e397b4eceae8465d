//! Backend parity: the same small computation (affine map, softmax, and the gradient of a
//! weighted sum of the softmax through autodiff) on every compiled backend equals an
//! independent f64 reference computed by hand on ndarray.

use burn::tensor::{Tensor, TensorData, activation};
use mlnotes::backend::Backend;
use ndarray::{Array2, Axis, array};

fn x() -> Array2<f64> {
    array![
        [0.5, -1.0, 2.0],
        [1.5, 0.25, -0.75],
        [-2.0, 1.0, 0.5],
        [0.0, 0.3, 0.1]
    ]
}
fn w() -> Array2<f64> {
    array![[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]
}
fn c() -> Array2<f64> {
    array![[1.0, -1.0], [0.5, 2.0], [-1.5, 0.25], [3.0, 1.0]]
}

fn softmax_rows(z: &Array2<f64>) -> Array2<f64> {
    let mut s = z.clone();
    for mut row in s.rows_mut() {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - m).exp());
        let sum = row.sum();
        row.mapv_inplace(|v| v / sum);
    }
    s
}

/// Reference: s = softmax(X W), L = Σ c ⊙ s, dL/dZ = s ⊙ (c - rowsum(s ⊙ c)), dL/dW = Xᵀ dL/dZ.
fn reference() -> (Array2<f64>, Array2<f64>) {
    let s = softmax_rows(&x().dot(&w()));
    let sc = (&s * &c()).sum_axis(Axis(1)).insert_axis(Axis(1));
    let dz = &s * &(&c() - &sc);
    (s, x().t().dot(&dz))
}

fn tensor(a: &Array2<f64>, device: &burn::tensor::Device) -> Tensor<2> {
    let v: Vec<f32> = a.iter().map(|&x| x as f32).collect();
    Tensor::from_data(TensorData::new(v, [a.nrows(), a.ncols()]), device)
}

fn to_array(t: Tensor<2>) -> Array2<f64> {
    let [r, c] = t.dims();
    let v: Vec<f32> = t.into_data().try_to_vec().expect("f32 data");
    Array2::from_shape_vec((r, c), v.into_iter().map(f64::from).collect()).expect("shape")
}

#[test]
fn forward_and_gradient_agree_on_every_compiled_backend() {
    let (s_ref, g_ref) = reference();
    let compiled = Backend::compiled();
    assert!(!compiled.is_empty());
    for backend in compiled {
        let device = backend.device().expect("compiled backend").autodiff();
        let wt = tensor(&w(), &device).require_grad();
        let s = activation::softmax(tensor(&x(), &device).matmul(wt.clone()), 1);
        let loss = (s.clone() * tensor(&c(), &device)).sum();
        let grads = loss.backward();
        let g = wt.grad(&grads).expect("gradient of W");
        let (s, g) = (to_array(s), to_array(g));
        let err_s = (&s - &s_ref).mapv(f64::abs).fold(0.0f64, |a, &b| a.max(b));
        let err_g = (&g - &g_ref).mapv(f64::abs).fold(0.0f64, |a, &b| a.max(b));
        assert!(err_s < 1e-5, "{backend}: softmax max error {err_s}");
        assert!(err_g < 1e-5, "{backend}: gradient max error {err_g}");
        eprintln!("{backend}: softmax error {err_s:.2e}, gradient error {err_g:.2e}");
    }
}

#[test]
fn every_backend_feature_of_this_build_is_usable() {
    // With `--all-features` (the README's test command) all three must be compiled in.
    for b in Backend::ALL {
        assert_eq!(b.is_compiled(), b.device().is_ok(), "{b}");
    }
    if cfg!(all(feature = "flex", feature = "ndarray", feature = "wgpu")) {
        assert_eq!(Backend::compiled().len(), 3);
    }
}
