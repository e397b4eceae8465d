//! Many experiments at once, each in a process of its own (`all --jobs N`). An experiment
//! listed twice runs once.
//!
//! Burn's CPU backends draw every random number from one process-wide generator, so training
//! loops of one process take turns at it ([`rng_turn`](crate::backend::rng_turn)) and cannot
//! overlap; separate processes each have their own generator and run side by side. Each child
//! is this same program with the same arguments plus `--worker NAME`: it runs that experiment
//! and writes `<out>/NAME/report.json`, which the parent reads back for the summary. A child's
//! output is printed in one piece when it ends, so neighbours' lines never interleave; the
//! parent's bar shows which experiments are running. The cores are shared out: each child's
//! rayon pool gets cores / jobs threads (at least one) unless `RAYON_NUM_THREADS` is set, so
//! that idle pool threads of one process do not spin on the cores another is computing on (the
//! numbers do not depend on the thread count).

use std::ffi::OsString;
use std::process::{Command, ExitCode, Output, Stdio};
use std::sync::mpsc;

use indicatif::ProgressBar;

use super::cli::{Cli, cores, run_alone};
use super::{Context, Experiment, Report};
use crate::{Error, Result};

/// The child's side: run the experiment named `name` among `experiments` and write its report.
pub(super) fn work(settings: &Cli, name: &str, experiments: &[&dyn Experiment]) -> ExitCode {
    match experiments.iter().find(|e| e.name() == name) {
        Some(experiment) => run_alone(settings, *experiment),
        None => {
            eprintln!("error: no experiment named '{name}' to run as a worker");
            ExitCode::FAILURE
        }
    }
}

/// The indices of `experiments`, the longest ([`Experiment::expected_seconds`]) first, equals
/// in their given order.
fn longest_first(experiments: &[&dyn Experiment]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..experiments.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(experiments[i].expected_seconds()));
    order
}

/// The parent's side: run every experiment in a child process, `jobs` at once, the longest
/// ([`Experiment::expected_seconds`]) first; their results in the order of `experiments`.
pub(super) fn run(
    ctx: &Context,
    experiments: &[&dyn Experiment],
    jobs: usize,
) -> Vec<(&'static str, Result<Report>)> {
    let mut waiting = longest_first(experiments).into_iter();
    let mut results: Vec<Option<Result<Report>>> = experiments.iter().map(|_| None).collect();
    let mut running: Vec<&str> = Vec::new();
    let bar = crate::progress::bar(
        ctx.show_progress,
        experiments.len() as u64,
        "experiments",
        "done",
    );
    // rayon takes a positive RAYON_NUM_THREADS; anything else means its default
    let asked = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0);
    let threads = match asked {
        Some(_) => None,
        None => Some((cores() / jobs).max(1)),
    };
    let (done, finished) = mpsc::channel();
    loop {
        while running.len() < jobs {
            let Some(i) = waiting.next() else { break };
            let name = experiments[i].name();
            match start(name, threads) {
                Ok(child) => {
                    let done = done.clone();
                    std::thread::spawn(move || {
                        let _ = done.send((i, child.wait_with_output()));
                    });
                    running.push(name);
                }
                Err(e) => {
                    bar.suspend(|| eprintln!("error in {name}: {e}"));
                    results[i] = Some(Err(e));
                    bar.inc(1);
                }
            }
        }
        bar.set_message(running.join(", "));
        if running.is_empty() {
            break;
        }
        let Ok((i, output)) = finished.recv() else {
            break; // unreachable: `done` is still held here
        };
        let name = experiments[i].name();
        running.retain(|&r| r != name);
        let result = ended(ctx, name, output, &bar);
        if let Err(e) = &result {
            bar.suspend(|| eprintln!("error in {name}: {e}"));
        }
        results[i] = Some(result);
        bar.inc(1);
    }
    bar.finish_and_clear();
    experiments
        .iter()
        .zip(results)
        .map(|(e, r)| {
            let r = r.unwrap_or_else(|| {
                Err(Error::Experiment {
                    name: e.name().into(),
                    reason: "never started".into(),
                })
            });
            (e.name(), r)
        })
        .collect()
}

/// Start this program again, with its own arguments, as the worker of experiment `name` (on
/// `threads` rayon threads when given).
fn start(name: &str, threads: Option<usize>) -> Result<std::process::Child> {
    let program = std::env::current_exe().map_err(|e| Error::Io {
        path: "the running program (to start an experiment's process)".into(),
        source: e,
    })?;
    // `--worker NAME` goes before a `--` (after it, it would read as more positional names)
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let at = args.iter().position(|a| a == "--").unwrap_or(args.len());
    args.splice(at..at, ["--worker".into(), name.into()]);
    let mut command = Command::new(&program);
    if let Some(n) = threads {
        command.env("RAYON_NUM_THREADS", n.to_string());
    }
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Io {
            path: program,
            source: e,
        })
}

/// What a worker's end means: print its output (above the bar), then read its report if it
/// succeeded.
fn ended(
    ctx: &Context,
    name: &str,
    output: std::io::Result<Output>,
    bar: &ProgressBar,
) -> Result<Report> {
    let output = output.map_err(|e| Error::Experiment {
        name: name.into(),
        reason: format!("waiting for its process: {e}"),
    })?;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    bar.suspend(|| eprint!("{stdout}{stderr}"));
    if !output.status.success() {
        let last = stderr.lines().last().unwrap_or("(no output)");
        return Err(Error::Experiment {
            name: name.into(),
            reason: format!("{}; its last line: {last}", output.status),
        });
    }
    Report::read(&ctx.out_dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An experiment that says how long it takes.
    struct Lasting(&'static str, u32);

    impl Experiment for Lasting {
        fn name(&self) -> &'static str {
            self.0
        }
        fn section(&self) -> &'static str {
            "test"
        }
        fn run(&self, _: &mut Context) -> Result<Report> {
            Ok(Report::new(self))
        }
        fn expected_seconds(&self) -> u32 {
            self.1
        }
    }

    #[test]
    fn the_longest_start_first_and_equals_keep_their_order() {
        let (a, b, c, d) = (
            Lasting("a", 5),
            Lasting("b", 270),
            Lasting("c", 5),
            Lasting("d", 56),
        );
        let experiments: [&dyn Experiment; 4] = [&a, &b, &c, &d];
        assert_eq!(longest_first(&experiments), [1, 3, 0, 2]);
    }
}
