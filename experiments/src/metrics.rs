//! Metrics: the confusion matrix and its ratios, ROC/AUC, and regression metrics, measured on
//! fitted models (logistic regression on breast cancer, linear regression on diabetes).

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Predict, PredictProba, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linear::{LinearRegression, LogisticRegression};
use mlnotes::metrics::{self, Average, ConfusionMatrix};
use mlnotes::preprocess::Scaler;
use mlnotes::selection::HoldOut;
use ndarray::{Array1, Array2, Axis, concatenate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::f4;

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
    let mut holdout = HoldOut::train_test(0.7, seed);
    holdout.stratify = labels.is_some();
    let s = holdout.split(d.n_samples(), labels)?;
    let (train, test) = (d.select(&s.train)?, d.select(&s.test)?);
    let scaler = Scaler::standardization().fit(&train)?;
    Ok((
        train.with_features(scaler.transform(train.x())?)?,
        test.with_features(scaler.transform(test.x())?)?,
    ))
}

fn classification(ctx: &Context, report: &mut Report) -> Result<()> {
    let cancer = data::breast_cancer();
    let labels = cancer.targets().to_vec();
    let (train, test) = split_scaled(&cancer, Some(&labels), ctx.seed)?;
    let model = LogisticRegression::default().fit(&train)?;
    let proba = model.predict_proba(test.x())?;
    let pred = model.predict(test.x())?;
    let y = test.targets().view();

    // Confusion matrix; "positive" = benign (class 1), as scikit-learn's coding.
    let cm = ConfusionMatrix::new(y, pred.view())?;
    let mut t = Table::new(
        "Confusion matrix (rows: actual, columns: predicted), breast-cancer test set",
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
    let pos = Average::Binary { positive: 1 };
    let (acc, prec, rec, f1) = (
        cm.accuracy(),
        cm.precision(pos)?,
        cm.recall(pos)?,
        cm.f1(pos)?,
    );
    for (name, v) in [
        ("accuracy", acc),
        ("precision", prec),
        ("recall", rec),
        ("f1", f1),
    ] {
        report.metric(name, v);
    }
    let (tp, fp, fn_) = (cm.tp(1) as f64, cm.fp(1) as f64, cm.fn_(1) as f64);
    let tn = cm.tp(0) as f64;
    report.claim(
        "Accuracy = (TP + TN) / (TP + FN + FP + TN); F1 is the harmonic mean of precision and recall",
        (acc - (tp + tn) / (tp + tn + fp + fn_)).abs() < 1e-12 && (f1 - 2.0 * prec * rec / (prec + rec)).abs() < 1e-12,
        format!("TP {tp}, TN {tn}, FP {fp}, FN {fn_}: accuracy {}, precision {}, recall {}, F1 {}", f4(acc), f4(prec), f4(rec), f4(f1)),
    );

    // Precision (exactness) against recall (completeness) as the threshold moves.
    let scores = proba.column(1).to_owned();
    let mut pr = Table::new(
        "Precision and recall of 'benign' by decision threshold",
        &["threshold", "precision", "recall"],
    );
    let mut rows = Vec::new();
    for th in [0.1, 0.3, 0.5, 0.7, 0.9] {
        let p: Array1<usize> = scores.mapv(|s| usize::from(s >= th));
        let c = ConfusionMatrix::new(y, p.view())?;
        let (pp, rr) = (c.precision(pos)?, c.recall(pos)?);
        pr.row(vec![th.to_string(), f4(pp), f4(rr)]);
        rows.push((pp, rr));
    }
    report.table(pr);
    let (first, last) = (rows[0], rows[rows.len() - 1]);
    report.claim(
        "Precision focuses on exactness, recall on completeness: a stricter threshold trades recall for precision",
        last.0 >= first.0 && last.1 <= first.1,
        format!("threshold 0.1: precision {}, recall {}; threshold 0.9: precision {}, recall {}", f4(first.0), f4(first.1), f4(last.0), f4(last.1)),
    );

    // ROC and AUC; AUC checked against its meaning: P(score of a positive > score of a negative).
    let roc = metrics::roc_curve(y, scores.view(), 1)?;
    let auc = roc.auc();
    let by_class = |c: usize| -> Vec<f64> {
        y.iter()
            .zip(&scores)
            .filter(|(l, _)| **l == c)
            .map(|(_, s)| *s)
            .collect()
    };
    let (pos_scores, neg_scores) = (by_class(1), by_class(0));
    let wins: f64 = pos_scores
        .iter()
        .flat_map(|p| {
            neg_scores.iter().map(move |n| {
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
    let pairs = (pos_scores.len() * neg_scores.len()) as f64;
    report.metric("auc", auc);
    report.claim(
        "AUC measures the model's ability to distinguish between classes (= P(a positive outscores a negative))",
        (auc - wins / pairs).abs() < 1e-12 && auc > 0.9,
        format!("trapezoidal AUC {} = pairwise ranking probability {} over {pairs} pairs", f4(auc), f4(wins / pairs)),
    );
    report.plot(
        Plot::new(
            "roc.svg",
            "ROC curve, logistic regression on breast cancer",
            "false-positive rate",
            "true-positive rate",
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

fn regression(ctx: &Context, report: &mut Report) -> Result<()> {
    let diabetes = data::diabetes();
    let (train, test) = split_scaled(&diabetes, None, ctx.seed)?;
    let model = LinearRegression::new().fit(&train)?;
    let pred = model.predict(test.x())?;
    let mean = Array1::from_elem(test.n_samples(), train.targets().mean().unwrap_or(0.0));
    let mut t = Table::new(
        "Regression metrics on the diabetes test set",
        &["model", "MAE", "MSE", "RMSE", "MAPE", "R²", "adjusted R²"],
    );
    t.row(regression_row(
        "linear regression",
        test.targets(),
        &pred,
        test.n_features(),
    )?);
    t.row(regression_row(
        "baseline: training mean",
        test.targets(),
        &mean,
        0,
    )?);
    report.table(t);
    let r2_test = metrics::r2(test.targets().view(), pred.view())?;
    report.metric("diabetes_test_r2", r2_test);

    // Adjusted R² against irrelevant features: add pure-noise columns, refit, compare on train,
    // averaged over several noise draws.
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0xad);
    let extra = ctx.size(40, 20);
    let draws = ctx.size(10, 3);
    let fit_stats = |d: &Dataset<f64>| -> Result<(f64, f64)> {
        let yhat = LinearRegression::new().fit(d)?.predict(d.x())?;
        Ok((
            metrics::r2(d.targets().view(), yhat.view())?,
            metrics::adjusted_r2(d.targets().view(), yhat.view(), d.n_features())?,
        ))
    };
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
    let mut t2 = Table::new(
        "Training-set R² with irrelevant (noise) features added (mean over draws)",
        &["features", "R²", "adjusted R²"],
    );
    t2.row(vec![train.n_features().to_string(), f4(r2_a), f4(adj_a)]);
    t2.row(vec![
        (train.n_features() + extra).to_string(),
        f4(r2_b),
        f4(adj_b),
    ]);
    report.table(t2);
    let (gain, adj_gain) = (r2_b - r2_a, adj_b - adj_a);
    report.claim(
        "Adjusted R² penalizes adding irrelevant features (which artificially inflate regular R²)",
        gain > 0.0 && adj_gain < 0.25 * gain,
        format!("{extra} noise features, {draws} draws: R² {} -> {} (+{}), adjusted R² {} -> {} ({:+.4})", f4(r2_a), f4(r2_b), f4(gain), f4(adj_a), f4(adj_b), adj_gain),
    );
    Ok(())
}
