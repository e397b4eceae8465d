//! K-nearest neighbours: bias and variance against k (measured over resampled training sets),
//! feature scaling, the curse of dimensionality, memory and prediction time growing with N,
//! and instant adaptation to new examples.

use std::time::Instant;

use mlnotes::data::{self, Dataset, generate};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict, member_seed};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, half_iqr, mean_se, median, num,
};
use mlnotes::knn::{Algorithm, Knn};
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics::{self, log_log_slope};
use mlnotes::preprocess::Scaled;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, Axis, array, concatenate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::{boundary_points, cv_accuracy, f4, zero_one_decomposition};

/// Noisy moons: label noise and test rows (training rows: `ctx.size(300, 200)`).
const MOONS_NOISE: f64 = 0.3;
const MOONS_TEST: usize = 500;
/// Training sets drawn per seed to measure how predictions vary with the training set.
const RESAMPLES: usize = 10;
/// The k of the error curve, and the small, moderate (near the best) and large k compared.
const KS: [usize; 8] = [1, 3, 5, 9, 15, 25, 51, 101];
const K_SMALL: usize = 1;
const K_MID: usize = 15;
const K_LARGE: usize = 101;
/// Grid (cells per side) and ranges on which decision-boundary cells are counted.
const GRID: usize = 60;
const GRID_X: (f64, f64) = (-1.5, 2.5);
const GRID_Y: (f64, f64) = (-1.0, 1.5);
/// Scaling: the accuracy gain standardisation must bring on breast cancer.
const SCALING_MARGIN: f64 = 0.01;
/// Curse of dimensionality: irrelevant dimensions added, and the accuracy they must cost.
const EXTRA_DIMS: [usize; 5] = [0, 2, 8, 32, 128];
const CURSE_DROP: f64 = 0.1;
/// Memory: training sizes whose fitted models are measured (8 features, k-d tree built).
const MEMORY_SIZES: [usize; 4] = [1000, 2000, 4000, 8000];
/// Adaptation: new class-1 examples and queries around a point of class 0's moon, their
/// spread, and how much the share of queries given the new class must rise.
const NEW_POINTS: usize = 20;
const QUERIES: usize = 50;
const NEW_CENTRE: (f64, f64) = (0.0, 1.0);
const NEW_SPREAD: f64 = 0.05;
const ADAPT_MARGIN: f64 = 0.5;
/// Timings: repeats per measurement (medians), and the least ratio of a speedup.
const TIMING_REPEATS: usize = 7;
const MIN_SPEEDUP: f64 = 1.2;
/// Prediction time: queries, and repeats per size (median).
const TIME_QUERIES: usize = 500;
const TIME_REPEATS: usize = 3;

/// The `knn` experiment.
pub struct KnnExperiment;

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
        bias_and_variance(ctx, &mut report)?;
        feature_scaling(ctx, &mut report)?;
        curse_of_dimensionality(ctx, &mut report)?;
        memory(ctx, &mut report)?;
        adaptation(ctx, &mut report)?;
        prediction_cost(ctx, &mut report)?;
        Ok(report)
    }
}

/// Error rate of `model` on `d`.
fn error(model: &impl Predict<usize>, d: &Dataset) -> Result<f64> {
    Ok(1.0 - metrics::accuracy(d.targets().view(), model.predict(d.x())?.view())?)
}

/// Wall-clock seconds of `repeats` runs of `f`.
fn times(repeats: usize, f: &mut dyn FnMut() -> Result<()>) -> Result<Vec<f64>> {
    (0..repeats)
        .map(|_| {
            let start = Instant::now();
            f()?;
            Ok(start.elapsed().as_secs_f64())
        })
        .collect()
}

