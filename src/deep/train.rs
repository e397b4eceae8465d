//! Training a Burn classifier (notes: *Practical Training Techniques*): shuffled mini-batches,
//! SGD with momentum or Adam (optionally with weight decay), the softmax cross-entropy, a
//! validation pass every epoch, early stopping on the validation loss (the best weights are
//! kept), a progress bar, and a clear error when the loss turns NaN or infinite. A trained
//! model is saved and loaded as a Burn record (burnpack file).

use std::path::Path;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};
use mlnotes_models::{Cnn, Mlp};
use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;

use crate::backend::{device_of, rng_turn, scalar, to_vec};
use crate::checkpoint::{
    Checkpointing, RngState, fingerprint, loop_rng, resume_point, run_id, save_if_due, step_seed,
};
use crate::data::Dataset;
use crate::estimator::Params;
use crate::training::Trained;
use crate::{Error, Result, validate};

/// The optimizer.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Optimizer {
    /// SGD with momentum `β` (0 for plain SGD).
    Sgd {
        /// Momentum factor.
        momentum: f64,
    },
    /// Adam with Burn's defaults (β₁ = 0.9, β₂ = 0.999).
    Adam,
}

/// Training hyperparameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Trainer {
    /// Passes over the training set (at most).
    pub epochs: usize,
    /// Examples per mini-batch.
    pub batch_size: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// L2 weight decay (0: none).
    pub weight_decay: f64,
    /// Stop after this many epochs without a better validation loss.
    pub patience: Option<usize>,
    /// Seed of shuffling and dropout masks, and of the initial weights of a fresh model (Burn
    /// draws them at their first use, inside `fit`; use [`seeded`](crate::backend::seeded) to
    /// draw them from a seed of your own beforehand).
    pub seed: u64,
    /// Show a progress bar (on a terminal) over the mini-batches.
    pub progress: bool,
    /// Save the training state every `every` epochs, and resume from it (see
    /// [`checkpoint`](crate::checkpoint)).
    pub checkpoint: Option<Checkpointing>,
}

impl Trainer {
    /// Adam at 1e-3, batches of 64, `epochs` epochs, no early stopping, no progress bar.
    pub fn new(epochs: usize) -> Self {
        Trainer {
            epochs,
            batch_size: 64,
            learning_rate: 1e-3,
            optimizer: Optimizer::Adam,
            weight_decay: 0.0,
            patience: None,
            seed: 0,
            progress: false,
            checkpoint: None,
        }
    }

    fn optimizer(&self) -> ModuleOptimizer {
        let decay =
            (self.weight_decay > 0.0).then(|| WeightDecayConfig::new(self.weight_decay as f32));
        match self.optimizer {
            Optimizer::Sgd { momentum } => {
                let m = (momentum > 0.0).then(|| {
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0)
                });
                SgdConfig::new()
                    .with_momentum(m)
                    .with_weight_decay(decay)
                    .init()
            }
            Optimizer::Adam => AdamConfig::new().with_weight_decay(decay).init(),
        }
    }
}

impl Params for Trainer {
    fn check(&self) -> Result<()> {
        validate::at_least(self.epochs, 1, "epochs")?;
        validate::at_least(self.batch_size, 1, "batch_size")?;
        validate::positive(self.learning_rate, "learning_rate")?;
        validate::non_negative(self.weight_decay, "weight_decay")?;
        if self.patience == Some(0) {
            return Err(Error::config("patience", "must be at least 1 epoch"));
        }
        if let Optimizer::Sgd { momentum } = self.optimizer {
            validate::in_range(momentum, 0.0, 1.0 - f64::EPSILON, "momentum")?;
        }
        self.checkpoint
            .as_ref()
            .map_or(Ok(()), Checkpointing::check)
    }
}

/// Loss and accuracy after one epoch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochStats {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's mini-batches.
    pub train_loss: f64,
    /// Validation loss.
    pub val_loss: f64,
    /// Validation accuracy.
    pub val_accuracy: f64,
}

/// A Burn network mapping rows of features to class logits: what [`Trainer`] trains.
pub trait Classifier: Module {
    /// Logits `[batch, classes]` of rows `[batch, features]`.
    fn logits(&self, x: Tensor<2>) -> Tensor<2>;
    /// Features per row (0 for a network without layers).
    fn n_inputs(&self) -> usize;
    /// Number of classes.
    fn n_classes(&self) -> usize;
}

impl Classifier for Mlp {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        self.forward(x)
    }
    fn n_inputs(&self) -> usize {
        Mlp::n_inputs(self)
    }
    fn n_classes(&self) -> usize {
        self.n_outputs()
    }
}

impl Classifier for Cnn {
    /// Rows are images, pixels in row-major order.
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        self.forward_flat(x)
    }
    fn n_inputs(&self) -> usize {
        self.image.iter().product()
    }
    fn n_classes(&self) -> usize {
        self.head.n_outputs()
    }
}

