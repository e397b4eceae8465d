//! Ensembles: bagging reduces the variance of deep trees (spread of predictions over
//! independent training sets); boosting stumps reduces bias (training error against rounds),
//! up-weights the examples the last stump missed so the next one focuses on them, builds a
//! strong learner from weak ones, and also lowers the variance of a stump (spread of predictions
//! over bootstrap resamples). Every comparison is repeated over seeds: new data sets, or a new
//! train/test split of breast cancer.

use mlnotes::Result;
use mlnotes::data::{self, Dataset, generate};
use mlnotes::engine::Engine;
use mlnotes::ensemble::{AdaBoost, Bagging, FittedAdaBoost, GradientBoosting};
use mlnotes::estimator::{Fit, Predict, member_seed};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::metrics::accuracy;
use mlnotes::selection::HoldOut;
use mlnotes::tree::{DecisionTree, MaxFeatures};
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{cv_accuracy, f4};

/// Noise of the two-moons data sets of the bagging comparison.
const MOONS_NOISE: f64 = 0.35;
/// Test points of each seed's two-moons test set.
const MOONS_TEST: usize = 1000;
/// Share of breast cancer that trains in each seed's stratified split (the rest tests).
const TRAIN_SHARE: f64 = 0.75;
/// Boosting reduces bias: AdaBoost's final training error is at most this share of the error
/// of its first stump.
const BIAS_RATIO: f64 = 0.25;
/// The second stump, fitted on the round-1 weights, must classify the first stump's mistakes
/// correctly more often than the first stump's correct examples, by this much.
const FOCUS_MARGIN: f64 = 0.1;
/// AdaBoost on stumps must beat one stump's test accuracy by this much to count as strong.
const STRONG_MARGIN: f64 = 0.02;
/// The library's round-1 weights may differ from the formula's by this much (times m).
const WEIGHT_TOLERANCE: f64 = 1e-9;

/// The `ensembles` experiment.
pub struct Ensembles;

/// Spread of one model's predictions over several training sets.
struct Spread {
    /// Variance over training sets of the predicted class (0/1), averaged over test points.
    variance: f64,
    /// Test error, averaged over training sets.
    error: f64,
}

/// Fit a model on each training set and measure the spread of its test predictions.
fn spread(
    fit: impl Fn(&Dataset) -> Result<Box<dyn Predict<usize>>>,
    sets: &[Dataset],
    test: &Dataset,
) -> Result<Spread> {
    let mut preds = Array2::<f64>::zeros((sets.len(), test.n_samples()));
    let mut err = 0.0;
    for (r, train) in sets.iter().enumerate() {
        let p = fit(train)?.predict(test.x())?;
        err += 1.0 - accuracy(test.targets().view(), p.view())?;
        preds.row_mut(r).assign(&p.mapv(|k| k as f64));
    }
    let variance = preds.var_axis(ndarray::Axis(0), 0.0).mean().unwrap_or(0.0);
    Ok(Spread {
        variance,
        error: err / sets.len() as f64,
    })
}

/// The spreads of one model over the seeds.
#[derive(Default)]
struct Spreads {
    variance: Vec<f64>,
    error: Vec<f64>,
}

impl Spreads {
    fn push(&mut self, s: Spread) {
        self.variance.push(s.variance);
        self.error.push(s.error);
    }
}

