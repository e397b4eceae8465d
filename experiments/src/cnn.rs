//! Convolutional networks (notes: *Convolutional Neural Network*): on the 8×8 digits a small
//! CNN matches or beats an MLP with several times its parameters (parameter sharing: a kernel's
//! weights do not grow with the image), and its max-pooling makes it more robust to inputs
//! shifted by a pixel.

use burn::module::Module;
use mlnotes::Result;
use mlnotes::data::Dataset;
use mlnotes::deep::{Classifier, EpochStats, Trainer, evaluate};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::selection::HoldOut;
use mlnotes::training::Trained;
use mlnotes_models::{CnnConfig, MlpConfig};
use ndarray::Array2;

use crate::{digits_split, f4};

/// The `cnn` experiment.
pub struct CnnExperiment;

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

/// Mean test accuracy over the four one-pixel (or `d`-pixel) shifts.
fn shifted_accuracy(model: &impl Classifier, test: &Dataset, d: isize) -> Result<f64> {
    let mut sum = 0.0;
    for (dx, dy) in [(d, 0), (-d, 0), (0, d), (0, -d)] {
        sum += evaluate(model, &shift(test, dx, dy)?)?.1;
    }
    Ok(sum / 4.0)
}

fn curve(trained: &Trained<impl Classifier, EpochStats>) -> Vec<(f64, f64)> {
    let acc = |h: &EpochStats| (h.epoch as f64, h.val_accuracy);
    trained.history.iter().map(acc).collect()
}

impl Experiment for CnnExperiment {
    fn name(&self) -> &'static str {
        "cnn"
    }

    fn section(&self) -> &'static str {
        "Convolutional Neural Network (CNN)"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        // Train / validation (best epoch) / test, stratified.
        let (train_all, test) = digits_split(ctx.seed)?;
        let labels = train_all.targets().to_vec();
        let split = HoldOut::train_test(0.85, ctx.seed)
            .stratified()
            .split(train_all.n_samples(), Some(&labels))?;
        let (train, val) = (
            train_all.select(&split.train)?,
            train_all.select(&split.test)?,
        );
        let epochs = ctx.size(40, 15);
        let trainer = Trainer {
            batch_size: 32,
            seed: ctx.seed,
            progress: ctx.show_progress,
            ..Trainer::new(epochs)
        };

        ctx.device.seed(ctx.seed);
        let cnn_config = CnnConfig::digits();
        let cnn = trainer.fit(cnn_config.init(&ctx.device), &train, &val, |_| {})?;
        ctx.device.seed(ctx.seed);
        let mlp = trainer.fit(
            MlpConfig::new(64, vec![256, 256], 10).init(&ctx.device),
            &train,
            &val,
            |_| {},
        )?;

        let (cnn_acc, mlp_acc) = (
            evaluate(&cnn.model, &test)?.1,
            evaluate(&mlp.model, &test)?.1,
        );
        let (cnn_params, mlp_params) = (cnn.model.num_params(), mlp.model.num_params());
        let mut shifts = vec![];
        for d in [1, 2] {
            shifts.push((
                shifted_accuracy(&cnn.model, &test, d)?,
                shifted_accuracy(&mlp.model, &test, d)?,
            ));
        }
        let mut table = Table::new(
            &format!(
                "Digits ({} train, {} validation, {} test), Adam 1e-3, batches of 32, best of {epochs} epochs by validation loss",
                train.n_samples(),
                val.n_samples(),
                test.n_samples()
            ),
            &[
                "model",
                "parameters",
                "test accuracy",
                "shifted by 1 pixel",
                "shifted by 2 pixels",
            ],
        );
        table.row(vec![
            "CNN: conv 3×3×16, pool, conv 3×3×32, pool, 64, 10".into(),
            cnn_params.to_string(),
            f4(cnn_acc),
            f4(shifts[0].0),
            f4(shifts[1].0),
        ]);
        table.row(vec![
            "MLP: 64-256-256-10".into(),
            mlp_params.to_string(),
            f4(mlp_acc),
            f4(shifts[0].1),
            f4(shifts[1].1),
        ]);
        report.table(table);

        // Parameter sharing: the first convolution against a dense layer with the same output.
        let mut sharing = Table::new(
            "First layer: a 3×3 convolution to 16 maps against a dense layer producing the same 16 maps",
            &["image", "convolution weights", "dense layer weights"],
        );
        for config in [CnnConfig::digits(), CnnConfig::mnist()] {
            let conv = config.init(&ctx.device).blocks[0].conv.num_params();
            let pixels = config.height * config.width;
            let dense = pixels * 16 * pixels + 16 * pixels;
            sharing.row(vec![
                format!("{}×{}", config.height, config.width),
                conv.to_string(),
                dense.to_string(),
            ]);
        }
        report.table(sharing);

        report.plot(
            Plot::new(
                "learning_curves.svg",
                "Validation accuracy per epoch",
                "epoch",
                "accuracy",
            )
            .with(Series::line("CNN", curve(&cnn)))
            .with(Series::line("MLP 64-256-256-10", curve(&mlp))),
        );
        report.metric("cnn_test_accuracy", cnn_acc);
        report.metric("mlp_test_accuracy", mlp_acc);
        report.metric("cnn_parameters", cnn_params as f64);
        report.metric("mlp_parameters", mlp_params as f64);
        report.claim(
            "Parameter sharing: the CNN classifies digits at least as well as an MLP with several times its parameters",
            cnn_acc + 0.005 >= mlp_acc && 3 * cnn_params < mlp_params,
            format!(
                "test accuracy CNN {} ({cnn_params} parameters), MLP {} ({mlp_params} parameters)",
                f4(cnn_acc),
                f4(mlp_acc)
            ),
        );
        let (cnn_drop, mlp_drop) = (cnn_acc - shifts[0].0, mlp_acc - shifts[0].1);
        report.metric("cnn_shift_drop", cnn_drop);
        report.metric("mlp_shift_drop", mlp_drop);
        report.claim(
            "Max pooling gives translation invariance: small shifts of the input change the CNN's output less",
            cnn_drop < mlp_drop,
            format!(
                "accuracy lost when the test digits move by one pixel: CNN {}, MLP {} (by two pixels: CNN {}, MLP {})",
                f4(cnn_drop),
                f4(mlp_drop),
                f4(cnn_acc - shifts[1].0),
                f4(mlp_acc - shifts[1].1)
            ),
        );
        Ok(report)
    }
}
