//! Throughput of each compiled Burn backend: 512x512 f32 matmul (GFLOP/s) and training steps
//! with Adam, batches of 64 (samples/s), of the MLP 64-256-256-10 and of the digits CNN (conv
//! 3×3×16, pool, conv 3×3×32, pool, 64, 10); training sequences/s of the RNN, LSTM and
//! Transformer on the adding problem at T = 100 (the Transformer also at T = 200). This is the
//! measurement behind the default backend;
//! `benches/pytorch_reference.py` times the same models in PyTorch.
//! The MLP's throughput is also swept over batch sizes and widths (flex's recorded in
//! `benches/measured/mlp-sweep-flex.csv`, which the gallery draws beside PyTorch's).
//! Run: `cargo bench --bench backends --all-features`; names after `--` (`matmul`, `mlp`, `cnn`,
//! `rnn`, `lstm`, `transformer`, `sweep`) run only those (the others print as `-`), and
//! `--backend=NAME` (repeatable) only that backend. Each backend's line names the hardware it
//! runs on; a real GPU times the CPU backends' step counts after longer warm-ups, lavapipe (the
//! CPU Vulkan driver) a few steps. Every timing ends by reading a result back from the device.

mod recorded;
mod usage;

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Int, Tensor};
use mlnotes::backend::{Backend, Hardware};
use mlnotes::deep::Classifier;
use mlnotes::experiment::median;
use mlnotes::sequence::{SequenceTrainer, Task};
use mlnotes_models::{Architecture, CnnConfig, MlpConfig, SequenceModelConfig, TransformerConfig};

/// Waits until `device` has finished the work queued on it. (Reading a tensor with `into_data`
/// does not wait: Burn 0.22 returns a GPU tensor's data as lazy storage, read on first access.)
fn finish(device: &Device) {
    device.sync().expect("the device finishes its queued work");
}

/// GFLOP/s of `iters` products of distinct `n × n` pairs, queued one after another and waited
/// for once (median of [`ROUNDS`] rounds).
fn matmul_gflops(device: &Device, n: usize, steps: Timed) -> f64 {
    let pair = || {
        let a = Tensor::<2>::random([n, n], Distribution::Default, device);
        let b = Tensor::<2>::random([n, n], Distribution::Default, device);
        (a, b)
    };
    let pairs: Vec<_> = (0..steps.timed).map(|_| pair()).collect();
    let warm: Vec<_> = (0..steps.warmup)
        .map(|_| {
            let (a, b) = pair();
            a.matmul(b)
        })
        .collect();
    finish(device);
    drop(warm);
    let rates: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            // Kept until the device has finished, so that no product goes uncomputed.
            let products: Vec<_> = pairs
                .iter()
                .map(|(a, b)| a.clone().matmul(b.clone()))
                .collect();
            finish(device);
            drop(products);
            2.0 * (n * n * n * steps.timed) as f64 / start.elapsed().as_secs_f64() / 1e9
        })
        .collect();
    median(&rates)
}

/// Timed rounds of every measurement, of which the median is reported: one round of a sequence
/// model at width 32 takes a fraction of a second, and single runs of one binary on a shared
/// machine spread by ±20%.
const ROUNDS: usize = 3;

/// Training samples per second of `model` (Adam, batches of `batch`): the median of
/// [`ROUNDS`] rounds of `steps.timed` steps, after `steps.warmup` steps.
fn train_samples_per_sec<M: Classifier>(model: M, batch: usize, steps: Timed) -> f64 {
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
        finish(&device);
        m
    };
    model = run(steps.warmup, model);
    let mut rates = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        model = run(steps.timed, model);
        rates.push((batch * steps.timed) as f64 / start.elapsed().as_secs_f64());
    }
    median(&rates)
}

/// The MLP's training throughput against batch size and against width.
fn sweep(backend: Backend, device: &Device, steps: Timed) {
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
            &recorded::provenance(
                "flex",
                &format!("cargo bench --bench backends -- sweep (medians of {ROUNDS} rounds)"),
            ),
            "batch,width,samples_per_s",
            &record,
        );
    }
}

/// Hidden widths of the recurrent models (the Transformer runs at the first).
const SEQUENCE_WIDTHS: [usize; 2] = [32, 128];

/// Training sequences per second on the adding problem of `length` steps (batches of 64), the
/// median of [`ROUNDS`] rounds.
fn sequences_per_sec(
    config: &SequenceModelConfig,
    device: &Device,
    steps: Timed,
    length: usize,
) -> f64 {
    let task = Task::Adding { length };
    let trainer = |steps| SequenceTrainer {
        eval_every: usize::MAX,
        ..SequenceTrainer::new(steps)
    };
    let warm = trainer(steps.warmup)
        .fit(config.init(device), &task, |_| {})
        .expect("valid task and model")
        .model;
    // Training without evaluation reads nothing back: the warm-up may still be running.
    finish(device);
    let mut model = warm;
    let mut rates = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        model = trainer(steps.timed)
            .fit(model, &task, |_| {})
            .expect("valid task and model")
            .model;
        finish(device);
        rates.push((64 * steps.timed) as f64 / start.elapsed().as_secs_f64());
    }
    median(&rates)
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

