//! Policy gradient (notes: *Policy Gradient*, *Variance Reduction*) on CartPole: a policy
//! network `π_θ(a|s)` (softmax over actions) is improved by gradient ascent on
//! `∇J(θ) ≈ 1/N Σ_t w_t ∇ log π_θ(a_t|s_t)` with the weight `w_t` chosen by [`Estimator`]:
//!
//! - total return `r(τ) = Σ_t γ^t r_t` of the whole trajectory (REINFORCE as derived);
//! - rewards-to-go `G_t = Σ_{t'≥t} γ^{t'-t} r_{t'}` (an action only affects what follows);
//! - advantage `A_t = G_t - V(s_t)` with a learned value baseline (no bias, less variance).
//!
//! Rollouts run several environments at once so the policy is evaluated on a batch of states.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};
use mlnotes_models::{Mlp, MlpConfig};
use rand::Rng;

use super::cartpole::CartPole;
use super::environment::{DiscreteEnvironment, LoopRng, act, check_sizes, max_steps, observe_into};
use super::network::{greedy_return, outputs};
use crate::backend::rng_turn;
use crate::checkpoint::{Checkpointing, RngState, loop_rng, resume_point, run_id, save_if_due};
use crate::estimator::Params;
use crate::training::Trained;
use crate::{Error, Result, validate};

/// The weight of each step's `∇ log π(a_t|s_t)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Estimator {
    /// The trajectory's total (discounted) return, the same for every step.
    TotalReturn,
    /// The discounted rewards-to-go `G_t`.
    RewardsToGo,
    /// `G_t - V(s_t)`, with `V` a value network fitted to the rewards-to-go.
    Baseline,
}

/// Policy-gradient hyperparameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PolicyGradient {
    /// The gradient estimator.
    pub estimator: Estimator,
    /// Hidden layer widths of the policy and value networks.
    pub hidden: Vec<usize>,
    /// Adam's learning rate for the policy.
    pub learning_rate: f64,
    /// Adam's learning rate for the value network.
    pub value_learning_rate: f64,
    /// Value-network gradient steps per iteration.
    pub value_steps: usize,
    /// Environment steps per policy update (whole episodes).
    pub batch_steps: usize,
    /// Policy updates.
    pub iterations: usize,
    /// Discount `γ`.
    pub gamma: f64,
    /// Environments stepped together.
    pub n_envs: usize,
    /// Seed of environments, sampling and initialisation.
    pub seed: u64,
    /// Save the training state every `every` iterations, and resume from it (see
    /// [`checkpoint`](crate::checkpoint)).
    pub checkpoint: Option<Checkpointing>,
}

/// What policy-gradient training carries from iteration to iteration (and saves in a
/// checkpoint).
#[derive(serde::Serialize, serde::Deserialize)]
struct IterationLoop {
    /// Iterations completed.
    iteration: usize,
    env_steps: usize,
    history: Vec<PgIteration>,
    /// Environments and action sampling.
    rng: RngState,
}

impl PolicyGradient {
    /// `iterations` updates of 2 000 steps, one hidden layer of 32, Adam 0.01, γ = 0.99.
    pub fn new(estimator: Estimator, iterations: usize) -> Self {
        PolicyGradient {
            estimator,
            hidden: vec![32],
            learning_rate: 0.01,
            value_learning_rate: 0.01,
            value_steps: 20,
            batch_steps: 2_000,
            iterations,
            gamma: 0.99,
            n_envs: 16,
            seed: 0,
            checkpoint: None,
        }
    }
}

impl Params for PolicyGradient {
    fn check(&self) -> Result<()> {
        validate::positive(self.learning_rate, "learning_rate")?;
        validate::positive(self.value_learning_rate, "value_learning_rate")?;
        validate::in_range(self.gamma, 0.0, 1.0, "gamma")?;
        validate::at_least(self.batch_steps, 1, "batch_steps")?;
        validate::at_least(self.n_envs, 1, "n_envs")?;
        validate::at_least(self.iterations, 1, "iterations")?;
        MlpConfig::new(4, self.hidden.clone(), 2).check()?;
        self.checkpoint
            .as_ref()
            .map_or(Ok(()), Checkpointing::check)
    }
}

