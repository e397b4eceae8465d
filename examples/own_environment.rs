//! Your own reinforcement-learning environment, trained with DQN and with policy gradient: a
//! corridor of 9 cells implemented through Burn's `burn::rl::Environment` trait, plus
//! `mlnotes::rl::DiscreteEnvironment` (its 3 actions and its observation as numbers). The
//! walker starts at either end (cells 0, 1, 7 or 8); each step (left, stay, right) costs 0.05;
//! reaching the middle cell pays 1 and ends the episode; after 40 steps the episode is
//! truncated. The right move depends on the side: right from the left end, left from the
//! right end, so an agent must read its observation. Walking straight to the middle returns
//! 0.85 from an end cell and 0.9 from its neighbour; a random walk mostly pays the step cost.
//! Both agents are trained briefly and must reach at least 0.8 from each side.
//!
//! Run it with `cargo run --example own_environment`; `cargo test --example own_environment`
//! runs it as a test.

use burn::rl::{Environment, StepResult};
use mlnotes::Result;
use mlnotes::backend::Backend;
use mlnotes::rl::{DiscreteEnvironment, Dqn, Estimator, LoopRng, PolicyGradient};
use rand::Rng;

const CELLS: usize = 9;
const GOAL: usize = 4;

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
    /// A new episode: the walker at either end (cells 0, 1, 7, 8).
    fn start(rng: &mut LoopRng) -> Self {
        Corridor {
            position: [0, 1, 7, 8][rng.random_range(0..4)],
        }
    }

    /// Episodes from the left end only.
    fn left(rng: &mut LoopRng) -> Self {
        Corridor {
            position: rng.random_range(0..2),
        }
    }

    /// Episodes from the right end only.
    fn right(rng: &mut LoopRng) -> Self {
        Corridor {
            position: rng.random_range(7..9),
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
        let done = self.position == GOAL;
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
    println!("random policy: mean return {random:.3} (the best policy: 0.875)");

    let mut dqn = Dqn::new(3_000);
    dqn.hidden = vec![32];
    dqn.learning_rate = 1e-3;
    dqn.target_update = Some(100);
    dqn.learning_starts = 200;
    dqn.train_every = 2;
    dqn.batch_size = 32;
    dqn.eval_every = 500;
    let q = dqn.fit_in(&device, &Corridor::start, |_| {})?.model.q;
    let dqn_sides = [
        mlnotes::rl::greedy_return(&q, 100, 1, &Corridor::left)?,
        mlnotes::rl::greedy_return(&q, 100, 1, &Corridor::right)?,
    ];
    println!(
        "DQN, 3 000 steps: greedy mean return from the left {:.3}, from the right {:.3}",
        dqn_sides[0], dqn_sides[1]
    );

    let mut pg = PolicyGradient::new(Estimator::Baseline, 15);
    pg.batch_steps = 400;
    pg.learning_rate = 0.03;
    let agent = pg.fit_in(&device, &Corridor::start, |_| {})?.model;
    let pg_sides = [
        agent.evaluate_in(100, 1, &Corridor::left)?,
        agent.evaluate_in(100, 1, &Corridor::right)?,
    ];
    println!(
        "policy gradient, 15 iterations: greedy mean return from the left {:.3}, from the right {:.3}",
        pg_sides[0], pg_sides[1]
    );

    // from each side, within a step or so of the best (0.85 and 0.9): the agents move
    // towards the middle from both ends, so they use what they observe
    assert!(
        dqn_sides.iter().chain(&pg_sides).all(|&r| r >= 0.8),
        "DQN {dqn_sides:?}, PG {pg_sides:?}, random {random:.3}"
    );
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
