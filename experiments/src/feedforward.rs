//! Feed-forward networks: a hidden layer with a nonlinearity is what separates XOR and two
//! moons (a linear model cannot, and neither can a deep stack of linear layers: without
//! activations it is one linear layer); in a 10-layer network sigmoid and tanh gradients
//! vanish towards the input while ReLU's do not, and ReLU trains where sigmoid does not.
//! Every comparison is repeated over seeds (new data, splits and weights each time) and scored
//! on a test set that chose nothing.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use mlnotes::backend::{device_of, scalar, seeded};
use mlnotes::data::{Dataset, generate};
use mlnotes::deep::{Classifier, Trainer, evaluate, tensors};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::{Error, Result};
use mlnotes_models::{Activation, Init, MlpConfig};
use ndarray::array;

use crate::{Splits, digits_splits, mean_pm};

/// The `feedforward` experiment.
pub struct Feedforward;

/// Points of each XOR / two-moons set (training, validation and test sets alike).
const SHAPE_POINTS: usize = 200;
/// Epochs on XOR and two moons (full, quick).
const SHAPE_EPOCHS: (usize, usize) = (45, 35);
/// Adam's learning rate on XOR and two moons.
const SHAPE_LEARNING_RATE: f64 = 2e-2;
/// Layer sizes of the deep linear stack (no activation between layers).
const LINEAR_STACK: [usize; 5] = [2, 32, 32, 32, 2];
/// Seed offsets of the validation and test sets drawn next to a training set.
const VAL_OFFSET: u64 = 1_000;
const TEST_OFFSET: u64 = 2_000;
/// Hidden layers (of 32 units) of the deep digits network.
const DEEP_LAYERS: usize = 10;
/// Epochs of the deep digits networks (full, quick).
const DEEP_EPOCHS: (usize, usize) = (12, 4);
/// Share of the digits' training part kept for training (the rest chooses the epoch).
const TRAIN_SHARE: f64 = 0.85;

/// A stack of affine layers with no activation between them: `x W₁ W₂ … + b`, a single
/// linear map however deep.
#[derive(Module, Debug)]
struct LinearStack {
    /// The affine layers, input to output.
    layers: Vec<Linear>,
}

impl LinearStack {
    /// Layers of the given sizes (Burn's default initialisation) on `device`.
    fn new(sizes: &[usize], device: &Device) -> Self {
        LinearStack {
            layers: sizes
                .windows(2)
                .map(|w| LinearConfig::new(w[0], w[1]).init(device))
                .collect(),
        }
    }

    /// The single layer `(W, b)` the stack equals: `W = W₁ W₂ …`, `b = (b₁ W₂ + b₂) W₃ + …`.
    fn collapse(&self) -> Option<(Tensor<2>, Tensor<2>)> {
        let first = self.layers.first()?;
        let bias = |l: &Linear| l.bias.as_ref().map(|b| b.val().unsqueeze::<2>());
        let mut w = first.weight.val();
        let mut b = bias(first)?;
        for l in &self.layers[1..] {
            w = w.matmul(l.weight.val());
            b = b.matmul(l.weight.val()) + bias(l)?;
        }
        Some((w, b))
    }
}

impl Classifier for LinearStack {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        self.layers.iter().fold(x, |a, l| l.forward(a))
    }
    fn n_inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.weight.lazy_shape()[0])
    }
    fn n_classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.weight.lazy_shape()[1])
    }
}

/// Largest difference between the stack's logits on `data` and those of its collapsed single
/// layer.
fn collapse_gap(stack: &LinearStack, data: &Dataset) -> Result<f64> {
    let (w, b) = stack
        .collapse()
        .ok_or_else(|| Error::invalid("a linear stack without layers or biases"))?;
    let device = device_of(stack);
    let (x, _) = tensors(data, &device);
    // The bias row repeated for every example: ones [n, 1] times b [1, out].
    let single = x.clone().matmul(w) + Tensor::<2>::ones([data.n_samples(), 1], &device).matmul(b);
    scalar((stack.logits(x) - single).abs().max())
}

/// Four Gaussian blobs at the corners of the unit square, labelled XOR (corners (0, 1) and
/// (1, 0) are class 1).
fn xor(n: usize, seed: u64) -> Result<Dataset> {
    let corners = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let d = generate::blobs(n, &corners, 0.15, seed)?;
    // blobs label by corner; XOR is corners 1 and 2.
    Dataset::new(
        d.features().clone(),
        d.targets().mapv(|c| usize::from(c == 1 || c == 2)),
    )
}

