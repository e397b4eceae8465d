//! Support vector machines: C trades margin width against margin violations (small C: wide
//! margin, high bias; large C: narrow margin, high variance), a large C on separable data
//! reaches the hard-margin solution, the Gaussian kernel learns a boundary no linear model
//! can, Mercer's condition (a valid kernel's Gram matrix is positive semi-definite), and the
//! Gaussian kernel needs feature scaling first. Every comparison is repeated over seeds.

use mlnotes::Result;
use mlnotes::data::{self, Dataset, generate};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict, member_seed};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::linalg::symmetric_eigen;
use mlnotes::metrics::accuracy;
use mlnotes::preprocess::Scaled;
use mlnotes::selection::HoldOut;
use mlnotes::svm::{FittedKernelSvm, Gamma, Kernel, KernelSvm};
use ndarray::{Array1, Array2, array};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::{ZeroOneDecomposition, boundary_points, class_points, f4, zero_one_decomposition};

/// Linear kernel on two overlapping blobs: the C of the sweep, and the small and large C
/// compared on every seed.
const LINEAR_CS: [f64; 6] = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0];
const LINEAR_SMALL: usize = 1;
const LINEAR_LARGE: usize = 5;
/// A point counts as a margin violation when `y·f(x) < 1 − VIOLATION_SLACK` (SMO meets the
/// margin only to its tolerance).
const VIOLATION_SLACK: f64 = 1e-3;
/// RBF kernel on noisy moons: width, label noise, held-out rows, the C of the sweep and the
/// small and large C compared on every seed.
const RBF_GAMMA: f64 = 2.0;
const MOONS_NOISE: f64 = 0.35;
const MOONS_HELD_OUT: usize = 1000;
const RBF_CS: [f64; 6] = [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];
const RBF_SMALL: usize = 1;
const RBF_LARGE: usize = 5;
/// Independent training sets per seed for the small and large C (full, quick).
const RBF_TRAINING_SETS: (usize, usize) = (5, 3);
/// Hard margin: C, and how close to 1 the smallest `y·f(x)` must be on separable data.
const HARD_C: f64 = 1000.0;
const HARD_TOLERANCE: f64 = 0.01;
/// Circles: the accuracy the Gaussian kernel must gain over the linear one, and reach.
const KERNEL_GAIN: f64 = 0.3;
const RBF_FLOOR: f64 = 0.95;
/// Scaling: the test accuracy standardisation must add on breast cancer.
const SCALING_MARGIN: f64 = 0.01;
/// Mercer: random points and dimensions per Gram matrix, the kernels' parameters, and the
/// relative tolerance on the smallest eigenvalue (`λ_min ≥ −tol · λ_max`).
const GRAM_POINTS: usize = 60;
const GRAM_DIMS: usize = 3;
const GRAM_GAMMA: f64 = 0.5;
const POLY_DEGREE: i32 = 3;
const SIGMOID_OFFSET: f64 = -1.0;
const PSD_TOLERANCE: f64 = 1e-9;

/// The `svm` experiment.
pub struct SvmExperiment;

impl Experiment for SvmExperiment {
    fn name(&self) -> &'static str {
        "svm"
    }

    fn section(&self) -> &'static str {
        "Support Vector Machine (SVM)"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        margin_against_c(ctx, &mut report)?;
        bias_and_variance(ctx, &mut report)?;
        hard_margin(ctx, &mut report)?;
        kernels_on_circles(ctx, &mut report)?;
        mercer(ctx, &mut report)?;
        scaling(ctx, &mut report)?;
        Ok(report)
    }
}

/// `w = Σ α_i y_i x_i` of a two-class linear-kernel machine.
fn weights(model: &FittedKernelSvm) -> Array1<f64> {
    let m = &model.machines[0];
    let mut w = Array1::zeros(model.support_vectors.ncols());
    for (&sv, &c) in m.support.iter().zip(&m.dual_coef) {
        w.scaled_add(c, &model.support_vectors.row(sv));
    }
    w
}

