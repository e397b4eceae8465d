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

/// The compiled backends with their devices. A compiled wgpu without a usable GPU adapter is
/// left out with one line saying how to get one (the rest still runs), unless
/// `MLNOTES_REQUIRE_GPU_ADAPTER=1` (set by `.ci/run`, which installs one) makes it a failure.
fn usable() -> Vec<(Backend, burn::tensor::Device)> {
    let mut out = Vec::new();
    for backend in Backend::compiled() {
        match backend.device() {
            Ok(device) => out.push((backend, device)),
            Err(e) if backend == Backend::Wgpu && !adapter_required() => {
                eprintln!("skipping the wgpu backend: {e}");
            }
            Err(e) => panic!("{backend}: {e}"),
        }
    }
    out
}

fn adapter_required() -> bool {
    std::env::var("MLNOTES_REQUIRE_GPU_ADAPTER").is_ok_and(|v| v == "1")
}

fn to_array(t: Tensor<2>) -> Array2<f64> {
    let [r, c] = t.dims();
    let v: Vec<f32> = t.into_data().try_to_vec().expect("f32 data");
    Array2::from_shape_vec((r, c), v.into_iter().map(f64::from).collect()).expect("shape")
}

#[test]
fn forward_and_gradient_agree_on_every_compiled_backend() {
    let (s_ref, g_ref) = reference();
    let usable = usable();
    assert!(!usable.is_empty());
    for (backend, device) in usable {
        let device = device.autodiff();
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
        match b.device() {
            Ok(_) => assert!(b.is_compiled(), "{b}"),
            Err(e) if b.is_compiled() => {
                // Only wgpu can be compiled and still unusable: no GPU adapter, said clearly.
                assert_eq!(b, Backend::Wgpu, "{e}");
                assert!(e.to_string().contains("no usable GPU adapter"), "{e}");
                assert!(!adapter_required(), "{e}");
            }
            Err(e) => assert!(e.to_string().contains("not compiled in"), "{e}"),
        }
    }
    if cfg!(all(feature = "flex", feature = "ndarray", feature = "wgpu")) {
        assert_eq!(Backend::compiled().len(), 3);
    }
}

/// Logits in inference mode, logits in training mode (batch statistics, no dropout) and the
/// gradient of their sum with respect to the first convolution kernel, of `cnn` moved to
/// `device`.
fn cnn_outputs(cnn: &mlnotes_models::Cnn, device: &burn::tensor::Device) -> [Vec<f32>; 3] {
    use burn::module::Module;
    let pixels: Vec<f32> = (0..2 * 64)
        .map(|i| ((i * 37) % 17) as f32 / 8.0 - 1.0)
        .collect();
    let x = |d: &burn::tensor::Device| {
        Tensor::<2>::from_data(TensorData::new(pixels.clone(), [2, 64]), d)
    };
    let flat = |t: Tensor<2>| -> Vec<f32> { t.into_data().try_to_vec().expect("f32") };
    let inference = flat(
        cnn.clone()
            .to_device(device)
            .valid()
            .forward_flat(x(device)),
    );
    let ad = device.clone().autodiff();
    let mut trainable = cnn.clone().to_device(&ad).train();
    // Dropout masks come from each backend's own random stream: compared at inference only.
    trainable.head.dropout = None;
    let train_logits = trainable.forward_flat(x(&ad));
    let grads = train_logits.clone().sum().backward();
    let kernel = trainable.blocks[0]
        .conv
        .weight
        .val()
        .grad(&grads)
        .expect("kernel gradient");
    let kernel: Vec<f32> = kernel.into_data().try_to_vec().expect("f32");
    [inference, flat(train_logits), kernel]
}

#[test]
fn every_layer_type_agrees_across_backends() {
    // Convolution, batch norm (training and inference), ReLU, max-pooling, dropout (off at
    // inference) and linear layers: the same weights on every backend give the same outputs
    // and the same kernel gradient. Outputs agree to 3e-6; the gradient passes back through
    // batch statistics and f32 sums taken in another order: 1.1e-4 of its size on wgpu.
    use mlnotes_models::CnnConfig;
    let usable = usable();
    let reference_device = usable[0].1.clone();
    reference_device.seed(11);
    let cnn = CnnConfig::digits()
        .with_batch_norm(true)
        .with_dropout(0.2)
        .init(&reference_device);
    let reference = cnn_outputs(&cnn, &reference_device);
    for (backend, device) in &usable[1..] {
        let got = cnn_outputs(&cnn, device);
        for ((what, tol), (a, b)) in [
            ("inference logits", 1e-5),
            ("training logits", 1e-5),
            ("kernel gradient", 5e-4),
        ]
        .iter()
        .zip(reference.iter().zip(&got))
        {
            let err = a
                .iter()
                .zip(b)
                .map(|(p, q)| (p - q).abs())
                .fold(0.0f32, f32::max);
            let scale = a.iter().map(|p| p.abs()).fold(1.0f32, f32::max);
            assert!(err < tol * scale, "{backend}: {what} differ by {err}");
            eprintln!("{backend}: {what} max difference {err:.2e} (scale {scale:.1})");
        }
    }
}

#[test]
fn hardware_tells_a_gpu_from_a_cpu_driver() {
    for (backend, _) in usable() {
        let hw = backend
            .hardware()
            .expect("a usable backend names its hardware");
        assert!(!hw.name.is_empty(), "{backend}");
        eprintln!("{backend}: {} (GPU: {})", hw.name, hw.is_gpu);
        if backend != Backend::Wgpu {
            assert_eq!(hw.name, "CPU", "{backend}");
        }
        // Mesa's lavapipe (the CPU Vulkan driver `.ci/run` installs) reports itself as llvmpipe.
        if backend != Backend::Wgpu || hw.name.to_lowercase().contains("llvmpipe") {
            assert!(!hw.is_gpu, "{backend}: {}", hw.name);
        }
    }
}
