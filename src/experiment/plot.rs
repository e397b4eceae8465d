//! Line and scatter plots rendered to SVG with plotters.

use std::path::Path;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeriesStyle {
    /// Points joined by lines.
    Line,
    /// Unjoined points.
    Points,
    /// Separate line segments: points taken in pairs.
    Segments,
}

/// One named set of points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// `(x, y)` pairs.
    #[serde(deserialize_with = "super::json::points")]
    pub points: Vec<(f64, f64)>,
    /// Line or points.
    pub style: SeriesStyle,
    /// Half-widths of error bars at the points (`y ± e`: a standard error or deviation over
    /// repeats), empty for none.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "super::json::list"
    )]
    pub errors: Vec<f64>,
}

impl Series {
    /// A line through `points`.
    pub fn line(name: &str, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            style: SeriesStyle::Line,
            errors: vec![],
        }
    }

    /// Line segments between consecutive pairs of `points` (0-1, 2-3, ...).
    pub fn segments(name: &str, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            style: SeriesStyle::Segments,
            errors: vec![],
        }
    }

    /// Error bars `y ± e` at the points, one half-width per point (builder style).
    pub fn with_errors(mut self, errors: Vec<f64>) -> Self {
        self.errors = errors;
        self
    }

    /// A scatter of `points`.
    pub fn points(name: &str, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            style: SeriesStyle::Points,
            errors: vec![],
        }
    }
}

/// A 2-D chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plot {
    /// File name inside the report folder, e.g. `"roc.svg"`.
    pub file: String,
    /// Title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// The data.
    pub series: Vec<Series>,
    /// Whether the data are wall-clock measurements.
    pub timed: bool,
}

/// Colours of the series (Tableau 10): a method keeps its colour in every plot, chosen by its
/// name.
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A colour per series: the one its name hashes to (FNV-1a), or the next free one when another
/// series of the plot took it.
fn colours(series: &[Series]) -> Vec<RGBColor> {
    let mut taken = [false; COLOURS.len()];
    series
        .iter()
        .map(|s| {
            let hash = s.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            let mut i = (hash % COLOURS.len() as u64) as usize;
            if let Some(free) = (0..COLOURS.len())
                .map(|k| (i + k) % COLOURS.len())
                .find(|&k| !taken[k])
            {
                i = free;
            }
            taken[i] = true;
            COLOURS[i]
        })
        .collect()
}

/// Whether every finite value is a whole number over a short span (an axis of K, depth,
/// degree): such an axis gets integer ticks.
fn integral(v: impl Iterator<Item = f64>) -> Option<usize> {
    let (mut lo, mut hi, mut any) = (f64::INFINITY, f64::NEG_INFINITY, false);
    for x in v.filter(|x| x.is_finite()) {
        if x.fract() != 0.0 {
            return None;
        }
        (lo, hi, any) = (lo.min(x), hi.max(x), true);
    }
    (any && hi - lo <= 40.0).then(|| (hi - lo) as usize + 1)
}

/// Markers are drawn on lines with at most this many points.
const MAX_MARKED: usize = 60;

fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::Plot(e.to_string())
}

/// The range of the finite values in `v`, widened a little (and made non-empty).
fn range(v: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = v
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        lo.abs().max(1.0) * 0.05
    };
    (lo - pad)..(hi + pad)
}

impl Plot {
    /// An empty plot.
    pub fn new(file: &str, title: &str, x_label: &str, y_label: &str) -> Self {
        Plot {
            file: file.into(),
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: vec![],
            timed: false,
        }
    }

    /// Mark the plot as showing wall-clock measurements (builder style).
    pub fn timed(mut self) -> Self {
        self.timed = true;
        self
    }

    /// A dendrogram: each merge a ∏ joining its children at its distance, leaves in
    /// [`Dendrogram::leaf_order`](crate::cluster::Dendrogram::leaf_order).
    pub fn dendrogram(tree: &crate::cluster::Dendrogram, file: &str, title: &str) -> Self {
        let n = tree.n_samples;
        let mut x = vec![0.0; n + tree.merges.len()];
        let mut h = vec![0.0; n + tree.merges.len()];
        for (pos, &leaf) in tree.leaf_order().iter().enumerate() {
            x[leaf] = pos as f64;
        }
        let mut segments = Vec::with_capacity(6 * tree.merges.len());
        for (i, m) in tree.merges.iter().enumerate() {
            let (xa, xb, d) = (x[m.a], x[m.b], m.distance);
            segments.extend_from_slice(&[
                (xa, h[m.a]),
                (xa, d),
                (xa, d),
                (xb, d),
                (xb, d),
                (xb, h[m.b]),
            ]);
            x[n + i] = (xa + xb) / 2.0;
            h[n + i] = d;
        }
        Plot::new(file, title, "points (leaf order)", "merge distance")
            .with(Series::segments("merges", segments))
    }

