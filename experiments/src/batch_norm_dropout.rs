//! Batch normalisation and dropout (notes: *Practical Training Techniques*): with batch norm a
//! deep network trains at learning rates that break it without; dropout narrows the gap between
//! training and validation on a small training set, and the scaled network it leaves at
//! inference predicts like the average of many thinned networks.

use burn::module::Module;
use burn::tensor::{Tensor, activation};
use mlnotes::backend::data_error;
use mlnotes::data::Dataset;
use mlnotes::deep::{EpochStats, Optimizer, Trainer, evaluate, tensors};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::selection::HoldOut;
use mlnotes::{Error, Result};
use mlnotes_models::{Init, Mlp, MlpConfig};

use crate::{digits_split, f4};

/// The `batch-norm-dropout` experiment.
pub struct BatchNormDropout;

/// Validation accuracy after training, or `None` when the loss turned NaN / inf.
fn accuracy_or_diverged(
    trainer: &Trainer,
    config: &MlpConfig,
    train: &Dataset,
    val: &Dataset,
    ctx: &Context,
) -> Result<Option<f64>> {
    ctx.device.seed(ctx.seed);
    match trainer.fit(config.init(&ctx.device), train, val, |_| {}) {
        Ok(t) => Ok(Some(evaluate(&t.model, val)?.1)),
        Err(Error::Diverged { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Class of each row with the largest score.
fn classes(scores: Tensor<2>) -> Result<Vec<i64>> {
    scores
        .argmax(1)
        .into_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .map_err(data_error)
}

/// Share of `data` on which the dropout network at inference (weights scaled) predicts the
/// same class as the average softmax of `k` thinned networks, and the accuracy of that average.
fn thinned_average(model: &Mlp, data: &Dataset, k: usize) -> Result<(f64, f64)> {
    let device = model.devices().first().cloned().unwrap_or_default();
    let (x, _) = tensors(data, &device);
    let scaled = classes(model.valid().forward(x))?;
    // Training mode on the autodiff device: every forward pass samples a thinned network.
    let thinned = model.clone().train();
    let (x, _) = tensors(data, &device.autodiff());
    let mut sum = activation::softmax(thinned.forward(x.clone()).detach(), 1);
    for _ in 1..k {
        sum = sum + activation::softmax(thinned.forward(x.clone()).detach(), 1);
    }
    let averaged = classes(sum)?;
    let n = data.n_samples() as f64;
    let agree = scaled.iter().zip(&averaged).filter(|(a, b)| a == b).count() as f64 / n;
    let correct = averaged
        .iter()
        .zip(data.targets())
        .filter(|&(&a, &t)| a == t as i64)
        .count() as f64
        / n;
    Ok((agree, correct))
}

impl Experiment for BatchNormDropout {
    fn name(&self) -> &'static str {
        "batch-norm-dropout"
    }

    fn section(&self) -> &'static str {
        "Practical Training Techniques: Batch Normalization, Dropout"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let (train, val) = digits_split(ctx.seed)?;

        // 1. Learning rates: plain SGD on a 4-layer ReLU network, with and without batch norm.
        let epochs = ctx.size(15, 4);
        let rates = [0.03, 0.3, 1.0, 3.0];
        let mut table = Table::new(
            &format!(
                "Digits, 64-100-100-100-10 ReLU (He), plain SGD, batches of 32, {epochs} epochs: validation accuracy"
            ),
            &["learning rate", "without batch norm", "with batch norm"],
        );
        let bar = ctx.progress(2 * rates.len() as u64, "learning rates");
        let mut results = vec![];
        for &lr in &rates {
            let trainer = Trainer {
                learning_rate: lr,
                optimizer: Optimizer::Sgd { momentum: 0.0 },
                batch_size: 32,
                seed: ctx.seed,
                ..Trainer::new(epochs)
            };
            let mut row = vec![];
            for bn in [false, true] {
                let config = MlpConfig::new(64, vec![100; 3], 10)
                    .with_init(Init::He)
                    .with_batch_norm(bn);
                row.push(accuracy_or_diverged(&trainer, &config, &train, &val, ctx)?);
                bar.inc(1);
            }
            let show = |a: Option<f64>| a.map_or("diverged (NaN loss)".to_string(), f4);
            table.row(vec![format!("{lr}"), show(row[0]), show(row[1])]);
            results.push((lr, row[0], row[1]));
        }
        bar.finish_and_clear();
        report.table(table);
        // A rate breaks training when it diverges or ends below 50 % (chance is 10 %); the
        // network trains when it ends above 80 %.
        let broken = |a: Option<f64>| a.is_none_or(|a| a < 0.5);
        let rescued: Vec<_> = results
            .iter()
            .filter(|r| broken(r.1) && r.2.is_some_and(|a| a > 0.8))
            .collect();
        // The rate with the best accuracy without (k = 0) or with (k = 1) batch norm.
        let best_rate = |k: usize| {
            results
                .iter()
                .filter_map(|r| [r.1, r.2][k].map(|a| (r.0, a)))
                .fold(
                    (0.0, f64::NEG_INFINITY),
                    |b, c| if c.1 > b.1 { c } else { b },
                )
        };
        let (plain_best, bn_best) = (best_rate(0), best_rate(1));
        report.metric("bn_best_learning_rate", bn_best.0);
        report.metric("plain_best_learning_rate", plain_best.0);
        report.claim(
            "Batch normalization allows significantly higher learning rates: it trains where the plain network diverges or fails",
            !rescued.is_empty(),
            format!(
                "{}; best rate without batch norm {} ({}), with {} ({})",
                if rescued.is_empty() {
                    "no rate broke the plain network while batch norm trained".to_string()
                } else {
                    rescued
                        .iter()
                        .map(|r| format!("at {} plain {}, batch norm {}", r.0, r.1.map_or("diverged".into(), f4), r.2.map_or("diverged".into(), f4)))
                        .collect::<Vec<_>>()
                        .join("; ")
                },
                plain_best.0,
                f4(plain_best.1),
                bn_best.0,
                f4(bn_best.1)
            ),
        );

        // 2. Dropout on a small training set.
        let labels = train.targets().to_vec();
        let small =
            HoldOut::train_test(ctx.size(200.0, 150.0) / train.n_samples() as f64, ctx.seed)
                .stratified()
                .split(train.n_samples(), Some(&labels))?;
        let small = train.select(&small.train)?;
        let epochs = ctx.size(150, 60);
        let trainer = Trainer {
            seed: ctx.seed,
            progress: ctx.show_progress,
            ..Trainer::new(epochs)
        };
        let mut t2 = Table::new(
            &format!(
                "{} training digits, 64-512-512-10 ReLU, Adam, {epochs} epochs",
                small.n_samples()
            ),
            &[
                "dropout p",
                "training accuracy",
                "validation accuracy",
                "gap",
            ],
        );
        let mut plot = Plot::new(
            "dropout_losses.svg",
            "Training and validation loss per epoch on a small training set",
            "epoch",
            "cross-entropy",
        );
        let mut runs = vec![];
        for p in [0.0, 0.5] {
            ctx.device.seed(ctx.seed);
            let config = MlpConfig::new(64, vec![512, 512], 10).with_dropout(p);
            let trained = trainer.fit(config.init(&ctx.device), &small, &val, |_| {})?;
            // The last epoch's weights, as trained (no early stopping on validation).
            let (train_acc, val_acc) = (
                evaluate(&trained.model, &small)?.1,
                evaluate(&trained.model, &val)?.1,
            );
            let curve = |f: fn(&EpochStats) -> f64| {
                trained
                    .history
                    .iter()
                    .map(|h| (h.epoch as f64, f(h)))
                    .collect()
            };
            plot = plot
                .with(Series::line(
                    &format!("train, p = {p}"),
                    curve(|h| h.train_loss),
                ))
                .with(Series::line(
                    &format!("validation, p = {p}"),
                    curve(|h| h.val_loss),
                ));
            t2.row(vec![
                format!("{p}"),
                f4(train_acc),
                f4(val_acc),
                f4(train_acc - val_acc),
            ]);
            runs.push((train_acc, val_acc, trained.model));
        }
        report.table(t2);
        report.plot(plot);
        let (gap0, gap5) = (runs[0].0 - runs[0].1, runs[1].0 - runs[1].1);
        report.metric("gap_without_dropout", gap0);
        report.metric("gap_with_dropout", gap5);
        report.claim(
            "Dropout prevents overfitting: the gap between training and validation accuracy narrows",
            gap5 < gap0,
            format!("gap {} without dropout, {} with p = 0.5", f4(gap0), f4(gap5)),
        );
        report.claim(
            "Dropout improves validation accuracy on a small training set",
            runs[1].1 > runs[0].1,
            format!(
                "validation accuracy {} without, {} with dropout",
                f4(runs[0].1),
                f4(runs[1].1)
            ),
        );

        // 3. Model averaging: the scaled network against the mean of thinned networks.
        let k = ctx.size(100, 20);
        let (agree, averaged_acc) = thinned_average(&runs[1].2, &val, k)?;
        report.metric("thinned_agreement", agree);
        report.claim(
            "Dropout trains an ensemble of thinned networks: the network used at inference predicts like their average",
            agree > 0.95 && (averaged_acc - runs[1].1).abs() < 0.02,
            format!(
                "the weight-scaled network and the average softmax of {k} random thinned networks agree on {} of validation digits; accuracy {} (scaled) vs {} (average)",
                f4(agree),
                f4(runs[1].1),
                f4(averaged_acc)
            ),
        );
        Ok(report)
    }
}