/// `y·f(x)` of every row of `d` for a two-class machine (`y = +1` for its positive class).
fn functional_margins(model: &FittedKernelSvm, d: &Dataset) -> Result<Vec<f64>> {
    let f = model.decision_function(d.x())?;
    let positive = model.machines[0].positive;
    Ok(f.column(0)
        .iter()
        .zip(d.targets())
        .map(|(&v, &y)| if y == positive { v } else { -v })
        .collect())
}

/// A linear-kernel machine fitted with one C.
struct LinearFit {
    /// `2/‖w‖`.
    margin: f64,
    /// Share of training points inside the margin or misclassified (`y·f(x) < 1`).
    violations: f64,
    support_vectors: usize,
    training_accuracy: f64,
}

/// Fit a linear-kernel machine with `c` on `d` (native SMO, tight tolerance).
fn linear_fit(d: &Dataset, c: f64) -> Result<LinearFit> {
    let model = KernelSvm {
        tol: 1e-5,
        ..KernelSvm::new(c, Kernel::Linear)
    }
    .fit(d)?;
    let w = weights(&model);
    let margins = functional_margins(&model, d)?;
    Ok(LinearFit {
        margin: 2.0 / w.dot(&w).sqrt(),
        violations: margins
            .iter()
            .filter(|&&m| m < 1.0 - VIOLATION_SLACK)
            .count() as f64
            / margins.len() as f64,
        support_vectors: model.n_support(),
        training_accuracy: accuracy(d.targets().view(), model.predict(d.x())?.view())?,
    })
}

/// 1. The C sweep, linear kernel on two overlapping blobs: margin 2/‖w‖ and margin
///    violations; the full sweep on the first seed, the small and large C on every seed.
fn margin_against_c(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut small, mut large) = (vec![], vec![]);
    for (s, seed) in ctx.seeds().into_iter().enumerate() {
        let blobs = generate::blobs(
            ctx.size(400, 150),
            &array![[-1.0, -1.0], [1.0, 1.0]],
            1.0,
            seed,
        )?;
        if s > 0 {
            small.push(linear_fit(&blobs, LINEAR_CS[LINEAR_SMALL])?);
            large.push(linear_fit(&blobs, LINEAR_CS[LINEAR_LARGE])?);
            continue;
        }
        let mut t = Table::new(
            "Linear kernel, two overlapping blobs (first seed): C against the margin",
            &[
                "C",
                "margin 2/‖w‖",
                "margin violations (y·f(x) < 1)",
                "support vectors",
                "training accuracy",
            ],
        );
        let mut margins = vec![];
        for (i, &c) in LINEAR_CS.iter().enumerate() {
            let fit = linear_fit(&blobs, c)?;
            t.row(vec![
                c.to_string(),
                f4(fit.margin),
                f4(fit.violations),
                fit.support_vectors.to_string(),
                f4(fit.training_accuracy),
            ]);
            margins.push((c.log10(), fit.margin));
            if i == LINEAR_SMALL {
                small.push(fit);
            } else if i == LINEAR_LARGE {
                large.push(fit);
            }
        }
        report.table(t);
        report.plot(
            Plot::new(
                "margin_vs_c.svg",
                "Linear SVM: margin against C (first seed)",
                "log10 C",
                "margin 2/‖w‖",
            )
            .with(Series::line("margin", margins)),
        );
    }
    let (small_c, large_c) = (LINEAR_CS[LINEAR_SMALL], LINEAR_CS[LINEAR_LARGE]);
    let field =
        |fits: &[LinearFit], f: fn(&LinearFit) -> f64| -> Vec<f64> { fits.iter().map(f).collect() };
    report.claim(
        "small-c-wide-margin",
        "Small C: a wider margin that allows some misclassifications (more regularisation)",
        Verdict::paired_gain(
            &format!("margin 2/‖w‖, C = {small_c} − C = {large_c}"),
            &field(&small, |f| f.margin),
            &field(&large, |f| f.margin),
            0.0,
        )
        .and(Verdict::paired_gain(
            &format!(
                "share of training points inside the margin or misclassified (y·f(x) < 1), C = {small_c} − C = {large_c}"
            ),
            &field(&small, |f| f.violations),
            &field(&large, |f| f.violations),
            0.0,
        ))
        .with(format!(
            "training accuracy {} at C = {small_c}, {} at C = {large_c}",
            num(mean_se(&field(&small, |f| f.training_accuracy)).0),
            num(mean_se(&field(&large, |f| f.training_accuracy)).0)
        )),
    );
    Ok(())
}

