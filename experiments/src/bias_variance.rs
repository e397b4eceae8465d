//! Bias against variance: polynomial regression of growing degree and λ on noisy samples of
//! `sin(πx)` on `[-1, 1]`, diagnosed from learning curves as in the notes' table, then every
//! symptom and remedy of the table measured on fresh samples for each seed. Against high bias:
//! more features, a smaller λ, and a better optimizer (Adam against plain gradient descent on
//! unscaled house prices). Against high variance: more data, a larger λ, and feature selection.

use mlnotes::data::Dataset;
use mlnotes::estimator::{Checked, Fit, FitChecked, FitFeatures, Params, Predict, Transform};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::linalg::largest_eigenvalue;
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{FittedLinear, LinearRegression, design};
use mlnotes::metrics;
use mlnotes::optim::{GradientDescent, Objective, Solver, Update};
use mlnotes::preprocess::{FittedPolynomial, FittedScaler, PolynomialFeatures, Scaler};
use mlnotes::selection::{LearningCurve, learning_curve};
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::f4;
use crate::feature_scaling::houses;

/// The `bias-variance` experiment.
pub struct BiasVariance;

/// Standard deviation of the noise on `sin(πx)`.
const NOISE: f64 = 0.2;
/// Validation points of every seed.
const VALIDATION: usize = 500;
/// The high-variance regime: subsets of this many examples ...
const FEW: usize = 16;
/// ... this many disjoint ones per seed (the seed's measurement is their mean log10 error).
const SUBSETS: usize = 5;
/// The flexible model: degree-12 polynomial features.
const HIGH_DEGREE: u32 = 12;
/// λ ≈ 0 (a nugget that keeps the normal equation solvable), and the λ that regularises it.
const NEAR_ZERO: f64 = 1e-9;
const REGULARISED: f64 = 0.1;
/// Feature selection keeps the polynomial features most correlated with y on the training rows.
const KEPT: usize = 4;
/// The degree-5 model, fitted with λ ≈ 0 and with a λ so strong that it underfits.
const MID_DEGREE: u32 = 5;
const MID_LAMBDA: f64 = 1e-6;
const STRONG_LAMBDA: f64 = 1000.0;
/// The optimizer remedy: houses to fit and to validate on, the epochs each optimizer gets, and
/// Adam's step.
const HOUSES_TRAIN: usize = 200;
const HOUSES_VALIDATION: usize = 1000;
const EPOCHS: usize = 1000;
const ADAM_STEP: f64 = 1.0;
/// Variance of the houses' price noise, uniform on ±25 k$: 50² / 12.
const HOUSES_NOISE_VARIANCE: f64 = 50.0 * 50.0 / 12.0;

/// Polynomial features of one input, standardised, optionally only the `select` most
/// correlated with the target (feature selection on the training rows), then ridge regression.
#[derive(Debug, Clone, Copy)]
struct PolyRidge {
    degree: u32,
    l2: f64,
    select: Option<usize>,
}

impl PolyRidge {
    /// All the features of `degree`, ridge `l2`.
    fn new(degree: u32, l2: f64) -> Self {
        PolyRidge {
            degree,
            l2,
            select: None,
        }
    }
}

struct FittedPolyRidge {
    poly: FittedPolynomial,
    scaler: FittedScaler,
    /// The columns kept (all of them without selection).
    kept: Vec<usize>,
    model: FittedLinear,
}

impl Params for PolyRidge {
    fn check(&self) -> Result<()> {
        if self.select == Some(0) {
            return Err(Error::config("select", "must keep at least one feature"));
        }
        LinearRegression::ridge(self.l2).check()
    }
}

impl FitChecked<f64> for PolyRidge {
    type Model = FittedPolyRidge;
    fn fit_checked(&self, d: Checked<'_, f64, Self>) -> Result<FittedPolyRidge> {
        let poly = PolynomialFeatures::new(self.degree).fit(&d)?;
        let z = poly.transform(d.x())?;
        let scaler = Scaler::standardization().fit_features(z.view())?;
        let z = scaler.transform(z.view())?;
        let mut kept: Vec<usize> = (0..z.ncols()).collect();
        if let Some(k) = self.select {
            // standardised columns: |Σ z_ij (y_i − ȳ)| ranks them by |correlation with y|
            let mean = d.targets().mean().unwrap_or(0.0);
            let y = d.targets().mapv(|v| v - mean);
            let score: Vec<f64> = z.columns().into_iter().map(|c| c.dot(&y).abs()).collect();
            kept.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
            kept.truncate(k);
            kept.sort_unstable();
        }
        let model =
            LinearRegression::ridge(self.l2).fit(&d.with_features(z.select(Axis(1), &kept))?)?;
        Ok(FittedPolyRidge {
            poly,
            scaler,
            kept,
            model,
        })
    }
}

