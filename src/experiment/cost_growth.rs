//! Cost growth in the gallery: how each classical family's fit time grows with the number of
//! rows, and how the MLP's training throughput grows with the batch and the width, for mlnotes
//! beside scikit-learn and PyTorch on the same shapes.
//!
//! These are not measured by `all` (minutes of timing at up to 10⁶ rows would double its run):
//! they are the runs the benchmarks recorded in `benches/measured/` (`cargo bench --bench
//! scaling` and `python3 benches/sklearn_scaling.py`; `cargo bench --bench backends -- sweep`
//! and `python3 benches/pytorch_reference.py`), embedded when the library is built, each file
//! saying on its first line what made it. The exponent `b` of `time ≈ a·nᵇ` is fitted as the
//! benchmark fits it: least squares on log-log axes over the sizes that took at least 1 ms.

use super::{Plot, Report, Series, Table, num};
use crate::{Error, Result};

/// One recorded run: where it is, and its text.
struct Source {
    path: &'static str,
    text: &'static str,
}

macro_rules! recorded {
    ($file:literal) => {
        Source {
            path: concat!("benches/measured/", $file),
            text: include_str!(concat!("../../benches/measured/", $file)),
        }
    };
}

/// A recorded run parsed: what made it (its `#` line) and its rows.
struct Run<T> {
    provenance: String,
    rows: Vec<T>,
}

impl<T> Run<T> {
    /// Who measured: the provenance before its `:` (`scikit-learn 1.9.1`).
    fn label(&self) -> &str {
        self.provenance.split(':').next().unwrap_or_default().trim()
    }
}

/// One fit time of the scaling benchmarks.
#[derive(Debug, Clone, PartialEq)]
struct FitTime {
    family: String,
    rows: usize,
    seconds: f64,
}

/// One training throughput of the MLP sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Throughput {
    batch: usize,
    width: usize,
    samples_per_s: f64,
}

/// Parse a recorded CSV: `#` lines (the first is the provenance), the header `header`, then
/// rows of as many fields, each turned into a `T` by `row` (which names the field it could not
/// read).
fn parse<T>(
    source: &Source,
    header: &str,
    row: impl Fn(&[&str]) -> std::result::Result<T, String>,
) -> Result<Run<T>> {
    let error = |line: usize, reason: String| Error::Csv {
        line: line as u64,
        reason: format!("{}: {reason}", source.path),
    };
    let mut provenance = None;
    let mut rows = Vec::new();
    let mut saw_header = false;
    for (i, line) in source.text.lines().enumerate() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            provenance.get_or_insert_with(|| comment.trim().to_string());
        } else if line.is_empty() {
            continue;
        } else if !saw_header {
            if line != header {
                return Err(error(
                    i + 1,
                    format!("header `{line}`, expected `{header}`"),
                ));
            }
            saw_header = true;
        } else {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let expected = header.split(',').count();
            if fields.len() != expected {
                let got = fields.len();
                return Err(error(i + 1, format!("{got} fields, expected {expected}")));
            }
            rows.push(row(&fields).map_err(|reason| error(i + 1, reason))?);
        }
    }
    if rows.is_empty() {
        return Err(error(1, "no measurements".into()));
    }
    Ok(Run {
        provenance: provenance.unwrap_or_else(|| "(no provenance line)".into()),
        rows,
    })
}

/// A field as a positive finite number.
fn positive(value: &str, name: &str) -> std::result::Result<f64, String> {
    match value.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("`{name}` is `{value}`, not a positive number")),
    }
}

/// A field as a positive count.
fn count(value: &str, name: &str) -> std::result::Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "`{name}` is `{value}`, not a positive whole number"
        )),
    }
}

fn fit_times(source: &Source) -> Result<Run<FitTime>> {
    parse(source, "family,rows,seconds", |f| {
        // The key names a figure's file: lower-case letters, digits and dashes only.
        let key = f[0];
        let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if key.is_empty() || !key.chars().all(plain) {
            return Err(format!("`family` is `{key}`, not a key of a-z, 0-9 and -"));
        }
        Ok(FitTime {
            family: key.to_string(),
            rows: count(f[1], "rows")?,
            seconds: positive(f[2], "seconds")?,
        })
    })
}

