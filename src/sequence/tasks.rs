//! Synthetic sequence tasks with long-range dependencies, any length `T`, seeded.
//!
//! - The adding problem (Hochreiter & Schmidhuber, 1997): each step carries a number drawn
//!   from U(0, 1) and a marker; exactly two steps are marked, one in each half; the target is
//!   the sum of the two marked numbers. Always predicting 1 scores MSE `Var(U₁ + U₂) = 1/6 ≈
//!   0.167`, the baseline a model must beat to have carried information across the sequence.
//! - The copy task: `L` random symbols, a delimiter, then `L` blanks during which the model
//!   must output the symbols in order (chance accuracy `1 / symbols`). It depends on order:
//!   a model blind to positions cannot solve it.

use rand::Rng;

use crate::{Error, Result};

/// A sequence task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Task {
    /// The adding problem over `length` steps.
    Adding {
        /// Sequence length `T`.
        length: usize,
    },
    /// Copy `length` symbols (of `symbols` kinds) after a delimiter.
    Copy {
        /// Symbols to remember.
        length: usize,
        /// Alphabet size.
        symbols: usize,
    },
}

/// What a batch asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// One number per sequence (the adding problem).
    Values(Vec<f32>),
    /// `length` symbols per sequence, row-major (the copy task).
    Classes(Vec<i64>),
}

/// A batch of sequences `[n, time, d_input]`, row-major, and their targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The inputs.
    pub x: Vec<f32>,
    /// Number of sequences.
    pub n: usize,
    /// The targets.
    pub target: Target,
}

impl Task {
    /// Fails unless the adding problem has at least 2 steps and the copy task at least one
    /// symbol to copy and 2 kinds of symbols.
    pub fn check(&self) -> Result<()> {
        match *self {
            Task::Adding { length } if length < 2 => Err(Error::config(
                "length",
                format!("the adding problem needs at least 2 steps, got {length}"),
            )),
            Task::Copy { length, symbols } if length == 0 || symbols < 2 => Err(Error::config(
                "symbols",
                format!(
                    "the copy task needs length >= 1 and symbols >= 2, got {length} and {symbols}"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Steps per sequence: `T` for adding, `2L + 1` for copying.
    pub fn time(&self) -> usize {
        match *self {
            Task::Adding { length } => length,
            Task::Copy { length, .. } => 2 * length + 1,
        }
    }

    /// Features per step: value and marker, or one-hot symbols plus blank and delimiter.
    pub fn d_input(&self) -> usize {
        match *self {
            Task::Adding { .. } => 2,
            Task::Copy { symbols, .. } => symbols + 2,
        }
    }

    /// Model outputs per step: one number, or one score per symbol.
    pub fn outputs(&self) -> usize {
        match *self {
            Task::Adding { .. } => 1,
            Task::Copy { symbols, .. } => symbols,
        }
    }

    /// The score of a model that learned nothing: MSE 1/6 for adding (always predicting 1),
    /// accuracy `1 / symbols` for copying.
    pub fn baseline(&self) -> f64 {
        match *self {
            Task::Adding { .. } => 1.0 / 6.0,
            Task::Copy { symbols, .. } => 1.0 / symbols as f64,
        }
    }

    /// `n` random sequences.
    pub fn batch(&self, n: usize, rng: &mut impl Rng) -> Batch {
        let (t, d) = (self.time(), self.d_input());
        let mut x = vec![0.0f32; n * t * d];
        let target = match *self {
            Task::Adding { length } => {
                let half = length / 2;
                let mut sums = Vec::with_capacity(n);
                for seq in x.chunks_mut(t * d) {
                    for step in seq.chunks_mut(d) {
                        step[0] = rng.random::<f32>();
                    }
                    let marks = [rng.random_range(0..half), rng.random_range(half..length)];
                    let mut sum = 0.0;
                    for m in marks {
                        seq[m * d + 1] = 1.0;
                        sum += seq[m * d];
                    }
                    sums.push(sum);
                }
                Target::Values(sums)
            }
            Task::Copy { length, symbols } => {
                let mut classes = Vec::with_capacity(n * length);
                for seq in x.chunks_mut(t * d) {
                    for step in 0..length {
                        let s = rng.random_range(0..symbols);
                        seq[step * d + s] = 1.0;
                        classes.push(s as i64);
                    }
                    // The delimiter, then blanks.
                    seq[length * d + symbols + 1] = 1.0;
                    for step in length + 1..t {
                        seq[step * d + symbols] = 1.0;
                    }
                }
                Target::Classes(classes)
            }
        };
        Batch { x, n, target }
    }
}
