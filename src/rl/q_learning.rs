//! Tabular Q-learning (notes: *Q-Learning*, model-free): from samples `(s, a, r, s')`,
//! `Q(s, a) ← Q(s, a) + α_t [r + γ max_{a'} Q(s', a') - Q(s, a)]` (no future value after a
//! terminal `s'`), acting ε-greedily with ε decaying linearly; `α_t = α₀ / (1 + visits(s, a) κ)`.

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::mdp::Mdp;
use crate::estimator::Params;
use crate::{Error, Result, validate};

/// Q-learning hyperparameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QLearning {
    /// Training episodes.
    pub episodes: usize,
    /// Step limit per episode.
    pub max_steps: usize,
    /// Initial learning rate `α₀`.
    pub alpha: f64,
    /// Learning-rate decay `κ` per visit of `(s, a)` (0: constant).
    pub alpha_decay: f64,
    /// ε at the start and at the end of the linear schedule.
    pub epsilon: (f64, f64),
    /// Share of the episodes over which ε decays.
    pub epsilon_fraction: f64,
    /// Seed.
    pub seed: u64,
}

impl QLearning {
    /// `episodes` of ε-greedy learning: α₀ = 0.5 decaying with visits, ε from 1 to 0.05 over
    /// the first 80% of the episodes.
    pub fn new(episodes: usize) -> Self {
        QLearning {
            episodes,
            max_steps: 200,
            alpha: 0.5,
            alpha_decay: 0.01,
            epsilon: (1.0, 0.05),
            epsilon_fraction: 0.8,
            seed: 0,
        }
    }

    /// Learns `Q` by interacting with (sampling) the MDP.
    pub fn fit(&self, mdp: &Mdp) -> Result<FittedQ> {
        self.check()?;
        let (n, k) = (mdp.n_states(), mdp.n_actions());
        let mut q = Array2::<f64>::zeros((n, k));
        let mut visits = Array2::<f64>::zeros((n, k));
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut returns = Vec::with_capacity(self.episodes);
        let decay_episodes = (self.epsilon_fraction * self.episodes as f64).max(1.0);
        for ep in 0..self.episodes {
            let frac = (ep as f64 / decay_episodes).min(1.0);
            let eps = self.epsilon.0 + frac * (self.epsilon.1 - self.epsilon.0);
            let mut s = mdp.start;
            let mut total = 0.0;
            for _ in 0..self.max_steps {
                let a = if rng.random::<f64>() < eps {
                    rng.random_range(0..k)
                } else {
                    crate::tree::argmax(q.row(s))
                };
                let (next, r, done) = mdp.step(s, a, &mut rng)?;
                let future = if done {
                    0.0
                } else {
                    q.row(next).fold(f64::NEG_INFINITY, |m, &v| m.max(v))
                };
                let lr = self.alpha / (1.0 + self.alpha_decay * visits[[s, a]]);
                q[[s, a]] += lr * (r + mdp.gamma * future - q[[s, a]]);
                visits[[s, a]] += 1.0;
                total += r;
                s = next;
                if done {
                    break;
                }
            }
            returns.push(total);
        }
        let policy = crate::tree::argmax_rows(&q).to_vec();
        Ok(FittedQ { q, policy, returns })
    }
}

impl Params for QLearning {
    fn check(&self) -> Result<()> {
        validate::at_least(self.episodes, 1, "episodes")?;
        validate::at_least(self.max_steps, 1, "max_steps")?;
        validate::fraction(self.alpha, "alpha")?;
        validate::non_negative(self.alpha_decay, "alpha_decay")?;
        validate::in_range(self.epsilon.0, 0.0, 1.0, "epsilon")?;
        validate::in_range(self.epsilon.1, 0.0, 1.0, "epsilon")?;
        validate::in_range(self.epsilon_fraction, 0.0, 1.0, "epsilon_fraction")
    }
}

/// A learned Q-table.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedQ {
    /// `Q(s, a)`.
    pub q: Array2<f64>,
    /// The greedy policy.
    pub policy: Vec<usize>,
    /// Undiscounted return of each training episode.
    pub returns: Vec<f64>,
}

impl FittedQ {
    /// Share of `episodes` greedy episodes (at most `max_steps` each) that collect a positive
    /// return: the success rate on goal-reaching tasks.
    pub fn success_rate(
        &self,
        mdp: &Mdp,
        episodes: usize,
        max_steps: usize,
        seed: u64,
    ) -> Result<f64> {
        if episodes == 0 || max_steps == 0 {
            return Err(Error::invalid(
                "a success rate needs at least one episode and one step",
            ));
        }
        validate::same_len(mdp.n_states(), self.policy.len(), "policy")?;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut wins = 0;
        for _ in 0..episodes {
            let (mut s, mut total) = (mdp.start, 0.0);
            for _ in 0..max_steps {
                let (next, r, done) = mdp.step(s, self.policy[s], &mut rng)?;
                total += r;
                s = next;
                if done {
                    break;
                }
            }
            wins += usize::from(total > 0.0);
        }
        Ok(wins as f64 / episodes as f64)
    }
}
