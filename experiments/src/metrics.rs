//! Metrics: the confusion matrix and its ratios, checked against counts taken straight from the
//! label vectors and against a case worked by hand; precision against recall as the threshold
//! moves; ROC/AUC against its ranking meaning; and regression metrics (R² of the mean
//! baseline, adjusted R² against noise features). Measured on fitted models over seeds:
//! logistic regression on breast cancer, linear regression on diabetes.

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Predict, PredictProba, Transform};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::linear::{LinearRegression, LogisticRegression};
use mlnotes::metrics::{self, Average, ConfusionMatrix};
use mlnotes::preprocess::Scaler;
use mlnotes::selection::HoldOut;
use ndarray::{Array1, Array2, ArrayView1, Axis, concatenate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::f4;

/// Training share of every split.
const TRAIN_SHARE: f64 = 0.7;
/// How far the model's AUC must stand above that of its own scores shuffled (about 0.5).
const SHUFFLED_MARGIN: f64 = 0.3;
/// Largest gap allowed between two computations of one ratio (rounding only).
const IDENTITY_TOL: f64 = 1e-12;
/// Decision thresholds on P(benign).
const THRESHOLDS: [f64; 5] = [0.1, 0.3, 0.5, 0.7, 0.9];
/// AUC a model that distinguishes the classes well must exceed.
const MIN_AUC: f64 = 0.9;
/// R² of the mean baseline on new data must lie within this distance of 0.
const MEAN_BASELINE_BAND: f64 = 0.05;
/// Adjusted R² may keep at most this share of the R² gained from noise features.
const MAX_KEPT_SHARE: f64 = 0.25;
/// A case worked by hand: TP 3, FN 1, FP 2, TN 4, so accuracy 7/10, precision 3/5, recall
/// 3/4 and F1 = 2·(3/5)(3/4)/(3/5 + 3/4) = 2/3.
const HAND_TRUE: [usize; 10] = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
const HAND_PRED: [usize; 10] = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0];
const HAND_RATIOS: Ratios = Ratios {
    accuracy: 0.7,
    precision: 0.6,
    recall: 0.75,
    f1: 2.0 / 3.0,
};

/// The `metrics` experiment.
pub struct Metrics;

impl Experiment for Metrics {
    fn name(&self) -> &'static str {
        "metrics"
    }

    fn section(&self) -> &'static str {
        "Metrics"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        classification(ctx, &mut report)?;
        regression(ctx, &mut report)?;
        Ok(report)
    }
}

/// Train/test parts of `d` (stratified when labels are given), standardised on the train part.
fn split_scaled<T: data::Target>(
    d: &Dataset<T>,
    labels: Option<&[usize]>,
    seed: u64,
) -> Result<(Dataset<T>, Dataset<T>)> {
    let mut holdout = HoldOut::train_test(TRAIN_SHARE, seed);
    holdout.stratify = labels.is_some();
    let s = holdout.split(d.n_samples(), labels)?;
    let (train, test) = (d.select(&s.train)?, d.select(&s.test)?);
    let scaler = Scaler::standardization().fit(&train)?;
    Ok((
        train.with_features(scaler.transform(train.x())?)?,
        test.with_features(scaler.transform(test.x())?)?,
    ))
}

/// Accuracy, precision, recall and F1 of the positive class 1.
#[derive(Debug, Clone, Copy)]
struct Ratios {
    accuracy: f64,
    precision: f64,
    recall: f64,
    f1: f64,
}

impl Ratios {
    /// The notes' formulas on TP, FN, FP, TN counted one label pair at a time, without the
    /// confusion matrix.
    fn counted(y: ArrayView1<usize>, p: ArrayView1<usize>) -> Self {
        let (mut tp, mut fp, mut fn_, mut tn) = (0.0, 0.0, 0.0, 0.0);
        for (&t, &q) in y.iter().zip(p.iter()) {
            match (t == 1, q == 1) {
                (true, true) => tp += 1.0,
                (false, true) => fp += 1.0,
                (true, false) => fn_ += 1.0,
                (false, false) => tn += 1.0,
            }
        }
        let (precision, recall) = (tp / (tp + fp), tp / (tp + fn_));
        Ratios {
            accuracy: (tp + tn) / (tp + fn_ + fp + tn),
            precision,
            recall,
            f1: 2.0 * precision * recall / (precision + recall),
        }
    }

