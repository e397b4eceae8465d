//! Markov decision processes with explicit tables, value iteration and exact policy
//! evaluation.
//!
//! Bellman optimality update (notes: *Value Iteration*):
//! `Q_{k+1}(s, a) = Σ_{s'} p(s'|s, a) [r + γ max_{a'} Q_k(s', a')]`, where a terminal `s'`
//! contributes no future value.

use ndarray::{Array1, Array2};
use rand::Rng;

use crate::{Error, Result, linalg, validate};

/// One outcome of taking an action: `p(s'|s, a)`, `s'`, the reward and whether `s'` ends the
/// episode.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Transition {
    /// Probability of this outcome.
    pub prob: f64,
    /// Next state.
    pub next: usize,
    /// Reward received.
    pub reward: f64,
    /// Whether the episode ends in `next`.
    pub done: bool,
}

/// `(S, A, R, P, γ)`: `transitions[s][a]` lists the outcomes of action `a` in state `s`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mdp {
    /// Outcomes per state and action (probabilities summing to 1).
    pub transitions: Vec<Vec<Vec<Transition>>>,
    /// The discount factor `γ ∈ [0, 1)`... or 1 for episodic tasks that always end.
    pub gamma: f64,
    /// The state every episode starts in.
    pub start: usize,
}

impl Mdp {
    /// A validated MDP: every state has the same number of actions, probabilities are in
    /// `[0, 1]` and sum to 1, next states exist, rewards are finite, `γ ∈ [0, 1]`.
    pub fn new(transitions: Vec<Vec<Vec<Transition>>>, gamma: f64, start: usize) -> Result<Self> {
        validate::in_range(gamma, 0.0, 1.0, "gamma")?;
        let n = transitions.len();
        if n == 0 {
            return Err(Error::invalid("an MDP needs at least one state"));
        }
        let a = transitions[0].len();
        for (s, actions) in transitions.iter().enumerate() {
            if actions.len() != a || a == 0 {
                return Err(Error::invalid(format!(
                    "state {s} has {} actions, expected {a} (> 0)",
                    actions.len()
                )));
            }
            for (act, outcomes) in actions.iter().enumerate() {
                let total: f64 = outcomes.iter().map(|t| t.prob).sum();
                let bad = outcomes.iter().any(|t| {
                    !(0.0..=1.0).contains(&t.prob) || t.next >= n || !t.reward.is_finite()
                });
                if bad || (total - 1.0).abs() > 1e-9 {
                    return Err(Error::invalid(format!(
                        "state {s}, action {act}: outcomes must have probabilities summing to 1 (got {total}), existing next states and finite rewards"
                    )));
                }
            }
        }
        if start >= n {
            return Err(Error::invalid(format!("start state {start} of {n}")));
        }
        Ok(Mdp {
            transitions,
            gamma,
            start,
        })
    }

    /// `|S|`.
    pub fn n_states(&self) -> usize {
        self.transitions.len()
    }

    /// `|A|`.
    pub fn n_actions(&self) -> usize {
        self.transitions[0].len()
    }

    /// Samples one step from `p(·|s, a)`: `(s', r, done)`.
    pub fn step(&self, s: usize, a: usize, rng: &mut impl Rng) -> Result<(usize, f64, bool)> {
        let outcomes = self
            .transitions
            .get(s)
            .and_then(|acts| acts.get(a))
            .ok_or_else(|| Error::invalid(format!("state {s}, action {a} out of range")))?;
        let mut u: f64 = rng.random();
        for t in outcomes {
            if u < t.prob {
                return Ok((t.next, t.reward, t.done));
            }
            u -= t.prob;
        }
        let last = outcomes[outcomes.len() - 1];
        Ok((last.next, last.reward, last.done))
    }

    /// One Bellman backup of `Q` from state values `v = max_a Q(s, a)`.
    fn backup(&self, v: &Array1<f64>) -> Array2<f64> {
        Array2::from_shape_fn((self.n_states(), self.n_actions()), |(s, a)| {
            self.transitions[s][a]
                .iter()
                .map(|t| t.prob * (t.reward + if t.done { 0.0 } else { self.gamma * v[t.next] }))
                .sum()
        })
    }
}

/// The result of value iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueIteration {
    /// `Q*(s, a)`.
    pub q: Array2<f64>,
    /// `V*(s) = max_a Q*(s, a)`.
    pub v: Array1<f64>,
    /// The greedy policy `argmax_a Q*(s, a)`.
    pub policy: Vec<usize>,
    /// Sweeps until `max |Q_{k+1} - Q_k| < tol`.
    pub iterations: usize,
}

/// Value iteration until the largest change is below `tol` (or `max_iter` sweeps, an error).
pub fn value_iteration(mdp: &Mdp, tol: f64, max_iter: usize) -> Result<ValueIteration> {
    validate::positive(tol, "tol")?;
    let mut v = Array1::zeros(mdp.n_states());
    let mut q = Array2::zeros((mdp.n_states(), mdp.n_actions()));
    for k in 1..=max_iter {
        let next = mdp.backup(&v);
        let change = (&next - &q).iter().fold(0.0f64, |m, d| m.max(d.abs()));
        q = next;
        v = q.map_axis(ndarray::Axis(1), |r| {
            r.fold(f64::NEG_INFINITY, |a, &b| a.max(b))
        });
        if change < tol {
            let policy = crate::tree::argmax_rows(&q).to_vec();
            return Ok(ValueIteration {
                q,
                v,
                policy,
                iterations: k,
            });
        }
    }
    Err(Error::invalid(format!(
        "value iteration did not converge to {tol} in {max_iter} sweeps"
    )))
}

/// `V^π` of a deterministic policy, exactly: the linear system `(I - γ P_π) V = R_π`
/// (terminal next states contribute no value).
pub fn evaluate_policy(mdp: &Mdp, policy: &[usize]) -> Result<Array1<f64>> {
    let n = mdp.n_states();
    validate::same_len(n, policy.len(), "policy")?;
    let mut a = Array2::<f64>::eye(n);
    let mut r = Array1::zeros(n);
    for s in 0..n {
        let act = policy[s];
        if act >= mdp.n_actions() {
            return Err(Error::invalid(format!("policy action {act} in state {s}")));
        }
        for t in &mdp.transitions[s][act] {
            r[s] += t.prob * t.reward;
            if !t.done {
                a[[s, t.next]] -= mdp.gamma * t.prob;
            }
        }
    }
    linalg::solve(a.view(), r.view())
}
