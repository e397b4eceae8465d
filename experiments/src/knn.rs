//! K-nearest neighbours: error against k (small k high variance, large k high bias), feature
//! scaling, the curse of dimensionality, and prediction time growing with N.

use std::time::Instant;

use mlnotes::data::{self, Dataset, generate};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::knn::{Algorithm, Knn};
use mlnotes::metrics;
use mlnotes::preprocess::Scaled;
use mlnotes::{Error, Result};
use ndarray::{Array2, Axis, array, concatenate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{cv_accuracy, f4};
use mlnotes::metrics::log_log_slope;

/// The `knn` experiment.
pub struct KnnExperiment;

fn error(model: &impl Predict<usize>, d: &Dataset) -> Result<f64> {
    Ok(1.0 - metrics::accuracy(d.targets().view(), model.predict(d.x())?.view())?)
}

/// `d` with `extra` uniform noise features appended.
fn with_noise(d: &Dataset, extra: usize, rng: &mut StdRng) -> Result<Dataset> {
    if extra == 0 {
        return Ok(d.clone());
    }
    let noise = Array2::from_shape_fn((d.n_samples(), extra), |_| rng.random_range(-2.0..2.0));
    d.with_features(
        concatenate(Axis(1), &[d.x(), noise.view()]).map_err(|e| Error::invalid(e.to_string()))?,
    )
}

impl Experiment for KnnExperiment {
    fn name(&self) -> &'static str {
        "knn"
    }

    fn section(&self) -> &'static str {
        "K-Nearest Neighbors (KNN)"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);

        // 1. Error against k on noisy moons.
        let train = generate::moons(ctx.size(300, 200), 0.3, ctx.seed)?;
        let val = generate::moons(1000, 0.3, ctx.seed.wrapping_add(1))?;
        let ks = [1, 3, 5, 9, 15, 25, 51, 101];
        let mut t = Table::new(
            "Noisy moons: error against k",
            &["k", "training error", "validation error"],
        );
        let (mut tr, mut va) = (vec![], vec![]);
        for &k in &ks {
            let m = Knn::new(k).with_engine(ctx.engine).fit(&train)?;
            let (a, b) = (error(&m, &train)?, error(&m, &val)?);
            t.row(vec![k.to_string(), f4(a), f4(b)]);
            tr.push((k as f64, a));
            va.push((k as f64, b));
        }
        report.table(t);
        let best = va
            .iter()
            .copied()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((1.0, 0.0));
        report.claim(
            "Small k: low bias, high variance (fits the noise)",
            tr[0].1 == 0.0 && va[0].1 > best.1 + 0.02,
            format!(
                "k = 1: training error {}, validation error {} (best: {} at k = {})",
                f4(tr[0].1),
                f4(va[0].1),
                f4(best.1),
                best.0
            ),
        );
        let last = va.len() - 1;
        report.claim(
            "Large k: high bias, low variance (a smoother boundary)",
            tr[last].1 > tr[1].1 && va[last].1 > best.1,
            format!(
                "k = {}: training error {}, validation error {}",
                ks[last],
                f4(tr[last].1),
                f4(va[last].1)
            ),
        );
        report.plot(
            Plot::new("error_vs_k.svg", "KNN on noisy moons", "k", "error")
                .with(Series::line("training", tr))
                .with(Series::line("validation", va)),
        );

        // 2. Feature scaling: large-scale features dominate the distance.
        let cancer = data::breast_cancer();
        let (raw, scaled) = (
            cv_accuracy(&Knn::new(5).with_engine(ctx.engine), &cancer, ctx.seed)?,
            cv_accuracy(
                &Scaled::standardized(Knn::new(5).with_engine(ctx.engine)),
                &cancer,
                ctx.seed,
            )?,
        );
        report.metric("breast_cancer_knn_scaled", scaled);
        report.claim(
            "KNN is sensitive to feature scaling (large-scale features dominate the distance)",
            scaled > raw + 0.01,
            format!(
                "breast cancer, k = 5, 5-fold CV accuracy: raw {}, standardised {}",
                f4(raw),
                f4(scaled)
            ),
        );

        // 3. Curse of dimensionality: irrelevant dimensions added to two blobs.
        let base = generate::blobs(
            ctx.size(400, 200),
            &array![[0.0, 0.0], [2.5, 0.0]],
            1.0,
            ctx.seed,
        )?;
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        let mut t2 = Table::new(
            "Two blobs plus irrelevant uniform dimensions, k = 5, 5-fold CV",
            &["irrelevant dimensions", "accuracy"],
        );
        let mut curse = vec![];
        for extra in [0, 2, 8, 32, 128] {
            let d = with_noise(&base, extra, &mut rng)?;
            let a = cv_accuracy(&Knn::new(5).with_engine(ctx.engine), &d, ctx.seed)?;
            t2.row(vec![extra.to_string(), f4(a)]);
            curse.push((extra as f64, a));
        }
        report.table(t2);
        report.claim(
            "KNN suffers from the curse of dimensionality",
            curse[curse.len() - 1].1 < curse[0].1 - 0.1,
            format!(
                "accuracy {} with 2 dimensions, {} with 128 irrelevant ones added",
                f4(curse[0].1),
                f4(curse[curse.len() - 1].1)
            ),
        );
        report.plot(
            Plot::new(
                "curse.svg",
                "Accuracy against irrelevant dimensions",
                "irrelevant dimensions",
                "accuracy",
            )
            .with(Series::line("k = 5", curse)),
        );

        // 4. Prediction cost: O(N) per query.
        let sizes: Vec<usize> = if ctx.quick {
            vec![2000, 8000, 32000]
        } else {
            vec![4000, 16000, 64000, 256000]
        };
        let queries = generate::blobs(
            500,
            &array![[0.0; 8], [1.0; 8]],
            1.0,
            ctx.seed.wrapping_add(2),
        )?;
        let (mut times, mut tree_times) = (vec![], vec![]);
        let mut t3 = Table::new(
            "Prediction time for 500 queries (8 features, k = 5)",
            &[
                "training examples N",
                "brute force (ms)",
                "k-d tree (ms)",
                "k-d tree build (ms)",
            ],
        )
        .timed();
        let timed = |f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
            let start = Instant::now();
            f()?;
            Ok(start.elapsed().as_secs_f64() * 1e3)
        };
        for &n in &sizes {
            let d = generate::blobs(
                n,
                &array![[0.0; 8], [1.0; 8]],
                1.0,
                ctx.seed.wrapping_add(n as u64),
            )?;
            let brute = Knn {
                algorithm: Algorithm::BruteForce,
                ..Knn::new(5)
            }
            .fit(&d)?;
            let ms = timed(&mut || brute.predict(queries.x()).map(|_| ()))?;
            let mut tree = None;
            let build_ms = timed(&mut || {
                tree = Some(
                    Knn {
                        algorithm: Algorithm::KdTree,
                        ..Knn::new(5)
                    }
                    .fit(&d)?,
                );
                Ok(())
            })?;
            let tree_ms = match &tree {
                Some(t) => timed(&mut || t.predict(queries.x()).map(|_| ()))?,
                None => f64::NAN,
            };
            t3.row(vec![
                n.to_string(),
                format!("{ms:.1}"),
                format!("{tree_ms:.1}"),
                format!("{build_ms:.1}"),
            ]);
            times.push((n as f64, ms));
            tree_times.push((n as f64, tree_ms));
        }
        report.table(t3);
        let slope = log_log_slope(&times);
        let tree_slope = log_log_slope(&tree_times);
        report.timing("predict_time_exponent", slope);
        report.timed_claim(
            "No training phase, but prediction is expensive: O(N) for every query",
            slope > 0.7,
            format!(
                "brute force: fitted exponent of prediction time against N {slope:.2} (1 expected); a k-d tree index (built once at fit) brings it to {tree_slope:.2} in 8 dimensions"
            ),
        );
        report.plot(
            Plot::new(
                "predict_time.svg",
                "KNN prediction time",
                "training examples N",
                "ms for 500 queries",
            )
            .with(Series::line("brute force", times))
            .with(Series::line("k-d tree", tree_times))
            .timed(),
        );
        Ok(report)
    }
}
