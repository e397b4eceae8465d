fn main() -> std::process::ExitCode {
    mlnotes::experiment::cli::main(&mlnotes_experiments::batch_norm_dropout::BatchNormDropout)
}
