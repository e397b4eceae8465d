//! Decision trees: ID3's information gain on the play-tennis table, gain ratio against an
//! ID-like attribute, Gini against entropy, pre- against post-pruning (on wine quality, and on
//! XOR-like data where the first split has no gain), a rendered tree.

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Predict, member_seed};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::metrics::accuracy;
use mlnotes::selection::HoldOut;
use mlnotes::tree::{Criterion, DecisionTree, FittedTree, Split, criterion};
use ndarray::{Array1, Array2, s};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{cv_accuracy, f4, mean_se_points};

/// Copies of the play-tennis table given a Day ID.
const COPIES: usize = 8;
/// Gini against entropy: 10-class nodes evaluated per round, rounds per timing (full, quick),
/// timings of each, and the least ratio of entropy's median time over Gini's.
const IMPURITY_NODES: usize = 1000;
const IMPURITY_ROUNDS: (usize, usize) = (200, 20);
const TIMING_REPEATS: usize = 7;
const MIN_SPEEDUP: f64 = 1.2;
/// Pruning on wine quality: random 60/20/20 splits (full, quick).
const PRUNING_SPLITS: (u64, u64) = (8, 3);
/// XOR-like data: uniform in [−1, 1]², class `(x₀ > 0) xor (x₁ > 0)` with this share of labels
/// flipped; training, validation and test rows; the pre-pruning threshold on a split's Gini
/// decrease; the test accuracy post-pruning must gain.
const XOR_NOISE: f64 = 0.1;
const XOR_TRAIN: usize = 400;
const XOR_VALIDATION: usize = 200;
const XOR_TEST: usize = 1000;
const MIN_GAIN: f64 = 0.02;
const XOR_MARGIN: f64 = 0.2;

/// The `decision-tree` experiment.
pub struct DecisionTreeExperiment;

impl Experiment for DecisionTreeExperiment {
    fn name(&self) -> &'static str {
        "decision-tree"
    }

    fn section(&self) -> &'static str {
        "Trees & Ensemble Learning: Decision Tree"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        play_tennis(&mut report)?;
        id_attribute(&mut report)?;
        gini_against_entropy(ctx, &mut report)?;
        pruning_on_wine(ctx, &mut report)?;
        pruning_on_xor(ctx, &mut report)?;
        // A rendered tree on iris.
        let iris = data::iris();
        let small = DecisionTree::cart().with_max_depth(3).fit(&iris)?;
        report.note(format!(
            "CART on iris, depth 3:\n\n```text\n{}```",
            small.render(iris.feature_names(), iris.class_names())
        ));
        Ok(report)
    }
}

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

/// A tree splitting every feature multiway on its values (ID3 / C4.5).
fn categorical_tree(criterion: Criterion, n_features: usize) -> DecisionTree {
    DecisionTree {
        categorical: (0..n_features).collect(),
        ..DecisionTree::new(criterion)
    }
}

/// The attribute tested at the root of a categorical tree, if it splits.
fn root_attribute(tree: &FittedTree<usize>) -> Option<usize> {
    match &tree.nodes()[0].split {
        Split::Category { feature, .. } => Some(*feature),
        _ => None,
    }
}

/// Accuracy of `model` on `d`.
fn test_accuracy(model: &impl Predict<usize>, d: &Dataset) -> Result<f64> {
    accuracy(d.targets().view(), model.predict(d.x())?.view())
}

/// The largest of `values` except the one at `skip`.
fn best_other(values: &[f64], skip: Option<usize>) -> f64 {
    values
        .iter()
        .enumerate()
        .filter(|&(j, _)| Some(j) != skip)
        .fold(f64::NEG_INFINITY, |m, (_, &v)| m.max(v))
}

/// 1. Play tennis: the splitting criteria per attribute, and ID3's tree (fixed data: one
///    deterministic measurement).
fn play_tennis(report: &mut Report) -> Result<()> {
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
        gains.push(criterion::information_gain(&c));
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
    let root = root_attribute(&id3);
    let root_name = root.map_or("none".into(), |j| tennis.feature_names()[j].clone());
    report.claim(
        "id3-largest-information-gain",
        "ID3 splits on the attribute with the largest information gain",
        Verdict::at_least(
            "information gain of ID3's root attribute − the largest gain of the others",
            root.map_or(f64::NAN, |j| gains[j]) - best_other(&gains, root),
            0.0,
        )
        .and(Verdict::at_most(
            "largest |information gain − Mitchell's published gain| over the four attributes",
            gains
                .iter()
                .zip(MITCHELL_GAINS)
                .map(|(g, published)| (g - published).abs())
                .fold(0.0, f64::max),
            PUBLISHED_ROUNDING,
        ))
        .with(format!("ID3's root tests {root_name}")),
    );
    Ok(())
}