/// Fails unless `model` can classify `data`: matching features, enough output units.
fn check_fits(model: &impl Classifier, data: &Dataset, what: &str) -> Result<()> {
    if model.n_inputs() == 0 || model.n_classes() == 0 {
        return Err(Error::invalid("a network without layers"));
    }
    validate::n_features(model.n_inputs(), data.x(), what)?;
    if data.n_samples() == 0 {
        return Err(Error::invalid(format!("{what}: no examples")));
    }
    validate::features(data.x(), what)?;
    if data.n_classes() > model.n_classes() {
        return Err(Error::invalid(format!(
            "{what}: {} output units for {} classes",
            model.n_classes(),
            data.n_classes()
        )));
    }
    Ok(())
}

impl<M: Classifier> Trained<M, EpochStats> {
    /// Writes the weights (and batch-norm statistics) to a burnpack file at `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        self.model
            .clone()
            .save_file(path)
            .map_err(|e| Error::model_file(path, e))
    }
}

/// Loads weights saved by [`Trained::save`] into `model`, a network of the same architecture
/// (built from the same config); its own weights are replaced.
pub fn load<M: Classifier>(model: M, path: impl AsRef<Path>) -> Result<M> {
    let path = path.as_ref();
    model
        .try_load_file(path)
        .map_err(|e| Error::model_file(path, e))
}

/// A data set as tensors on `device`: features `[n, d]` in f32, labels `[n]`.
pub fn tensors(data: &Dataset, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let x: Vec<f32> = data.features().iter().map(|&v| v as f32).collect();
    let y: Vec<i64> = data.targets().iter().map(|&t| t as i64).collect();
    (
        Tensor::<2>::from_data(
            TensorData::new(x, [data.n_samples(), data.n_features()]),
            device,
        ),
        Tensor::<1, Int>::from_data(TensorData::new(y, [data.n_samples()]), device),
    )
}

/// Cross-entropy loss and accuracy of `model` on `data` (in inference mode: no dropout,
/// batch norm with its running statistics).
pub fn evaluate<M: Classifier>(model: &M, data: &Dataset) -> Result<(f64, f64)> {
    check_fits(model, data, "evaluation data")?;
    let model = model.valid();
    let device = device_of(&model);
    let (x, y) = tensors(data, &device);
    let logits = model.logits(x);
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits.clone(), y.clone());
    let loss = scalar(loss)?;
    let hits = logits
        .argmax(1)
        .reshape([data.n_samples()])
        .equal(y)
        .float()
        .sum();
    Ok((loss, scalar(hits)? / data.n_samples() as f64))
}

/// Class probabilities `softmax(logits)` of `model` for the rows of `x` (inference mode), one
/// row per example: scikit-learn's `predict_proba` for a Burn classifier.
pub fn predict_proba<M: Classifier>(model: &M, x: ArrayView2<f64>) -> Result<Array2<f64>> {
    if model.n_inputs() == 0 || model.n_classes() == 0 {
        return Err(Error::invalid("a network without layers"));
    }
    validate::non_empty(x, "examples to classify")?;
    validate::input(model.n_inputs(), x, "examples to classify")?;
    let model = model.valid();
    let device = device_of(&model);
    let v: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let logits = model.logits(Tensor::from_data(
        TensorData::new(v, [x.nrows(), x.ncols()]),
        &device,
    ));
    let p = to_vec(activation::softmax(logits, 1))?;
    Array2::from_shape_vec(
        (x.nrows(), model.n_classes()),
        p.into_iter().map(f64::from).collect(),
    )
    .map_err(|e| Error::invalid(e.to_string()))
}

/// What a [`Trainer`] carries from epoch to epoch (and saves in a checkpoint).
#[derive(serde::Serialize, serde::Deserialize)]
struct EpochLoop {
    /// Epochs completed.
    epoch: usize,
    history: Vec<EpochStats>,
    since_best: usize,
    /// The best validation loss so far (its weights are the `best` module).
    best_loss: Option<f64>,
    /// The example order, shuffled in place every epoch.
    order: Vec<usize>,
    /// The shuffling generator.
    rng: RngState,
}

