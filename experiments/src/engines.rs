//! The Rust ML ecosystem side by side: every classical family that linfa or smartcore
//! implements, fitted by each engine under one protocol (5 stratified folds, seed 0) on the
//! embedded data sets, with scikit-learn's score on exactly the same arrays and folds beside
//! them (computed once by `scripts/sklearn_engines.py`, stored in `data/sklearn_engines.json`).
//!
//! A deterministic family's claim ("every engine reproduces the notes' algorithm") is decided
//! on the out-of-fold predictions: a classifier's must agree with the native engine's on at
//! least [`AGREEMENT`] of the rows of every data set, a regressor's within [`VALUE_GAP`] of the
//! target's standard deviation. A randomised family (forests, boosting on resamples) and the
//! trees (whose equally good splits each implementation breaks its own way) are decided on the
//! mean score: on the protocol's folds and on the folds of further seeds (as many in all as the
//! context's seeds), the largest gap to native's score over engines and data sets must stay
//! below [`MARGIN`] by two standard errors over the fold seeds.

use std::time::Instant;

use mlnotes::bayes::GaussianNb;
use mlnotes::data::{self, Dataset, Target};
use mlnotes::engine::Engine;
use mlnotes::ensemble::{AdaBoost, GradientBoosting, RandomForest};
use mlnotes::estimator::{Fit, Predict, member_seed};
use mlnotes::experiment::{Context, Experiment, Report, Table, Verdict};
use mlnotes::knn::Knn;
use mlnotes::linear::{Lasso, LinearRegression, LogisticRegression};
use mlnotes::preprocess::Scaled;
use mlnotes::selection::{Fold, KFold};
use mlnotes::svm::{Gamma, Kernel, KernelSvm};
use mlnotes::tree::DecisionTree;
use mlnotes::{Result, metrics};
use ndarray::{Array1, ArrayView1};

use crate::f4;

/// Folds of the protocol (the reference script reads the same ones).
pub const FOLDS: usize = 5;
/// Seed of the folds.
pub const FOLD_SEED: u64 = 0;
/// Share of out-of-fold class predictions an engine must share with native.
pub const AGREEMENT: f64 = 0.98;
/// Largest out-of-fold prediction gap of a regressor, as a share of the target's standard
/// deviation.
pub const VALUE_GAP: f64 = 1e-4;
/// Largest gap in mean score (accuracy or R²) for a randomised family, and between the native
/// engine and scikit-learn.
pub const MARGIN: f64 = 0.02;

/// Trees of the forests and rounds of boosting, in quick mode too: the scores are compared
/// with scikit-learn's at the same sizes.
const TREES: usize = 100;

/// scikit-learn's scores on the same arrays and folds.
const SKLEARN: &str = include_str!("../data/sklearn_engines.json");

/// The `engines` experiment.
pub struct Engines;

/// How a family's claim is decided.
#[derive(Clone, Copy, PartialEq)]
enum Rule {
    /// Out-of-fold predictions compared with native's.
    SamePredictions,
    /// Mean score within [`MARGIN`] on every fold seed: randomised algorithms draw differently,
    /// and trees break ties between equally good splits each their own way.
    SameScore,
}

/// Families whose linfa engine (linfa-trees) breaks ties between classes in hash-map order,
/// which differs from process to process: their numbers are reported apart, as varying.
const VARYING: [&str; 3] = ["CART", "AdaBoost", "random forest"];

/// One engine's run of the protocol.
struct Run {
    engine: Engine,
    score: f64,
    seconds: f64,
    /// Out-of-fold predictions (class indices as numbers for classifiers).
    predictions: Array1<f64>,
}

/// One family on one data set.
struct Measured {
    family: &'static str,
    data: &'static str,
    rule: Rule,
    /// Standard deviation of the targets (regression) or 0 (classes).
    target_std: f64,
    /// Every engine on the protocol's folds ([`FOLD_SEED`]), native first.
    runs: Vec<Run>,
    /// [`Rule::SameScore`] only: every engine's mean score on the folds of each further fold
    /// seed (`[seed][engine]`, engines as in `runs`).
    reshuffled: Vec<Vec<f64>>,
}