/// One step of an episode: observation, action, reward.
pub(crate) type Step = (Vec<f32>, usize, f64);

/// Steps of complete episodes collected with one policy.
#[derive(Debug, Clone, Default)]
pub struct Rollout {
    /// Observations, one after the other.
    pub states: Vec<f32>,
    /// Actions taken.
    pub actions: Vec<i64>,
    /// The trajectory's total discounted return, repeated for each of its steps.
    pub total: Vec<f32>,
    /// Rewards-to-go `G_t`.
    pub to_go: Vec<f32>,
    /// Undiscounted return of each episode.
    pub episode_returns: Vec<f64>,
}

impl Rollout {
    /// Number of steps.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether no step was collected.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    pub(crate) fn push_episode(&mut self, steps: &[Step], gamma: f64) {
        let mut g = 0.0;
        let mut to_go = vec![0.0; steps.len()];
        for (t, s) in steps.iter().enumerate().rev() {
            g = s.2 + gamma * g;
            to_go[t] = g;
        }
        for ((state, action, _), g_t) in steps.iter().zip(to_go) {
            self.states.extend_from_slice(state);
            self.actions.push(*action as i64);
            self.total.push(g as f32);
            self.to_go.push(g_t as f32);
        }
        self.episode_returns.push(steps.iter().map(|s| s.2).sum());
    }
}

/// A policy network (and value network) being trained, with their optimizers.
pub struct Agent {
    /// `π_θ`: logits over the actions.
    pub policy: Mlp,
    /// `V(s)` (standardised rewards-to-go), for the baseline.
    pub value: Mlp,
    /// Numbers per observation (the networks' inputs).
    observation: usize,
    /// Actions (the policy's outputs).
    n_actions: usize,
    device: Device,
    policy_optim: burn::optim::ModuleOptimizer,
    value_optim: burn::optim::ModuleOptimizer,
}

impl Agent {
    /// Fresh networks on `device` (an autodiff device is made from it), their weights drawn
    /// from the params' seed (under [`rng_turn`](crate::backend::rng_turn)); hyperparameters out
    /// of range are an error.
    pub fn new(params: &PolicyGradient, device: &Device) -> Result<Self> {
        Self::for_env::<CartPole>(params, device)
    }

    /// [`Agent::new`] with networks sized for the environment `E`.
    pub fn for_env<E: DiscreteEnvironment>(
        params: &PolicyGradient,
        device: &Device,
    ) -> Result<Self> {
        params.check()?;
        check_sizes::<E>()?;
        let _turn = rng_turn()?;
        let device = device.clone().autodiff();
        device.seed(params.seed);
        let policy = MlpConfig::new(E::OBSERVATION, params.hidden.clone(), E::N_ACTIONS)
            .try_init(&device)?;
        let value = MlpConfig::new(E::OBSERVATION, params.hidden.clone(), 1).try_init(&device)?;
        crate::backend::materialize(&policy);
        crate::backend::materialize(&value);
        Ok(Agent {
            policy,
            value,
            observation: E::OBSERVATION,
            n_actions: E::N_ACTIONS,
            device,
            policy_optim: AdamConfig::new().init(),
            value_optim: AdamConfig::new().init(),
        })
    }

    /// Runs the current policy (sampling actions) for at least `steps` steps of whole
    /// CartPole episodes.
    pub fn collect<R: Rng>(
        &self,
        steps: usize,
        n_envs: usize,
        gamma: f64,
        rng: &mut R,
    ) -> Result<Rollout> {
        self.collect_in(steps, n_envs, gamma, rng, &|r: &mut R| CartPole::reset(r))
    }

