//! Feature scaling: gradient descent on house prices with size in m² (50–300) and bedrooms
//! (1–5), unscaled against mean-normalised and standardised, each at its safe step `1/λ_max` of
//! the Hessian, on freshly drawn houses for every seed; the range that mean normalisation gives
//! rows it was not fitted on; and binning, which lets a linear model follow a U-shaped effect.

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Predict, Transform};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::linalg::largest_eigenvalue;
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{LinearRegression, design};
use mlnotes::metrics;
use mlnotes::optim::{GradientDescent, Objective};
use mlnotes::preprocess::{Binning, BinningStrategy, Pipeline, Scaler};
use mlnotes::selection::HoldOut;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::f4;

/// Gradient descent has converged when `J(θ)` is within this share of the optimal cost.
const REL: f64 = 1e-6;
/// Scaled features must converge in at least this many times fewer iterations ...
const SPEEDUP: usize = 10;
/// ... a log10 gain of 1.
const MIN_LOG10_SPEEDUP: f64 = 1.0;
/// Share of the wine test rows scaled with the training rows' mean normalisation: the training
/// share of each seed's split ...
const RANGE_TRAIN_SHARE: f64 = 0.8;
/// ... the share of scaled test cells that must lie in `[-1, 1]` ("approximately") ...
const INSIDE_SHARE: f64 = 0.99;
/// ... and the largest |x'| allowed on the test rows.
const RANGE_LIMIT: f64 = 2.0;
/// Offset from a seed's training draw to its test draw (no seed serves both).
const HELD_OUT_SEED: u64 = 1 << 32;
/// Binning: training and test points of the U-shaped effect, its noise, and the bins.
const CURVE_TRAIN: usize = 200;
const CURVE_TEST: usize = 1000;
const CURVE_NOISE: f64 = 1.0;
const BINS: usize = 10;
/// Ridge penalty of the linear model on the bins: the bins' indicators sum to the intercept
/// column (the dummy-variable trap), so plain least squares would be singular.
const BIN_RIDGE: f64 = 1e-3;

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

/// One run of batch gradient descent at step `1/λ_max`.
struct Descent {
    /// Epochs until `J(θ)` came within [`REL`] of the optimum (`None`: not within the budget).
    reached: Option<usize>,
    /// `J(θ)` after every epoch (the initial cost first).
    loss: Vec<f64>,
    /// The optimal cost `J*` (normal equation).
    best: f64,
    /// Condition number of the Hessian `XᵀX/m` (with the bias column).
    cond: f64,
    /// The epochs it was given.
    budget: usize,
}

impl Descent {
    /// log10 of the epochs to converge; a run that never converged counts as its budget
    /// (so a speed-up over it is a lower bound).
    fn log10_iterations(&self) -> f64 {
        (self.reached.unwrap_or(self.budget).max(1) as f64).log10()
    }
}

/// Run batch GD at step `1/λ_max` for `epochs` on `d`.
fn descend(d: &Dataset<f64>, epochs: usize) -> Result<Descent> {
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
    let reached = hist.loss.iter().position(|&l| l - best <= REL * best);
    Ok(Descent {
        reached,
        loss: hist.loss,
        best,
        cond,
        budget: epochs,
    })
}

/// Everything measured on one seed's houses.
struct SeedRun {
    raw: Descent,
    normalised: Descent,
    standardised: Descent,
}

/// Draw the seed's houses, descend unscaled (for `epochs`), mean-normalised and standardised
/// (for a tenth of them: converging within it is the speed-up the claim asks).
fn measure_seed(seed: u64, m: usize, epochs: usize) -> Result<SeedRun> {
    let scaled_epochs = epochs / SPEEDUP;
    let data = houses(m, seed)?;
    let normaliser = Scaler::mean_normalization().fit(&data)?;
    let normalised = data.with_features(normaliser.transform(data.x())?)?;
    let standardiser = Scaler::standardization().fit(&data)?;
    let standardised = data.with_features(standardiser.transform(data.x())?)?;
    Ok(SeedRun {
        raw: descend(&data, epochs)?,
        normalised: descend(&normalised, scaled_epochs)?,
        standardised: descend(&standardised, scaled_epochs)?,
    })
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
        let m = ctx.size(1000, 200);
        let epochs = ctx.size(40_000, 10_000);
        let seeds = ctx.seeds();
        let bar = ctx.progress(seeds.len() as u64, "gradient descent per seed");
        let mut runs = Vec::new();
        for &seed in &seeds {
            runs.push(measure_seed(seed, m, epochs)?);
            bar.inc(1);
        }
        bar.finish_and_clear();
        first_seed_table(&runs[0], &mut report);
        speedup_claims(&runs, epochs, &mut report);
        range_claim(&seeds, &mut report)?;
        binning_claim(&seeds, &mut report)?;
        Ok(report)
    }
}

