//! Feature scaling: gradient descent on house prices with size in m² (50–300) and bedrooms
//! (1–5), unscaled against mean-normalised, each at its safe step `1/λ_max` of the Hessian.

use mlnotes::Result;
use mlnotes::data::Dataset;
use mlnotes::estimator::{Fit, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linalg::largest_eigenvalue;
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{LinearRegression, design};
use mlnotes::optim::{GradientDescent, Objective};
use mlnotes::preprocess::Scaler;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::f4;

/// The `feature-scaling` experiment.
pub struct FeatureScaling;

/// Synthetic houses: price (k$) = 50 + 2·size + 30·bedrooms + noise.
pub fn houses(m: usize, seed: u64) -> Result<Dataset<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((m, 2));
    let mut y = Array1::zeros(m);
    for i in 0..m {
        let bedrooms = rng.random_range(1..=5) as f64;
        let size = rng.random_range(50.0..300.0);
        x[[i, 0]] = size;
        x[[i, 1]] = bedrooms;
        y[i] = 50.0 + 2.0 * size + 30.0 * bedrooms + rng.random_range(-25.0..25.0);
    }
    Dataset::with_names(
        x,
        y,
        vec!["size (m²)".into(), "bedrooms".into()],
        "price (k$)",
    )
}

/// Run batch GD at step `1/λ_max` for `epochs`; return the epochs needed to come within
/// `rel` of the optimal cost (None if never), the loss history and the condition number.
fn descend(
    d: &Dataset<f64>,
    epochs: usize,
    rel: f64,
) -> Result<(Option<usize>, Vec<f64>, f64, f64)> {
    let x = design(d.x());
    let cost = SquaredError::new(x.view(), d.targets().view(), 0.0)?;
    let best = cost.loss(LinearRegression::new().fit(d)?.theta().view());
    let h = cost
        .hessian(Array1::zeros(3).view())
        .unwrap_or_else(|| Array2::eye(3));
    let top = largest_eigenvalue(h.view());
    // smallest eigenvalue of H = 1 / largest eigenvalue of H⁻¹ (columns of H⁻¹ by Cholesky solves)
    let mut hinv = Array2::zeros((3, 3));
    for j in 0..3 {
        let e = Array1::from_shape_fn(3, |k| f64::from(u8::from(k == j)));
        hinv.column_mut(j)
            .assign(&mlnotes::linalg::solve_spd(h.view(), e.view(), "Hessian")?);
    }
    let cond = top * largest_eigenvalue(hinv.view());
    let gd = GradientDescent {
        learning_rate: 1.0 / top,
        max_epochs: epochs,
        tol: 0.0,
        ..Default::default()
    };
    let (_, hist) = gd.minimize(&cost, Array1::zeros(3).view())?;
    let reached = hist.loss.iter().position(|&l| l - best <= rel * best);
    Ok((reached, hist.loss, best, cond))
}

impl Experiment for FeatureScaling {
    fn name(&self) -> &'static str {
        "feature-scaling"
    }

    fn section(&self) -> &'static str {
        "Feature Scaling"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let data = houses(ctx.size(1000, 200), ctx.seed)?;
        let scaler = Scaler::mean_normalization().fit(&data)?;
        let scaled = data.with_features(scaler.transform(data.x())?)?;
        let epochs = ctx.size(200_000, 20_000);
        let rel = 1e-6;
        let (raw_it, raw_loss, raw_best, raw_cond) = descend(&data, epochs, rel)?;
        let (sc_it, sc_loss, sc_best, sc_cond) = descend(&scaled, epochs, rel)?;
        let shown = |it: Option<usize>| it.map_or(format!("> {epochs}"), |i| i.to_string());
        let mut t = Table::new(
            &format!(
                "Batch gradient descent at step 1/λ_max until J(θ) is within {rel:e} of the optimum"
            ),
            &[
                "features",
                "condition number of XᵀX/m",
                "iterations",
                "final J - J*",
            ],
        );
        t.row(vec![
            "unscaled".into(),
            format!("{raw_cond:.3e}"),
            shown(raw_it),
            format!("{:.3e}", raw_loss[raw_loss.len() - 1] - raw_best),
        ]);
        t.row(vec![
            "mean-normalised".into(),
            format!("{sc_cond:.3e}"),
            shown(sc_it),
            format!("{:.3e}", sc_loss[sc_loss.len() - 1] - sc_best),
        ]);
        report.table(t);
        report.metric("iterations_scaled", sc_it.map_or(f64::NAN, |i| i as f64));
        report.metric(
            "iterations_unscaled",
            raw_it.map_or(f64::INFINITY, |i| i as f64),
        );
        let speedup = raw_it.unwrap_or(epochs) as f64 / sc_it.unwrap_or(epochs).max(1) as f64;
        report.claim(
            "Feature scaling speeds up gradient descent (skewed contours make it zig-zag and converge slowly)",
            sc_it.is_some() && speedup >= 10.0,
            format!("iterations to converge: {} unscaled vs {} scaled (x{speedup:.0}); condition number {raw_cond:.2e} vs {sc_cond:.2e}", shown(raw_it), shown(sc_it)),
        );
        let feature_ranges = scaled.features().columns().into_iter().map(|c| {
            (
                c.fold(f64::INFINITY, |a, &b| a.min(b)),
                c.fold(f64::NEG_INFINITY, |a, &b| a.max(b)),
            )
        });
        let within = feature_ranges
            .clone()
            .all(|(lo, hi)| lo >= -1.0 && hi <= 1.0);
        report.claim(
            "Mean normalisation puts every feature into approximately -1 <= x_i <= 1",
            within,
            format!(
                "scaled ranges: {}",
                feature_ranges
                    .map(|(a, b)| format!("[{}, {}]", f4(a), f4(b)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        let curve = |loss: &[f64], best: f64| {
            let step = (loss.len() / 400).max(1);
            loss.iter()
                .enumerate()
                .step_by(step)
                .map(|(i, &l)| (i as f64, ((l - best) / best).max(1e-16).log10()))
                .collect()
        };
        report.plot(
            Plot::new(
                "convergence.svg",
                "Batch GD: relative excess cost, unscaled vs scaled",
                "iteration",
                "log10 (J - J*) / J*",
            )
            .with(Series::line("unscaled", curve(&raw_loss, raw_best)))
            .with(Series::line("mean-normalised", curve(&sc_loss, sc_best))),
        );
        Ok(report)
    }
}
