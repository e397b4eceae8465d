//! Deep Q-learning (notes: *Deep Q-Learning*) on CartPole or your own
//! [`DiscreteEnvironment`]: a network `Q(s, a; θ)` trained on
//! minibatches from a replay buffer to minimise the TD error `(y - Q(s, a; θ))²` (or its Huber
//! form) with the target `y = r + γ max_{a'} Q(s', a'; θ_old)`, where `θ_old` is a copy of `θ`
//! synced every N steps (or `θ` itself without a target network); ε-greedy exploration with a
//! linearly decaying ε.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use mlnotes_models::{Mlp, MlpConfig};
use rand::Rng;

use super::cartpole::CartPole;
use super::environment::{DiscreteEnvironment, act, argmax, check_sizes, max_steps, observe_into};
use super::network::{greedy_cartpole_return, greedy_return, outputs};
use crate::backend::rng_turn;
use crate::checkpoint::{
    Checkpointing, LoopRng, RngState, loop_rng, resume_point, run_id, save_if_due,
};
use crate::estimator::Params;
use crate::training::Trained;
use crate::{Error, Result, validate};

/// The TD loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TdLoss {
    /// `(y - Q)²`.
    Mse,
    /// `½d²` for `|d| ≤ 1`, `|d| - ½` beyond: robust to large TD errors.
    Huber,
}

/// Mean Huber loss of TD errors `d`: `½d²` for `|d| ≤ 1`, `|d| - ½` beyond. Written as
/// `c (d - c/2)` with `c = clamp(d, -1, 1)` held constant, so the gradient is exactly `c`
/// (the clipped TD error) whatever the backend's gradients of `abs` and `clamp`.
pub fn huber(d: Tensor<1>) -> Tensor<1> {
    let c = d.clone().clamp(-1.0, 1.0).detach();
    (c.clone() * (d - c * 0.5)).mean()
}

/// DQN hyperparameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Dqn {
    /// Hidden layer widths of the Q-network.
    pub hidden: Vec<usize>,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Discount `γ`.
    pub gamma: f64,
    /// Replay buffer capacity.
    pub buffer_size: usize,
    /// Minibatch size.
    pub batch_size: usize,
    /// Steps of pure exploration before learning starts.
    pub learning_starts: usize,
    /// One gradient step every this many environment steps.
    pub train_every: usize,
    /// Sync `θ_old ← θ` every this many steps; `None`: no target network.
    pub target_update: Option<usize>,
    /// ε at the start and at the end.
    pub epsilon: (f64, f64),
    /// Share of the steps over which ε decays.
    pub epsilon_fraction: f64,
    /// The TD loss.
    pub loss: TdLoss,
    /// Environment steps.
    pub total_steps: usize,
    /// Greedy evaluation (10 episodes) every this many steps; the best network is kept.
    pub eval_every: usize,
    /// Seed.
    pub seed: u64,
    /// Save the training state every `every` environment steps, and resume from it (see
    /// [`checkpoint`](crate::checkpoint)).
    pub checkpoint: Option<Checkpointing>,
}

impl Dqn {
    /// CleanRL's CartPole settings scaled to `total_steps`: 120-84 network, Adam 2.5e-4,
    /// buffer 10 000, batch 128, a target network synced every 500 steps, ε 1 → 0.05 over
    /// half the run, a gradient step every 10 steps, MSE loss. (With the Huber loss these
    /// settings diverge on CartPole: terminal transitions, the only anchor of the values,
    /// pull no harder than any other sample.)
    pub fn new(total_steps: usize) -> Self {
        Dqn {
            hidden: vec![120, 84],
            learning_rate: 2.5e-4,
            gamma: 0.99,
            buffer_size: 10_000,
            batch_size: 128,
            learning_starts: (total_steps / 50).max(500),
            train_every: 10,
            target_update: Some(500),
            epsilon: (1.0, 0.05),
            epsilon_fraction: 0.5,
            loss: TdLoss::Mse,
            total_steps,
            eval_every: (total_steps / 50).max(1_000),
            seed: 0,
            checkpoint: None,
        }
    }
}