/// Training and held-out error of an RBF machine with `c`.
struct RbfFit {
    training_error: f64,
    held_out_error: f64,
    support_vectors: usize,
    held_out_predictions: Array1<usize>,
}

/// Fit the RBF machine (γ = [`RBF_GAMMA`]) with `c` on `train`, score it on `held_out`.
fn rbf_fit(ctx: &Context, train: &Dataset, held_out: &Dataset, c: f64) -> Result<RbfFit> {
    let model = KernelSvm::new(c, Kernel::Rbf(Gamma::Value(RBF_GAMMA)))
        .with_engine(ctx.engine)
        .fit(train)?;
    let held_out_predictions = model.predict(held_out.x())?;
    Ok(RbfFit {
        training_error: 1.0 - accuracy(train.targets().view(), model.predict(train.x())?.view())?,
        held_out_error: 1.0 - accuracy(held_out.targets().view(), held_out_predictions.view())?,
        support_vectors: model.n_support(),
        held_out_predictions,
    })
}

/// One seed's small or large C over [`RBF_TRAINING_SETS`] training sets: mean training error
/// and the 0-1 loss's bias and variance on the held-out set.
struct RbfSpread {
    training_error: f64,
    gap: f64,
    decomposition: ZeroOneDecomposition,
}

fn spread(fits: &[RbfFit], held_out: &Dataset) -> RbfSpread {
    let mean = |f: fn(&RbfFit) -> f64| fits.iter().map(f).sum::<f64>() / fits.len() as f64;
    let predictions: Vec<Array1<usize>> = fits
        .iter()
        .map(|f| f.held_out_predictions.clone())
        .collect();
    RbfSpread {
        training_error: mean(|f| f.training_error),
        gap: mean(|f| f.held_out_error - f.training_error),
        decomposition: zero_one_decomposition(&predictions, held_out.targets().view()),
    }
}

