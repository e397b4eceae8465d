//! CartPole-v1 exactly as Gymnasium defines it: a pole hinged on a cart, pushed left or right
//! with a force of 10 N; Euler integration with `τ = 0.02 s`; the episode terminates when
//! `|θ| > 12°` or `|x| > 2.4` and is truncated after 500 steps; reward 1 per step.

use rand::Rng;

use crate::{Error, Result};

const GRAVITY: f64 = 9.8;
const MASS_CART: f64 = 1.0;
const MASS_POLE: f64 = 0.1;
const TOTAL_MASS: f64 = MASS_CART + MASS_POLE;
/// Half the pole's length.
const LENGTH: f64 = 0.5;
const POLE_MASS_LENGTH: f64 = MASS_POLE * LENGTH;
const FORCE_MAG: f64 = 10.0;
const TAU: f64 = 0.02;
const THETA_THRESHOLD: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
const X_THRESHOLD: f64 = 2.4;
/// Gymnasium's `max_episode_steps` for CartPole-v1.
pub const MAX_STEPS: usize = 500;

/// The cart-pole state `[x, ẋ, θ, θ̇]` and the step count.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CartPole {
    /// `[x, x_dot, theta, theta_dot]`.
    pub state: [f64; 4],
    steps: usize,
    done: bool,
}

/// What one step returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CartPoleStep {
    /// The new observation.
    pub state: [f64; 4],
    /// Always 1 (also on the terminating step, as in Gymnasium).
    pub reward: f64,
    /// The pole fell or the cart left the track.
    pub terminated: bool,
    /// 500 steps reached.
    pub truncated: bool,
}

impl CartPole {
    /// Gymnasium's reset: each state variable uniform in `[-0.05, 0.05]`.
    pub fn reset(rng: &mut impl Rng) -> Self {
        CartPole {
            state: std::array::from_fn(|_| rng.random_range(-0.05..0.05)),
            steps: 0,
            done: false,
        }
    }

    /// Starts from a given state (for tests and replays).
    pub fn from_state(state: [f64; 4]) -> Self {
        CartPole {
            state,
            steps: 0,
            done: false,
        }
    }

    /// Push left (`0`) or right (`1`).
    pub fn step(&mut self, action: usize) -> Result<CartPoleStep> {
        if action > 1 {
            return Err(Error::invalid(format!(
                "CartPole has actions 0 and 1, got {action}"
            )));
        }
        if self.done {
            return Err(Error::invalid(
                "CartPole episode already ended: reset first",
            ));
        }
        if let Some(i) = self.state.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                location: format!("CartPole state, component {i} ({})", self.state[i]),
            });
        }
        let [x, x_dot, theta, theta_dot] = self.state;
        let force = if action == 1 { FORCE_MAG } else { -FORCE_MAG };
        let (sin, cos) = theta.sin_cos();
        let temp = (force + POLE_MASS_LENGTH * theta_dot * theta_dot * sin) / TOTAL_MASS;
        let theta_acc = (GRAVITY * sin - cos * temp)
            / (LENGTH * (4.0 / 3.0 - MASS_POLE * cos * cos / TOTAL_MASS));
        let x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS;
        self.state = [
            x + TAU * x_dot,
            x_dot + TAU * x_acc,
            theta + TAU * theta_dot,
            theta_dot + TAU * theta_acc,
        ];
        self.steps += 1;
        let [x, _, theta, _] = self.state;
        let terminated = !(-X_THRESHOLD..=X_THRESHOLD).contains(&x)
            || !(-THETA_THRESHOLD..=THETA_THRESHOLD).contains(&theta);
        let truncated = !terminated && self.steps >= MAX_STEPS;
        self.done = terminated || truncated;
        Ok(CartPoleStep {
            state: self.state,
            reward: 1.0,
            terminated,
            truncated,
        })
    }
}

/// CartPole as Burn's environment, as the agents train on it: episodes start from
/// [`CartPole::reset`] with the training loop's generator. CartPole alone owns no generator,
/// so Burn's `reset` starts upright and at rest; [`CartPoleEnv`] owns one and starts as
/// Gymnasium does.
impl burn::rl::Environment for CartPole {
    type State = [f64; 4];
    type Action = Push;
    const MAX_STEPS: usize = MAX_STEPS;

    fn state(&self) -> [f64; 4] {
        self.state
    }

    /// A step of the live episode; a step after its end (or from a non-finite state) ends
    /// it again with no reward.
    fn step(&mut self, action: Push) -> burn::rl::StepResult<[f64; 4]> {
        let s = CartPole::step(self, usize::from(action == Push::Right)).unwrap_or(CartPoleStep {
            state: self.state,
            reward: 0.0,
            terminated: true,
            truncated: false,
        });
        burn::rl::StepResult {
            next_state: s.state,
            reward: s.reward,
            done: s.terminated,
            truncated: s.truncated,
        }
    }

    fn reset(&mut self) {
        *self = CartPole::from_state([0.0; 4]);
    }
}

impl super::DiscreteEnvironment for CartPole {
    const N_ACTIONS: usize = 2;
    const OBSERVATION: usize = 4;

    fn observe(state: &[f64; 4]) -> Vec<f32> {
        state.iter().map(|&v| v as f32).collect()
    }

    /// `0`: left, `1`: right.
    fn action(index: usize) -> Push {
        if index == 1 { Push::Right } else { Push::Left }
    }
}

/// A push of the cart: the action of CartPole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// Force `-10 N`.
    Left,
    /// Force `+10 N`.
    Right,
}

/// CartPole owning its random generator, as Burn's `burn::rl::Environment` (burn-rl): its
/// agents and `burn-train`'s RL loop can drive it. After an episode ends, the next `step`
/// starts a fresh one (the auto-reset of vectorised Gymnasium environments).
#[derive(Debug, Clone)]
pub struct CartPoleEnv {
    /// The simulation.
    pub cartpole: CartPole,
    rng: rand::rngs::StdRng,
}

impl CartPoleEnv {
    /// A seeded environment, already reset.
    pub fn new(seed: u64) -> Self {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        CartPoleEnv {
            cartpole: CartPole::reset(&mut rng),
            rng,
        }
    }
}

impl burn::rl::Environment for CartPoleEnv {
    type State = [f64; 4];
    type Action = Push;
    const MAX_STEPS: usize = MAX_STEPS;

    fn state(&self) -> [f64; 4] {
        self.cartpole.state
    }

    fn step(&mut self, action: Push) -> burn::rl::StepResult<[f64; 4]> {
        if self.cartpole.done {
            self.cartpole = CartPole::reset(&mut self.rng);
        }
        burn::rl::Environment::step(&mut self.cartpole, action)
    }

    fn reset(&mut self) {
        self.cartpole = CartPole::reset(&mut self.rng);
    }
}
