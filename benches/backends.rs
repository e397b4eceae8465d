//! Throughput of each compiled Burn backend: 512x512 f32 matmul (GFLOP/s) and training steps
//! with Adam, batches of 64 (samples/s), of the MLP 64-256-256-10 and of the digits CNN (conv
//! 3×3×16, pool, conv 3×3×32, pool, 64, 10); training sequences/s of the RNN, LSTM and
//! Transformer on the adding problem at T = 100 (the Transformer also at T = 200). This is the
//! measurement behind the default backend;
//! `benches/pytorch_reference.py` times the same models in PyTorch.
//! The MLP's throughput is also swept over batch sizes and widths (flex's recorded in
//! `benches/measured/mlp-sweep-flex.csv`, which the gallery draws beside PyTorch's).
//! Run: `cargo bench --bench backends --all-features`; names after `--` (`matmul`, `mlp`, `cnn`,
//! `rnn`, `lstm`, `transformer`, `sweep`) run only those (the others print as `-`).

mod recorded;

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Int, Tensor};
use mlnotes::backend::Backend;
use mlnotes::deep::Classifier;
use mlnotes::sequence::{SequenceTrainer, Task};
use mlnotes_models::{Architecture, CnnConfig, MlpConfig, SequenceModelConfig, TransformerConfig};

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

/// Training samples per second of `model` (Adam, batches of `batch`) over `steps` steps.
fn train_samples_per_sec<M: Classifier>(model: M, batch: usize, steps: usize) -> f64 {
    let mut model = model.train();
    let device = model.devices()[0].clone().autodiff();
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let x = Tensor::<2>::random([batch, model.n_inputs()], Distribution::Default, &device);
    let y = Tensor::<1, Int>::from_data(
        burn::tensor::TensorData::new(
            (0..batch as i64).map(|i| i % 10).collect::<Vec<_>>(),
            [batch],
        ),
        &device,
    );
    let mut run = |n: usize, mut m: M| {
        for _ in 0..n {
            let loss = loss_fn.forward(m.logits(x.clone()), y.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            m = optim.step(1e-3, m, grads);
        }
        // Wait for the device: read one output back.
        let _ = m.logits(x.clone()).into_data();
        m
    };
    model = run(2, model);
    let start = Instant::now();
    let _ = run(steps, model);
    (batch * steps) as f64 / start.elapsed().as_secs_f64()
}

/// The MLP's training throughput against batch size and against width (50 steps each).
fn sweep(backend: Backend, device: &Device) {
    let steps = if backend == Backend::Wgpu { 5 } else { 50 };
    let mlp = |width: usize| MlpConfig::new(64, vec![width, width], 10).init(device);
    let shapes = SWEEP_BATCHES
        .map(|batch| (batch, 256))
        .into_iter()
        .chain(SWEEP_WIDTHS.map(|width| (64, width)));
    let mut record = Vec::new();
    for (batch, width) in shapes {
        let rate = train_samples_per_sec(mlp(width), batch, steps);
        println!(
            "{:<8} MLP 64-{width}-{width}-10, batch {batch:>4}: {rate:>10.0} samples/s",
            backend.name()
        );
        record.push(format!("{batch},{width},{rate:.0}"));
    }
    if backend == Backend::Flex {
        recorded::record(
            "mlp-sweep-flex.csv",
            &recorded::provenance("flex", "cargo bench --bench backends -- sweep"),
            "batch,width,samples_per_s",
            &record,
        );
    }
}

/// Hidden widths of the recurrent models (the Transformer runs at the first).
const SEQUENCE_WIDTHS: [usize; 2] = [32, 128];

/// Training sequences per second on the adding problem of `length` steps (batches of 64).
fn sequences_per_sec(
    config: &SequenceModelConfig,
    device: &Device,
    steps: usize,
    length: usize,
) -> f64 {
    let task = Task::Adding { length };
    let trainer = |steps| SequenceTrainer {
        eval_every: usize::MAX,
        ..SequenceTrainer::new(steps)
    };
    let warm = trainer(1)
        .fit(config.init(device), &task, |_| {})
        .expect("valid task and model")
        .model;
    let start = Instant::now();
    let trained = trainer(steps)
        .fit(warm, &task, |_| {})
        .expect("valid task and model")
        .model;
    // Wait for the device.
    let _ = trained.head.weight.val().into_data();
    (64 * steps) as f64 / start.elapsed().as_secs_f64()
}

/// The models this benchmark measures, as they are named after `--`.
const MODELS: [&str; 7] = [
    "matmul",
    "mlp",
    "cnn",
    "rnn",
    "lstm",
    "transformer",
    "sweep",
];

/// Batch sizes of the MLP 64-256-256-10 in the throughput sweep.
const SWEEP_BATCHES: [usize; 4] = [16, 64, 256, 1024];

/// Hidden widths `w` of the MLP 64-w-w-10 (batch 64) in the throughput sweep (besides 256, run
/// in the batch sweep).
const SWEEP_WIDTHS: [usize; 2] = [64, 1024];

/// The model names given after `--`.
fn names() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect()
}

