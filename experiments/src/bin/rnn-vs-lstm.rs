fn main() -> std::process::ExitCode {
    mlnotes::experiment::cli::main(&mlnotes_experiments::rnn_vs_lstm::RnnVsLstm)
}
