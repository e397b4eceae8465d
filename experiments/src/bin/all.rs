//! Runs every experiment and writes `results/README.md`.
fn main() -> std::process::ExitCode {
    mlnotes::experiment::cli::main_all(&mlnotes_experiments::all())
}
