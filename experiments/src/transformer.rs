//! The Transformer (notes: *Transformer (Attention Mechanism)*), over seeds: on the adding
//! problem it reaches across the whole sequence in one step of attention; its positions are
//! processed at once rather than one after another (time per training step against the RNN and
//! LSTM: a GPU's claim, timed on a GPU when one is present, else on the CPU); without positional encoding it cannot
//! solve an order-dependent task (copying); and the 1/√d_k scaling keeps the attention softmax
//! from saturating as d_k grows (random queries and keys, no training).

use std::time::Instant;

use burn::tensor::Device;
use mlnotes::Result;
use mlnotes::backend::{Backend, Hardware};
use mlnotes::estimator::member_seed;
use mlnotes::experiment::{
    Context, Experiment, MIN_TIMING_REPEATS, Plot, Report, Series, Table, Verdict, half_iqr,
    mean_se, median, num,
};
use mlnotes::metrics::log_log_slope;
use mlnotes::sequence::{SequenceTrainer, Target, Task, evaluate};
use mlnotes_models::{Architecture, SequenceModelConfig, TransformerConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// The `transformer` experiment.
pub struct TransformerExperiment;

/// Sequence lengths of the adding problem (full, quick).
const ADDING_LENGTHS: (&[usize], &[usize]) = (&[10, 50, 100], &[40]);
/// Adam steps of 64 sequences per adding run (full, quick).
const ADDING_STEPS: (usize, usize) = (600, 300);
/// The adding problem counts as solved below this share of the baseline MSE.
const SOLVED: f64 = 0.5;
/// Sequence lengths of the timing (full, quick).
const TIMING_LENGTHS: (&[usize], &[usize]) = (&[10, 25, 50, 100, 200], &[8, 16, 32, 64]);
/// Timed repeats per model and length, and training steps per repeat (full, quick).
const TIMING_REPEATS: usize = MIN_TIMING_REPEATS;
/// See [`TIMING_REPEATS`].
const STEPS_PER_REPEAT: (usize, usize) = (3, 2);
/// The Transformer's log-log slope must be below the LSTM's by this much.
const SLOPE_MARGIN: f64 = 0.2;
/// Symbols to copy (full, quick), of [`SYMBOLS`] kinds, and the steps of each copy run.
const COPY_LENGTH: (usize, usize) = (8, 5);
/// See [`COPY_LENGTH`].
const SYMBOLS: usize = 8;
/// See [`COPY_LENGTH`].
const COPY_STEPS: (usize, usize) = (800, 300);
/// Copy accuracy that counts as solved with positional encoding.
const COPY_SOLVED: f64 = 0.9;
/// How far above the order-blind ceiling the model without positions may score.
const CEILING_SLACK: f64 = 0.02;
/// Fresh test sequences per trained model.
const TEST_SEQUENCES: usize = 2000;
/// Key widths d_k of the softmax study, keys per query and queries per seed.
const KEY_WIDTHS: [usize; 4] = [4, 16, 64, 256];
/// See [`KEY_WIDTHS`].
const KEYS: usize = 32;
/// See [`KEY_WIDTHS`].
const QUERIES: usize = 256;
/// Without scaling, the mean largest attention weight at the largest d_k must exceed this ...
const SATURATED: f64 = 0.8;
/// ... and with it stay below this.
const UNSATURATED: f64 = 0.5;
/// The softmax Jacobian with scaling must be larger than without by more than this factor.
const GRADIENT_FACTOR: f64 = 4.0;

/// A Transformer encoder of width 32, 4 heads, 2 layers.
fn transformer(task: &Task, positional: bool) -> SequenceModelConfig {
    let t = TransformerConfig::new(task.d_input()).with_positional(positional);
    SequenceModelConfig::new(
        task.d_input(),
        32,
        task.outputs(),
        Architecture::Transformer(t),
    )
}

/// Seconds per training step (batches of 64, no evaluation) of [`TIMING_REPEATS`] timed
/// repeats of `steps` steps each, after one warm-up step.
fn step_times(
    config: &SequenceModelConfig,
    task: &Task,
    steps: usize,
    (device, seed): (&Device, u64),
) -> Result<Vec<f64>> {
    let trainer = |steps| SequenceTrainer {
        eval_every: usize::MAX,
        seed,
        ..SequenceTrainer::new(steps)
    };
    // `fit` reads nothing back when it does not evaluate, so a GPU may still be working when it
    // returns: the clock stops only once the device has finished.
    let finished = || {
        device.sync().map_err(|e| mlnotes::Error::Backend {
            name: format!("{device:?}"),
            reason: format!("waiting for the timed training steps to finish: {e:?}"),
        })
    };
    let mut model = trainer(1).fit(config.init(device), task, |_| {})?.model;
    finished()?;
    let mut times = Vec::with_capacity(TIMING_REPEATS);
    for _ in 0..TIMING_REPEATS {
        let start = Instant::now();
        model = trainer(steps).fit(model, task, |_| {})?.model;
        finished()?;
        times.push(start.elapsed().as_secs_f64() / steps as f64);
    }
    Ok(times)
}

/// The best accuracy a model blind to positions can reach on copying: it must give every
/// output position the same answer, at best the sequence's most frequent symbol.
fn order_blind_ceiling(task: &Task, seed: u64) -> f64 {
    let batch = task.batch(TEST_SEQUENCES, &mut StdRng::seed_from_u64(seed));
    let (Task::Copy { length, symbols }, Target::Classes(c)) = (*task, &batch.target) else {
        return 1.0;
    };
    let best: usize = c
        .chunks(length)
        .map(|seq| {
            let mut counts = vec![0; symbols];
            for &s in seq {
                counts[s as usize] += 1;
            }
            counts.into_iter().max().unwrap_or(0)
        })
        .sum();
    best as f64 / c.len() as f64
}

/// `mean ± SE` of some seeds' numbers.
fn cell(values: &[f64]) -> String {
    let (m, se) = mean_se(values);
    format!("{} ± {}", num(m), num(se.unwrap_or(0.0)))
}

/// The adding problem at every length, per seed: global context.
fn adding(ctx: &Context, report: &mut Report) -> Result<()> {
    let lengths = ctx.size(ADDING_LENGTHS.0, ADDING_LENGTHS.1);
    let steps = ctx.size(ADDING_STEPS.0, ADDING_STEPS.1);
    let seeds = ctx.seeds();
    let baseline = Task::Adding { length: 2 }.baseline();
    let mut table = Table::new(
        &format!(
            "Adding problem: Transformer (width 32, 4 heads, 2 layers) test MSE / baseline MSE {} after {steps} steps of 64, mean ± SE over {} seeds",
            num(baseline),
            seeds.len()
        ),
        &["T", "test MSE / baseline"],
    );
    // ratios[l][i]: length l, seed i.
    let mut ratios = vec![];
    for &t in lengths {
        let task = Task::Adding { length: t };
        let config = transformer(&task, true);
        let mut row = vec![];
        for &seed in &seeds {
            let bar = ctx.progress(
                steps as u64,
                &format!("adding problem, Transformer, T = {t}, seed {seed}"),
            );
            let trainer = SequenceTrainer {
                seed,
                checkpoint: ctx.checkpointing(&format!("adding T{t} seed {seed}"), 100),
                ..SequenceTrainer::new(steps)
            };
            let every = trainer.eval_every as u64;
            let model = trainer
                .fit(config.init(&ctx.device), &task, |_| bar.inc(every))?
                .model;
            bar.finish_and_clear();
            row.push(evaluate(&model, &task, TEST_SEQUENCES, seed.wrapping_add(7))? / baseline);
        }
        table.row(vec![t.to_string(), cell(&row)]);
        ratios.push(row);
    }
    report.table(table);
    let longest = ratios.len() - 1;
    report.metric(
        "transformer_adding_mse_longest",
        mean_se(&ratios[longest]).0 * baseline,
    );
    let mut verdict = Verdict::mean_below(
        &format!("test MSE / baseline MSE at T = {}", lengths[0]),
        &ratios[0],
        SOLVED,
    );
    for (t, r) in lengths.iter().zip(&ratios).skip(1) {
        verdict = verdict.and(Verdict::mean_below(&format!("at T = {t}"), r, SOLVED));
    }
    report.claim(
        "attention-global-context",
        "Global context: attention links any two positions in one step, so the Transformer solves the adding problem at every length tried",
        verdict,
    );
    Ok(())
}

/// Where the parallelism claim is timed: the context's backend when its hardware is a GPU;
/// else the wgpu backend when it is compiled in and its adapter is a GPU; else the context's
/// backend, on a CPU.
fn timing_backend(ctx: &Context) -> (Backend, Device, Hardware) {
    let on_gpu = |backend: Backend| -> Option<(Backend, Device, Hardware)> {
        let hardware = backend.hardware().ok().filter(|h| h.is_gpu)?;
        Some((backend, backend.device().ok()?, hardware))
    };
    on_gpu(ctx.backend)
        .or_else(|| on_gpu(Backend::Wgpu))
        .unwrap_or_else(|| {
            let hardware = ctx.backend.hardware().unwrap_or(Hardware {
                name: "unknown".into(),
                is_gpu: false,
            });
            (ctx.backend, ctx.device.clone(), hardware)
        })
}

/// Time per training step against the sequence length, Transformer against LSTM and RNN, on a
/// GPU when one is present.
fn parallelism(ctx: &Context, report: &mut Report) -> Result<()> {
    let lengths = ctx.size(TIMING_LENGTHS.0, TIMING_LENGTHS.1);
    let steps = ctx.size(STEPS_PER_REPEAT.0, STEPS_PER_REPEAT.1);
    let (backend, device, hardware) = timing_backend(ctx);
    let on = format!("{backend} backend on {}", hardware.name);
    let names = ["Transformer", "LSTM", "RNN"];
    let mut table = Table::new(
        &format!(
            "Milliseconds per training step of 64 sequences (median of {TIMING_REPEATS} repeats of {steps} steps), {on}"
        ),
        &["T", "Transformer", "LSTM", "RNN"],
    )
    .timed();
    // times[m][i]: seconds per step of model m at length i, one per repeat.
    let mut times: Vec<Vec<Vec<f64>>> = vec![vec![]; names.len()];
    for &t in lengths {
        let task = Task::Adding { length: t };
        let configs = [
            transformer(&task, true),
            SequenceModelConfig::new(2, 32, 1, Architecture::Lstm),
            SequenceModelConfig::new(2, 32, 1, Architecture::Rnn),
        ];
        let mut cells = vec![t.to_string()];
        for (m, config) in configs.iter().enumerate() {
            let repeats = step_times(config, &task, steps, (&device, ctx.seed))?;
            cells.push(format!("{:.2}", median(&repeats) * 1e3));
            times[m].push(repeats);
        }
        table.row(cells);
    }
    report.table(table);
    let medians: Vec<Vec<(f64, f64)>> = times
        .iter()
        .map(|per_length| {
            lengths
                .iter()
                .zip(per_length)
                .map(|(&t, r)| (t as f64, median(r)))
                .collect()
        })
        .collect();
    let mut plot = Plot::new(
        "time_per_step.svg",
        &format!("Training step time against sequence length ({on}; median ± half IQR)"),
        "sequence length T (steps)",
        "time per training step (ms)",
    )
    .timed();
    for ((name, points), repeats) in names.iter().zip(&medians).zip(&times) {
        plot = plot.with(
            Series::line(name, points.iter().map(|&(t, s)| (t, s * 1e3)).collect())
                .with_errors(repeats.iter().map(|r| half_iqr(r) * 1e3).collect()),
        );
    }
    report.plot(plot);
    let growth = |m: usize| medians[m][medians[m].len() - 1].1 / medians[m][0].1;
    report.timing("transformer_time_growth", growth(0));
    report.timing("lstm_time_growth", growth(1));
    report.claim(
        "transformer-parallel",
        "Parallelizable: with no recurrence the Transformer processes all positions at once, so its time per step grows more slowly with the sequence length than the LSTM's",
        Verdict::slope_below(
            &format!(
                "time per step against T, the Transformer's then the LSTM's (a GPU's claim: timed on a GPU when one is present; on a CPU the attention's T² work shares the same cores), margin {SLOPE_MARGIN}"
            ),
            &medians[0],
            &medians[1],
            SLOPE_MARGIN,
        )
        .with(format!(
            "RNN slope {}; timed on the {on}, {}",
            num(log_log_slope(&medians[2])),
            if hardware.is_gpu {
                "a GPU"
            } else {
                "a CPU (no GPU adapter found): not the hardware the claim is about"
            }
        )),
    );
    Ok(())
}

/// Copying with and without positional encoding, per seed.
fn copying(ctx: &Context, report: &mut Report) -> Result<()> {
    let length = ctx.size(COPY_LENGTH.0, COPY_LENGTH.1);
    let steps = ctx.size(COPY_STEPS.0, COPY_STEPS.1);
    let task = Task::Copy {
        length,
        symbols: SYMBOLS,
    };
    let seeds = ctx.seeds();
    let mut table = Table::new(
        &format!(
            "Copy task ({length} symbols of {SYMBOLS} kinds): accuracy after {steps} steps (chance {})",
            num(task.baseline())
        ),
        &[
            "seed",
            "with positional encoding",
            "without",
            "order-blind ceiling",
        ],
    );
    let (mut with, mut without, mut ceilings) = (vec![], vec![], vec![]);
    for &seed in &seeds {
        let mut acc = vec![];
        for positional in [true, false] {
            let model = SequenceTrainer {
                seed,
                checkpoint: ctx
                    .checkpointing(&format!("copy positional {positional} seed {seed}"), 100),
                ..SequenceTrainer::new(steps)
            }
            .fit(
                transformer(&task, positional).init(&ctx.device),
                &task,
                |_| {},
            )?;
            acc.push(evaluate(
                &model.model,
                &task,
                TEST_SEQUENCES,
                seed.wrapping_add(7),
            )?);
        }
        let ceiling = order_blind_ceiling(&task, seed.wrapping_add(7));
        table.row(vec![
            seed.to_string(),
            num(acc[0]),
            num(acc[1]),
            num(ceiling),
        ]);
        with.push(acc[0]);
        without.push(acc[1]);
        ceilings.push(ceiling);
    }
    report.table(table);
    report.metric("copy_with_positions", mean_se(&with).0);
    report.metric("copy_without_positions", mean_se(&without).0);
    report.metric("order_blind_ceiling", mean_se(&ceilings).0);
    let above_ceiling: Vec<f64> = without.iter().zip(&ceilings).map(|(a, c)| a - c).collect();
    report.claim(
        "positional-encoding-needed",
        "Positional encoding is needed: without it the Transformer cannot tell positions apart and fails an order-dependent task",
        Verdict::mean_above("copy accuracy with positional encoding", &with, COPY_SOLVED)
            .and(Verdict::mean_below(
                "copy accuracy without positional encoding − the order-blind ceiling (every output slot given the sequence's most frequent symbol)",
                &above_ceiling,
                CEILING_SLACK,
            ))
            .with(format!("chance {}", num(task.baseline()))),
    );
    Ok(())
}

/// The softmax of one query's scores against the keys: its largest weight, and the Frobenius
/// norm of its Jacobian `diag(p) − p pᵀ` (how much the weights still respond to the scores).
fn softmax_stats(scores: &[f64]) -> (f64, f64) {
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
    let z: f64 = e.iter().sum();
    let p: Vec<f64> = e.iter().map(|v| v / z).collect();
    let mut jacobian = 0.0;
    for (i, &pi) in p.iter().enumerate() {
        for (j, &pj) in p.iter().enumerate() {
            let d = if i == j { pi - pi * pj } else { -pi * pj };
            jacobian += d * d;
        }
    }
    (p.iter().copied().fold(0.0, f64::max), jacobian.sqrt())
}

/// One seed and key width: mean largest weight and median Jacobian norm over the queries,
/// with (`[0]`) and without (`[1]`) the 1/√d_k scaling.
struct SoftmaxRun {
    max_weight: [f64; 2],
    jacobian: [f64; 2],
}

/// Random queries and keys with standard normal entries: their dot products have variance
/// d_k, so unscaled scores spread with √d_k.
fn softmax_run(d_k: usize, seed: u64) -> SoftmaxRun {
    // keys and queries from streams of their own (equal streams would make queries equal keys)
    let mut rng = StdRng::seed_from_u64(member_seed(seed, 2 * d_k as u64));
    let keys: Vec<Vec<f64>> = (0..KEYS)
        .map(|_| (0..d_k).map(|_| StandardNormal.sample(&mut rng)).collect())
        .collect();
    let mut out = SoftmaxRun {
        max_weight: [0.0; 2],
        jacobian: [0.0; 2],
    };
    for (k, scale) in [1.0 / (d_k as f64).sqrt(), 1.0].into_iter().enumerate() {
        let mut jacobians = vec![];
        let mut tops = 0.0;
        // The same queries for both scalings: regenerate them from a fixed stream.
        let mut query_rng = StdRng::seed_from_u64(member_seed(seed, 2 * d_k as u64 + 1));
        for _ in 0..QUERIES {
            let q: Vec<f64> = (0..d_k)
                .map(|_| StandardNormal.sample(&mut query_rng))
                .collect();
            let scores: Vec<f64> = keys
                .iter()
                .map(|key| scale * key.iter().zip(&q).map(|(a, b)| a * b).sum::<f64>())
                .collect();
            let (top, jacobian) = softmax_stats(&scores);
            tops += top / QUERIES as f64;
            jacobians.push(jacobian);
        }
        out.max_weight[k] = tops;
        out.jacobian[k] = median(&jacobians);
    }
    out
}

/// The 1/√d_k scaling against saturation of the attention softmax, over key widths and seeds.
fn scaling(ctx: &Context, report: &mut Report) {
    let seeds = ctx.seeds();
    // runs[w][i]: key width w, seed i.
    let runs: Vec<Vec<SoftmaxRun>> = KEY_WIDTHS
        .iter()
        .map(|&d_k| seeds.iter().map(|&seed| softmax_run(d_k, seed)).collect())
        .collect();
    let column =
        |w: usize, f: &dyn Fn(&SoftmaxRun) -> f64| -> Vec<f64> { runs[w].iter().map(f).collect() };
    let mut table = Table::new(
        &format!(
            "Softmax of {QUERIES} random queries against {KEYS} random keys (standard normal entries), mean ± SE over {} seeds",
            seeds.len()
        ),
        &[
            "d_k",
            "mean largest weight, QKᵀ/√d_k",
            "mean largest weight, QKᵀ",
            "median ‖∂softmax/∂scores‖_F, QKᵀ/√d_k",
            "median ‖∂softmax/∂scores‖_F, QKᵀ",
        ],
    );
    let mut curves = [vec![], vec![]];
    for (w, d_k) in KEY_WIDTHS.iter().enumerate() {
        let mut cells = vec![d_k.to_string()];
        for k in [0, 1] {
            cells.push(cell(&column(w, &|r| r.max_weight[k])));
        }
        for (k, curve) in curves.iter_mut().enumerate() {
            let values = column(w, &|r| r.jacobian[k]);
            cells.push(cell(&values));
            curve.push((*d_k as f64, mean_se(&values).0));
        }
        table.row(cells);
    }
    report.table(table);
    let [scaled, unscaled] = curves;
    report.plot(
        Plot::new(
            "softmax_gradient.svg",
            &format!("Attention softmax over {KEYS} random keys: how much the weights respond to the scores"),
            "d_k",
            "median ‖∂softmax/∂scores‖_F",
        )
        .with(Series::line("QKᵀ/√d_k", scaled))
        .with(Series::line("QKᵀ (unscaled)", unscaled)),
    );
    let last = KEY_WIDTHS.len() - 1;
    let d_max = KEY_WIDTHS[last];
    report.claim(
        "unscaled-attention-saturates",
        "Without the 1/√d_k scaling the dot products grow with d_k and the attention softmax saturates (one weight takes nearly all); with it, it does not",
        Verdict::mean_above(
            &format!("mean largest attention weight without scaling, d_k = {d_max}"),
            &column(last, &|r| r.max_weight[1]),
            SATURATED,
        )
        .and(Verdict::mean_below(
            &format!("the same with 1/√d_k, d_k = {d_max}"),
            &column(last, &|r| r.max_weight[0]),
            UNSATURATED,
        )),
    );
    report.claim(
        "sqrt-dk-prevents-vanishing-softmax-gradients",
        "Scaled by √d_k to prevent vanishing gradients in softmax",
        Verdict::paired_gain(
            &format!(
                "ln median ‖∂softmax/∂scores‖_F at d_k = {d_max}, with − without 1/√d_k"
            ),
            &column(last, &|r| r.jacobian[0].ln()),
            &column(last, &|r| r.jacobian[1].ln()),
            GRADIENT_FACTOR.ln(),
        )
        .with(format!(
            "margin ln {GRADIENT_FACTOR}: the scaled Jacobian must be more than {GRADIENT_FACTOR} times the unscaled one"
        )),
    );
}

impl Experiment for TransformerExperiment {
    fn name(&self) -> &'static str {
        "transformer"
    }

    fn section(&self) -> &'static str {
        "Transformer (Attention Mechanism)"
    }
    fn expected_seconds(&self) -> u32 {
        270
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        adding(ctx, &mut report)?;
        parallelism(ctx, &mut report)?;
        copying(ctx, &mut report)?;
        scaling(ctx, &mut report);
        Ok(report)
    }
}