impl Params for Dqn {
    fn check(&self) -> Result<()> {
        validate::positive(self.learning_rate, "learning_rate")?;
        validate::in_range(self.gamma, 0.0, 1.0, "gamma")?;
        validate::fraction(self.epsilon_fraction, "epsilon_fraction")?;
        validate::in_range(self.epsilon.0, 0.0, 1.0, "epsilon")?;
        validate::in_range(self.epsilon.1, 0.0, 1.0, "epsilon")?;
        validate::at_least(self.total_steps, 1, "total_steps")?;
        validate::at_least(self.batch_size, 1, "batch_size")?;
        validate::at_least(self.train_every, 1, "train_every")?;
        validate::at_least(self.eval_every, 1, "eval_every")?;
        if self.buffer_size < self.batch_size {
            return Err(Error::config(
                "buffer_size",
                format!(
                    "must hold at least one batch ({}), got {}",
                    self.batch_size, self.buffer_size
                ),
            ));
        }
        MlpConfig::new(4, self.hidden.clone(), 2).check()?;
        if self.target_update == Some(0) {
            return Err(Error::config("target_update", "must be at least 1 step"));
        }
        self.checkpoint
            .as_ref()
            .map_or(Ok(()), Checkpointing::check)
    }
}

/// A ring buffer of transitions `(s, a, r, s', terminated)`; states are `dim` numbers each.
#[derive(serde::Serialize, serde::Deserialize)]
struct ReplayBuffer {
    states: Vec<Vec<f32>>,
    actions: Vec<i64>,
    rewards: Vec<f32>,
    next: Vec<Vec<f32>>,
    terminated: Vec<f32>,
    capacity: usize,
    pos: usize,
}

impl ReplayBuffer {
    fn new(capacity: usize) -> Self {
        ReplayBuffer {
            states: Vec::new(),
            actions: Vec::new(),
            rewards: Vec::new(),
            next: Vec::new(),
            terminated: Vec::new(),
            capacity,
            pos: 0,
        }
    }

    /// Whether this is the buffer of `capacity` after `steps` pushes (one per step).
    fn consistent(&self, capacity: usize, steps: usize) -> bool {
        let len = steps.min(capacity);
        self.capacity == capacity
            && [
                self.states.len(),
                self.actions.len(),
                self.rewards.len(),
                self.next.len(),
                self.terminated.len(),
            ]
            .iter()
            .all(|&l| l == len)
            && self.pos == steps % capacity
    }

    fn push(&mut self, s: Vec<f32>, a: usize, r: f32, next: Vec<f32>, terminated: bool) {
        let t = f32::from(u8::from(terminated));
        if self.states.len() < self.capacity {
            self.states.push(s);
            self.actions.push(a as i64);
            self.rewards.push(r);
            self.next.push(next);
            self.terminated.push(t);
        } else {
            (
                self.states[self.pos],
                self.actions[self.pos],
                self.rewards[self.pos],
            ) = (s, a as i64, r);
            (self.next[self.pos], self.terminated[self.pos]) = (next, t);
        }
        self.pos = (self.pos + 1) % self.capacity;
    }
}

/// What DQN training carries from step to step (and saves in a checkpoint).
#[derive(serde::Serialize, serde::Deserialize)]
struct DqnLoop<E> {
    /// Environment steps completed.
    step: usize,
    env: E,
    /// Undiscounted return of the running episode so far.
    episode_return: f64,
    /// Steps of the running episode so far.
    #[serde(default)]
    episode_steps: usize,
    buffer: ReplayBuffer,
    history: Vec<DqnRecord>,
    /// The best greedy evaluation so far (its network is the `best` module).
    best_return: Option<f64>,
    /// Exploration, resets and minibatches.
    rng: RngState,
}

/// A trained DQN agent: the best Q-network found by the periodic greedy evaluations.
#[derive(Debug, Clone)]
pub struct FittedDqn {
    /// The kept Q-network.
    pub q: Mlp,
}

/// What happened at one step of DQN training: an episode ended, an evaluation ran, or both.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DqnRecord {
    /// The environment step (1-based).
    pub step: usize,
    /// The undiscounted return of the training episode that ended at this step.
    pub episode_return: Option<f64>,
    /// The mean greedy return over 10 episodes, when an evaluation ran at this step.
    pub evaluation: Option<f64>,
}

/// The `(step, value)` pairs of one kind of record.
fn series(history: &[DqnRecord], value: impl Fn(&DqnRecord) -> Option<f64>) -> Vec<(usize, f64)> {
    history
        .iter()
        .filter_map(|r| value(r).map(|v| (r.step, v)))
        .collect()
}

