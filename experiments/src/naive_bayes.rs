//! Naive Bayes: Laplace smoothing against the zero-probability failure on word counts with
//! unseen events (and its formula on the play-tennis table); log-space arithmetic against
//! underflow; Gaussian against binned (categorical) naive Bayes on continuous data; the
//! independence assumption broken by duplicated features.

use mlnotes::bayes::{BinnedNb, CategoricalNb, FittedNb, GaussianNb, MultinomialNb, NaiveBayes};
use mlnotes::data::{self, Dataset};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict, PredictProba, member_seed};
use mlnotes::experiment::{Context, Experiment, Report, Table, Verdict, mean_se, num};
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal, weighted::WeightedIndex};

use crate::{cv_accuracy, f4, mean_pm};

/// Word counts: training documents per class (full, quick), test documents per class (full,
/// quick), long documents per class (full, quick).
const TRAIN_DOCS: (usize, usize) = (15, 10);
const TEST_DOCS: (usize, usize) = (500, 200);
/// Draws of the word-count data for the smoothing claim (full, quick).
const SMOOTHING_DRAWS: (u64, u64) = (20, 10);
const LONG_DOCS: (usize, usize) = (200, 60);
/// Share of long documents whose direct product must underflow, and the accuracy the log-space
/// rule must gain over it.
const UNDERFLOW_SHARE: f64 = 0.9;
const LOG_SPACE_GAIN: f64 = 0.3;
/// Continuous data: how far above the majority class both variants must classify.
const BASELINE_MARGIN: f64 = 0.05;
/// Duplicated features: class shifts of the strong and the weak feature (unit variance),
/// copies of the weak one, and training and test rows per seed.
const STRONG_SHIFT: f64 = 0.75;
const WEAK_SHIFT: f64 = 0.3;
const COPIES: usize = 10;
const DUPLICATE_TRAIN: usize = 300;
const DUPLICATE_TEST: usize = 2000;
/// Largest difference between the Laplace formula and the fitted probabilities.
const FORMULA_TOLERANCE: f64 = 1e-12;

/// The `naive-bayes` experiment.
pub struct NaiveBayesExperiment;

impl Experiment for NaiveBayesExperiment {
    fn name(&self) -> &'static str {
        "naive-bayes"
    }

    fn section(&self) -> &'static str {
        "Naive Bayes Classifier"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        laplace_smoothing(ctx, &mut report)?;
        laplace_formula(&mut report)?;
        log_space(ctx, &mut report)?;
        continuous_data(ctx, &mut report)?;
        duplicated_features(ctx, &mut report)?;
        Ok(report)
    }
}

/// Like [`documents`], with ~1000 words per document.
fn long_documents(docs: usize, seed: u64) -> Result<Dataset> {
    words(docs, seed, 900..1100)
}

/// Word counts of `docs` documents per class over a vocabulary of 40 words: 20 common words
/// shared by both classes, 10 rare words typical of each class (rare words make unseen events).
fn documents(docs: usize, seed: u64) -> Result<Dataset> {
    words(docs, seed, 5..15)
}

/// `docs` documents per class of `length` words drawn from the classes' word frequencies.
fn words(docs: usize, seed: u64, length: std::ops::Range<usize>) -> Result<Dataset> {
    let mut rng = StdRng::seed_from_u64(seed);
    let vocab = 40;
    let weights = |class: usize| -> Vec<f64> {
        (0..vocab)
            .map(|w| match w {
                0..20 => 1.0,
                20..30 => {
                    if class == 0 {
                        0.6
                    } else {
                        0.01
                    }
                }
                _ => {
                    if class == 1 {
                        0.6
                    } else {
                        0.01
                    }
                }
            })
            .collect()
    };
    let dists = [
        WeightedIndex::new(weights(0)),
        WeightedIndex::new(weights(1)),
    ];
    let mut x = Array2::zeros((2 * docs, vocab));
    let mut y = Array1::zeros(2 * docs);
    for i in 0..2 * docs {
        let class = i % 2;
        y[i] = class;
        let dist = dists[class]
            .as_ref()
            .map_err(|e| Error::invalid(e.to_string()))?;
        for _ in 0..rng.random_range(length.clone()) {
            x[[i, dist.sample(&mut rng)]] += 1.0;
        }
    }
    Dataset::classification(x, y)
}

