//! Vanilla RNN against LSTM (notes: *Recurrent Neural Network*, *LSTM*) on the adding problem,
//! over seeds: as the distance between the two marked numbers and the answer grows, the RNN's
//! gradients vanish and it stays at the baseline MSE 0.167 (always answering 1), while the
//! LSTM's gated cell carries the information and its error falls well below. A linear RNN, whose
//! backpropagated gradient is `(Wᵀ)^T ∂L/∂h_T` in closed form, shows both failure modes: the
//! gradient explodes with a large recurrent scale and vanishes with a small one.

use mlnotes::Result;
use mlnotes::backend::seeded;
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::sequence::{SequenceTrainer, Task, evaluate, input_gradient_norms};
use mlnotes_models::{Architecture, SequenceModelConfig};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use crate::mean_se_points;

/// The `rnn-vs-lstm` experiment.
pub struct RnnVsLstm;

/// Sequence lengths the networks are trained on (full, quick).
const LENGTHS: (&[usize], &[usize]) = (&[10, 50, 100], &[50]);
/// Sequence lengths of the gradient measurement at initialisation, no training (full, quick).
const GRADIENT_LENGTHS: (&[usize], &[usize]) = (&[10, 25, 50, 100], &[10, 25, 50]);
/// Hidden size of both networks.
const HIDDEN: usize = 32;
/// Adam steps of 64 sequences per training run (full, quick).
const STEPS: (usize, usize) = (900, 600);
/// Adam's learning rate.
const LEARNING_RATE: f64 = 3e-3;
/// Sequences of the gradient measurement.
const GRADIENT_SEQUENCES: usize = 64;
/// Fresh test sequences per trained network.
const TEST_SEQUENCES: usize = 2000;
/// Gradient ratios below this (f32 underflow) are counted as this.
const RATIO_FLOOR: f64 = 1e-30;
/// "Near the baseline": the RNN's MSE stays above this share of the baseline's.
const NEAR_BASELINE: f64 = 0.8;
/// "Learns": the LSTM's MSE falls below this share of the baseline's.
const LEARNED: f64 = 0.5;
/// How much lower (in baselines) the LSTM's MSE must be than the RNN's on long sequences.
const LSTM_MARGIN: f64 = 0.3;
/// The RNN's ratio ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ must be below 10^this at the longest length ...
const RNN_LOG_RATIO: f64 = -3.0;
/// ... and the LSTM's higher by more than this many orders of magnitude.
const LSTM_LOG_GAIN: f64 = 2.0;
/// Hidden size of the linear RNN.
const LINEAR_HIDDEN: usize = 32;
/// Recurrent scales of the linear RNN (`W = scale · G / √n`, spectral radius about `scale`).
const SCALES: [f64; 4] = [0.5, 0.9, 1.1, 1.5];
/// Distances T over which the slope of `ln ‖∂L/∂h₀‖` is fitted.
const DISTANCES: [usize; 4] = [10, 20, 40, 80];

/// One architecture on one seed.
struct ArchRun {
    /// `log10 ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖` at initialisation, per gradient length.
    log_ratio: Vec<f64>,
    /// Test MSE over the baseline's after training, per training length.
    mse: Vec<f64>,
}

/// Measures one architecture on one seed: gradients at initialisation, then one training run
/// per length from the same initial weights.
fn run_arch(ctx: &Context, (name, arch): (&str, Architecture), seed: u64) -> Result<ArchRun> {
    let config = SequenceModelConfig::new(2, HIDDEN, 1, arch);
    let model = seeded(&ctx.device, seed, || config.init(&ctx.device))?;
    let mut log_ratio = vec![];
    for &t in ctx.size(GRADIENT_LENGTHS.0, GRADIENT_LENGTHS.1) {
        let g = input_gradient_norms(
            &model,
            &Task::Adding { length: t },
            GRADIENT_SEQUENCES,
            seed,
        )?;
        log_ratio.push((g[0] / g[t - 1]).max(RATIO_FLOOR).log10());
    }
    let steps = ctx.size(STEPS.0, STEPS.1);
    let mut mse = vec![];
    for &t in ctx.size(LENGTHS.0, LENGTHS.1) {
        let task = Task::Adding { length: t };
        let bar = ctx.progress(
            steps as u64,
            &format!("adding problem, {name}, T = {t}, seed {seed}"),
        );
        let trainer = SequenceTrainer {
            learning_rate: LEARNING_RATE,
            seed,
            checkpoint: ctx.checkpointing(&format!("{name} T{t} seed {seed}"), 100),
            ..SequenceTrainer::new(steps)
        };
        let every = trainer.eval_every as u64;
        let trained = trainer.fit(model.clone(), &task, |_| bar.inc(every))?.model;
        bar.finish_and_clear();
        let test = evaluate(&trained, &task, TEST_SEQUENCES, seed.wrapping_add(7))?;
        mse.push(test / task.baseline());
    }
    Ok(ArchRun { log_ratio, mse })
}