impl Predict<f64> for FittedPolyRidge {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let z = self.scaler.transform(self.poly.transform(x)?.view())?;
        self.model.predict(z.select(Axis(1), &self.kept).view())
    }
}

fn sine(m: usize, seed: u64) -> Result<Dataset<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((m, 1), |_| rng.random_range(-1.0..1.0));
    let y = x.column(0).mapv(|v| {
        (std::f64::consts::PI * v).sin() + NOISE * (rng.random::<f64>() * 2.0 - 1.0) * 3f64.sqrt()
    });
    Dataset::new(x, y)
}

/// The seed's training pool and validation set (two streams that no other seed uses).
fn pool_and_validation(seed: u64, pool: usize) -> Result<(Dataset<f64>, Dataset<f64>)> {
    let s = seed.wrapping_mul(2);
    Ok((sine(pool, s)?, sine(VALIDATION, s.wrapping_add(1))?))
}

fn curve_points(c: &LearningCurve, train: bool) -> Vec<(f64, f64)> {
    let v = if train {
        &c.train_error
    } else {
        &c.validation_error
    };
    c.sizes
        .iter()
        .zip(v)
        .map(|(&m, &e)| (m as f64, e.min(2.0)))
        .collect()
}

/// Training and validation MSE of one fit.
#[derive(Debug, Clone, Copy)]
struct Errors {
    train: f64,
    validation: f64,
}

/// Fit `params` on `train`; its MSE there and on `validation`.
fn errors(
    params: &impl Fit<f64, Model: Predict<f64>>,
    train: &Dataset<f64>,
    validation: &Dataset<f64>,
) -> Result<Errors> {
    let model = params.fit(train)?;
    Ok(Errors {
        train: metrics::mse(train.targets().view(), model.predict(train.x())?.view())?,
        validation: metrics::mse(
            validation.targets().view(),
            model.predict(validation.x())?.view(),
        )?,
    })
}

/// The mean log10 errors of `params` over [`SUBSETS`] disjoint subsets of [`FEW`] pool rows
/// (log scale: an overfitted polynomial's validation error spans orders of magnitude).
fn few_examples(
    params: &impl Fit<f64, Model: Predict<f64>>,
    pool: &Dataset<f64>,
    validation: &Dataset<f64>,
) -> Result<Errors> {
    let mut sum = Errors {
        train: 0.0,
        validation: 0.0,
    };
    for k in 0..SUBSETS {
        let rows: Vec<usize> = (k * FEW..(k + 1) * FEW).collect();
        let e = errors(params, &pool.select(&rows)?, validation)?;
        sum.train += e.train.log10() / SUBSETS as f64;
        sum.validation += e.validation.log10() / SUBSETS as f64;
    }
    Ok(sum)
}

/// Batch gradient descent for [`EPOCHS`] epochs with update `update` at step `rate`.
fn descent(update: Update, rate: f64) -> LinearRegression {
    LinearRegression::new().with_solver(Solver::GradientDescent(GradientDescent {
        learning_rate: rate,
        update,
        max_epochs: EPOCHS,
        tol: 0.0,
        ..Default::default()
    }))
}

/// One seed's measurements of every regime (MSE; the few-example ones as mean log10 MSE).
struct SeedErrors {
    /// Degree 1 and degree 5 (λ ≈ 0), degree 5 with a strong λ, degree 12 (λ ≈ 0): all pool rows.
    degree1: Errors,
    degree5: Errors,
    strong: Errors,
    high_all: Errors,
    /// Degree 12 on few examples: λ ≈ 0, λ = [`REGULARISED`], the [`KEPT`] selected features.
    few_overfit: Errors,
    few_regularised: Errors,
    few_selected: Errors,
    /// Unscaled houses: plain gradient descent at its safe step 1/λ_max, and Adam.
    plain: Errors,
    adam: Errors,
}