    /// Runs the current policy (sampling actions) for at least `steps` steps of whole
    /// episodes of the environment `new_episode` starts; an episode ends at its end or after
    /// `E::MAX_STEPS` steps.
    pub fn collect_in<E: DiscreteEnvironment, R: Rng>(
        &self,
        steps: usize,
        n_envs: usize,
        gamma: f64,
        rng: &mut R,
        new_episode: &impl Fn(&mut R) -> E,
    ) -> Result<Rollout> {
        if steps == 0 || n_envs == 0 {
            return Err(Error::invalid(
                "a rollout needs at least one step and one environment",
            ));
        }
        self.matches::<E>()?;
        let policy = self.policy.valid();
        let mut rollout = Rollout::default();
        let mut envs: Vec<(E, Vec<Step>)> = (0..n_envs)
            .map(|_| (new_episode(rng), Vec::new()))
            .collect();
        let mut collected = 0;
        while !envs.is_empty() {
            let mut states = Vec::with_capacity(envs.len() * E::OBSERVATION);
            for (env, _) in &envs {
                observe_into(env, &mut states)?;
            }
            let probs = outputs(&policy, &states, E::OBSERVATION, true)?;
            let mut finished = Vec::new();
            for (i, (env, steps_so_far)) in envs.iter_mut().enumerate() {
                // one uniform draw: the first action whose cumulative probability exceeds it
                let u = rng.random::<f32>();
                let p = &probs[E::N_ACTIONS * i..E::N_ACTIONS * (i + 1)];
                if p.iter().any(|v| !v.is_finite()) {
                    return Err(Error::NonFinite {
                        location: "policy probabilities (the policy diverged)".into(),
                    });
                }
                let mut cumulative = 0.0;
                let action = p
                    .iter()
                    .position(|&pk| {
                        cumulative += pk;
                        u < cumulative
                    })
                    .unwrap_or(E::N_ACTIONS - 1);
                let state = states[E::OBSERVATION * i..E::OBSERVATION * (i + 1)].to_vec();
                let step = act(env, action)?;
                steps_so_far.push((state, action, step.reward));
                if step.done || step.truncated || steps_so_far.len() >= max_steps::<E>() {
                    finished.push(i);
                }
            }
            for &i in finished.iter().rev() {
                let (_, steps_done) = envs.swap_remove(i);
                collected += steps_done.len();
                rollout.push_episode(&steps_done, gamma);
                if collected < steps {
                    envs.push((new_episode(rng), Vec::new()));
                }
            }
        }
        Ok(rollout)
    }

    fn batch(&self, rollout: &Rollout) -> (Tensor<2>, Tensor<2, Int>) {
        let n = rollout.len();
        let x = Tensor::<2>::from_data(
            TensorData::new(rollout.states.clone(), [n, self.observation]),
            &self.device,
        );
        let a = Tensor::<2, Int>::from_data(
            TensorData::new(rollout.actions.clone(), [n, 1]),
            &self.device,
        );
        (x, a)
    }

    /// The weights `w_t` of the chosen estimator.
    fn weights(&self, rollout: &Rollout, estimator: Estimator) -> Result<Vec<f32>> {
        Ok(match estimator {
            Estimator::TotalReturn => rollout.total.clone(),
            Estimator::RewardsToGo => rollout.to_go.clone(),
            Estimator::Baseline => {
                let (mean, std) = return_scale(&rollout.to_go);
                let v = outputs(
                    &self.value.valid(),
                    &rollout.states,
                    self.observation,
                    false,
                )?;
                rollout
                    .to_go
                    .iter()
                    .zip(v)
                    .map(|(g, v)| g - (v * std + mean))
                    .collect()
            }
        })
    }

