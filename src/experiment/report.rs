//! What an experiment found: claims (held or not), metrics, tables and plots, written as
//! `report.json`, `report.md` and SVG files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Claim, Experiment, ImageGrid, Plot, Verdict};
use crate::{Error, Result};

/// A table of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Caption.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// Whether some cells vary between identical runs: wall-clock measurements, or results of
    /// a wrapped crate that breaks ties in hash-map order (linfa-trees).
    pub timed: bool,
}

impl Table {
    /// An empty table with these headers.
    pub fn new(title: &str, headers: &[&str]) -> Self {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: vec![],
            timed: false,
        }
    }

    /// Mark the table as holding wall-clock measurements, or other cells that vary between
    /// identical runs (builder style).
    pub fn timed(mut self) -> Self {
        self.timed = true;
        self
    }

    /// Append a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn markdown(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "**{}**\n\n| {} |",
            self.title,
            self.headers.join(" | ")
        );
        let _ = writeln!(out, "|{}", "---|".repeat(self.headers.len()));
        for r in &self.rows {
            let _ = writeln!(out, "| {} |", r.join(" | "));
        }
        out.push('\n');
    }
}

/// The part of a `report.json` that the seed alone decides: without the timings and without
/// the claims, tables and plots marked `timed`. Two runs with one seed give equal values,
/// whatever the thread count.
pub fn reproducible(mut report: serde_json::Value) -> serde_json::Value {
    if let Some(object) = report.as_object_mut() {
        object.remove("timings");
        for key in ["claims", "tables", "plots"] {
            if let Some(items) = object.get_mut(key).and_then(|v| v.as_array_mut()) {
                items.retain(|item| item.get("timed") != Some(&serde_json::Value::Bool(true)));
            }
        }
    }
    report
}

/// Everything an experiment measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The experiment's name.
    pub name: String,
    /// The notes' section.
    pub section: String,
    /// The engine asked for its classical models (`--engine`): the models it implements were
    /// fitted by it, the others natively.
    pub engine: crate::engine::Engine,
    /// Claims with verdicts.
    pub claims: Vec<Claim>,
    /// Named scalar results (the same for the same seed).
    #[serde(deserialize_with = "super::json::numbers")]
    pub metrics: BTreeMap<String, f64>,
    /// Wall-clock timings of the run, kept apart from the metrics: they differ between
    /// identical runs, so comparing two runs' metrics compares only what the seed decides.
    #[serde(deserialize_with = "super::json::numbers")]
    pub timings: BTreeMap<String, f64>,
    /// Tables.
    pub tables: Vec<Table>,
    /// Plots (rendered to `<file>` next to the report).
    pub plots: Vec<Plot>,
    /// Image grids (rendered to `<file>` next to the report).
    pub images: Vec<ImageGrid>,
    /// Free-form notes (settings, caveats).
    pub notes: Vec<String>,
}

impl Report {
    /// An empty report for `experiment`.
    pub fn new(experiment: &(impl Experiment + ?Sized)) -> Self {
        Self::named(experiment.name(), experiment.section())
    }

    /// An empty report under `name` for the notes' `section` (the gallery's sections that are
    /// not experiments, and tests).
    pub fn named(name: &str, section: &str) -> Self {
        Report {
            name: name.into(),
            section: section.into(),
            engine: crate::engine::Engine::Native,
            claims: vec![],
            metrics: BTreeMap::new(),
            timings: BTreeMap::new(),
            tables: vec![],
            plots: vec![],
            images: vec![],
            notes: vec![],
        }
    }

    /// Record the notes' claim `statement` under the slug `id`, decided by `verdict`.
    pub fn claim(&mut self, id: &str, statement: &str, verdict: Verdict) {
        self.claims.push(verdict.claim(id, statement));
    }

    /// How many of the claims held.
    pub fn claims_held(&self) -> usize {
        self.claims.iter().filter(|c| c.held).count()
    }

    /// Record a wall-clock timing in seconds (kept out of the metrics).
    pub fn timing(&mut self, name: &str, seconds: f64) {
        self.timings.insert(name.into(), seconds);
    }

    /// Record a named scalar result.
    pub fn metric(&mut self, name: &str, value: f64) {
        self.metrics.insert(name.into(), value);
    }

    /// Add a table.
    pub fn table(&mut self, table: Table) {
        self.tables.push(table);
    }

