use mlnotes_models::Activation;
use ndarray::{Array2, array};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

fn data(m: usize, inputs: usize, classes: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((m, inputs), |_| rng.random_range(-1.0..1.0));
    let y = Array2::from_shape_fn((m, classes), |(i, k)| f64::from(u8::from(i % classes == k)));
    (x, y)
}

#[test]
fn one_unit_by_hand() {
    // h = g(θ₀ + θ₁x) at θ = 0 is 1/2: J = -log(1/2); δ = h - y = -1/2 so ∂J/∂θ₀ = -1/2 and
    // ∂J/∂θ₁ = -1/2 · x = -1 at x = 2; λ = 4 adds λ/m θ₁ = 0 and λ/(2m) θ₁² = 0.
    let net = Network {
        thetas: vec![Array2::zeros((1, 2))],
        activation: Activation::Sigmoid,
    };
    let (cost, grads) = net
        .backprop(array![[2.0]].view(), array![[1.0]].view(), 4.0)
        .unwrap();
    assert!((cost - 2f64.ln()).abs() < 1e-15);
    assert_eq!(grads[0], array![[-0.5, -1.0]]);
}

#[test]
fn backprop_passes_the_gradient_check() {
    for act in [Activation::Sigmoid, Activation::Tanh] {
        let net = Network::random(&[4, 5, 6, 3], act, 1).unwrap();
        let (x, y) = data(10, 4, 3, 2);
        let (_, grads) = net.backprop(x.view(), y.view(), 1.0).unwrap();
        let analytic: Vec<f64> = grads.iter().flat_map(|g| g.iter().copied()).collect();
        let numeric = gradient_check(
            |p| net.rolled(p)?.cost(x.view(), y.view(), 1.0),
            net.unroll().as_slice().unwrap(),
            1e-4,
        )
        .unwrap();
        let err = relative_error(&analytic, &numeric).unwrap();
        assert!(err < 1e-7, "{act:?}: relative error {err}");
    }
}

#[test]
fn hand_backprop_equals_burn_autodiff() {
    let net = Network::random(&[4, 5, 3], Activation::Tanh, 3).unwrap();
    let (x, y) = data(8, 4, 3, 4);
    let (cost, grads) = net.backprop(x.view(), y.view(), 0.5).unwrap();
    let (j, auto) = net
        .autodiff_gradients(
            x.view(),
            y.view(),
            0.5,
            &crate::backend::Backend::default_compiled()
                .unwrap()
                .device()
                .unwrap(),
        )
        .unwrap();
    assert!((j - cost).abs() < 1e-5, "{j} vs {cost}");
    for (a, h) in auto.iter().zip(&grads) {
        let err = relative_error(a.as_slice().unwrap(), h.as_slice().unwrap()).unwrap();
        assert!(err < 1e-5, "relative error {err}");
    }
}

#[test]
fn bad_shapes_are_errors() {
    let net = Network::random(&[2, 3, 2], Activation::Relu, 0).unwrap();
    assert!(
        net.cost(
            array![[1.0, 2.0, 3.0]].view(),
            array![[1.0, 0.0]].view(),
            0.0
        )
        .is_err()
    );
    assert!(
        net.cost(
            array![[1.0, 2.0]].view(),
            array![[1.0, 0.0, 0.0]].view(),
            0.0
        )
        .is_err()
    );
    assert!(
        net.cost(
            array![[f64::NAN, 2.0]].view(),
            array![[1.0, 0.0]].view(),
            0.0
        )
        .is_err()
    );
    assert!(Network::random(&[3], Activation::Relu, 0).is_err());
    // Weights that do not chain, or no weights at all, are errors, not panics.
    let broken = Network {
        thetas: vec![Array2::zeros((3, 3)), Array2::zeros((2, 3))],
        activation: Activation::Tanh,
    };
    assert!(broken.predict_proba(array![[1.0, 2.0]].view()).is_err());
    let empty = Network {
        thetas: vec![],
        activation: Activation::Tanh,
    };
    assert!(
        empty
            .cost(array![[1.0]].view(), array![[1.0]].view(), 0.0)
            .is_err()
    );
    assert_eq!(
        net.predict_proba(array![[1.0, 2.0]].view()).unwrap().dim(),
        (1, 2)
    );
    assert!(net.rolled(&[0.0; 3]).is_err());
    assert!(gradient_check(|_| Ok(0.0), &[1.0], 0.0).is_err());
    assert!(relative_error(&[1.0, 2.0], &[1.0]).is_err());
}

