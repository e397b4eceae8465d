//! The HTML gallery that `all` writes next to the reports: every experiment's claims with their
//! verdicts, its tables and its figures on one page (`<out>/index.html`, open it in a browser).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Claim, Report, Table, num};
use crate::{Error, Result};

/// `text` with `&`, `<`, `>` and `"` escaped for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A claim's effect with its standard error when repeated: `0.0312 ± 0.0040`.
fn effect(c: &Claim) -> String {
    match c.uncertainty {
        Some(se) => format!("{} ± {}", num(c.effect), num(se)),
        None => num(c.effect),
    }
}

fn table(t: &Table, out: &mut String) {
    let cells = |row: &[String], tag: &str| {
        row.iter()
            .map(|c| format!("<{tag}>{}</{tag}>", escape(c)))
            .collect::<String>()
    };
    let _ = write!(
        out,
        "<table><caption>{}</caption><tr>{}</tr>",
        escape(&t.title),
        cells(&t.headers, "th")
    );
    for r in &t.rows {
        let _ = write!(out, "<tr>{}</tr>", cells(r, "td"));
    }
    out.push_str("</table>\n");
}

fn experiment(name: &str, r: &Report, out: &mut String) {
    let _ = writeln!(
        out,
        "<section id=\"{0}\"{2}><h2>{0} <small>{1}</small></h2>",
        escape(name),
        escape(&r.section),
        if r.claims_held() == r.claims.len() {
            " class=\"all-held\""
        } else {
            ""
        }
    );
    // A section without claims (the recorded cost growth) has no claims table.
    if !r.claims.is_empty() {
        out.push_str(
            "<table class=\"claims\"><tr><th>verdict</th><th>claim</th><th>rule</th><th>n</th>\
<th>effect ± SE</th><th>threshold</th><th>evidence</th></tr>",
        );
        for c in &r.claims {
            let _ = write!(
                out,
                "<tr class=\"{0}\" id=\"{name}-{id}\"><td>{0}</td><td>{1}<br><code>{id}</code></td>\
<td>{2}</td><td>{3}</td><td>{4}</td><td>{5}</td><td>{6}</td></tr>",
                if c.held { "held" } else { "not-held" },
                escape(&c.statement),
                escape(&c.rule),
                c.n,
                escape(&effect(c)),
                num(c.threshold),
                escape(&c.evidence),
                name = escape(name),
                id = escape(&c.id),
            );
        }
        out.push_str("</table>\n");
    }
    r.tables.iter().for_each(|t| table(t, out));
    let figures = r.plots.iter().map(|p| (&p.title, &p.file));
    for (title, file) in figures.chain(r.images.iter().map(|g| (&g.title, &g.file))) {
        let _ = writeln!(
            out,
            "<figure><img src=\"{}/{}\" alt=\"{2}\"><figcaption>{2}</figcaption></figure>",
            escape(name),
            escape(file),
            escape(title)
        );
    }
    for n in &r.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
    }
    out.push_str("</section>\n");
}

