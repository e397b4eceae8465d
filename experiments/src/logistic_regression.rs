//! Logistic regression: the log loss is convex where MSE on a sigmoid is not; binary
//! classification of breast cancer; one-vs-all against softmax on iris and digits (5-fold CV
//! over several fold seeds, scikit-learn's numbers beside ours); h(x) as a calibrated
//! probability (reliability curve against naive Bayes); a decision boundary in 2-D.

use mlnotes::Result;
use mlnotes::bayes::GaussianNb;
use mlnotes::data::{self, Dataset, generate};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, PredictProba};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::linear::cost::sigmoid;
use mlnotes::linear::{LogisticRegression, MultiClass};
use mlnotes::metrics;
use mlnotes::preprocess::Scaled;
use ndarray::{Array1, Array2, array};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::{cv_accuracy, f4, mean_pm};

/// The L2 penalty λ of every model here (scikit-learn's `C = 1`).
const LAMBDA: f64 = 1.0;
/// Rows of digits kept in quick mode (the first ones).
const QUICK_DIGITS_ROWS: usize = 400;
/// How far below scikit-learn's accuracy ours may fall ("within one point").
const SKLEARN_TOLERANCE: f64 = 0.01;
/// Accuracy both multiclass strategies must exceed on digits, and the largest gap between them.
const MULTICLASS_FLOOR: f64 = 0.9;
const MULTICLASS_GAP: f64 = 0.03;
/// Calibration: training and test rows per seed, equal-width probability bins, the largest
/// expected calibration error of a calibrated model, and how much worse naive Bayes must be.
const CALIBRATION_TRAIN: usize = 500;
const CALIBRATION_TEST: usize = 4000;
const CALIBRATION_BINS: usize = 10;
const ECE_MAX: f64 = 0.05;
const ECE_NB_MARGIN: f64 = 0.05;

/// The `logistic-regression` experiment.
pub struct LogisticRegressionExperiment;

impl Experiment for LogisticRegressionExperiment {
    fn name(&self) -> &'static str {
        "logistic-regression"
    }

    fn section(&self) -> &'static str {
        "Logistic Regression"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        cost_shape(&mut report);
        accuracy_and_multiclass(ctx, &mut report)?;
        calibration(ctx, &mut report)?;
        decision_boundary(ctx, &mut report)?;
        Ok(report)
    }
}

/// Second differences `f(w−h) − 2f(w) + f(w+h)` along a grid (all ≥ 0 for a convex `f`).
fn second_differences(values: &[f64]) -> Vec<f64> {
    values
        .windows(3)
        .map(|w| w[0] - 2.0 * w[1] + w[2])
        .collect()
}

/// 1. Cost along one weight on six fixed points: log loss convex, MSE of the sigmoid not.
fn cost_shape(report: &mut Report) {
    let xs = [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0];
    let ys = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
    let grid: Vec<f64> = (0..=200).map(|i| -10.0 + 0.1 * i as f64).collect();
    let cost = |loss: &dyn Fn(f64, f64) -> f64| -> Vec<f64> {
        grid.iter()
            .map(|w| {
                xs.iter()
                    .zip(ys)
                    .map(|(x, y)| loss(sigmoid(w * x), y))
                    .sum::<f64>()
                    / 6.0
            })
            .collect()
    };
    let mse = cost(&|h, y| (h - y).powi(2));
    let log_loss = cost(&|h, y| -(y * h.ln() + (1.0 - y) * (1.0 - h).ln()));
    let lowest = |v: &[f64]| {
        second_differences(v)
            .into_iter()
            .fold(f64::INFINITY, f64::min)
    };
    report.claim(
        "mse-non-convex-log-loss-convex",
        "With the sigmoid, MSE gives a non-convex cost; the cross-entropy (log loss) is convex",
        Verdict::at_most(
            "smallest second difference of the MSE over w in [-10, 10] (step 0.1)",
            lowest(&mse),
            -1e-9,
        )
        .and(Verdict::at_least(
            "smallest second difference of the log loss",
            lowest(&log_loss),
            -1e-12,
        )),
    );
    report.plot(
        Plot::new(
            "cost_shape.svg",
            "Cost along one weight w (h = g(w x))",
            "weight w",
            "mean cost over the 6 examples",
        )
        .with(Series::line(
            "MSE of sigmoid",
            grid.iter().copied().zip(mse).collect(),
        ))
        .with(Series::line(
            "cross-entropy",
            grid.iter().copied().zip(log_loss).collect(),
        )),
    );
}