/// The training and test documents of `seed` (few training documents: rare words go unseen).
fn word_split(ctx: &Context, seed: u64) -> Result<(Dataset, Dataset)> {
    let (full, quick) = TRAIN_DOCS;
    let (test_full, test_quick) = TEST_DOCS;
    Ok((
        documents(ctx.size(full, quick), member_seed(seed, 0))?,
        documents(ctx.size(test_full, test_quick), member_seed(seed, 1))?,
    ))
}

/// 1. Laplace smoothing on word counts, over seeds: without it, test documents with a word
///    unseen in a class get probability 0 for every class.
fn laplace_smoothing(ctx: &Context, report: &mut Report) -> Result<()> {
    // more draws than the run's seeds: a draw has a few dozen wiped-out documents, and costs
    // milliseconds
    let (full, quick) = SMOOTHING_DRAWS;
    let seeds: Vec<u64> = (0..ctx.size(full, quick))
        .map(|r| ctx.seed.wrapping_add(r))
        .collect();
    // [α = 0, α = 1]: test accuracy, share of documents at probability 0 for every class, and
    // accuracy on the documents that α = 0 gives probability 0 for every class
    let (mut acc, mut dead, mut on_dead) = ([vec![], vec![]], [vec![], vec![]], [vec![], vec![]]);
    for &seed in &seeds {
        let (train, test) = word_split(ctx, seed)?;
        let mut wiped: Vec<bool> = vec![];
        for (a, alpha) in [0.0, 1.0].into_iter().enumerate() {
            let m = MultinomialNb {
                alpha,
                ..Default::default()
            }
            .fit(&train)?;
            let jll = m.joint_log_likelihood(test.x())?;
            let zero: Vec<bool> = jll
                .rows()
                .into_iter()
                .map(|r| r.iter().all(|v| *v == f64::NEG_INFINITY))
                .collect();
            if a == 0 {
                wiped = zero.clone();
            }
            let predicted = m.predict(test.x())?;
            acc[a].push(metrics::accuracy(test.targets().view(), predicted.view())?);
            dead[a].push(zero.iter().filter(|&&z| z).count() as f64 / test.n_samples() as f64);
            let hits = wiped
                .iter()
                .zip(test.targets().iter().zip(&predicted))
                .filter(|(w, (y, p))| **w && y == p)
                .count();
            // a draw without wiped-out documents says nothing about them
            let n_wiped = wiped.iter().filter(|&&w| w).count();
            if n_wiped > 0 {
                on_dead[a].push(hits as f64 / n_wiped as f64);
            }
        }
    }
    let mut t = Table::new(
        &format!(
            "Multinomial naive Bayes on word counts (few training documents), mean ± SE over {} seeds",
            seeds.len()
        ),
        &[
            "smoothing α",
            "test accuracy",
            "share of test documents with a zero posterior for every class",
        ],
    );
    for (a, alpha) in ["0", "1"].into_iter().enumerate() {
        t.row(vec![alpha.into(), mean_pm(&acc[a]), mean_pm(&dead[a])]);
    }
    report.table(t);
    report.claim(
        "laplace-smoothing-fixes-zero-probability",
        "Without smoothing an unseen feature value gives probability 0 and wipes out all other information; Laplace smoothing fixes it",
        Verdict::mean_above(
            "share of test documents at probability 0 for every class, α = 0",
            &dead[0],
            0.0,
        )
        .and(Verdict::paired_gain(
            "accuracy on the documents α = 0 gives probability 0 for every class, α = 1 − α = 0",
            &on_dead[1],
            &on_dead[0],
            0.0,
        ))
        .with(format!(
            "share at probability 0 with α = 1: {}; test accuracy over all documents {} with α = 0, {} with α = 1",
            num(mean_se(&dead[1]).0),
            num(mean_se(&acc[0]).0),
            num(mean_se(&acc[1]).0)
        )),
    );
    Ok(())
}

