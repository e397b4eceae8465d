//! Convolutional networks (notes: *Convolutional Neural Network*): on the 8×8 digits a small
//! CNN classifies at least as well as an MLP with several times its parameters (parameter
//! sharing: a kernel's weights do not grow with the image); its max-pooling makes it more
//! robust to inputs shifted by a pixel than the same CNN with pooling removed, and it cuts the
//! computation of a forward pass. Every comparison is repeated over seeds (new split, weights
//! and shuffles); a validation set chooses each network's epoch and a separate test set
//! scores it.

use std::time::Instant;

use burn::module::Module;
use burn::nn::LinearConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::tensor::{Device, Tensor};
use mlnotes::backend::{device_of, to_vec};
use mlnotes::data::Dataset;
use mlnotes::deep::{Classifier, EpochStats, Trainer, evaluate, tensors};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, median, num,
};
use mlnotes::training::Trained;
use mlnotes::{Error, Result};
use mlnotes_models::{Cnn, CnnConfig, MlpConfig};
use ndarray::Array2;

use crate::{digits_splits, mean_pm, mean_se_points};

/// The `cnn` experiment.
pub struct CnnExperiment;

/// Share of the digits' training part kept for training (the rest is the validation set).
const TRAIN_SHARE: f64 = 0.85;
/// Epochs of every network (full, quick).
const EPOCHS: (usize, usize) = (8, 4);
/// Mini-batch size.
const BATCH: usize = 32;
/// Adam's learning rate.
const LEARNING_RATE: f64 = 3e-3;
/// "At least as well": the CNN may trail the MLP by at most this much test accuracy.
const NON_INFERIORITY: f64 = 0.01;
/// Timed forward passes of each network (after one untimed pass).
const TIMING_REPEATS: usize = 7;

/// The CNN of `config` with its pooling removed: every 2×2 max-pool replaced by a 1×1 one (the
/// identity), so the maps keep the image's size, and a head sized for the larger features.
fn without_pooling(config: &CnnConfig, device: &Device) -> Cnn {
    let mut cnn = config.init(device);
    for block in &mut cnn.blocks {
        block.pool = MaxPool2dConfig::new([1, 1]).init();
    }
    let mut head = config.head();
    head.input = config
        .channels
        .last()
        .copied()
        .unwrap_or(config.in_channels)
        * config.height
        * config.width;
    cnn.head = head.init(device);
    cnn
}

/// 8×8 images moved by `(dx, dy)` pixels (right and down positive), zeros shifted in.
fn shift(data: &Dataset, dx: isize, dy: isize) -> Result<Dataset> {
    let x = data.features();
    let moved = Array2::from_shape_fn(x.dim(), |(r, p)| {
        let (i, j) = ((p / 8) as isize - dy, (p % 8) as isize - dx);
        if (0..8).contains(&i) && (0..8).contains(&j) {
            x[[r, (i * 8 + j) as usize]]
        } else {
            0.0
        }
    });
    data.with_features(moved)
}

/// Mean test accuracy over the four `d`-pixel shifts.
fn shifted_accuracy(model: &impl Classifier, test: &Dataset, d: isize) -> Result<f64> {
    let mut sum = 0.0;
    for (dx, dy) in [(d, 0), (-d, 0), (0, d), (0, -d)] {
        sum += evaluate(model, &shift(test, dx, dy)?)?.1;
    }
    Ok(sum / 4.0)
}

/// Validation accuracy after each epoch.
fn val_accuracies(trained: &Trained<impl Classifier, EpochStats>) -> Vec<f64> {
    trained.history.iter().map(|h| h.val_accuracy).collect()
}

/// One trained network of one seed.
struct Scores {
    /// Test accuracy.
    test: f64,
    /// Test accuracy with the digits shifted by 1 and by 2 pixels.
    shifted: [f64; 2],
}

/// Test accuracy of `model`, unshifted and shifted.
fn scores(model: &impl Classifier, test: &Dataset) -> Result<Scores> {
    Ok(Scores {
        test: evaluate(model, test)?.1,
        shifted: [
            shifted_accuracy(model, test, 1)?,
            shifted_accuracy(model, test, 2)?,
        ],
    })
}

