//! Decision trees: ID3's information gain on the play-tennis table, gain ratio against an
//! ID-like attribute, Gini against entropy, pre- against post-pruning, a rendered tree.

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::metrics::accuracy;
use mlnotes::selection::HoldOut;
use mlnotes::tree::{Criterion, DecisionTree, Split, criterion};
use ndarray::{Array1, Array2, s};

use crate::{cv_accuracy, f4};

/// The `decision-tree` experiment.
pub struct DecisionTreeExperiment;

/// Weighted class counts of each value of a categorical feature.
fn children(d: &Dataset, feature: usize) -> Vec<Vec<f64>> {
    let values = d.features().column(feature).fold(0.0f64, |a, &b| a.max(b)) as usize + 1;
    let mut c = vec![vec![0.0; d.n_classes()]; values];
    for (row, &y) in d.features().rows().into_iter().zip(d.targets()) {
        c[row[feature] as usize][y] += 1.0;
    }
    c.retain(|v| v.iter().sum::<f64>() > 0.0);
    c
}

fn categorical_tree(criterion: Criterion, n_features: usize) -> DecisionTree {
    DecisionTree {
        categorical: (0..n_features).collect(),
        ..DecisionTree::new(criterion)
    }
}

fn test_accuracy(model: &impl Predict<usize>, d: &Dataset) -> Result<f64> {
    accuracy(d.targets().view(), model.predict(d.x())?.view())
}