/// What one seed measured for each k of [`KS`] (over [`RESAMPLES`] training sets).
struct KCurve {
    /// Share of (test point, training set) pairs predicted otherwise than the majority
    /// prediction over the training sets (the variance of 0-1 loss).
    variance: Vec<f64>,
    /// Test error of the majority prediction (bias, plus the labels' noise).
    bias: Vec<f64>,
    /// Mean training error over the training sets.
    training_error: Vec<f64>,
    /// Mean test error over the training sets.
    test_error: Vec<f64>,
    /// Decision-boundary cells on the grid, first training set (0 where not counted).
    boundary_cells: Vec<f64>,
}

/// One seed: `RESAMPLES` training sets of noisy moons, every k fitted to each, predictions
/// on one test set.
fn k_curve(ctx: &Context, seed: u64) -> Result<KCurve> {
    let n = ctx.size(300, 200);
    let test = generate::moons(MOONS_TEST, MOONS_NOISE, member_seed(seed, 1_000))?;
    // predictions[k][r]: predicted classes of the test rows by training set r
    let mut predictions: Vec<Vec<Array1<usize>>> = vec![vec![]; KS.len()];
    let mut training_error = vec![0.0; KS.len()];
    let mut boundary_cells = vec![0.0; KS.len()];
    for r in 0..RESAMPLES {
        let train = generate::moons(n, MOONS_NOISE, member_seed(seed, r as u64))?;
        for (i, &k) in KS.iter().enumerate() {
            let m = Knn::new(k).with_engine(ctx.engine).fit(&train)?;
            training_error[i] += error(&m, &train)? / RESAMPLES as f64;
            predictions[i].push(m.predict(test.x())?);
            if r == 0 && [K_SMALL, K_MID, K_LARGE].contains(&k) {
                boundary_cells[i] = boundary_points(&m, GRID_X, GRID_Y, GRID)?.len() as f64;
            }
        }
    }
    let mut curve = KCurve {
        variance: vec![],
        bias: vec![],
        training_error,
        test_error: vec![],
        boundary_cells,
    };
    for preds in &predictions {
        let d = zero_one_decomposition(preds, test.targets().view());
        curve.variance.push(d.variance);
        curve.test_error.push(d.error);
        curve.bias.push(d.bias);
    }
    Ok(curve)
}

/// One measurement of a [`KCurve`].
#[derive(Clone, Copy)]
enum Measure {
    TrainingError,
    TestError,
    Bias,
    Variance,
    BoundaryCells,
}

impl KCurve {
    /// The values of `m`, one per k of [`KS`].
    fn values(&self, m: Measure) -> &[f64] {
        match m {
            Measure::TrainingError => &self.training_error,
            Measure::TestError => &self.test_error,
            Measure::Bias => &self.bias,
            Measure::Variance => &self.variance,
            Measure::BoundaryCells => &self.boundary_cells,
        }
    }
}

/// The values of `m` at `k`, one per seed.
fn across(curves: &[KCurve], m: Measure, k: usize) -> Vec<f64> {
    let i = KS.iter().position(|&x| x == k).unwrap_or(0);
    curves.iter().map(|c| c.values(m)[i]).collect()
}

