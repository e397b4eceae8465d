//! `--help` for the benchmark binaries. They run without Cargo's harness, so their arguments are
//! whatever follows `cargo bench --bench NAME --`, after the `--bench` Cargo passes itself.

/// With `-h` or `--help` among the arguments: print what the benchmark `about` measures and its
/// `usage`, and exit successfully, before anything is measured or written.
pub fn help_if_asked(about: &str, usage: &str) {
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        println!("{about}\n\nUsage: {usage}");
        std::process::exit(0);
    }
}
