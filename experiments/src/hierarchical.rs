//! Hierarchical clustering: single linkage follows chain-like (elongated) clusters where
//! complete and average linkage do not, and for the same reason chains two blobs into one
//! through a thin bridge of points; the dendrogram of iris; agglomerative against divisive
//! clustering. Every comparison is repeated over seeds (new data, or new divisive splits).

use mlnotes::cluster::{Agglomerative, Divisive, Linkage};
use mlnotes::data::{self, generate};
use mlnotes::estimator::{Fit, FitFeatures, Transform, member_seed};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Table, Verdict, mean_se, num};
use mlnotes::metrics::adjusted_rand_index;
use mlnotes::preprocess::Scaler;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, Axis, array, concatenate, s};

use crate::f4;

/// The linkages compared, in table order.
const LINKAGES: [(&str, Linkage); 3] = [
    ("single", Linkage::Single),
    ("complete", Linkage::Complete),
    ("average", Linkage::Average),
];
/// Noise of the two moons.
const MOONS_NOISE: f64 = 0.05;
/// On two moons, single linkage must beat each other linkage's ARI by this much.
const MOONS_MARGIN: f64 = 0.2;
/// Distance between the two blob centres of the bridge data.
const BRIDGE_GAP: f64 = 10.0;
/// Spacing of the bridge's points along the line between the blobs.
const BRIDGE_STEP: f64 = 0.5;
/// Distance from each blob centre to the bridge's first point.
const BRIDGE_OFFSET: f64 = 2.0;
/// Points of the two blobs of the bridge data together.
const BRIDGE_BLOB_POINTS: usize = 200;
/// On the bridge data, each other linkage must beat single linkage's ARI by this much.
const CHAIN_MARGIN: f64 = 0.5;
/// Agglomerative and divisive cuts count as comparable above this ARI.
const COMPARABLE_ARI: f64 = 0.5;

/// The `hierarchical` experiment.
pub struct Hierarchical;

/// Mean of repeated measurements.
fn mean(v: &[f64]) -> f64 {
    mean_se(v).0
}

/// The ARI of each linkage's 2-cluster cut of `x` against `truth` (on the first
/// `truth.len()` rows), in [`LINKAGES`] order.
fn linkage_aris(x: &Array2<f64>, truth: &Array1<usize>) -> Result<Vec<f64>> {
    LINKAGES
        .iter()
        .map(|&(_, l)| {
            let labels = Agglomerative::new(l).fit_features(x.view())?.cut_k(2)?;
            let kept = labels.slice(s![..truth.len()]).to_owned();
            adjusted_rand_index(truth.view(), kept.view())
        })
        .collect()
}

/// The ARIs of each linkage over the seeds, in [`LINKAGES`] order.
fn by_linkage(per_seed: &[Vec<f64>]) -> Vec<Vec<f64>> {
    (0..LINKAGES.len())
        .map(|l| per_seed.iter().map(|a| a[l]).collect())
        .collect()
}

/// Two blobs joined by a thin line of points.
struct Bridged {
    /// The blobs' points, then the bridge's.
    x: Array2<f64>,
    /// The blob of each blob point (the bridge's points have no true cluster).
    blob: Array1<usize>,
}

/// [`Bridged`] blobs of `n` points in all, drawn with `seed`.
fn bridged_blobs(n: usize, seed: u64) -> Result<Bridged> {
    let blobs = generate::blobs(n, &array![[0.0, 0.0], [BRIDGE_GAP, 0.0]], 1.0, seed)?;
    let steps = ((BRIDGE_GAP - 2.0 * BRIDGE_OFFSET) / BRIDGE_STEP).round() as usize;
    let bridge = Array2::from_shape_fn((steps + 1, 2), |(i, j)| {
        if j == 0 {
            BRIDGE_OFFSET + i as f64 * BRIDGE_STEP
        } else {
            0.0
        }
    });
    let x = concatenate(Axis(0), &[blobs.x(), bridge.view()])
        .map_err(|e| Error::invalid(e.to_string()))?;
    Ok(Bridged {
        x,
        blob: blobs.targets().clone(),
    })
}

