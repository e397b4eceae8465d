//! The command line shared by every experiment binary: `--backend`, `--seed`, `--out`,
//! `--quick`. [`main`] runs one experiment; [`main_all`] runs many and writes a summary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{CommandFactory, FromArgMatches, Parser};

use super::{Checkpoints, Context, Experiment, Report};
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

impl Cli {
    /// Parse the process arguments, with `name` and `about` in `--help`.
    pub fn parse_for(name: &'static str, about: String) -> Self {
        let matches = Cli::command().name(name).about(about).get_matches();
        match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(e) => e.exit(),
        }
    }

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
    let cli = Cli::parse_for(
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
    let result = cli
        .context()
        .and_then(|mut ctx| run_one(experiment, &mut ctx));
    match result {
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
    let cli = Cli::parse_for(
        "all",
        "Runs every experiment of mlnotes and writes a summary of every claim (held / not held)."
            .into(),
    );
    run_all(&cli, experiments)
}

/// Run `experiments` with the settings of `cli`, then write the summary and the gallery (the
/// `all` binary, and `mlnotes experiments`).
pub fn run_all(cli: &Cli, experiments: &[&dyn Experiment]) -> ExitCode {
    let mut ctx = match cli.context() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut results = Vec::new();
    for exp in experiments {
        let r = run_one(*exp, &mut ctx);
        if let Err(e) = &r {
            eprintln!("error in {}: {e}", exp.name());
        }
        results.push((exp.name(), r));
    }
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
