//! Feed-forward networks: a hidden layer is what separates XOR and two moons (a linear model
//! cannot); in a 10-layer network sigmoid and tanh gradients vanish towards the input while
//! ReLU's do not, and ReLU trains fastest.

use burn::nn::loss::CrossEntropyLossConfig;
use mlnotes::Result;
use mlnotes::backend::scalar;
use mlnotes::data::{Dataset, generate};
use mlnotes::deep::{Trainer, evaluate, tensors};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes_models::{Activation, Init, MlpConfig};
use ndarray::array;

use crate::{digits_split, f4};

/// The `feedforward` experiment.
pub struct Feedforward;

/// Norm of `∂J/∂W⁽ˡ⁾` for every layer at initialisation, on one batch.
fn gradient_norms(config: &MlpConfig, data: &Dataset, ctx: &Context) -> Result<Vec<f64>> {
    let device = ctx.device.clone().autodiff();
    device.seed(ctx.seed);
    let model = config.init(&device);
    let (x, y) = tensors(data, &device);
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(model.forward(x), y);
    let grads = loss.backward();
    model
        .layers
        .iter()
        .map(|l| match l.weight.val().grad(&grads) {
            Some(g) => scalar(g.powi_scalar(2).sum().sqrt()),
            None => Ok(0.0),
        })
        .collect()
}

impl Experiment for Feedforward {
    fn name(&self) -> &'static str {
        "feedforward"
    }

    fn section(&self) -> &'static str {
        "Feedforward Neural Network"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);

        // 1. XOR and two moons: no hidden layer against one.
        let xor = |n: usize, seed: u64| -> Result<Dataset> {
            let corners = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
            let d = generate::blobs(n, &corners, 0.15, seed)?;
            // blobs label by corner; XOR is corners 1 and 2.
            Dataset::new(
                d.features().clone(),
                d.targets().mapv(|c| usize::from(c == 1 || c == 2)),
            )
        };
        let epochs = ctx.size(80, 40);
        let trainer = Trainer {
            learning_rate: 1e-2,
            seed: ctx.seed,
            ..Trainer::new(epochs)
        };
        let mut table = Table::new(
            "Validation accuracy: no hidden layer against one (Adam, 1e-2)",
            &["data", "linear (2-2)", "one hidden layer (2-32-2)"],
        );
        let mut gaps = vec![];
        for (name, train, val) in [
            (
                "XOR",
                xor(400, ctx.seed)?,
                xor(400, ctx.seed.wrapping_add(1))?,
            ),
            (
                "two moons",
                generate::moons(400, 0.15, ctx.seed)?,
                generate::moons(400, 0.15, ctx.seed.wrapping_add(1))?,
            ),
        ] {
            ctx.device.seed(ctx.seed);
            let linear = trainer.fit(
                MlpConfig::new(2, vec![], 2).init(&ctx.device),
                &train,
                &val,
                |_| {},
            )?;
            let mlp = trainer.fit(
                MlpConfig::new(2, vec![32], 2).init(&ctx.device),
                &train,
                &val,
                |_| {},
            )?;
            let (a, b) = (
                evaluate(&linear.model, &val)?.1,
                evaluate(&mlp.model, &val)?.1,
            );
            table.row(vec![name.into(), f4(a), f4(b)]);
            gaps.push((name, a, b));
        }
        report.table(table);
        report.claim(
            "Without hidden layers a network is a linear model: XOR and two moons need a hidden layer",
            gaps.iter().all(|g| g.2 > 0.95 && g.1 < 0.9),
            gaps.iter().map(|g| format!("{}: linear {}, hidden layer {}", g.0, f4(g.1), f4(g.2))).collect::<Vec<_>>().join("; "),
        );

        // 2. Ten hidden layers on digits: gradient norms at initialisation and training.
        let (train, val) = digits_split(ctx.seed)?;
        let deep_epochs = ctx.size(20, 4);
        let mut t2 = Table::new(
            "Digits, 10 hidden layers of 32 units (Xavier for sigmoid and tanh, He for ReLU): gradient norm ‖∂J/∂W‖ at initialisation and accuracy after training",
            &[
                "g",
                "layer 1 (input side)",
                "layer 6",
                "layer 11 (output)",
                "layer 1 / layer 11",
                &format!("validation accuracy after {deep_epochs} epochs"),
            ],
        );
        let mut plot = Plot::new(
            "gradient_norms.svg",
            "Gradient norm per layer at initialisation (10 hidden layers)",
            "layer",
            "log10 ‖∂J/∂W‖",
        );
        let mut rows = vec![];
        // Each nonlinearity with its recommended initialisation: Xavier for sigmoid and tanh, He for ReLU.
        for (act, init) in [
            (Activation::Sigmoid, Init::Xavier),
            (Activation::Tanh, Init::Xavier),
            (Activation::Relu, Init::He),
        ] {
            let config = MlpConfig::new(64, vec![32; 10], 10)
                .with_activation(act)
                .with_init(init);
            let norms = gradient_norms(&config, &train, ctx)?;
            ctx.device.seed(ctx.seed);
            let trained = Trainer {
                seed: ctx.seed,
                ..Trainer::new(deep_epochs)
            }
            .fit(config.init(&ctx.device), &train, &val, |_| {})?;
            let acc = evaluate(&trained.model, &val)?.1;
            let ratio = norms[0] / norms[norms.len() - 1];
            t2.row(vec![
                format!("{act:?}"),
                format!("{:.2e}", norms[0]),
                format!("{:.2e}", norms[5]),
                format!("{:.2e}", norms[10]),
                format!("{ratio:.2e}"),
                f4(acc),
            ]);
            plot = plot.with(Series::line(
                &format!("{act:?}"),
                norms
                    .iter()
                    .enumerate()
                    .map(|(l, &g)| ((l + 1) as f64, g.max(1e-30).log10()))
                    .collect(),
            ));
            rows.push((ratio, acc));
        }
        report.table(t2);
        report.plot(plot);
        report.metric("sigmoid_gradient_ratio", rows[0].0);
        report.metric("relu_gradient_ratio", rows[2].0);
        report.claim(
            "Sigmoid suffers from vanishing gradients: almost no gradient reaches the first layers",
            rows[0].0 < 1e-3 && rows[2].0 > 100.0 * rows[0].0,
            format!(
                "‖∂J/∂W⁽¹⁾‖ / ‖∂J/∂W⁽¹¹⁾‖: sigmoid {:.1e}, tanh {:.1e}, ReLU {:.1e}",
                rows[0].0, rows[1].0, rows[2].0
            ),
        );
        report.claim(
            "ReLU is the default choice: the deep network trains where sigmoid does not",
            rows[2].1 > rows[0].1 + 0.2,
            format!(
                "validation accuracy after {deep_epochs} epochs: sigmoid {}, tanh {}, ReLU {}",
                f4(rows[0].1),
                f4(rows[1].1),
                f4(rows[2].1)
            ),
        );
        Ok(report)
    }
}
