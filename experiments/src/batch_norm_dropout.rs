//! Batch normalisation and dropout (notes: *Practical Training Techniques*): with batch norm a
//! deep network trains at learning rates that break it without; on a small training set dropout
//! narrows the gap between training and test accuracy, batch norm narrows it less (a weak
//! regularizer), and the scaled network dropout leaves at inference predicts like the average
//! of many thinned networks. Every comparison is repeated over seeds (new split, weights,
//! shuffles and masks); a validation set chooses each network's epoch and a separate test set
//! scores it.

use burn::module::Module;
use burn::tensor::{Tensor, activation};
use mlnotes::backend::{data_error, rng_turn};
use mlnotes::data::Dataset;
use mlnotes::deep::{EpochStats, Optimizer, Trainer, evaluate, tensors};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se};
use mlnotes::selection::HoldOut;
use mlnotes::{Error, Result};
use mlnotes_models::{Init, Mlp, MlpConfig};

use crate::{Splits, digits_splits, mean_pm};

/// The `batch-norm-dropout` experiment.
pub struct BatchNormDropout;

/// Share of the digits' training part kept for training (the rest is the validation set).
const TRAIN_SHARE: f64 = 0.85;
/// Plain SGD's learning rates, with and without batch norm.
const RATES: [f64; 4] = [0.1, 0.3, 1.0, 3.0];
/// Epochs at each learning rate (full, quick).
const RATE_EPOCHS: (usize, usize) = (6, 3);
/// Mini-batch of the learning-rate runs.
const RATE_BATCH: usize = 32;
/// A network "trains" at a rate when it ends at least this test accuracy (chance is 0.1).
const TRAINS: f64 = 0.8;
/// Training examples of the small training set (full, quick).
const SMALL_TRAIN: (f64, f64) = (200.0, 150.0);
/// Hidden layers of the network that overfits the small training set.
const SMALL_HIDDEN: [usize; 2] = [256, 256];
/// Epochs (Adam) on the small training set (full, quick).
const SMALL_EPOCHS: (usize, usize) = (50, 30);
/// Mini-batch on the small training set (a divisor of both sizes).
const SMALL_BATCH: usize = 50;
/// Dropout probability.
const DROPOUT: f64 = 0.5;
/// Thinned networks averaged (full, quick).
const THINNED: (usize, usize) = (100, 20);

/// Test accuracy after training (the epoch chosen on validation), or `None` when the loss
/// turned NaN / inf.
fn test_accuracy_or_diverged(
    trainer: &Trainer,
    config: &MlpConfig,
    data: &Splits,
    ctx: &Context,
) -> Result<Option<f64>> {
    match trainer.fit(config.init(&ctx.device), &data.train, &data.val, |_| {}) {
        Ok(t) => Ok(Some(evaluate(&t.model, &data.test)?.1)),
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

/// How the dropout network at inference compares with the average of thinned networks.
struct Averaging {
    /// Share of examples on which the scaled network and the average predict the same class.
    agreement: f64,
    /// Accuracy of the average softmax of the thinned networks.
    averaged_accuracy: f64,
}

/// The dropout network at inference (weights scaled) against the average softmax of `k`
/// thinned networks (masks drawn from `seed`) on `data`.
fn thinned_average(model: &Mlp, data: &Dataset, k: usize, seed: u64) -> Result<Averaging> {
    let device = model.devices().first().cloned().unwrap_or_default();
    let (x, _) = tensors(data, &device);
    let scaled = classes(model.valid().forward(x))?;
    // Training mode on the autodiff device: every forward pass samples a thinned network.
    let thinned = model.clone().train();
    let device = device.autodiff();
    let (x, _) = tensors(data, &device);
    let averaged = {
        let _turn = rng_turn()?;
        device.seed(seed);
        let mut sum = activation::softmax(thinned.forward(x.clone()).detach(), 1);
        for _ in 1..k {
            sum = sum + activation::softmax(thinned.forward(x.clone()).detach(), 1);
        }
        classes(sum)?
    };
    let n = data.n_samples() as f64;
    let agree = scaled.iter().zip(&averaged).filter(|(a, b)| a == b).count() as f64 / n;
    let correct = averaged
        .iter()
        .zip(data.targets())
        .filter(|&(&a, &t)| a == t as i64)
        .count() as f64
        / n;
    Ok(Averaging {
        agreement: agree,
        averaged_accuracy: correct,
    })
}

impl Experiment for BatchNormDropout {
    fn name(&self) -> &'static str {
        "batch-norm-dropout"
    }

    fn section(&self) -> &'static str {
        "Practical Training Techniques: Batch Normalization, Dropout"
    }
    fn expected_seconds(&self) -> u32 {
        10
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let seeds = ctx.seeds();
        let splits: Vec<Splits> = seeds
            .iter()
            .map(|&s| digits_splits(s, TRAIN_SHARE))
            .collect::<Result<_>>()?;
        learning_rates(&seeds, &splits, ctx, &mut report)?;
        regularization(&seeds, &splits, ctx, &mut report)?;
        Ok(report)
    }
}

