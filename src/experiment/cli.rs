//! The command line shared by every experiment binary: `--backend`, `--seed`, `--out`,
//! `--quick`. [`main`] runs one experiment; [`main_all`] runs many (`--jobs` of them at once,
//! each in a process of its own) and writes a summary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use super::{Checkpoints, Context, Experiment, Report, workers};
use crate::backend::Backend;
use crate::engine::Engine;
use crate::{Error, Result};

/// Options of every experiment binary.
#[derive(Debug, Clone, Parser)]
pub struct Cli {
    /// Burn backend for neural work: flex, ndarray or wgpu (among those compiled in)
    #[arg(long, value_parser = parse_backend)]
    pub backend: Option<Backend>,
    /// Seed of every random choice
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder; each experiment writes `<out>/<name>/report.{json,md}` and plots
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Small sizes (seconds, as in the tests) instead of the full experiment
    #[arg(long)]
    pub quick: bool,
    /// Save the state of long training loops under this folder (one subfolder per loop),
    /// so that an interrupted run can continue with --resume
    #[arg(long)]
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue every training loop from its latest checkpoint in --checkpoint-dir
    #[arg(long, requires = "checkpoint_dir")]
    pub resume: bool,
    /// Engine of the classical models: native, linfa or smartcore (experiments that offer
    /// it; with `all`, the others run native)
    #[arg(long, default_value = "native", value_parser = parse_engine)]
    pub engine: Engine,
}

fn parse_engine(s: &str) -> Result<Engine, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

fn parse_backend(s: &str) -> Result<Backend, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

/// Options of the binaries that run many experiments (`all`, `mlnotes experiments`): every
/// experiment binary's, and how many experiments run at once.
#[derive(Debug, Clone, Parser)]
pub struct AllCli {
    /// The settings every experiment runs with.
    #[command(flatten)]
    pub settings: Cli,
    /// Experiments run at once, each in a process of its own, longest first [default: the
    /// machine's cores, at most 4]; 1 runs them one after another in this process. The numbers
    /// do not depend on it; timings do (neighbours share the cores, caches and memory)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: Option<u32>,
    /// Run only the experiment of this name and write its report, without the summary (how
    /// `--jobs` starts each experiment's process)
    #[arg(long, hide = true)]
    pub worker: Option<String>,
}

impl AllCli {
    /// The number of experiments to run at once: `--jobs`, else the cores available, at most
    /// [`DEFAULT_JOBS_LIMIT`].
    pub fn jobs(&self) -> usize {
        match self.jobs {
            Some(n) => n as usize,
            None => cores().min(DEFAULT_JOBS_LIMIT),
        }
    }
}

/// The default `--jobs` stops at 4 experiments at once: beyond that the longest experiment
/// alone bounds the run, and more processes only add memory.
pub const DEFAULT_JOBS_LIMIT: usize = 4;

/// The cores this process may use (1 where unknown).
pub(super) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Parse the process arguments, with `name` and `about` in `--help`.
fn parse_for<P: Parser>(name: &'static str, about: String) -> P {
    let matches = P::command().name(name).about(about).get_matches();
    match P::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    }
}

impl Cli {
    /// The context for one experiment.
    pub fn context(&self) -> Result<Context> {
        let backend = match self.backend {
            Some(b) => b,
            None => Backend::default_compiled()?,
        };
        let mut ctx = Context::new(backend, self.seed, &self.out, self.quick)?;
        ctx.engine = self.engine;
        ctx.checkpoints = self.checkpoint_dir.as_ref().map(|dir| Checkpoints {
            dir: dir.clone(),
            resume: self.resume,
        });
        Ok(ctx)
    }
}

/// Run `experiment` in `ctx`, write its report under `ctx.out_dir/<name>/`, print a summary.
pub fn run_one(experiment: &dyn Experiment, ctx: &mut Context) -> Result<Report> {
    let start = Instant::now();
    eprintln!(
        "== {} ({}), backend {}, engine {}, seed {}{}",
        experiment.name(),
        experiment.section(),
        ctx.backend,
        ctx.engine_among(experiment.engines()),
        ctx.seed,
        if ctx.quick { ", quick" } else { "" }
    );
    ctx.experiment = experiment.name().to_string();
    // an engine the experiment does not offer runs its models natively (`all`)
    let asked = ctx.engine;
    ctx.engine = ctx.engine_among(experiment.engines());
    let result = experiment.run(ctx);
    let engine = std::mem::replace(&mut ctx.engine, asked);
    let mut report = result?;
    report.engine = engine;
    report.timing("wall_seconds", start.elapsed().as_secs_f64());
    let dir = ctx.out_dir.join(experiment.name());
    report.write(&dir)?;
    for c in &report.claims {
        eprintln!(
            "  [{}] {} — {}",
            if c.held { "held" } else { "NOT HELD" },
            c.statement,
            c.evidence
        );
    }
    eprintln!("  report: {}", dir.join("report.md").display());
    Ok(report)
}

