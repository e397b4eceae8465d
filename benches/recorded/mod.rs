//! Recording a benchmark's measurements as data in the repository (`benches/measured/`), where
//! the gallery that `all` writes draws them (`mlnotes::experiment::cost_growth`), next to the
//! reference library's numbers that its Python script records in the same format.

use std::path::PathBuf;

/// What made a recording: `who` (the label the gallery shows), then the command, the build
/// (mlnotes' version and the Burn backends compiled in) and the processor.
pub fn provenance(who: &str, command: &str) -> String {
    let backends: Vec<&str> = [
        ("flex", cfg!(feature = "flex")),
        ("ndarray", cfg!(feature = "ndarray")),
        ("wgpu", cfg!(feature = "wgpu")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown processor".into());
    format!(
        "{who}: {command} (mlnotes {}, release, backends compiled: {}; {cpu}, {} threads)",
        env!("CARGO_PKG_VERSION"),
        backends.join(", "),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    )
}

/// Write `benches/measured/<file>`: a `#` line with the `provenance`, the CSV `header`, then
/// `rows`. Says where it wrote (or why it did not) on standard error. A debug build (`cargo
/// test --benches`) records nothing: its times are not the benchmark's.
pub fn record(file: &str, provenance: &str, header: &str, rows: &[String]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("benches/measured")
        .join(file);
    if cfg!(debug_assertions) {
        eprintln!("not recording {} from a debug build", path.display());
        return;
    }
    let text = format!("# {provenance}\n{header}\n{}\n", rows.join("\n"));
    match std::fs::write(&path, text) {
        Ok(()) => eprintln!("recorded {}", path.display()),
        Err(e) => eprintln!("could not record {}: {e}", path.display()),
    }
}
