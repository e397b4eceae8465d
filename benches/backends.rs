//! Throughput of each compiled Burn backend: 512x512 f32 matmul (GFLOP/s) and training steps of
//! the MLP 64-256-256-10 with Adam (samples/s). This is the measurement behind the default
//! backend. Run: `cargo bench --bench backends --all-features`.

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Int, Tensor};
use mlnotes::backend::Backend;
use mlnotes_models::MlpConfig;

fn sync(t: Tensor<2>) {
    let _ = t.into_data();
}

fn matmul_gflops(device: &Device, n: usize, iters: usize) -> f64 {
    let a = Tensor::<2>::random([n, n], Distribution::Default, device);
    let b = Tensor::<2>::random([n, n], Distribution::Default, device);
    sync(a.clone().matmul(b.clone()));
    let start = Instant::now();
    for _ in 0..iters {
        sync(a.clone().matmul(b.clone()));
    }
    2.0 * (n * n * n * iters) as f64 / start.elapsed().as_secs_f64() / 1e9
}

fn mlp_samples_per_sec(device: &Device, batch: usize, steps: usize) -> f64 {
    let device = device.clone().autodiff();
    let mut model = MlpConfig::new(64, vec![256, 256], 10).init(&device);
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let x = Tensor::<2>::random([batch, 64], Distribution::Default, &device);
    let y = Tensor::<1, Int>::from_data(
        burn::tensor::TensorData::new(
            (0..batch as i64).map(|i| i % 10).collect::<Vec<_>>(),
            [batch],
        ),
        &device,
    );
    let mut run = |n: usize, model: mlnotes_models::Mlp| {
        let mut m = model;
        for _ in 0..n {
            let loss = loss_fn.forward(m.forward(x.clone()), y.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            m = optim.step(1e-3, m, grads);
        }
        let _ = m.layers[0].weight.val().into_data();
        m
    };
    model = run(2, model);
    let start = Instant::now();
    let _ = run(steps, model);
    (batch * steps) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    println!(
        "{:<8} {:>18} {:>26}",
        "backend", "matmul 512 GFLOP/s", "MLP 64-256-256-10 samples/s"
    );
    for backend in Backend::compiled() {
        let device = match backend.device() {
            Ok(d) => d,
            Err(e) => {
                println!("{backend:<8} unavailable: {e}");
                continue;
            }
        };
        let iters = if backend == Backend::Wgpu { 3 } else { 20 };
        let gflops = matmul_gflops(&device, 512, iters);
        let sps = mlp_samples_per_sec(&device, 64, if backend == Backend::Wgpu { 5 } else { 50 });
        println!("{:<8} {:>18.1} {:>26.0}", backend.name(), gflops, sps);
    }
}