    /// The library's values (its metric functions, built on the confusion matrix).
    fn library(y: ArrayView1<usize>, p: ArrayView1<usize>) -> Result<Self> {
        let pos = Average::Binary { positive: 1 };
        Ok(Ratios {
            accuracy: metrics::accuracy(y, p)?,
            precision: metrics::precision(y, p, pos)?,
            recall: metrics::recall(y, p, pos)?,
            f1: metrics::f1_score(y, p, pos)?,
        })
    }

    /// The largest gap to `other` over the four ratios (NaN propagates as infinite).
    fn gap(&self, other: &Ratios) -> f64 {
        [
            (self.accuracy, other.accuracy),
            (self.precision, other.precision),
            (self.recall, other.recall),
            (self.f1, other.f1),
        ]
        .iter()
        .map(|(a, b)| {
            let d = (a - b).abs();
            if d.is_nan() { f64::INFINITY } else { d }
        })
        .fold(0.0, f64::max)
    }
}

/// One seed's logistic regression on its breast-cancer test split.
struct Classified {
    y: Array1<usize>,
    pred: Array1<usize>,
    /// P(benign) of every test row.
    scores: Array1<f64>,
}

impl Classified {
    /// Precision and recall of 'benign' when predicting it at `P(benign) ≥ threshold`.
    fn precision_recall(&self, threshold: f64) -> Result<(f64, f64)> {
        let pos = Average::Binary { positive: 1 };
        let p: Array1<usize> = self.scores.mapv(|s| usize::from(s >= threshold));
        let c = ConfusionMatrix::new(self.y.view(), p.view())?;
        Ok((c.precision(pos)?, c.recall(pos)?))
    }

    /// The scores of the rows of class `c`.
    fn scores_of(&self, c: usize) -> Vec<f64> {
        self.y
            .iter()
            .zip(&self.scores)
            .filter(|(l, _)| **l == c)
            .map(|(_, s)| *s)
            .collect()
    }

    /// P(a positive outscores a negative), ties counting one half, over every pair.
    fn ranking_probability(&self) -> f64 {
        let (pos, neg) = (self.scores_of(1), self.scores_of(0));
        let wins: f64 = pos
            .iter()
            .flat_map(|p| {
                neg.iter().map(move |n| {
                    if p > n {
                        1.0
                    } else if p == n {
                        0.5
                    } else {
                        0.0
                    }
                })
            })
            .sum();
        wins / (pos.len() * neg.len()) as f64
    }
}

fn classification(ctx: &Context, report: &mut Report) -> Result<()> {
    let cancer = data::breast_cancer();
    let labels = cancer.targets().to_vec();
    let mut runs = Vec::new();
    for &seed in &ctx.seeds() {
        let (train, test) = split_scaled(&cancer, Some(&labels), seed)?;
        let model = LogisticRegression::default().fit(&train)?;
        runs.push(Classified {
            y: test.targets().clone(),
            pred: model.predict(test.x())?,
            scores: model.predict_proba(test.x())?.column(1).to_owned(),
        });
    }
    confusion_claims(&cancer, &runs, report)?;
    threshold_claim(&runs, report)?;
    auc_claim(ctx, &runs, report)
}

