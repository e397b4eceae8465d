//! Model selection strategy: the notes' table reproduced on generated data, over seeds. With
//! `n` features and `m` training examples: n ≥ m → logistic regression or a linear SVM; n small,
//! m intermediate → SVM with a Gaussian kernel; n small, m large → logistic regression with
//! hand-made features, because kernel SVMs cost O(m²) to O(m³) (a log-log slope of fit time
//! over four training sizes).

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data::{Dataset, generate};
use mlnotes::estimator::{Fit, Predict, Transform};
use mlnotes::experiment::{
    Context, Experiment, MIN_TIMING_REPEATS, Plot, Report, Series, Table, Verdict, half_iqr,
    mean_se, median, num,
};
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics::accuracy;
use mlnotes::preprocess::{PolynomialFeatures, Scaled};
use mlnotes::svm::{Gamma, Kernel, KernelSvm, LinearSvm};
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::f4;

/// Offset from a seed's training draw to its test draw (no seed serves both).
const TEST_SEED: u64 = 1 << 32;
/// Test rows of the generated problems.
const TEST_ROWS: usize = 2000;
const QUADRATIC_TEST_ROWS: usize = 5000;
/// Regime 1: many features, few examples.
const WIDE_N: usize = 400;
const WIDE_M: usize = 100;
/// Regime 3: few features.
const NARROW_N: usize = 5;
/// A recommended model may trail the alternative by at most one accuracy point.
const NON_INFERIORITY: f64 = -0.01;
/// The Gaussian kernel must beat the better linear model by this much on the moons.
const KERNEL_GAIN: f64 = 0.03;
/// The notes' O(m²) to O(m³), as a band for the log-log slope of fit time.
const SLOPE_LOW: f64 = 1.7;
const SLOPE_HIGH: f64 = 3.3;
/// Logistic regression must fit at least this many times faster (median time ratio).
const MIN_SPEEDUP: f64 = 1.2;

/// The `model-selection-strategy` experiment.
pub struct ModelSelectionStrategy;

/// `m` examples with `n` Gaussian features labelled by a sparse linear rule plus noise.
fn linear_problem(m: usize, n: usize, seed: u64) -> Result<Dataset> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((m, n), |_| rng.sample::<f64, _>(StandardNormal));
    let theta = Array1::from_shape_fn(n, |j| if j < 10 { 1.0 } else { 0.0 });
    let y = x
        .dot(&theta)
        .mapv(|z| usize::from(z + 0.5 * rng.sample::<f64, _>(StandardNormal) > 0.0));
    Dataset::new(x, y)
}

/// `m` examples with `n` uniform features in [-2, 2], labelled inside the circle
/// `x₁² + x₂² < 2` (a quadratic rule), 3% of labels flipped.
fn quadratic_problem(m: usize, n: usize, seed: u64) -> Result<Dataset> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((m, n), |_| rng.random_range(-2.0..2.0));
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            usize::from(r[0] * r[0] + r[1] * r[1] < 2.0) ^ usize::from(rng.random::<f64>() < 0.03)
        })
        .collect();
    Dataset::new(x, y)
}

/// Test accuracy and fit seconds of one model.
#[derive(Debug, Clone, Copy)]
struct Scored {
    accuracy: f64,
    seconds: f64,
}

/// Fit `model` on `train` (timed) and score it on `test`.
fn measure(
    model: &impl Fit<usize, Model: Predict<usize>>,
    train: &Dataset,
    test: &Dataset,
) -> Result<Scored> {
    let start = Instant::now();
    let fitted = model.fit(train)?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(Scored {
        accuracy: accuracy(test.targets().view(), fitted.predict(test.x())?.view())?,
        seconds,
    })
}

/// Logistic regression, linear SVM and Gaussian-kernel SVM on one draw of a regime.
struct Three {
    logistic: Scored,
    linear_svm: Scored,
    kernel: Scored,
}

fn kernel_svm() -> Scaled<KernelSvm> {
    Scaled::standardized(KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)))
}

fn three_models(train: &Dataset, test: &Dataset) -> Result<Three> {
    Ok(Three {
        logistic: measure(
            &Scaled::standardized(LogisticRegression::new(1.0)),
            train,
            test,
        )?,
        linear_svm: measure(&Scaled::standardized(LinearSvm::new(1.0)), train, test)?,
        kernel: measure(&kernel_svm(), train, test)?,
    })
}

/// The notes' table as measured: mean test accuracy and median fit seconds per row.
struct Tables {
    accuracy: Table,
    times: Table,
}