impl Trained<FittedDqn, DqnRecord> {
    /// `(environment step, return)` of every training episode.
    pub fn episode_returns(&self) -> Vec<(usize, f64)> {
        series(&self.history, |r| r.episode_return)
    }

    /// `(environment step, mean greedy return over 10 episodes)` of every evaluation.
    pub fn evaluations(&self) -> Vec<(usize, f64)> {
        series(&self.history, |r| r.evaluation)
    }
}

impl FittedDqn {
    /// Mean greedy return of the kept network over `episodes` of CartPole.
    pub fn evaluate(&self, episodes: usize, seed: u64) -> Result<f64> {
        greedy_cartpole_return(&self.q, episodes, seed)
    }
}

impl Dqn {
    /// Trains on CartPole-v1, calling `on_record` at every episode end and evaluation.
    pub fn fit(
        &self,
        device: &Device,
        on_record: impl FnMut(&DqnRecord),
    ) -> Result<Trained<FittedDqn, DqnRecord>> {
        self.fit_in(device, &|rng| CartPole::reset(rng), on_record)
    }

    /// Trains on the environment whose episodes `new_episode` starts (see
    /// [`DiscreteEnvironment`]), calling `on_record` at every episode end and evaluation;
    /// the Q-network has one input per observed number and one output per action.
    pub fn fit_in<E>(
        &self,
        device: &Device,
        new_episode: &impl Fn(&mut LoopRng) -> E,
        mut on_record: impl FnMut(&DqnRecord),
    ) -> Result<Trained<FittedDqn, DqnRecord>>
    where
        E: DiscreteEnvironment + serde::Serialize + serde::de::DeserializeOwned,
    {
        self.check()?;
        check_sizes::<E>()?;
        let _turn = rng_turn()?;
        let device = device.clone().autodiff();
        device.seed(self.seed);
        let mut q =
            MlpConfig::new(E::OBSERVATION, self.hidden.clone(), E::N_ACTIONS).try_init(&device)?;
        let mut target = q.valid();
        let mut optim = AdamConfig::new().init();
        let mut rng = loop_rng(self.seed);
        let mut state = DqnLoop {
            step: 0,
            env: new_episode(&mut rng),
            episode_return: 0.0,
            episode_steps: 0,
            buffer: ReplayBuffer::new(self.buffer_size),
            history: Vec::new(),
            best_return: None,
            rng: RngState::of(&rng),
        };
        let mut best: Option<Mlp> = None;
        let run = run_id(&format!("rl::Dqn<{}>", std::any::type_name::<E>()), self, 0)?;
        if let Some(snap) = resume_point(self.checkpoint.as_ref(), &run)? {
            state = snap.json("state")?;
            if state.step > self.total_steps
                || !state.buffer.consistent(self.buffer_size, state.step)
            {
                return Err(snap.invalid("the step count or the replay buffer"));
            }
            q = snap.module("q", q)?;
            target = snap.module("target", target)?;
            optim = snap.optimizer("q", optim)?;
            if state.best_return.is_some() {
                best = Some(snap.module("best", q.valid())?);
            }
        }
        let mut rng = state.rng.restore();
        // The online network without autodiff, refreshed after each gradient step.
        let mut acting = q.valid();
        while state.step < self.total_steps {
            let step = state.step + 1;
            let record = self.step(step, &mut state, &mut rng, &acting, new_episode)?;
            if step > self.learning_starts && step.is_multiple_of(self.train_every) {
                // Without a target network the bootstrap uses the online network itself.
                let bootstrap = if self.target_update.is_none() {
                    &acting
                } else {
                    &target
                };
                let loss = self.td_loss(&q, bootstrap, &state.buffer, &device, &mut rng)?;
                let grads = GradientsParams::from_grads(loss.backward(), &q);
                q = optim.step(self.learning_rate, q, grads);
                acting = q.valid();
            }
            if let Some(n) = self.target_update
                && step.is_multiple_of(n)
            {
                target = acting.clone();
            }
            let mut record = record;
            if step.is_multiple_of(self.eval_every) && step > self.learning_starts {
                let r = greedy_return(
                    &acting,
                    10,
                    self.seed.wrapping_add(step as u64),
                    new_episode,
                )?;
                if state.best_return.is_none_or(|b| r >= b) {
                    state.best_return = Some(r);
                    best = Some(acting.clone());
                }
                record.evaluation = Some(r);
            }
            if record.episode_return.is_some() || record.evaluation.is_some() {
                on_record(&record);
                state.history.push(record);
            }
            state.step = step;
            save_if_due(
                self.checkpoint.as_ref(),
                step,
                self.total_steps,
                &run,
                |w| {
                    state.rng = RngState::of(&rng);
                    w.json("state", &state)?;
                    w.module("q", &q)?;
                    w.module("target", &target)?;
                    w.optimizer("q", &optim)?;
                    best.as_ref().map_or(Ok(()), |b| w.module("best", b))
                },
            )?;
        }
        Ok(Trained {
            model: FittedDqn {
                q: best.unwrap_or_else(|| q.valid()),
            },
            history: state.history,
        })
    }