/// 2. The Laplace formula on the play-tennis table: the fitted `P(x_i = v | C_k)` against
///    `(count + 1) / (N_k + k_i)` computed by hand, `k_i` the distinct values of feature `i`.
fn laplace_formula(report: &mut Report) -> Result<()> {
    let tennis = data::play_tennis();
    let model = CategoricalNb::default().fit(&tennis)?;
    let NaiveBayes::Categorical { log_prob } = &model.model else {
        return Err(Error::invalid(
            "categorical naive Bayes without a categorical table",
        ));
    };
    let class_sizes = tennis.class_counts();
    let (mut worst, mut unseen) = (0.0f64, 0usize);
    for (i, table) in log_prob.iter().enumerate() {
        let column = tennis.features().column(i);
        let mut values: Vec<usize> = column.iter().map(|&v| v as usize).collect();
        values.sort_unstable();
        values.dedup();
        for (k, &n_k) in class_sizes.iter().enumerate() {
            for &v in &values {
                let count = column
                    .iter()
                    .zip(tennis.targets())
                    .filter(|(x, y)| **x as usize == v && **y == k)
                    .count();
                unseen += usize::from(count == 0);
                let by_hand = (count as f64 + 1.0) / (n_k as f64 + values.len() as f64);
                worst = worst.max((table[[k, v]].exp() - by_hand).abs());
            }
        }
    }
    report.claim(
        "laplace-add-one-add-k",
        "Laplace smoothing: add 1 to the count of every event (numerator) and add k (number of distinct values) to the denominator",
        Verdict::at_most(
            "largest |P(x_i = v | C_k) − (count + 1) / (N_k + k)| over the play-tennis table",
            worst,
            FORMULA_TOLERANCE,
        )
        .with(format!(
            "{unseen} (attribute, value, class) events unseen in training, each given a probability above 0"
        )),
    );
    Ok(())
}

/// `P(C_k) Π_i P(x_i | C_k)` of every class for one row of word counts, multiplied out in
/// f64 one word at a time (no logarithms).
fn direct_product(model: &FittedNb, row: ArrayView1<f64>) -> Result<Vec<f64>> {
    let NaiveBayes::Multinomial { log_theta } = &model.model else {
        return Err(Error::invalid(
            "a direct product needs multinomial naive Bayes",
        ));
    };
    Ok((0..model.log_prior.len())
        .map(|k| {
            let mut p = model.log_prior[k].exp();
            for (&count, &lt) in row.iter().zip(log_theta.row(k)) {
                for _ in 0..count as usize {
                    p *= lt.exp();
                }
            }
            p
        })
        .collect())
}

/// 3. Log space, over seeds: the product of ~1000 word probabilities underflows f64; the sum
///    of their logarithms classifies.
fn log_space(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut underflow, mut log_acc, mut direct_acc) = (vec![], vec![], vec![]);
    for seed in ctx.seeds() {
        let (train, _) = word_split(ctx, seed)?;
        let (full, quick) = LONG_DOCS;
        let long = long_documents(ctx.size(full, quick), member_seed(seed, 2))?;
        let model = MultinomialNb::default().fit(&train)?;
        let (mut zero, mut direct_right) = (0usize, 0usize);
        for (row, &y) in long.features().rows().into_iter().zip(long.targets()) {
            let p = direct_product(&model, row)?;
            zero += usize::from(p.iter().all(|&v| v == 0.0));
            // the arg max of the direct products (the first class on ties)
            let best = (0..p.len()).fold(0, |b, k| if p[k] > p[b] { k } else { b });
            direct_right += usize::from(best == y);
        }
        let m = long.n_samples() as f64;
        underflow.push(zero as f64 / m);
        direct_acc.push(direct_right as f64 / m);
        log_acc.push(metrics::accuracy(
            long.targets().view(),
            model.predict(long.x())?.view(),
        )?);
    }
    report.claim(
        "log-space-avoids-underflow",
        "Products of many probabilities underflow; comparing log P(C_k) + Σ log P(x_i | C_k) avoids it",
        Verdict::mean_above(
            "share of ~1000-word documents whose product P(C_k)Π P(x_i|C_k) is 0.0 in f64 for every class",
            &underflow,
            UNDERFLOW_SHARE,
        )
        .and(Verdict::paired_gain(
            "accuracy, log space − direct product",
            &log_acc,
            &direct_acc,
            LOG_SPACE_GAIN,
        )),
    );
    Ok(())
}