/// 1. Learning rates: plain SGD on a 4-layer ReLU network, with and without batch norm.
fn learning_rates(
    seeds: &[u64],
    splits: &[Splits],
    ctx: &Context,
    report: &mut Report,
) -> Result<()> {
    let epochs = ctx.size(RATE_EPOCHS.0, RATE_EPOCHS.1);
    let bar = ctx.progress((2 * RATES.len() * seeds.len()) as u64, "learning rates");
    // results[seed][rate][batch norm]: test accuracy, None when training diverged.
    let mut results: Vec<Vec<[Option<f64>; 2]>> = vec![];
    for (&seed, data) in seeds.iter().zip(splits) {
        let mut by_rate = vec![];
        for &lr in &RATES {
            let trainer = Trainer {
                learning_rate: lr,
                optimizer: Optimizer::Sgd { momentum: 0.0 },
                batch_size: RATE_BATCH,
                seed,
                ..Trainer::new(epochs)
            };
            let mut row = [None; 2];
            for (k, bn) in [false, true].into_iter().enumerate() {
                let config = MlpConfig::new(64, vec![100; 3], 10)
                    .with_init(Init::He)
                    .with_batch_norm(bn);
                row[k] = test_accuracy_or_diverged(&trainer, &config, data, ctx)?;
                bar.inc(1);
            }
            by_rate.push(row);
        }
        results.push(by_rate);
    }
    bar.finish_and_clear();

    let mut table = Table::new(
        &format!(
            "Digits, 64-100-100-100-10 ReLU (He), plain SGD, batches of {RATE_BATCH}, {epochs} epochs (best by validation loss): test accuracy, mean ± SE over the {} seeds (diverged runs count as 0)",
            seeds.len()
        ),
        &["learning rate", "without batch norm", "with batch norm"],
    );
    // Mean test accuracy per rate and kind, a diverged run counting as 0.
    let mut mean_acc = vec![[0.0; 2]; RATES.len()];
    for (r, &lr) in RATES.iter().enumerate() {
        let mut cells = vec![format!("{lr}")];
        for (k, cell_mean) in mean_acc[r].iter_mut().enumerate() {
            let accs: Vec<f64> = results.iter().map(|s| s[r][k].unwrap_or(0.0)).collect();
            let diverged = results.iter().filter(|s| s[r][k].is_none()).count();
            *cell_mean = mean_se(&accs).0;
            cells.push(format!(
                "{} ({diverged} of {} diverged)",
                mean_pm(&accs),
                seeds.len()
            ));
        }
        table.row(cells);
    }
    report.table(table);
    let best_rate = |k: usize| {
        RATES
            .iter()
            .zip(&mean_acc)
            .fold((0.0, f64::NEG_INFINITY), |b, (&lr, a)| {
                if a[k] > b.1 { (lr, a[k]) } else { b }
            })
            .0
    };
    report.metric("plain_best_learning_rate", best_rate(0));
    report.metric("bn_best_learning_rate", best_rate(1));
    // log10 of the largest rate at which a network trains, per seed (one grid step below the
    // smallest rate when it trains at none).
    let below_grid = RATES[0].log10() - (RATES[1] / RATES[0]).log10();
    let largest = |k: usize| -> Vec<f64> {
        results
            .iter()
            .map(|s| {
                RATES
                    .iter()
                    .zip(s)
                    .filter(|(_, a)| a[k].is_some_and(|a| a >= TRAINS))
                    .map(|(lr, _)| lr.log10())
                    .fold(below_grid, f64::max)
            })
            .collect()
    };
    let rescued = results
        .iter()
        .filter(|s| {
            s.iter()
                .any(|a| a[0].is_none_or(|p| p < TRAINS) && a[1].is_some_and(|b| b >= TRAINS))
        })
        .count();
    report.claim(
        "bn-higher-learning-rates",
        "Batch normalization allows significantly higher learning rates: it trains where the plain network diverges or fails",
        Verdict::paired_gain(
            &format!(
                "log10 of the largest learning rate that trains (test accuracy ≥ {TRAINS}), batch norm − plain"
            ),
            &largest(1),
            &largest(0),
            0.0,
        )
        .with(format!(
            "in {rescued} of {} seeds some rate broke the plain network (diverged or below {TRAINS}) while batch norm trained",
            seeds.len()
        )),
    );
    Ok(())
}

