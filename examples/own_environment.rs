//! Your own reinforcement-learning environment, trained with DQN and with policy gradient: a
//! corridor of 8 cells implemented through Burn's `burn::rl::Environment` trait, plus
//! `mlnotes::rl::DiscreteEnvironment` (its 3 actions and its observation as numbers). The
//! walker starts in one of the first three cells; stepping right, left or staying costs 0.05
//! per step; reaching the last cell pays 1 and ends the episode; after 40 steps the episode is
//! truncated. Walking straight right from cell `s` returns `1 - 0.05 (7 - s - 1)`; a random
//! walk rarely gets there in 40 steps. Both agents are trained briefly and must beat the
//! random policy by a wide margin.
//!
//! Run it with `cargo run --example own_environment`; `cargo test --example own_environment`
//! runs it as a test.

use burn::rl::{Environment, StepResult};
use mlnotes::Result;
use mlnotes::backend::Backend;
use mlnotes::rl::{DiscreteEnvironment, Dqn, Estimator, LoopRng, PolicyGradient};
use rand::Rng;

const CELLS: usize = 8;

/// A walker in a corridor.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Corridor {
    position: usize,
}

/// A move of the walker.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Move {
    Left,
    Stay,
    Right,
}

impl Corridor {
    /// A new episode: the walker in one of the first three cells.
    fn start(rng: &mut LoopRng) -> Self {
        Corridor {
            position: rng.random_range(0..3),
        }
    }
}

impl Environment for Corridor {
    type State = usize;
    type Action = Move;
    const MAX_STEPS: usize = 40;

    fn state(&self) -> usize {
        self.position
    }

    fn step(&mut self, action: Move) -> StepResult<usize> {
        self.position = match action {
            Move::Left => self.position.saturating_sub(1),
            Move::Stay => self.position,
            Move::Right => (self.position + 1).min(CELLS - 1),
        };
        let done = self.position == CELLS - 1;
        StepResult {
            next_state: self.position,
            reward: if done { 1.0 } else { -0.05 },
            done,
            truncated: false,
        }
    }

    fn reset(&mut self) {
        self.position = 0;
    }
}

impl DiscreteEnvironment for Corridor {
    const N_ACTIONS: usize = 3;
    const OBSERVATION: usize = CELLS;

    /// The cell, one-hot.
    fn observe(state: &usize) -> Vec<f32> {
        (0..CELLS)
            .map(|c| f32::from(u8::from(c == *state)))
            .collect()
    }

    fn action(index: usize) -> Move {
        [Move::Left, Move::Stay, Move::Right][index.min(2)]
    }
}

/// The mean return of the uniformly random policy over `episodes` (the baseline).
fn random_policy_return(episodes: usize) -> f64 {
    let mut rng = mlnotes::checkpoint::loop_rng(99);
    let mut total = 0.0;
    for _ in 0..episodes {
        let mut env = Corridor::start(&mut rng);
        for _ in 0..Corridor::MAX_STEPS {
            let step = env.step(Corridor::action(rng.random_range(0..3)));
            total += step.reward;
            if step.done {
                break;
            }
        }
    }
    total / episodes as f64
}

fn main() -> Result<()> {
    let device = Backend::default_compiled()?.device()?;
    let random = random_policy_return(200);
    println!("random policy: mean return {random:.3}");
    // the best return from the mean start cell (1): six steps right
    let best = 1.0 - 0.05 * 5.0;

    let mut dqn = Dqn::new(3_000);
    dqn.hidden = vec![32];
    dqn.learning_rate = 1e-3;
    dqn.target_update = Some(100);
    dqn.learning_starts = 200;
    dqn.train_every = 2;
    dqn.batch_size = 32;
    dqn.eval_every = 500;
    let trained = dqn.fit_in(&device, &Corridor::start, |_| {})?;
    let dqn_return = mlnotes::rl::greedy_return(&trained.model.q, 100, 1, &Corridor::start)?;
    println!("DQN, 3 000 steps: greedy mean return {dqn_return:.3} (best about {best:.2})");

    let mut pg = PolicyGradient::new(Estimator::Baseline, 15);
    pg.batch_steps = 400;
    pg.learning_rate = 0.03;
    let agent = pg.fit_in(&device, &Corridor::start, |_| {})?.model;
    let pg_return = agent.evaluate_in(100, 1, &Corridor::start)?;
    println!("policy gradient, 15 iterations: greedy mean return {pg_return:.3}");

    assert!(
        dqn_return > random + 0.5 && pg_return > random + 0.5,
        "both agents learn to walk right: DQN {dqn_return:.3}, PG {pg_return:.3}, random \
         {random:.3}"
    );
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