/// 4. Continuous data: Gaussian naive Bayes against binning into buckets, on three embedded
///    sets over fold seeds.
fn continuous_data(ctx: &Context, report: &mut Report) -> Result<()> {
    let seeds = ctx.seeds();
    let mut t = Table::new(
        &format!(
            "Continuous features: 5-fold CV accuracy, mean ± SE over {} fold seeds",
            seeds.len()
        ),
        &[
            "data set",
            "majority class",
            "Gaussian NB",
            "binned NB (5 quantile bins)",
        ],
    );
    let sets = [
        ("iris", data::iris()),
        ("breast cancer", data::breast_cancer()),
        ("wine quality", data::wine()),
    ];
    let mut verdicts = vec![];
    let mut wins = 0;
    for (name, d) in &sets {
        let (mut gaussian, mut binned) = (vec![], vec![]);
        for &seed in &seeds {
            gaussian.push(cv_accuracy(
                &GaussianNb::default().with_engine(ctx.engine),
                d,
                seed,
            )?);
            binned.push(cv_accuracy(&BinnedNb::default(), d, seed)?);
        }
        let majority =
            d.class_counts().into_iter().max().unwrap_or(0) as f64 / d.n_samples() as f64;
        t.row(vec![
            name.to_string(),
            f4(majority),
            mean_pm(&gaussian),
            mean_pm(&binned),
        ]);
        wins += usize::from(mean_se(&binned).0 >= mean_se(&gaussian).0);
        report.metric(
            &format!("gaussian_nb_{}", name.replace(' ', "_")),
            mean_se(&gaussian).0,
        );
        for (variant, acc) in [("Gaussian NB", &gaussian), ("binned NB", &binned)] {
            let above: Vec<f64> = acc.iter().map(|a| a - majority).collect();
            verdicts.push(Verdict::mean_above(
                &format!("{name}: {variant} accuracy − majority share"),
                &above,
                BASELINE_MARGIN,
            ));
        }
    }
    report.table(t);
    if let Some(verdict) = verdicts.into_iter().reduce(Verdict::and) {
        report.claim(
            "continuous-binning-or-gaussian",
            "Continuous data: binning into buckets or a Gaussian per class both work",
            verdict.with(format!(
                "binned NB matched or beat Gaussian NB on {wins} of {} sets",
                sets.len()
            )),
        );
    }
    Ok(())
}

/// Two classes (alternating) with a strong feature `x₀ ~ N(±STRONG_SHIFT, 1)` and a weak one
/// `x₁ ~ N(±WEAK_SHIFT, 1)`, independent given the class; the weak one repeated `copies`
/// times (exact duplicates: perfectly correlated features).
fn strong_and_weak(n: usize, copies: usize, seed: u64) -> Result<Dataset> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((n, 1 + copies));
    let y = Array1::from_shape_fn(n, |i| i % 2);
    for i in 0..n {
        let s = if y[i] == 1 { 1.0 } else { -1.0 };
        x[[i, 0]] = s * STRONG_SHIFT + rng.sample::<f64, _>(StandardNormal);
        let weak = s * WEAK_SHIFT + rng.sample::<f64, _>(StandardNormal);
        for j in 1..=copies {
            x[[i, j]] = weak;
        }
    }
    Dataset::classification(x, y)
}