/// The first seed's confusion matrix and ratios; the notes' formulas against the library on
/// every seed's test predictions and on a case worked by hand.
fn confusion_claims(cancer: &Dataset, runs: &[Classified], report: &mut Report) -> Result<()> {
    // Confusion matrix; "positive" = benign (class 1), as scikit-learn's coding.
    let first = &runs[0];
    let cm = ConfusionMatrix::new(first.y.view(), first.pred.view())?;
    let mut t = Table::new(
        "Confusion matrix (rows: actual, columns: predicted), breast-cancer test set (first seed)",
        &["", "pred malignant", "pred benign"],
    );
    for (k, name) in cancer.class_names().iter().enumerate() {
        t.row(vec![
            format!("actual {name}"),
            cm.counts[[k, 0]].to_string(),
            cm.counts[[k, 1]].to_string(),
        ]);
    }
    report.table(t);
    let lib = Ratios::library(first.y.view(), first.pred.view())?;
    for (name, v) in [
        ("accuracy", lib.accuracy),
        ("precision", lib.precision),
        ("recall", lib.recall),
        ("f1", lib.f1),
    ] {
        report.metric(name, v);
    }
    let mut largest = 0.0f64;
    for r in runs {
        let counted = Ratios::counted(r.y.view(), r.pred.view());
        largest = largest.max(Ratios::library(r.y.view(), r.pred.view())?.gap(&counted));
    }
    let (hand_true, hand_pred) = (
        Array1::from(HAND_TRUE.to_vec()),
        Array1::from(HAND_PRED.to_vec()),
    );
    let hand = Ratios::library(hand_true.view(), hand_pred.view())?;
    largest = largest.max(hand.gap(&HAND_RATIOS));
    report.claim(
        "accuracy-and-f1-formulas",
        "Accuracy = (TP + TN) / (TP + FN + FP + TN); F1 is the harmonic mean of precision and recall",
        Verdict::at_most(
            &format!(
                "largest gap between the library's accuracy, precision, recall, F1 and the notes' formulas on counts taken pair by pair from the labels ({} test sets) or worked by hand",
                runs.len()
            ),
            largest,
            IDENTITY_TOL,
        )
        .with(format!(
            "first seed: accuracy {}, precision {}, recall {}, F1 {}; hand case (TP 3, FN 1, FP 2, TN 4): accuracy {}, precision {}, recall {}, F1 {}",
            num(lib.accuracy),
            num(lib.precision),
            num(lib.recall),
            num(lib.f1),
            num(hand.accuracy),
            num(hand.precision),
            num(hand.recall),
            num(hand.f1)
        )),
    );
    Ok(())
}

/// Precision (exactness) against recall (completeness) as the threshold moves.
fn threshold_claim(runs: &[Classified], report: &mut Report) -> Result<()> {
    let mut pr = Table::new(
        "Precision and recall of 'benign' by decision threshold (first seed)",
        &["threshold", "precision", "recall"],
    );
    for th in THRESHOLDS {
        let (p, r) = runs[0].precision_recall(th)?;
        pr.row(vec![th.to_string(), f4(p), f4(r)]);
    }
    report.table(pr);
    let (loose, strict) = (THRESHOLDS[0], THRESHOLDS[THRESHOLDS.len() - 1]);
    let (mut p_loose, mut r_loose, mut p_strict, mut r_strict) = (vec![], vec![], vec![], vec![]);
    for run in runs {
        let (p, r) = run.precision_recall(loose)?;
        p_loose.push(p);
        r_loose.push(r);
        let (p, r) = run.precision_recall(strict)?;
        p_strict.push(p);
        r_strict.push(r);
    }
    report.claim(
        "precision-recall-threshold-trade",
        "Precision focuses on exactness, recall on completeness: a stricter threshold trades recall for precision",
        Verdict::paired_gain(
            &format!("precision at threshold {strict} − at {loose}"),
            &p_strict,
            &p_loose,
            0.0,
        )
        .and(Verdict::paired_gain(
            &format!("recall at threshold {loose} − at {strict}"),
            &r_loose,
            &r_strict,
            0.0,
        )),
    );
    Ok(())
}