fn throughputs(source: &Source) -> Result<Run<Throughput>> {
    parse(source, "batch,width,samples_per_s", |f| {
        Ok(Throughput {
            batch: count(f[0], "batch")?,
            width: count(f[1], "width")?,
            samples_per_s: positive(f[2], "samples_per_s")?,
        })
    })
}

/// `(rows, seconds)` of `family` in a run, in order of rows.
fn points(run: &Run<FitTime>, family: &str) -> Vec<(usize, f64)> {
    let mut p: Vec<(usize, f64)> = run
        .rows
        .iter()
        .filter(|r| r.family == family)
        .map(|r| (r.rows, r.seconds))
        .collect();
    p.sort_by_key(|&(n, _)| n);
    p
}

/// The families of a run, in the order first seen.
fn families(run: &Run<FitTime>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for r in &run.rows {
        if !seen.contains(&r.family) {
            seen.push(r.family.clone());
        }
    }
    seen
}

fn seconds_cells(points: &[(usize, f64)], sizes: &[usize]) -> String {
    sizes
        .iter()
        .map(|n| {
            points
                .iter()
                .find(|p| p.0 == *n)
                .map_or("—".into(), |p| num(p.1))
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The exponent `b` of `time ≈ a·nᵇ` as the benchmark fits it (sizes of 1 ms or more).
fn exponent_cell(points: &[(usize, f64)]) -> String {
    crate::metrics::cost_exponent(points, 0.001).map_or("—".into(), |b| format!("{b:.2}"))
}

/// Fit time against rows per family, ours beside the reference: a table and one log-log plot
/// per family.
fn classical(report: &mut Report, ours: &Run<FitTime>, theirs: &Run<FitTime>) {
    let mut sizes: Vec<usize> = ours.rows.iter().map(|r| r.rows).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let sizes_label = sizes
        .iter()
        .map(|n| format!("10^{}", (*n as f64).log10().round()))
        .collect::<Vec<_>>()
        .join(" / ");
    let mut table = Table::new(
        "Fit seconds against rows (10 features), and the exponent b of time ≈ a·n^b",
        &[
            "family",
            &format!("{} {sizes_label} s", ours.label()),
            "b",
            &format!("{} {sizes_label} s", theirs.label()),
            "b",
        ],
    );
    for family in families(ours) {
        let (mine, reference) = (points(ours, &family), points(theirs, &family));
        table.row(vec![
            family.clone(),
            seconds_cells(&mine, &sizes),
            exponent_cell(&mine),
            seconds_cells(&reference, &sizes),
            exponent_cell(&reference),
        ]);
        let log = |p: &[(usize, f64)]| -> Vec<(f64, f64)> {
            p.iter()
                .map(|&(n, t)| ((n as f64).log10(), t.log10()))
                .collect()
        };
        let mut plot = Plot::new(
            &format!("scaling-{family}.svg"),
            &format!("{family}: fit time against rows (one recorded run each)"),
            "log10 rows",
            "log10 fit time (s)",
        )
        .with(Series::line(ours.label(), log(&mine)));
        if !reference.is_empty() {
            plot = plot.with(Series::line(theirs.label(), log(&reference)));
        }
        report.plot(plot);
    }
    report.table(table);
    report.note(format!(
        "Fit times recorded by `{}` and by `{}`.",
        ours.provenance, theirs.provenance
    ));
}

/// The MLP's training throughput against the batch (width 256) and the width (batch 64), flex
/// beside PyTorch: a table and two plots.
fn neural(report: &mut Report, flex: &Run<Throughput>, torch: &Run<Throughput>) {
    let mut table = Table::new(
        "MLP 64-w-w-10 training throughput (Adam), samples/s",
        &[
            "batch",
            "width w",
            flex.label(),
            torch.label(),
            &format!("{} / {}", flex.label(), torch.label()),
        ],
    );
    for r in &flex.rows {
        let other = torch
            .rows
            .iter()
            .find(|o| o.batch == r.batch && o.width == r.width);
        table.row(vec![
            r.batch.to_string(),
            r.width.to_string(),
            format!("{:.0}", r.samples_per_s),
            other.map_or("—".into(), |o| format!("{:.0}", o.samples_per_s)),
            other.map_or("—".into(), |o| {
                format!("{:.2}x", r.samples_per_s / o.samples_per_s)
            }),
        ]);
    }
    report.table(table);
    // (what varies, its value in a row, the row kept fixed at)
    type Axis = (
        &'static str,
        fn(&Throughput) -> usize,
        fn(&Throughput) -> bool,
    );
    let axes: [Axis; 2] = [
        ("batch size", |r| r.batch, |r| r.width == 256),
        ("width", |r| r.width, |r| r.batch == 64),
    ];
    for (name, x, fixed) in axes {
        let curve = |run: &Run<Throughput>| -> Vec<(f64, f64)> {
            let mut p: Vec<(f64, f64)> = run
                .rows
                .iter()
                .filter(|r| fixed(r))
                .map(|r| ((x(r) as f64).log2(), r.samples_per_s / 1000.0))
                .collect();
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            p
        };
        let plot = Plot::new(
            &format!("mlp-throughput-{}.svg", name.replace(' ', "-")),
            &format!("MLP training throughput against {name} (one recorded run each)"),
            &format!("log2 {name}"),
            "thousand samples/s",
        )
        .with(Series::line(flex.label(), curve(flex)))
        .with(Series::line(torch.label(), curve(torch)));
        report.plot(plot);
    }
    report.note(format!(
        "Throughput recorded by `{}` and by `{}`.",
        flex.provenance, torch.provenance
    ));
}

/// The cost-growth section of the gallery, as a report without claims: tables, plots and notes
/// from the recorded benchmark runs.
pub(crate) fn report() -> Result<Report> {
    let mut report = Report::named(
        "cost-growth",
        "Cost growth (recorded benchmark runs, not re-measured by this run)",
    );
    let ours = fit_times(&recorded!("scaling-mlnotes.csv"))?;
    let theirs = fit_times(&recorded!("scaling-scikit-learn.csv"))?;
    classical(&mut report, &ours, &theirs);
    let flex = throughputs(&recorded!("mlp-sweep-flex.csv"))?;
    let torch = throughputs(&recorded!("mlp-sweep-pytorch.csv"))?;
    neural(&mut report, &flex, &torch);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &'static str) -> Source {
        Source {
            path: "test.csv",
            text,
        }
    }

    #[test]
    fn a_recorded_run_parses_with_its_provenance() {
        let run = fit_times(&source(
            "# made by hand\nfamily,rows,seconds\nlasso,1000,0.002\nlasso,10000,0.02\n",
        ))
        .unwrap();
        assert_eq!(run.provenance, "made by hand");
        assert_eq!(points(&run, "lasso"), vec![(1000, 0.002), (10000, 0.02)]);
    }

    #[test]
    fn malformed_recordings_are_errors_naming_file_and_line() {
        for (text, line, words) in [
            ("family,rows\nlasso,1\n", 1, "header"),
            ("family,rows,seconds\nlasso,1000\n", 2, "2 fields"),
            ("family,rows,seconds\nlasso,x,0.1\n", 2, "`rows`"),
            ("family,rows,seconds\nlasso,10,NaN\n", 2, "`seconds`"),
            ("family,rows,seconds\nlasso,10,-1\n", 2, "`seconds`"),
            ("family,rows,seconds\n../x,10,1\n", 2, "`family`"),
            ("# nothing\nfamily,rows,seconds\n", 1, "no measurements"),
        ] {
            match fit_times(&source(text)) {
                Err(Error::Csv { line: l, reason }) => {
                    assert_eq!(l, line, "{text}");
                    assert!(
                        reason.contains("test.csv") && reason.contains(words),
                        "{reason}"
                    );
                }
                other => panic!("{text}: {:?}", other.map(|r| r.rows)),
            }
        }
    }

    #[test]
    fn the_recorded_runs_make_a_table_and_a_plot_per_family_and_two_for_the_mlp() {
        let r = report().unwrap();
        let ours = fit_times(&recorded!("scaling-mlnotes.csv")).unwrap();
        let n = families(&ours).len();
        assert!(n >= 10, "{n} families recorded");
        assert_eq!(r.plots.len(), n + 2);
        assert_eq!(r.tables.len(), 2);
        assert_eq!(r.tables[0].rows.len(), n);
        // Every family of ours is in the reference's recording too, and every sweep shape.
        let theirs = fit_times(&recorded!("scaling-scikit-learn.csv")).unwrap();
        for f in families(&ours) {
            assert!(
                !points(&theirs, &f).is_empty(),
                "{f} missing from scikit-learn's run"
            );
        }
        assert!(r.tables[1].rows.iter().all(|row| row[4].ends_with('x')));
        assert!(r.claims.is_empty());
    }
}