/// The information gains of play tennis's Outlook, Temperature, Humidity and Wind as published
/// in Mitchell, *Machine Learning* (1997), table 3.2 / §3.4.2, to three decimals.
const MITCHELL_GAINS: [f64; 4] = [0.246, 0.029, 0.151, 0.048];
/// Three published decimals, truncated.
const PUBLISHED_ROUNDING: f64 = 1e-3;

/// 2. An ID-like attribute: information gain prefers it, gain ratio does not (fixed data).
fn id_attribute(report: &mut Report) -> Result<()> {
    let tennis = data::play_tennis();
    let n = COPIES * tennis.n_samples();
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
        Ok(root_attribute(&categorical_tree(c, 5).fit(&with_id)?)
            .map_or("none".into(), |j| names[j].clone()))
    };
    let (by_gain, by_ratio) = (
        root(Criterion::InformationGain)?,
        root(Criterion::GainRatio)?,
    );
    let id = 4;
    let (gain, ratio): (Vec<f64>, Vec<f64>) = (0..5)
        .map(|j| {
            let c = children(&with_id, j);
            (criterion::information_gain(&c), criterion::gain_ratio(&c))
        })
        .unzip();
    report.claim(
        "gain-ratio-ignores-ids",
        "Gain ratio (C4.5) does not prefer attributes with many unique values such as IDs",
        Verdict::at_least(
            &format!(
                "{COPIES} copies of play tennis with a Day ID ({n} values): information gain of Day − the largest of the others"
            ),
            gain[id] - best_other(&gain, Some(id)),
            0.0,
        )
        .and(Verdict::at_least(
            "the largest gain ratio of the others − gain ratio of Day",
            best_other(&ratio, Some(id)) - ratio[id],
            0.0,
        ))
        .and(Verdict::at_least(
            "C4.5's tree splits first on an attribute other than Day (1 yes, 0 no)",
            f64::from(u8::from(by_ratio != names[id])),
            1.0,
        ))
        .with(format!("ID3's root: {by_gain}, C4.5's root: {by_ratio}")),
    );
    Ok(())
}

/// 3. Gini against entropy: accuracy on the embedded sets (one fold seed, a table), fit
///    times, and the impurities alone timed over repeats.
fn gini_against_entropy(ctx: &Context, report: &mut Report) -> Result<()> {
    let mut t = Table::new(
        "Gini (CART) against entropy (information gain): 5-fold CV accuracy",
        &["data set", "Gini accuracy", "entropy accuracy"],
    );
    let mut t_time = Table::new(
        "Gini (CART) against entropy (information gain): time to fit the whole set",
        &["data set", "Gini fit ms", "entropy fit ms"],
    )
    .timed();
    let (mut fit_ms, mut max_gap) = ([0.0; 2], 0.0f64);
    let sets: Vec<(&str, Dataset)> = vec![
        ("iris", data::iris()),
        ("wine quality", data::wine()),
        ("breast cancer", data::breast_cancer()),
        ("digits", data::digits()),
    ];
    for (name, d) in &sets {
        let (mut acc, mut ms) = ([0.0; 2], [0.0; 2]);
        for (k, c) in [Criterion::Gini, Criterion::InformationGain]
            .into_iter()
            .enumerate()
        {
            acc[k] = cv_accuracy(&DecisionTree::new(c), d, ctx.seed)?;
            let start = Instant::now();
            DecisionTree::new(c).fit(d)?;
            ms[k] = start.elapsed().as_secs_f64() * 1e3;
            fit_ms[k] += ms[k];
        }
        max_gap = max_gap.max((acc[0] - acc[1]).abs());
        t.row(vec![name.to_string(), f4(acc[0]), f4(acc[1])]);
        t_time.row(vec![
            name.to_string(),
            format!("{:.2}", ms[0]),
            format!("{:.2}", ms[1]),
        ]);
    }
    report.table(t);
    report.table(t_time);
    // The impurities alone, on the 10-class counts of digits-sized nodes.
    let counts: Vec<Vec<f64>> = (0..IMPURITY_NODES)
        .map(|i| (0..10).map(|k| ((i * 7 + k * 13) % 50) as f64).collect())
        .collect();
    let rounds = ctx.size(IMPURITY_ROUNDS.0, IMPURITY_ROUNDS.1);
    let time = |f: fn(&[f64]) -> f64| {
        let start = Instant::now();
        let mut sink = 0.0;
        for _ in 0..rounds {
            for c in &counts {
                sink += f(std::hint::black_box(c));
            }
        }
        std::hint::black_box(sink);
        start.elapsed().as_secs_f64()
    };
    let (mut gini_s, mut entropy_s) = (vec![], vec![]);
    for _ in 0..TIMING_REPEATS {
        gini_s.push(time(criterion::gini));
        entropy_s.push(time(criterion::entropy));
    }
    let per_node = (IMPURITY_NODES * rounds) as f64;
    report.claim(
        "gini-faster-than-entropy",
        "Gini is often faster to compute than entropy (no logarithms)",
        Verdict::speedup(
            &format!("entropy / Gini over {per_node} 10-class nodes"),
            &entropy_s,
            &gini_s,
            MIN_SPEEDUP,
        )
        .with(format!(
            "whole fits (sorting dominates): Gini {} ms, entropy {} ms; CV accuracies differ by at most {}",
            num(fit_ms[0]),
            num(fit_ms[1]),
            num(max_gap)
        )),
    );
    Ok(())
}

