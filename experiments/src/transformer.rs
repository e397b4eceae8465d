//! The Transformer (notes: *Transformer (Attention Mechanism)*): on the adding problem it
//! reaches across the whole sequence in one step of attention; its positions are processed at
//! once rather than one after another (time per training step against the RNN and LSTM); and
//! without positional encoding it cannot solve an order-dependent task (copying).

use std::time::Instant;

use mlnotes::Result;
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::sequence::{SequenceTrainer, Target, Task, evaluate};
use mlnotes_models::{Architecture, SequenceModelConfig, TransformerConfig};

use crate::f4;

/// The `transformer` experiment.
pub struct TransformerExperiment;

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

/// Milliseconds per training step (batches of 64, no evaluation) after one warm-up step.
fn ms_per_step(
    config: &SequenceModelConfig,
    task: &Task,
    steps: usize,
    ctx: &Context,
) -> Result<f64> {
    ctx.device.seed(ctx.seed);
    let trainer = |steps| SequenceTrainer {
        eval_every: usize::MAX,
        ..SequenceTrainer::new(steps)
    };
    let warm = trainer(1)
        .fit(config.init(&ctx.device), task, |_| {})?
        .model;
    let start = Instant::now();
    trainer(steps).fit(warm, task, |_| {})?;
    Ok(start.elapsed().as_secs_f64() / steps as f64 * 1e3)
}

/// The best accuracy a model blind to positions can reach on copying: it must give every
/// output position the same answer, at best the sequence's most frequent symbol.
fn order_blind_ceiling(task: &Task, seed: u64) -> f64 {
    let batch = task.batch(
        2000,
        &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed),
    );
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

impl Experiment for TransformerExperiment {
    fn name(&self) -> &'static str {
        "transformer"
    }

    fn section(&self) -> &'static str {
        "Transformer (Attention Mechanism)"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let trainer = SequenceTrainer {
            seed: ctx.seed,
            ..SequenceTrainer::new(ctx.size(1000, 300))
        };

        // 1. The adding problem: accuracy and time per step against the sequence length.
        let lengths = ctx.size(vec![10, 50, 100, 200], vec![10, 50]);
        let mut table = Table::new(
            &format!(
                "Adding problem: Transformer (width 32, 4 heads, 2 layers) test MSE after {} steps (baseline 0.167), and milliseconds per training step of 64 sequences",
                trainer.steps
            ),
            &[
                "T",
                "Transformer MSE",
                "Transformer ms/step",
                "LSTM ms/step",
                "RNN ms/step",
            ],
        )
        .timed();
        let bar = ctx.progress(
            (lengths.len() * trainer.steps) as u64,
            "adding problem, Transformer",
        );
        let every = trainer.eval_every as u64;
        let mut times = vec![];
        let mut mses = vec![];
        for &t in &lengths {
            let task = Task::Adding { length: t };
            let config = transformer(&task, true);
            ctx.device.seed(ctx.seed);
            bar.set_message(format!("adding problem, Transformer, T = {t}"));
            let model = SequenceTrainer {
                checkpoint: ctx.checkpointing(&format!("adding T{t}"), 100),
                ..trainer.clone()
            }
            .fit(config.init(&ctx.device), &task, |_| bar.inc(every))?
            .model;
            let mse = evaluate(&model, &task, 2000, ctx.seed.wrapping_add(7))?;
            let timing_steps = ctx.size(30, 10);
            let ms = [
                ms_per_step(&config, &task, timing_steps, ctx)?,
                ms_per_step(
                    &SequenceModelConfig::new(2, 32, 1, Architecture::Lstm),
                    &task,
                    timing_steps,
                    ctx,
                )?,
                ms_per_step(
                    &SequenceModelConfig::new(2, 32, 1, Architecture::Rnn),
                    &task,
                    timing_steps,
                    ctx,
                )?,
            ];
            table.row(vec![
                t.to_string(),
                f4(mse),
                format!("{:.1}", ms[0]),
                format!("{:.1}", ms[1]),
                format!("{:.1}", ms[2]),
            ]);
            times.push((t as f64, ms));
            mses.push((t, mse));
        }
        bar.finish_and_clear();
        report.table(table);
        let mut plot = Plot::new(
            "time_per_step.svg",
            "Milliseconds per training step against sequence length",
            "T",
            "ms per step",
        )
        .timed();
        for (k, name) in ["Transformer", "LSTM", "RNN"].iter().enumerate() {
            plot = plot.with(Series::line(
                name,
                times.iter().map(|(t, ms)| (*t, ms[k])).collect(),
            ));
        }
        report.plot(plot);
        let longest = mses[mses.len() - 1];
        report.metric("transformer_adding_mse_longest", longest.1);
        report.claim(
            "Global context: attention links any two positions in one step, so the Transformer solves the adding problem at every length tried",
            mses.iter().all(|m| m.1 < 0.5 / 6.0),
            mses.iter().map(|m| format!("T = {}: MSE {}", m.0, f4(m.1))).collect::<Vec<_>>().join(", "),
        );
        let (first, last) = (times[0], times[times.len() - 1]);
        let growth = |k: usize| last.1[k] / first.1[k];
        report.timing("transformer_time_growth", growth(0));
        report.timing("lstm_time_growth", growth(1));
        report.timed_claim(
            "Parallelizable: with no recurrence the Transformer's time per step grows more slowly with the sequence length than the LSTM's",
            growth(0) < growth(1),
            format!(
                "from T = {} to T = {}, time per step grows {:.1}x for the Transformer, {:.1}x for the LSTM, {:.1}x for the RNN",
                first.0, last.0, growth(0), growth(1), growth(2)
            ),
        );

        // 2. Copying needs positions.
        let task = Task::Copy {
            length: ctx.size(8, 5),
            symbols: 8,
        };
        let mut t2 = Table::new(
            &format!(
                "Copy task ({} symbols of 8 kinds): accuracy after {} steps (chance 0.125)",
                ctx.size(8, 5),
                trainer.steps
            ),
            &["model", "accuracy"],
        );
        let mut acc = vec![];
        for positional in [true, false] {
            ctx.device.seed(ctx.seed);
            let model = SequenceTrainer {
                checkpoint: ctx.checkpointing(&format!("copy positional {positional}"), 100),
                ..trainer.clone()
            }
            .fit(
                transformer(&task, positional).init(&ctx.device),
                &task,
                |_| {},
            )?;
            let a = evaluate(&model.model, &task, 2000, ctx.seed.wrapping_add(7))?;
            t2.row(vec![
                format!(
                    "Transformer {} positional encoding",
                    if positional { "with" } else { "without" }
                ),
                f4(a),
            ]);
            acc.push(a);
        }
        report.table(t2);
        report.metric("copy_with_positions", acc[0]);
        report.metric("copy_without_positions", acc[1]);
        let ceiling = order_blind_ceiling(&task, ctx.seed);
        report.metric("order_blind_ceiling", ceiling);
        report.claim(
            "Positional encoding is needed: without it the Transformer cannot tell positions apart and fails an order-dependent task",
            acc[0] > 0.9 && acc[1] < ceiling + 0.02,
            format!(
                "copy accuracy with positional encoding {}, without {}; without positions every output slot sees the same blank and gets the same answer, which scores at most {} (the most frequent symbol; chance {})",
                f4(acc[0]),
                f4(acc[1]),
                f4(ceiling),
                f4(task.baseline())
            ),
        );
        Ok(report)
    }
}