/// 1. Error, bias and variance against k on noisy moons, over seeds and resampled training
///    sets.
fn bias_and_variance(ctx: &Context, report: &mut Report) -> Result<()> {
    let seeds = ctx.seeds();
    let curves: Vec<KCurve> = seeds
        .iter()
        .map(|&s| k_curve(ctx, s))
        .collect::<Result<_>>()?;
    let mut t = Table::new(
        &format!(
            "Noisy moons, {} training examples: error against k, mean ± SE over {} seeds of {RESAMPLES} training sets each ({MOONS_TEST} test examples)",
            ctx.size(300, 200),
            seeds.len()
        ),
        &[
            "k",
            "training error",
            "test error",
            "bias (majority prediction's error)",
            "variance (disagreement with it)",
        ],
    );
    let columns = [
        Measure::TrainingError,
        Measure::TestError,
        Measure::Bias,
        Measure::Variance,
    ];
    // curve[c]: (k, mean) points and their standard errors of column c
    type Curve = (Vec<(f64, f64)>, Vec<f64>);
    let mut curve: Vec<Curve> = vec![(vec![], vec![]); columns.len()];
    for &k in &KS {
        let mut row = vec![k.to_string()];
        for (c, &m) in columns.iter().enumerate() {
            let (mean, se) = mean_se(&across(&curves, m, k));
            let se = se.unwrap_or(0.0);
            row.push(format!("{} ± {}", f4(mean), f4(se)));
            curve[c].0.push((k as f64, mean));
            curve[c].1.push(se);
        }
        t.row(row);
    }
    report.table(t);

    use Measure::{Bias, BoundaryCells, TestError, TrainingError, Variance};
    report.claim(
        "small-k-high-variance",
        "Small k: low bias, high variance (fits the noise)",
        Verdict::paired_gain(
            "prediction variance across training sets, k = 1 − k = 101",
            &across(&curves, Variance, K_SMALL),
            &across(&curves, Variance, K_LARGE),
            0.0,
        )
        .and(Verdict::paired_gain(
            "bias (test error of the majority prediction), k = 101 − k = 1",
            &across(&curves, Bias, K_LARGE),
            &across(&curves, Bias, K_SMALL),
            0.0,
        ))
        .and(Verdict::paired_gain(
            "test error, k = 1 − k = 15",
            &across(&curves, TestError, K_SMALL),
            &across(&curves, TestError, K_MID),
            0.0,
        ))
        .with(format!(
            "training error at k = 1: {}",
            num(mean_se(&across(&curves, TrainingError, K_SMALL)).0)
        )),
    );
    report.claim(
        "large-k-high-bias",
        "Large k: high bias, low variance (a smoother boundary)",
        Verdict::paired_gain(
            "bias, k = 101 − k = 15",
            &across(&curves, Bias, K_LARGE),
            &across(&curves, Bias, K_MID),
            0.0,
        )
        .and(Verdict::paired_gain(
            "prediction variance, k = 15 − k = 101",
            &across(&curves, Variance, K_MID),
            &across(&curves, Variance, K_LARGE),
            0.0,
        ))
        .and(Verdict::paired_gain(
            &format!("decision-boundary cells on a {GRID} × {GRID} grid, k = 15 − k = 101"),
            &across(&curves, BoundaryCells, K_MID),
            &across(&curves, BoundaryCells, K_LARGE),
            0.0,
        ))
        .with(format!(
            "boundary cells at k = 1: {}",
            num(mean_se(&across(&curves, BoundaryCells, K_SMALL)).0)
        )),
    );
    let mut curve = curve.into_iter();
    let mut next = || curve.next().unwrap_or_default();
    let (tr, te, bi, va) = (next(), next(), next(), next());
    report.plot(
        Plot::new(
            "error_vs_k.svg",
            &format!("KNN on noisy moons (mean ± SE over {} seeds)", seeds.len()),
            "neighbours k",
            "0-1 error rate",
        )
        .with(Series::line("training", tr.0).with_errors(tr.1))
        .with(Series::line("test", te.0).with_errors(te.1)),
    );
    report.plot(
        Plot::new(
            "bias_variance_vs_k.svg",
            &format!(
                "KNN on noisy moons: bias and variance of the 0-1 loss (mean ± SE over {} seeds)",
                seeds.len()
            ),
            "neighbours k",
            "share of test predictions",
        )
        .with(Series::line("bias (majority prediction's error)", bi.0).with_errors(bi.1))
        .with(Series::line("variance (disagreement with it)", va.0).with_errors(va.1)),
    );
    Ok(())
}