/// Untimed steps (kernels compiled and tuned, buffers allocated), then timed ones.
#[derive(Clone, Copy)]
struct Timed {
    warmup: usize,
    timed: usize,
}

/// How long each measurement runs on one backend.
struct Steps {
    /// 512×512 products.
    matmul: Timed,
    /// Training steps of the MLP and the CNN.
    train: Timed,
    /// Training steps of each point of the MLP sweep.
    sweep: Timed,
    /// Training steps of each sequence model.
    sequence: Timed,
}

impl Steps {
    /// The CPU backends' counts; on a real GPU the same timed steps after longer warm-ups (its
    /// kernels are compiled and tuned during the first calls); a few steps on a CPU Vulkan
    /// driver (lavapipe), where one step of a sequence model takes seconds.
    fn on(backend: Backend, hardware: &Hardware) -> Steps {
        let t = |warmup, timed| Timed { warmup, timed };
        match (backend, hardware.is_gpu) {
            (Backend::Wgpu, false) => Steps {
                matmul: t(1, 3),
                train: t(2, 5),
                sweep: t(2, 5),
                sequence: t(1, 2),
            },
            (_, true) => Steps {
                matmul: t(10, 20),
                train: t(20, 200),
                sweep: t(20, 50),
                sequence: t(10, 30),
            },
            (_, false) => Steps {
                matmul: t(1, 20),
                train: t(2, 200),
                sweep: t(2, 50),
                sequence: t(1, 30),
            },
        }
    }
}

/// The backends named by `--backend=NAME` (repeatable), every compiled one when none is.
fn backends() -> Result<Vec<Backend>, String> {
    let asked: Vec<String> = std::env::args()
        .filter_map(|a| a.strip_prefix("--backend=").map(str::to_owned))
        .collect();
    if asked.is_empty() {
        return Ok(Backend::compiled());
    }
    asked
        .iter()
        // Parsing rejects a backend that is not compiled in.
        .map(|name| name.parse().map_err(|e| format!("--backend={name}: {e}")))
        .collect()
}

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
    usage::help_if_asked(
        "Training throughput of the neural models on each compiled Burn backend (matmul GFLOP/s; \
         MLP, digits CNN, RNN, LSTM and Transformer samples or sequences per second), beside \
         `python3 benches/pytorch_reference.py`; the MLP sweep is recorded in benches/measured/.",
        "cargo bench --bench backends [--all-features] -- [--backend=NAME ...] [MODEL ...]\n\
         \x20 MODEL: matmul, mlp, cnn, rnn, lstm, transformer, sweep (all when none is named)\n\
         \x20 --backend=NAME: flex, ndarray or wgpu, repeatable (every compiled one by default)",
    );
    mlnotes::memory::keep_freed_memory();
    let unknown: Vec<String> = names()
        .into_iter()
        .filter(|n| !MODELS.iter().any(|m| m.eq_ignore_ascii_case(n)))
        .collect();
    if !unknown.is_empty() {
        eprintln!("unknown model {unknown:?}: the models are {MODELS:?}");
        std::process::exit(2);
    }
    let backends = backends().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let asked = std::env::args().any(|a| a.starts_with("--backend="));
    let mut started = vec![];
    for backend in backends {
        match backend.device().and_then(|d| Ok((d, backend.hardware()?))) {
            Ok((device, hardware)) => {
                println!("{backend:<8} runs on {}", hardware.name);
                started.push((backend, device, Steps::on(backend, &hardware)));
            }
            // A backend named on the command line must run; among all compiled ones, those
            // without a device are skipped.
            Err(e) if asked => {
                eprintln!("{backend}: {e}");
                std::process::exit(1);
            }
            Err(e) => println!("{backend:<8} unavailable: {e}"),
        }
    }
    println!(
        "\n{:<8} {:>18} {:>28} {:>24}",
        "backend", "matmul 512 GFLOP/s", "MLP 64-256-256-10 samples/s", "digits CNN samples/s"
    );
    for (backend, device, steps) in &started {
        let gflops = measured("matmul", || matmul_gflops(device, 512, steps.matmul), 1);
        let mlp = measured(
            "mlp",
            || {
                train_samples_per_sec(
                    MlpConfig::new(64, vec![256, 256], 10).init(device),
                    64,
                    steps.train,
                )
            },
            0,
        );
        let cnn = measured(
            "cnn",
            || train_samples_per_sec(CnnConfig::digits().init(device), 64, steps.train),
            0,
        );
        println!(
            "{:<8} {:>18} {:>28} {:>24}",
            backend.name(),
            gflops,
            mlp,
            cnn
        );
        if wanted("sweep") {
            sweep(*backend, device, steps.sweep);
        }
    }
    println!(
        "\nAdding problem, T = 100 (the Transformer also at T = 200), batches of 64, training sequences/s\n{:<8} {:>6} {:>10} {:>10} {:>12} {:>18}",
        "backend", "width", "RNN", "LSTM", "Transformer", "Transformer T=200"
    );
    for (backend, device, steps) in &started {
        for width in SEQUENCE_WIDTHS {
            let rate = |arch, length| {
                let config = SequenceModelConfig::new(2, width, 1, arch);
                sequences_per_sec(&config, device, steps.sequence, length)
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