/// Writes `<out>/index.html`: a contents table (claims held / not held per experiment, failures
/// with their error), then each experiment's claims, tables and figures (the SVGs its report
/// wrote under `<out>/<name>/`), then how cost grows with size, from the benchmarks' recorded
/// runs (its figures written under `<out>/cost-growth/`).
pub fn write_gallery(out: &Path, results: &[(&str, Result<Report>)]) -> Result<PathBuf> {
    // A recorded run that cannot be read is shown as this section's failure, not the gallery's.
    let growth = super::cost_growth::report();
    if let Ok(growth) = &growth {
        let dir = out.join(&growth.name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        for p in &growth.plots {
            p.render_svg(&dir.join(&p.file))?;
        }
    }
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mlnotes results</title><style>\
body{font-family:sans-serif;margin:0}nav{position:fixed;top:0;left:0;bottom:0;width:15em;\
overflow-y:auto;background:#f6f6f6;padding:0.5em 1em;border-right:1px solid #ddd;font-size:90%}\
nav a{display:block;text-decoration:none;color:#036;padding:1px 0}nav .bad{color:#b00}\
main{margin-left:17em;padding:1em;max-width:1200px}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}\
caption{font-weight:bold;text-align:left}.held td:first-child{color:#070}\
.not-held td:first-child{color:#b00;font-weight:bold}figure{display:inline-block;margin:0.5em}\
img{max-width:100%}small{color:#666;font-weight:normal}.note{color:#444}code{color:#555}\
body.only-failed tr.held,body.only-failed section.all-held{display:none}\
</style></head><body>\n<nav><h3>Contents</h3>\
<label><input type=\"checkbox\" id=\"only-failed\" onchange=\"document.body.classList.toggle('only-failed',this.checked)\"> \
only NOT HELD</label>\n",
    );
    for (name, r) in results {
        match r {
            Ok(rep) => {
                let held = rep.claims_held();
                let bad = rep.claims.len() - held;
                let _ = writeln!(
                    html,
                    "<a href=\"#{0}\"{1}>{0} ({held}/{2})</a>",
                    escape(name),
                    if bad > 0 { " class=\"bad\"" } else { "" },
                    rep.claims.len()
                );
            }
            Err(_) => {
                let _ = writeln!(html, "<a class=\"bad\">{} (failed)</a>", escape(name));
            }
        }
    }
    let _ = match &growth {
        Ok(g) => writeln!(html, "<a href=\"#{0}\">{0} (recorded)</a>", escape(&g.name)),
        Err(_) => writeln!(
            html,
            "<a class=\"bad\" href=\"#cost-growth\">cost-growth (failed)</a>"
        ),
    };
    let total: usize = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(|r| r.claims.len())
        .sum();
    let held: usize = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(|r| r.claims_held())
        .sum();
    let _ = write!(
        html,
        "</nav>\n<main><h1>mlnotes results</h1>\n<p>Every claim of the notes that an experiment measured, \
the rule that decided it, and whether it held: {held} of {total} claims held.</p>\n\
<table><tr><th>experiment</th><th>section</th><th>claims</th><th>held</th><th>not held</th></tr>"
    );
    for (name, r) in results {
        match r {
            Ok(rep) => {
                let held = rep.claims_held();
                let _ = write!(
                    html,
                    "<tr><td><a href=\"#{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{held}</td><td>{3}</td></tr>",
                    escape(name),
                    escape(&rep.section),
                    rep.claims.len(),
                    rep.claims.len() - held
                );
            }
            Err(e) => {
                let _ = write!(
                    html,
                    "<tr class=\"not-held\"><td>{}</td><td colspan=\"4\">failed: {}</td></tr>",
                    escape(name),
                    escape(&e.to_string())
                );
            }
        }
    }
    html.push_str("</table>\n");
    for (name, r) in results {
        if let Ok(rep) = r {
            experiment(name, rep, &mut html);
        }
    }
    match &growth {
        Ok(g) => experiment(&g.name, g, &mut html),
        Err(e) => {
            let _ = writeln!(
                html,
                "<section id=\"cost-growth\"><h2>cost-growth</h2><p class=\"not-held\">\
the recorded benchmark runs could not be read: {}</p></section>",
                escape(&e.to_string())
            );
        }
    }
    // After loading, the page records how many of its figures decoded (read by a headless
    // browser in the tests).
    html.push_str(
        "</main><script>window.addEventListener('load',()=>{const i=[...document.images];\
document.body.dataset.figures=i.length;\
document.body.dataset.decoded=i.filter(x=>x.complete&&x.naturalWidth>0).length;});</script>\
</body></html>\n",
    );
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let path = out.join("index.html");
    std::fs::write(&path, html).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::{ImageGrid, Plot, Verdict};

    #[test]
    fn the_gallery_lists_claims_tables_figures_and_failures() {
        let mut r = Report::named("demo", "A <section>");
        r.claim("x-below-y", "x < y", Verdict::at_least("y − x", 1.0, 0.0));
        r.claim(
            "y-and-z",
            "y & z",
            Verdict::mean_above("z", &[1.0, 2.0, 3.0], 5.0),
        );
        assert_eq!(r.claims_held(), 1);
        let mut t = Table::new("Numbers", &["a", "b"]);
        t.row(vec!["1".into(), "2".into()]);
        r.table(t);
        r.plot(Plot::new("loss.svg", "Loss", "epoch", "loss"));
        r.images(ImageGrid::new("grid.svg", "Samples", (8, 8), 10));
        r.note("a note");
        let dir = std::env::temp_dir().join(format!("mlnotes-gallery-{}", std::process::id()));
        let failed = Err(Error::invalid("broken"));
        let path = write_gallery(&dir, &[("demo", Ok(r)), ("other", failed)]).unwrap();
        let html = std::fs::read_to_string(path).unwrap();
        assert!(
            html.contains("<a href=\"#demo\">demo</a>") && html.contains("<section id=\"demo\">")
        );
        assert!(html.contains("A &lt;section&gt;") && html.contains("x &lt; y"));
        assert!(html.contains("<tr class=\"held\" id=\"demo-x-below-y\"><td>held</td>"));
        assert!(html.contains(
            "<tr class=\"not-held\" id=\"demo-y-and-z\"><td>not-held</td><td>y &amp; z<br><code>y-and-z</code>"
        ));
        // rule, n, effect ± SE (mean 2, SE 1/√3) and threshold of the repeated claim
        assert!(
            html.contains("<td>3</td><td>2.000 ± 0.5774</td><td>5.000</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td>2</td><td>1</td><td>1</td>"),
            "claims / held / not held counts"
        );
        assert!(html.contains("1 of 2 claims held"));
        assert!(html.contains("<a href=\"#demo\" class=\"bad\">demo (1/2)</a>"));
        assert!(html.contains("id=\"only-failed\"") && html.contains("dataset.decoded"));
        assert!(html.contains("<caption>Numbers</caption>"));
        assert!(html.contains("src=\"demo/loss.svg\"") && html.contains("src=\"demo/grid.svg\""));
        assert!(html.contains("a note"));
        assert!(html.contains("failed: ") && html.contains("broken"));
        // The recorded cost growth follows, with its figures and tables and no claims table.
        let growth = &html[html
            .find("<section id=\"cost-growth\"")
            .expect("cost growth")..];
        assert!(growth.contains("src=\"cost-growth/mlp-throughput-batch-size.svg\""));
        assert!(growth.contains("<caption>") && !growth.contains("class=\"claims\""));
        assert!(dir.join("cost-growth/scaling-lasso.svg").is_file());
        std::fs::remove_dir_all(dir).ok();
    }
}
