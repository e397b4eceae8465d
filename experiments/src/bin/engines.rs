fn main() -> std::process::ExitCode {
    mlnotes::experiment::cli::main(&mlnotes_experiments::engines::Engines)
}