/// `(x, y)` points of a curve.
type Points = Vec<(f64, f64)>;

/// The depth limit (1 to the full tree's depth) with the best validation accuracy, the tree
/// it grows on `train`, and the validation accuracy at every depth.
fn pre_pruned(
    train: &Dataset,
    val: &Dataset,
    full_depth: usize,
) -> Result<(FittedTree<usize>, Points)> {
    let mut best: Option<(f64, FittedTree<usize>)> = None;
    let mut curve = vec![];
    for depth in 1..=full_depth.max(1) {
        let tree = DecisionTree::cart().with_max_depth(depth).fit(train)?;
        let v = test_accuracy(&tree, val)?;
        curve.push((depth as f64, v));
        if best.as_ref().is_none_or(|b| v > b.0) {
            best = Some((v, tree));
        }
    }
    let (_, tree) = best.ok_or_else(|| mlnotes::Error::invalid("no depth to try"))?;
    Ok((tree, curve))
}

/// The full tree pruned by cost-complexity at the α of its pruning path with the best
/// validation accuracy (the smallest such α).
fn post_pruned(full: &FittedTree<usize>, val: &Dataset) -> Result<FittedTree<usize>> {
    let mut best = (f64::NEG_INFINITY, full.clone());
    for (alpha, _) in full.cost_complexity_path() {
        let mut m = full.clone();
        m.prune_cost_complexity(alpha);
        let v = test_accuracy(&m, val)?;
        if v > best.0 {
            best = (v, m);
        }
    }
    Ok(best.1)
}

/// 4. Pre- against post-pruning on wine quality: each tuned on a validation split, scored on
///    a test split, paired over random 60/20/20 splits.
fn pruning_on_wine(ctx: &Context, report: &mut Report) -> Result<()> {
    let d = data::wine();
    let labels = d.targets().to_vec();
    let splits = ctx.size(PRUNING_SPLITS.0, PRUNING_SPLITS.1);
    // accuracy[m][r] and leaves[m][r]: model m (full, pre, cost-complexity, reduced error)
    let (mut acc, mut leaves) = (vec![vec![]; 4], vec![vec![]; 4]);
    // depth_curves[r]: split r's validation accuracy at max depth 1, 2, ...
    let mut depth_curves: Vec<Vec<f64>> = vec![];
    for r in 0..splits {
        let split = HoldOut {
            train: 0.6,
            validation: 0.2,
            stratify: true,
            seed: ctx.seed.wrapping_add(r),
        }
        .split(d.n_samples(), Some(&labels))?;
        let (train, val, test) = (
            d.select(&split.train)?,
            d.select(&split.validation)?,
            d.select(&split.test)?,
        );
        let full = DecisionTree::cart().fit(&train)?;
        let (pre, curve) = pre_pruned(&train, &val, full.depth())?;
        depth_curves.push(curve.iter().map(|p| p.1).collect());
        let post = post_pruned(&full, &val)?;
        let mut reduced = full.clone();
        reduced.prune_reduced_error(&val)?;
        for (m, tree) in [&full, &pre, &post, &reduced].into_iter().enumerate() {
            acc[m].push(test_accuracy(tree, &test)?);
            leaves[m].push(tree.n_leaves() as f64);
        }
    }
    let mut t = Table::new(
        &format!(
            "Wine quality, {splits} random 60/20/20 splits: pruning chosen on validation, test accuracy (mean ± SE)"
        ),
        &["tree", "mean leaves", "test accuracy"],
    );
    let names = [
        "full tree",
        "pre-pruned (max depth)",
        "post-pruned (cost-complexity)",
        "post-pruned (reduced error)",
    ];
    for (m, name) in names.iter().enumerate() {
        let (mean, se) = mean_se(&acc[m]);
        t.row(vec![
            name.to_string(),
            format!("{:.1}", mean_se(&leaves[m]).0),
            format!("{} ± {}", f4(mean), f4(se.unwrap_or(0.0))),
        ]);
    }
    report.table(t);
    let reduced_gain: Vec<f64> = acc[3].iter().zip(&acc[1]).map(|(a, b)| a - b).collect();
    report.claim(
        "post-pruning-more-effective",
        "Post-pruning is generally more effective than pre-pruning",
        Verdict::paired_gain(
            "wine quality test accuracy, cost-complexity post-pruning − max-depth pre-pruning (each tuned on the validation split)",
            &acc[2],
            &acc[1],
            0.0,
        )
        .with(format!(
            "reduced-error post-pruning − pre-pruning: {}; full tree {}",
            num(mean_se(&reduced_gain).0),
            num(mean_se(&acc[0]).0)
        )),
    );
    // A limit at or beyond a split's full depth grows its full tree: each curve goes on at its
    // last value to the deepest split's depth.
    let deepest = depth_curves.iter().map(Vec::len).max().unwrap_or(0);
    for curve in &mut depth_curves {
        if let Some(&last) = curve.last() {
            curve.resize(deepest, last);
        }
    }
    let depths: Vec<f64> = (1..=deepest).map(|d| d as f64).collect();
    let (points, errors) = mean_se_points(&depths, &depth_curves);
    report.plot(
        Plot::new(
            "validation_vs_depth.svg",
            &format!(
                "Wine quality: validation accuracy against max depth (mean ± SE over {splits} splits)"
            ),
            "max depth",
            "validation accuracy",
        )
        .with(Series::line("validation", points).with_errors(errors)),
    );
    Ok(())
}