#[test]
fn a_hidden_layer_separates_moons_where_a_linear_model_cannot() {
    use crate::data::generate;
    use mlnotes_models::MlpConfig;
    let train = generate::moons(400, 0.15, 1).unwrap();
    let val = generate::moons(400, 0.15, 2).unwrap();
    let trainer = Trainer {
        learning_rate: 1e-2,
        ..Trainer::new(60)
    };
    let device = crate::backend::Backend::default_compiled()
        .unwrap()
        .device()
        .unwrap();
    let mlp = trainer
        .fit(
            &MlpConfig::new(2, vec![32, 32], 2),
            &train,
            &val,
            &device,
            |_| {},
        )
        .unwrap();
    let linear = trainer
        .fit(&MlpConfig::new(2, vec![], 2), &train, &val, &device, |_| {})
        .unwrap();
    let (_, acc_mlp) = evaluate(&mlp.model, &val).unwrap();
    let (_, acc_linear) = evaluate(&linear.model, &val).unwrap();
    assert!(
        acc_mlp > 0.97 && acc_linear < 0.9,
        "MLP {acc_mlp}, linear {acc_linear}"
    );
    assert_eq!(mlp.history.len(), 60);
    assert!(mlp.history[59].train_loss < mlp.history[0].train_loss);
}

#[test]
fn training_errors_and_divergence() {
    use crate::data::generate;
    use mlnotes_models::MlpConfig;
    let d = generate::moons(64, 0.1, 3).unwrap();
    let device = crate::backend::Backend::default_compiled()
        .unwrap()
        .device()
        .unwrap();
    let cfg = MlpConfig::new(2, vec![8], 2);
    assert!(
        Trainer {
            batch_size: 0,
            ..Trainer::new(1)
        }
        .fit(&cfg, &d, &d, &device, |_| {})
        .is_err()
    );
    assert!(
        Trainer::new(1)
            .fit(&MlpConfig::new(3, vec![8], 2), &d, &d, &device, |_| {})
            .is_err()
    );
    assert!(
        Trainer::new(1)
            .fit(&MlpConfig::new(2, vec![8], 1), &d, &d, &device, |_| {})
            .is_err()
    );
    let wild = Trainer {
        learning_rate: 1e30,
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        ..Trainer::new(50)
    };
    assert!(matches!(
        wild.fit(&cfg, &d, &d, &device, |_| {}),
        Err(crate::Error::Diverged { .. })
    ));
}

#[test]
fn early_stopping_keeps_the_best_validation_loss() {
    use crate::data::generate;
    use mlnotes_models::MlpConfig;
    // 30 noisy examples and a wide network: it overfits, the validation loss turns up.
    let train = generate::moons(30, 0.4, 5).unwrap();
    let val = generate::moons(300, 0.4, 6).unwrap();
    let trainer = Trainer {
        learning_rate: 1e-2,
        patience: Some(5),
        ..Trainer::new(300)
    };
    let fit = trainer
        .fit(
            &MlpConfig::new(2, vec![128, 128], 2),
            &train,
            &val,
            &crate::backend::Backend::default_compiled()
                .unwrap()
                .device()
                .unwrap(),
            |_| {},
        )
        .unwrap();
    assert!(
        fit.history.len() < 300,
        "ran all {} epochs",
        fit.history.len()
    );
    let best = fit
        .history
        .iter()
        .map(|h| h.val_loss)
        .fold(f64::INFINITY, f64::min);
    let (kept, _) = evaluate(&fit.model, &val).unwrap();
    assert!((kept - best).abs() < 1e-5, "kept {kept}, best {best}");
    let last = fit.history.last().unwrap().val_loss;
    assert!(last > best);
}
