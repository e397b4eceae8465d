//! Reinforcement learning (notes: *Reinforcement Learning*).
//!
//! - [`Mdp`]: the tuple `(S, A, R, P, γ)` with explicit transition tables, sampled as an
//!   environment; [`frozen_lake`] (Gymnasium's FrozenLake-v1 4x4 table) and [`grid_world`].
//! - [`CartPole`]: Gymnasium's CartPole-v1 dynamics, constants and termination.
//! - [`value_iteration`]: the Bellman optimality update on `Q` until convergence.
//! - [`QLearning`]: tabular, model-free, ε-greedy with a learning-rate schedule.
//! - [`PolicyGradient`]: REINFORCE with the total return, rewards-to-go or a learned value
//!   baseline, on Burn networks from `mlnotes-models`.
//! - [`Dqn`]: deep Q-learning with a replay buffer and a target network.
//! - [`DiscreteEnvironment`]: your own environment (Burn's `Environment` with discrete
//!   actions) for DQN and policy gradient.

mod cartpole;
mod dqn;
mod environment;
mod mdp;
mod network;
mod policy_gradient;
mod q_learning;
mod worlds;

pub use cartpole::{CartPole, CartPoleEnv, CartPoleStep, Push};
pub use dqn::{Dqn, DqnRecord, FittedDqn, TdLoss, huber};
pub use environment::{DiscreteEnvironment, EPISODE_CAP, LoopRng};
pub use mdp::{Mdp, Transition, ValueIteration, evaluate_policy, value_iteration};
pub use network::{greedy_cartpole_return, greedy_return};
pub use policy_gradient::{Agent, Estimator, PgIteration, PolicyGradient, Rollout};
pub use q_learning::{FittedQ, QLearning};
pub use worlds::{frozen_lake, grid_world};

#[cfg(test)]
mod tests;
