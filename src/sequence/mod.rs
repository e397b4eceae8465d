//! Sequence learning (notes: *Recurrent Neural Network*, *LSTM*, *Transformer*): the tasks,
//! a training loop for [`SequenceModel`]s on fresh batches, their score, and the size of the
//! loss gradient with respect to each time step's input (how far back a signal reaches).

mod tasks;

#[cfg(test)]
mod tests;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use mlnotes_models::SequenceModel;
use rand::SeedableRng;
use rand::rngs::StdRng;

pub use tasks::{Batch, Target, Task};

use crate::backend::{device_of, rng_turn, scalar, to_vec};
use crate::checkpoint::{
    Checkpointing, RngState, loop_rng, resume_point, run_id, save_if_due, step_seed,
};
use crate::estimator::Params;
use crate::training::Trained;
use crate::{Error, Result, validate};

/// The inputs of a batch as a tensor `[n, time, d_input]`.
fn inputs(task: &Task, batch: &Batch, device: &Device) -> Tensor<3> {
    Tensor::from_data(
        TensorData::new(batch.x.clone(), [batch.n, task.time(), task.d_input()]),
        device,
    )
}

/// The task's loss of the model's outputs `[n, time, outputs]`: the MSE of the last step's
/// output (adding) or the cross-entropy of the outputs after the delimiter (copying).
fn loss(task: &Task, out: Tensor<3>, batch: &Batch) -> Tensor<1> {
    let device = out.device();
    let [n, t, k] = out.dims();
    match (&batch.target, *task) {
        (Target::Values(v), _) => {
            let last = out.slice([0..n, t - 1..t, 0..1]).reshape([n]);
            let y = Tensor::<1>::from_data(TensorData::new(v.clone(), [n]), &device);
            (last - y).powi_scalar(2).mean()
        }
        (Target::Classes(c), Task::Copy { length, .. }) => {
            let logits = out
                .slice([0..n, t - length..t, 0..k])
                .reshape([n * length, k]);
            let y = Tensor::<1, Int>::from_data(TensorData::new(c.clone(), [n * length]), &device);
            CrossEntropyLossConfig::new()
                .init(&device)
                .forward(logits, y)
        }
        (Target::Classes(_), Task::Adding { .. }) => unreachable!("adding batches hold values"),
    }
}

/// Fails unless `model` reads the task's inputs and writes its outputs.
fn check_fits(model: &SequenceModel, task: &Task) -> Result<()> {
    task.check()?;
    if model.d_input() != task.d_input() || model.outputs() != task.outputs() {
        return Err(Error::shape(
            "sequence model",
            format!(
                "{} inputs and {} outputs per step",
                task.d_input(),
                task.outputs()
            ),
            format!("{} and {}", model.d_input(), model.outputs()),
        ));
    }
    Ok(())
}

/// The model's score on `n` fresh sequences (seeded): MSE for adding, symbol accuracy for
/// copying.
pub fn evaluate(model: &SequenceModel, task: &Task, n: usize, seed: u64) -> Result<f64> {
    check_fits(model, task)?;
    if n == 0 {
        return Err(Error::invalid("evaluation needs at least one sequence"));
    }
    let model = model.valid();
    let device = device_of(&model);
    let batch = task.batch(n, &mut StdRng::seed_from_u64(seed));
    let out = model.forward(inputs(task, &batch, &device));
    match &batch.target {
        Target::Values(_) => scalar(loss(task, out, &batch)),
        Target::Classes(c) => {
            let [n, t, k] = out.dims();
            let length = c.len() / n;
            let predicted = out
                .slice([0..n, t - length..t, 0..k])
                .argmax(2)
                .reshape([n * length]);
            let y = Tensor::<1, Int>::from_data(TensorData::new(c.clone(), [n * length]), &device);
            let hits = scalar(predicted.equal(y).float().sum())?;
            Ok(hits / c.len() as f64)
        }
    }
}

/// `‖∂L/∂x_t‖` for every step `t`, averaged over `n` sequences: how strongly the loss still
/// depends on early inputs (vanishing gradients make it decay towards the start).
pub fn input_gradient_norms(
    model: &SequenceModel,
    task: &Task,
    n: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    check_fits(model, task)?;
    if n == 0 {
        return Err(Error::invalid("gradients need at least one sequence"));
    }
    let model = model.clone().train();
    let device = device_of(&model).autodiff();
    let batch = task.batch(n, &mut StdRng::seed_from_u64(seed));
    let x = inputs(task, &batch, &device).require_grad();
    let grads = loss(task, model.forward(x.clone()), &batch).backward();
    let g = x
        .grad(&grads)
        .ok_or_else(|| Error::invalid("the loss does not depend on the inputs"))?;
    // Σ_batch,features g² per step, then the root mean over sequences.
    let per_step = g
        .powi_scalar(2)
        .sum_dim(2)
        .sum_dim(0)
        .reshape([task.time()]);
    let v = to_vec(per_step)?;
    Ok(v.into_iter()
        .map(|s| (f64::from(s) / n as f64).sqrt())
        .collect())
}

