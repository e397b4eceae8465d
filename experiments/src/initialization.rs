//! Weight initialization: the variance of the activations through a 20-layer network (width
//! 256, inputs N(0, 1)) under plain small Gaussian weights, Xavier (with tanh) and He (with
//! ReLU).

use burn::tensor::{Distribution, Tensor};
use mlnotes::Result;
use mlnotes::backend::data_error;
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes_models::{Activation, Init, MlpConfig};

/// The `initialization` experiment.
pub struct Initialization;

const DEPTH: usize = 20;
const WIDTH: usize = 256;

/// Variance of the activations after each hidden layer.
fn variances(init: Init, activation: Activation, ctx: &Context) -> Result<Vec<f64>> {
    ctx.device.seed(ctx.seed);
    let net = MlpConfig::new(WIDTH, vec![WIDTH; DEPTH], WIDTH)
        .with_activation(activation)
        .with_init(init)
        .init(&ctx.device);
    let x = Tensor::<2>::random(
        [ctx.size(1000, 200), WIDTH],
        Distribution::Normal(0.0, 1.0),
        &ctx.device,
    );
    let mut out = Vec::with_capacity(DEPTH);
    for a in net.forward_layers(x).into_iter().take(DEPTH) {
        let v: Vec<f32> = a.into_data().try_to_vec::<f32>().map_err(data_error)?;
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        out.push(
            v.iter()
                .map(|&x| (f64::from(x) - mean).powi(2))
                .sum::<f64>()
                / n,
        );
    }
    Ok(out)
}

impl Experiment for Initialization {
    fn name(&self) -> &'static str {
        "initialization"
    }

    fn section(&self) -> &'static str {
        "Practical Training Techniques: Weight Initialization"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let cases = [
            (
                "N(0, 0.01²), tanh",
                Init::Gaussian { std: 0.01 },
                Activation::Tanh,
            ),
            (
                "N(0, 1), tanh",
                Init::Gaussian { std: 1.0 },
                Activation::Tanh,
            ),
            ("Xavier, tanh", Init::Xavier, Activation::Tanh),
            (
                "N(0, 0.01²), ReLU",
                Init::Gaussian { std: 0.01 },
                Activation::Relu,
            ),
            ("Xavier, ReLU", Init::Xavier, Activation::Relu),
            ("He, ReLU", Init::He, Activation::Relu),
        ];
        let mut table = Table::new(
            &format!("Variance of the activations, {DEPTH} layers of {WIDTH} units"),
            &[
                "initialization",
                "layer 1",
                "layer 5",
                "layer 10",
                "layer 20",
            ],
        );
        let mut plot = Plot::new(
            "variance_by_layer.svg",
            "Activation variance through depth",
            "layer",
            "log10 variance",
        );
        let mut results = Vec::new();
        for (name, init, act) in cases {
            let v = variances(init, act, ctx)?;
            table.row(vec![
                name.into(),
                format!("{:.2e}", v[0]),
                format!("{:.2e}", v[4]),
                format!("{:.2e}", v[9]),
                format!("{:.2e}", v[DEPTH - 1]),
            ]);
            plot = plot.with(Series::line(
                name,
                v.iter()
                    .enumerate()
                    .map(|(l, &x)| ((l + 1) as f64, x.max(1e-300).log10()))
                    .collect(),
            ));
            results.push(v);
        }
        report.table(table);
        report.plot(plot);
        let ratio = |v: &Vec<f64>| v[DEPTH - 1] / v[0];
        report.metric("xavier_tanh_ratio", ratio(&results[2]));
        report.metric("he_relu_ratio", ratio(&results[5]));
        report.claim(
            "Initializing with simple Gaussian noise leads to vanishing (or saturated) activations",
            ratio(&results[0]) < 1e-10 && ratio(&results[3]) < 1e-10,
            format!(
                "variance at layer 20 over layer 1: N(0, 0.01²) with tanh {:.1e}, with ReLU {:.1e}; N(0, 1) with tanh saturates at {:.2}",
                ratio(&results[0]),
                ratio(&results[3]),
                results[1][DEPTH - 1]
            ),
        );
        report.claim(
            "Xavier initialization keeps the variance of activations constant across layers (tanh)",
            (0.5..2.0).contains(&ratio(&results[2])),
            format!(
                "Xavier with tanh: variance {:.3} at layer 1, {:.3} at layer 20 (ratio {:.2}); the derivation assumes tanh's linear regime, and tanh shrinks what it passes on",
                results[2][0],
                results[2][DEPTH - 1],
                ratio(&results[2])
            ),
        );
        report.claim(
            "Xavier avoids the vanishing activations of plain small Gaussian weights (tanh)",
            ratio(&results[2]) > 1e20 * ratio(&results[0]),
            format!(
                "variance ratio layer 20 / layer 1: Xavier {:.2}, N(0, 0.01²) {:.1e}",
                ratio(&results[2]),
                ratio(&results[0])
            ),
        );
        report.claim(
            "He initialization is the one for ReLU (Xavier halves ReLU's variance at every layer)",
            (0.2..5.0).contains(&ratio(&results[5])) && ratio(&results[4]) < 1e-3,
            format!(
                "variance ratio layer 20 / layer 1: He {:.2}, Xavier {:.1e}",
                ratio(&results[5]),
                ratio(&results[4])
            ),
        );
        Ok(report)
    }
}