/// One network trained on the small training set.
struct SmallRun {
    /// Accuracy on the small training set.
    train: f64,
    /// Accuracy on the test set.
    test: f64,
}

/// 2. Dropout and batch norm as regularizers on a small training set, and dropout's model
///    averaging.
fn regularization(
    seeds: &[u64],
    splits: &[Splits],
    ctx: &Context,
    report: &mut Report,
) -> Result<()> {
    let epochs = ctx.size(SMALL_EPOCHS.0, SMALL_EPOCHS.1);
    let k = ctx.size(THINNED.0, THINNED.1);
    let kinds = [
        ("plain", MlpConfig::new(64, SMALL_HIDDEN.to_vec(), 10)),
        (
            "dropout p = 0.5",
            MlpConfig::new(64, SMALL_HIDDEN.to_vec(), 10).with_dropout(DROPOUT),
        ),
        (
            "batch norm",
            MlpConfig::new(64, SMALL_HIDDEN.to_vec(), 10).with_batch_norm(true),
        ),
    ];
    let mut plot = Plot::new(
        "dropout_losses.svg",
        "Training and validation loss per epoch on a small training set (first seed)",
        "epoch",
        "cross-entropy loss (nats per example)",
    );
    // runs[kind][seed]; averaging[seed] for the dropout network.
    let mut runs: Vec<Vec<SmallRun>> = kinds.iter().map(|_| vec![]).collect();
    let mut averaging = vec![];
    let mut small_n = 0;
    let bar = ctx.progress((kinds.len() * seeds.len()) as u64, "small training set");
    for (i, (&seed, data)) in seeds.iter().zip(splits).enumerate() {
        let labels = data.train.targets().to_vec();
        let share = ctx.size(SMALL_TRAIN.0, SMALL_TRAIN.1) / data.train.n_samples() as f64;
        let small = HoldOut::train_test(share, seed)
            .stratified()
            .split(data.train.n_samples(), Some(&labels))?;
        let small = data.train.select(&small.train)?;
        small_n = small.n_samples();
        let trainer = Trainer {
            batch_size: SMALL_BATCH,
            seed,
            ..Trainer::new(epochs)
        };
        for (kind, (name, config)) in kinds.iter().enumerate() {
            let trained = trainer.fit(config.init(&ctx.device), &small, &data.val, |_| {})?;
            // The epoch with the best validation loss (the Trainer keeps it), scored on the
            // test set, which chose nothing.
            runs[kind].push(SmallRun {
                train: evaluate(&trained.model, &small)?.1,
                test: evaluate(&trained.model, &data.test)?.1,
            });
            if i == 0 {
                let curve = |f: fn(&EpochStats) -> f64| {
                    trained
                        .history
                        .iter()
                        .map(|h| (h.epoch as f64, f(h)))
                        .collect()
                };
                plot = plot
                    .with(Series::line(
                        &format!("train, {name}"),
                        curve(|h| h.train_loss),
                    ))
                    .with(Series::line(
                        &format!("validation, {name}"),
                        curve(|h| h.val_loss),
                    ));
            }
            if config.dropout > 0.0 {
                averaging.push(thinned_average(&trained.model, &data.test, k, seed)?);
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();

    let gap = |kind: usize| -> Vec<f64> { runs[kind].iter().map(|r| r.train - r.test).collect() };
    let test = |kind: usize| -> Vec<f64> { runs[kind].iter().map(|r| r.test).collect() };
    let mut table = Table::new(
        &format!(
            "{small_n} training digits, 64-{}-{}-10 ReLU, Adam, batches of {SMALL_BATCH}, best of {epochs} epochs by validation loss; mean ± SE over {} seeds",
            SMALL_HIDDEN[0],
            SMALL_HIDDEN[1],
            seeds.len()
        ),
        &["network", "training accuracy", "test accuracy", "gap"],
    );
    for (kind, (name, _)) in kinds.iter().enumerate() {
        let train: Vec<f64> = runs[kind].iter().map(|r| r.train).collect();
        table.row(vec![
            (*name).into(),
            mean_pm(&train),
            mean_pm(&test(kind)),
            mean_pm(&gap(kind)),
        ]);
    }
    report.table(table);
    report.plot(plot);
    let (plain, dropout, bn) = (0, 1, 2);
    report.metric("gap_without_dropout", mean_se(&gap(plain)).0);
    report.metric("gap_with_dropout", mean_se(&gap(dropout)).0);
    report.metric("gap_with_batch_norm", mean_se(&gap(bn)).0);
    report.claim(
        "dropout-narrows-gap",
        "Dropout prevents overfitting: the gap between training and test accuracy narrows",
        Verdict::paired_gain(
            "train − test accuracy gap, without − with dropout",
            &gap(plain),
            &gap(dropout),
            0.0,
        ),
    );
    report.claim(
        "dropout-improves-test-accuracy",
        "Dropout improves test accuracy on a small training set",
        Verdict::paired_gain(
            "test accuracy, with − without dropout",
            &test(dropout),
            &test(plain),
            0.0,
        ),
    );
    report.claim(
        "bn-weak-regularizer",
        "Batch normalization acts as a weak regularizer: it narrows the gap between training and test accuracy, less than dropout",
        Verdict::paired_gain(
            "train − test accuracy gap, without − with batch norm",
            &gap(plain),
            &gap(bn),
            0.0,
        )
        .and(Verdict::paired_gain(
            "train − test accuracy gap, batch norm − dropout",
            &gap(bn),
            &gap(dropout),
            0.0,
        )),
    );

    // 3. Model averaging: the scaled network against the mean of thinned networks.
    let agreement: Vec<f64> = averaging.iter().map(|a| a.agreement).collect();
    let accuracy_gap: Vec<f64> = averaging
        .iter()
        .zip(&runs[dropout])
        .map(|(a, r)| (a.averaged_accuracy - r.test).abs())
        .collect();
    report.metric("thinned_agreement", mean_se(&agreement).0);
    report.claim(
        "dropout-model-averaging",
        "Dropout trains an ensemble of thinned networks: the network used at inference predicts like their average",
        Verdict::mean_above(
            &format!(
                "share of test digits on which the weight-scaled network and the average softmax of {k} thinned networks agree"
            ),
            &agreement,
            0.95,
        )
        .and(Verdict::mean_below(
            "|test accuracy of the average − of the scaled network|",
            &accuracy_gap,
            0.02,
        )),
    );
    Ok(())
}