impl Trainer {
    /// Trains `model` (fresh from its config's `init`, or pretrained, with parts frozen) on
    /// `train`, validating on `val` every epoch; `on_epoch` sees each epoch's numbers.
    pub fn fit<M: Classifier>(
        &self,
        model: M,
        train: &Dataset,
        val: &Dataset,
        mut on_epoch: impl FnMut(&EpochStats),
    ) -> Result<Trained<M, EpochStats>> {
        self.check()?;
        // Burn's generator is seeded here and every epoch: no other fit may draw from it until
        // this one ends. A fresh model's weights are drawn from `seed` at their first use.
        let _turn = rng_turn()?;
        device_of(&model).seed(self.seed);
        check_fits(&model, train, "training data")?;
        check_fits(&model, val, "validation data")?;
        if train.class_names() != val.class_names() {
            return Err(Error::invalid(format!(
                "training and validation sets name their classes differently ({:?} vs {:?}): \
                 labels would not mean the same class",
                train.class_names(),
                val.class_names()
            )));
        }
        // Back to training mode on the autodiff device (frozen parts stay frozen).
        let mut model = model.train();
        let device = device_of(&model).autodiff();
        let mut optim = self.optimizer();
        let loss_fn = CrossEntropyLossConfig::new().init(&device);
        let (x, y) = tensors(train, &device);
        let mut state = EpochLoop {
            epoch: 0,
            history: Vec::new(),
            since_best: 0,
            best_loss: None,
            order: (0..train.n_samples()).collect(),
            rng: RngState::of(&loop_rng(self.seed)),
        };
        let mut best: Option<M> = None;
        let data = [train, val].into_iter().flat_map(|d| {
            d.features()
                .iter()
                .copied()
                .chain(d.targets().iter().map(|&t| t as f64))
        });
        let run = run_id("deep::Trainer", self, fingerprint(data))?;
        if let Some(snap) = resume_point(self.checkpoint.as_ref(), &run)? {
            state = snap.json("state")?;
            let mut sorted = state.order.clone();
            sorted.sort_unstable();
            if !sorted.iter().copied().eq(0..train.n_samples())
                || state.history.len() != state.epoch
                || state.epoch > self.epochs
            {
                return Err(snap.invalid("the example order or the epoch count"));
            }
            model = snap.module("model", model)?;
            optim = snap.optimizer("optim", optim)?;
            if state.best_loss.is_some() {
                best = Some(snap.module("best", model.clone())?.valid());
            }
        }
        let mut rng = state.rng.restore();
        let per_epoch = state.order.len().div_ceil(self.batch_size);
        let bar = crate::progress::bar(
            self.progress,
            self.epochs.saturating_mul(per_epoch) as u64,
            "training",
            "batches",
        );
        bar.set_position((state.epoch * per_epoch) as u64);
        let stopped = |s: &EpochLoop| self.patience.is_some_and(|p| s.since_best >= p);
        while state.epoch < self.epochs && !stopped(&state) {
            let epoch = state.epoch + 1;
            device.seed(step_seed(self.seed, epoch));
            bar.set_message(format!("epoch {epoch}/{}", self.epochs));
            state.order.shuffle(&mut rng);
            let (mut total, mut batches) = (0.0, 0);
            for chunk in state.order.chunks(self.batch_size) {
                let idx = Tensor::<1, Int>::from_data(
                    TensorData::new(
                        chunk.iter().map(|&i| i as i64).collect::<Vec<_>>(),
                        [chunk.len()],
                    ),
                    &device,
                );
                let loss = loss_fn.forward(
                    model.logits(x.clone().select(0, idx.clone())),
                    y.clone().select(0, idx),
                );
                let value = scalar(loss.clone())?;
                if !value.is_finite() {
                    bar.abandon();
                    return Err(Error::Diverged {
                        iteration: state.history.len() * per_epoch + batches,
                        loss: value,
                    });
                }
                total += value;
                batches += 1;
                bar.inc(1);
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optim.step(self.learning_rate, model, grads);
            }
            let (val_loss, val_accuracy) = evaluate(&model.valid(), val)?;
            if !val_loss.is_finite() {
                // never let a NaN epoch become the "best" one (every later `<` is false)
                return Err(Error::Diverged {
                    iteration: epoch,
                    loss: val_loss,
                });
            }
            let stats = EpochStats {
                epoch,
                train_loss: total / batches as f64,
                val_loss,
                val_accuracy,
            };
            bar.set_message(format!(
                "epoch {epoch}/{}: val loss {val_loss:.4}",
                self.epochs
            ));
            on_epoch(&stats);
            state.history.push(stats);
            state.epoch = epoch;
            if state.best_loss.is_none_or(|b| val_loss < b) {
                state.best_loss = Some(val_loss);
                best = Some(model.valid());
                state.since_best = 0;
            } else {
                state.since_best += 1;
            }
            save_if_due(
                self.checkpoint.as_ref(),
                epoch,
                if stopped(&state) { epoch } else { self.epochs },
                &run,
                |w| {
                    state.rng = RngState::of(&rng);
                    w.json("state", &state)?;
                    w.module("model", &model)?;
                    w.optimizer("optim", &optim)?;
                    best.as_ref().map_or(Ok(()), |b| w.module("best", b))
                },
            )?;
        }
        bar.finish_and_clear();
        let model = best.unwrap_or_else(|| model.valid());
        Ok(Trained {
            model,
            history: state.history,
        })
    }
}
