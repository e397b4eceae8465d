//! Shared pieces of the neural agents: running a network on host data, and the greedy
//! evaluation on CartPole that both DQN and policy gradient report.

use burn::tensor::{Tensor, TensorData, activation};
use mlnotes_models::Mlp;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::cartpole::CartPole;
use crate::Result;

pub(crate) use crate::backend::device_of;

/// The network's outputs (softmax probabilities if `softmax`) for a batch of CartPole states.
pub(crate) fn outputs(net: &Mlp, states: &[f32], softmax: bool) -> Result<Vec<f32>> {
    let device = device_of(net);
    let x = Tensor::<2>::from_data(
        TensorData::new(states.to_vec(), [states.len() / 4, 4]),
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
    if episodes == 0 {
        return Err(crate::Error::invalid(
            "an evaluation needs at least one episode",
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut envs: Vec<(CartPole, f64)> = (0..episodes)
        .map(|_| (CartPole::reset(&mut rng), 0.0))
        .collect();
    let mut total = 0.0;
    while !envs.is_empty() {
        let states: Vec<f32> = envs
            .iter()
            .flat_map(|(e, _)| e.state.map(|v| v as f32))
            .collect();
        let out = outputs(net, &states, false)?;
        let mut done = Vec::new();
        for (i, (env, ret)) in envs.iter_mut().enumerate() {
            let step = env.step(usize::from(out[2 * i + 1] > out[2 * i]))?;
            *ret += step.reward;
            if step.terminated || step.truncated {
                done.push(i);
            }
        }
        for &i in done.iter().rev() {
            total += envs.swap_remove(i).1;
        }
    }
    Ok(total / episodes.max(1) as f64)
}
