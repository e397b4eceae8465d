//! Model selection strategy: the notes' table reproduced on generated data. With `n`
//! features and `m` training examples: n ≥ m → logistic regression or a linear SVM; n small,
//! m intermediate → SVM with a Gaussian kernel; n small, m large → logistic regression with
//! hand-made features, because kernel SVMs cost O(m²) to O(m³).

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data::{Dataset, generate};
use mlnotes::estimator::{Fit, Predict, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics::accuracy;
use mlnotes::preprocess::{PolynomialFeatures, Scaled};
use mlnotes::svm::{Gamma, Kernel, KernelSvm, LinearSvm};
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::f4;
use mlnotes::metrics::log_log_slope;

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
fn measure(
    model: &impl Fit<usize, Model: Predict<usize>>,
    train: &Dataset,
    test: &Dataset,
) -> Result<(f64, f64)> {
    let start = Instant::now();
    let fitted = model.fit(train)?;
    let secs = start.elapsed().as_secs_f64();
    Ok((
        accuracy(test.targets().view(), fitted.predict(test.x())?.view())?,
        secs,
    ))
}

/// Logistic regression, linear SVM and RBF SVM on one regime: (name, accuracy, seconds).
fn three_models(train: &Dataset, test: &Dataset) -> Result<Vec<(&'static str, f64, f64)>> {
    let (a, b) = measure(
        &Scaled::standardized(LogisticRegression::new(1.0)),
        train,
        test,
    )?;
    let (c, d) = measure(&Scaled::standardized(LinearSvm::new(1.0)), train, test)?;
    let (e, f) = measure(
        &Scaled::standardized(KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale))),
        train,
        test,
    )?;
    Ok(vec![
        ("logistic regression", a, b),
        ("linear SVM", c, d),
        ("Gaussian-kernel SVM", e, f),
    ])
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
        let mut table = Table::new(
            "The notes' table on generated data (test accuracy)",
            &["regime", "n", "m", "model", "test accuracy"],
        );
        let mut times = Table::new(
            "The notes' table on generated data (fit time)",
            &["regime", "n", "m", "model", "fit seconds"],
        )
        .timed();
        let mut add = |regime: &str, n: usize, m: usize, rows: &[(&str, f64, f64)]| {
            for (name, acc, secs) in rows {
                let head = vec![
                    regime.into(),
                    n.to_string(),
                    m.to_string(),
                    name.to_string(),
                ];
                table.row([head.clone(), vec![f4(*acc)]].concat());
                times.row([head, vec![format!("{secs:.3}")]].concat());
            }
        };

        // 1. n >= m: 400 features, 100 examples, a sparse linear rule.
        let (n, m) = (400, 100);
        let rows = three_models(
            &linear_problem(m, n, ctx.seed)?,
            &linear_problem(2000, n, ctx.seed.wrapping_add(1))?,
        )?;
        add("n ≥ m", n, m, &rows);
        let best_linear = rows[0].1.max(rows[1].1);
        report.claim(
            "n large (n ≥ m): logistic regression or a linear SVM; complex kernels may overfit",
            best_linear >= rows[2].1,
            format!(
                "test accuracy: logistic {}, linear SVM {}, Gaussian SVM {}",
                f4(rows[0].1),
                f4(rows[1].1),
                f4(rows[2].1)
            ),
        );

        // 2. n small, m intermediate: two features, noisy moons.
        let m = ctx.size(1000, 300);
        let rows = three_models(
            &generate::moons(m, 0.25, ctx.seed)?,
            &generate::moons(2000, 0.25, ctx.seed.wrapping_add(1))?,
        )?;
        add("n small, m intermediate", 2, m, &rows);
        report.claim(
            "n small, m intermediate: an SVM with a Gaussian kernel captures the nonlinear relationship",
            rows[2].1 > rows[0].1.max(rows[1].1) + 0.03,
            format!("test accuracy: logistic {}, linear SVM {}, Gaussian SVM {}", f4(rows[0].1), f4(rows[1].1), f4(rows[2].1)),
        );

        // 3. n small, m large: kernel cost against logistic regression on made features.
        let n = 5;
        let sizes = ctx.size(
            vec![1250, 2500, 5000, 10_000, 20_000],
            vec![500, 1000, 2000],
        );
        let test = quadratic_problem(5000, n, ctx.seed.wrapping_add(1))?;
        let poly = PolynomialFeatures::new(2).fit(&test)?;
        let test_poly = test.with_features(poly.transform(test.x())?)?;
        let mut svm_curve = vec![];
        let mut logit_curve = vec![];
        let mut last = (0.0, 0.0, 0.0, 0.0);
        let bar = ctx.progress(sizes.len() as u64, "m large");
        for &m in &sizes {
            let train = quadratic_problem(m, n, ctx.seed)?;
            let (acc_svm, t_svm) = measure(
                &Scaled::standardized(KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale))),
                &train,
                &test,
            )?;
            let train_poly = train.with_features(poly.transform(train.x())?)?;
            let (acc_lr, t_lr) = measure(
                &Scaled::standardized(LogisticRegression::new(1.0)),
                &train_poly,
                &test_poly,
            )?;
            add(
                "n small, m large",
                n,
                m,
                &[
                    ("Gaussian-kernel SVM", acc_svm, t_svm),
                    ("logistic, degree-2 features", acc_lr, t_lr),
                ],
            );
            svm_curve.push((m as f64, t_svm));
            logit_curve.push((m as f64, t_lr));
            last = (acc_svm, t_svm, acc_lr, t_lr);
            bar.inc(1);
        }
        bar.finish_and_clear();
        let slope = log_log_slope(&svm_curve[svm_curve.len() - 2..]);
        report.timing("kernel_svm_time_exponent", slope);
        report.timed_claim(
            "SVM with kernels is computationally expensive (O(m²) to O(m³))",
            slope > 1.5,
            format!("fit time grows as m^{slope:.2} between the two largest training sets"),
        );
        report.timed_claim(
            "n small, m large: logistic regression with manual features instead",
            last.2 >= last.0 - 0.01 && last.3 < last.1,
            format!(
                "m = {}: Gaussian SVM accuracy {} in {:.2} s; logistic regression on degree-2 features {} in {:.2} s",
                sizes[sizes.len() - 1], f4(last.0), last.1, f4(last.2), last.3
            ),
        );
        report.table(table);
        report.table(times);
        report.plot(
            Plot::new(
                "fit_time_vs_m.svg",
                "Fit time against m (n = 5)",
                "m",
                "seconds",
            )
            .with(Series::line("Gaussian-kernel SVM", svm_curve))
            .with(Series::line("logistic, degree-2 features", logit_curve))
            .timed(),
        );
        Ok(report)
    }
}
