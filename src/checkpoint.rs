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

    /// The checkpoint to resume from: the latest one in `dir` when resuming, if there is one,
    /// after checking that it was saved by the same run (`run`: the loop, its settings and a
    /// fingerprint of its data; see [`run_id`]). A fresh start (`resume: false`) forgets the
    /// folder's latest checkpoint, so that a later resume cannot pick up an older run's.
    pub(crate) fn start(&self, run: &serde_json::Value) -> Result<Option<Snapshot>> {
        let latest = self.dir.join(LATEST);
        if !self.resume {
            return match std::fs::remove_file(&latest) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(latest, e)),
                _ => Ok(None),
            };
        }
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
        let snapshot = Snapshot {
            dir: self.dir.join(name),
        };
        let saved: serde_json::Value = snapshot.json(RUN)?;
        if let Some(path) = first_difference(&saved, run, String::new()) {
            return Err(Error::config(
                "checkpoint",
                format!(
                    "{} was saved by another run (it differs at {path}); resume with the same \
                     settings and data, or start afresh",
                    snapshot.dir.display()
                ),
            ));
        }
        Ok(Some(snapshot))
    }

    /// Whether step `step` of `last` is saved.
    pub(crate) fn due(&self, step: usize, last: usize) -> bool {
        step.is_multiple_of(self.every) || step == last
    }

    /// Saves a checkpoint of run `run` at `step`: `write` fills a fresh folder, whose files are
    /// then flushed to disk; the folder gets its final (unique) name and only then becomes the
    /// latest checkpoint. Older checkpoints of this folder are removed after that.
    pub(crate) fn save(
        &self,
        step: usize,
        run: &serde_json::Value,
        write: impl FnOnce(&Writer) -> Result<()>,
    ) -> Result<()> {
        static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let unique = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |e| Error::io(path, e)
        };
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let name = format!("step-{step:010}-{}-{unique}", std::process::id());
        let partial = self.dir.join(format!("{PARTIAL}{name}"));
        std::fs::create_dir(&partial).map_err(io(&partial))?;
        let writer = Writer { dir: &partial };
        writer.json(RUN, run)?;
        write(&writer)?;
        // Every file on disk before the folder is named: a crash cannot leave a named
        // checkpoint with truncated files.
        for entry in std::fs::read_dir(&partial).map_err(io(&partial))?.flatten() {
            std::fs::File::open(entry.path())
                .and_then(|f| f.sync_all())
                .map_err(io(&entry.path()))?;
        }
        sync_dir(&partial)?;
        let done = self.dir.join(&name);
        std::fs::rename(&partial, &done).map_err(io(&done))?;
        sync_dir(&self.dir)?;
        write_atomically(&self.dir.join(LATEST), name.as_bytes())?;
        sync_dir(&self.dir)?;
        // The older checkpoints (and this process's abandoned partial folders) can go.
        let own_partial = format!("{PARTIAL}step-");
        for entry in std::fs::read_dir(&self.dir)
            .map_err(io(&self.dir))?
            .flatten()
        {
            let file_name = entry.file_name();
            let other = file_name.to_string_lossy();
            let own = other.starts_with(&own_partial)
                && other.contains(&format!("-{}-", std::process::id()));
            if other != name && (other.starts_with("step-") || own) {
                std::fs::remove_dir_all(entry.path()).ok();
            }
        }
        Ok(())
    }
}

/// Flushes a folder's entries (names) to disk, where the platform allows it.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The path of the first place where two JSON values differ, if any.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .keys()
            .chain(y.keys().filter(|k| !x.contains_key(*k)))
            .find_map(|k| match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) => first_difference(u, v, format!("{path}.{k}")),
                _ => Some(format!("{path}.{k}")),
            }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(u, v, format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(if path.is_empty() { ".".into() } else { path }),
    }
}

/// The checkpoint a loop resumes from, when it checkpoints at all (see [`Checkpointing::start`]).
pub(crate) fn resume_point(
    checkpoint: Option<&Checkpointing>,
    run: &serde_json::Value,
) -> Result<Option<Snapshot>> {
    checkpoint.map_or(Ok(None), |c| c.start(run))
}

/// Saves a checkpoint of step `step` when the loop checkpoints and the step is due (every
/// `every` steps, and the loop's `last`).
pub(crate) fn save_if_due(
    checkpoint: Option<&Checkpointing>,
    step: usize,
    last: usize,
    run: &serde_json::Value,
    write: impl FnOnce(&Writer) -> Result<()>,
) -> Result<()> {
    match checkpoint {
        Some(c) if c.due(step, last) => c.save(step, run, write),
        _ => Ok(()),
    }
}

/// What identifies a run, for [`Checkpointing::start`]: the loop, its hyperparameters (without
/// the checkpoint settings and the progress display) and a fingerprint of its data.
pub(crate) fn run_id(kind: &str, params: &impl Serialize, data: u64) -> Result<serde_json::Value> {
    let mut params = serde_json::to_value(params).map_err(|e| Error::invalid(e.to_string()))?;
    if let Some(object) = params.as_object_mut() {
        object.remove("checkpoint");
        object.remove("progress");
    }
    Ok(serde_json::json!({ "loop": kind, "params": params, "data": format!("{data:016x}") }))
}

/// FNV-1a over the bits of some numbers: a fingerprint of a run's data.
pub(crate) fn fingerprint(values: impl IntoIterator<Item = f64>) -> u64 {
    values.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, v| {
        v.to_bits()
            .to_le_bytes()
            .iter()
            .fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    })
}

/// The file, inside a checkpoint, identifying its run.
const RUN: &str = "run";

/// Prefix of a checkpoint folder still being written.
const PARTIAL: &str = ".partial-";

/// The file naming the latest complete checkpoint.
const LATEST: &str = "LATEST";

/// Writes the parts of one checkpoint into its folder.
pub(crate) struct Writer<'a> {
    dir: &'a Path,
}

impl Writer<'_> {
    /// A serialisable value as `<name>.json`; one JSON cannot hold (NaN or infinite numbers,
    /// which it would write as `null`) is an error now rather than an unreadable checkpoint.
    pub(crate) fn json<T: Serialize + DeserializeOwned>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<()> {
        let path = self.dir.join(format!("{name}.json"));
        let text = serde_json::to_string(value).map_err(|e| Error::model_file(&path, e))?;
        serde_json::from_str::<T>(&text).map_err(|_| {
            Error::model_file(
                &path,
                "the state holds NaN or infinite numbers, which JSON cannot store",
            )
        })?;
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
    /// A checkpoint whose saved state is inconsistent (a corrupt or edited file).
    pub(crate) fn invalid(&self, reason: impl std::fmt::Display) -> Error {
        Error::model_file(&self.dir, format!("inconsistent checkpoint: {reason}"))
    }

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