/// ROC and AUC; AUC checked against its meaning: P(score of a positive > score of a negative).
fn auc_claim(ctx: &Context, runs: &[Classified], report: &mut Report) -> Result<()> {
    let (mut aucs, mut gaps, mut shuffled) = (vec![], vec![], vec![]);
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x5eed);
    for run in runs {
        let roc = metrics::roc_curve(run.y.view(), run.scores.view(), 1)?;
        let auc = roc.auc();
        aucs.push(auc);
        gaps.push((auc - run.ranking_probability()).abs());
        // the same scores, dealt to the test rows at random: no ability left to distinguish
        let mut dealt = run.scores.to_vec();
        dealt.shuffle(&mut rng);
        shuffled.push(metrics::roc_auc(
            run.y.view(),
            Array1::from(dealt).view(),
            1,
        )?);
    }
    let auc = aucs[0];
    report.metric("auc", auc);
    report.claim(
        "auc-distinguishes-classes",
        "AUC measures the model's ability to distinguish between classes (= P(a positive outscores a negative))",
        Verdict::mean_above("test AUC of logistic regression", &aucs, MIN_AUC)
            .and(Verdict::paired_gain(
                "test AUC, the model's scores − the same scores shuffled across the test rows (no ability to distinguish)",
                &aucs,
                &shuffled,
                SHUFFLED_MARGIN,
            ))
            .and(Verdict::mean_below(
                "|trapezoidal AUC − pairwise ranking probability|",
                &gaps,
                IDENTITY_TOL,
            )),
    );
    let roc = metrics::roc_curve(runs[0].y.view(), runs[0].scores.view(), 1)?;
    report.plot(
        Plot::new(
            "roc.svg",
            "ROC curve, logistic regression on breast cancer (first seed)",
            "false-positive rate (FP / negatives)",
            "true-positive rate (TP / positives)",
        )
        .with(Series::line(
            &format!("logistic (AUC {auc:.3})"),
            roc.fpr
                .iter()
                .copied()
                .zip(roc.tpr.iter().copied())
                .collect(),
        ))
        .with(Series::line("chance", vec![(0.0, 0.0), (1.0, 1.0)])),
    );
    Ok(())
}

fn regression_row(
    name: &str,
    y: &Array1<f64>,
    yhat: &Array1<f64>,
    p: usize,
) -> Result<Vec<String>> {
    let (y, h) = (y.view(), yhat.view());
    Ok(vec![
        name.to_string(),
        f4(metrics::mae(y, h)?),
        f4(metrics::mse(y, h)?),
        f4(metrics::rmse(y, h)?),
        f4(metrics::mape(y, h)?),
        f4(metrics::r2(y, h)?),
        f4(metrics::adjusted_r2(y, h, p)?),
    ])
}

/// Training-set R² and adjusted R² of least squares on `d`.
fn fit_stats(d: &Dataset<f64>) -> Result<(f64, f64)> {
    let yhat = LinearRegression::new().fit(d)?.predict(d.x())?;
    Ok((
        metrics::r2(d.targets().view(), yhat.view())?,
        metrics::adjusted_r2(d.targets().view(), yhat.view(), d.n_features())?,
    ))
}

/// One seed's diabetes split: the mean baseline's R², and what noise features do to R².
struct NoiseEffect {
    /// R² on the test rows of predicting the training targets' mean.
    baseline_r2: f64,
    /// |R²| of predicting the test targets' own mean.
    own_mean_r2: f64,
    /// Training R² and adjusted R² without, then with, the noise features (mean over draws).
    r2: (f64, f64),
    adjusted: (f64, f64),
}

