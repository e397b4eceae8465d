//! Bias against variance: polynomial regression of growing degree and λ on noisy samples of
//! `sin(πx)` on `[-1, 1]`, diagnosed from learning curves as in the notes' table.

use mlnotes::Result;
use mlnotes::data::Dataset;
use mlnotes::estimator::{Checked, Fit, FitChecked, FitFeatures, Params, Predict, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linear::{FittedLinear, LinearRegression};
use mlnotes::metrics;
use mlnotes::preprocess::{FittedPolynomial, FittedScaler, PolynomialFeatures, Scaler};
use mlnotes::selection::{Diagnosis, LearningCurve, learning_curve};
use ndarray::{Array1, Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::f4;

/// The `bias-variance` experiment.
pub struct BiasVariance;

const NOISE: f64 = 0.2;

/// Polynomial features of one input, standardised, then ridge regression.
#[derive(Debug, Clone, Copy)]
struct PolyRidge {
    degree: u32,
    l2: f64,
}

struct FittedPolyRidge {
    poly: FittedPolynomial,
    scaler: FittedScaler,
    model: FittedLinear,
}

impl Params for PolyRidge {
    fn check(&self) -> Result<()> {
        LinearRegression::ridge(self.l2).check()
    }
}

impl FitChecked<f64> for PolyRidge {
    type Model = FittedPolyRidge;
    fn fit_checked(&self, d: Checked<'_, f64, Self>) -> Result<FittedPolyRidge> {
        let poly = PolynomialFeatures::new(self.degree).fit(&d)?;
        let z = poly.transform(d.x())?;
        let scaler = Scaler::standardization().fit_features(z.view())?;
        let model =
            LinearRegression::ridge(self.l2).fit(&d.with_features(scaler.transform(z.view())?)?)?;
        Ok(FittedPolyRidge {
            poly,
            scaler,
            model,
        })
    }
}

impl Predict<f64> for FittedPolyRidge {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        self.model.predict(
            self.scaler
                .transform(self.poly.transform(x)?.view())?
                .view(),
        )
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

impl Experiment for BiasVariance {
    fn name(&self) -> &'static str {
        "bias-variance"
    }

    fn section(&self) -> &'static str {
        "Bias vs. Variance"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let pool = sine(ctx.size(200, 100), ctx.seed)?;
        let val = sine(500, ctx.seed.wrapping_add(1))?;
        let sizes: Vec<usize> = [12, 16, 20, 30, 50, 100, 200]
            .into_iter()
            .filter(|&s| s <= pool.n_samples())
            .collect();
        let small: Vec<usize> = vec![13, 14, 16];
        let (acceptable, gap) = (2.0 * NOISE * NOISE, NOISE * NOISE);
        let configs = [
            (
                "degree 1 (underfits)",
                PolyRidge { degree: 1, l2: 0.0 },
                &sizes,
            ),
            (
                "degree 5",
                PolyRidge {
                    degree: 5,
                    l2: 1e-6,
                },
                &sizes,
            ),
            (
                "degree 12, λ ≈ 0, few examples (overfits)",
                PolyRidge {
                    degree: 12,
                    l2: 1e-9,
                },
                &small,
            ),
            (
                "degree 12, λ = 0.1, few examples",
                PolyRidge {
                    degree: 12,
                    l2: 0.1,
                },
                &small,
            ),
            (
                "degree 12, λ ≈ 0, all examples",
                PolyRidge {
                    degree: 12,
                    l2: 1e-9,
                },
                &sizes,
            ),
        ];
        let mut t = Table::new(
            &format!(
                "Learning curves (MSE; noise variance {:.2}); diagnosis at the largest size: acceptable error {acceptable:.2}, gap {gap:.2}",
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
        let mut curves = Vec::new();
        let bar = ctx.progress(configs.len() as u64, "learning curves");
        for (name, p, s) in configs {
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
            curves.push((name, c, diag));
            bar.inc(1);
        }
        bar.finish_and_clear();
        report.table(t);
        let (deg1, deg5, over, reg, more) =
            (&curves[0], &curves[1], &curves[2], &curves[3], &curves[4]);
        let last = |c: &LearningCurve| {
            (
                c.train_error[c.sizes.len() - 1],
                c.validation_error[c.sizes.len() - 1],
            )
        };
        report.claim(
            "High bias (underfitting): high training error and high validation error",
            deg1.2 == Some(Diagnosis::HighBias),
            format!(
                "degree 1: train {}, validation {}",
                f4(last(&deg1.1).0),
                f4(last(&deg1.1).1)
            ),
        );
        report.claim(
            "High variance (overfitting): low training error, high validation error",
            over.2 == Some(Diagnosis::HighVariance),
            format!(
                "degree 12 on {} examples: train {}, validation {}",
                over.1.sizes[over.1.sizes.len() - 1],
                f4(last(&over.1).0),
                f4(last(&over.1).1.min(1e6))
            ),
        );
        report.claim(
            "Fix high bias with more features / a more complex model",
            last(&deg5.1).1 < last(&deg1.1).1 && last(&deg5.1).0 < last(&deg1.1).0,
            format!(
                "validation error degree 1 → 5: {} → {}",
                f4(last(&deg1.1).1),
                f4(last(&deg5.1).1)
            ),
        );
        report.claim(
            "Fix high variance by increasing regularization λ",
            last(&reg.1).1 < last(&over.1).1,
            format!(
                "degree 12, {} examples: validation error λ ≈ 0 → 0.1: {} → {}",
                reg.1.sizes[reg.1.sizes.len() - 1],
                f4(last(&over.1).1.min(1e6)),
                f4(last(&reg.1).1)
            ),
        );
        report.claim(
            "Fix high variance by getting more training data",
            last(&more.1).1 < last(&over.1).1,
            format!(
                "degree 12, λ ≈ 0: validation error with {} → {} examples: {} → {}",
                over.1.sizes[over.1.sizes.len() - 1],
                more.1.sizes[more.1.sizes.len() - 1],
                f4(last(&over.1).1.min(1e6)),
                f4(last(&more.1).1)
            ),
        );
        let mut plot = Plot::new(
            "learning_curves.svg",
            "Learning curves (MSE, clipped at 2)",
            "training examples m",
            "error",
        );
        for (name, c, _) in [deg1, deg5, more] {
            plot = plot
                .with(Series::line(
                    &format!("{name}: train"),
                    curve_points(c, true),
                ))
                .with(Series::line(
                    &format!("{name}: validation"),
                    curve_points(c, false),
                ));
        }
        report.plot(plot);
        Ok(report)
    }
}