/// 2. Feature scaling: large-scale features dominate the distance (breast cancer, fold seeds).
fn feature_scaling(ctx: &Context, report: &mut Report) -> Result<()> {
    let cancer = data::breast_cancer();
    let (mut raw, mut scaled) = (vec![], vec![]);
    for seed in ctx.seeds() {
        raw.push(cv_accuracy(
            &Knn::new(5).with_engine(ctx.engine),
            &cancer,
            seed,
        )?);
        scaled.push(cv_accuracy(
            &Scaled::standardized(Knn::new(5).with_engine(ctx.engine)),
            &cancer,
            seed,
        )?);
    }
    report.metric("breast_cancer_knn_scaled", mean_se(&scaled).0);
    report.claim(
        "sensitive-to-feature-scaling",
        "KNN is sensitive to feature scaling (large-scale features dominate the distance)",
        Verdict::paired_gain(
            "breast cancer 5-fold CV accuracy (k = 5), standardised − raw",
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

/// 3. Curse of dimensionality: irrelevant dimensions added to two blobs, over seeds.
fn curse_of_dimensionality(ctx: &Context, report: &mut Report) -> Result<()> {
    let seeds = ctx.seeds();
    // accuracy[e][s]: EXTRA_DIMS[e] irrelevant dimensions, seed s
    let mut accuracy = vec![vec![]; EXTRA_DIMS.len()];
    for &seed in &seeds {
        let base = generate::blobs(
            ctx.size(400, 200),
            &array![[0.0, 0.0], [2.5, 0.0]],
            1.0,
            seed,
        )?;
        let mut rng = StdRng::seed_from_u64(member_seed(seed, 3_000));
        for (e, &extra) in EXTRA_DIMS.iter().enumerate() {
            let d = with_noise(&base, extra, &mut rng)?;
            accuracy[e].push(cv_accuracy(&Knn::new(5).with_engine(ctx.engine), &d, seed)?);
        }
    }
    let mut t = Table::new(
        &format!(
            "Two blobs plus irrelevant uniform dimensions, k = 5, 5-fold CV, mean ± SE over {} seeds",
            seeds.len()
        ),
        &["irrelevant dimensions", "accuracy"],
    );
    let (mut points, mut errors) = (vec![], vec![]);
    for (e, &extra) in EXTRA_DIMS.iter().enumerate() {
        let (m, se) = mean_se(&accuracy[e]);
        t.row(vec![
            extra.to_string(),
            format!("{} ± {}", f4(m), f4(se.unwrap_or(0.0))),
        ]);
        points.push((extra as f64, m));
        errors.push(se.unwrap_or(0.0));
    }
    report.table(t);
    let last = EXTRA_DIMS.len() - 1;
    report.claim(
        "curse-of-dimensionality",
        "KNN suffers from the curse of dimensionality",
        Verdict::paired_gain(
            &format!(
                "5-fold CV accuracy with 2 dimensions − with {} irrelevant ones added",
                EXTRA_DIMS[last]
            ),
            &accuracy[0],
            &accuracy[last],
            CURSE_DROP,
        ),
    );
    report.plot(
        Plot::new(
            "curse.svg",
            &format!(
                "Accuracy against irrelevant dimensions (mean ± SE over {} seeds)",
                seeds.len()
            ),
            "irrelevant dimensions added",
            "5-fold CV accuracy",
        )
        .with(Series::line("k = 5", points).with_errors(errors)),
    );
    Ok(())
}

/// Two 8-dimensional blobs of `n` rows.
fn blobs8(n: usize, seed: u64) -> Result<Dataset> {
    generate::blobs(n, &array![[0.0; 8], [1.0; 8]], 1.0, seed)
}

/// 4. Memory: the fitted model stores the training set, so its size grows with N (a
///    parametric model's does not).
fn memory(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut knn_bytes, mut logistic_bytes) = (vec![], vec![]);
    for &n in &MEMORY_SIZES {
        let d = blobs8(n, member_seed(ctx.seed, n as u64))?;
        let knn = Knn::new(5).fit(&d)?;
        let logistic = LogisticRegression::new(1.0).fit(&d)?;
        knn_bytes.push((n as f64, serde_json::to_vec(&knn)?.len() as f64));
        logistic_bytes.push((n as f64, serde_json::to_vec(&logistic)?.len() as f64));
    }
    let mut t = Table::new(
        "Size of the fitted model, serialised (JSON), 8 features",
        &[
            "training examples N",
            "KNN (bytes)",
            "logistic regression (bytes)",
        ],
    );
    for (k, l) in knn_bytes.iter().zip(&logistic_bytes) {
        t.row(vec![k.0.to_string(), k.1.to_string(), l.1.to_string()]);
    }
    report.table(t);
    report.claim(
        "memory-grows-with-n",
        "Memory intensive (must store all data)",
        Verdict::slope(
            "serialised size of the fitted KNN model against N",
            &knn_bytes,
            0.8,
            1.3,
        )
        .and(Verdict::slope(
            "serialised size of logistic regression fitted on the same rows against N (a model that keeps no rows)",
            &logistic_bytes,
            -0.2,
            0.2,
        )),
    );
    Ok(())
}

/// `m` points around [`NEW_CENTRE`] (standard deviation [`NEW_SPREAD`]).
fn around_centre(m: usize, rng: &mut StdRng) -> Array2<f64> {
    Array2::from_shape_fn((m, 2), |(_, j)| {
        let c = if j == 0 { NEW_CENTRE.0 } else { NEW_CENTRE.1 };
        c + NEW_SPREAD * rng.sample::<f64, _>(StandardNormal)
    })
}

/// Share of `x`'s rows that `model` puts in class 1.
fn share_of_class_one(model: &impl Predict<usize>, x: &Array2<f64>) -> Result<f64> {
    let p = model.predict(x.view())?;
    Ok(p.iter().filter(|&&c| c == 1).count() as f64 / p.len() as f64)
}

/// Noisy moons, the same with [`NEW_POINTS`] class-1 examples added around [`NEW_CENTRE`]
/// (inside class 0's moon), and queries around that point.
struct Adaptation {
    train: Dataset,
    augmented: Dataset,
    queries: Array2<f64>,
}

/// The [`Adaptation`] data of `seed`, with `n` training examples.
fn adaptation_data(n: usize, seed: u64) -> Result<Adaptation> {
    let train = generate::moons(n, MOONS_NOISE, member_seed(seed, 2_000))?;
    let mut rng = StdRng::seed_from_u64(member_seed(seed, 2_001));
    let new_x = around_centre(NEW_POINTS, &mut rng);
    let queries = around_centre(QUERIES, &mut rng);
    let x = concatenate(Axis(0), &[train.x(), new_x.view()])
        .map_err(|e| Error::invalid(e.to_string()))?;
    let new_y = Array1::from_elem(NEW_POINTS, 1);
    let y = concatenate(Axis(0), &[train.targets().view(), new_y.view()])
        .map_err(|e| Error::invalid(e.to_string()))?;
    let augmented = Dataset::with_classes(x, y, train.class_names().to_vec())?;
    Ok(Adaptation {
        train,
        augmented,
        queries,
    })
}

/// 5. Adaptation: new class-1 examples inside class 0's moon change the predictions around
///    them as soon as they are stored; "fitting" them is memorising, much cheaper than
///    retraining a parametric model.
fn adaptation(ctx: &Context, report: &mut Report) -> Result<()> {
    let n = ctx.size(300, 200);
    let knn = Knn::new(5).with_engine(ctx.engine);
    let (mut before, mut after) = (vec![], vec![]);
    for seed in ctx.seeds() {
        let a = adaptation_data(n, seed)?;
        before.push(share_of_class_one(&knn.fit(&a.train)?, &a.queries)?);
        after.push(share_of_class_one(&knn.fit(&a.augmented)?, &a.queries)?);
    }
    let augmented = adaptation_data(n, ctx.seed)?.augmented;
    let brute = Knn {
        algorithm: Algorithm::BruteForce,
        ..Knn::new(5)
    };
    let memorise = times(TIMING_REPEATS, &mut || brute.fit(&augmented).map(|_| ()))?;
    let retrain = times(TIMING_REPEATS, &mut || {
        LogisticRegression::new(1.0).fit(&augmented).map(|_| ())
    })?;
    report.claim(
        "adapts-instantly-to-new-data",
        "No training phase (instant adaptation to new data)",
        Verdict::paired_gain(
            &format!(
                "share of {QUERIES} queries near {NEW_POINTS} new class-1 examples predicted class 1 (k = 5), after − before storing them"
            ),
            &after,
            &before,
            ADAPT_MARGIN,
        )
        .and(Verdict::speedup(
            "retraining logistic regression / storing the examples in KNN",
            &retrain,
            &memorise,
            MIN_SPEEDUP,
        ))
        .with(format!(
            "KNN fit on {} examples: median {} s",
            augmented.n_samples(),
            num(median(&memorise))
        )),
    );
    Ok(())
}

/// 6. Prediction cost: O(N) per query for brute force; a k-d tree index for comparison.
fn prediction_cost(ctx: &Context, report: &mut Report) -> Result<()> {
    let sizes: &[usize] = if ctx.quick {
        &[2000, 4000, 8000, 16000]
    } else {
        &[2000, 8000, 32000, 128000]
    };
    let queries = blobs8(TIME_QUERIES, ctx.seed.wrapping_add(2))?;
    // (N, median ms) points and half the interquartile range of the repeats, per method
    let (mut brute_times, mut tree_times) = (vec![], vec![]);
    let (mut brute_spread, mut tree_spread) = (vec![], vec![]);
    let mut t = Table::new(
        &format!(
            "Prediction time for {TIME_QUERIES} queries (8 features, k = 5), median of {TIME_REPEATS}"
        ),
        &[
            "training examples N",
            "brute force (ms)",
            "k-d tree (ms)",
            "k-d tree build (ms)",
        ],
    )
    .timed();
    for &n in sizes {
        let d = blobs8(n, ctx.seed.wrapping_add(n as u64))?;
        let brute = Knn {
            algorithm: Algorithm::BruteForce,
            ..Knn::new(5)
        }
        .fit(&d)?;
        let brute_repeats = times(TIME_REPEATS, &mut || brute.predict(queries.x()).map(|_| ()))?;
        let brute_s = median(&brute_repeats);
        let tree_params = Knn {
            algorithm: Algorithm::KdTree,
            ..Knn::new(5)
        };
        let mut tree = None;
        let build_s = times(1, &mut || {
            tree = Some(tree_params.fit(&d)?);
            Ok(())
        })?[0];
        let tree_repeats = match &tree {
            Some(tr) => times(TIME_REPEATS, &mut || tr.predict(queries.x()).map(|_| ()))?,
            None => vec![],
        };
        // NaN without a tree
        let tree_s = median(&tree_repeats);
        t.row(vec![
            n.to_string(),
            format!("{:.1}", brute_s * 1e3),
            format!("{:.1}", tree_s * 1e3),
            format!("{:.1}", build_s * 1e3),
        ]);
        brute_times.push((n as f64, brute_s * 1e3));
        tree_times.push((n as f64, tree_s * 1e3));
        brute_spread.push(half_iqr(&brute_repeats) * 1e3);
        tree_spread.push(half_iqr(&tree_repeats) * 1e3);
    }
    report.table(t);
    let verdict = Verdict::slope(
        &format!("brute-force prediction time of {TIME_QUERIES} queries against N"),
        &brute_times,
        0.8,
        1.3,
    )
    .timed()
    .with(format!(
        "a k-d tree index (built once at fit) gives slope {} in 8 dimensions",
        num(log_log_slope(&tree_times))
    ));
    report.timing("predict_time_exponent", log_log_slope(&brute_times));
    report.claim(
        "prediction-cost-linear-in-n",
        "No training phase, but prediction is expensive: O(N) for every query",
        verdict,
    );
    report.plot(
        Plot::new(
            "predict_time.svg",
            &format!("KNN prediction time (median ± half IQR of {TIME_REPEATS} repeats)"),
            "training examples N",
            &format!("time to predict {TIME_QUERIES} queries (ms)"),
        )
        .with(Series::line("brute force", brute_times).with_errors(brute_spread))
        .with(Series::line("k-d tree", tree_times).with_errors(tree_spread))
        .timed(),
    );
    Ok(())
}