/// `main` of a one-experiment binary.
pub fn main(experiment: &dyn Experiment) -> ExitCode {
    crate::memory::keep_freed_memory();
    let cli: Cli = parse_for(
        experiment.name(),
        format!(
            "Reproduces the notes' section \"{}\" with measured numbers, tables and plots.",
            experiment.section()
        ),
    );
    let offered = experiment.engines();
    if !offered.contains(&cli.engine) {
        let names: Vec<&str> = offered.iter().map(|e| e.name()).collect();
        eprintln!(
            "error: {} runs on engine {}, not {}",
            experiment.name(),
            names.join(", "),
            cli.engine
        );
        return ExitCode::FAILURE;
    }
    run_alone(&cli, experiment)
}

/// Run `experiment` alone with `settings` and write its report: the exit status, and the error
/// on one line (a one-experiment binary, and each process of `--jobs`).
pub(super) fn run_alone(settings: &Cli, experiment: &dyn Experiment) -> ExitCode {
    match settings
        .context()
        .and_then(|mut ctx| run_one(experiment, &mut ctx))
    {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `main` of the `all` binary: run every experiment, then write `<out>/README.md` with each
/// claim's verdict and the HTML gallery `<out>/index.html`. A failing experiment is reported and the others still run.
pub fn main_all(experiments: &[&dyn Experiment]) -> ExitCode {
    crate::memory::keep_freed_memory();
    let cli: AllCli = parse_for(
        "all",
        "Runs every experiment of mlnotes and writes a summary of every claim (held / not held)."
            .into(),
    );
    run_all(&cli, experiments)
}

/// Run `experiments` with the settings of `cli`, `cli.jobs()` at once, then write the summary
/// and the gallery (the `all` binary, and `mlnotes experiments`). With `--worker NAME`, run
/// only that experiment and write only its report.
pub fn run_all(cli: &AllCli, experiments: &[&dyn Experiment]) -> ExitCode {
    let settings = &cli.settings;
    if let Some(name) = &cli.worker {
        return workers::work(settings, name, experiments);
    }
    let mut ctx = match settings.context() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // each experiment once (two runs of one would write the same folder)
    let mut seen = std::collections::BTreeSet::new();
    let experiments: Vec<&dyn Experiment> = experiments
        .iter()
        .copied()
        .filter(|e| seen.insert(e.name()))
        .collect();
    let experiments = experiments.as_slice();
    let jobs = cli.jobs().min(experiments.len());
    let results = if jobs > 1 {
        workers::run(&ctx, experiments, jobs)
    } else {
        experiments
            .iter()
            .map(|exp| {
                let r = run_one(*exp, &mut ctx);
                if let Err(e) = &r {
                    eprintln!("error in {}: {e}", exp.name());
                }
                (exp.name(), r)
            })
            .collect()
    };
    match write_summary(&ctx.out_dir, &results) {
        Ok(path) => eprintln!("summary: {}", path.display()),
        Err(e) => eprintln!("error writing summary: {e}"),
    }
    match super::write_gallery(&ctx.out_dir, &results) {
        Ok(path) => eprintln!("gallery: {}", path.display()),
        Err(e) => eprintln!("error writing the gallery: {e}"),
    }
    if results.iter().all(|(_, r)| r.is_ok()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Write `<out>/README.md`: one section per experiment with its claims.
pub fn write_summary(out: &Path, results: &[(&str, Result<Report>)]) -> Result<PathBuf> {
    let mut md = String::from(
        "# mlnotes results\n\nEvery claim of the notes that an experiment measured, the rule that decided it over how many measurements (n), and whether it held, with the engine of the classical models that decided it.\n\n| experiment | section | engine | claims | held | not held |\n|---|---|---|---|---|---|\n",
    );
    for (name, r) in results {
        match r {
            Ok(rep) => {
                let held = rep.claims_held();
                let _ = writeln!(
                    md,
                    "| [{name}]({name}/report.md) | {} | {} | {} | {held} | {} |",
                    rep.section,
                    rep.engine,
                    rep.claims.len(),
                    rep.claims.len() - held
                );
            }
            Err(e) => {
                let _ = writeln!(md, "| {name} | failed: {e} | | | | |");
            }
        }
    }
    for (name, r) in results {
        if let Ok(rep) = r {
            let _ = writeln!(md, "\n## {name}\n");
            for c in &rep.claims {
                let _ = writeln!(
                    md,
                    "- {} {} (`{}`)\n  - rule: {} (n = {})\n  - evidence: {} (engine {})",
                    if c.held { "held:" } else { "**NOT held:**" },
                    c.statement,
                    c.id,
                    c.rule,
                    c.n,
                    c.evidence,
                    rep.engine
                );
            }
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let path = out.join("README.md");
    std::fs::write(&path, md).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_take_the_flag_else_the_cores_at_most_four() {
        let parse = |args: &[&str]| {
            AllCli::try_parse_from(std::iter::once("all").chain(args.iter().copied()))
        };
        assert_eq!(parse(&["--jobs", "3"]).unwrap().jobs(), 3);
        let default = parse(&[]).unwrap().jobs();
        assert!((1..=DEFAULT_JOBS_LIMIT).contains(&default) && default <= cores());
        for bad in ["0", "65", "two"] {
            assert!(parse(&["--jobs", bad]).is_err(), "--jobs {bad}");
        }
    }
}