    /// Add a series (builder style).
    pub fn with(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Draw to an SVG file.
    pub fn render_svg(&self, path: &Path) -> Result<()> {
        let root = SVGBackend::new(path, (720, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let xr = range(all().map(|p| p.0));
        // error bars widen the y range
        let bars = self.series.iter().flat_map(|s| {
            s.points
                .iter()
                .zip(&s.errors)
                .flat_map(|(p, e)| [p.1 - e, p.1 + e])
        });
        let yr = range(all().map(|p| p.1).chain(bars));
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 22))
            .margin(14)
            .x_label_area_size(46)
            .y_label_area_size(70)
            .build_cartesian_2d(xr, yr)
            .map_err(plot_err)?;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 13))
            .bold_line_style(RGBColor(222, 222, 222))
            .light_line_style(RGBColor(243, 243, 243));
        // a whole-number axis (K, depth, degree) gets whole-number ticks
        let ticks = integral(all().map(|p| p.0));
        let whole = |v: &f64| format!("{v:.0}");
        if let Some(count) = ticks {
            mesh.x_labels(count.clamp(2, 12)).x_label_formatter(&whole);
        }
        mesh.draw().map_err(plot_err)?;
        for (s, colour) in self.series.iter().zip(colours(&self.series)) {
            let colour = colour.to_rgba();
            let pts = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite());
            let drawn = match s.style {
                SeriesStyle::Line => {
                    let pts: Vec<(f64, f64)> = pts.collect();
                    if pts.len() <= MAX_MARKED {
                        chart
                            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                            .map_err(plot_err)?;
                    }
                    chart
                        .draw_series(LineSeries::new(pts, colour.stroke_width(2)))
                        .map_err(plot_err)?
                }
                SeriesStyle::Points => chart
                    .draw_series(pts.map(|p| Circle::new(p, 3, colour.filled())))
                    .map_err(plot_err)?,
                SeriesStyle::Segments => {
                    let all: Vec<(f64, f64)> = pts.collect();
                    chart
                        .draw_series(
                            all.chunks_exact(2).map(|c| {
                                PathElement::new(vec![c[0], c[1]], colour.stroke_width(1))
                            }),
                        )
                        .map_err(plot_err)?
                }
            };
            drawn.label(&s.name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 4), (x + 14, y + 4)], colour.filled())
            });
            let errors = s.points.iter().zip(&s.errors);
            chart
                .draw_series(
                    errors
                        .filter(|(p, e)| p.0.is_finite() && p.1.is_finite() && e.is_finite())
                        .map(|(&(x, y), &e)| {
                            ErrorBar::new_vertical(x, y - e, y, y + e, colour.stroke_width(1), 8)
                        }),
                )
                .map_err(plot_err)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)
    }
}

/// Grey-scale images side by side (generated digits, for example), rendered to SVG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageGrid {
    /// File name inside the report folder, e.g. `"samples.svg"`.
    pub file: String,
    /// Title.
    pub title: String,
    /// `(height, width)` of every image in pixels.
    pub shape: (usize, usize),
    /// Images per row of the grid.
    pub columns: usize,
    /// Intensities in `[0, 1]` (1 is black ink; values outside are clamped), row-major, one
    /// entry per image (not written to `report.json`).
    #[serde(skip)]
    pub images: Vec<Vec<f64>>,
    /// A caption under each image (empty for none).
    pub captions: Vec<String>,
}

/// Screen pixels per image pixel, and the caption's height.
const CELL: i32 = 6;
const CAPTION: i32 = 14;

impl ImageGrid {
    /// An empty grid of `shape`-sized images, `columns` to a row.
    pub fn new(file: &str, title: &str, shape: (usize, usize), columns: usize) -> Self {
        ImageGrid {
            file: file.into(),
            title: title.into(),
            shape,
            columns,
            images: vec![],
            captions: vec![],
        }
    }

    /// Add an image with its caption (builder style).
    pub fn with(mut self, pixels: Vec<f64>, caption: impl Into<String>) -> Self {
        self.images.push(pixels);
        self.captions.push(caption.into());
        self
    }