    /// The surrogate loss `-1/N Σ_t w_t log π(a_t|s_t)` whose gradient is `-∇J`.
    fn surrogate(&self, rollout: &Rollout, estimator: Estimator) -> Result<Tensor<1>> {
        let n = rollout.len();
        if n == 0 {
            return Err(Error::invalid("an empty rollout has no policy gradient"));
        }
        let (x, a) = self.batch(rollout);
        let w = Tensor::<1>::from_data(
            TensorData::new(self.weights(rollout, estimator)?, [n]),
            &self.device,
        );
        let logp = activation::log_softmax(self.policy.forward(x), 1)
            .gather(1, a)
            .reshape([n]);
        Ok((logp * w).mean().neg())
    }

    /// The policy-gradient estimate `∇J` of one rollout, flattened (for variance studies).
    pub fn gradient(&self, rollout: &Rollout, estimator: Estimator) -> Result<Vec<f32>> {
        let grads = self.surrogate(rollout, estimator)?.backward();
        let mut out = Vec::new();
        for layer in &self.policy.layers {
            let mut push = |t: Option<Tensor<2>>| -> Result<()> {
                if let Some(g) = t {
                    out.extend(crate::backend::to_vec(g)?.into_iter().map(|v| -v));
                }
                Ok(())
            };
            push(layer.weight.val().grad(&grads))?;
            if let Some(b) = &layer.bias {
                push(b.val().grad(&grads).map(|g| g.unsqueeze::<2>()))?;
            }
        }
        Ok(out)
    }

    /// One gradient step on the policy, then value-network regression on standardised `G_t`.
    pub fn update(&mut self, params: &PolicyGradient, rollout: &Rollout) -> Result<()> {
        let loss = self.surrogate(rollout, params.estimator)?;
        let grads = GradientsParams::from_grads(loss.backward(), &self.policy);
        self.policy = self
            .policy_optim
            .step(params.learning_rate, self.policy.clone(), grads);
        if params.estimator == Estimator::Baseline {
            self.fit_value(rollout, params.value_steps, params.value_learning_rate)?;
        }
        Ok(())
    }

    /// Regresses `V(s)` on the standardised rewards-to-go of a rollout.
    pub fn fit_value(&mut self, rollout: &Rollout, steps: usize, lr: f64) -> Result<()> {
        let n = rollout.len();
        if n == 0 {
            return Err(Error::invalid("an empty rollout has no returns to fit"));
        }
        let (mean, std) = return_scale(&rollout.to_go);
        let target: Vec<f32> = rollout.to_go.iter().map(|g| (g - mean) / std).collect();
        let (x, _) = self.batch(rollout);
        let y = Tensor::<1>::from_data(TensorData::new(target, [n]), &self.device);
        for _ in 0..steps {
            let v = self.value.forward(x.clone()).reshape([n]);
            let loss = (v - y.clone()).powi_scalar(2).mean();
            let grads = GradientsParams::from_grads(loss.backward(), &self.value);
            self.value = self.value_optim.step(lr, self.value.clone(), grads);
        }
        Ok(())
    }

    /// Mean undiscounted return of the greedy policy (argmax action) over `episodes` of
    /// CartPole.
    pub fn evaluate(&self, episodes: usize, seed: u64) -> Result<f64> {
        self.evaluate_in(episodes, seed, &|rng| CartPole::reset(rng))
    }

    /// Mean undiscounted return of the greedy policy over `episodes` of the environment
    /// `new_episode` starts.
    pub fn evaluate_in<E: DiscreteEnvironment>(
        &self,
        episodes: usize,
        seed: u64,
        new_episode: &impl Fn(&mut LoopRng) -> E,
    ) -> Result<f64> {
        self.matches::<E>()?;
        greedy_return(&self.policy.valid(), episodes, seed, new_episode)
    }

