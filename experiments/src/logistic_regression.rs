//! Logistic regression: the log loss is convex where MSE on a sigmoid is not; binary
//! classification of breast cancer; one-vs-all against softmax on iris and digits (5-fold CV,
//! scikit-learn's numbers beside ours); a decision boundary in 2-D.

use mlnotes::Result;
use mlnotes::data::{self, Dataset, generate};
use mlnotes::engine::Engine;
use mlnotes::estimator::Fit;
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linear::cost::sigmoid;
use mlnotes::linear::{LogisticRegression, MultiClass};
use mlnotes::metrics;
use mlnotes::preprocess::Scaled;
use ndarray::array;

use crate::{cv_accuracy, f4};

/// The `logistic-regression` experiment.
pub struct LogisticRegressionExperiment;

/// Whether every discrete second difference of `f` on the grid is >= -tol (convex).
fn is_convex(values: &[f64], tol: f64) -> bool {
    values.windows(3).all(|w| w[0] - 2.0 * w[1] + w[2] >= -tol)
}

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

        // 1. Cost along one weight: log loss convex, MSE of the sigmoid not.
        let xs = [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0];
        let ys = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
        let grid: Vec<f64> = (0..=200).map(|i| -10.0 + 0.1 * i as f64).collect();
        let mse: Vec<f64> = grid
            .iter()
            .map(|w| {
                xs.iter()
                    .zip(ys)
                    .map(|(x, y)| (sigmoid(w * x) - y).powi(2))
                    .sum::<f64>()
                    / 6.0
            })
            .collect();
        let log_loss: Vec<f64> = grid
            .iter()
            .map(|w| {
                xs.iter()
                    .zip(ys)
                    .map(|(x, y)| {
                        -(y * sigmoid(w * x).ln() + (1.0 - y) * (1.0 - sigmoid(w * x)).ln())
                    })
                    .sum::<f64>()
                    / 6.0
            })
            .collect();
        report.claim(
            "With the sigmoid, MSE gives a non-convex cost; the cross-entropy (log loss) is convex",
            !is_convex(&mse, 1e-12) && is_convex(&log_loss, 1e-12),
            format!("second differences over w in [-10, 10]: MSE has negative ones ({}), log loss none ({})", !is_convex(&mse, 1e-12), is_convex(&log_loss, 1e-12)),
        );
        report.plot(
            Plot::new(
                "cost_shape.svg",
                "Cost along one weight w (h = g(w x))",
                "w",
                "cost",
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

        // 2. Accuracy on the embedded sets against scikit-learn (same protocol: standardise in
        //    the fold, 5-fold stratified CV, C = 1 i.e. λ = 1).
        let sets: Vec<(&str, Dataset, f64)> = vec![
            ("breast cancer", data::breast_cancer(), 0.9789),
            ("iris", data::iris(), 0.9600),
            ("digits", data::digits(), 0.9694),
        ];
        let mut t = Table::new(
            "5-fold stratified CV accuracy, standardised features, λ = 1 (scikit-learn: LogisticRegression(C=1), its own folds)",
            &[
                "data set",
                "classes",
                "softmax / binary",
                "one-vs-all",
                "scikit-learn",
            ],
        );
        let bar = ctx.progress(sets.len() as u64, "cross-validating");
        let mut within = true;
        let mut compared = Vec::new();
        let mut digits_scores = (0.0, 0.0);
        let mut skipped = Vec::new();
        for (name, d, sk) in &sets {
            let subsampled = ctx.quick && d.n_samples() > 600;
            let d = if subsampled {
                d.select(&(0..600).collect::<Vec<_>>())?
            } else {
                d.clone()
            };
            let soft = cv_accuracy(
                &Scaled::standardized(LogisticRegression::new(1.0).with_engine(ctx.engine)),
                &d,
                ctx.seed,
            )?;
            let ova = cv_accuracy(
                &Scaled::standardized(
                    LogisticRegression::new(1.0).with_multi_class(MultiClass::OneVsAll),
                ),
                &d,
                ctx.seed,
            )?;
            t.row(vec![
                name.to_string(),
                d.n_classes().to_string(),
                f4(soft),
                if d.n_classes() > 2 {
                    f4(ova)
                } else {
                    "-".into()
                },
                f4(*sk),
            ]);
            report.metric(&format!("cv_accuracy_{}", name.replace(' ', "_")), soft);
            // scikit-learn's number is for the whole set: a subsample is not compared with it.
            if subsampled {
                skipped.push(*name);
            } else {
                within &= (soft - sk).abs() <= 0.01;
                compared.push(format!("{name} {} vs {}", f4(soft), f4(*sk)));
            }
            if *name == "digits" {
                digits_scores = (soft, ova);
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        report.table(t);
        report.claim(
            "Logistic regression classifies as well as scikit-learn's on the same protocol (within one point)",
            within && !compared.is_empty(),
            format!(
                "ours vs scikit-learn: {}{}",
                compared.join("; "),
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (not compared: {}, subsampled in quick mode)",
                        skipped.join(", ")
                    )
                }
            ),
        );
        report.claim(
            "Multiclass by one-vs-all (K binary classifiers) or by softmax regression directly",
            (digits_scores.0 - digits_scores.1).abs() < 0.03 && digits_scores.1 > 0.9,
            format!(
                "digits accuracy: softmax {}, one-vs-all {}",
                f4(digits_scores.0),
                f4(digits_scores.1)
            ),
        );

        // 3. A decision boundary: θ₀ + θ₁x₁ + θ₂x₂ = 0 between two blobs.
        let blobs = generate::blobs(
            ctx.size(200, 80),
            &array![[-1.0, -1.0], [1.5, 1.0]],
            0.8,
            ctx.seed,
        )?;
        let model = LogisticRegression::new(1.0)
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
            "x1",
            "x2",
        );
        for c in 0..2 {
            let pts = blobs
                .features()
                .rows()
                .into_iter()
                .zip(blobs.targets())
                .filter(|(_, y)| **y == c)
                .map(|(r, _)| (r[0], r[1]))
                .collect();
            plot = plot.with(Series::points(&format!("class {c}"), pts));
        }
        report.plot(plot.with(Series::line(
            "θᵀx = 0 (h = 0.5)",
            vec![(xr.0, boundary(xr.0)), (xr.1, boundary(xr.1))],
        )));
        report.metric("blobs_training_accuracy", acc);
        Ok(report)
    }
}