/// One embedded set's cross-validated accuracies over the fold seeds.
struct SetScores {
    name: &'static str,
    classes: usize,
    /// scikit-learn's accuracy on the whole set (its own folds).
    sklearn: f64,
    /// Whether the set was subsampled (quick mode), so not comparable with scikit-learn.
    subsampled: bool,
    softmax: Vec<f64>,
    one_vs_all: Vec<f64>,
}

/// 2. Accuracy on the embedded sets against scikit-learn (same protocol: standardise in the
///    fold, 5-fold stratified CV, C = 1 i.e. λ = 1), repeated over fold seeds; one-vs-all
///    against softmax on the multiclass sets.
fn accuracy_and_multiclass(ctx: &Context, report: &mut Report) -> Result<()> {
    let seeds = ctx.seeds();
    // scikit-learn 1.9.1: make_pipeline(StandardScaler(), LogisticRegression(C=1)), mean
    // 5-fold accuracy over StratifiedKFold(shuffle=True, random_state=0..19).
    let sets: Vec<(&'static str, Dataset, f64)> = vec![
        ("breast cancer", data::breast_cancer(), 0.9790),
        ("iris", data::iris(), 0.9570),
        ("digits", data::digits(), 0.9693),
    ];
    let bar = ctx.progress((sets.len() * seeds.len()) as u64, "cross-validating");
    let mut scores = Vec::new();
    for (name, d, sklearn) in sets {
        let subsampled = ctx.quick && d.n_samples() > QUICK_DIGITS_ROWS;
        let d = if subsampled {
            d.select(&(0..QUICK_DIGITS_ROWS).collect::<Vec<_>>())?
        } else {
            d
        };
        let mut s = SetScores {
            name,
            classes: d.n_classes(),
            sklearn,
            subsampled,
            softmax: vec![],
            one_vs_all: vec![],
        };
        for &seed in &seeds {
            s.softmax.push(cv_accuracy(
                &Scaled::standardized(LogisticRegression::new(LAMBDA).with_engine(ctx.engine)),
                &d,
                seed,
            )?);
            if s.classes > 2 {
                s.one_vs_all.push(cv_accuracy(
                    &Scaled::standardized(
                        LogisticRegression::new(LAMBDA).with_multi_class(MultiClass::OneVsAll),
                    ),
                    &d,
                    seed,
                )?);
            }
            bar.inc(1);
        }
        report.metric(
            &format!("cv_accuracy_{}", name.replace(' ', "_")),
            mean_se(&s.softmax).0,
        );
        scores.push(s);
    }
    bar.finish_and_clear();

    let mut t = Table::new(
        &format!(
            "5-fold stratified CV accuracy, standardised features, λ = 1, mean ± SE over {} fold seeds (scikit-learn: LogisticRegression(C=1), mean over 20 shuffles of its own folds)",
            seeds.len()
        ),
        &[
            "data set",
            "classes",
            "softmax / binary",
            "one-vs-all",
            "scikit-learn",
        ],
    );
    for s in &scores {
        t.row(vec![
            format!(
                "{}{}",
                s.name,
                if s.subsampled {
                    format!(" (first {QUICK_DIGITS_ROWS} rows)")
                } else {
                    String::new()
                }
            ),
            s.classes.to_string(),
            mean_pm(&s.softmax),
            if s.one_vs_all.is_empty() {
                "-".into()
            } else {
                mean_pm(&s.one_vs_all)
            },
            f4(s.sklearn),
        ]);
    }
    report.table(t);

    // scikit-learn's number is for the whole set: a subsample is not compared with it.
    let compared: Vec<Verdict> = scores
        .iter()
        .filter(|s| !s.subsampled)
        .map(|s| {
            let gap: Vec<f64> = s.softmax.iter().map(|a| a - s.sklearn).collect();
            Verdict::mean_above(
                &format!("{} accuracy − scikit-learn's {}", s.name, f4(s.sklearn)),
                &gap,
                -SKLEARN_TOLERANCE,
            )
        })
        .collect();
    let skipped: Vec<&str> = scores
        .iter()
        .filter(|s| s.subsampled)
        .map(|s| s.name)
        .collect();
    if let Some(verdict) = compared.into_iter().reduce(Verdict::and) {
        let verdict = if skipped.is_empty() {
            verdict
        } else {
            verdict.with(format!(
                "not compared: {} (subsampled in quick mode)",
                skipped.join(", ")
            ))
        };
        report.claim(
            "matches-scikit-learn",
            "Logistic regression classifies as well as scikit-learn's on the same protocol (within one point)",
            verdict,
        );
    }

    if let Some(digits) = scores.iter().find(|s| s.name == "digits") {
        let gap: Vec<f64> = digits
            .softmax
            .iter()
            .zip(&digits.one_vs_all)
            .map(|(a, b)| (a - b).abs())
            .collect();
        report.claim(
            "multiclass-one-vs-all-or-softmax",
            "Multiclass by one-vs-all (K binary classifiers) or by softmax regression directly",
            Verdict::mean_above(
                "digits accuracy, one-vs-all",
                &digits.one_vs_all,
                MULTICLASS_FLOOR,
            )
            .and(Verdict::mean_above(
                "digits accuracy, softmax",
                &digits.softmax,
                MULTICLASS_FLOOR,
            ))
            .and(Verdict::mean_below(
                "|softmax − one-vs-all| digits accuracy",
                &gap,
                MULTICLASS_GAP,
            )),
        );
    }
    Ok(())
}

