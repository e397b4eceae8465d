//! Loading a large numeric CSV: a 1 000 000 x 20 file of features and a target (about
//! 190 MB, written once to the temporary folder) read by `CsvLoader::regression_from_path`.
//! Reports MB/s and rows/s (median of 3 loads) and the process's peak memory against the size
//! of the matrix. `python3 benches/csv_reference.py` times pandas' C parser on the same file.
//! Run: `cargo bench --bench csv` (`-- 100000` for a smaller file).

mod usage;

use std::io::Write;
use std::time::Instant;

use mlnotes::data::csv::CsvLoader;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FEATURES: usize = 20;

/// The process's peak resident memory in MB (Linux), if known.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Write `rows` rows of 20 features and a target, streamed to disk.
fn write(path: &std::path::Path, rows: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let names: Vec<String> = (0..FEATURES).map(|j| format!("x{j}")).collect();
    writeln!(out, "{},y", names.join(","))?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut line = String::with_capacity(256);
    for _ in 0..rows {
        line.clear();
        let mut y = 0.0;
        for j in 0..FEATURES {
            let v: f64 = rng.random_range(-100.0..100.0);
            y += v * (j as f64 + 1.0);
            line.push_str(&format!("{v:.4},"));
        }
        line.push_str(&format!("{y:.3}\n"));
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

fn main() {
    usage::help_if_asked(
        "Loading a large numeric CSV (ROWS x 20, written once to the temporary folder) with \
         CsvLoader: MB/s, rows/s and peak memory; `python3 benches/csv_reference.py` times pandas.",
        "cargo bench --bench csv [-- ROWS]\n\x20 ROWS: rows of the file (default 1000000)",
    );
    mlnotes::memory::keep_freed_memory();
    let rows: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let path = std::env::temp_dir().join(format!("mlnotes-bench-{rows}x{FEATURES}.csv"));
    if !path.is_file() {
        write(&path, rows).expect("write the benchmark file");
    }
    let bytes = std::fs::metadata(&path).expect("the file").len() as f64;
    let before = peak_mb().unwrap_or(0.0);
    let mut seconds = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let data = CsvLoader::new("y")
            .regression_from_path(&path)
            .expect("load");
        seconds.push(start.elapsed().as_secs_f64());
        assert_eq!(data.features().dim(), (rows, FEATURES));
    }
    seconds.sort_by(f64::total_cmp);
    let median = seconds[1];
    let matrix_mb = (rows * (FEATURES + 1) * 8) as f64 / 1e6 / 1.048_576;
    println!(
        "CSV {rows} x {FEATURES} + target, {:.0} MB: {:.1} MB/s, {:.0} rows/s (median of 3, {:.2} s)",
        bytes / 1e6,
        bytes / 1e6 / median,
        rows as f64 / median,
        median
    );
    if let Some(peak) = peak_mb() {
        println!(
            "peak memory {peak:.0} MiB (before loading {before:.0} MiB); the matrix and target \
             are {matrix_mb:.0} MiB, the text {:.0} MiB",
            bytes / 1_048_576.0
        );
    }
}
