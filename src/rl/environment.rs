//! Environments for the neural agents: Burn's `burn::rl::Environment` (state, step, reset)
//! plus what [`Dqn`](super::Dqn) and [`PolicyGradient`](super::PolicyGradient) need that
//! Burn's trait leaves open — how many discrete actions there are, the observation as
//! numbers, and the action of an index. Implement both traits for your own environment and
//! train on it with [`Dqn::fit_in`](super::Dqn::fit_in) and
//! [`PolicyGradient::fit_in`](super::PolicyGradient::fit_in); `examples/own_environment.rs`
//! does it for a corridor.
//!
//! Episodes start from a function of the training loop's random generator
//! (`Fn(&mut LoopRng) -> E`), so a seeded run is reproducible and its checkpoint holds the
//! environment; an episode is truncated after `E::MAX_STEPS` steps (at most
//! [`EPISODE_CAP`]) if it has not ended.

use burn::rl::{Environment, StepResult};

pub use crate::checkpoint::LoopRng;
use crate::{Error, Result};

/// An environment with `N_ACTIONS` discrete actions and observations of `OBSERVATION`
/// numbers.
pub trait DiscreteEnvironment: Environment {
    /// The number of actions: indices `0..N_ACTIONS`.
    const N_ACTIONS: usize;
    /// The length of an observation.
    const OBSERVATION: usize;

    /// The state as the networks' input.
    fn observe(state: &Self::State) -> Vec<f32>;

    /// The action of an index in `0..N_ACTIONS`.
    fn action(index: usize) -> Self::Action;
}

/// The current observation of `env` appended to `into`; an observation of the wrong length
/// or with a non-finite number is an error.
pub(crate) fn observe_into<E: DiscreteEnvironment>(env: &E, into: &mut Vec<f32>) -> Result<()> {
    let observation = E::observe(&env.state());
    if observation.len() != E::OBSERVATION {
        return Err(Error::Shape {
            context: "environment observation".into(),
            expected: format!("{} numbers (OBSERVATION)", E::OBSERVATION),
            got: format!("{}", observation.len()),
        });
    }
    if let Some(i) = observation.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            location: format!("environment observation, component {i}"),
        });
    }
    into.extend(observation);
    Ok(())
}

/// One step with the action of `index`; a non-finite reward is an error.
pub(crate) fn act<E: DiscreteEnvironment>(
    env: &mut E,
    index: usize,
) -> Result<StepResult<E::State>> {
    let step = env.step(E::action(index));
    if !step.reward.is_finite() {
        return Err(Error::NonFinite {
            location: format!("environment reward after action {index}"),
        });
    }
    Ok(step)
}

/// The sizes of the agents' networks, checked once before training.
pub(crate) fn check_sizes<E: DiscreteEnvironment>() -> Result<()> {
    if E::N_ACTIONS < 2 || E::OBSERVATION == 0 || E::MAX_STEPS == 0 {
        return Err(Error::invalid(format!(
            "an environment needs at least 2 actions, 1 observed number and 1 step per \
             episode, got {} actions, {} numbers and MAX_STEPS {}",
            E::N_ACTIONS,
            E::OBSERVATION,
            E::MAX_STEPS
        )));
    }
    Ok(())
}

/// The longest episode the agents run, whatever `E::MAX_STEPS` says.
pub const EPISODE_CAP: usize = 1_000_000;

/// The steps after which an episode of `E` is truncated.
pub(crate) fn max_steps<E: DiscreteEnvironment>() -> usize {
    E::MAX_STEPS.min(EPISODE_CAP)
}

/// Fails unless `net` takes `E`'s observations and gives one output per action.
pub(crate) fn check_network<E: DiscreteEnvironment>(net: &mlnotes_models::Mlp) -> Result<()> {
    let dims = |layer: Option<&burn::nn::Linear>| layer.map(|l| l.weight.val().dims());
    let inputs = dims(net.layers.first()).map(|[i, _]| i);
    let outputs = dims(net.layers.last()).map(|[_, o]| o);
    if (inputs, outputs) != (Some(E::OBSERVATION), Some(E::N_ACTIONS)) {
        return Err(Error::Shape {
            context: "network vs environment".into(),
            expected: format!(
                "{} inputs (OBSERVATION) and {} outputs (N_ACTIONS)",
                E::OBSERVATION,
                E::N_ACTIONS
            ),
            got: format!(
                "{} inputs and {} outputs",
                inputs.unwrap_or(0),
                outputs.unwrap_or(0)
            ),
        });
    }
    Ok(())
}

/// The index of the largest of `values` (the first of equal ones).
pub(crate) fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