/// Every regime of one seed, on its own pool, validation set and houses.
fn measure_seed(seed: u64, pool_size: usize) -> Result<SeedErrors> {
    let (pool, val) = pool_and_validation(seed, pool_size)?;
    let high = PolyRidge::new(HIGH_DEGREE, NEAR_ZERO);
    let selected = PolyRidge {
        select: Some(KEPT),
        ..high
    };
    let s = seed.wrapping_mul(2);
    let (train, check) = (
        houses(HOUSES_TRAIN, s)?,
        houses(HOUSES_VALIDATION, s.wrapping_add(1))?,
    );
    let x = design(train.x());
    let cost = SquaredError::new(x.view(), train.targets().view(), 0.0)?;
    let hessian = cost
        .hessian(Array1::zeros(x.ncols()).view())
        .ok_or_else(|| Error::invalid("the squared-error cost gave no Hessian"))?;
    let safe_step = 1.0 / largest_eigenvalue(hessian.view());
    Ok(SeedErrors {
        degree1: errors(&PolyRidge::new(1, 0.0), &pool, &val)?,
        degree5: errors(&PolyRidge::new(MID_DEGREE, MID_LAMBDA), &pool, &val)?,
        strong: errors(&PolyRidge::new(MID_DEGREE, STRONG_LAMBDA), &pool, &val)?,
        high_all: errors(&high, &pool, &val)?,
        few_overfit: few_examples(&high, &pool, &val)?,
        few_regularised: few_examples(&PolyRidge::new(HIGH_DEGREE, REGULARISED), &pool, &val)?,
        few_selected: few_examples(&selected, &pool, &val)?,
        plain: errors(&descent(Update::Plain, safe_step), &train, &check)?,
        adam: errors(&descent(Update::adam(), ADAM_STEP), &train, &check)?,
    })
}

impl Experiment for BiasVariance {
    fn name(&self) -> &'static str {
        "bias-variance"
    }

    fn section(&self) -> &'static str {
        "Bias vs. Variance"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let pool_size = ctx.size(200, 100);
        learning_curves(ctx.seed, pool_size, ctx, &mut report)?;
        let seeds = ctx.seeds();
        let bar = ctx.progress(seeds.len() as u64, "remedies per seed");
        let mut runs = Vec::new();
        for &seed in &seeds {
            runs.push(measure_seed(seed, pool_size)?);
            bar.inc(1);
        }
        bar.finish_and_clear();
        remedies_table(&runs, pool_size, &mut report);
        symptom_claims(&runs, &mut report);
        high_bias_claims(&runs, &mut report);
        high_variance_claims(&runs, pool_size, &mut report);
        Ok(report)
    }
}

