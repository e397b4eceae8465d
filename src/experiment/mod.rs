//! The experiment API: every topic of the notes is an [`Experiment`] that measures the notes'
//! claims and returns a [`Report`]; [`cli`] turns one (or all) into a binary.
//!
//! ```no_run
//! use mlnotes::experiment::{Context, Experiment, Report, Verdict};
//! struct Hello;
//! impl Experiment for Hello {
//!     fn name(&self) -> &'static str { "hello" }
//!     fn section(&self) -> &'static str { "Machine Learning Overview" }
//!     fn run(&self, ctx: &mut Context) -> mlnotes::Result<Report> {
//!         let mut report = Report::new(self);
//!         report.claim("sum", "1 + 1 = 2", Verdict::within("1 + 1", 1.0 + 1.0, 2.0, 2.0));
//!         Ok(report)
//!     }
//! }
//! ```

mod claim;
pub mod cli;
mod cost_growth;
mod gallery;
mod json;
mod plot;
mod report;
mod workers;

pub use claim::{
    Claim, MIN_SIZES, MIN_TIMING_REPEATS, Verdict, half_iqr, is_slug, mean_se, median, num,
};
pub use gallery::write_gallery;
pub use plot::{ImageGrid, Plot, Series, SeriesStyle};
pub use report::{Report, Table, reproducible};

use std::path::PathBuf;

use burn::tensor::Device;
use indicatif::ProgressBar;

use crate::Result;
use crate::backend::Backend;
use crate::checkpoint::Checkpointing;
use crate::engine::Engine;

/// One topic of the notes, reproduced with measured numbers.
pub trait Experiment {
    /// Short name, also the binary's name (e.g. `"linear-regression"`).
    fn name(&self) -> &'static str;
    /// The heading of the notes it reproduces.
    fn section(&self) -> &'static str;
    /// Measure, and report every claim as held or not held.
    fn run(&self, ctx: &mut Context) -> Result<Report>;
    /// The engines its classical models can be fitted by (`--engine`); native only unless the
    /// experiment says otherwise. Its models take [`Context::engine`].
    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native]
    }
    /// About how many seconds its full run takes on the README's 2-core machine. Runs of many
    /// experiments at once start the longest first; nothing else depends on it.
    fn expected_seconds(&self) -> u32 {
        5
    }
}

/// What an experiment runs with: seed, Burn device, output folder, progress, and size.
pub struct Context {
    /// Seed of every random choice (same seed, same numbers).
    pub seed: u64,
    /// The backend the device belongs to.
    pub backend: Backend,
    /// The Burn device for neural work.
    pub device: Device,
    /// Where the report and plots go (`<out>/<name>/`).
    pub out_dir: PathBuf,
    /// Small sizes for tests; full sizes for users.
    pub quick: bool,
    /// The engine of the classical models (`--engine`), for experiments that offer it.
    pub engine: Engine,
    /// Show progress bars (off in tests).
    pub show_progress: bool,
    /// Where long training loops save checkpoints (`--checkpoint-dir`), and whether they
    /// resume from them (`--resume`).
    pub checkpoints: Option<Checkpoints>,
    /// The experiment running in this context (set by the runner; names checkpoint folders).
    pub experiment: String,
}

/// The checkpoint settings of a run of experiments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoints {
    /// Root folder: each training loop saves under `<dir>/<experiment>/<run>/`.
    pub dir: PathBuf,
    /// Continue each loop from its latest checkpoint.
    pub resume: bool,
}

impl Context {
    /// A context on `backend`, writing under `out_dir`.
    pub fn new(
        backend: Backend,
        seed: u64,
        out_dir: impl Into<PathBuf>,
        quick: bool,
    ) -> Result<Self> {
        Ok(Context {
            seed,
            backend,
            device: backend.device()?,
            out_dir: out_dir.into(),
            quick,
            engine: Engine::Native,
            show_progress: true,
            checkpoints: None,
            experiment: String::new(),
        })
    }

    /// The engine for a model that `supported` engines can fit: the run's engine when it is one
    /// of them, else native (a model the chosen engine does not implement).
    pub fn engine_among(&self, supported: &[Engine]) -> Engine {
        if supported.contains(&self.engine) {
            self.engine
        } else {
            Engine::Native
        }
    }

    /// Checkpointing for the training loop `run` of the current experiment, saving every
    /// `every` steps, when the run was asked to checkpoint (`--checkpoint-dir`): under
    /// `<dir>/<experiment>/<run>-seed<seed>[-quick]/`.
    pub fn checkpointing(&self, run: &str, every: usize) -> Option<Checkpointing> {
        // Folder names from the run's words: letters and digits, other characters as '-'.
        let slug: String = run
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let run = format!(
            "{slug}-seed{}{}",
            self.seed,
            if self.quick { "-quick" } else { "" }
        );
        self.checkpoints.as_ref().map(|c| Checkpointing {
            dir: c.dir.join(&self.experiment).join(run),
            every,
            resume: c.resume,
        })
    }

    /// The seeds of a comparison that depends on randomness: five in full mode, three in
    /// quick mode, starting at the run's seed (a verdict over them is paired by seed).
    pub fn seeds(&self) -> Vec<u64> {
        let n = self.size(5, 3);
        (0..n).map(|r| self.seed.wrapping_add(r)).collect()
    }

    /// Pick the full or the quick value of a size.
    pub fn size<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }

    /// A progress bar over `len` steps (hidden when progress is off or stderr is no terminal).
    pub fn progress(&self, len: u64, message: &str) -> ProgressBar {
        crate::progress::bar(self.show_progress, len, message, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_five_in_full_mode_three_in_quick_and_wrap() {
        let backend = Backend::default_compiled().unwrap();
        let dir = std::env::temp_dir();
        let full = Context::new(backend, 7, &dir, false).unwrap();
        assert_eq!(full.seeds(), vec![7, 8, 9, 10, 11]);
        let mut quick = Context::new(backend, u64::MAX - 1, &dir, true).unwrap();
        assert_eq!(quick.seeds(), vec![u64::MAX - 1, u64::MAX, 0]);
        quick.seed = 0;
        assert_eq!(quick.seeds().len(), 3);
    }
}