/// XOR and two moons of one seed: what each model reached.
struct ShapeRun {
    /// Test accuracy on XOR: no hidden layer, linear stack, one hidden layer.
    xor: [f64; 3],
    /// Training cross-entropy on XOR: no hidden layer, linear stack.
    xor_train_loss: [f64; 2],
    /// Test accuracy on two moons: no hidden layer, one hidden layer.
    moons: [f64; 2],
    /// Largest logit difference between the trained stack and its collapsed single layer.
    collapse_gap: f64,
}

/// Training, validation and test sets drawn by `draw` from three seeds derived from `seed`.
fn three_sets(seed: u64, draw: impl Fn(u64) -> Result<Dataset>) -> Result<Splits> {
    Ok(Splits {
        train: draw(seed)?,
        val: draw(seed.wrapping_add(VAL_OFFSET))?,
        test: draw(seed.wrapping_add(TEST_OFFSET))?,
    })
}

/// Train the linear model, the linear stack and the one-hidden-layer network on XOR, and the
/// linear model and the hidden-layer network on two moons, for one seed.
fn shapes(seed: u64, ctx: &Context) -> Result<ShapeRun> {
    let trainer = Trainer {
        learning_rate: SHAPE_LEARNING_RATE,
        seed,
        ..Trainer::new(ctx.size(SHAPE_EPOCHS.0, SHAPE_EPOCHS.1))
    };
    let xor_sets = three_sets(seed, |s| xor(SHAPE_POINTS, s))?;
    let moons = three_sets(seed, |s| generate::moons(SHAPE_POINTS, 0.15, s))?;
    let linear = || MlpConfig::new(2, vec![], 2).init(&ctx.device);
    let hidden = || MlpConfig::new(2, vec![32], 2).init(&ctx.device);

    let xor_linear = trainer
        .fit(linear(), &xor_sets.train, &xor_sets.val, |_| {})?
        .model;
    let stack = trainer
        .fit(
            LinearStack::new(&LINEAR_STACK, &ctx.device),
            &xor_sets.train,
            &xor_sets.val,
            |_| {},
        )?
        .model;
    let xor_hidden = trainer
        .fit(hidden(), &xor_sets.train, &xor_sets.val, |_| {})?
        .model;
    let moons_linear = trainer
        .fit(linear(), &moons.train, &moons.val, |_| {})?
        .model;
    let moons_hidden = trainer
        .fit(hidden(), &moons.train, &moons.val, |_| {})?
        .model;
    Ok(ShapeRun {
        xor: [
            evaluate(&xor_linear, &xor_sets.test)?.1,
            evaluate(&stack, &xor_sets.test)?.1,
            evaluate(&xor_hidden, &xor_sets.test)?.1,
        ],
        xor_train_loss: [
            evaluate(&xor_linear, &xor_sets.train)?.0,
            evaluate(&stack, &xor_sets.train)?.0,
        ],
        moons: [
            evaluate(&moons_linear, &moons.test)?.1,
            evaluate(&moons_hidden, &moons.test)?.1,
        ],
        collapse_gap: collapse_gap(&stack, &xor_sets.test)?,
    })
}

/// Norm of `∂J/∂W⁽ˡ⁾` for every layer of a network freshly drawn from `seed`, on `data`.
fn gradient_norms(
    config: &MlpConfig,
    data: &Dataset,
    seed: u64,
    ctx: &Context,
) -> Result<Vec<f64>> {
    let device = ctx.device.clone().autodiff();
    let model = seeded(&device, seed, || config.init(&device))?;
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

/// A deep network's nonlinearity with its recommended initialisation, and whether it is
/// trained (tanh is only measured at initialisation).
struct Nonlinearity {
    activation: Activation,
    init: Init,
    trained: bool,
}

/// `f` of every seed's run.
fn column(runs: &[ShapeRun], f: impl Fn(&ShapeRun) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
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
        let seeds = ctx.seeds();
        shape_claims(&seeds, ctx, &mut report)?;
        deep_claims(&seeds, ctx, &mut report)?;
        Ok(report)
    }
}