fn regression(ctx: &Context, report: &mut Report) -> Result<()> {
    let diabetes = data::diabetes();
    let extra = ctx.size(40, 20);
    let draws = ctx.size(10, 3);
    let mut effects = Vec::new();
    for (i, &seed) in ctx.seeds().iter().enumerate() {
        let (train, test) = split_scaled(&diabetes, None, seed)?;
        let y = test.targets();
        let mean = Array1::from_elem(test.n_samples(), train.targets().mean().unwrap_or(0.0));
        let own = Array1::from_elem(test.n_samples(), y.mean().unwrap_or(0.0));
        if i == 0 {
            let pred = LinearRegression::new().fit(&train)?.predict(test.x())?;
            let mut t = Table::new(
                "Regression metrics on the diabetes test set (first seed)",
                &["model", "MAE", "MSE", "RMSE", "MAPE", "R²", "adjusted R²"],
            );
            t.row(regression_row(
                "linear regression",
                y,
                &pred,
                test.n_features(),
            )?);
            t.row(regression_row("baseline: training mean", y, &mean, 0)?);
            report.table(t);
            report.metric("diabetes_test_r2", metrics::r2(y.view(), pred.view())?);
        }
        // Adjusted R² against irrelevant features: add pure-noise columns, refit, compare on
        // train, averaged over several noise draws.
        let mut rng = StdRng::seed_from_u64(seed ^ 0xad);
        let (r2_a, adj_a) = fit_stats(&train)?;
        let (mut r2_b, mut adj_b) = (0.0, 0.0);
        for _ in 0..draws {
            let noise =
                Array2::from_shape_fn((train.n_samples(), extra), |_| rng.random_range(-1.0..1.0));
            let widened = concatenate(Axis(1), &[train.x(), noise.view()])
                .map_err(|e| mlnotes::Error::invalid(e.to_string()))?;
            let (r, a) = fit_stats(&train.with_features(widened)?)?;
            r2_b += r / draws as f64;
            adj_b += a / draws as f64;
        }
        effects.push(NoiseEffect {
            baseline_r2: metrics::r2(y.view(), mean.view())?,
            own_mean_r2: metrics::r2(y.view(), own.view())?.abs(),
            r2: (r2_a, r2_b),
            adjusted: (adj_a, adj_b),
        });
    }
    let baseline_abs: Vec<f64> = effects.iter().map(|e| e.baseline_r2.abs()).collect();
    let own_largest = effects.iter().map(|e| e.own_mean_r2).fold(0.0, f64::max);
    report.claim(
        "r2-of-the-mean-is-zero",
        "R² (coefficient of determination): predicting the mean explains none of the variance (R² = 0)",
        Verdict::mean_below(
            "|test R²| of predicting the training mean",
            &baseline_abs,
            MEAN_BASELINE_BAND,
        )
        .with(format!(
            "mean test R² of the training mean {}; largest |R²| of predicting the test targets' own mean {}",
            num(mean_se(&effects.iter().map(|e| e.baseline_r2).collect::<Vec<_>>()).0),
            num(own_largest)
        )),
    );

    let first = &effects[0];
    let n_features = diabetes.n_features();
    let mut t2 = Table::new(
        &format!(
            "Training-set R² with irrelevant (noise) features added (first seed, mean over {draws} draws)"
        ),
        &["features", "R²", "adjusted R²"],
    );
    t2.row(vec![
        n_features.to_string(),
        f4(first.r2.0),
        f4(first.adjusted.0),
    ]);
    t2.row(vec![
        (n_features + extra).to_string(),
        f4(first.r2.1),
        f4(first.adjusted.1),
    ]);
    report.table(t2);
    let gains: Vec<f64> = effects.iter().map(|e| e.r2.1 - e.r2.0).collect();
    let kept: Vec<f64> = effects
        .iter()
        .map(|e| (e.adjusted.1 - e.adjusted.0) / (e.r2.1 - e.r2.0))
        .collect();
    report.claim(
        "adjusted-r2-penalizes-irrelevant-features",
        "Adjusted R² penalizes adding irrelevant features (which artificially inflate regular R²)",
        Verdict::mean_above(
            &format!("training R² gain from {extra} noise features"),
            &gains,
            0.0,
        )
        .and(Verdict::mean_below(
            "share of that gain kept by adjusted R²",
            &kept,
            MAX_KEPT_SHARE,
        ))
        .with(format!(
            "{draws} noise draws per seed; first seed: R² {} → {}, adjusted R² {} → {}",
            num(first.r2.0),
            num(first.r2.1),
            num(first.adjusted.0),
            num(first.adjusted.1)
        )),
    );
    Ok(())
}
