//! Tabular worlds as explicit MDPs.

use super::mdp::{Mdp, Transition};
use crate::Result;

/// Moves on a grid: 0 = left, 1 = down, 2 = right, 3 = up (Gymnasium's order); walls clamp.
fn moved(row: usize, col: usize, action: usize, rows: usize, cols: usize) -> (usize, usize) {
    match action {
        0 => (row, col.saturating_sub(1)),
        1 => ((row + 1).min(rows - 1), col),
        2 => (row, (col + 1).min(cols - 1)),
        _ => (row.saturating_sub(1), col),
    }
}

/// Gymnasium's FrozenLake-v1, the 4x4 map `SFFF / FHFH / FFFH / HFFG`: reaching the goal
/// pays 1, a hole ends the episode with 0. Slippery: the intended move and the two
/// perpendicular ones each happen with probability 1/3 (three separate outcomes, as in
/// Gymnasium's table); holes and the goal are absorbing.
pub fn frozen_lake(slippery: bool, gamma: f64) -> Result<Mdp> {
    let map = ["SFFF", "FHFH", "FFFH", "HFFG"];
    let (rows, cols) = (4, 4);
    let cell = |s: usize| map[s / cols].as_bytes()[s % cols];
    let transitions = (0..rows * cols)
        .map(|s| {
            (0..4)
                .map(|a| {
                    if matches!(cell(s), b'H' | b'G') {
                        return vec![Transition {
                            prob: 1.0,
                            next: s,
                            reward: 0.0,
                            done: true,
                        }];
                    }
                    let moves: Vec<usize> = if slippery {
                        vec![(a + 3) % 4, a, (a + 1) % 4]
                    } else {
                        vec![a]
                    };
                    let p = 1.0 / moves.len() as f64;
                    moves
                        .into_iter()
                        .map(|b| {
                            let (r, c) = moved(s / cols, s % cols, b, rows, cols);
                            let next = r * cols + c;
                            let goal = cell(next) == b'G';
                            Transition {
                                prob: p,
                                next,
                                reward: f64::from(u8::from(goal)),
                                done: goal || cell(next) == b'H',
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    Mdp::new(transitions, gamma, 0)
}

/// A deterministic `rows x cols` grid: start at the top-left, the goal at the bottom-right
/// pays `+1` and ends the episode, every other step costs `step_cost` (e.g. -0.04).
pub fn grid_world(rows: usize, cols: usize, step_cost: f64, gamma: f64) -> Result<Mdp> {
    if rows * cols < 2 {
        return Err(crate::Error::invalid(
            "a grid world needs at least two cells",
        ));
    }
    let goal = rows * cols - 1;
    let transitions = (0..rows * cols)
        .map(|s| {
            (0..4)
                .map(|a| {
                    if s == goal {
                        return vec![Transition {
                            prob: 1.0,
                            next: s,
                            reward: 0.0,
                            done: true,
                        }];
                    }
                    let (r, c) = moved(s / cols, s % cols, a, rows, cols);
                    let next = r * cols + c;
                    let reward = if next == goal { 1.0 } else { step_cost };
                    vec![Transition {
                        prob: 1.0,
                        next,
                        reward,
                        done: next == goal,
                    }]
                })
                .collect()
        })
        .collect();
    Mdp::new(transitions, gamma, 0)
}
