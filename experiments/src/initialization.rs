//! Weight initialization: through a 20-layer network (width 256, inputs N(0, 1)) under plain
//! Gaussian weights, Xavier (with tanh) and He (with ReLU), the variance of the activations
//! layer by layer and the norm of the gradient `∂J/∂W⁽ˡ⁾` that reaches each layer. Every
//! network and input batch is drawn again for each seed.

use burn::tensor::{Tensor, TensorData};
use mlnotes::backend::{seeded, to_vec};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, median, num,
};
use mlnotes::{Error, Result};
use mlnotes_models::{Activation, Init, MlpConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::mean_se_points;

/// The `initialization` experiment.
pub struct Initialization;

/// Hidden layers.
const DEPTH: usize = 20;
/// Units per layer (and inputs, and outputs).
const WIDTH: usize = 256;
/// Rows of the input batch (full, quick).
const ROWS: (usize, usize) = (128, 64);

/// One initialization with its nonlinearity.
struct Case {
    name: &'static str,
    init: Init,
    activation: Activation,
}

const CASES: [Case; 7] = [
    Case {
        name: "N(0, 0.01²), tanh",
        init: Init::Gaussian { std: 0.01 },
        activation: Activation::Tanh,
    },
    Case {
        name: "N(0, 1), tanh",
        init: Init::Gaussian { std: 1.0 },
        activation: Activation::Tanh,
    },
    Case {
        name: "Xavier, tanh",
        init: Init::Xavier,
        activation: Activation::Tanh,
    },
    Case {
        name: "N(0, 0.01²), ReLU",
        init: Init::Gaussian { std: 0.01 },
        activation: Activation::Relu,
    },
    Case {
        name: "N(0, 1), ReLU",
        init: Init::Gaussian { std: 1.0 },
        activation: Activation::Relu,
    },
    Case {
        name: "Xavier, ReLU",
        init: Init::Xavier,
        activation: Activation::Relu,
    },
    Case {
        name: "He, ReLU",
        init: Init::He,
        activation: Activation::Relu,
    },
];
// Positions in CASES used by the claims.
const SMALL_TANH: usize = 0;
const XAVIER_TANH: usize = 2;
const LARGE_RELU: usize = 4;
const XAVIER_RELU: usize = 5;
const HE_RELU: usize = 6;

/// What one network shows at initialisation.
struct Profile {
    /// Variance of the activations after each hidden layer (`DEPTH` values).
    variances: Vec<f64>,
    /// `‖∂J/∂W⁽ˡ⁾‖` for every layer, input side first (`DEPTH + 1` values).
    gradient_norms: Vec<f64>,
}

/// Euclidean norm of a tensor's values, summed in f64 (the squares of exploding gradients
/// overflow f32).
fn norm(t: Tensor<2>) -> Result<f64> {
    Ok(to_vec(t)?
        .iter()
        .map(|&v| f64::from(v).powi(2))
        .sum::<f64>()
        .sqrt())
}

/// Variance of a tensor's values (over units and examples), in f64.
fn variance(t: Tensor<2>) -> Result<f64> {
    let v = to_vec(t)?;
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    Ok(v.iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n)
}

/// The input batch `x ~ N(0, 1)` and a fixed random output direction `r ~ N(0, 1)` of `seed`.
/// The loss is `J = (1/rows) Σᵢ r·zᵢ` over the output logits `z`: `∂J/∂z = r / rows`
/// whatever the output's scale, so the gradients measure the network's backward pass alone.
fn batch(rows: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut draw = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| rng.sample::<f64, _>(StandardNormal) as f32)
            .collect()
    };
    (draw(rows * WIDTH), draw(rows * WIDTH))
}