/// `n` points uniform in [−1, 1]², class `(x₀ > 0) xor (x₁ > 0)`, [`XOR_NOISE`] of the labels
/// flipped.
fn xor(n: usize, seed: u64) -> Result<Dataset> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, 2), |_| rng.random_range(-1.0..1.0));
    let y = Array1::from_shape_fn(n, |i| {
        let class = usize::from((x[[i, 0]] > 0.0) != (x[[i, 1]] > 0.0));
        if rng.random::<f64>() < XOR_NOISE {
            1 - class
        } else {
            class
        }
    });
    Dataset::classification(x, y)
}

/// The impurity decrease of a tree's first split (0 when the root is a leaf).
fn root_gain(tree: &FittedTree<usize>) -> f64 {
    let nodes = tree.nodes();
    let root = &nodes[0];
    let after: f64 = root
        .children()
        .iter()
        .map(|&c| nodes[c].weight / root.weight * nodes[c].impurity)
        .sum();
    if root.children().is_empty() {
        0.0
    } else {
        root.impurity - after
    }
}

/// 5. XOR-like data: no single split lowers the impurity, so a pre-pruning rule on the gain
///    stops at the root; the full tree finds the two splits that together separate the
///    classes, and post-pruning keeps them.
fn pruning_on_xor(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut first_gain, mut pre_acc, mut post_acc) = (vec![], vec![], vec![]);
    let (mut pre_leaves, mut post_leaves) = (vec![], vec![]);
    for seed in ctx.seeds() {
        let train = xor(XOR_TRAIN, member_seed(seed, 0))?;
        let val = xor(XOR_VALIDATION, member_seed(seed, 1))?;
        let test = xor(XOR_TEST, member_seed(seed, 2))?;
        let full = DecisionTree::cart().fit(&train)?;
        let pre = DecisionTree {
            min_impurity_decrease: MIN_GAIN,
            ..DecisionTree::cart()
        }
        .fit(&train)?;
        let post = post_pruned(&full, &val)?;
        first_gain.push(root_gain(&full));
        pre_acc.push(test_accuracy(&pre, &test)?);
        post_acc.push(test_accuracy(&post, &test)?);
        pre_leaves.push(pre.n_leaves() as f64);
        post_leaves.push(post.n_leaves() as f64);
    }
    report.metric("xor_post_pruned_accuracy", mean_se(&post_acc).0);
    report.claim(
        "pre-pruning-stops-too-early-on-xor",
        "Post-pruning is generally more effective as it avoids premature stopping: on XOR-like data the first split has no gain, so pre-pruning stops at the root",
        Verdict::mean_below(
            "Gini decrease of the best first split on XOR-like data",
            &first_gain,
            MIN_GAIN,
        )
        .and(Verdict::paired_gain(
            &format!(
                "test accuracy, full tree + cost-complexity pruning − pre-pruning (minimum Gini decrease {MIN_GAIN})"
            ),
            &post_acc,
            &pre_acc,
            XOR_MARGIN,
        ))
        .with(format!(
            "mean leaves: pre-pruned {}, post-pruned {}; test accuracy: pre-pruned {}, post-pruned {}",
            num(mean_se(&pre_leaves).0),
            num(mean_se(&post_leaves).0),
            num(mean_se(&pre_acc).0),
            num(mean_se(&post_acc).0)
        )),
    );
    Ok(())
}