impl Measured {
    /// The gap of engine run `r` to native: disagreeing share of predictions (classes),
    /// largest prediction gap over the target's standard deviation (values), or the score gap;
    /// infinite when either run has a non-finite score or prediction (NaN never agrees).
    fn gap(&self, r: &Run) -> f64 {
        let native = &self.runs[0];
        let finite =
            |run: &Run| run.score.is_finite() && run.predictions.iter().all(|p| p.is_finite());
        if !(finite(r) && finite(native)) {
            return f64::INFINITY;
        }
        match self.rule {
            Rule::SameScore => (r.score - native.score).abs(),
            _ if self.target_std > 0.0 => {
                (&r.predictions - &native.predictions)
                    .iter()
                    .fold(0.0f64, |m, d| m.max(d.abs()))
                    / self.target_std
            }
            _ => {
                let differ = r
                    .predictions
                    .iter()
                    .zip(&native.predictions)
                    .filter(|(a, b)| a != b)
                    .count();
                differ as f64 / r.predictions.len() as f64
            }
        }
    }
}

/// The classification sets (quick mode keeps the two smallest).
pub fn classification_sets(quick: bool) -> Vec<(&'static str, Dataset)> {
    let mut sets = vec![
        ("iris", data::iris()),
        ("breast cancer", data::breast_cancer()),
    ];
    if !quick {
        sets.push(("wine quality", data::wine()));
        sets.push(("digits", data::digits()));
    }
    sets
}

