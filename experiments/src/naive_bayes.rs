//! Naive Bayes: Laplace smoothing against the zero-probability failure on word counts with
//! unseen events; log-space arithmetic against underflow; Gaussian against binned
//! (categorical) naive Bayes on continuous data.

use mlnotes::Result;
use mlnotes::bayes::{BinnedNb, GaussianNb, MultinomialNb};
use mlnotes::data::{self, Dataset};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{Context, Experiment, Report, Table};
use mlnotes::metrics;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, weighted::WeightedIndex};

use crate::{cv_accuracy, f4};

/// The `naive-bayes` experiment.
pub struct NaiveBayesExperiment;

/// Like [`documents`], with ~1000 words per document.
fn long_documents(docs: usize, seed: u64) -> Result<Dataset> {
    words(docs, seed, 900..1100)
}

/// Word counts of `docs` documents per class over a vocabulary of 40 words: 20 common words
/// shared by both classes, 10 rare words typical of each class (rare words make unseen events).
fn documents(docs: usize, seed: u64) -> Result<Dataset> {
    words(docs, seed, 5..15)
}

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
            .map_err(|e| mlnotes::Error::invalid(e.to_string()))?;
        for _ in 0..rng.random_range(length.clone()) {
            x[[i, dist.sample(&mut rng)]] += 1.0;
        }
    }
    Dataset::classification(x, y)
}

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

        // 1. Laplace smoothing on word counts: few training documents, so rare words go unseen.
        let train = documents(ctx.size(15, 10), ctx.seed)?;
        let test = documents(ctx.size(500, 200), ctx.seed.wrapping_add(1))?;
        let mut t = Table::new(
            "Multinomial naive Bayes on word counts (few training documents)",
            &[
                "smoothing α",
                "test accuracy",
                "test documents with a zero posterior for every class",
            ],
        );
        let mut acc = Vec::new();
        for alpha in [0.0, 1.0] {
            let m = MultinomialNb {
                alpha,
                ..Default::default()
            }
            .fit(&train)?;
            let jll = m.joint_log_likelihood(test.x())?;
            let dead = jll
                .rows()
                .into_iter()
                .filter(|r| r.iter().all(|v| *v == f64::NEG_INFINITY))
                .count();
            let a = metrics::accuracy(test.targets().view(), m.predict(test.x())?.view())?;
            t.row(vec![
                alpha.to_string(),
                f4(a),
                format!("{dead} of {}", test.n_samples()),
            ]);
            acc.push((a, dead));
        }
        report.table(t);
        report.claim(
            "Without smoothing an unseen feature value gives probability 0 and wipes out all other information; Laplace smoothing fixes it",
            acc[0].1 > 0 && acc[1].1 == 0 && acc[1].0 > acc[0].0,
            format!("α = 0: accuracy {} with {} documents at probability 0 for every class; α = 1: accuracy {}", f4(acc[0].0), acc[0].1, f4(acc[1].0)),
        );

        // 2. Log space: a product of many probabilities underflows f64; the sum of logs does not.
        let long = long_documents(ctx.size(200, 60), ctx.seed.wrapping_add(2))?;
        let model = MultinomialNb::default().fit(&train)?;
        let jll = model.joint_log_likelihood(long.x())?;
        let underflow = jll
            .rows()
            .into_iter()
            .filter(|r| r.iter().all(|v| v.exp() == 0.0))
            .count();
        let long_acc = metrics::accuracy(long.targets().view(), model.predict(long.x())?.view())?;
        report.claim(
            "Products of many probabilities underflow; comparing log P(C_k) + Σ log P(x_i | C_k) avoids it",
            underflow == long.n_samples() && long_acc > 0.9,
            format!("documents of ~1000 words: the direct product P(C_k)Π P(x_i|C_k) is 0.0 for every class in {underflow} of {}; in log space accuracy {}", long.n_samples(), f4(long_acc)),
        );

        // 3. Continuous data: Gaussian against binning into buckets.
        let mut t2 = Table::new(
            "Continuous features: 5-fold CV accuracy",
            &["data set", "Gaussian NB", "binned NB (5 quantile bins)"],
        );
        let mut wins = 0;
        let mut above_baseline = true;
        let sets = [
            ("iris", data::iris()),
            ("breast cancer", data::breast_cancer()),
            ("wine quality", data::wine()),
        ];
        for (name, d) in &sets {
            let (g, b) = (
                cv_accuracy(&GaussianNb::default().with_engine(ctx.engine), d, ctx.seed)?,
                cv_accuracy(&BinnedNb::default(), d, ctx.seed)?,
            );
            t2.row(vec![name.to_string(), f4(g), f4(b)]);
            wins += usize::from(b >= g);
            let majority =
                d.class_counts().into_iter().max().unwrap_or(0) as f64 / d.n_samples() as f64;
            above_baseline &= g > majority + 0.05 && b > majority + 0.05;
            report.metric(&format!("gaussian_nb_{}", name.replace(' ', "_")), g);
        }
        report.table(t2);
        report.claim(
            "Continuous data: binning into buckets or a Gaussian per class both work",
            above_baseline,
            format!("both beat the majority class by more than 5 points on every set: {above_baseline}; binned NB matched or beat Gaussian NB on {wins} of {}", sets.len()),
        );
        Ok(report)
    }
}