impl Tables {
    /// A row of `model` in `regime`: the accuracies and fit times of its repeats.
    fn add(&mut self, regime: &str, n: usize, m: usize, model: &str, scores: &[Scored]) {
        let head = vec![regime.into(), n.to_string(), m.to_string(), model.into()];
        let acc: Vec<f64> = scores.iter().map(|s| s.accuracy).collect();
        let secs: Vec<f64> = scores.iter().map(|s| s.seconds).collect();
        self.accuracy
            .row([head.clone(), vec![f4(mean_se(&acc).0)]].concat());
        self.times
            .row([head, vec![format!("{:.4}", median(&secs))]].concat());
    }

    /// The rows of the three models of a regime.
    fn add_three(&mut self, regime: &str, n: usize, m: usize, runs: &[Three]) {
        let pick = |f: fn(&Three) -> Scored| runs.iter().map(f).collect::<Vec<Scored>>();
        self.add(regime, n, m, "logistic regression", &pick(|t| t.logistic));
        self.add(regime, n, m, "linear SVM", &pick(|t| t.linear_svm));
        self.add(regime, n, m, "Gaussian-kernel SVM", &pick(|t| t.kernel));
    }
}

/// Accuracies of one model over the runs.
fn accuracies(runs: &[Three], f: fn(&Three) -> Scored) -> Vec<f64> {
    runs.iter().map(|t| f(t).accuracy).collect()
}

impl Experiment for ModelSelectionStrategy {
    fn name(&self) -> &'static str {
        "model-selection-strategy"
    }

    fn section(&self) -> &'static str {
        "Model Selection Strategy"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let mut tables = Tables {
            accuracy: Table::new(
                "The notes' table on generated data (mean test accuracy over the draws)",
                &["regime", "n", "m", "model", "test accuracy"],
            ),
            times: Table::new(
                "The notes' table on generated data (median fit seconds over the draws)",
                &["regime", "n", "m", "model", "fit seconds"],
            )
            .timed(),
        };
        wide_regime(ctx, &mut tables, &mut report)?;
        intermediate_regime(ctx, &mut tables, &mut report)?;
        large_regime(ctx, &mut tables, &mut report)?;
        report.table(tables.accuracy);
        report.table(tables.times);
        Ok(report)
    }
}

/// 1. n ≥ m: 400 features, 100 examples, a sparse linear rule; fresh data for every seed.
fn wide_regime(ctx: &Context, tables: &mut Tables, report: &mut Report) -> Result<()> {
    let mut runs = Vec::new();
    for &seed in &ctx.seeds() {
        runs.push(three_models(
            &linear_problem(WIDE_M, WIDE_N, seed)?,
            &linear_problem(TEST_ROWS, WIDE_N, seed.wrapping_add(TEST_SEED))?,
        )?);
    }
    tables.add_three("n ≥ m", WIDE_N, WIDE_M, &runs);
    let kernel = accuracies(&runs, |t| t.kernel);
    report.claim(
        "n-large-linear-models",
        "n large (n ≥ m): logistic regression or a linear SVM; complex kernels may overfit",
        Verdict::paired_gain(
            "test accuracy, logistic regression − Gaussian-kernel SVM",
            &accuracies(&runs, |t| t.logistic),
            &kernel,
            NON_INFERIORITY,
        )
        .and(Verdict::paired_gain(
            "test accuracy, linear SVM − Gaussian-kernel SVM",
            &accuracies(&runs, |t| t.linear_svm),
            &kernel,
            NON_INFERIORITY,
        )),
    );
    Ok(())
}

/// 2. n small, m intermediate: two features, noisy moons; fresh data for every seed.
fn intermediate_regime(ctx: &Context, tables: &mut Tables, report: &mut Report) -> Result<()> {
    let m = ctx.size(1000, 300);
    let mut runs = Vec::new();
    for &seed in &ctx.seeds() {
        runs.push(three_models(
            &generate::moons(m, 0.25, seed)?,
            &generate::moons(TEST_ROWS, 0.25, seed.wrapping_add(TEST_SEED))?,
        )?);
    }
    tables.add_three("n small, m intermediate", 2, m, &runs);
    let best_linear: Vec<f64> = runs
        .iter()
        .map(|t| t.logistic.accuracy.max(t.linear_svm.accuracy))
        .collect();
    report.claim(
        "n-small-m-intermediate-gaussian-kernel",
        "n small, m intermediate: an SVM with a Gaussian kernel captures the nonlinear relationship",
        Verdict::paired_gain(
            "test accuracy, Gaussian-kernel SVM − the better linear model",
            &accuracies(&runs, |t| t.kernel),
            &best_linear,
            KERNEL_GAIN,
        ),
    );
    Ok(())
}

/// One training size of regime 3: the kernel SVM and logistic regression on degree-2
/// features, on several draws.
struct AtSize {
    m: usize,
    svm: Vec<Scored>,
    logistic: Vec<Scored>,
}

