//! Shared pieces of the neural agents: running a network on host data, and the greedy
//! evaluation that both DQN and policy gradient report.

use burn::tensor::{Tensor, TensorData, activation};
use mlnotes_models::Mlp;

use super::cartpole::CartPole;
use super::environment::{DiscreteEnvironment, LoopRng, act, argmax, observe_into};
use crate::Result;
use crate::checkpoint::loop_rng;

pub(crate) use crate::backend::device_of;

/// The network's outputs (softmax probabilities if `softmax`) for a batch of observations of
/// `dim` numbers each.
pub(crate) fn outputs(net: &Mlp, states: &[f32], dim: usize, softmax: bool) -> Result<Vec<f32>> {
    let device = device_of(net);
    let x = Tensor::<2>::from_data(
        TensorData::new(states.to_vec(), [states.len() / dim, dim]),
        &device,
    );
    let y = net.forward(x);
    let y = if softmax {
        activation::softmax(y, 1)
    } else {
        y
    };
    crate::backend::to_vec(y)
}

/// Mean undiscounted return over `episodes` of CartPole when acting greedily on the
/// network's two outputs (logits or Q-values): all episodes run as one batch.
pub fn greedy_cartpole_return(net: &Mlp, episodes: usize, seed: u64) -> Result<f64> {
    greedy_return(net, episodes, seed, &|rng| CartPole::reset(rng))
}

/// Mean undiscounted return over `episodes` of the environment started by `new_episode`
/// (from a generator seeded with `seed`) when acting greedily on the network's outputs, one
/// per action; an episode stops at its end or after `E::MAX_STEPS` steps. All episodes run
/// as one batch.
pub fn greedy_return<E: DiscreteEnvironment>(
    net: &Mlp,
    episodes: usize,
    seed: u64,
    new_episode: &impl Fn(&mut LoopRng) -> E,
) -> Result<f64> {
    if episodes == 0 {
        return Err(crate::Error::invalid(
            "an evaluation needs at least one episode",
        ));
    }
    super::environment::check_sizes::<E>()?;
    super::environment::check_network::<E>(net)?;
    let mut rng = loop_rng(seed);
    let mut envs: Vec<(E, f64, usize)> = (0..episodes)
        .map(|_| (new_episode(&mut rng), 0.0, 0))
        .collect();
    let mut total = 0.0;
    while !envs.is_empty() {
        let mut states = Vec::with_capacity(envs.len() * E::OBSERVATION);
        for (env, _, _) in &envs {
            observe_into(env, &mut states)?;
        }
        let out = outputs(net, &states, E::OBSERVATION, false)?;
        let mut done = Vec::new();
        for (i, (env, ret, steps)) in envs.iter_mut().enumerate() {
            let q = &out[E::N_ACTIONS * i..E::N_ACTIONS * (i + 1)];
            let step = act(env, argmax(q))?;
            *ret += step.reward;
            *steps += 1;
            if step.done || step.truncated || *steps >= super::environment::max_steps::<E>() {
                done.push(i);
            }
        }
        for &i in done.iter().rev() {
            total += envs.swap_remove(i).1;
        }
    }
    Ok(total / episodes as f64)
}
