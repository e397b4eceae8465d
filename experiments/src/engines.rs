//! The Rust ML ecosystem side by side: every classical family that linfa or smartcore
//! implements, fitted by each engine under one protocol (5 stratified folds, seed 0) on the
//! embedded data sets, with scikit-learn's score on exactly the same arrays and folds beside
//! them (computed once by `scripts/sklearn_engines.py`, stored in `data/sklearn_engines.json`).
//! A family's claim holds when every engine that implements it scores within the margin of the
//! native engine on every data set.

use std::time::Instant;

use mlnotes::bayes::GaussianNb;
use mlnotes::data::{self, Dataset, Target};
use mlnotes::engine::Engine;
use mlnotes::ensemble::AdaBoost;
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{Context, Experiment, Report, Table};
use mlnotes::knn::Knn;
use mlnotes::linear::{Lasso, LinearRegression, LogisticRegression};
use mlnotes::preprocess::Scaled;
use mlnotes::selection::{Fold, KFold, cross_val_score};
use mlnotes::svm::{Gamma, Kernel, KernelSvm};
use mlnotes::tree::DecisionTree;
use mlnotes::{Result, metrics};

use crate::f4;

/// Folds of the protocol (the reference script reads the same ones).
pub const FOLDS: usize = 5;
/// Seed of the folds.
pub const FOLD_SEED: u64 = 0;
/// Largest gap, in accuracy or R², between an engine and the native engine for a family to
/// count as the same algorithm.
pub const MARGIN: f64 = 0.02;

/// scikit-learn's scores on the same arrays and folds.
const SKLEARN: &str = include_str!("../data/sklearn_engines.json");

/// Families whose linfa engine (linfa-trees) breaks ties between classes in hash-map order,
/// which differs from process to process: their scores are reported apart, as varying between
/// identical runs.
const VARYING: [&str; 2] = ["CART", "AdaBoost"];

/// The `engines` experiment.
pub struct Engines;

