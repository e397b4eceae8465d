//! What an experiment found: claims (held or not), metrics, tables and plots, written as
//! `report.json`, `report.md` and SVG files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::{Experiment, ImageGrid, Plot};
use crate::{Error, Result};

/// A sentence of the notes, the measured evidence, and whether it held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// The notes' claim, in words.
    pub statement: String,
    /// Whether the measurement supports it.
    pub held: bool,
    /// The numbers behind the verdict.
    pub evidence: String,
    /// Whether the verdict rests on wall-clock measurements (which differ between identical
    /// runs); every other claim is decided by the seed alone.
    pub timed: bool,
}

/// A table of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
    pub metrics: BTreeMap<String, f64>,
    /// Wall-clock timings of the run, kept apart from the metrics: they differ between
    /// identical runs, so comparing two runs' metrics compares only what the seed decides.
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
        Report {
            name: experiment.name().into(),
            section: experiment.section().into(),
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

    /// Record a claim of the notes and whether the evidence supports it.
    pub fn claim(&mut self, statement: &str, held: bool, evidence: impl Into<String>) {
        self.claims.push(Claim {
            statement: statement.into(),
            held,
            evidence: evidence.into(),
            timed: false,
        });
    }

    /// Record a claim whose verdict rests on wall-clock measurements.
    pub fn timed_claim(&mut self, statement: &str, held: bool, evidence: impl Into<String>) {
        self.claim(statement, held, evidence);
        if let Some(c) = self.claims.last_mut() {
            c.timed = true;
        }
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

    /// A claim by (a prefix of) its statement.
    pub fn find_claim(&self, prefix: &str) -> Option<&Claim> {
        self.claims.iter().find(|c| c.statement.starts_with(prefix))
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "# {} — {}\n\nEngine `{}`: the classical models it implements are fitted by it, the others natively.\n\n## Claims\n\n| held | claim | evidence |\n|---|---|---|\n",
            self.name, self.section, self.engine
        );
        for c in &self.claims {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                if c.held { "yes" } else { "**no**" },
                c.statement,
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