/// 2. Bias and variance: RBF kernel on small noisy-moons training sets, several independent
///    ones per seed; the full C sweep on the first training set of the first seed.
fn bias_and_variance(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut small, mut large) = (vec![], vec![]);
    let sets = ctx.size(RBF_TRAINING_SETS.0, RBF_TRAINING_SETS.1);
    for (s, seed) in ctx.seeds().into_iter().enumerate() {
        let held_out = generate::moons(MOONS_HELD_OUT, MOONS_NOISE, member_seed(seed, 1))?;
        let (mut small_fits, mut large_fits) = (vec![], vec![]);
        for r in 0..sets as u64 {
            let set = if r == 0 { 0 } else { 100 + r };
            let train = generate::moons(ctx.size(120, 80), MOONS_NOISE, member_seed(seed, set))?;
            small_fits.push(rbf_fit(ctx, &train, &held_out, RBF_CS[RBF_SMALL])?);
            large_fits.push(rbf_fit(ctx, &train, &held_out, RBF_CS[RBF_LARGE])?);
            if s == 0 && r == 0 {
                c_sweep(ctx, report, &train, &held_out)?;
            }
        }
        small.push(spread(&small_fits, &held_out));
        large.push(spread(&large_fits, &held_out));
    }
    let (small_c, large_c) = (RBF_CS[RBF_SMALL], RBF_CS[RBF_LARGE]);
    let col = |v: &[RbfSpread], f: fn(&RbfSpread) -> f64| v.iter().map(f).collect::<Vec<f64>>();
    report.claim(
        "large-c-low-bias-high-variance",
        "Large C: lower bias, higher variance (training error falls, predictions vary more between training sets)",
        Verdict::paired_gain(
            &format!("training error, C = {small_c} − C = {large_c}"),
            &col(&small, |s| s.training_error),
            &col(&large, |s| s.training_error),
            0.0,
        )
        .and(Verdict::paired_gain(
            &format!(
                "variance of the 0-1 loss over {sets} training sets per seed (share of held-out predictions that differ from the main one), C = {large_c} − C = {small_c}"
            ),
            &col(&large, |s| s.decomposition.variance),
            &col(&small, |s| s.decomposition.variance),
            0.0,
        ))
        .with(format!(
            "mean bias (error of the main prediction) C = {small_c}: {}, C = {large_c}: {}; mean held-out − training error {} and {}",
            num(mean_se(&col(&small, |s| s.decomposition.bias)).0),
            num(mean_se(&col(&large, |s| s.decomposition.bias)).0),
            num(mean_se(&col(&small, |s| s.gap)).0),
            num(mean_se(&col(&large, |s| s.gap)).0)
        )),
    );
    Ok(())
}

/// Every C of [`RBF_CS`] on one training set: the table and the plot of training and
/// validation error.
fn c_sweep(ctx: &Context, report: &mut Report, train: &Dataset, held_out: &Dataset) -> Result<()> {
    let mut t = Table::new(
        &format!(
            "RBF kernel (γ = {RBF_GAMMA}) on noisy moons (first seed): C against training and validation error"
        ),
        &["C", "training error", "validation error", "support vectors"],
    );
    let (mut tr, mut va) = (vec![], vec![]);
    for &c in &RBF_CS {
        let fit = rbf_fit(ctx, train, held_out, c)?;
        t.row(vec![
            c.to_string(),
            f4(fit.training_error),
            f4(fit.held_out_error),
            fit.support_vectors.to_string(),
        ]);
        tr.push((c.log10(), fit.training_error));
        va.push((c.log10(), fit.held_out_error));
    }
    report.table(t);
    report.plot(
        Plot::new(
            "error_vs_c.svg",
            "RBF SVM on noisy moons (first seed)",
            "log10 C",
            "0-1 error rate",
        )
        .with(Series::line("training", tr))
        .with(Series::line("validation", va)),
    );
    Ok(())
}

/// 3. The hard margin: on separable blobs a large C satisfies every constraint
///    `y·θᵀx ≥ 1`, with equality at the support vectors (the widest such margin).
fn hard_margin(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut smallest, mut met) = (vec![], vec![]);
    for seed in ctx.seeds() {
        let blobs = generate::blobs(
            ctx.size(200, 100),
            &array![[-2.0, -2.0], [2.0, 2.0]],
            0.5,
            member_seed(seed, 2),
        )?;
        let model = KernelSvm {
            tol: 1e-5,
            ..KernelSvm::new(HARD_C, Kernel::Linear)
        }
        .fit(&blobs)?;
        let m = functional_margins(&model, &blobs)?
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        smallest.push(m);
        met.push((m - 1.0).abs() <= HARD_TOLERANCE);
    }
    report.claim(
        "large-c-hard-margin",
        "The loss function approximates the hard-margin problem: minimize ½‖θ‖² subject to θᵀx ≥ 1 if y = 1 and θᵀx ≤ −1 if y = 0",
        Verdict::share(
            &format!(
                "separable blobs, C = {HARD_C}: smallest y·θᵀx over the training set within {HARD_TOLERANCE} of 1"
            ),
            &met,
            1.0,
        )
        .with(format!(
            "smallest y·θᵀx per seed: {}",
            smallest.iter().map(|&m| num(m)).collect::<Vec<_>>().join(", ")
        )),
    );
    Ok(())
}

