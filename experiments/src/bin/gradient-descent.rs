fn main() -> std::process::ExitCode {
    mlnotes::experiment::cli::main(&mlnotes_experiments::gradient_descent::GradientDescentVariants)
}
