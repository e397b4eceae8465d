//! Checkpoints: long training loops survive interruption.
//!
//! A loop given [`Checkpointing`] saves its whole state every `every` steps (epochs for
//! [`deep::Trainer`](crate::deep::Trainer), gradient steps for the sequence trainer and the GAN,
//! environment steps for DQN, iterations for policy gradient): the networks' weights and the
//! optimizers' state (Adam's moments and step counter) as Burn burnpack files, and the loop's
//! counters, history and host random generator as JSON. Burn's own generator (dropout masks,
//! GAN noise) cannot be read back, so those loops reseed it at the start of every step from the
//! run's seed and the step number ([`step_seed`]); interrupted or not, step `t` draws the same
//! numbers.
//!
//! A checkpoint is written into a fresh folder, then renamed to `step-<t>`, then named in the
//! file `LATEST` (itself written to a temporary file and renamed): a crash at any moment leaves
//! the previous complete checkpoint as the latest one. With `resume`, a loop continues from
//! `LATEST` (or starts afresh when the folder holds none) and ends with the same model as an
//! uninterrupted run with the same seed.
//!
//! ```no_run
//! use mlnotes::checkpoint::Checkpointing;
//! use mlnotes::sequence::SequenceTrainer;
//! let trainer = SequenceTrainer {
//!     checkpoint: Some(Checkpointing::new("runs/adding", 100).resume(true)),
//!     ..SequenceTrainer::new(2000)
//! };
//! # let _ = trainer;
//! ```

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use rand::SeedableRng;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::persist::write_atomically;
use crate::{Error, Result, validate};

/// The random generator of the training loops: ChaCha12, the algorithm of `rand`'s `StdRng`,
/// whose position can be saved and restored.
pub type LoopRng = rand_chacha::ChaCha12Rng;

/// A loop generator seeded like `StdRng::seed_from_u64(seed)`.
pub fn loop_rng(seed: u64) -> LoopRng {
    LoopRng::seed_from_u64(seed)
}

/// The seed of Burn's generator for step `step` of a run seeded with `seed`.
pub fn step_seed(seed: u64, step: usize) -> u64 {
    crate::estimator::member_seed(seed ^ 0x6275_726E, step as u64)
}

/// Where and how often a training loop saves its state, and whether it resumes from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checkpointing {
    /// Folder of the checkpoints (created when missing).
    pub dir: PathBuf,
    /// Save after every this many steps of the loop (at least 1); the last step is always saved.
    pub every: usize,
    /// Continue from the latest checkpoint in `dir`, if there is one.
    pub resume: bool,
}

impl Checkpointing {
    /// Save into `dir` every `every` steps; start afresh (no resume).
    pub fn new(dir: impl Into<PathBuf>, every: usize) -> Self {
        Checkpointing {
            dir: dir.into(),
            every,
            resume: false,
        }
    }

    /// Whether to continue from the latest checkpoint (builder style).
    pub fn resume(mut self, resume: bool) -> Self {
        self.resume = resume;
        self
    }

    /// Fails unless `every ≥ 1` and `dir` is not empty.
    pub fn check(&self) -> Result<()> {
        validate::at_least(self.every, 1, "checkpoint.every")?;
        if self.dir.as_os_str().is_empty() {
            return Err(Error::config("checkpoint.dir", "must name a folder"));
        }
        Ok(())
    }