/// 4. Linear against Gaussian kernel on concentric circles: trained on one draw, scored on
///    another, per seed; the boundaries of the first seed drawn.
fn kernels_on_circles(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut lin_acc, mut rbf_acc) = (vec![], vec![]);
    for (s, seed) in ctx.seeds().into_iter().enumerate() {
        let n = ctx.size(400, 200);
        let train = generate::circles(n, 0.08, 0.5, member_seed(seed, 0))?;
        let test = generate::circles(n, 0.08, 0.5, member_seed(seed, 1))?;
        let linear = KernelSvm::new(1.0, Kernel::Linear)
            .with_engine(ctx.engine)
            .fit(&train)?;
        let rbf = KernelSvm::new(1.0, Kernel::gaussian(0.5))
            .with_engine(ctx.engine)
            .fit(&train)?;
        lin_acc.push(accuracy(
            test.targets().view(),
            linear.predict(test.x())?.view(),
        )?);
        rbf_acc.push(accuracy(
            test.targets().view(),
            rbf.predict(test.x())?.view(),
        )?);
        if s > 0 {
            continue;
        }
        for (file, title, model) in [
            ("boundary_linear.svg", "Linear kernel on circles", &linear),
            ("boundary_rbf.svg", "Gaussian kernel on circles", &rbf),
        ] {
            report.plot(
                Plot::new(file, title, "x1", "x2")
                    .with(Series::points("class 0", class_points(&train, 0)))
                    .with(Series::points("class 1", class_points(&train, 1)))
                    .with(Series::points(
                        "boundary",
                        boundary_points(model, (-1.5, 1.5), (-1.5, 1.5), 80)?,
                    )),
            );
        }
    }
    report.metric("circles_rbf_accuracy", mean_se(&rbf_acc).0);
    report.claim(
        "kernels-learn-nonlinear-boundaries",
        "Kernels learn complex nonlinear decision boundaries",
        Verdict::paired_gain(
            "concentric circles, test accuracy, Gaussian kernel (σ = 0.5) − linear kernel",
            &rbf_acc,
            &lin_acc,
            KERNEL_GAIN,
        )
        .and(Verdict::mean_above(
            "Gaussian-kernel test accuracy",
            &rbf_acc,
            RBF_FLOOR,
        )),
    );
    Ok(())
}

/// The Gram matrix `K(x_i, x_j)` of the rows of `x` under `kernel(aᵀb, ‖a − b‖²)`.
fn gram(x: &Array2<f64>, kernel: impl Fn(f64, f64) -> f64) -> Array2<f64> {
    let n = x.nrows();
    Array2::from_shape_fn((n, n), |(i, j)| {
        let (a, b) = (x.row(i), x.row(j));
        let d = &a - &b;
        kernel(a.dot(&b), d.dot(&d))
    })
}

/// `λ_min / λ_max` of a symmetric matrix.
fn smallest_relative_eigenvalue(m: &Array2<f64>) -> Result<f64> {
    let (values, _) = symmetric_eigen(m.view())?;
    let n = values.len();
    Ok(values[n - 1] / values[0])
}

