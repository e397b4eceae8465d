//! PCA on the 8x8 digits: variance retained and reconstruction error against k, a 2-D
//! projection, the two interpretations (maximum variance = minimum reconstruction error), and
//! the notes' advice measured: a classifier on raw against PCA-reduced digits.

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data;
use mlnotes::engine::Engine;
use mlnotes::estimator::{Checked, Fit, FitChecked, FitFeatures, Params, Predict, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linear::{FittedLogistic, LogisticRegression};
use mlnotes::metrics;
use mlnotes::pca::{FittedPca, Pca};
use mlnotes::selection::{self, KFold};
use ndarray::{Array1, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::f4;

/// The `pca` experiment.
pub struct PcaExperiment;

/// PCA to `k` components, then logistic regression.
#[derive(Clone, Copy)]
struct PcaLogistic {
    k: Option<usize>,
}

struct FittedPcaLogistic {
    pca: Option<FittedPca>,
    model: FittedLogistic,
}

impl Params for PcaLogistic {
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

impl FitChecked<usize> for PcaLogistic {
    type Model = FittedPcaLogistic;
    fn fit_checked(&self, d: Checked<'_, usize, Self>) -> Result<FittedPcaLogistic> {
        let pca = self.k.map(|k| Pca::new(k).fit(&d)).transpose()?;
        let x = match &pca {
            Some(p) => p.transform(d.x())?,
            None => d.features().clone(),
        };
        Ok(FittedPcaLogistic {
            pca,
            model: LogisticRegression::new(1.0).fit(&d.with_features(x)?)?,
        })
    }
}

impl Predict<usize> for FittedPcaLogistic {
    fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>> {
        match &self.pca {
            Some(p) => self.model.predict(p.transform(x)?.view()),
            None => self.model.predict(x),
        }
    }
}

impl Experiment for PcaExperiment {
    fn name(&self) -> &'static str {
        "pca"
    }

    fn section(&self) -> &'static str {
        "Principal Component Analysis (PCA)"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let digits = data::digits();
        // pixels share one scale (0..16): scale to [0, 1] without per-pixel standardisation,
        // which would blow up the near-constant border pixels
        let x = digits.features().mapv(|v| v / 16.0);
        let full = Pca::new(64)
            .with_engine(ctx.engine)
            .fit_features(x.view())?;

        // 1. Variance retained and reconstruction error against k.
        let k99 = Pca::retaining(0.99).fit_features(x.view())?.n_components();
        let mut t = Table::new(
            "Digits: variance retained and reconstruction error by number of components k",
            &[
                "k",
                "variance retained",
                "mean squared reconstruction error",
            ],
        );
        let (mut retained, mut recon) = (vec![], vec![]);
        for k in [1, 2, 5, 10, 20, 30, 41, 50, 64] {
            let p = Pca::new(k).with_engine(ctx.engine).fit_features(x.view())?;
            let (v, e) = (full.variance_retained(k), p.reconstruction_error(x.view())?);
            t.row(vec![k.to_string(), f4(v), format!("{e:.5}")]);
            recon.push((k as f64, e));
        }
        for k in 1..=64 {
            retained.push((k as f64, full.variance_retained(k)));
        }
        report.table(t);
        report.metric("k_for_99_percent", k99 as f64);
        report.claim(
            "Choose k as the smallest number of components retaining 99% of the variance",
            k99 < 64 && full.variance_retained(k99) >= 0.99 && full.variance_retained(k99 - 1) < 0.99,
            format!("k = {k99} of 64 components keep {} of the variance (scikit-learn on raw digits: 41)", f4(full.variance_retained(k99))),
        );
        report.plot(
            Plot::new(
                "variance_retained.svg",
                "Digits: cumulative variance retained",
                "components k",
                "variance retained",
            )
            .with(Series::line("retained", retained))
            .with(Series::line("0.99", vec![(1.0, 0.99), (64.0, 0.99)])),
        );
        report.plot(
            Plot::new(
                "reconstruction.svg",
                "Digits: reconstruction error",
                "components k",
                "mean ‖x - x̂‖²",
            )
            .with(Series::line("error", recon)),
        );

        // 2. 2-D projection coloured by digit.
        let two = Pca::new(2).with_engine(ctx.engine).fit_features(x.view())?;
        let z = two.transform(x.view())?;
        let mut scatter = Plot::new(
            "projection.svg",
            "Digits projected on the first two principal components",
            "PC 1",
            "PC 2",
        );
        for c in 0..10 {
            let pts = z
                .rows()
                .into_iter()
                .zip(digits.targets())
                .filter(|(_, y)| **y == c)
                .map(|(r, _)| (r[0], r[1]))
                .collect();
            scatter = scatter.with(Series::points(&c.to_string(), pts));
        }
        report.plot(scatter);

        // 3. Maximum variance = minimum reconstruction error: PC1 against random directions.
        let xc = &x - &full.mean;
        let pc1 = full.components.column(0).to_owned();
        let stats = |u: &Array1<f64>| {
            let proj = xc.dot(u);
            let var = proj.dot(&proj) / (x.nrows() - 1) as f64;
            let recon = &xc
                - &(proj
                    .insert_axis(ndarray::Axis(1))
                    .dot(&u.view().insert_axis(ndarray::Axis(0))));
            (var, recon.mapv(|v| v * v).sum() / x.nrows() as f64)
        };
        let (v1, e1) = stats(&pc1);
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        let mut beaten = 0;
        let trials = ctx.size(2000, 200);
        for _ in 0..trials {
            let mut u: Array1<f64> = Array1::from_shape_fn(64, |_| rng.random_range(-1.0..1.0));
            u /= u.dot(&u).sqrt();
            let (v, e) = stats(&u);
            beaten += usize::from(v > v1 + 1e-12 || e < e1 - 1e-12);
        }
        report.claim(
            "Two interpretations: the first component maximises projected variance and minimises reconstruction error",
            beaten == 0,
            format!("PC1: variance {}, error {}; {beaten} of {trials} random directions did better on either", f4(v1), f4(e1)),
        );

        // 4. The notes' advice: a classifier on raw pixels against PCA-reduced ones.
        let folds = KFold::new(5, ctx.seed)
            .stratified()
            .folds(digits.n_samples(), Some(&digits.targets().to_vec()))?;
        let scaled_digits = digits.with_features(x.clone())?;
        let mut t2 = Table::new(
            "Logistic regression (λ = 1) on digits, 5-fold CV",
            &["features", "accuracy", "time per fold (ms)"],
        )
        .timed();
        let mut rows = Vec::new();
        for (name, k) in [
            ("raw 64 pixels", None),
            ("PCA, k for 99%", Some(k99)),
            ("PCA, k = 10", Some(10)),
        ] {
            let start = Instant::now();
            let s = selection::cross_val_score(
                &PcaLogistic { k },
                &scaled_digits,
                &folds,
                metrics::accuracy,
            )?;
            let ms = start.elapsed().as_secs_f64() * 1e3 / folds.len() as f64;
            let acc = s.iter().sum::<f64>() / s.len() as f64;
            t2.row(vec![
                k.map_or(name.to_string(), |k| format!("{name} ({k})")),
                f4(acc),
                format!("{ms:.1}"),
            ]);
            rows.push((acc, ms));
        }
        report.table(t2);
        report.claim(
            "Do not use PCA to prevent overfitting: it does not beat the raw features",
            rows[1].0 <= rows[0].0 + 0.005 && rows[2].0 <= rows[0].0 + 0.005,
            format!(
                "accuracy raw {}, PCA(99%) {}, PCA(10) {}",
                f4(rows[0].0),
                f4(rows[1].0),
                f4(rows[2].0)
            ),
        );
        report.timed_claim(
            "Use PCA when computational cost is prohibitive: it speeds up training",
            rows[2].1 < rows[0].1,
            format!(
                "time per fold: raw {:.1} ms, PCA(10) {:.1} ms (PCA fit included)",
                rows[0].1, rows[2].1
            ),
        );
        Ok(report)
    }
}