/// Whether `model` is asked for: every model when no name is given after `--`.
fn wanted(model: &str) -> bool {
    let names = names();
    names.is_empty() || names.iter().any(|n| n.eq_ignore_ascii_case(model))
}

/// `rate` formatted when `model` is asked for, `-` otherwise.
fn measured(model: &str, rate: impl FnOnce() -> f64, decimals: usize) -> String {
    if wanted(model) {
        format!("{:.*}", decimals, rate())
    } else {
        "-".into()
    }
}

fn main() {
    mlnotes::memory::keep_freed_memory();
    let unknown: Vec<String> = names()
        .into_iter()
        .filter(|n| !MODELS.iter().any(|m| m.eq_ignore_ascii_case(n)))
        .collect();
    if !unknown.is_empty() {
        eprintln!("unknown model {unknown:?}: the models are {MODELS:?}");
        std::process::exit(2);
    }
    println!(
        "{:<8} {:>18} {:>28} {:>24}",
        "backend", "matmul 512 GFLOP/s", "MLP 64-256-256-10 samples/s", "digits CNN samples/s"
    );
    let mut sequences = vec![];
    for backend in Backend::compiled() {
        let device = match backend.device() {
            Ok(d) => d,
            Err(e) => {
                println!("{backend:<8} unavailable: {e}");
                continue;
            }
        };
        let iters = if backend == Backend::Wgpu { 3 } else { 20 };
        let steps = if backend == Backend::Wgpu { 5 } else { 200 };
        let gflops = measured("matmul", || matmul_gflops(&device, 512, iters), 1);
        let mlp = measured(
            "mlp",
            || {
                train_samples_per_sec(
                    MlpConfig::new(64, vec![256, 256], 10).init(&device),
                    64,
                    steps,
                )
            },
            0,
        );
        let cnn = measured(
            "cnn",
            || train_samples_per_sec(CnnConfig::digits().init(&device), 64, steps),
            0,
        );
        println!(
            "{:<8} {:>18} {:>28} {:>24}",
            backend.name(),
            gflops,
            mlp,
            cnn
        );
        sequences.push((backend, device.clone()));
        if wanted("sweep") {
            sweep(backend, &device);
        }
    }
    println!(
        "\nAdding problem, T = 100 (the Transformer also at T = 200), batches of 64, training sequences/s\n{:<8} {:>6} {:>10} {:>10} {:>12} {:>18}",
        "backend", "width", "RNN", "LSTM", "Transformer", "Transformer T=200"
    );
    for (backend, device) in sequences {
        let steps = if backend == Backend::Wgpu { 2 } else { 30 };
        for width in SEQUENCE_WIDTHS {
            let rate = |arch, length| {
                let config = SequenceModelConfig::new(2, width, 1, arch);
                sequences_per_sec(&config, &device, steps, length)
            };
            let transformer = |length| {
                if width == SEQUENCE_WIDTHS[0] {
                    let arch = || Architecture::Transformer(TransformerConfig::new(2));
                    measured("transformer", || rate(arch(), length), 0)
                } else {
                    "-".into()
                }
            };
            println!(
                "{:<8} {:>6} {:>10} {:>10} {:>12} {:>18}",
                backend.name(),
                width,
                measured("rnn", || rate(Architecture::Rnn, 100), 0),
                measured("lstm", || rate(Architecture::Lstm, 100), 0),
                transformer(100),
                transformer(200)
            );
        }
    }
}
