//! Transfer learning (notes: *Transfer Learning*): a CNN trained on digits 0–4 lends its
//! convolution blocks, frozen, to a new task (digits 5–9) for which only a few examples exist;
//! only a new fully connected head is trained. Against the same CNN trained from scratch on
//! the same few examples (and the pretrained CNN fine-tuned whole).

use std::time::Instant;

use burn::module::Module;
use mlnotes::Result;
use mlnotes::backend::seeded;
use mlnotes::data::Dataset;
use mlnotes::deep::{Trainer, evaluate};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::selection::HoldOut;
use mlnotes_models::{Cnn, CnnConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::{f4, mean_std};

/// The `transfer-learning` experiment.
pub struct TransferLearning;

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

/// `n` random rows of each class.
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

impl Experiment for TransferLearning {
    fn name(&self) -> &'static str {
        "transfer-learning"
    }

    fn section(&self) -> &'static str {
        "Transfer Learning"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let config = CnnConfig::new(8, 8, vec![16, 32], vec![64], 5);

        // 1. Pretrain on digits 0–4 (the "large data set").
        let source = digits_of(0..5)?;
        let labels = source.targets().to_vec();
        let split = HoldOut::train_test(0.85, ctx.seed)
            .stratified()
            .split(source.n_samples(), Some(&labels))?;
        let (src_train, src_val) = (source.select(&split.train)?, source.select(&split.test)?);
        ctx.device.seed(ctx.seed);
        let pretrained = Trainer {
            batch_size: 32,
            seed: ctx.seed,
            progress: ctx.show_progress,
            ..Trainer::new(ctx.size(30, 10))
        }
        .fit(config.init(&ctx.device), &src_train, &src_val, |_| {})?
        .model;
        let source_acc = evaluate(&pretrained, &src_val)?.1;
        report.metric("source_accuracy", source_acc);

        // 2. The new task, digits 5–9: a pool to draw the few examples from, and a test set.
        let target = digits_of(5..10)?;
        let labels = target.targets().to_vec();
        let split = HoldOut::train_test(0.5, ctx.seed)
            .stratified()
            .split(target.n_samples(), Some(&labels))?;
        let (pool, test) = (target.select(&split.train)?, target.select(&split.test)?);

        let sizes = ctx.size(vec![1, 3, 10, 30, 80], vec![3, 30]);
        let repeats = ctx.size(3, 1);
        let trainer = Trainer {
            batch_size: 32,
            learning_rate: 3e-3,
            seed: ctx.seed,
            ..Trainer::new(ctx.size(150, 60))
        };
        let mut table = Table::new(
            &format!(
                "Digits 5–9, test accuracy (mean of {repeats} draws of the training examples; {} test digits)",
                test.n_samples()
            ),
            &[
                "examples per class",
                "frozen features, new head",
                "pretrained, fine-tuned whole",
                "from scratch",
            ],
        );
        // Wall time of all fits of each kind.
        let mut seconds = [0.0; 3];
        let bar = ctx.progress((sizes.len() * repeats) as u64, "few-shot training");
        let mut curves: [Vec<(f64, f64)>; 3] = Default::default();
        for &n in &sizes {
            let mut acc: [Vec<f64>; 3] = Default::default();
            for r in 0..repeats {
                let few = per_class(&pool, n, ctx.seed.wrapping_add(r as u64))?;
                // Each repeat draws its own new heads and scratch network (the same head for
                // the frozen and the fine-tuned model) and its own dropout masks.
                let seed = ctx.seed.wrapping_add(r as u64);
                let new_head = || Cnn {
                    head: config.head().init(&ctx.device),
                    ..pretrained.clone()
                };
                let models = [
                    seeded(&ctx.device, seed, new_head)?.freeze_features(),
                    seeded(&ctx.device, seed, new_head)?,
                    seeded(&ctx.device, seed, || config.init(&ctx.device))?,
                ];
                let trainer = Trainer {
                    seed,
                    ..trainer.clone()
                };
                for (k, model) in models.into_iter().enumerate() {
                    // No validation data to spare: the best epoch is chosen on the training examples.
                    let start = Instant::now();
                    let trained = trainer.fit(model, &few, &few, |_| {})?;
                    seconds[k] += start.elapsed().as_secs_f64();
                    acc[k].push(evaluate(&trained.model, &test)?.1);
                }
                bar.inc(1);
            }
            let means: Vec<f64> = acc.iter().map(|a| mean_std(a).0).collect();
            for (k, m) in means.iter().enumerate() {
                curves[k].push((n as f64, *m));
            }
            table.row(vec![
                n.to_string(),
                f4(means[0]),
                f4(means[1]),
                f4(means[2]),
            ]);
        }
        bar.finish_and_clear();
        report.table(table);
        let trainable = config.head().init(&ctx.device).num_params();
        report.note(format!(
            "The source network reaches {} on held-out digits 0–4. With frozen features only the head's {trainable} of {} parameters are trained.",
            f4(source_acc),
            pretrained.num_params()
        ));
        let mut plot = Plot::new(
            "few_shot.svg",
            "Digits 5–9: test accuracy against training examples per class",
            "examples per class",
            "test accuracy",
        );
        for (name, points) in [
            "frozen features, new head",
            "fine-tuned whole",
            "from scratch",
        ]
        .iter()
        .zip(curves.iter())
        {
            plot = plot.with(Series::line(name, points.clone()));
        }
        report.plot(plot);

        let gains: Vec<(f64, f64)> = curves[0]
            .iter()
            .zip(&curves[2])
            .map(|(t, s)| (t.0, t.1 - s.1))
            .collect();
        report.metric("transfer_gain_fewest", gains[0].1);
        let transfer_wins = gains.iter().filter(|g| g.0 <= 10.0).all(|g| g.1 > 0.0);
        report.claim(
            "Transfer learning: with few examples, frozen pretrained features and a retrained head beat training from scratch",
            transfer_wins,
            gains
                .iter()
                .map(|g| format!("{} per class: {:+.4}", g.0, g.1))
                .collect::<Vec<_>>()
                .join(", ")
                + " (accuracy of transfer minus scratch)",
        );
        report.timing("frozen_seconds", seconds[0]);
        report.timing("scratch_seconds", seconds[2]);
        report.timed_claim(
            "Freezing the feature extractor makes training cheaper: no gradients flow through the convolutions",
            seconds[0] < seconds[2],
            format!(
                "all few-shot fits took {:.1} s with frozen features, {:.1} s fine-tuning the whole network, {:.1} s from scratch",
                seconds[0], seconds[1], seconds[2]
            ),
        );
        if !transfer_wins {
            report.note(
                "On the 8×8 digits a CNN trained from scratch is already strong with a handful of examples per class, and features learned on 0–4 specialise to those digits; retraining only the last layer on the pretrained hidden layer was tried too and did worse.",
            );
        }
        Ok(report)
    }
}