/// 1. XOR and two moons: no hidden layer, a deep stack of linear layers, one hidden layer.
fn shape_claims(seeds: &[u64], ctx: &Context, report: &mut Report) -> Result<()> {
    let runs: Vec<ShapeRun> = seeds
        .iter()
        .map(|&s| shapes(s, ctx))
        .collect::<Result<_>>()?;
    let xor_linear = column(&runs, |r| r.xor[0]);
    let xor_stack = column(&runs, |r| r.xor[1]);
    let xor_hidden = column(&runs, |r| r.xor[2]);
    let moons_linear = column(&runs, |r| r.moons[0]);
    let moons_hidden = column(&runs, |r| r.moons[1]);
    let stack_gain = column(&runs, |r| r.xor_train_loss[0] - r.xor_train_loss[1]);
    let mut table = Table::new(
        &format!(
            "Test accuracy, mean ± SE over {} seeds ({SHAPE_POINTS} training points; Adam {SHAPE_LEARNING_RATE}, epoch chosen on a validation set)",
            seeds.len()
        ),
        &[
            "data",
            "no hidden layer (2-2)",
            "linear stack 2-32-32-32-2, no activation",
            "one hidden layer (2-32-2, ReLU)",
        ],
    );
    table.row(vec![
        "XOR".into(),
        mean_pm(&xor_linear),
        mean_pm(&xor_stack),
        mean_pm(&xor_hidden),
    ]);
    table.row(vec![
        "two moons".into(),
        mean_pm(&moons_linear),
        "—".into(),
        mean_pm(&moons_hidden),
    ]);
    report.table(table);
    report.claim(
        "hidden-layer-separates-xor-moons",
        "Without hidden layers a network is a linear model: XOR and two moons need a hidden layer",
        Verdict::paired_gain(
            "XOR test accuracy, one hidden layer − no hidden layer",
            &xor_hidden,
            &xor_linear,
            0.2,
        )
        .and(Verdict::paired_gain(
            "two-moons test accuracy, one hidden layer − no hidden layer",
            &moons_hidden,
            &moons_linear,
            0.03,
        )),
    );
    let gaps = column(&runs, |r| r.collapse_gap);
    report.claim(
        "deep-linear-stack-is-linear",
        "Without activation functions a deep network is mathematically equivalent to a single linear layer: a deep linear stack fits XOR no better than one linear layer",
        Verdict::mean_below(
            "XOR training cross-entropy of one linear layer − the linear stack (nats)",
            &stack_gain,
            0.05,
        )
        .and(Verdict::paired_gain(
            "XOR test accuracy, one hidden ReLU layer − the linear stack",
            &xor_hidden,
            &xor_stack,
            0.2,
        ))
        .with(format!(
            "training cross-entropy: one linear layer {}, linear stack {} (ln 2 = {}); the product of the trained stack's layers reproduces its logits to {} at most",
            mean_pm(&column(&runs, |r| r.xor_train_loss[0])),
            mean_pm(&column(&runs, |r| r.xor_train_loss[1])),
            num(std::f64::consts::LN_2),
            num(gaps.iter().copied().fold(0.0, f64::max))
        )),
    );
    Ok(())
}

