//! Using a Burn module from `mlnotes-models` inside your own Burn training loop: the library's
//! `Mlp` is an ordinary Burn `Module`, so a hand-written loop (autodiff device, Adam from
//! `burn::optim`, gradients from `backward`) trains it like any other — here to regress
//! `y = sin(3x)` on 256 points.
//!
//! Run it with `cargo run --example burn_module_own_loop`; `cargo test --example
//! burn_module_own_loop` runs it as a test.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Tensor, TensorData};
use mlnotes::Result;
use mlnotes::backend::{Backend, scalar, seeded};
use mlnotes_models::{Activation, MlpConfig};

fn main() -> Result<()> {
    let device = Backend::default_compiled()?.device()?.autodiff();
    let xs: Vec<f32> = (0..256).map(|i| -1.0 + 2.0 * i as f32 / 255.0).collect();
    let ys: Vec<f32> = xs.iter().map(|x| (3.0 * x).sin()).collect();
    let x = Tensor::<2>::from_data(TensorData::new(xs, [256, 1]), &device);
    let y = Tensor::<2>::from_data(TensorData::new(ys, [256, 1]), &device);

    let config = MlpConfig {
        activation: Activation::Tanh,
        ..MlpConfig::new(1, vec![32, 32], 1)
    };
    let mut model = seeded(&device, 1, || config.init(&device))?;
    let mut optim = AdamConfig::new().init();
    let mse =
        |model: &mlnotes_models::Mlp| (model.forward(x.clone()) - y.clone()).powi_scalar(2).mean();
    let first = scalar(mse(&model))?;
    for step in 1..=500 {
        let loss = mse(&model);
        if step % 100 == 0 {
            println!("step {step:>3}: MSE {:.5}", scalar(loss.clone())?);
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-2, model, grads);
    }
    let last = scalar(mse(&model.valid()))?;
    println!("MSE {first:.4} before training, {last:.5} after");
    assert!(last < first / 20.0, "the network fits the curve");
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