    /// Draw to an SVG file; fails on an image of the wrong size or an empty grid.
    pub fn render_svg(&self, path: &Path) -> Result<()> {
        let (h, w) = self.shape;
        if h == 0 || w == 0 || self.columns == 0 || self.images.is_empty() {
            return Err(plot_err(format!("{}: an empty image grid", self.file)));
        }
        if let Some(i) = self.images.iter().position(|im| im.len() != h * w) {
            return Err(plot_err(format!(
                "{}: image {i} has {} pixels, expected {h}x{w}",
                self.file,
                self.images[i].len()
            )));
        }
        let (h, w) = (h as i32, w as i32);
        let (cell_w, cell_h) = (w * CELL + 8, h * CELL + CAPTION + 8);
        let rows = self.images.len().div_ceil(self.columns) as i32;
        let size = (
            (self.columns as i32 * cell_w + 16) as u32,
            (rows * cell_h + 48) as u32,
        );
        let root = SVGBackend::new(path, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let area = root
            .titled(&self.title, ("sans-serif", 18))
            .map_err(plot_err)?;
        for (k, (image, caption)) in self.images.iter().zip(&self.captions).enumerate() {
            let (x0, y0) = (
                8 + (k % self.columns) as i32 * cell_w,
                8 + (k / self.columns) as i32 * cell_h,
            );
            for (p, &v) in image.iter().enumerate() {
                let (i, j) = (p as i32 / w, p as i32 % w);
                let grey = (255.0 * (1.0 - v.clamp(0.0, 1.0))).round() as u8;
                let (x, y) = (x0 + j * CELL, y0 + i * CELL);
                area.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    RGBColor(grey, grey, grey).filled(),
                ))
                .map_err(plot_err)?;
            }
            if !caption.is_empty() {
                area.draw(&Text::new(
                    caption.as_str(),
                    (x0, y0 + h * CELL + 2),
                    ("sans-serif", 11),
                ))
                .map_err(plot_err)?;
            }
        }
        root.present().map_err(plot_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dendrogram_draws_three_segments_per_merge() {
        use crate::cluster::{Agglomerative, Linkage};
        use crate::estimator::FitFeatures;
        let x = ndarray::array![[0.0], [1.0], [3.0], [7.0], [15.0]];
        let tree = Agglomerative::new(Linkage::Single)
            .fit_features(x.view())
            .unwrap();
        let plot = Plot::dendrogram(&tree, "d.svg", "t");
        assert_eq!(plot.series[0].points.len(), 24);
        // the last merge joins at height 8 (single linkage: the largest gap)
        assert!(plot.series[0].points.iter().any(|p| p.1 == 8.0));
    }

    #[test]
    fn writes_an_svg_with_title_and_legend() {
        let dir = std::env::temp_dir().join(format!("mlnotes-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.svg");
        Plot::new("p.svg", "Loss curve", "epoch", "loss")
            .with(Series::line(
                "train",
                vec![(0.0, 1.0), (1.0, 0.5), (2.0, f64::NAN)],
            ))
            .with(Series::points("val", vec![(0.0, 1.2)]).with_errors(vec![0.3]))
            .render_svg(&path)
            .unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains("<svg") && svg.contains("Loss curve") && svg.contains("train"));
        let texts: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>'))
            .map(|(_, rest)| rest.split("</text>").next().unwrap_or("").trim())
            .collect();
        // whole-number x: ticks "0", "1", "2", not "2.0" (the y axis stops at 1.5)
        assert!(
            ["0", "1", "2"].iter().all(|t| texts.contains(t)),
            "{texts:?}"
        );
        assert!(!texts.contains(&"2.0"), "{texts:?}");
        // the error bar reaches 1.5 above the point: the y range covers it
        assert!(texts.contains(&"1.5"), "{texts:?}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_method_keeps_its_colour_and_a_plot_never_repeats_one() {
        let s = |n: &str| Series::line(n, vec![]);
        let a = colours(&[s("adam"), s("sgd")]);
        let b = colours(&[s("momentum"), s("sgd"), s("adam")]);
        assert_eq!((a[0], a[1]), (b[2], b[1]));
        let many: Vec<Series> = (0..10).map(|i| s(&format!("m{i}"))).collect();
        let c = colours(&many);
        for i in 0..10 {
            assert!(!c[..i].contains(&c[i]), "colour {i} repeated");
        }
        assert_eq!(integral([1.0, 2.0, 5.0].into_iter()), Some(5));
        assert_eq!(integral([1.0, 2.5].into_iter()), None);
    }

    #[test]
    fn draws_an_image_grid_and_rejects_bad_images() {
        let dir = std::env::temp_dir().join(format!("mlnotes-grid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("g.svg");
        // Two 2x2 images: a black pixel and a white one; three on a row of two.
        ImageGrid::new("g.svg", "Samples", (2, 2), 2)
            .with(vec![1.0, 0.0, 0.0, 0.0], "a")
            .with(vec![0.0; 4], "")
            .with(vec![2.0, -1.0, 0.5, 0.5], "c")
            .render_svg(&path)
            .unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        // The title and the two non-empty captions.
        assert!(svg.contains("Samples"));
        assert_eq!(svg.matches("<text").count(), 3);
        // 12 pixels drawn (plus the background).
        assert!(svg.matches("<rect").count() >= 12);
        assert!(svg.contains("#000000") && svg.contains("#808080"));
        let wrong = ImageGrid::new("g.svg", "t", (2, 2), 2).with(vec![0.0; 3], "");
        assert!(matches!(wrong.render_svg(&path), Err(Error::Plot(m)) if m.contains("image 0")));
        assert!(
            ImageGrid::new("g.svg", "t", (2, 2), 2)
                .render_svg(&path)
                .is_err()
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
