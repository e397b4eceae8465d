use mlnotes_models::{Architecture, SequenceModelConfig, TransformerConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

use crate::backend::test_device;

#[test]
fn adding_problem_sequences_and_baseline() {
    let task = Task::Adding { length: 10 };
    let batch = task.batch(4000, &mut StdRng::seed_from_u64(1));
    let Target::Values(sums) = &batch.target else {
        panic!("values expected")
    };
    for (seq, &sum) in batch.x.chunks(10 * 2).zip(sums) {
        let marked: Vec<usize> = (0..10).filter(|&t| seq[t * 2 + 1] == 1.0).collect();
        assert_eq!(marked.len(), 2);
        assert!(marked[0] < 5 && marked[1] >= 5);
        assert!((seq[marked[0] * 2] + seq[marked[1] * 2] - sum).abs() < 1e-6);
        assert!(seq.chunks(2).all(|s| (0.0..1.0).contains(&s[0])));
    }
    // Always predicting 1: MSE = Var(U₁ + U₂) = 1/6.
    let mse = sums
        .iter()
        .map(|&s| f64::from(s - 1.0).powi(2))
        .sum::<f64>()
        / sums.len() as f64;
    assert!((mse - task.baseline()).abs() < 0.01, "{mse}");
}

#[test]
fn copy_task_sequences() {
    let task = Task::Copy {
        length: 3,
        symbols: 4,
    };
    assert_eq!((task.time(), task.d_input(), task.outputs()), (7, 6, 4));
    let batch = task.batch(2, &mut StdRng::seed_from_u64(2));
    let Target::Classes(c) = &batch.target else {
        panic!("classes expected")
    };
    let seq = &batch.x[..7 * 6];
    for t in 0..3 {
        assert_eq!(seq[t * 6 + c[t] as usize], 1.0);
        assert_eq!(seq[t * 6..t * 6 + 6].iter().sum::<f32>(), 1.0);
    }
    assert_eq!(seq[3 * 6 + 5], 1.0, "delimiter");
    assert!((4..7).all(|t| seq[t * 6 + 4] == 1.0), "blanks");
}

#[test]
fn the_loss_is_what_the_task_says() {
    // A model whose outputs are all zero scores MSE E[S²] = 7/6 on adding (E[S] = 1, Var 1/6)
    // and the chance accuracy of always answering symbol 0 on copying.
    let (d, _turn) = test_device();
    let mut model = SequenceModelConfig::new(2, 4, 1, Architecture::Lstm).init(&d);
    model.head.weight = burn::module::Param::from_tensor(Tensor::zeros([4, 1], &d));
    model.head.bias = Some(burn::module::Param::from_tensor(Tensor::zeros([1], &d)));
    let mse = evaluate(&model, &Task::Adding { length: 6 }, 20_000, 3).unwrap();
    assert!((mse - 7.0 / 6.0).abs() < 0.02, "{mse}");
}

#[test]
fn gradients_reach_back_further_in_an_lstm_than_in_an_rnn_at_initialisation() {
    // The first step's share of the input gradient at T = 40: the RNN's decays with the product
    // of T Jacobians; the LSTM's cell path (forget bias 1) keeps more of it.
    let (d, _turn) = test_device();
    d.seed(4);
    let task = Task::Adding { length: 40 };
    let ratio = |arch: Architecture| {
        let model = SequenceModelConfig::new(2, 32, 1, arch).init(&d);
        let g = input_gradient_norms(&model, &task, 64, 5).unwrap();
        assert_eq!(g.len(), 40);
        g[0] / g[39]
    };
    let (rnn, lstm) = (ratio(Architecture::Rnn), ratio(Architecture::Lstm));
    assert!(lstm > 10.0 * rnn, "RNN {rnn:e}, LSTM {lstm:e}");
}

#[test]
fn bad_tasks_models_and_settings_are_errors() {
    let (d, _turn) = test_device();
    let lstm = SequenceModelConfig::new(2, 4, 1, Architecture::Lstm).init(&d);
    assert!(evaluate(&lstm, &Task::Adding { length: 1 }, 10, 0).is_err());
    let copy = Task::Copy {
        length: 2,
        symbols: 3,
    };
    assert!(matches!(
        evaluate(&lstm, &copy, 10, 0),
        Err(Error::Shape { .. })
    ));
    assert!(evaluate(&lstm, &Task::Adding { length: 4 }, 0, 0).is_err());
    let bad = SequenceTrainer {
        learning_rate: -1.0,
        ..SequenceTrainer::new(10)
    };
    assert!(matches!(
        bad.fit(lstm.clone(), &Task::Adding { length: 4 }, |_| {}),
        Err(Error::Config {
            param: "learning_rate",
            ..
        })
    ));
    assert!(matches!(
        SequenceTrainer::new(0).fit(lstm, &Task::Adding { length: 4 }, |_| {}),
        Err(Error::Config { param: "steps", .. })
    ));
    assert!(
        SequenceModelConfig::new(
            3,
            4,
            1,
            Architecture::Transformer(TransformerConfig::new(2))
        )
        .check()
        .is_err()
    );
}

#[test]
fn an_lstm_learns_a_short_adding_problem() {
    let (d, _turn) = test_device();
    d.seed(6);
    let task = Task::Adding { length: 10 };
    let model = SequenceModelConfig::new(2, 16, 1, Architecture::Lstm).init(&d);
    let trainer = SequenceTrainer {
        learning_rate: 1e-2,
        ..SequenceTrainer::new(300)
    };
    let trained = trainer.fit(model, &task, |_| {}).unwrap();
    let mse = evaluate(&trained.model, &task, 1000, 9).unwrap();
    assert!(mse < 0.05, "MSE {mse}, history {:?}", trained.history);
    // one evaluation every 15 steps, the last at the end
    assert_eq!(trained.history.len(), 20);
    assert_eq!(trained.last().map(|e| e.step), Some(300));
}

/// Burn's gradient of `loss` with respect to the weight matrix that `weight` picks out of
/// `model`, against central differences of the same f32 loss: the relative error.
fn weight_gradient_error<M: Clone>(
    model: &M,
    weight: impl Fn(&mut M) -> &mut burn::module::Param<Tensor<2>>,
    loss: impl Fn(&M) -> Tensor<1>,
    eps: f64,
) -> f64 {
    use crate::deep::{gradient_check, relative_error};
    let mut m = model.clone();
    let w = weight(&mut m).val();
    let (shape, device) = (w.dims(), w.device());
    let grads = loss(model).backward();
    let analytic = w
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let start: Vec<f64> = w
        .into_data()
        .try_to_vec::<f32>()
        .unwrap()
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    let numeric = gradient_check(
        |theta| {
            let v: Vec<f32> = theta.iter().map(|&t| t as f32).collect();
            let mut m = model.clone();
            *weight(&mut m) = burn::module::Param::from_tensor(Tensor::from_data(
                burn::tensor::TensorData::new(v, shape),
                &device,
            ));
            crate::backend::scalar(loss(&m))
        },
        &start,
        eps,
    )
    .unwrap();
    let analytic: Vec<f64> = analytic.into_iter().map(f64::from).collect();
    assert!(analytic.iter().any(|g| g.abs() > 1e-3));
    relative_error(&analytic, &numeric).unwrap()
}

#[test]
fn rnn_and_lstm_cells_pass_the_gradient_check() {
    // Backpropagation through time (Burn's autodiff through our unrolled cells) against
    // central differences, for the recurrent weights W_hh and the input weights W_xh of both
    // cells over T = 6 steps. tanh and σ are smooth: ε = 1e-2 keeps f32 rounding small
    // (relative errors 1e-5 to 1e-4 measured).
    use burn::tensor::Distribution;
    use mlnotes_models::RecurrentConfig;
    let (device, _turn) = test_device();
    let device = device.autodiff();
    device.seed(5);
    let x = Tensor::<3>::random([3, 6, 2], Distribution::Normal(0.0, 1.0), &device);
    let proj = Tensor::<3>::random([3, 6, 4], Distribution::Normal(0.0, 1.0), &device);
    let config = RecurrentConfig::new(2, 4);
    let rnn = config.init_rnn(&device);
    let rnn_loss = |m: &mlnotes_models::RnnCell| (m.forward(x.clone()) * proj.clone()).sum();
    let lstm = config.init_lstm(&device);
    let lstm_loss = |m: &mlnotes_models::LstmCell| (m.forward(x.clone()).0 * proj.clone()).sum();
    let errors = [
        weight_gradient_error(&rnn, |m| &mut m.hidden.weight, rnn_loss, 1e-2),
        weight_gradient_error(&rnn, |m| &mut m.input.weight, rnn_loss, 1e-2),
        weight_gradient_error(&lstm, |m| &mut m.hidden.weight, lstm_loss, 1e-2),
        weight_gradient_error(&lstm, |m| &mut m.input.weight, lstm_loss, 1e-2),
    ];
    assert!(
        errors.iter().all(|&e| e < 1e-3),
        "relative errors {errors:?}"
    );
}