/// Two Gaussian classes with one shared, correlated covariance (so `P(y = 1 | x)` is exactly a
/// logistic function of `x`): `x₀ = z₀ + 0.5s`, `x_j = 0.8z₀ + 0.6z_j + 0.5s` for `j = 1..3`,
/// with `s = ±1` the class and `z` standard normal; classes alternate.
fn correlated_classes(n: usize, seed: u64) -> Result<Dataset> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((n, 4));
    let y = Array1::from_shape_fn(n, |i| i % 2);
    for i in 0..n {
        let s = if y[i] == 1 { 0.5 } else { -0.5 };
        let z: Vec<f64> = (0..4)
            .map(|_| rng.sample::<f64, _>(StandardNormal))
            .collect();
        x[[i, 0]] = z[0] + s;
        for (j, zj) in z.iter().enumerate().skip(1) {
            x[[i, j]] = 0.8 * z[0] + 0.6 * zj + s;
        }
    }
    Dataset::classification(x, y)
}

/// Reliability of predicted probabilities `p` of class 1 against outcomes `y`: per
/// equal-width bin, (examples, sum of `p`, positives).
fn reliability_bins(p: &[f64], y: &[usize], bins: usize) -> Vec<(f64, f64, f64)> {
    let mut out = vec![(0.0, 0.0, 0.0); bins];
    for (&pi, &yi) in p.iter().zip(y) {
        let b = ((pi * bins as f64) as usize).min(bins - 1);
        out[b].0 += 1.0;
        out[b].1 += pi;
        out[b].2 += yi as f64;
    }
    out
}

/// Expected calibration error: `Σ_b (n_b / n) · |mean p − share of positives|` over the bins.
fn expected_calibration_error(bins: &[(f64, f64, f64)]) -> f64 {
    let n: f64 = bins.iter().map(|b| b.0).sum();
    bins.iter()
        .filter(|b| b.0 > 0.0)
        .map(|b| b.0 / n * (b.1 / b.0 - b.2 / b.0).abs())
        .sum()
}