/// 2. Ten hidden layers on digits: gradient norms at initialisation, and training.
fn deep_claims(seeds: &[u64], ctx: &Context, report: &mut Report) -> Result<()> {
    let epochs = ctx.size(DEEP_EPOCHS.0, DEEP_EPOCHS.1);
    // Each nonlinearity with its recommended initialisation: Xavier for sigmoid and tanh,
    // He for ReLU.
    let kinds = [
        Nonlinearity {
            activation: Activation::Sigmoid,
            init: Init::Xavier,
            trained: true,
        },
        Nonlinearity {
            activation: Activation::Tanh,
            init: Init::Xavier,
            trained: false,
        },
        Nonlinearity {
            activation: Activation::Relu,
            init: Init::He,
            trained: true,
        },
    ];
    // norms[kind][seed][layer], accuracy[kind][seed].
    let mut norms = vec![vec![]; kinds.len()];
    let mut accuracy = vec![vec![]; kinds.len()];
    for &seed in seeds {
        let data = digits_splits(seed, TRAIN_SHARE)?;
        for (k, kind) in kinds.iter().enumerate() {
            let config = MlpConfig::new(64, vec![32; DEEP_LAYERS], 10)
                .with_activation(kind.activation)
                .with_init(kind.init);
            norms[k].push(gradient_norms(&config, &data.train, seed, ctx)?);
            if kind.trained {
                let trained = Trainer {
                    seed,
                    ..Trainer::new(epochs)
                }
                .fit(config.init(&ctx.device), &data.train, &data.val, |_| {})?;
                accuracy[k].push(evaluate(&trained.model, &data.test)?.1);
            }
        }
    }
    let last = DEEP_LAYERS;
    // log10 of ‖∂J/∂W⁽¹⁾‖ / ‖∂J/∂W⁽¹¹⁾‖ per seed.
    let log_ratio = |k: usize| -> Vec<f64> {
        norms[k]
            .iter()
            .map(|n: &Vec<f64>| (n[0] / n[last]).max(1e-300).log10())
            .collect()
    };
    let mut table = Table::new(
        &format!(
            "Digits, {DEEP_LAYERS} hidden layers of 32 units (Xavier for sigmoid and tanh, He for ReLU), {} seeds: gradient norm ‖∂J/∂W‖ at initialisation (geometric mean) and test accuracy after {epochs} epochs (mean ± SE)",
            seeds.len()
        ),
        &[
            "g",
            "layer 1 (input side)",
            "layer 6",
            "layer 11 (output)",
            "layer 1 / layer 11",
            "test accuracy",
        ],
    );
    let mut plot = Plot::new(
        "gradient_norms.svg",
        &format!(
            "Gradient norm per layer at initialisation ({DEEP_LAYERS} hidden layers; mean ± SE over seeds)"
        ),
        "layer",
        "log10 ‖∂J/∂W‖",
    );
    for (k, kind) in kinds.iter().enumerate() {
        let layer_log = |l: usize| -> (f64, Option<f64>) {
            mean_se(
                &norms[k]
                    .iter()
                    .map(|n: &Vec<f64>| n[l].max(1e-300).log10())
                    .collect::<Vec<_>>(),
            )
        };
        let geo = |l: usize| format!("{:.2e}", 10f64.powf(layer_log(l).0));
        let ratio = mean_se(&log_ratio(k)).0;
        table.row(vec![
            format!("{:?}", kind.activation),
            geo(0),
            geo(5),
            geo(last),
            format!("{:.2e}", 10f64.powf(ratio)),
            if kind.trained {
                mean_pm(&accuracy[k])
            } else {
                "not trained".into()
            },
        ]);
        let points: Vec<(f64, f64)> = (0..=last)
            .map(|l| ((l + 1) as f64, layer_log(l).0))
            .collect();
        let errors: Vec<f64> = (0..=last).map(|l| layer_log(l).1.unwrap_or(0.0)).collect();
        plot =
            plot.with(Series::line(&format!("{:?}", kind.activation), points).with_errors(errors));
    }
    report.table(table);
    report.plot(plot);
    let (sigmoid, tanh, relu) = (log_ratio(0), log_ratio(1), log_ratio(2));
    let mean_ratio = |v: &[f64]| mean_se(&v.iter().map(|l| 10f64.powf(*l)).collect::<Vec<_>>()).0;
    report.metric("sigmoid_gradient_ratio", mean_ratio(&sigmoid));
    report.metric("relu_gradient_ratio", mean_ratio(&relu));
    report.claim(
        "sigmoid-vanishing-gradient",
        "Sigmoid suffers from vanishing gradients: almost no gradient reaches the first layers",
        Verdict::mean_below("log10 ‖∂J/∂W⁽¹⁾‖ / ‖∂J/∂W⁽¹¹⁾‖ (sigmoid)", &sigmoid, -3.0).and(
            Verdict::paired_gain("the same log10 ratio, ReLU − sigmoid", &relu, &sigmoid, 2.0),
        ),
    );
    report.claim(
        "tanh-vanishing-gradient",
        "Tanh is zero-centred but still suffers from vanishing gradients",
        Verdict::mean_below("log10 ‖∂J/∂W⁽¹⁾‖ / ‖∂J/∂W⁽¹¹⁾‖ (tanh)", &tanh, 0.0).and(
            Verdict::paired_gain("the same log10 ratio, ReLU − tanh", &relu, &tanh, 0.0),
        ),
    );
    report.claim(
        "relu-trains-deep-network",
        "ReLU is the default choice: the deep network trains where sigmoid does not",
        Verdict::paired_gain(
            &format!("test accuracy after {epochs} epochs, ReLU − sigmoid"),
            &accuracy[2],
            &accuracy[0],
            0.2,
        ),
    );
    Ok(())
}