/// What one forward pass of one image costs.
struct Cost {
    /// Multiply-adds of the convolutions and the dense layers.
    multiply_adds: usize,
    /// Values of the feature maps the convolutions compute.
    feature_values: usize,
}

/// The cost of one image through `cnn`: each convolution's output size is measured by running
/// it, its kernel size read from its weights.
fn forward_cost(cnn: &Cnn) -> Cost {
    let device = device_of(cnn);
    let [c, h, w] = cnn.image;
    let mut x = Tensor::<4>::zeros([1, c, h, w], &device);
    let mut cost = Cost {
        multiply_adds: 0,
        feature_values: 0,
    };
    for block in &cnn.blocks {
        // Weights [c_out, c_in, k, k].
        let kernel = block.conv.weight.lazy_shape();
        let [_, c_out, h_out, w_out] = block.conv.forward(x.clone()).dims();
        cost.multiply_adds += c_out * h_out * w_out * kernel[1] * kernel[2] * kernel[3];
        cost.feature_values += c_out * h_out * w_out;
        x = block.forward(x);
    }
    for layer in &cnn.head.layers {
        let shape = layer.weight.lazy_shape();
        cost.multiply_adds += shape[0] * shape[1];
    }
    cost
}

/// Seconds of `repeats` forward passes of `models[0]` and `models[1]` on `data`, alternating
/// (after one untimed pass each).
fn forward_seconds(models: [&Cnn; 2], data: &Dataset, repeats: usize) -> Result<[Vec<f64>; 2]> {
    let mut times = [vec![], vec![]];
    let inputs = models.map(|m| tensors(data, &device_of(m)).0);
    for r in 0..=repeats {
        for (k, model) in models.iter().enumerate() {
            let start = Instant::now();
            to_vec(model.forward_flat(inputs[k].clone()))?;
            if r > 0 {
                times[k].push(start.elapsed().as_secs_f64());
            }
        }
    }
    Ok(times)
}