/// A family's name as a slug: lowercase letters and digits, single dashes between words.
fn slug(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The protocol's folds of a data set (stratified for classes).
pub fn folds<T: Target>(d: &Dataset<T>) -> Result<Vec<Fold>> {
    folds_seeded(d, FOLD_SEED)
}

/// [`FOLDS`] folds of a data set shuffled by `seed` (stratified for classes).
fn folds_seeded<T: Target>(d: &Dataset<T>, seed: u64) -> Result<Vec<Fold>> {
    let labels: Option<Vec<usize>> = d
        .targets()
        .iter()
        .map(|t| t.class_index())
        .collect::<Option<Vec<usize>>>();
    match labels {
        Some(l) => KFold::new(FOLDS, seed)
            .stratified()
            .folds(d.n_samples(), Some(&l)),
        None => KFold::new(FOLDS, seed).folds(d.n_samples(), None),
    }
}

/// A target the protocol scores: its metric (accuracy or R²), a prediction as a number, and
/// the spread that scales prediction gaps (0 for classes, compared by agreement).
trait Scored: Target + Copy {
    fn metric(y: ArrayView1<Self>, predicted: ArrayView1<Self>) -> Result<f64>;
    fn number(self) -> f64;
    fn spread(d: &Dataset<Self>) -> f64;
}

impl Scored for usize {
    fn metric(y: ArrayView1<usize>, predicted: ArrayView1<usize>) -> Result<f64> {
        metrics::accuracy(y, predicted)
    }

    fn number(self) -> f64 {
        self as f64
    }

    fn spread(_: &Dataset) -> f64 {
        0.0
    }
}

impl Scored for f64 {
    fn metric(y: ArrayView1<f64>, predicted: ArrayView1<f64>) -> Result<f64> {
        metrics::r2(y, predicted)
    }

    fn number(self) -> f64 {
        self
    }

    fn spread(d: &Dataset<f64>) -> f64 {
        d.targets().std(0.0)
    }
}

/// The mean fold score on the folds of `seed`, the seconds of every fit and predict, and the
/// out-of-fold predictions.
fn run<T: Scored, P: Fit<T, Model: Predict<T>>>(
    engine: Engine,
    params: &P,
    d: &Dataset<T>,
    seed: u64,
) -> Result<Run> {
    let mut predictions = Array1::zeros(d.n_samples());
    let mut scores = Vec::new();
    let start = Instant::now();
    for fold in folds_seeded(d, seed)? {
        let (train, test) = (d.select(&fold.train)?, d.select(&fold.test)?);
        let predicted = params.fit(&train)?.predict(test.x())?;
        scores.push(T::metric(test.y(), predicted.view())?);
        for (&row, &p) in fold.test.iter().zip(&predicted) {
            predictions[row] = p.number();
        }
    }
    Ok(Run {
        engine,
        score: scores.iter().sum::<f64>() / scores.len() as f64,
        seconds: start.elapsed().as_secs_f64(),
        predictions,
    })
}

/// A family measured on one data set by each of `engines`, on the protocol's folds; a
/// [`Rule::SameScore`] family also on the folds of each of `reshuffles`.
fn measure<T: Scored, P: Fit<T, Model: Predict<T>>>(
    family: &'static str,
    (name, d): (&'static str, &Dataset<T>),
    (rule, reshuffles): (Rule, &[u64]),
    engines: &[Engine],
    params: impl Fn(Engine) -> P,
) -> Result<Measured> {
    let runs = engines
        .iter()
        .map(|&e| run(e, &params(e), d, FOLD_SEED))
        .collect::<Result<Vec<_>>>()?;
    let mut reshuffled = Vec::new();
    if rule == Rule::SameScore {
        for &seed in reshuffles {
            reshuffled.push(
                engines
                    .iter()
                    .map(|&e| Ok(run(e, &params(e), d, seed)?.score))
                    .collect::<Result<Vec<f64>>>()?,
            );
        }
    }
    Ok(Measured {
        family,
        data: name,
        rule,
        target_std: T::spread(d),
        runs,
        reshuffled,
    })
}

impl Measured {
    /// The largest score gap of an engine to native on each fold seed, the protocol's first
    /// (infinite where a score is not finite).
    fn score_gaps(&self) -> Vec<f64> {
        let first: Vec<f64> = self.runs.iter().map(|r| r.score).collect();
        std::iter::once(&first)
            .chain(&self.reshuffled)
            .map(|scores| {
                scores[1..].iter().fold(0.0f64, |worst, s| {
                    let gap = (s - scores[0]).abs();
                    worst.max(if gap.is_nan() { f64::INFINITY } else { gap })
                })
            })
            .collect()
    }
}

const ALL: [Engine; 3] = [Engine::Native, Engine::Linfa, Engine::Smartcore];
const NATIVE_LINFA: [Engine; 2] = [Engine::Native, Engine::Linfa];
const NATIVE_SMARTCORE: [Engine; 2] = [Engine::Native, Engine::Smartcore];

fn classifiers(d: (&'static str, &Dataset), reshuffles: &[u64]) -> Result<Vec<Measured>> {
    Ok(vec![
        measure(
            "logistic regression",
            d,
            (Rule::SamePredictions, reshuffles),
            &ALL,
            |e| Scaled::standardized(LogisticRegression::new(1.0).with_engine(e)),
        )?,
        measure(
            "Gaussian naive Bayes",
            d,
            (Rule::SamePredictions, reshuffles),
            &ALL,
            |e| GaussianNb::default().with_engine(e),
        )?,
        measure("CART", d, (Rule::SameScore, reshuffles), &ALL, |e| {
            DecisionTree::cart().with_engine(e)
        })?,
        measure(
            "kernel SVM",
            d,
            (Rule::SamePredictions, reshuffles),
            &ALL,
            |e| Scaled::standardized(KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)).with_engine(e)),
        )?,
        measure("KNN", d, (Rule::SamePredictions, reshuffles), &ALL, |e| {
            Knn::new(5).with_engine(e)
        })?,
        measure(
            "AdaBoost",
            d,
            (Rule::SameScore, reshuffles),
            &NATIVE_LINFA,
            |e| AdaBoost::new(50).with_engine(e),
        )?,
        measure(
            "random forest",
            d,
            (Rule::SameScore, reshuffles),
            &ALL,
            |e| RandomForest::new(TREES).with_engine(e),
        )?,
    ])
}

fn regressors(d: (&'static str, &Dataset<f64>), reshuffles: &[u64]) -> Result<Vec<Measured>> {
    Ok(vec![
        measure(
            "least squares",
            d,
            (Rule::SamePredictions, reshuffles),
            &ALL,
            |e| LinearRegression::new().with_engine(e),
        )?,
        measure("ridge", d, (Rule::SamePredictions, reshuffles), &ALL, |e| {
            LinearRegression::ridge(1.0).with_engine(e)
        })?,
        measure("lasso", d, (Rule::SamePredictions, reshuffles), &ALL, |e| {
            Lasso::new(0.1).with_engine(e)
        })?,
        measure(
            "regression tree",
            d,
            (Rule::SameScore, reshuffles),
            &NATIVE_SMARTCORE,
            |e| DecisionTree::regression().with_max_depth(4).with_engine(e),
        )?,
        measure(
            "random forest (regression)",
            d,
            (Rule::SameScore, reshuffles),
            &NATIVE_SMARTCORE,
            |e| RandomForest::new(TREES).with_engine(e),
        )?,
        measure(
            "gradient boosting",
            d,
            (Rule::SameScore, reshuffles),
            &NATIVE_SMARTCORE,
            |e| GradientBoosting::new(TREES).with_engine(e),
        )?,
    ])
}

/// scikit-learn's score for a family on a data set, when the reference has it.
fn sklearn(reference: &serde_json::Value, family: &str, data: &str) -> Option<f64> {
    reference
        .get("scores")?
        .get(format!("{family} | {data}"))?
        .as_f64()
}

fn cell(m: &Measured, e: Engine, pick: fn(&Run) -> f64) -> String {
    m.runs
        .iter()
        .find(|r| r.engine == e)
        .map_or("—".to_string(), |r| format!("{:.4}", pick(r)))
}

impl Experiment for Engines {
    fn name(&self) -> &'static str {
        "engines"
    }

    fn section(&self) -> &'static str {
        "The Rust ML ecosystem side by side (native, linfa, smartcore, scikit-learn)"
    }
    fn expected_seconds(&self) -> u32 {
        150
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let reference: serde_json::Value = serde_json::from_str(SKLEARN)?;
        let version = reference
            .get("sklearn_version")
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_string();

        // 1. Every family on every set, by every engine that implements it.
        // Families compared by score run again on further fold seeds, paired across engines.
        let reshuffles: Vec<u64> = (1..ctx.seeds().len() as u64)
            .map(|i| member_seed(ctx.seed, i))
            .collect();
        let mut measured = Vec::new();
        for (name, d) in classification_sets(ctx.quick) {
            measured.extend(classifiers((name, &d), &reshuffles)?);
        }
        measured.extend(regressors(("diabetes", &data::diabetes()), &reshuffles)?);

        // 2. Scores (deterministic, and varying for linfa-trees), times.
        let title = format!(
            "Mean score over {FOLDS} stratified folds (accuracy; R² for diabetes); scikit-learn {version} on the same arrays and folds"
        );
        let headers = [
            "family",
            "data set",
            "native",
            "linfa",
            "smartcore",
            "scikit-learn",
        ];
        let mut scores = Table::new(&title, &headers);
        let mut varying = Table::new(
            &format!("{title}: families whose linfa engine breaks ties in hash-map order (varies between runs)"),
            &headers,
        )
        .timed();
        let mut times = Table::new(
            "Fit + predict seconds over the folds",
            &["family", "data set", "native", "linfa", "smartcore"],
        )
        .timed();
        for m in &measured {
            let row = vec![
                m.family.into(),
                m.data.into(),
                cell(m, Engine::Native, |r| r.score),
                cell(m, Engine::Linfa, |r| r.score),
                cell(m, Engine::Smartcore, |r| r.score),
                sklearn(&reference, m.family, m.data).map_or("—".into(), f4),
            ];
            if VARYING.contains(&m.family) {
                varying.row(row);
            } else {
                scores.row(row);
            }
            times.row(vec![
                m.family.into(),
                m.data.into(),
                cell(m, Engine::Native, |r| r.seconds),
                cell(m, Engine::Linfa, |r| r.seconds),
                cell(m, Engine::Smartcore, |r| r.seconds),
            ]);
        }
        report.table(scores);
        report.table(varying);
        report.table(times);

        // 3. One claim per family: every engine reproduces the notes' algorithm.
        let mut families: Vec<&str> = Vec::new();
        for m in &measured {
            if !families.contains(&m.family) {
                families.push(m.family);
            }
        }
        for family in families {
            let rows: Vec<&Measured> = measured.iter().filter(|m| m.family == family).collect();
            let (rule, regression) = (rows[0].rule, rows[0].target_std > 0.0);
            let mut worst = (0.0f64, String::from("none"));
            for m in &rows {
                for r in &m.runs[1..] {
                    let gap = m.gap(r);
                    if gap >= worst.0 {
                        worst = (gap, format!("{} on {}", r.engine, m.data));
                    }
                }
            }
            // One verdict over every data set: the worst gap against the family's limit.
            let verdict = match rule {
                Rule::SameScore => {
                    // Per fold seed, the worst engine and data set; their mean + 2·SE.
                    let per_seed: Vec<Vec<f64>> = rows.iter().map(|m| m.score_gaps()).collect();
                    let worst_per_seed: Vec<f64> = (0..per_seed[0].len())
                        .map(|i| per_seed.iter().fold(0.0f64, |w, g| w.max(g[i])))
                        .collect();
                    Verdict::mean_below(
                        "largest |mean score − native's| over engines and data sets, per fold seed",
                        &worst_per_seed,
                        MARGIN,
                    )
                }
                _ if regression => Verdict::at_most(
                    "largest out-of-fold prediction gap to native, in target standard deviations",
                    worst.0,
                    VALUE_GAP,
                ),
                _ => Verdict::at_most(
                    "largest share of out-of-fold predictions differing from native's",
                    worst.0,
                    1.0 - AGREEMENT,
                ),
            };
            let engines: Vec<String> = rows[0].runs.iter().map(|r| r.engine.to_string()).collect();
            let verdict = verdict.with(format!(
                "engines {} on {} data sets, worst on the protocol's folds {}",
                engines.join(", "),
                rows.len(),
                worst.1
            ));
            let statement = format!("Every engine reproduces the notes' {family}");
            let id = format!("engines-reproduce-{}", slug(family));
            if VARYING.contains(&family) {
                report.claim(&id, &statement, verdict.timed());
            } else {
                report.claim(&id, &statement, verdict);
            }
        }

        // 4. Native against scikit-learn on the same arrays and folds, both directions.
        let mut worst = (0.0f64, String::from("none"));
        let mut compared = 0u32;
        for m in &measured {
            if let Some(s) = sklearn(&reference, m.family, m.data) {
                compared += 1;
                let gap = (m.runs[0].score - s).abs();
                let gap = if gap.is_nan() { f64::INFINITY } else { gap };
                if gap >= worst.0 {
                    worst = (gap, format!("{} on {}", m.family, m.data));
                }
            }
        }
        report.claim(
            "native-matches-scikit-learn",
            "The native engine scores within two points of scikit-learn on the same arrays and folds",
            Verdict::at_most(
                &format!("largest |native − scikit-learn {version}| mean score"),
                worst.0,
                MARGIN,
            )
            .and(Verdict::at_least(
                "family and data-set pairs compared",
                f64::from(compared),
                1.0,
            ))
            .with(format!("the largest gap is {}", worst.1)),
        );
        Ok(report)
    }
}