    /// The checkpoint to resume from: the latest one when resuming and one exists.
    pub(crate) fn start(&self) -> Result<Option<Snapshot>> {
        if !self.resume {
            return Ok(None);
        }
        let latest = self.dir.join(LATEST);
        let name = match std::fs::read_to_string(&latest) {
            Ok(name) => name,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(latest, e)),
        };
        let name = name.trim();
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::model_file(
                &latest,
                format!("names no checkpoint folder ('{name}')"),
            ));
        }
        Ok(Some(Snapshot {
            dir: self.dir.join(name),
        }))
    }

    /// Whether step `step` of `last` is saved.
    pub(crate) fn due(&self, step: usize, last: usize) -> bool {
        step.is_multiple_of(self.every) || step == last
    }

    /// Saves a checkpoint at `step`: `write` fills a fresh folder, which then becomes the
    /// latest checkpoint; older ones are removed.
    pub(crate) fn save(
        &self,
        step: usize,
        write: impl FnOnce(&Writer) -> Result<()>,
    ) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let name = format!("step-{step:010}");
        let partial = self
            .dir
            .join(format!(".partial-{}-{name}", std::process::id()));
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        }
        std::fs::create_dir(&partial).map_err(|e| Error::io(&partial, e))?;
        write(&Writer { dir: &partial })?;
        let done = self.dir.join(&name);
        if done.exists() {
            std::fs::remove_dir_all(&done).map_err(|e| Error::io(&done, e))?;
        }
        std::fs::rename(&partial, &done).map_err(|e| Error::io(&done, e))?;
        write_atomically(&self.dir.join(LATEST), name.as_bytes())?;
        // Older complete checkpoints are no longer needed (partial ones of crashed runs too).
        let entries = std::fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let other = file_name.to_string_lossy();
            if other != name && (other.starts_with("step-") || other.starts_with(".partial-")) {
                std::fs::remove_dir_all(entry.path()).ok();
            }
        }
        Ok(())
    }
}

/// The file naming the latest complete checkpoint.
const LATEST: &str = "LATEST";

/// Writes the parts of one checkpoint into its folder.
pub(crate) struct Writer<'a> {
    dir: &'a Path,
}

impl Writer<'_> {
    /// A serialisable value as `<name>.json`.
    pub(crate) fn json(&self, name: &str, value: &impl Serialize) -> Result<()> {
        let path = self.dir.join(format!("{name}.json"));
        let text = serde_json::to_string(value).map_err(|e| Error::model_file(&path, e))?;
        write_atomically(&path, text.as_bytes())
    }

    /// A module's weights as `<name>.bpk`.
    pub(crate) fn module<M: Module>(&self, name: &str, module: &M) -> Result<()> {
        let path = self.dir.join(format!("{name}.bpk"));
        module
            .clone()
            .save_file(&path)
            .map_err(|e| Error::model_file(&path, e))
    }

    /// An optimizer's state as `<name>.optim.bpk`.
    pub(crate) fn optimizer(&self, name: &str, optim: &ModuleOptimizer) -> Result<()> {
        let path = self.dir.join(format!("{name}.optim.bpk"));
        optim.save(&path).map_err(|e| Error::model_file(&path, e))
    }
}

/// A saved checkpoint, read part by part.
pub(crate) struct Snapshot {
    dir: PathBuf,
}

impl Snapshot {
    /// The value saved by [`Writer::json`].
    pub(crate) fn json<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        let path = self.dir.join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::model_file(&path, e))
    }

    /// `module` (same architecture) with the weights saved by [`Writer::module`].
    pub(crate) fn module<M: Module>(&self, name: &str, module: M) -> Result<M> {
        let path = self.dir.join(format!("{name}.bpk"));
        module
            .try_load_file(&path)
            .map_err(|e| Error::model_file(&path, e))
    }

    /// `optim` (same configuration) with the state saved by [`Writer::optimizer`]. Load it
    /// after the module it optimises: the state is keyed by the module's parameter ids.
    pub(crate) fn optimizer(&self, name: &str, optim: ModuleOptimizer) -> Result<ModuleOptimizer> {
        let path = self.dir.join(format!("{name}.optim.bpk"));
        if !path.is_file() {
            return Err(Error::model_file(&path, "missing optimizer state"));
        }
        optim.load(&path).map_err(|e| Error::model_file(&path, e))
    }
}

/// The position of a [`LoopRng`], to save and restore it exactly.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RngState {
    seed: [u8; 32],
    stream: u64,
    /// The 128-bit word position, high and low halves.
    word_pos: [u64; 2],
}

impl RngState {
    pub(crate) fn of(rng: &LoopRng) -> Self {
        let pos = rng.get_word_pos();
        RngState {
            seed: rng.get_seed(),
            stream: rng.get_stream(),
            word_pos: [(pos >> 64) as u64, pos as u64],
        }
    }

    pub(crate) fn restore(&self) -> LoopRng {
        let mut rng = LoopRng::from_seed(self.seed);
        rng.set_stream(self.stream);
        rng.set_word_pos((u128::from(self.word_pos[0]) << 64) | u128::from(self.word_pos[1]));
        rng
    }
}

#[cfg(test)]
mod tests;