    /// Fails unless the networks were made for environments like `E`.
    fn matches<E: DiscreteEnvironment>(&self) -> Result<()> {
        if (E::OBSERVATION, E::N_ACTIONS) != (self.observation, self.n_actions) {
            return Err(Error::Shape {
                context: "policy network vs environment".into(),
                expected: format!("{} inputs and {} actions", self.observation, self.n_actions),
                got: format!("{} and {}", E::OBSERVATION, E::N_ACTIONS),
            });
        }
        Ok(())
    }
}

/// Mean and standard deviation (at least 1e-6) of the returns, to normalise them.
fn return_scale(v: &[f32]) -> (f32, f32) {
    let wide: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
    let (mean, std) = crate::metrics::mean_std(&wide);
    (mean as f32, (std as f32).max(1e-6))
}

/// What one training iteration saw.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PgIteration {
    /// Environment steps so far.
    pub env_steps: usize,
    /// Mean undiscounted return of the iteration's episodes.
    pub mean_return: f64,
}

impl PolicyGradient {
    /// Trains an agent on CartPole, calling `on_iteration` after each update (for progress
    /// display).
    pub fn fit(
        &self,
        device: &Device,
        on_iteration: impl FnMut(&PgIteration),
    ) -> Result<Trained<Agent, PgIteration>> {
        self.fit_in(device, &|rng| CartPole::reset(rng), on_iteration)
    }

    /// Trains an agent on the environment whose episodes `new_episode` starts (see
    /// [`DiscreteEnvironment`]), calling `on_iteration` after each update.
    pub fn fit_in<E: DiscreteEnvironment>(
        &self,
        device: &Device,
        new_episode: &impl Fn(&mut LoopRng) -> E,
        mut on_iteration: impl FnMut(&PgIteration),
    ) -> Result<Trained<Agent, PgIteration>> {
        self.check()?;
        let _turn = rng_turn()?;
        let mut agent = Agent::for_env::<E>(self, device)?;
        let mut state = IterationLoop {
            iteration: 0,
            env_steps: 0,
            history: Vec::new(),
            rng: RngState::of(&loop_rng(self.seed)),
        };
        let run = run_id(
            &format!("rl::PolicyGradient<{}>", std::any::type_name::<E>()),
            self,
            0,
        )?;
        if let Some(snap) = resume_point(self.checkpoint.as_ref(), &run)? {
            state = snap.json("state")?;
            if state.iteration > self.iterations || state.history.len() != state.iteration {
                return Err(snap.invalid("the iteration count"));
            }
            agent.policy = snap.module("policy", agent.policy)?;
            agent.value = snap.module("value", agent.value)?;
            agent.policy_optim = snap.optimizer("policy", agent.policy_optim)?;
            agent.value_optim = snap.optimizer("value", agent.value_optim)?;
        }
        let mut rng = state.rng.restore();
        while state.iteration < self.iterations {
            let rollout = agent.collect_in(
                self.batch_steps,
                self.n_envs,
                self.gamma,
                &mut rng,
                new_episode,
            )?;
            state.env_steps += rollout.len();
            agent.update(self, &rollout)?;
            let r = &rollout.episode_returns;
            let it = PgIteration {
                env_steps: state.env_steps,
                mean_return: r.iter().sum::<f64>() / r.len().max(1) as f64,
            };
            if !it.mean_return.is_finite() {
                return Err(Error::Diverged {
                    iteration: state.history.len(),
                    loss: it.mean_return,
                });
            }
            on_iteration(&it);
            state.history.push(it);
            state.iteration += 1;
            save_if_due(
                self.checkpoint.as_ref(),
                state.iteration,
                self.iterations,
                &run,
                |w| {
                    state.rng = RngState::of(&rng);
                    w.json("state", &state)?;
                    w.module("policy", &agent.policy)?;
                    w.module("value", &agent.value)?;
                    w.optimizer("policy", &agent.policy_optim)?;
                    w.optimizer("value", &agent.value_optim)
                },
            )?;
        }
        Ok(Trained {
            model: agent,
            history: state.history,
        })
    }
}