impl Experiment for DecisionTreeExperiment {
    fn name(&self) -> &'static str {
        "decision-tree"
    }

    fn section(&self) -> &'static str {
        "Trees & Ensemble Learning: Decision Tree"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);

        // 1. Play tennis: the splitting criteria per attribute, and ID3's tree.
        let tennis = data::play_tennis();
        let mut t = Table::new(
            "Play tennis (14 days): splitting criteria per attribute",
            &[
                "attribute",
                "information gain",
                "split information",
                "gain ratio",
                "Gini index",
            ],
        );
        let mut gains = vec![];
        for (j, name) in tennis.feature_names().iter().enumerate() {
            let c = children(&tennis, j);
            let sizes: Vec<f64> = c.iter().map(|v| v.iter().sum()).collect();
            gains.push((name.clone(), criterion::information_gain(&c)));
            t.row(vec![
                name.clone(),
                f4(criterion::information_gain(&c)),
                f4(criterion::split_information(&sizes)),
                f4(criterion::gain_ratio(&c)),
                f4(criterion::gini_index(&c)),
            ]);
        }
        report.table(t);
        let id3 = categorical_tree(Criterion::InformationGain, 4).fit(&tennis)?;
        let rendered = id3.render(tennis.feature_names(), tennis.class_names());
        report.note(format!("ID3's play-tennis tree:\n\n```text\n{rendered}```"));
        let best = gains
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|g| g.0.clone())
            .unwrap_or_default();
        report.claim(
            "ID3 splits on the attribute with the largest information gain",
            best == "Outlook" && matches!(id3.nodes()[0].split, Split::Category { feature: 0, .. }),
            format!(
                "largest gain: {best} ({}); ID3's root tests Outlook",
                f4(gains[0].1)
            ),
        );

        // 2. An ID-like attribute: information gain prefers it, gain ratio does not.
        let copies = 8;
        let n = copies * tennis.n_samples();
        let mut x = Array2::zeros((n, 5));
        let mut y = Array1::zeros(n);
        for i in 0..n {
            let r = i % tennis.n_samples();
            x.row_mut(i)
                .slice_mut(s![..4])
                .assign(&tennis.features().row(r));
            x[[i, 4]] = i as f64;
            y[i] = tennis.targets()[r];
        }
        let mut names = tennis.feature_names().to_vec();
        names.push("Day (an ID)".into());
        let with_id = Dataset::with_names(x, y, names.clone(), "PlayTennis")?;
        let root = |c| -> Result<String> {
            Ok(
                match &categorical_tree(c, 5).fit(&with_id)?.nodes()[0].split {
                    Split::Category { feature, .. } => names[*feature].clone(),
                    _ => "none".into(),
                },
            )
        };
        let (by_gain, by_ratio) = (
            root(Criterion::InformationGain)?,
            root(Criterion::GainRatio)?,
        );
        let id = children(&with_id, 4);
        report.claim(
            "Gain ratio (C4.5) does not prefer attributes with many unique values such as IDs",
            by_gain.starts_with("Day") && by_ratio == "Outlook",
            format!(
                "{copies} copies of play tennis with a Day ID ({n} values): gain(Day) = {}, gain ratio(Day) = {}; ID3's root: {by_gain}, C4.5's root: {by_ratio}",
                f4(criterion::information_gain(&id)),
                f4(criterion::gain_ratio(&id))
            ),
        );

        // 3. Gini against entropy on the embedded data sets.
        let mut t2 = Table::new(
            "Gini (CART) against entropy (information gain): 5-fold CV accuracy",
            &["data set", "Gini accuracy", "entropy accuracy"],
        );
        let mut t2_time = Table::new(
            "Gini (CART) against entropy (information gain): time to fit the whole set",
            &["data set", "Gini fit ms", "entropy fit ms"],
        )
        .timed();
        let (mut gini_time, mut entropy_time, mut max_gap) = (0.0, 0.0, 0.0f64);
        let sets: Vec<(&str, Dataset)> = vec![
            ("iris", data::iris()),
            ("wine quality", data::wine()),
            ("breast cancer", data::breast_cancer()),
            ("digits", data::digits()),
        ];
        for (name, d) in &sets {
            let mut row = vec![name.to_string()];
            let mut times = vec![];
            for c in [Criterion::Gini, Criterion::InformationGain] {
                row.push(f4(cv_accuracy(&DecisionTree::new(c), d, ctx.seed)?));
                let start = Instant::now();
                DecisionTree::new(c).fit(d)?;
                times.push(start.elapsed().as_secs_f64() * 1e3);
            }
            max_gap = max_gap.max(
                (row[1].parse::<f64>().unwrap_or(0.0) - row[2].parse::<f64>().unwrap_or(0.0)).abs(),
            );
            gini_time += times[0];
            entropy_time += times[1];
            t2_time.row(
                std::iter::once(name.to_string())
                    .chain(times.iter().map(|t| format!("{t:.2}")))
                    .collect(),
            );
            t2.row(row);
        }
        report.table(t2);
        report.table(t2_time);
        // The impurities alone, on the 10-class counts of digits-sized nodes.
        let counts: Vec<Vec<f64>> = (0..1000)
            .map(|i| (0..10).map(|k| ((i * 7 + k * 13) % 50) as f64).collect())
            .collect();
        let time = |f: fn(&[f64]) -> f64| {
            let start = Instant::now();
            let mut sink = 0.0;
            for _ in 0..ctx.size(200, 20) {
                for c in &counts {
                    sink += f(std::hint::black_box(c));
                }
            }
            std::hint::black_box(sink);
            start.elapsed().as_secs_f64()
        };
        let (t_gini, t_entropy) = (time(criterion::gini), time(criterion::entropy));
        report.timed_claim(
            "Gini is often faster to compute than entropy (no logarithms)",
            t_gini < t_entropy,
            format!(
                "the impurity alone: Gini {:.1} ns, entropy {:.1} ns per 10-class node; whole fits (sorting dominates): Gini {gini_time:.1} ms, entropy {entropy_time:.1} ms; accuracies differ by at most {}",
                t_gini / (counts.len() * ctx.size(200, 20)) as f64 * 1e9,
                t_entropy / (counts.len() * ctx.size(200, 20)) as f64 * 1e9,
                f4(max_gap)
            ),
        );

        // 4. Pre- against post-pruning: each chosen on a validation set, scored on a test set,
        // averaged over several random 60/20/20 splits of wine quality.
        let d = data::wine();
        let labels = d.targets().to_vec();
        let repeats = ctx.size(8, 3);
        let mut sums = [0.0; 4];
        let mut leaves = [0.0f64; 4];
        let mut depth_curve = vec![];
        for r in 0..repeats {
            let split = HoldOut {
                train: 0.6,
                validation: 0.2,
                stratify: true,
                seed: ctx.seed.wrapping_add(r as u64),
            }
            .split(d.n_samples(), Some(&labels))?;
            let (train, val, test) = (
                d.select(&split.train)?,
                d.select(&split.validation)?,
                d.select(&split.test)?,
            );
            let full = DecisionTree::cart().fit(&train)?;
            // Pre-pruning: the max depth with the best validation accuracy.
            let mut best_pre = (f64::NEG_INFINITY, 1);
            for depth in 1..=full.depth() {
                let v = test_accuracy(
                    &DecisionTree::cart().with_max_depth(depth).fit(&train)?,
                    &val,
                )?;
                if r == 0 {
                    depth_curve.push((depth as f64, v));
                }
                if v > best_pre.0 {
                    best_pre = (v, depth);
                }
            }
            let pre = DecisionTree::cart()
                .with_max_depth(best_pre.1)
                .fit(&train)?;
            // Post-pruning: the cost-complexity α with the best validation accuracy, and
            // reduced-error pruning on the validation set.
            let mut best_post = (f64::NEG_INFINITY, 0.0);
            for (alpha, _) in full.cost_complexity_path() {
                let mut m = full.clone();
                m.prune_cost_complexity(alpha);
                let v = test_accuracy(&m, &val)?;
                if v > best_post.0 {
                    best_post = (v, alpha);
                }
            }
            let mut post = full.clone();
            post.prune_cost_complexity(best_post.1);
            let mut rep = full.clone();
            rep.prune_reduced_error(&val)?;
            for (k, m) in [&full, &pre, &post, &rep].into_iter().enumerate() {
                sums[k] += test_accuracy(m, &test)? / repeats as f64;
                leaves[k] += m.n_leaves() as f64 / repeats as f64;
            }
        }
        let mut t3 = Table::new(
            &format!(
                "Wine quality, {repeats} random 60/20/20 splits: pruning chosen on validation, mean test accuracy"
            ),
            &["tree", "mean leaves", "mean test accuracy"],
        );
        let names = [
            "full tree",
            "pre-pruned (max depth)",
            "post-pruned (cost-complexity)",
            "post-pruned (reduced error)",
        ];
        for k in 0..4 {
            t3.row(vec![
                names[k].to_string(),
                format!("{:.1}", leaves[k]),
                f4(sums[k]),
            ]);
        }
        report.table(t3);
        report.claim(
            "Post-pruning is generally more effective than pre-pruning",
            sums[2].max(sums[3]) > sums[1],
            format!(
                "mean test accuracy: full {}, pre-pruned {}, cost-complexity {}, reduced-error {}",
                f4(sums[0]),
                f4(sums[1]),
                f4(sums[2]),
                f4(sums[3])
            ),
        );
        report.plot(
            Plot::new(
                "validation_vs_depth.svg",
                "Wine quality: validation accuracy against max depth",
                "max depth",
                "accuracy",
            )
            .with(Series::line("validation", depth_curve)),
        );

        // 5. A rendered tree on iris.
        let iris = data::iris();
        let small = DecisionTree::cart().with_max_depth(3).fit(&iris)?;
        report.note(format!(
            "CART on iris, depth 3:\n\n```text\n{}```",
            small.render(iris.feature_names(), iris.class_names())
        ));
        Ok(report)
    }
}