/// Mean negative log-probability of the true classes (probabilities floored at 1e-15).
fn log_loss(p: &Array2<f64>, y: &Array1<usize>) -> f64 {
    y.iter()
        .enumerate()
        .map(|(i, &c)| -p[[i, c]].max(1e-15).ln())
        .sum::<f64>()
        / y.len() as f64
}

/// Test accuracy and log loss of one fitted classifier.
struct Score {
    accuracy: f64,
    log_loss: f64,
}

/// Accuracy and log loss of `model` on `test`.
fn score(model: &(impl Predict<usize> + PredictProba), test: &Dataset) -> Result<Score> {
    Ok(Score {
        accuracy: metrics::accuracy(test.targets().view(), model.predict(test.x())?.view())?,
        log_loss: log_loss(&model.predict_proba(test.x())?, test.targets()),
    })
}

/// 5. The independence assumption: duplicating a weak feature makes naive Bayes count its
///    evidence `COPIES` times (worse accuracy and log loss), where logistic regression shares
///    one weight among the copies.
fn duplicated_features(ctx: &Context, report: &mut Report) -> Result<()> {
    let seeds = ctx.seeds();
    // scores[model][layout][seed]: model 0 = naive Bayes, 1 = logistic regression; layout 0 =
    // one copy of the weak feature, 1 = COPIES copies
    let mut scores: [[Vec<Score>; 2]; 2] = Default::default();
    for &seed in &seeds {
        for (layout, copies) in [1, COPIES].into_iter().enumerate() {
            let train = strong_and_weak(DUPLICATE_TRAIN, copies, member_seed(seed, 0))?;
            let test = strong_and_weak(DUPLICATE_TEST, copies, member_seed(seed, 1))?;
            let nb = GaussianNb::default().with_engine(ctx.engine).fit(&train)?;
            let lr = LogisticRegression::new(1.0).fit(&train)?;
            scores[0][layout].push(score(&nb, &test)?);
            scores[1][layout].push(score(&lr, &test)?);
        }
    }
    let values = |model: usize, layout: usize, f: fn(&Score) -> f64| -> Vec<f64> {
        scores[model][layout].iter().map(f).collect()
    };
    let change = |model: usize, f: fn(&Score) -> f64| -> Vec<f64> {
        values(model, 1, f)
            .iter()
            .zip(values(model, 0, f))
            .map(|(dup, one)| dup - one)
            .collect()
    };
    let accuracy: fn(&Score) -> f64 = |s| s.accuracy;
    let loss: fn(&Score) -> f64 = |s| s.log_loss;
    let mut t = Table::new(
        &format!(
            "A strong and a weak feature, the weak one copied {COPIES} times: test accuracy and log loss ({DUPLICATE_TRAIN} training, {DUPLICATE_TEST} test rows), mean ± SE over {} seeds",
            seeds.len()
        ),
        &[
            "model",
            "accuracy, 1 copy",
            &format!("accuracy, {COPIES} copies"),
            "log loss, 1 copy",
            &format!("log loss, {COPIES} copies"),
        ],
    );
    for (model, name) in ["Gaussian naive Bayes", "logistic regression"]
        .into_iter()
        .enumerate()
    {
        t.row(vec![
            name.into(),
            mean_pm(&values(model, 0, accuracy)),
            mean_pm(&values(model, 1, accuracy)),
            mean_pm(&values(model, 0, loss)),
            mean_pm(&values(model, 1, loss)),
        ]);
    }
    report.table(t);
    let lost = |model: usize| -> Vec<f64> { change(model, accuracy).iter().map(|c| -c).collect() };
    report.claim(
        "independence-assumption-duplicated-features",
        "Assumption: all features x_i are mutually independent given the class y (duplicated, correlated features break it)",
        Verdict::paired_gain(
            &format!(
                "test accuracy lost by copying the weak feature {COPIES} times, naive Bayes − logistic regression"
            ),
            &lost(0),
            &lost(1),
            0.0,
        )
        .and(Verdict::paired_gain(
            "test log loss added by the copies, naive Bayes − logistic regression",
            &change(0, loss),
            &change(1, loss),
            0.0,
        )),
    );
    Ok(())
}