/// Single linkage against complete and average linkage, over seeds: it follows two moons, and
/// chains two blobs through a bridge.
fn chaining(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut moons_aris, mut bridge_aris) = (vec![], vec![]);
    for s in ctx.seeds() {
        let moons = generate::moons(ctx.size(300, 150), MOONS_NOISE, member_seed(s, 0))?;
        moons_aris.push(linkage_aris(moons.features(), moons.targets())?);
        let b = bridged_blobs(BRIDGE_BLOB_POINTS, member_seed(s, 1))?;
        bridge_aris.push(linkage_aris(&b.x, &b.blob)?);
    }
    let (moons, bridge) = (by_linkage(&moons_aris), by_linkage(&bridge_aris));
    let mut t = Table::new(
        &format!(
            "Cut into 2 clusters: adjusted Rand index against the truth, mean over {} seeds",
            moons_aris.len()
        ),
        &[
            "linkage",
            "two moons",
            "two blobs joined by a bridge (blob points)",
        ],
    );
    for (l, (name, _)) in LINKAGES.iter().enumerate() {
        t.row(vec![
            name.to_string(),
            f4(mean(&moons[l])),
            f4(mean(&bridge[l])),
        ]);
    }
    report.table(t);
    report.claim(
        "single-linkage-follows-elongated",
        "Single linkage can result in long, chain-like clusters: it follows elongated shapes (two moons)",
        Verdict::paired_gain(
            "ARI on two moons: single − complete linkage",
            &moons[0],
            &moons[1],
            MOONS_MARGIN,
        )
        .and(Verdict::paired_gain(
            "ARI on two moons: single − average linkage",
            &moons[0],
            &moons[2],
            MOONS_MARGIN,
        )),
    );
    report.claim(
        "single-linkage-chains",
        "Single linkage can result in long, chain-like clusters: a thin bridge of points chains two blobs into one",
        Verdict::paired_gain(
            "ARI on the blobs: complete − single linkage",
            &bridge[1],
            &bridge[0],
            CHAIN_MARGIN,
        )
        .and(Verdict::paired_gain(
            "ARI on the blobs: average − single linkage",
            &bridge[2],
            &bridge[0],
            CHAIN_MARGIN,
        ))
        .with(format!(
            "blobs of std 1, {BRIDGE_GAP} apart, bridged by points every {BRIDGE_STEP}; mean ARI of single linkage {}",
            num(mean(&bridge[0]))
        )),
    );
    Ok(())
}

/// The dendrograms of standardised iris, and agglomerative against divisive clustering (the
/// divisive splits re-seeded each time).
fn iris_hierarchies(ctx: &Context, report: &mut Report) -> Result<()> {
    let iris = data::iris();
    let x = Scaler::standardization().fit(&iris)?.transform(iris.x())?;
    let mut t2 = Table::new(
        "Iris (standardised) cut into 3 clusters: adjusted Rand index against the species",
        &["method", "ARI"],
    );
    let mut cuts = Vec::new();
    for (name, l) in LINKAGES {
        let tree = Agglomerative::new(l).fit_features(x.view())?;
        let labels = tree.cut_k(3)?;
        t2.row(vec![
            format!("agglomerative, {name} linkage"),
            f4(adjusted_rand_index(iris.targets().view(), labels.view())?),
        ]);
        report.plot(Plot::dendrogram(
            &tree,
            &format!("dendrogram_iris_{name}.svg"),
            &format!("Iris dendrogram, {name} linkage"),
        ));
        cuts.push(labels);
    }
    let mut agree = Vec::new();
    for (i, s) in ctx.seeds().into_iter().enumerate() {
        let top_down = Divisive::new(3).with_seed(s).fit_features(x.view())?.labels;
        if i == 0 {
            t2.row(vec![
                "divisive (bisecting k-means, first seed)".into(),
                f4(adjusted_rand_index(iris.targets().view(), top_down.view())?),
            ]);
        }
        agree.push(adjusted_rand_index(cuts[2].view(), top_down.view())?);
    }
    report.table(t2);
    report.metric("agglomerative_divisive_ari", mean(&agree));
    report.claim(
        "agglomerative-divisive-comparable",
        "Agglomerative (bottom-up) and divisive (top-down) clustering build comparable hierarchies",
        Verdict::mean_above(
            "ARI between the 3-cluster cuts of average-linkage agglomerative and divisive clustering",
            &agree,
            COMPARABLE_ARI,
        ),
    );
    Ok(())
}

impl Experiment for Hierarchical {
    fn name(&self) -> &'static str {
        "hierarchical"
    }

    fn section(&self) -> &'static str {
        "Hierarchical Clustering"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        // 1. Chaining: two moons, and two blobs joined by a bridge.
        chaining(ctx, &mut report)?;
        // 2. The dendrogram of iris; agglomerative against divisive.
        iris_hierarchies(ctx, &mut report)?;
        Ok(report)
    }
}
