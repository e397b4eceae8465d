fn main() -> std::process::ExitCode {
    mlnotes::experiment::cli::main(
        &mlnotes_experiments::model_selection_strategy::ModelSelectionStrategy,
    )
}