/// The first seed's descents: table, metrics and convergence plot.
fn first_seed_table(run: &SeedRun, report: &mut Report) {
    let shown = |d: &Descent| {
        d.reached
            .map_or(format!("> {}", d.budget), |i| i.to_string())
    };
    let mut t = Table::new(
        &format!(
            "Batch gradient descent at step 1/λ_max until J(θ) is within {REL:e} of the optimum (first seed)"
        ),
        &[
            "features",
            "condition number of XᵀX/m",
            "iterations",
            "final J - J*",
        ],
    );
    for (name, d) in [
        ("unscaled", &run.raw),
        ("mean-normalised", &run.normalised),
        ("standardised", &run.standardised),
    ] {
        t.row(vec![
            name.into(),
            format!("{:.3e}", d.cond),
            shown(d),
            format!("{:.3e}", d.loss[d.loss.len() - 1] - d.best),
        ]);
    }
    report.table(t);
    report.metric(
        "iterations_scaled",
        run.normalised.reached.map_or(f64::NAN, |i| i as f64),
    );
    report.metric(
        "iterations_unscaled",
        run.raw.reached.map_or(f64::INFINITY, |i| i as f64),
    );
    let curve = |d: &Descent| {
        let step = (d.loss.len() / 400).max(1);
        d.loss
            .iter()
            .enumerate()
            .step_by(step)
            .map(|(i, &l)| (i as f64, ((l - d.best) / d.best).max(1e-16).log10()))
            .collect()
    };
    report.plot(
        Plot::new(
            "convergence.svg",
            "Batch GD: relative excess cost, unscaled vs scaled (first seed)",
            "iteration",
            "log10 (J - J*) / J*",
        )
        .with(Series::line("unscaled", curve(&run.raw)))
        .with(Series::line("mean-normalised", curve(&run.normalised)))
        .with(Series::line("standardised", curve(&run.standardised))),
    );
}

/// Scaled features (by range, and by standard deviation) against unscaled ones: iterations to
/// converge, paired by seed.
fn speedup_claims(runs: &[SeedRun], epochs: usize, report: &mut Report) {
    let raw: Vec<f64> = runs.iter().map(|r| r.raw.log10_iterations()).collect();
    let normalised: Vec<f64> = runs
        .iter()
        .map(|r| r.normalised.log10_iterations())
        .collect();
    let standardised: Vec<f64> = runs
        .iter()
        .map(|r| r.standardised.log10_iterations())
        .collect();
    let mean_cond =
        |cond: &dyn Fn(&SeedRun) -> f64| mean_se(&runs.iter().map(cond).collect::<Vec<f64>>()).0;
    let capped = runs.iter().filter(|r| r.raw.reached.is_none()).count();
    let context = format!(
        "mean condition number of XᵀX/m: {} unscaled, {} mean-normalised, {} standardised; {capped} of {} unscaled runs did not converge within {epochs} epochs and count as {epochs}",
        num(mean_cond(&|r| r.raw.cond)),
        num(mean_cond(&|r| r.normalised.cond)),
        num(mean_cond(&|r| r.standardised.cond)),
        runs.len()
    );
    report.claim(
        "scaling-speeds-up-gradient-descent",
        "Feature scaling speeds up gradient descent (skewed contours make it zig-zag and converge slowly)",
        Verdict::paired_gain(
            "log10 iterations to converge, unscaled − mean-normalised",
            &raw,
            &normalised,
            MIN_LOG10_SPEEDUP,
        )
        .with(&context),
    );
    report.claim(
        "standardisation-speeds-up-gradient-descent",
        "Method: subtract the mean and divide by the range (or standard deviation): dividing by the standard deviation speeds up gradient descent as well",
        Verdict::paired_gain(
            "log10 iterations to converge, unscaled − standardised",
            &raw,
            &standardised,
            MIN_LOG10_SPEEDUP,
        )
        .with(&context),
    );
}

/// Mean normalisation `x' = (x − mean)/(max − min)` fitted on the training rows of a random
/// split of the wine data (11 skewed physicochemical features, with outliers), applied to its
/// test rows, which may lie beyond the training minimum and maximum.
fn range_claim(seeds: &[u64], report: &mut Report) -> Result<()> {
    let wine = data::wine();
    let (mut inside, mut largest) = (Vec::new(), Vec::new());
    for &seed in seeds {
        let split = HoldOut::train_test(RANGE_TRAIN_SHARE, seed).split(wine.n_samples(), None)?;
        let (train, test) = (wine.select(&split.train)?, wine.select(&split.test)?);
        let scaled = Scaler::mean_normalization()
            .fit(&train)?
            .transform(test.x())?;
        let cells = scaled.len() as f64;
        inside.push(scaled.iter().filter(|v| v.abs() <= 1.0).count() as f64 / cells);
        largest.push(scaled.fold(0.0f64, |a, &v| a.max(v.abs())));
    }
    let raw_spread: Vec<f64> = wine.x().columns().into_iter().map(|c| c.std(0.0)).collect();
    report.claim(
        "mean-normalisation-range",
        "Mean normalisation puts every feature into approximately -1 <= x_i <= 1",
        Verdict::mean_above(
            "share of scaled test cells of wine inside [-1, 1], scaler fitted on the training rows",
            &inside,
            INSIDE_SHARE,
        )
        .and(Verdict::mean_below(
            "largest |x'| on the test rows",
            &largest,
            RANGE_LIMIT,
        ))
        .with(format!(
            "{}/{} random splits of {} rows; unscaled, the features' standard deviations range from {} to {}",
            num(RANGE_TRAIN_SHARE * 100.0),
            num((1.0 - RANGE_TRAIN_SHARE) * 100.0),
            wine.n_samples(),
            num(raw_spread.iter().copied().fold(f64::INFINITY, f64::min)),
            num(raw_spread.iter().copied().fold(0.0, f64::max))
        )),
    );
    Ok(())
}