/// Least-squares slope of `y` against `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// A linear RNN `h_t = W h_{t−1} + U x_t` with `W = scale · G / √n` (`G` standard normal,
/// drawn from `seed`): `ln ‖∂L/∂h₀‖ = ln ‖(Wᵀ)^T ∂L/∂h_T‖` for a random unit `∂L/∂h_T`, at
/// every distance `T` up to the largest of [`DISTANCES`].
fn linear_rnn_gradients(seed: u64, scale: f64) -> Vec<(f64, f64)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = LINEAR_HIDDEN;
    let w = Array2::from_shape_fn((n, n), |_| {
        let z: f64 = StandardNormal.sample(&mut rng);
        scale * z / (n as f64).sqrt()
    });
    let mut g: Array1<f64> = Array1::from_shape_fn(n, |_| StandardNormal.sample(&mut rng));
    g /= g.dot(&g).sqrt();
    let mut out = vec![];
    for t in 1..=DISTANCES[DISTANCES.len() - 1] {
        g = w.t().dot(&g);
        out.push((t as f64, g.dot(&g).sqrt().ln()));
    }
    out
}

/// Exploding and vanishing gradients of a linear RNN, over seeds.
fn linear_rnn(ctx: &Context, report: &mut Report) {
    let seeds = ctx.seeds();
    // slopes[k][i]: scale k, seed i.
    let mut slopes = vec![vec![]; SCALES.len()];
    let mut plot = Plot::new(
        "linear_rnn_gradients.svg",
        &format!(
            "Linear RNN (n = {LINEAR_HIDDEN}): gradient with respect to h₀ against the distance T (mean ± SE over {} seeds)",
            seeds.len()
        ),
        "distance T (steps)",
        "ln ‖∂L/∂h₀‖",
    );
    let distances: Vec<f64> = (1..=DISTANCES[DISTANCES.len() - 1])
        .map(|t| t as f64)
        .collect();
    for (k, &scale) in SCALES.iter().enumerate() {
        // per_seed[i]: ln ‖∂L/∂h₀‖ at every distance, seed i
        let mut per_seed: Vec<Vec<f64>> = vec![];
        for &seed in &seeds {
            let curve = linear_rnn_gradients(seed, scale);
            let fitted: Vec<(f64, f64)> = DISTANCES.iter().map(|&t| curve[t - 1]).collect();
            slopes[k].push(slope(&fitted));
            per_seed.push(curve.iter().map(|p| p.1).collect());
        }
        let (points, errors) = mean_se_points(&distances, &per_seed);
        plot = plot.with(Series::line(&format!("scale {scale}"), points).with_errors(errors));
    }
    report.plot(plot);
    let mut table = Table::new(
        &format!(
            "Linear RNN h_t = W h_(t−1) + U x_t, W = scale · G / √{LINEAR_HIDDEN} (G standard normal, spectral radius ≈ scale): slope of ln ‖∂L/∂h₀‖ against T over T = {DISTANCES:?}, mean ± SE over {} seeds",
            seeds.len()
        ),
        &[
            "scale",
            "slope per step",
            "growth factor per step",
            "ln scale",
        ],
    );
    for (scale, s) in SCALES.iter().zip(&slopes) {
        let (m, se) = mean_se(s);
        table.row(vec![
            scale.to_string(),
            format!("{} ± {}", num(m), num(se.unwrap_or(0.0))),
            num(m.exp()),
            num(scale.ln()),
        ]);
    }
    report.table(table);
    let (large, small) = (SCALES.len() - 1, 0);
    report.claim(
        "rnn-gradients-explode",
        "Exploding or vanishing gradients: with a large recurrent scale the gradient with respect to an early hidden state grows exponentially with the distance, with a small one it vanishes",
        Verdict::mean_above(
            &format!(
                "slope of ln ‖∂L/∂h₀‖ against T, linear RNN, scale {}",
                SCALES[large]
            ),
            &slopes[large],
            0.0,
        )
        .and(Verdict::mean_below(
            &format!("the same at scale {}", SCALES[small]),
            &slopes[small],
            0.0,
        )),
    );
}