/// 5. Mercer's condition: on random points, the Gram matrices of the Gaussian and
///    polynomial kernels are positive semi-definite; that of the sigmoid "kernel"
///    `tanh(aᵀb − 1)`, a similarity that does not satisfy the condition, is not.
fn mercer(ctx: &Context, report: &mut Report) -> Result<()> {
    // a name and k(a, b) from aᵀb and ‖a − b‖²
    type Kernel = (&'static str, fn(f64, f64) -> f64);
    let kernels: [Kernel; 3] = [
        ("Gaussian exp(−0.5‖a − b‖²)", |_, d2| {
            (-GRAM_GAMMA * d2).exp()
        }),
        ("polynomial (aᵀb + 1)³", |ab, _| {
            (ab + 1.0).powi(POLY_DEGREE)
        }),
        ("sigmoid tanh(aᵀb − 1)", |ab, _| {
            (ab + SIGMOID_OFFSET).tanh()
        }),
    ];
    // ratios[k][s]: λ_min / λ_max of kernel k on seed s
    let mut ratios = vec![vec![]; kernels.len()];
    for seed in ctx.seeds() {
        let mut rng = StdRng::seed_from_u64(member_seed(seed, 3));
        let x = Array2::from_shape_fn((GRAM_POINTS, GRAM_DIMS), |_| {
            rng.sample::<f64, _>(StandardNormal)
        });
        for (k, (_, kernel)) in kernels.iter().enumerate() {
            ratios[k].push(smallest_relative_eigenvalue(&gram(&x, kernel))?);
        }
    }
    let mut t = Table::new(
        &format!(
            "Gram matrices of {GRAM_POINTS} standard normal points in {GRAM_DIMS} dimensions: smallest over largest eigenvalue, one per seed"
        ),
        &["similarity", "λ_min / λ_max"],
    );
    for ((name, _), r) in kernels.iter().zip(&ratios) {
        t.row(vec![
            name.to_string(),
            r.iter().map(|&v| num(v)).collect::<Vec<_>>().join(", "),
        ]);
    }
    report.table(t);
    let psd = |r: &[f64]| -> Vec<bool> { r.iter().map(|&v| v >= -PSD_TOLERANCE).collect() };
    let valid: Vec<bool> = psd(&ratios[0]).into_iter().chain(psd(&ratios[1])).collect();
    let invalid: Vec<bool> = psd(&ratios[2]).into_iter().map(|p| !p).collect();
    report.claim(
        "mercer-gram-matrix-psd",
        "Mercer's Condition: to ensure a valid kernel, the kernel matrix must be positive semi-definite",
        Verdict::share(
            &format!(
                "Gram matrices of the Gaussian and polynomial kernels with λ_min ≥ −{} λ_max",
                num(PSD_TOLERANCE)
            ),
            &valid,
            1.0,
        )
        .and(Verdict::share(
            "Gram matrices of the similarity tanh(aᵀb − 1) with a negative eigenvalue (not a kernel)",
            &invalid,
            1.0,
        )),
    );
    Ok(())
}

/// 6. Feature scaling before the Gaussian kernel: breast cancer, one stratified 75/25 split
///    per seed.
fn scaling(ctx: &Context, report: &mut Report) -> Result<()> {
    let cancer = data::breast_cancer();
    let labels = cancer.targets().to_vec();
    let rbf = KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)).with_engine(ctx.engine);
    let (mut raw, mut scaled) = (vec![], vec![]);
    for seed in ctx.seeds() {
        let split = HoldOut::train_test(0.75, seed)
            .stratified()
            .split(cancer.n_samples(), Some(&labels))?;
        let (train, test) = (cancer.select(&split.train)?, cancer.select(&split.test)?);
        let score = |pred: Array1<usize>| accuracy(test.targets().view(), pred.view());
        raw.push(score(rbf.fit(&train)?.predict(test.x())?)?);
        scaled.push(score(
            Scaled::standardized(rbf.clone())
                .fit(&train)?
                .predict(test.x())?,
        )?);
    }
    report.metric("breast_cancer_rbf_scaled", mean_se(&scaled).0);
    report.claim(
        "scale-before-gaussian-kernel",
        "You must scale features before using the Gaussian kernel",
        Verdict::paired_gain(
            "breast cancer test accuracy of an RBF SVM (C = 1, γ = 1/(n Var X)), standardised − raw",
            &scaled,
            &raw,
            SCALING_MARGIN,
        )
        .with(format!(
            "raw {}, standardised {}",
            num(mean_se(&raw).0),
            num(mean_se(&scaled).0)
        )),
    );
    Ok(())
}