    /// One environment step of the ε-greedy policy: the transition goes into the buffer.
    fn step<E: DiscreteEnvironment>(
        &self,
        step: usize,
        state: &mut DqnLoop<E>,
        rng: &mut LoopRng,
        acting: &Mlp,
        new_episode: &impl Fn(&mut LoopRng) -> E,
    ) -> Result<DqnRecord> {
        let decay = (self.epsilon_fraction * self.total_steps as f64).max(1.0);
        let eps =
            self.epsilon.0 + (step as f64 / decay).min(1.0) * (self.epsilon.1 - self.epsilon.0);
        let mut s = Vec::with_capacity(E::OBSERVATION);
        observe_into(&state.env, &mut s)?;
        let action = if rng.random::<f64>() < eps {
            rng.random_range(0..E::N_ACTIONS)
        } else {
            argmax(&outputs(acting, &s, E::OBSERVATION, false)?)
        };
        let t = act(&mut state.env, action)?;
        let mut next = Vec::with_capacity(E::OBSERVATION);
        observe_into(&state.env, &mut next)?;
        state.buffer.push(s, action, t.reward as f32, next, t.done);
        state.episode_return += t.reward;
        state.episode_steps += 1;
        let mut record = DqnRecord {
            step,
            episode_return: None,
            evaluation: None,
        };
        if t.done || t.truncated || state.episode_steps >= max_steps::<E>() {
            record.episode_return = Some(state.episode_return);
            state.episode_return = 0.0;
            state.episode_steps = 0;
            state.env = new_episode(rng);
        }
        Ok(record)
    }

    /// The TD loss on a random minibatch: `y = r + γ (1 - terminated) max_{a'} Q_old(s', a')`.
    fn td_loss(
        &self,
        q: &Mlp,
        target: &Mlp,
        buffer: &ReplayBuffer,
        device: &Device,
        rng: &mut LoopRng,
    ) -> Result<Tensor<1>> {
        let n = self.batch_size;
        let idx: Vec<usize> = (0..n)
            .map(|_| rng.random_range(0..buffer.states.len()))
            .collect();
        let dim = buffer.states[0].len();
        let flat = |v: &Vec<Vec<f32>>| {
            idx.iter()
                .flat_map(|&i| v[i].iter().copied())
                .collect::<Vec<f32>>()
        };
        let next_q = outputs(target, &flat(&buffer.next), dim, false)?;
        let actions = next_q.len() / n;
        let y: Vec<f32> = idx
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let max_next = next_q[actions * k..actions * (k + 1)]
                    .iter()
                    .copied()
                    .fold(f32::NEG_INFINITY, f32::max);
                buffer.rewards[i] + self.gamma as f32 * (1.0 - buffer.terminated[i]) * max_next
            })
            .collect();
        let x = Tensor::<2>::from_data(TensorData::new(flat(&buffer.states), [n, dim]), device);
        let a = Tensor::<2, Int>::from_data(
            TensorData::new(
                idx.iter().map(|&i| buffer.actions[i]).collect::<Vec<_>>(),
                [n, 1],
            ),
            device,
        );
        let y = Tensor::<1>::from_data(TensorData::new(y, [n]), device);
        let d = q.forward(x).gather(1, a).reshape([n]) - y;
        Ok(match self.loss {
            TdLoss::Mse => d.powi_scalar(2).mean(),
            TdLoss::Huber => huber(d),
        })
    }
}