impl Experiment for RnnVsLstm {
    fn name(&self) -> &'static str {
        "rnn-vs-lstm"
    }

    fn section(&self) -> &'static str {
        "Recurrent Neural Network (RNN), LSTM"
    }
    fn expected_seconds(&self) -> u32 {
        52
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let lengths = ctx.size(LENGTHS.0, LENGTHS.1);
        let gradient_lengths = ctx.size(GRADIENT_LENGTHS.0, GRADIENT_LENGTHS.1);
        let steps = ctx.size(STEPS.0, STEPS.1);
        let seeds = ctx.seeds();
        let baseline = Task::Adding { length: 2 }.baseline();
        let architectures = [("RNN", Architecture::Rnn), ("LSTM", Architecture::Lstm)];

        // runs[a][i]: architecture a, seed i.
        let mut runs: Vec<Vec<ArchRun>> = vec![];
        for (name, arch) in &architectures {
            let row = seeds
                .iter()
                .map(|&seed| run_arch(ctx, (*name, arch.clone()), seed))
                .collect::<Result<Vec<_>>>()?;
            runs.push(row);
        }
        // Per architecture, per length: the seeds' values.
        let mse = |a: usize, l: usize| -> Vec<f64> { runs[a].iter().map(|r| r.mse[l]).collect() };
        let log_ratio =
            |a: usize, l: usize| -> Vec<f64> { runs[a].iter().map(|r| r.log_ratio[l]).collect() };
        let cell = |v: &[f64]| {
            let (m, se) = mean_se(v);
            format!("{} ± {}", num(m), num(se.unwrap_or(0.0)))
        };

        let mut table = Table::new(
            &format!(
                "Adding problem, hidden size {HIDDEN}, Adam {LEARNING_RATE}, {steps} steps of 64 sequences: test MSE / baseline MSE {} (1: always answering 1), mean ± SE over {} seeds",
                num(baseline),
                seeds.len()
            ),
            &["T", "RNN", "LSTM"],
        );
        let mut curves = vec![];
        for (a, (name, _)) in architectures.iter().enumerate() {
            let mut points = vec![];
            let mut errors = vec![];
            for (l, &t) in lengths.iter().enumerate() {
                let (m, se) = mean_se(&mse(a, l));
                points.push((t as f64, m * baseline));
                errors.push(se.unwrap_or(0.0) * baseline);
            }
            curves.push(Series::line(name, points).with_errors(errors));
        }
        for (l, &t) in lengths.iter().enumerate() {
            table.row(vec![t.to_string(), cell(&mse(0, l)), cell(&mse(1, l))]);
        }
        report.table(table);
        let mut gradients = Table::new(
            &format!(
                "log10 ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ at initialisation ({GRADIENT_SEQUENCES} sequences; below {RATIO_FLOOR:e} counted as {RATIO_FLOOR:e}), mean ± SE over {} seeds",
                seeds.len()
            ),
            &["T", "RNN", "LSTM"],
        );
        for (l, &t) in gradient_lengths.iter().enumerate() {
            gradients.row(vec![
                t.to_string(),
                cell(&log_ratio(0, l)),
                cell(&log_ratio(1, l)),
            ]);
        }
        report.table(gradients);
        let (t_min, t_max) = (lengths[0] as f64, lengths[lengths.len() - 1] as f64);
        let mut plot = Plot::new(
            "adding_mse.svg",
            &format!(
                "Adding problem: test MSE against sequence length (mean ± SE over {} seeds)",
                seeds.len()
            ),
            "sequence length T (steps)",
            "test MSE",
        );
        for series in curves {
            plot = plot.with(series);
        }
        report.plot(plot.with(Series::line(
            "baseline (predict 1)",
            vec![(t_min, baseline), (t_max, baseline)],
        )));

        let longest = lengths.len() - 1;
        let t_long = lengths[longest];
        report.metric("rnn_mse_longest", mean_se(&mse(0, longest)).0 * baseline);
        report.metric("lstm_mse_longest", mean_se(&mse(1, longest)).0 * baseline);
        report.metric("lstm_mse_shortest", mean_se(&mse(1, 0)).0 * baseline);
        report.claim(
            "rnn-fails-long-range",
            "Vanilla RNNs struggle with long-term dependencies: on long sequences the RNN stays near the baseline",
            Verdict::mean_above(
                &format!("RNN test MSE / baseline MSE at T = {t_long}"),
                &mse(0, longest),
                NEAR_BASELINE,
            ),
        );
        report.claim(
            "lstm-beats-rnn-long-range",
            "The LSTM's gated cell handles long-term dependencies where the vanilla RNN does not: it goes well below the baseline where the RNN stays near it",
            Verdict::paired_gain(
                &format!("(RNN − LSTM) test MSE / baseline MSE at T = {t_long}"),
                &mse(0, longest),
                &mse(1, longest),
                LSTM_MARGIN,
            ),
        );
        let mut every_length = Verdict::mean_below(
            &format!("LSTM test MSE / baseline MSE at T = {}", lengths[0]),
            &mse(1, 0),
            LEARNED,
        );
        for (l, &t) in lengths.iter().enumerate().skip(1) {
            every_length = every_length.and(Verdict::mean_below(
                &format!("at T = {t}"),
                &mse(1, l),
                LEARNED,
            ));
        }
        report.claim(
            "lstm-learns-every-length",
            "The LSTM solves the vanishing gradient problem: it learns at every length tried",
            every_length,
        );
        let g_long = gradient_lengths.len() - 1;
        report.claim(
            "rnn-gradients-vanish",
            "Gradients vanish through time in the RNN: the loss's gradient with respect to the first input is orders of magnitude smaller than to the last",
            Verdict::mean_below(
                &format!(
                    "log10 ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ of the RNN at initialisation, T = {}",
                    gradient_lengths[g_long]
                ),
                &log_ratio(0, g_long),
                RNN_LOG_RATIO,
            )
            .and(Verdict::paired_gain(
                "the same, LSTM − RNN",
                &log_ratio(1, g_long),
                &log_ratio(0, g_long),
                LSTM_LOG_GAIN,
            )),
        );
        linear_rnn(ctx, &mut report);
        Ok(report)
    }
}