impl Experiment for CnnExperiment {
    fn name(&self) -> &'static str {
        "cnn"
    }

    fn section(&self) -> &'static str {
        "Convolutional Neural Network (CNN)"
    }
    fn expected_seconds(&self) -> u32 {
        12
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let seeds = ctx.seeds();
        let epochs = ctx.size(EPOCHS.0, EPOCHS.1);
        let config = CnnConfig::digits();
        let names = [
            "CNN: conv 3×3×16, pool, conv 3×3×32, pool, 64, 10",
            "the same CNN without pooling: conv 3×3×16, conv 3×3×32, 64, 10",
            "MLP: 64-256-256-10",
        ];
        let (cnn_k, unpooled_k, mlp_k) = (0, 1, 2);
        // runs[model][seed] and curves[model][seed] (validation accuracy per epoch); the first
        // seed's networks are kept for the costs and timings.
        let mut runs: [Vec<Scores>; 3] = Default::default();
        let mut curves: [Vec<Vec<f64>>; 3] = Default::default();
        let mut first = None;
        let mut sizes = (0, 0, 0);
        let mut params = [0; 3];
        for &seed in &seeds {
            let data = digits_splits(seed, TRAIN_SHARE)?;
            sizes = (
                data.train.n_samples(),
                data.val.n_samples(),
                data.test.n_samples(),
            );
            let trainer = Trainer {
                batch_size: BATCH,
                learning_rate: LEARNING_RATE,
                seed,
                progress: ctx.show_progress,
                ..Trainer::new(epochs)
            };
            let fit_cnn = |model: Cnn| trainer.fit(model, &data.train, &data.val, |_| {});
            let cnn = fit_cnn(config.init(&ctx.device))?;
            let unpooled = fit_cnn(without_pooling(&config, &ctx.device))?;
            let mlp = trainer.fit(
                MlpConfig::new(64, vec![256, 256], 10).init(&ctx.device),
                &data.train,
                &data.val,
                |_| {},
            )?;
            runs[cnn_k].push(scores(&cnn.model, &data.test)?);
            runs[unpooled_k].push(scores(&unpooled.model, &data.test)?);
            runs[mlp_k].push(scores(&mlp.model, &data.test)?);
            curves[cnn_k].push(val_accuracies(&cnn));
            curves[unpooled_k].push(val_accuracies(&unpooled));
            curves[mlp_k].push(val_accuracies(&mlp));
            params = [
                cnn.model.num_params(),
                unpooled.model.num_params(),
                mlp.model.num_params(),
            ];
            if first.is_none() {
                first = Some((cnn, unpooled, data.test));
            }
        }
        let (cnn, unpooled, first_test) = first.ok_or_else(|| Error::invalid("no seeds to run"))?;
        let column =
            |k: usize, f: fn(&Scores) -> f64| -> Vec<f64> { runs[k].iter().map(f).collect() };
        let accuracy = |k: usize| column(k, |s| s.test);
        let shift_drop = |k: usize, d: usize| -> Vec<f64> {
            runs[k].iter().map(|s| s.test - s.shifted[d]).collect()
        };

        let mut table = Table::new(
            &format!(
                "Digits ({} train, {} validation, {} test), Adam {LEARNING_RATE}, batches of {BATCH}, best of {epochs} epochs by validation loss; test accuracy, mean ± SE over {} seeds",
                sizes.0,
                sizes.1,
                sizes.2,
                seeds.len()
            ),
            &[
                "model",
                "parameters",
                "test accuracy",
                "shifted by 1 pixel",
                "shifted by 2 pixels",
            ],
        );
        for (k, name) in names.iter().enumerate() {
            table.row(vec![
                (*name).into(),
                params[k].to_string(),
                mean_pm(&accuracy(k)),
                mean_pm(&column(k, |s| s.shifted[0])),
                mean_pm(&column(k, |s| s.shifted[1])),
            ]);
        }
        report.table(table);

        // Parameter sharing: the first convolution against a dense layer with the same output.
        let mut sharing = Table::new(
            "First layer: a 3×3 convolution to 16 maps against a dense layer producing the same 16 maps",
            &["image", "convolution weights", "dense layer weights"],
        );
        let mut counts = vec![];
        for c in [CnnConfig::digits(), CnnConfig::mnist()] {
            let conv = c.init(&ctx.device).blocks[0].conv.num_params();
            let pixels = c.height * c.width;
            // Counted from the layer's lazy shapes: nothing is drawn.
            let dense = LinearConfig::new(pixels, 16 * pixels)
                .init(&ctx.device)
                .num_params();
            sharing.row(vec![
                format!("{}×{}", c.height, c.width),
                conv.to_string(),
                dense.to_string(),
            ]);
            counts.push((conv as f64, dense as f64));
        }
        report.table(sharing);

        // Pooling's computation: counted on the first seed's networks, and timed.
        let costs = [forward_cost(&cnn.model), forward_cost(&unpooled.model)];
        let mut cost_table = Table::new(
            "One 8×8 image through the CNN with and without pooling",
            &["model", "multiply-adds", "feature-map values"],
        );
        for (k, cost) in costs.iter().enumerate() {
            cost_table.row(vec![
                names[k].into(),
                cost.multiply_adds.to_string(),
                cost.feature_values.to_string(),
            ]);
        }
        report.table(cost_table);
        let [pooled_times, unpooled_times] =
            forward_seconds([&cnn.model, &unpooled.model], &first_test, TIMING_REPEATS)?;
        let mut time_table = Table::new(
            &format!(
                "Forward pass of the {} test digits: median of {TIMING_REPEATS} repeats",
                first_test.n_samples()
            ),
            &["model", "median seconds"],
        )
        .timed();
        time_table.row(vec![names[cnn_k].into(), num(median(&pooled_times))]);
        time_table.row(vec![names[unpooled_k].into(), num(median(&unpooled_times))]);
        report.table(time_table);

        let mut plot = Plot::new(
            "learning_curves.svg",
            &format!(
                "Validation accuracy per epoch (mean ± SE over {} seeds)",
                seeds.len()
            ),
            "epoch",
            "validation accuracy",
        );
        let epoch_numbers: Vec<f64> = cnn.history.iter().map(|h| h.epoch as f64).collect();
        for (k, name) in [
            (cnn_k, "CNN"),
            (unpooled_k, "CNN without pooling"),
            (mlp_k, "MLP 64-256-256-10"),
        ] {
            let (points, errors) = mean_se_points(&epoch_numbers, &curves[k]);
            plot = plot.with(Series::line(name, points).with_errors(errors));
        }
        report.plot(plot);

        let (cnn_acc, mlp_acc) = (accuracy(cnn_k), accuracy(mlp_k));
        report.metric("cnn_test_accuracy", mean_se(&cnn_acc).0);
        report.metric("mlp_test_accuracy", mean_se(&mlp_acc).0);
        report.metric("unpooled_test_accuracy", mean_se(&accuracy(unpooled_k)).0);
        report.metric("cnn_parameters", params[cnn_k] as f64);
        report.metric("mlp_parameters", params[mlp_k] as f64);
        report.metric("unpooled_parameters", params[unpooled_k] as f64);
        report.claim(
            "parameter-sharing-accuracy",
            "Parameter sharing: the CNN classifies digits at least as well as an MLP with several times its parameters",
            Verdict::paired_gain(
                "test accuracy, CNN − MLP",
                &cnn_acc,
                &mlp_acc,
                -NON_INFERIORITY,
            )
            .with(format!(
                "the MLP has {} parameters, {} times the CNN's {}",
                params[mlp_k],
                num(params[mlp_k] as f64 / params[cnn_k] as f64),
                params[cnn_k]
            )),
        );
        let (digits_conv, digits_dense) = counts[0];
        let (mnist_conv, mnist_dense) = counts[1];
        report.claim(
            "parameter-sharing-count",
            "Parameter sharing significantly reduces parameter count: a convolution's weights do not grow with the image",
            Verdict::at_least(
                "weights of a dense layer producing the first convolution's 16 maps of an 8×8 image / the convolution's",
                digits_dense / digits_conv,
                100.0,
            )
            .and(Verdict::at_least(
                "the same ratio on a 28×28 image",
                mnist_dense / mnist_conv,
                100.0,
            ))
            .and(Verdict::within(
                "the convolution's weights on 28×28 images − on 8×8 images",
                mnist_conv - digits_conv,
                0.0,
                0.0,
            ))
            .with(format!(
                "the dense layer has {} weights on 8×8 images and {} on 28×28",
                num(digits_dense),
                num(mnist_dense)
            )),
        );

        let (cnn_drop, unpooled_drop, mlp_drop) = (
            shift_drop(cnn_k, 0),
            shift_drop(unpooled_k, 0),
            shift_drop(mlp_k, 0),
        );
        report.metric("cnn_shift_drop", mean_se(&cnn_drop).0);
        report.metric("unpooled_shift_drop", mean_se(&unpooled_drop).0);
        report.metric("mlp_shift_drop", mean_se(&mlp_drop).0);
        report.claim(
            "pooling-translation-invariance",
            "Max pooling gives translation invariance: small shifts of the input change the CNN's output less",
            Verdict::paired_gain(
                "test accuracy lost when the digits move by one pixel, CNN without pooling − with pooling",
                &unpooled_drop,
                &cnn_drop,
                0.0,
            )
            .with(format!(
                "accuracy lost by one pixel: MLP {}; by two pixels: CNN {}, without pooling {}, MLP {}",
                mean_pm(&mlp_drop),
                mean_pm(&shift_drop(cnn_k, 1)),
                mean_pm(&shift_drop(unpooled_k, 1)),
                mean_pm(&shift_drop(mlp_k, 1)),
            )),
        );
        report.claim(
            "pooling-reduces-computation",
            "Pooling downsamples to reduce computation",
            Verdict::at_least(
                "multiply-adds per image, without pooling / with pooling",
                costs[1].multiply_adds as f64 / costs[0].multiply_adds as f64,
                2.0,
            )
            .with(format!(
                "feature-map values per image: {} with pooling, {} without",
                costs[0].feature_values, costs[1].feature_values
            )),
        );
        report.timing("pooled_forward_seconds", median(&pooled_times));
        report.timing("unpooled_forward_seconds", median(&unpooled_times));
        report.claim(
            "pooling-faster-forward",
            "Pooling reduces computation: the forward pass is faster with it",
            Verdict::speedup(
                "forward pass without / with pooling",
                &unpooled_times,
                &pooled_times,
                1.2,
            ),
        );
        Ok(report)
    }
}