/// `m` points of a U-shaped effect: `x` uniform in `[0, 10]`, `y = (x − 5)²` plus Gaussian
/// noise of standard deviation [`CURVE_NOISE`].
fn curved(m: usize, seed: u64) -> Result<Dataset<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((m, 1), |_| rng.random_range(0.0f64..10.0));
    let y = x
        .column(0)
        .mapv(|v: f64| (v - 5.0).powi(2) + CURVE_NOISE * rng.sample::<f64, _>(StandardNormal));
    Dataset::new(x, y)
}

/// A linear model on `x` against the same model on [`BINS`] quantile bins of `x`, scored on
/// fresh test points of every seed.
fn binning_claim(seeds: &[u64], report: &mut Report) -> Result<()> {
    let binned = Pipeline::new(
        Binning::new(BINS, BinningStrategy::Quantile),
        LinearRegression::ridge(BIN_RIDGE),
    );
    let (mut raw_mse, mut bin_mse, mut raw_r2, mut bin_r2) = (vec![], vec![], vec![], vec![]);
    for &seed in seeds {
        let train = curved(CURVE_TRAIN, seed)?;
        let test = curved(CURVE_TEST, seed.wrapping_add(HELD_OUT_SEED))?;
        let y = test.targets().view();
        let p_raw = LinearRegression::new().fit(&train)?.predict(test.x())?;
        let p_bin = binned.fit(&train)?.predict(test.x())?;
        raw_mse.push(metrics::mse(y, p_raw.view())?);
        bin_mse.push(metrics::mse(y, p_bin.view())?);
        raw_r2.push(metrics::r2(y, p_raw.view())?);
        bin_r2.push(metrics::r2(y, p_bin.view())?);
    }
    let mut t = Table::new(
        &format!(
            "y = (x − 5)² + noise: a linear model on x against one on {BINS} quantile bins of x ({CURVE_TRAIN} training points, {CURVE_TEST} test points; mean over {} seeds)",
            seeds.len()
        ),
        &["features", "test MSE", "test R²"],
    );
    t.row(vec![
        "x".into(),
        f4(mean_se(&raw_mse).0),
        f4(mean_se(&raw_r2).0),
    ]);
    t.row(vec![
        format!("{BINS} bin indicators"),
        f4(mean_se(&bin_mse).0),
        f4(mean_se(&bin_r2).0),
    ]);
    report.table(t);
    report.claim(
        "binning-captures-nonlinear-effect",
        "Binning (discretization) helps linear models capture nonlinear effects",
        Verdict::paired_gain(
            "test MSE, linear on x − linear on its bins",
            &raw_mse,
            &bin_mse,
            0.0,
        )
        .with(format!(
            "mean test R² {} on x vs {} on the bins",
            num(mean_se(&raw_r2).0),
            num(mean_se(&bin_r2).0)
        )),
    );

    // The first seed's two fits, drawn over the training points.
    let train = curved(CURVE_TRAIN, seeds[0])?;
    let grid = Array2::from_shape_fn((201, 1), |(i, _)| i as f64 * 0.05);
    let line = |p: Array1<f64>| -> Vec<(f64, f64)> {
        grid.column(0)
            .iter()
            .copied()
            .zip(p.iter().copied())
            .collect()
    };
    let fit_raw = LinearRegression::new().fit(&train)?.predict(grid.view())?;
    let fit_bin = binned.fit(&train)?.predict(grid.view())?;
    report.plot(
        Plot::new(
            "binning.svg",
            "A linear model on x and on its quantile bins (first seed)",
            "x",
            "y",
        )
        .with(Series::points(
            "training points",
            train
                .x()
                .column(0)
                .iter()
                .copied()
                .zip(train.targets().iter().copied())
                .collect(),
        ))
        .with(Series::line("linear on x", line(fit_raw)))
        .with(Series::line(
            &format!("linear on {BINS} bins"),
            line(fit_bin),
        )),
    );
    Ok(())
}