/// One measurement from every seed's run.
fn column<T>(runs: &[T], f: impl Fn(&T) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

/// Mean of repeated measurements.
fn mean(v: &[f64]) -> f64 {
    mean_se(v).0
}

/// Test accuracy of a fitted classifier.
fn test_accuracy(model: &impl Predict<usize>, test: &Dataset) -> Result<f64> {
    accuracy(test.targets().view(), model.predict(test.x())?.view())
}

/// Bagging against one deep tree on noisy moons: for each seed, independent training sets and
/// a test set drawn anew; the spread of each model's predictions over the training sets.
fn bagging_variance(ctx: &Context, report: &mut Report) -> Result<()> {
    let r = ctx.size(10, 6);
    let n_trees = ctx.size(100, 25);
    let seeds = ctx.seeds();
    let (mut tree, mut bag, mut rf) = (Spreads::default(), Spreads::default(), Spreads::default());
    for &s in &seeds {
        let sets: Vec<Dataset> = (0..r)
            .map(|i| {
                generate::moons(
                    ctx.size(300, 150),
                    MOONS_NOISE,
                    member_seed(s, 1 + i as u64),
                )
            })
            .collect::<Result<_>>()?;
        let test = generate::moons(MOONS_TEST, MOONS_NOISE, member_seed(s, 0))?;
        tree.push(spread(
            |d| Ok(Box::new(DecisionTree::cart().fit(d)?)),
            &sets,
            &test,
        )?);
        bag.push(spread(
            |d| {
                Ok(Box::new(
                    Bagging::new(DecisionTree::cart(), n_trees)
                        .with_seed(s)
                        .fit(d)?,
                ))
            },
            &sets,
            &test,
        )?);
        // With two features √n rounds up to both: the forest draws one feature per split.
        let forest = Bagging {
            base: DecisionTree {
                max_features: MaxFeatures::Count(1),
                ..DecisionTree::cart()
            },
            ..Bagging::random_forest(n_trees).with_seed(s)
        };
        rf.push(spread(|d| Ok(Box::new(forest.fit(d)?)), &sets, &test)?);
    }
    let mut t = Table::new(
        &format!(
            "Noisy moons, {r} independent training sets per seed, {} seeds: variance of the predicted class over training sets",
            seeds.len()
        ),
        &["model", "prediction variance (mean)", "test error (mean)"],
    );
    for (name, m) in [
        ("deep tree", &tree),
        ("bagging (trees)", &bag),
        ("random forest (1 feature per split)", &rf),
    ] {
        t.row(vec![name.into(), f4(mean(&m.variance)), f4(mean(&m.error))]);
    }
    report.table(t);
    report.metric("variance_tree", mean(&tree.variance));
    report.metric("variance_bagging", mean(&bag.variance));
    report.claim(
        "bagging-reduces-variance",
        "Bagging reduces variance (combats overfitting)",
        Verdict::paired_gain(
            "prediction variance over training sets: deep tree − bagged trees",
            &tree.variance,
            &bag.variance,
            0.0,
        )
        .and(Verdict::paired_gain(
            "test error: deep tree − bagged trees",
            &tree.error,
            &bag.error,
            0.0,
        ))
        .with(format!(
            "noisy moons, {r} training sets per seed, {n_trees} trees; mean variance: deep tree {}, bagged {}, random forest {}",
            num(mean(&tree.variance)),
            num(mean(&bag.variance)),
            num(mean(&rf.variance))
        )),
    );
    Ok(())
}

/// AdaBoost's first two rounds on one training set, read from the native AdaBoost (the one
/// that keeps its example weights).
struct FirstRounds {
    /// ln(mean round-1 weight of the first stump's misclassified examples / of the others).
    log_weight_ratio: f64,
    /// Largest gap between the library's round-1 weights and the formula's, times m.
    weight_gap: f64,
    /// Weighted error of the first stump on the round-1 weights.
    first_weighted_error: f64,
    /// Weighted error of the second stump on the round-1 weights.
    second_weighted_error: f64,
    /// Share of the first stump's mistakes that the second stump classifies correctly.
    second_fixes: f64,
    /// Share of the first stump's correct examples that the second stump classifies correctly.
    second_keeps: f64,
}

/// The round-1 weights of AdaBoost against its formula, `α = ln((1 − ε)/ε) + ln(K − 1)` and
/// `w_i ∝ exp(α [h₁(x_i) ≠ y_i])` from uniform weights, and how the second stump does on them.
fn first_rounds(train: &Dataset) -> Result<FirstRounds> {
    let one = AdaBoost::new(1).fit(train)?;
    let two = AdaBoost::new(2).fit(train)?;
    let (x, y) = (train.x(), train.targets());
    let m = train.n_samples() as f64;
    let missed =
        |p: &Array1<usize>| -> Vec<bool> { p.iter().zip(y).map(|(a, b)| a != b).collect() };
    let miss = missed(&one.learners[0].predict(x)?);
    let w = &one.sample_weights;
    let eps = miss.iter().filter(|&&b| b).count() as f64 / m;
    let alpha = ((1.0 - eps) / eps).ln() + (train.n_classes() as f64 - 1.0).ln();
    let raw: Vec<f64> = miss
        .iter()
        .map(|&b| if b { alpha.exp() } else { 1.0 })
        .collect();
    let total: f64 = raw.iter().sum();
    let weight_gap = raw
        .iter()
        .zip(w)
        .map(|(r, w)| (r / total - w).abs())
        .fold(0.0, f64::max)
        * m;
    let mean_weight = |of_missed: bool| {
        let picked: Vec<f64> = miss
            .iter()
            .zip(w)
            .filter(|(b, _)| **b == of_missed)
            .map(|(_, w)| *w)
            .collect();
        mean(&picked)
    };
    let weighted_error = |wrong: &[bool]| {
        wrong
            .iter()
            .zip(w)
            .filter(|(b, _)| **b)
            .map(|(_, w)| w)
            .sum::<f64>()
            / w.iter().sum::<f64>()
    };
    let first_weighted_error = weighted_error(&miss[..]);
    let (second_weighted_error, second_fixes, second_keeps) = match two.learners.get(1) {
        Some(h2) => {
            let wrong = missed(&h2.predict(x)?);
            // share of the examples with `first_missed` that the second stump gets right
            let right_among = |first_missed: bool| {
                let (n, right) = miss
                    .iter()
                    .zip(&wrong)
                    .filter(|(a, _)| **a == first_missed)
                    .fold((0usize, 0usize), |(n, r), (_, w)| {
                        (n + 1, r + usize::from(!*w))
                    });
                right as f64 / n.max(1) as f64
            };
            (
                weighted_error(&wrong[..]),
                right_among(true),
                right_among(false),
            )
        }
        // AdaBoost stopped: no second stump beat chance on the round-1 weights.
        None => (first_weighted_error, 0.0, 1.0),
    };
    Ok(FirstRounds {
        log_weight_ratio: (mean_weight(true) / mean_weight(false)).ln(),
        weight_gap,
        first_weighted_error,
        second_weighted_error,
        second_fixes,
        second_keeps,
    })
}

/// AdaBoost's training error after each round.
fn error_curve(ada: &FittedAdaBoost, data: &Dataset) -> Result<Vec<(f64, f64)>> {
    ada.staged_predict(data.x())?
        .iter()
        .enumerate()
        .map(|(t, p)| {
            Ok((
                (t + 1) as f64,
                1.0 - accuracy(data.targets().view(), p.view())?,
            ))
        })
        .collect()
}

/// What one seed's train/test split of breast cancer shows about boosting stumps.
struct BoostingSeed {
    /// AdaBoost's training error after its first stump.
    train_error_first: f64,
    /// AdaBoost's training error after its last round.
    train_error_last: f64,
    /// Test accuracy of one stump.
    stump_accuracy: f64,
    /// Test accuracy of AdaBoost on stumps.
    boosted_accuracy: f64,
    /// Test accuracy of one fully grown tree.
    deep_accuracy: f64,
    /// The first two rounds.
    rounds: FirstRounds,
    /// Prediction variance over bootstrap resamples of the training set: one stump.
    variance_stump: f64,
    /// The same for AdaBoost on stumps.
    variance_boosted: f64,
    /// The same for one fully grown tree.
    variance_deep: f64,
}

/// Boosting stumps on one seed's split of breast cancer: bias, strength, the first rounds'
/// weights, and the variance over bootstrap resamples of the training set.
fn boosting_seed(ctx: &Context, cancer: &Dataset, seed: u64) -> Result<BoostingSeed> {
    let labels = cancer.targets().to_vec();
    let split = HoldOut::train_test(TRAIN_SHARE, seed)
        .stratified()
        .split(cancer.n_samples(), Some(&labels))?;
    let (train, test) = (cancer.select(&split.train)?, cancer.select(&split.test)?);
    let stump = DecisionTree::cart().with_max_depth(1);
    let ada = AdaBoost::new(ctx.size(300, 60))
        .with_engine(ctx.engine)
        .fit(&train)?;
    let curve = error_curve(&ada, &train)?;
    // Variance: each model fitted on bootstrap resamples of this seed's training set.
    let m = train.n_samples();
    let mut rng = StdRng::seed_from_u64(member_seed(seed, 1));
    let resamples: Vec<Dataset> = (0..ctx.size(10, 6))
        .map(|_| {
            let rows: Vec<usize> = (0..m).map(|_| rng.random_range(0..m)).collect();
            train.select(&rows)
        })
        .collect::<Result<_>>()?;
    let boosted = AdaBoost::new(ctx.size(100, 30)).with_engine(ctx.engine);
    Ok(BoostingSeed {
        train_error_first: curve[0].1,
        train_error_last: curve[curve.len() - 1].1,
        stump_accuracy: test_accuracy(&stump.fit(&train)?, &test)?,
        boosted_accuracy: test_accuracy(&ada, &test)?,
        deep_accuracy: test_accuracy(&DecisionTree::cart().fit(&train)?, &test)?,
        rounds: first_rounds(&train)?,
        variance_stump: spread(|d| Ok(Box::new(stump.fit(d)?)), &resamples, &test)?.variance,
        variance_boosted: spread(|d| Ok(Box::new(boosted.fit(d)?)), &resamples, &test)?.variance,
        variance_deep: spread(
            |d| Ok(Box::new(DecisionTree::cart().fit(d)?)),
            &resamples,
            &test,
        )?
        .variance,
    })
}

/// Boosting stumps on breast cancer, one stratified train/test split per seed: the notes'
/// claims on bias, focus on errors, example weights, strength and variance.
fn boosting(ctx: &Context, report: &mut Report, cancer: &Dataset) -> Result<()> {
    let runs: Vec<BoostingSeed> = ctx
        .seeds()
        .into_iter()
        .map(|s| boosting_seed(ctx, cancer, s))
        .collect::<Result<_>>()?;
    let rounds = ctx.size(300, 60);
    let mut t = Table::new(
        &format!(
            "Breast cancer, {} stratified {:.0}/{:.0} splits: stumps, AdaBoost on stumps and a deep tree (means over seeds)",
            runs.len(),
            100.0 * TRAIN_SHARE,
            100.0 * (1.0 - TRAIN_SHARE)
        ),
        &[
            "model",
            "test accuracy",
            "prediction variance over bootstrap resamples",
        ],
    );
    for (name, acc, var) in [
        (
            "one stump",
            column(&runs, |r| r.stump_accuracy),
            column(&runs, |r| r.variance_stump),
        ),
        (
            "AdaBoost on stumps",
            column(&runs, |r| r.boosted_accuracy),
            column(&runs, |r| r.variance_boosted),
        ),
        (
            "one deep tree",
            column(&runs, |r| r.deep_accuracy),
            column(&runs, |r| r.variance_deep),
        ),
    ] {
        t.row(vec![name.into(), f4(mean(&acc)), f4(mean(&var))]);
    }
    report.table(t);

    let ratios: Vec<f64> = runs
        .iter()
        .map(|r| r.train_error_last / r.train_error_first)
        .collect();
    report.claim(
        "boosting-reduces-bias",
        "Boosting reduces bias (combats underfitting)",
        Verdict::mean_below(
            &format!("AdaBoost's training error after {rounds} rounds / after its first stump"),
            &ratios,
            BIAS_RATIO,
        )
        .with(format!(
            "mean training error {} after one stump, {} after {rounds} rounds",
            num(mean(&column(&runs, |r| r.train_error_first))),
            num(mean(&column(&runs, |r| r.train_error_last)))
        )),
    );
    report.claim(
        "boosting-focuses-on-errors",
        "Boosting: each new learner focuses on the errors (misclassified examples) made by the previous ones",
        Verdict::paired_gain(
            "share the second stump classifies correctly: of the first stump's mistakes − of its correct examples",
            &column(&runs, |r| r.rounds.second_fixes),
            &column(&runs, |r| r.rounds.second_keeps),
            FOCUS_MARGIN,
        )
        .with(format!(
            "weighted error on the round-1 weights: {} for the first stump (½ by AdaBoost's reweighting), {} for the second (mean over seeds)",
            num(mean(&column(&runs, |r| r.rounds.first_weighted_error))),
            num(mean(&column(&runs, |r| r.rounds.second_weighted_error)))
        )),
    );
    report.claim(
        "adaboost-upweights-misclassified",
        "In AdaBoost, weights of misclassified examples are increased",
        Verdict::mean_above(
            "ln(mean round-1 weight of the first stump's misclassified examples / of the correctly classified)",
            &column(&runs, |r| r.rounds.log_weight_ratio),
            0.0,
        )
        .and(Verdict::mean_below(
            "largest |library weight − formula weight| × m",
            &column(&runs, |r| r.rounds.weight_gap),
            WEIGHT_TOLERANCE,
        ))
        .with(format!(
            "formula: α = ln((1 − ε)/ε) + ln(K − 1), w_i ∝ exp(α [missed]); mean weight ratio {} (native AdaBoost, which keeps its weights)",
            num(mean(&column(&runs, |r| r.rounds.log_weight_ratio.exp())))
        )),
    );
    report.claim(
        "weak-learners-strong-learner",
        "Combining multiple weak learners builds a strong learner",
        Verdict::paired_gain(
            &format!("test accuracy: AdaBoost on {rounds} stumps − one stump"),
            &column(&runs, |r| r.boosted_accuracy),
            &column(&runs, |r| r.stump_accuracy),
            STRONG_MARGIN,
        )
        .with(format!(
            "mean test accuracy: one stump {}, AdaBoost {}, one deep tree {}",
            num(mean(&column(&runs, |r| r.stump_accuracy))),
            num(mean(&column(&runs, |r| r.boosted_accuracy))),
            num(mean(&column(&runs, |r| r.deep_accuracy)))
        )),
    );
    report.claim(
        "boosting-reduces-variance",
        "Boosting reduces bias, though it can also reduce variance",
        Verdict::paired_gain(
            &format!(
                "variance of test predictions over {} bootstrap resamples of the training set: one stump − AdaBoost on {} stumps",
                ctx.size(10, 6),
                ctx.size(100, 30)
            ),
            &column(&runs, |r| r.variance_stump),
            &column(&runs, |r| r.variance_boosted),
            0.0,
        )
        .with(format!(
            "mean variance: one stump {}, AdaBoost {}, one deep tree {}",
            num(mean(&column(&runs, |r| r.variance_stump))),
            num(mean(&column(&runs, |r| r.variance_boosted))),
            num(mean(&column(&runs, |r| r.variance_deep)))
        )),
    );
    Ok(())
}

/// Training curves of AdaBoost and gradient boosting on all of breast cancer.
fn boosting_curves(ctx: &Context, report: &mut Report, cancer: &Dataset) -> Result<()> {
    let ada = AdaBoost::new(ctx.size(300, 60))
        .with_engine(ctx.engine)
        .fit(cancer)?;
    let curve = error_curve(&ada, cancer)?;
    let w = &ada.sample_weights;
    // (linfa's AdaBoost resamples instead of weighting: it keeps no example weights)
    if !w.is_empty() {
        let max_w = w.iter().fold(0.0f64, |a, &b| a.max(b));
        report.note(format!(
            "AdaBoost's example weights after {} rounds: uniform would be {:.5}; the largest is {:.5}.",
            ada.learners.len(),
            1.0 / w.len() as f64,
            max_w
        ));
    }
    let gb = GradientBoosting::new(ctx.size(200, 50)).fit(cancer)?;
    let gb_curve: Vec<(f64, f64)> = gb
        .train_loss
        .iter()
        .enumerate()
        .map(|(t, &l)| (t as f64, l))
        .collect();
    report.plot(
        Plot::new(
            "boosting_training_error.svg",
            "Boosting on breast cancer (training set)",
            "boosting rounds",
            "0-1 error rate / mean log loss (nats)",
        )
        .with(Series::line("AdaBoost training error", curve))
        .with(Series::line(
            "gradient boosting training log loss",
            gb_curve,
        )),
    );
    Ok(())
}

/// Cross-validated accuracy of every ensemble on breast cancer (and digits in full mode).
fn cv_table(ctx: &Context, report: &mut Report, cancer: &Dataset) -> Result<()> {
    let n_trees = ctx.size(100, 25);
    let mut t2 = Table::new(
        "5-fold CV accuracy",
        &[
            "data set",
            "tree",
            "bagging",
            "random forest",
            "AdaBoost",
            "gradient boosting",
        ],
    );
    let digits = data::digits();
    let sets = if ctx.quick {
        vec![("breast cancer", cancer)]
    } else {
        vec![("breast cancer", cancer), ("digits", &digits)]
    };
    for (name, d) in sets {
        t2.row(vec![
            name.into(),
            f4(cv_accuracy(&DecisionTree::cart(), d, ctx.seed)?),
            f4(cv_accuracy(
                &Bagging::new(DecisionTree::cart(), n_trees),
                d,
                ctx.seed,
            )?),
            f4(cv_accuracy(&Bagging::random_forest(n_trees), d, ctx.seed)?),
            f4(cv_accuracy(
                &AdaBoost::new(ctx.size(200, 30)).with_engine(ctx.engine),
                d,
                ctx.seed,
            )?),
            f4(cv_accuracy(
                &GradientBoosting::new(ctx.size(100, 20)),
                d,
                ctx.seed,
            )?),
        ]);
    }
    report.table(t2);
    Ok(())
}

impl Experiment for Ensembles {
    fn name(&self) -> &'static str {
        "ensembles"
    }

    fn section(&self) -> &'static str {
        "Trees & Ensemble Learning: Ensemble Learning"
    }
    fn expected_seconds(&self) -> u32 {
        34
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        // 1. Variance: deep trees, bagged trees and a random forest on independent training sets.
        bagging_variance(ctx, &mut report)?;
        // 2. Boosting stumps: bias, focus on errors, weights, strength, variance.
        let cancer = data::breast_cancer();
        boosting(ctx, &mut report, &cancer)?;
        boosting_curves(ctx, &mut report, &cancer)?;
        // 3. Cross-validated accuracy of every ensemble.
        cv_table(ctx, &mut report, &cancer)?;
        Ok(report)
    }
}