/// The notes' diagnosis from learning curves, on the first seed's pool: table and plot.
fn learning_curves(seed: u64, pool_size: usize, ctx: &Context, report: &mut Report) -> Result<()> {
    let (pool, val) = pool_and_validation(seed, pool_size)?;
    let sizes: Vec<usize> = [12, 16, 20, 30, 50, 100, 200]
        .into_iter()
        .filter(|&s| s <= pool.n_samples())
        .collect();
    let small: Vec<usize> = vec![13, 14, FEW];
    let (acceptable, gap) = (2.0 * NOISE * NOISE, NOISE * NOISE);
    let configs = [
        ("degree 1 (underfits)", PolyRidge::new(1, 0.0), &sizes),
        ("degree 5", PolyRidge::new(MID_DEGREE, MID_LAMBDA), &sizes),
        (
            "degree 12, λ ≈ 0, few examples (overfits)",
            PolyRidge::new(HIGH_DEGREE, NEAR_ZERO),
            &small,
        ),
        (
            "degree 12, λ = 0.1, few examples",
            PolyRidge::new(HIGH_DEGREE, REGULARISED),
            &small,
        ),
        (
            "degree 12, λ ≈ 0, all examples",
            PolyRidge::new(HIGH_DEGREE, NEAR_ZERO),
            &sizes,
        ),
    ];
    let mut t = Table::new(
        &format!(
            "Learning curves (MSE; noise variance {:.2}; first seed); diagnosis at the largest size: acceptable error {acceptable:.2}, gap {gap:.2}",
            NOISE * NOISE
        ),
        &[
            "model",
            "largest m",
            "train error",
            "validation error",
            "diagnosis",
        ],
    );
    let mut plot = Plot::new(
        "learning_curves.svg",
        "Learning curves on noisy sin(πx) (first seed)",
        "training examples m",
        "mean squared error (clipped at 2)",
    );
    let bar = ctx.progress(configs.len() as u64, "learning curves");
    for (i, (name, p, s)) in configs.into_iter().enumerate() {
        let c = learning_curve(&p, &pool, &val, s, metrics::mse)?;
        let diag = c.diagnose(acceptable, gap);
        let last = c.sizes.len() - 1;
        t.row(vec![
            name.into(),
            c.sizes[last].to_string(),
            f4(c.train_error[last]),
            f4(c.validation_error[last].min(1e6)),
            format!("{diag:?}"),
        ]);
        // the plotted curves: degree 1, degree 5, degree 12 with all examples
        if matches!(i, 0 | 1 | 4) {
            plot = plot
                .with(Series::line(
                    &format!("{name}: train"),
                    curve_points(&c, true),
                ))
                .with(Series::line(
                    &format!("{name}: validation"),
                    curve_points(&c, false),
                ));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    report.table(t);
    report.plot(plot);
    Ok(())
}

/// A column of the per-seed measurements.
fn column(runs: &[SeedErrors], pick: impl Fn(&SeedErrors) -> f64) -> Vec<f64> {
    runs.iter().map(pick).collect()
}

/// Mean over seeds of a column.
fn mean_of(runs: &[SeedErrors], pick: impl Fn(&SeedErrors) -> f64) -> f64 {
    mean_se(&column(runs, pick)).0
}

/// Every regime's errors, averaged over the seeds.
fn remedies_table(runs: &[SeedErrors], pool_size: usize, report: &mut Report) {
    let mut t = Table::new(
        &format!(
            "The notes' remedies, mean over {} seeds (MSE; few-example rows: 10^(mean log10 MSE) over {SUBSETS} subsets of {FEW})",
            runs.len()
        ),
        &["model", "examples", "train error", "validation error"],
    );
    let on_sine = |what: String| format!("sine: {what}");
    // (model, examples, whether on the houses, the errors of one seed)
    type Row = (String, usize, bool, fn(&SeedErrors) -> Errors);
    let rows: [Row; 9] = [
        (on_sine("degree 1".into()), pool_size, false, |r| r.degree1),
        (
            on_sine(format!("degree {MID_DEGREE}, λ = {}", num(MID_LAMBDA))),
            pool_size,
            false,
            |r| r.degree5,
        ),
        (
            on_sine(format!("degree {MID_DEGREE}, λ = {}", num(STRONG_LAMBDA))),
            pool_size,
            false,
            |r| r.strong,
        ),
        (
            on_sine(format!("degree {HIGH_DEGREE}, λ = {}", num(NEAR_ZERO))),
            pool_size,
            false,
            |r| r.high_all,
        ),
        (
            on_sine(format!("degree {HIGH_DEGREE}, λ = {}", num(NEAR_ZERO))),
            FEW,
            true,
            |r| r.few_overfit,
        ),
        (
            on_sine(format!("degree {HIGH_DEGREE}, λ = {}", num(REGULARISED))),
            FEW,
            true,
            |r| r.few_regularised,
        ),
        (
            on_sine(format!(
                "degree {HIGH_DEGREE}, the {KEPT} features most correlated with y, λ = {}",
                num(NEAR_ZERO)
            )),
            FEW,
            true,
            |r| r.few_selected,
        ),
        (
            format!("houses: plain gradient descent, {EPOCHS} epochs"),
            HOUSES_TRAIN,
            false,
            |r| r.plain,
        ),
        (
            format!("houses: Adam, {EPOCHS} epochs"),
            HOUSES_TRAIN,
            false,
            |r| r.adam,
        ),
    ];
    for (name, m, log, pick) in rows {
        let shown = |v: f64| if log { 10f64.powf(v) } else { v };
        t.row(vec![
            name,
            m.to_string(),
            num(shown(mean_of(runs, |r| pick(r).train))),
            num(shown(mean_of(runs, |r| pick(r).validation))),
        ]);
    }
    report.table(t);
}

/// The table's symptoms: high bias (degree 1) and high variance (degree 12 on few examples).
fn symptom_claims(runs: &[SeedErrors], report: &mut Report) {
    let acceptable = 2.0 * NOISE * NOISE;
    report.claim(
        "high-bias-symptom",
        "High bias (underfitting): high training error and high validation error",
        Verdict::mean_above(
            "degree-1 training MSE",
            &column(runs, |r| r.degree1.train),
            acceptable,
        )
        .and(Verdict::mean_above(
            "degree-1 validation MSE",
            &column(runs, |r| r.degree1.validation),
            acceptable,
        ))
        .with(format!(
            "acceptable error = 2 × noise variance = {}",
            num(acceptable)
        )),
    );
    report.claim(
        "high-variance-symptom",
        "High variance (overfitting): low training error, high validation error",
        Verdict::mean_below(
            &format!("degree-12 mean log10 training MSE on {FEW} examples"),
            &column(runs, |r| r.few_overfit.train),
            acceptable.log10(),
        )
        .and(Verdict::mean_above(
            &format!("degree-12 mean log10 validation MSE on {FEW} examples"),
            &column(runs, |r| r.few_overfit.validation),
            acceptable.log10(),
        ))
        .with(format!(
            "the threshold is log10 of the acceptable error {}",
            num(acceptable)
        )),
    );
}

/// The notes' remedies for high bias, each paired by seed.
fn high_bias_claims(runs: &[SeedErrors], report: &mut Report) {
    let acceptable = 2.0 * NOISE * NOISE;
    report.claim(
        "fix-high-bias-more-features",
        "Fix high bias with more features / a more complex model",
        Verdict::paired_gain(
            "validation MSE, degree 1 − degree 5",
            &column(runs, |r| r.degree1.validation),
            &column(runs, |r| r.degree5.validation),
            0.0,
        )
        .and(Verdict::paired_gain(
            "training MSE, degree 1 − degree 5",
            &column(runs, |r| r.degree1.train),
            &column(runs, |r| r.degree5.train),
            0.0,
        )),
    );
    report.claim(
        "fix-high-bias-decrease-lambda",
        "Fix high bias by decreasing regularization (λ)",
        Verdict::mean_above(
            &format!(
                "degree-{MID_DEGREE} training MSE at λ = {}",
                num(STRONG_LAMBDA)
            ),
            &column(runs, |r| r.strong.train),
            acceptable,
        )
        .and(Verdict::paired_gain(
            &format!(
                "degree-{MID_DEGREE} validation MSE, λ = {} − λ = {}",
                num(STRONG_LAMBDA),
                num(MID_LAMBDA)
            ),
            &column(runs, |r| r.strong.validation),
            &column(runs, |r| r.degree5.validation),
            0.0,
        )),
    );
    let houses_acceptable = 2.0 * HOUSES_NOISE_VARIANCE;
    report.claim(
        "fix-high-bias-better-optimizer",
        "Fix high bias by using better optimizers (e.g., Adam)",
        Verdict::mean_above(
            &format!(
                "training MSE of plain gradient descent at step 1/λ_max after {EPOCHS} epochs on unscaled houses"
            ),
            &column(runs, |r| r.plain.train),
            houses_acceptable,
        )
        .and(Verdict::paired_gain(
            &format!(
                "validation MSE after {EPOCHS} epochs, plain gradient descent − Adam (step {ADAM_STEP})"
            ),
            &column(runs, |r| r.plain.validation),
            &column(runs, |r| r.adam.validation),
            0.0,
        ))
        .with(format!(
            "acceptable error = 2 × noise variance = {}; Adam's mean training MSE {}",
            num(houses_acceptable),
            num(mean_of(runs, |r| r.adam.train))
        )),
    );
}

/// The notes' remedies for high variance (degree 12, λ ≈ 0, few examples), paired by seed.
fn high_variance_claims(runs: &[SeedErrors], pool_size: usize, report: &mut Report) {
    let overfit = column(runs, |r| r.few_overfit.validation);
    report.claim(
        "fix-high-variance-more-data",
        "Fix high variance by getting more training data",
        Verdict::paired_gain(
            &format!("log10 validation MSE of degree 12 (λ ≈ 0), {FEW} − {pool_size} examples"),
            &overfit,
            &column(runs, |r| r.high_all.validation.log10()),
            0.0,
        ),
    );
    report.claim(
        "fix-high-variance-feature-selection",
        "Fix high variance by feature selection (reduce features)",
        Verdict::paired_gain(
            &format!(
                "mean log10 validation MSE on {FEW} examples, all {HIGH_DEGREE} polynomial features − the {KEPT} most correlated with y"
            ),
            &overfit,
            &column(runs, |r| r.few_selected.validation),
            0.0,
        ),
    );
    report.claim(
        "fix-high-variance-increase-lambda",
        "Fix high variance by increasing regularization λ",
        Verdict::paired_gain(
            &format!(
                "mean log10 validation MSE of degree 12 on {FEW} examples, λ ≈ 0 − λ = {REGULARISED}"
            ),
            &overfit,
            &column(runs, |r| r.few_regularised.validation),
            0.0,
        ),
    );
}