/// Activation variances and gradient norms of one freshly initialised network.
fn profile(case: &Case, seed: u64, rows: usize, ctx: &Context) -> Result<Profile> {
    let device = ctx.device.clone().autodiff();
    let config = MlpConfig::new(WIDTH, vec![WIDTH; DEPTH], WIDTH)
        .with_activation(case.activation)
        .with_init(case.init);
    let net = seeded(&device, seed, || config.init(&device))?;
    let (x, r) = batch(rows, seed);
    let x = Tensor::<2>::from_data(TensorData::new(x, [rows, WIDTH]), &device);
    let r = Tensor::<2>::from_data(TensorData::new(r, [rows, WIDTH]), &device);
    let mut layers = net.forward_layers(x);
    let logits = layers
        .pop()
        .ok_or_else(|| Error::invalid("a network without layers"))?;
    let variances = layers
        .into_iter()
        .map(variance)
        .collect::<Result<Vec<_>>>()?;
    let grads = ((logits * r).sum() / rows as f64).backward();
    let gradient_norms = net
        .layers
        .iter()
        .map(|l| match l.weight.val().grad(&grads) {
            Some(g) => norm(g),
            None => Err(Error::invalid("autodiff returned no gradient")),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Profile {
        variances,
        gradient_norms,
    })
}

/// `f` of case `case`'s profile, for every seed.
fn per_seed(runs: &[Vec<Profile>], case: usize, f: impl Fn(&Profile) -> f64) -> Vec<f64> {
    runs.iter().map(|r| f(&r[case])).collect()
}

/// The layers of a per-layer quantity: how many, and the four a table shows (0-based).
struct LayerView {
    count: usize,
    shown: [usize; 4],
}

impl LayerView {
    /// Every case's `value(profile, layer)`, geometric mean over the seeds: the shown layers as
    /// rows of `table`, every layer as a line of `plot` (layers numbered from 1): the mean of
    /// log10 over the seeds ± its standard error.
    fn report(
        &self,
        report: &mut Report,
        runs: &[Vec<Profile>],
        value: impl Fn(&Profile, usize) -> f64,
        mut table: Table,
        mut plot: Plot,
    ) {
        let layers: Vec<f64> = (1..=self.count).map(|l| l as f64).collect();
        for (c, case) in CASES.iter().enumerate() {
            // log10 of the value at every layer, per seed (1e-300 stands for a vanished value)
            let per_seed: Vec<Vec<f64>> = runs
                .iter()
                .map(|r| {
                    (0..self.count)
                        .map(|l| value(&r[c], l).max(1e-300).log10())
                        .collect()
                })
                .collect();
            let (by_layer, errors) = mean_se_points(&layers, &per_seed);
            let mut row = vec![case.name.to_string()];
            row.extend(
                self.shown
                    .iter()
                    .map(|&l| format!("{:.2e}", 10f64.powf(by_layer[l].1))),
            );
            table.row(row);
            plot = plot.with(Series::line(case.name, by_layer).with_errors(errors));
        }
        report.table(table);
        report.plot(plot);
    }
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
        let rows = ctx.size(ROWS.0, ROWS.1);
        let seeds = ctx.seeds();
        // runs[seed][case]: every case of a seed sees the same inputs and output direction.
        let mut runs: Vec<Vec<Profile>> = vec![];
        for &seed in &seeds {
            runs.push(
                CASES
                    .iter()
                    .map(|case| profile(case, seed, rows, ctx))
                    .collect::<Result<_>>()?,
            );
        }
        report.note(format!(
            "{} seeds; each draws the weights and a batch of {rows} inputs x ~ N(0, 1). Gradients are of J = (1/{rows}) Σᵢ r·zᵢ for a random direction r ~ N(0, 1) of the outputs z (∂J/∂z does not depend on the outputs' scale). Tables show geometric means over the seeds.",
            seeds.len()
        ));

        // 1. Activations: variance after each hidden layer.
        let table = Table::new(
            &format!("Variance of the activations, {DEPTH} layers of {WIDTH} units"),
            &[
                "initialization",
                "layer 1",
                "layer 5",
                "layer 10",
                "layer 20",
            ],
        );
        let plot = Plot::new(
            "variance_by_layer.svg",
            &format!(
                "Activation variance through depth (mean ± SE of log10 over {} seeds)",
                seeds.len()
            ),
            "hidden layer (1 = input side)",
            "log10 variance of the activations",
        );
        let layers = LayerView {
            count: DEPTH,
            shown: [0, 4, 9, DEPTH - 1],
        };
        layers.report(&mut report, &runs, |p, l| p.variances[l], table, plot);

        // 2. Gradients: ‖∂J/∂W⁽ˡ⁾‖ for every layer.
        let table = Table::new(
            &format!(
                "Gradient norm ‖∂J/∂W⁽ˡ⁾‖ at initialisation, {DEPTH} hidden layers of {WIDTH} units and the output layer"
            ),
            &[
                "initialization",
                "layer 1 (input side)",
                "layer 10",
                "layer 20",
                "output layer",
            ],
        );
        let plot = Plot::new(
            "gradient_norms_by_layer.svg",
            &format!(
                "Gradient norm per layer at initialisation (mean ± SE of log10 over {} seeds)",
                seeds.len()
            ),
            &format!("layer (1 = input side, {} = output layer)", DEPTH + 1),
            "log10 ‖∂J/∂W⁽ˡ⁾‖ (Euclidean norm)",
        );
        let layers = LayerView {
            count: DEPTH + 1,
            shown: [0, 9, DEPTH - 1, DEPTH],
        };
        layers.report(&mut report, &runs, |p, l| p.gradient_norms[l], table, plot);

        // The notes' claims. Each compares, seed by seed, networks on the same inputs.
        let first_layer_vs = |case: usize, reference: usize| -> Vec<f64> {
            runs.iter()
                .map(|r| (r[case].gradient_norms[0] / r[reference].gradient_norms[0]).log10())
                .collect()
        };
        let first_layer = |p: &Profile| p.gradient_norms[0];
        let vanishing = first_layer_vs(SMALL_TANH, XAVIER_TANH);
        let exploding = first_layer_vs(LARGE_RELU, HE_RELU);
        report.claim(
            "gaussian-init-vanishing-exploding-gradients",
            "Initializing weights with simple Gaussian noise can lead to vanishing or exploding gradients",
            Verdict::mean_below(
                "log10 of ‖∂J/∂W⁽¹⁾‖ under N(0, 0.01²) over Xavier's (tanh)",
                &vanishing,
                -3.0,
            )
            .and(Verdict::mean_above(
                "log10 of ‖∂J/∂W⁽¹⁾‖ under N(0, 1) over He's (ReLU)",
                &exploding,
                3.0,
            ))
            .with(format!(
                "median ‖∂J/∂W⁽¹⁾‖: N(0, 0.01²) tanh {}, Xavier tanh {}, N(0, 1) ReLU {}, He ReLU {}",
                num(median(&per_seed(&runs, SMALL_TANH, first_layer))),
                num(median(&per_seed(&runs, XAVIER_TANH, first_layer))),
                num(median(&per_seed(&runs, LARGE_RELU, first_layer))),
                num(median(&per_seed(&runs, HE_RELU, first_layer))),
            )),
        );

        // Variance at the last hidden layer over the first, per seed (log10).
        let ratio = |p: &Profile| p.variances[DEPTH - 1] / p.variances[0];
        let log_ratio = |case: usize| per_seed(&runs, case, |p| ratio(p).log10());
        let ratio_mean = |case: usize| mean_se(&per_seed(&runs, case, ratio)).0;
        report.metric("xavier_tanh_ratio", ratio_mean(XAVIER_TANH));
        report.metric("he_relu_ratio", ratio_mean(HE_RELU));
        let xavier_tanh = log_ratio(XAVIER_TANH);
        report.claim(
            "xavier-constant-activation-variance",
            "Xavier initialization keeps the variance of activations constant across layers (tanh)",
            Verdict::mean_above(
                "log10 of the variance at layer 20 over layer 1 (Xavier, tanh)",
                &xavier_tanh,
                0.5f64.log10(),
            )
            .and(Verdict::mean_below(
                "the same log10 ratio",
                &xavier_tanh,
                2f64.log10(),
            ))
            .with(format!(
                "mean variance {} at layer 1, {} at layer 20",
                num(mean_se(&per_seed(&runs, XAVIER_TANH, |p| p.variances[0])).0),
                num(mean_se(&per_seed(&runs, XAVIER_TANH, |p| p.variances[DEPTH - 1])).0),
            )),
        );
        report.claim(
            "xavier-avoids-vanishing-activations",
            "Xavier avoids the vanishing activations of plain small Gaussian weights (tanh)",
            Verdict::paired_gain(
                "log10 variance ratio layer 20 / layer 1, Xavier − N(0, 0.01²)",
                &xavier_tanh,
                &log_ratio(SMALL_TANH),
                20.0,
            ),
        );
        report.note(
            "Xavier's derivation assumes units in tanh's linear regime; |tanh z| < |z| for every z ≠ 0.",
        );
        // Xavier with ReLU: the variance's factor per layer (geometric mean over 19 layers).
        let xavier_relu_factor: Vec<f64> = log_ratio(XAVIER_RELU)
            .iter()
            .map(|l| 10f64.powf(l / (DEPTH - 1) as f64))
            .collect();
        let he = log_ratio(HE_RELU);
        report.claim(
            "he-for-relu",
            "He initialization is the one for ReLU (Xavier halves ReLU's variance at every layer)",
            Verdict::mean_above(
                "log10 variance ratio layer 20 / layer 1 (He, ReLU)",
                &he,
                0.2f64.log10(),
            )
            .and(Verdict::mean_below(
                "the same log10 ratio",
                &he,
                5f64.log10(),
            ))
            .and(Verdict::mean_above(
                "Xavier's variance factor per layer (ReLU)",
                &xavier_relu_factor,
                0.4,
            ))
            .and(Verdict::mean_below(
                "Xavier's variance factor per layer (ReLU)",
                &xavier_relu_factor,
                0.6,
            )),
        );
        Ok(report)
    }
}