/// One family on one data set: the score (mean over folds) and fit + predict seconds of each
/// engine that implements it.
struct Measured {
    family: &'static str,
    data: &'static str,
    scores: Vec<(Engine, f64, f64)>,
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

/// The protocol's folds of a data set (stratified for classes).
pub fn folds<T: Target>(d: &Dataset<T>) -> Result<Vec<Fold>> {
    let labels: Option<Vec<usize>> = d
        .targets()
        .iter()
        .map(|t| t.class_index())
        .collect::<Option<Vec<usize>>>();
    match labels {
        Some(l) => KFold::new(FOLDS, FOLD_SEED)
            .stratified()
            .folds(d.n_samples(), Some(&l)),
        None => KFold::new(FOLDS, FOLD_SEED).folds(d.n_samples(), None),
    }
}

fn score<T: Target, P: Fit<T, Model: Predict<T>>>(
    params: &P,
    d: &Dataset<T>,
    metric: fn(ndarray::ArrayView1<T>, ndarray::ArrayView1<T>) -> Result<f64>,
) -> Result<(f64, f64)> {
    let folds = folds(d)?;
    let start = Instant::now();
    let scores = cross_val_score(params, d, &folds, metric)?;
    let seconds = start.elapsed().as_secs_f64();
    Ok((scores.iter().sum::<f64>() / scores.len() as f64, seconds))
}

/// Every engine in `engines` on one family and data set.
fn measure<T: Target, P: Fit<T, Model: Predict<T>>>(
    family: &'static str,
    data: (&'static str, &Dataset<T>),
    engines: &[Engine],
    params: impl Fn(Engine) -> P,
    metric: fn(ndarray::ArrayView1<T>, ndarray::ArrayView1<T>) -> Result<f64>,
) -> Result<Measured> {
    let mut scores = Vec::new();
    for &e in engines {
        let (s, t) = score(&params(e), data.1, metric)?;
        scores.push((e, s, t));
    }
    Ok(Measured {
        family,
        data: data.0,
        scores,
    })
}

const ALL: [Engine; 3] = [Engine::Native, Engine::Linfa, Engine::Smartcore];
const NATIVE_LINFA: [Engine; 2] = [Engine::Native, Engine::Linfa];

fn classifiers(d: (&'static str, &Dataset)) -> Result<Vec<Measured>> {
    let acc = metrics::accuracy;
    Ok(vec![
        measure(
            "logistic regression",
            d,
            &ALL,
            |e| Scaled::standardized(LogisticRegression::new(1.0).with_engine(e)),
            acc,
        )?,
        measure(
            "Gaussian naive Bayes",
            d,
            &ALL,
            |e| GaussianNb::default().with_engine(e),
            acc,
        )?,
        measure(
            "CART",
            d,
            &NATIVE_LINFA,
            |e| DecisionTree::cart().with_engine(e),
            acc,
        )?,
        measure(
            "kernel SVM",
            d,
            &NATIVE_LINFA,
            |e| Scaled::standardized(KernelSvm::new(1.0, Kernel::Rbf(Gamma::Scale)).with_engine(e)),
            acc,
        )?,
        measure("KNN", d, &NATIVE_LINFA, |e| Knn::new(5).with_engine(e), acc)?,
        measure(
            "AdaBoost",
            d,
            &NATIVE_LINFA,
            |e| AdaBoost::new(50).with_engine(e),
            acc,
        )?,
    ])
}

fn regressors(d: (&'static str, &Dataset<f64>)) -> Result<Vec<Measured>> {
    let r2 = metrics::r2;
    Ok(vec![
        measure(
            "least squares",
            d,
            &ALL,
            |e| LinearRegression::new().with_engine(e),
            r2,
        )?,
        measure(
            "ridge",
            d,
            &ALL,
            |e| LinearRegression::ridge(1.0).with_engine(e),
            r2,
        )?,
        measure("lasso", d, &ALL, |e| Lasso::new(0.1).with_engine(e), r2)?,
    ])
}

/// scikit-learn's score for a family on a data set, when the reference has it.
fn sklearn(reference: &serde_json::Value, family: &str, data: &str) -> Option<f64> {
    reference
        .get("scores")?
        .get(format!("{family} | {data}"))?
        .as_f64()
}

impl Experiment for Engines {
    fn name(&self) -> &'static str {
        "engines"
    }

    fn section(&self) -> &'static str {
        "The Rust ML ecosystem side by side (native, linfa, smartcore, scikit-learn)"
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
        let mut measured = Vec::new();
        for (name, d) in classification_sets(ctx.quick) {
            measured.extend(classifiers((name, &d))?);
        }
        measured.extend(regressors(("diabetes", &data::diabetes()))?);

        // 2. The score table (deterministic) and the time table (measured).
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
        let cell = |m: &Measured, e: Engine, pick: fn(&(Engine, f64, f64)) -> f64| {
            m.scores
                .iter()
                .find(|s| s.0 == e)
                .map_or("—".to_string(), |s| format!("{:.4}", pick(s)))
        };
        for m in &measured {
            let row = vec![
                m.family.into(),
                m.data.into(),
                cell(m, Engine::Native, |s| s.1),
                cell(m, Engine::Linfa, |s| s.1),
                cell(m, Engine::Smartcore, |s| s.1),
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
                cell(m, Engine::Native, |s| s.2),
                cell(m, Engine::Linfa, |s| s.2),
                cell(m, Engine::Smartcore, |s| s.2),
            ]);
        }
        report.table(varying);
        report.table(scores);
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
            let mut worst = (0.0f64, String::new());
            for m in &rows {
                let native = m.scores[0].1;
                for &(e, s, _) in &m.scores[1..] {
                    if (s - native).abs() >= worst.0 {
                        worst = ((s - native).abs(), format!("{e} on {}", m.data));
                    }
                }
            }
            let engines: Vec<String> = rows[0].scores.iter().map(|s| s.0.to_string()).collect();
            let statement = format!("Every engine reproduces the notes' {family}");
            let evidence = format!(
                "engines {}; on {} data sets the largest gap to native is {:.4} ({}), margin {MARGIN}",
                engines.join(", "),
                rows.len(),
                worst.0,
                worst.1
            );
            if VARYING.contains(&family) {
                report.timed_claim(&statement, worst.0 <= MARGIN, evidence);
            } else {
                report.claim(&statement, worst.0 <= MARGIN, evidence);
            }
        }

        // 4. Native against scikit-learn on the same arrays and folds.
        let mut gaps = Vec::new();
        for m in &measured {
            if let Some(s) = sklearn(&reference, m.family, m.data) {
                gaps.push(((m.scores[0].1 - s), format!("{} on {}", m.family, m.data)));
            }
        }
        let worst = gaps.iter().fold((0.0f64, String::new()), |w, g| {
            if -g.0 > w.0 { (-g.0, g.1.clone()) } else { w }
        });
        report.claim(
            "The native engine scores within two points of scikit-learn on the same arrays and folds",
            !gaps.is_empty() && worst.0 <= 0.02,
            format!(
                "{} comparisons with scikit-learn {version}; the largest shortfall is {:.4} ({})",
                gaps.len(),
                worst.0,
                if worst.1.is_empty() { "none" } else { &worst.1 }
            ),
        );
        Ok(report)
    }
}
