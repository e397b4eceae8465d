//! Training a Burn classifier (notes: *Practical Training Techniques*): shuffled mini-batches,
//! SGD with momentum or Adam (optionally with weight decay), the softmax cross-entropy, a
//! validation pass every epoch, early stopping on the validation loss (the best weights are
//! kept), and a clear error when the loss turns NaN or infinite.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use mlnotes_models::{Mlp, MlpConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::backend::data_error;
use crate::data::Dataset;
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
    /// Seed of initialisation and shuffling.
    pub seed: u64,
}

impl Trainer {
    /// Adam at 1e-3, batches of 64, `epochs` epochs, no early stopping.
    pub fn new(epochs: usize) -> Self {
        Trainer {
            epochs,
            batch_size: 64,
            learning_rate: 1e-3,
            optimizer: Optimizer::Adam,
            weight_decay: 0.0,
            patience: None,
            seed: 0,
        }
    }

    fn check(&self) -> Result<()> {
        if self.epochs == 0 || self.batch_size == 0 {
            return Err(Error::config(
                "epochs",
                "epochs and batch_size must be at least 1",
            ));
        }
        validate::positive(self.learning_rate, "learning_rate")?;
        validate::non_negative(self.weight_decay, "weight_decay")?;
        if let Optimizer::Sgd { momentum } = self.optimizer {
            validate::in_range(momentum, 0.0, 1.0 - f64::EPSILON, "momentum")?;
        }
        Ok(())
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

/// Loss and accuracy after one epoch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
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

/// A trained classifier.
pub struct Trained {
    /// The weights with the lowest validation loss (no autodiff).
    pub model: Mlp,
    /// One entry per epoch run.
    pub history: Vec<EpochStats>,
}

/// A data set as tensors on `device`.
fn tensors(data: &Dataset, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let x: Vec<f32> = data.features.iter().map(|&v| v as f32).collect();
    let y: Vec<i64> = data.targets.iter().map(|&t| t as i64).collect();
    (
        Tensor::<2>::from_data(
            TensorData::new(x, [data.n_samples(), data.n_features()]),
            device,
        ),
        Tensor::<1, Int>::from_data(TensorData::new(y, [data.n_samples()]), device),
    )
}

/// Cross-entropy loss and accuracy of `model` on `data`.
pub fn evaluate(model: &Mlp, data: &Dataset) -> Result<(f64, f64)> {
    let (inputs, outputs) = match (model.layers.first(), model.layers.last()) {
        (Some(first), Some(last)) => (first.weight.dims()[0], last.weight.dims()[1]),
        _ => return Err(Error::invalid("a network without layers")),
    };
    validate::n_features(inputs, data.x(), "evaluation features")?;
    if data.n_classes() > outputs {
        return Err(Error::invalid(format!(
            "{outputs} output units for {} classes",
            data.n_classes()
        )));
    }
    let device = model.devices().first().cloned().unwrap_or_default();
    let (x, y) = tensors(data, &device);
    let logits = model.forward(x);
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits.clone(), y.clone());
    let loss = f64::from(loss.into_data().try_to_vec::<f32>().map_err(data_error)?[0]);
    let hits = logits
        .argmax(1)
        .reshape([data.n_samples()])
        .equal(y)
        .float()
        .sum();
    let hits = hits.into_data().try_to_vec::<f32>().map_err(data_error)?[0];
    Ok((loss, f64::from(hits) / data.n_samples() as f64))
}

impl Trainer {
    /// Trains a fresh network of shape `config` on `train`, validating on `val` every epoch;
    /// `on_epoch` sees each epoch's numbers (progress display).
    pub fn fit(
        &self,
        config: &MlpConfig,
        train: &Dataset,
        val: &Dataset,
        device: &Device,
        mut on_epoch: impl FnMut(&EpochStats),
    ) -> Result<Trained> {
        self.check()?;
        validate::n_features(config.input, train.x(), "training features")?;
        validate::n_features(config.input, val.x(), "validation features")?;
        if train.n_classes() > config.output || val.n_classes() > config.output {
            return Err(Error::invalid(format!(
                "{} output units for {} classes",
                config.output,
                train.n_classes().max(val.n_classes())
            )));
        }
        let device = device.clone().autodiff();
        device.seed(self.seed);
        let mut model = config.init(&device);
        let mut optim = self.optimizer();
        let loss_fn = CrossEntropyLossConfig::new().init(&device);
        let (x, y) = tensors(train, &device);
        let mut order: Vec<usize> = (0..train.n_samples()).collect();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut best: Option<(f64, Mlp)> = None;
        let (mut history, mut since_best) = (Vec::with_capacity(self.epochs), 0);
        for epoch in 1..=self.epochs {
            order.shuffle(&mut rng);
            let (mut total, mut batches) = (0.0, 0);
            for chunk in order.chunks(self.batch_size) {
                let idx = Tensor::<1, Int>::from_data(
                    TensorData::new(
                        chunk.iter().map(|&i| i as i64).collect::<Vec<_>>(),
                        [chunk.len()],
                    ),
                    &device,
                );
                let loss = loss_fn.forward(
                    model.forward(x.clone().select(0, idx.clone())),
                    y.clone().select(0, idx),
                );
                let value = f64::from(
                    loss.clone()
                        .into_data()
                        .try_to_vec::<f32>()
                        .map_err(data_error)?[0],
                );
                if !value.is_finite() {
                    return Err(Error::Diverged {
                        iteration: history.len() * order.len().div_ceil(self.batch_size) + batches,
                        loss: value,
                    });
                }
                total += value;
                batches += 1;
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optim.step(self.learning_rate, model, grads);
            }
            let (val_loss, val_accuracy) = evaluate(&model.valid(), val)?;
            let stats = EpochStats {
                epoch,
                train_loss: total / batches as f64,
                val_loss,
                val_accuracy,
            };
            on_epoch(&stats);
            history.push(stats);
            if best.as_ref().is_none_or(|b| val_loss < b.0) {
                best = Some((val_loss, model.valid()));
                since_best = 0;
            } else {
                since_best += 1;
                if self.patience.is_some_and(|p| since_best >= p) {
                    break;
                }
            }
        }
        let model = best.map_or_else(|| model.valid(), |b| b.1);
        Ok(Trained { model, history })
    }
}
