//! Transfer learning (notes: *Transfer Learning*): a CNN trained on digits 0–4 lends its
//! convolution blocks, frozen, to a new task (digits 5–9) for which only a few examples exist;
//! only a new fully connected head is trained. Against the same CNN trained from scratch on
//! the same few examples (and the pretrained CNN fine-tuned whole). Every seed pretrains
//! again (new split and weights) and draws new examples, heads and scratch networks.

use std::time::Instant;

use crate::mean_pm;
use burn::module::Module;
use mlnotes::Result;
use mlnotes::backend::seeded;
use mlnotes::data::Dataset;
use mlnotes::deep::{Trainer, evaluate};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, median,
};
use mlnotes::selection::HoldOut;
use mlnotes_models::{Cnn, CnnConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// The `transfer-learning` experiment.
pub struct TransferLearning;

/// Source (digits 0–4) shares: training, validation (chooses the epoch); the rest is the test
/// set that scores the pretrained network.
const SOURCE_TRAIN: f64 = 0.68;
const SOURCE_VALIDATION: f64 = 0.12;
/// Pretraining epochs (full, quick).
const PRETRAIN_EPOCHS: (usize, usize) = (30, 10);
/// Examples per class of the new task (full, quick).
const FULL_SIZES: [usize; 5] = [1, 3, 10, 30, 80];
const QUICK_SIZES: [usize; 2] = [3, 10];
/// "Few examples": the sizes (per class) at which the claim is decided.
const FEW: usize = 10;
/// Epochs on the few examples (full, quick).
const FEW_EPOCHS: (usize, usize) = (150, 60);
/// Adam's learning rate on the few examples.
const FEW_LEARNING_RATE: f64 = 3e-3;
/// Mini-batch size everywhere.
const BATCH: usize = 32;
/// Timed fits of each kind (frozen features, from scratch), on examples per class, epochs.
const TIMING_REPEATS: usize = 5;
const TIMING_PER_CLASS: usize = 30;
const TIMING_EPOCHS: usize = 8;

/// The three ways to learn the new task.
const KINDS: [&str; 3] = [
    "frozen features, new head",
    "pretrained, fine-tuned whole",
    "from scratch",
];
const FROZEN: usize = 0;
const SCRATCH: usize = 2;

/// The digits of `classes`, relabelled `0..classes.len()`, pixels scaled to `[0, 1]`.
fn digits_of(classes: std::ops::Range<usize>) -> Result<Dataset> {
    let d = mlnotes::data::digits();
    let rows: Vec<usize> = (0..d.n_samples())
        .filter(|&i| classes.contains(&d.targets()[i]))
        .collect();
    let d = d.select(&rows)?;
    Dataset::new(
        d.features().mapv(|v| v / 16.0),
        d.targets().mapv(|t| t - classes.start),
    )
}

/// `n` random rows of each class (for one seed, a larger `n` keeps the rows of a smaller one).
fn per_class(data: &Dataset, n: usize, seed: u64) -> Result<Dataset> {
    let mut rows: Vec<usize> = (0..data.n_samples()).collect();
    rows.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut taken = vec![0; data.n_classes()];
    let picked: Vec<usize> = rows
        .into_iter()
        .filter(|&i| {
            let c = &mut taken[data.targets()[i]];
            *c += 1;
            *c <= n
        })
        .collect();
    data.select(&picked)
}

/// The CNN pretrained on digits 0–4 for `seed`, and its accuracy on held-out source digits.
fn pretrain(config: &CnnConfig, seed: u64, ctx: &Context) -> Result<(Cnn, f64)> {
    let source = digits_of(0..5)?;
    let labels = source.targets().to_vec();
    let split = HoldOut {
        train: SOURCE_TRAIN,
        validation: SOURCE_VALIDATION,
        stratify: true,
        seed,
    }
    .split(source.n_samples(), Some(&labels))?;
    let pretrained = Trainer {
        batch_size: BATCH,
        seed,
        progress: ctx.show_progress,
        ..Trainer::new(ctx.size(PRETRAIN_EPOCHS.0, PRETRAIN_EPOCHS.1))
    }
    .fit(
        config.init(&ctx.device),
        &source.select(&split.train)?,
        &source.select(&split.validation)?,
        |_| {},
    )?
    .model;
    let accuracy = evaluate(&pretrained, &source.select(&split.test)?)?.1;
    Ok((pretrained, accuracy))
}

/// The three networks for the new task, drawn from `seed`: the pretrained blocks with a new
/// head (frozen, and trainable), and a network from scratch.
fn new_task_models(
    config: &CnnConfig,
    pretrained: &Cnn,
    seed: u64,
    ctx: &Context,
) -> Result<[Cnn; 3]> {
    // The same new head for the frozen and the fine-tuned network.
    let new_head = || Cnn {
        head: config.head().init(&ctx.device),
        ..pretrained.clone()
    };
    Ok([
        seeded(&ctx.device, seed, new_head)?.freeze_features(),
        seeded(&ctx.device, seed, new_head)?,
        seeded(&ctx.device, seed, || config.init(&ctx.device))?,
    ])
}

impl Experiment for TransferLearning {
    fn name(&self) -> &'static str {
        "transfer-learning"
    }

    fn section(&self) -> &'static str {
        "Transfer Learning"
    }
    fn expected_seconds(&self) -> u32 {
        55
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let config = CnnConfig::new(8, 8, vec![16, 32], vec![64], 5);
        let seeds = ctx.seeds();
        let sizes: Vec<usize> = if ctx.quick {
            QUICK_SIZES.to_vec()
        } else {
            FULL_SIZES.to_vec()
        };
        let trainer = Trainer {
            batch_size: BATCH,
            learning_rate: FEW_LEARNING_RATE,
            ..Trainer::new(ctx.size(FEW_EPOCHS.0, FEW_EPOCHS.1))
        };
        // acc[kind][size][seed]: test accuracy on digits 5–9.
        let mut acc = vec![vec![vec![]; sizes.len()]; KINDS.len()];
        let mut source_acc = vec![];
        let mut last = None;
        let bar = ctx.progress((sizes.len() * seeds.len()) as u64, "few-shot training");
        for &seed in &seeds {
            // 1. Pretrain on digits 0–4 (the "large data set").
            let (pretrained, accuracy) = pretrain(&config, seed, ctx)?;
            source_acc.push(accuracy);
            // 2. The new task, digits 5–9: a pool to draw the few examples from, and a test set.
            let target = digits_of(5..10)?;
            let labels = target.targets().to_vec();
            let split = HoldOut::train_test(0.5, seed)
                .stratified()
                .split(target.n_samples(), Some(&labels))?;
            let (pool, test) = (target.select(&split.train)?, target.select(&split.test)?);
            let trainer = Trainer {
                seed,
                ..trainer.clone()
            };
            for (i, &n) in sizes.iter().enumerate() {
                let few = per_class(&pool, n, seed)?;
                let models = new_task_models(&config, &pretrained, seed, ctx)?;
                for (k, model) in models.into_iter().enumerate() {
                    // No validation data to spare: the best epoch is chosen on the training
                    // examples; the test set chooses nothing.
                    let trained = trainer.fit(model, &few, &few, |_| {})?;
                    acc[k][i].push(evaluate(&trained.model, &test)?.1);
                }
                bar.inc(1);
            }
            last = Some((pretrained, pool, seed));
        }
        bar.finish_and_clear();
        let (source_mean, _) = mean_se(&source_acc);
        report.metric("source_accuracy", source_mean);

        let mut table = Table::new(
            &format!(
                "Digits 5–9, test accuracy (mean ± SE over {} seeds; each pretrains on digits 0–4 and draws its own examples)",
                seeds.len()
            ),
            &["examples per class", KINDS[0], KINDS[1], KINDS[2]],
        );
        for (i, n) in sizes.iter().enumerate() {
            table.row(vec![
                n.to_string(),
                mean_pm(&acc[0][i]),
                mean_pm(&acc[1][i]),
                mean_pm(&acc[2][i]),
            ]);
        }
        report.table(table);
        let mut plot = Plot::new(
            "few_shot.svg",
            &format!(
                "Digits 5–9: test accuracy against training examples per class (mean ± SE over {} seeds)",
                seeds.len()
            ),
            "training examples per class",
            "test accuracy",
        );
        for (k, name) in KINDS.iter().enumerate() {
            let stats: Vec<(f64, Option<f64>)> = acc[k].iter().map(|a| mean_se(&a[..])).collect();
            plot = plot.with(
                Series::line(
                    name,
                    sizes
                        .iter()
                        .zip(&stats)
                        .map(|(&n, s)| (n as f64, s.0))
                        .collect(),
                )
                .with_errors(stats.iter().map(|s| s.1.unwrap_or(0.0)).collect()),
            );
        }
        report.plot(plot);

        // 3. The claim, at every size of "few" examples: paired by seed.
        let gain = |i: usize| -> Vec<f64> {
            acc[FROZEN][i]
                .iter()
                .zip(&acc[SCRATCH][i])
                .map(|(t, s)| t - s)
                .collect()
        };
        report.metric("transfer_gain_fewest", mean_se(&gain(0)).0);
        let verdict = sizes
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n <= FEW)
            .map(|(i, n)| {
                Verdict::paired_gain(
                    &format!("test accuracy at {n} per class, frozen features − from scratch"),
                    &acc[FROZEN][i],
                    &acc[SCRATCH][i],
                    0.0,
                )
            })
            .reduce(Verdict::and)
            .ok_or_else(|| mlnotes::Error::invalid("no training size of a few examples"))?;
        report.claim(
            "transfer-beats-scratch-few-examples",
            "Transfer learning: with few examples, frozen pretrained features and a retrained head beat training from scratch",
            verdict.with(format!(
                "pretrained networks reach {} on held-out digits 0–4",
                mean_pm(&source_acc)
            )),
        );

        // 4. Cost: fits of the frozen and the scratch network timed alike, interleaved.
        let (pretrained, pool, seed) =
            last.ok_or_else(|| mlnotes::Error::invalid("no seeds to run"))?;
        let few = per_class(&pool, TIMING_PER_CLASS, seed)?;
        let timing_trainer = Trainer {
            batch_size: BATCH,
            learning_rate: FEW_LEARNING_RATE,
            seed,
            ..Trainer::new(TIMING_EPOCHS)
        };
        let (mut frozen_times, mut scratch_times) = (vec![], vec![]);
        for r in 0..TIMING_REPEATS {
            let [frozen, _, scratch] =
                new_task_models(&config, &pretrained, seed.wrapping_add(r as u64), ctx)?;
            let start = Instant::now();
            timing_trainer.fit(frozen, &few, &few, |_| {})?;
            frozen_times.push(start.elapsed().as_secs_f64());
            let start = Instant::now();
            timing_trainer.fit(scratch, &few, &few, |_| {})?;
            scratch_times.push(start.elapsed().as_secs_f64());
        }
        report.timing("frozen_seconds", median(&frozen_times));
        report.timing("scratch_seconds", median(&scratch_times));
        let trainable = config.head().init(&ctx.device).num_params();
        let total = pretrained.num_params();
        report.claim(
            "freezing-makes-training-cheaper",
            "Freezing the feature extractor makes training cheaper: no gradients flow through the convolutions",
            Verdict::speedup(
                &format!(
                    "training time from scratch / with frozen features ({} examples, {TIMING_EPOCHS} epochs)",
                    few.n_samples()
                ),
                &scratch_times,
                &frozen_times,
                1.2,
            )
            .with(format!(
                "trainable parameters: {trainable} of {total} with frozen features"
            )),
        );
        report.note(format!(
            "The source networks reach {} on held-out digits 0–4. With frozen features only the head's {trainable} of {total} parameters are trained.",
            mean_pm(&source_acc)
        ));
        Ok(report)
    }
}