/// Training on fresh random batches (the tasks have unlimited data).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SequenceTrainer {
    /// Gradient steps.
    pub steps: usize,
    /// Sequences per batch.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Clip each parameter's gradient norm to this (exploding gradients of recurrent nets).
    pub clip_norm: Option<f64>,
    /// Evaluate on 500 fixed sequences every this many steps (`usize::MAX`: never).
    pub eval_every: usize,
    /// Seed of the batches and dropout masks, and of the initial weights of a fresh model (Burn
    /// draws them at their first use, inside `fit`; use [`seeded`](crate::backend::seeded) to
    /// draw them from a seed of your own beforehand).
    pub seed: u64,
    /// Save the training state every `every` steps, and resume from it (see
    /// [`checkpoint`](crate::checkpoint)).
    pub checkpoint: Option<Checkpointing>,
}

/// What a [`SequenceTrainer`] carries from step to step (and saves in a checkpoint).
#[derive(serde::Serialize, serde::Deserialize)]
struct StepLoop {
    /// Steps completed.
    step: usize,
    history: Vec<Evaluation>,
    /// The batch generator.
    rng: RngState,
}

/// One evaluation during sequence training.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evaluation {
    /// The training step after which it ran (1-based).
    pub step: usize,
    /// The task's score on fresh sequences (see [`evaluate`]).
    pub score: f64,
}

impl SequenceTrainer {
    /// `steps` Adam steps at 1e-3 on batches of 64, gradient norms clipped to 1, evaluation
    /// every `steps / 20` steps (`steps` a multiple of 20 ends with one).
    pub fn new(steps: usize) -> Self {
        SequenceTrainer {
            steps,
            batch_size: 64,
            learning_rate: 1e-3,
            clip_norm: Some(1.0),
            eval_every: (steps / 20).max(1),
            seed: 0,
            checkpoint: None,
        }
    }

    /// Trains `model` on `task`; `on_eval` sees each evaluation. Returns the trained model
    /// (no autodiff) and the evaluations.
    pub fn fit(
        &self,
        model: SequenceModel,
        task: &Task,
        mut on_eval: impl FnMut(&Evaluation),
    ) -> Result<Trained<SequenceModel, Evaluation>> {
        self.check()?;
        // Burn's generator is seeded here and every step: no other fit may draw from it until
        // this one ends. A fresh model's weights are drawn from `seed` at their first use.
        let _turn = rng_turn()?;
        device_of(&model).seed(self.seed);
        check_fits(&model, task)?;
        let mut model = model.train();
        let device = device_of(&model).autodiff();
        let mut optim = AdamConfig::new()
            .with_grad_clipping(
                self.clip_norm
                    .map(|c| GradientClippingConfig::Norm(c as f32)),
            )
            .init();
        let mut state = StepLoop {
            step: 0,
            history: Vec::new(),
            rng: RngState::of(&loop_rng(self.seed)),
        };
        let mut run = run_id("sequence::SequenceTrainer", self, 0)?;
        run["task"] = serde_json::to_value(task).map_err(|e| Error::invalid(e.to_string()))?;
        if let Some(snap) = resume_point(self.checkpoint.as_ref(), &run)? {
            state = snap.json("state")?;
            if state.step > self.steps || state.history.len() != state.step / self.eval_every {
                return Err(snap.invalid("the step count"));
            }
            model = snap.module("model", model)?;
            optim = snap.optimizer("optim", optim)?;
        }
        let mut rng = state.rng.restore();
        while state.step < self.steps {
            let step = state.step + 1;
            device.seed(step_seed(self.seed, step));
            let batch = task.batch(self.batch_size, &mut rng);
            let l = loss(task, model.forward(inputs(task, &batch, &device)), &batch);
            let grads = GradientsParams::from_grads(l.backward(), &model);
            model = optim.step(self.learning_rate, model, grads);
            state.step = step;
            if step.is_multiple_of(self.eval_every) {
                let score = evaluate(&model, task, 500, self.seed.wrapping_add(1))?;
                if !score.is_finite() {
                    return Err(Error::Diverged {
                        iteration: step,
                        loss: score,
                    });
                }
                let record = Evaluation { step, score };
                on_eval(&record);
                state.history.push(record);
            }
            save_if_due(self.checkpoint.as_ref(), step, self.steps, &run, |w| {
                state.rng = RngState::of(&rng);
                w.json("state", &state)?;
                w.module("model", &model)?;
                w.optimizer("optim", &optim)
            })?;
        }
        Ok(Trained {
            model: model.valid(),
            history: state.history,
        })
    }
}

impl Params for SequenceTrainer {
    fn check(&self) -> Result<()> {
        validate::at_least(self.steps, 1, "steps")?;
        validate::at_least(self.batch_size, 1, "batch_size")?;
        validate::at_least(self.eval_every, 1, "eval_every")?;
        validate::positive(self.learning_rate, "learning_rate")?;
        if let Some(c) = self.clip_norm {
            validate::positive(c, "clip_norm")?;
        }
        self.checkpoint
            .as_ref()
            .map_or(Ok(()), Checkpointing::check)
    }
}