    /// Add a plot.
    pub fn plot(&mut self, plot: Plot) {
        self.plots.push(plot);
    }

    /// Add an image grid.
    pub fn images(&mut self, grid: ImageGrid) {
        self.images.push(grid);
    }

    /// Add a note.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The claim with this id.
    pub fn claim_by_id(&self, id: &str) -> Option<&Claim> {
        self.claims.iter().find(|c| c.id == id)
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "# {} — {}\n\nEngine `{}`: the classical models it implements are fitted by it, the others natively.\n\n## Claims\n\n| held | id | claim | rule | n | evidence |\n|---|---|---|---|---|---|\n",
            self.name, self.section, self.engine
        );
        for c in &self.claims {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} |",
                if c.held { "yes" } else { "**no**" },
                c.id,
                c.statement,
                c.rule,
                c.n,
                c.evidence
            );
        }
        if !self.metrics.is_empty() {
            out.push_str("\n## Metrics\n\n| metric | value |\n|---|---|\n");
            for (k, v) in &self.metrics {
                let _ = writeln!(out, "| {k} | {v:.6} |");
            }
        }
        if !self.tables.is_empty() {
            out.push_str("\n## Tables\n\n");
            self.tables.iter().for_each(|t| t.markdown(&mut out));
        }
        if !(self.plots.is_empty() && self.images.is_empty()) {
            out.push_str("## Plots\n\n");
            let figures = self.plots.iter().map(|p| (&p.title, &p.file));
            for (title, file) in figures.chain(self.images.iter().map(|g| (&g.title, &g.file))) {
                let _ = writeln!(out, "![{title}]({file})\n");
            }
        }
        if !self.notes.is_empty() {
            out.push_str("## Notes\n\n");
            self.notes.iter().for_each(|n| {
                let _ = writeln!(out, "- {n}");
            });
        }
        out
    }

    /// Read the `report.json` that [`write`](Self::write) left in `dir` (image pixels are not
    /// stored, so image grids come back empty).
    pub fn read(dir: &Path) -> Result<Report> {
        let path = dir.join("report.json");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Write `report.json`, `report.md` and every plot into `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let json = dir.join("report.json");
        std::fs::write(&json, serde_json::to_string_pretty(self)?)
            .map_err(|e| Error::io(&json, e))?;
        let md = dir.join("report.md");
        std::fs::write(&md, self.markdown()).map_err(|e| Error::io(&md, e))?;
        self.plots
            .iter()
            .try_for_each(|p| p.render_svg(&dir.join(&p.file)))?;
        self.images
            .iter()
            .try_for_each(|g| g.render_svg(&dir.join(&g.file)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::{Series, Verdict};

    fn demo() -> Report {
        Report::named("demo", "Demo")
    }

    /// The documented claim schema of `report.json`: every claim object carries `id`,
    /// `statement`, `held`, `evidence`, `rule` and `n`, and a report reads back as written
    /// (NaN numbers included).
    #[test]
    fn report_json_claims_follow_the_schema_and_read_back() {
        let mut r = demo();
        r.claim(
            "gain",
            "A beats B",
            Verdict::paired_gain("accuracy A − B", &[0.9, 0.92, 0.91], &[0.8, 0.8, 0.82], 0.0),
        );
        r.claim("nan", "Not a number", Verdict::at_least("x", f64::NAN, 0.0));
        r.metric("nan", f64::NAN);
        r.plot(
            Plot::new("p.svg", "P", "k", "y")
                .with(Series::line("s", vec![(1.0, f64::NAN), (2.0, 1.0)])),
        );
        let dir = std::env::temp_dir().join(format!("mlnotes-report-{}", std::process::id()));
        r.write(&dir).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap())
                .unwrap();
        for c in json["claims"].as_array().unwrap() {
            for key in ["id", "statement", "held", "evidence", "rule", "n"] {
                assert!(c.get(key).is_some(), "{key} missing in {c}");
            }
        }
        assert_eq!(json["claims"][0]["n"], 3);
        assert_eq!(json["claims"][0]["held"], true);
        let back = Report::read(&dir).unwrap();
        assert_eq!(back.claims[0], r.claims[0]);
        assert!(back.claims[1].effect.is_nan() && back.metrics["nan"].is_nan());
        assert!(back.plots[0].series[0].points[0].1.is_nan());
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(md.contains("| yes | `gain` | A beats B | paired over seeds"));
        std::fs::remove_dir_all(dir).ok();
    }
}