/// 3. n small, m large: kernel cost against logistic regression on made features. Each size
///    is fitted on fresh draws (the largest on [`MIN_TIMING_REPEATS`] of them, for the timing
///    comparison); the slope uses the median time per size.
fn large_regime(ctx: &Context, tables: &mut Tables, report: &mut Report) -> Result<()> {
    let sizes = ctx.size(vec![1250, 2500, 5000, 10_000], vec![250, 500, 1000, 2000]);
    let slope_repeats = ctx.size(3, 1);
    let test = quadratic_problem(
        QUADRATIC_TEST_ROWS,
        NARROW_N,
        ctx.seed.wrapping_add(TEST_SEED),
    )?;
    let poly = PolynomialFeatures::new(2).fit(&test)?;
    let test_poly = test.with_features(poly.transform(test.x())?)?;
    let largest = sizes[sizes.len() - 1];
    let bar = ctx.progress(sizes.len() as u64, "m large");
    let mut measured = Vec::new();
    for &m in &sizes {
        let repeats = if m == largest {
            MIN_TIMING_REPEATS
        } else {
            slope_repeats
        };
        let mut at = AtSize {
            m,
            svm: vec![],
            logistic: vec![],
        };
        for r in 0..repeats as u64 {
            let train = quadratic_problem(m, NARROW_N, ctx.seed.wrapping_add(r))?;
            at.svm.push(measure(&kernel_svm(), &train, &test)?);
            let train_poly = train.with_features(poly.transform(train.x())?)?;
            at.logistic.push(measure(
                &Scaled::standardized(LogisticRegression::new(1.0)),
                &train_poly,
                &test_poly,
            )?);
        }
        tables.add(
            "n small, m large",
            NARROW_N,
            m,
            "Gaussian-kernel SVM",
            &at.svm,
        );
        tables.add(
            "n small, m large",
            NARROW_N,
            m,
            "logistic, degree-2 features",
            &at.logistic,
        );
        measured.push(at);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let seconds = |s: &[Scored]| s.iter().map(|v| v.seconds).collect::<Vec<f64>>();
    // (m, median seconds) per size, and half the interquartile range of the draws' seconds
    let curve = |pick: fn(&AtSize) -> &[Scored]| -> (Vec<(f64, f64)>, Vec<f64>) {
        measured
            .iter()
            .map(|a| {
                let s = seconds(pick(a));
                ((a.m as f64, median(&s)), half_iqr(&s))
            })
            .unzip()
    };
    let (svm_curve, svm_spread) = curve(|a| &a.svm);
    let (logit_curve, logit_spread) = curve(|a| &a.logistic);
    let slope = Verdict::slope(
        "Gaussian-kernel SVM fit time (median per size)",
        &svm_curve,
        SLOPE_LOW,
        SLOPE_HIGH,
    )
    .timed();
    report.timing(
        "kernel_svm_time_exponent",
        mlnotes::metrics::log_log_slope(&svm_curve),
    );
    report.claim(
        "kernel-svm-cost-grows-quadratically-to-cubically",
        "SVM with kernels is computationally expensive (O(m²) to O(m³))",
        slope,
    );
    let last = &measured[measured.len() - 1];
    let acc = |s: &[Scored]| s.iter().map(|v| v.accuracy).collect::<Vec<f64>>();
    report.claim(
        "n-small-m-large-logistic-with-features",
        "n small, m large: logistic regression with manual features instead",
        Verdict::paired_gain(
            &format!(
                "test accuracy at m = {largest}, logistic on degree-2 features − Gaussian-kernel SVM"
            ),
            &acc(&last.logistic),
            &acc(&last.svm),
            NON_INFERIORITY,
        )
        .and(Verdict::speedup(
            &format!("fit time at m = {largest}, Gaussian-kernel SVM / logistic on degree-2 features"),
            &seconds(&last.svm),
            &seconds(&last.logistic),
            MIN_SPEEDUP,
        ))
        .with(format!(
            "median fit {} s (SVM) vs {} s (logistic)",
            num(median(&seconds(&last.svm))),
            num(median(&seconds(&last.logistic)))
        )),
    );
    report.plot(
        Plot::new(
            "fit_time_vs_m.svg",
            &format!(
                "Fit time against m (n = {NARROW_N}); median ± half IQR over the draws ({slope_repeats} per m, {MIN_TIMING_REPEATS} at m = {largest})"
            ),
            "training examples m",
            "fit time (s)",
        )
        .with(Series::line("Gaussian-kernel SVM", svm_curve).with_errors(svm_spread))
        .with(Series::line("logistic, degree-2 features", logit_curve).with_errors(logit_spread))
        .timed(),
    );
    Ok(())
}