/// 3. `h(x) = P(y = 1 | x)`: on classes whose posterior is exactly logistic, the predicted
///    probabilities match the observed frequencies on a test set (small expected calibration
///    error), where naive Bayes, assuming the correlated features independent, is
///    overconfident.
fn calibration(ctx: &Context, report: &mut Report) -> Result<()> {
    let seeds = ctx.seeds();
    let (mut ece_lr, mut ece_nb, mut acc_lr) = (vec![], vec![], vec![]);
    let mut pooled_lr = vec![(0.0, 0.0, 0.0); CALIBRATION_BINS];
    let mut pooled_nb = vec![(0.0, 0.0, 0.0); CALIBRATION_BINS];
    for &seed in &seeds {
        let train = correlated_classes(CALIBRATION_TRAIN, seed)?;
        let test = correlated_classes(CALIBRATION_TEST, seed.wrapping_add(1_000))?;
        let y: Vec<usize> = test.targets().to_vec();
        let lr = LogisticRegression::new(LAMBDA)
            .with_engine(ctx.engine)
            .fit(&train)?;
        let nb = GaussianNb::default().fit(&train)?;
        let p_lr = lr.predict_proba(test.x())?.column(1).to_vec();
        let p_nb = nb.predict_proba(test.x())?.column(1).to_vec();
        let (b_lr, b_nb) = (
            reliability_bins(&p_lr, &y, CALIBRATION_BINS),
            reliability_bins(&p_nb, &y, CALIBRATION_BINS),
        );
        ece_lr.push(expected_calibration_error(&b_lr));
        ece_nb.push(expected_calibration_error(&b_nb));
        let predicted: Array1<usize> = p_lr.iter().map(|&p| usize::from(p > 0.5)).collect();
        acc_lr.push(metrics::accuracy(test.targets().view(), predicted.view())?);
        for (pool, bins) in [(&mut pooled_lr, b_lr), (&mut pooled_nb, b_nb)] {
            for (acc, b) in pool.iter_mut().zip(bins) {
                acc.0 += b.0;
                acc.1 += b.1;
                acc.2 += b.2;
            }
        }
    }
    report.metric("calibration_error_logistic", mean_se(&ece_lr).0);
    report.metric("calibration_error_naive_bayes", mean_se(&ece_nb).0);
    report.claim(
        "h-is-calibrated-probability",
        "It predicts the probability that an instance belongs to the positive class: h_θ(x) = g(θᵀx) = P(y = 1 | x; θ)",
        Verdict::mean_below(
            "expected calibration error of logistic regression (10 bins, held-out test set)",
            &ece_lr,
            ECE_MAX,
        )
        .and(Verdict::paired_gain(
            "expected calibration error, Gaussian naive Bayes − logistic regression",
            &ece_nb,
            &ece_lr,
            ECE_NB_MARGIN,
        ))
        .with(format!(
            "two Gaussian classes with a shared correlated covariance, {CALIBRATION_TRAIN} training and {CALIBRATION_TEST} test rows per seed; logistic test accuracy {}",
            num(mean_se(&acc_lr).0)
        )),
    );
    let curve = |pool: &[(f64, f64, f64)]| -> Vec<(f64, f64)> {
        pool.iter()
            .filter(|b| b.0 > 0.0)
            .map(|b| (b.1 / b.0, b.2 / b.0))
            .collect()
    };
    report.plot(
        Plot::new(
            "reliability.svg",
            &format!(
                "Reliability curve on test sets ({} seeds pooled, {CALIBRATION_BINS} bins)",
                seeds.len()
            ),
            "mean predicted P(y = 1)",
            "observed share of y = 1",
        )
        .with(Series::line(
            "perfect calibration",
            vec![(0.0, 0.0), (1.0, 1.0)],
        ))
        .with(Series::line("logistic regression", curve(&pooled_lr)))
        .with(Series::line("Gaussian naive Bayes", curve(&pooled_nb))),
    );
    Ok(())
}

/// 4. A decision boundary: θ₀ + θ₁x₁ + θ₂x₂ = 0 between two blobs (an illustration).
fn decision_boundary(ctx: &Context, report: &mut Report) -> Result<()> {
    let blobs = generate::blobs(
        ctx.size(200, 80),
        &array![[-1.0, -1.0], [1.5, 1.0]],
        0.8,
        ctx.seed,
    )?;
    let model = LogisticRegression::new(LAMBDA)
        .with_engine(ctx.engine)
        .fit(&blobs)?;
    let th = model.theta.row(0);
    let acc = metrics::accuracy(
        blobs.targets().view(),
        mlnotes::estimator::Predict::predict(&model, blobs.x())?.view(),
    )?;
    let xr = (-4.0, 4.5);
    let boundary = |x1: f64| -(th[0] + th[1] * x1) / th[2];
    let mut plot = Plot::new(
        "boundary.svg",
        &format!("Logistic decision boundary (training accuracy {acc:.3})"),
        "feature x1",
        "feature x2",
    );
    for c in 0..2 {
        plot = plot.with(Series::points(
            &format!("class {c}"),
            crate::class_points(&blobs, c),
        ));
    }
    report.plot(plot.with(Series::line(
        "θᵀx = 0 (h = 0.5)",
        vec![(xr.0, boundary(xr.0)), (xr.1, boundary(xr.1))],
    )));
    report.metric("blobs_training_accuracy", acc);
    Ok(())
}
