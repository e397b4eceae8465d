//! Writes the arrays and folds of the `engines` experiment, so that
//! `scripts/sklearn_engines.py` scores scikit-learn on exactly the same ones:
//! `cargo run --example engine_arrays -p mlnotes-experiments -- DIR`.

use std::io::Write;

use mlnotes::data::{self, Dataset, Target};
use mlnotes_experiments::engines::{classification_sets, folds};

fn write<T: Target + std::fmt::Display>(
    dir: &std::path::Path,
    name: &str,
    d: &Dataset<T>,
) -> mlnotes::Result<()> {
    let slug = name.replace(' ', "_");
    let path = dir.join(format!("{slug}.csv"));
    let mut out = std::fs::File::create(&path).map_err(|e| mlnotes::Error::io(&path, e))?;
    for (row, y) in d.features().rows().into_iter().zip(d.targets()) {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:e}")).collect();
        writeln!(out, "{},{y}", cells.join(",")).map_err(|e| mlnotes::Error::io(&path, e))?;
    }
    let tests: Vec<Vec<usize>> = folds(d)?.into_iter().map(|f| f.test).collect();
    let path = dir.join(format!("{slug}.folds.json"));
    std::fs::write(&path, serde_json::to_string(&tests)?)
        .map_err(|e| mlnotes::Error::io(&path, e))?;
    Ok(())
}

fn main() -> mlnotes::Result<()> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "engine-arrays".into()),
    );
    std::fs::create_dir_all(&dir).map_err(|e| mlnotes::Error::io(&dir, e))?;
    for (name, d) in classification_sets(false) {
        write(&dir, name, &d)?;
    }
    write(&dir, "diabetes", &data::diabetes())?;
    println!("wrote {}", dir.display());
    Ok(())
}
