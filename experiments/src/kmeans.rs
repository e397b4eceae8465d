//! K-means: random restarts against local optima, the cost J after every iteration, choosing K
//! by the elbow and the silhouette (and a real data set without a clear elbow), and the notes'
//! limitations: non-spherical clusters (concentric circles), clusters of different densities,
//! and outliers. Every verdict is taken over repeats: new data and new initialisations each.

use mlnotes::cluster::{FittedKMeans, KMeans, KMeansInit, elbow};
use mlnotes::data::{self, generate};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, FitFeatures, Transform, member_seed};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::metrics::{adjusted_rand_index, silhouette_score};
use mlnotes::preprocess::Scaler;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, array, concatenate};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::{f4, mean_std};

/// Blobs per side of the 3 x 3 grid of the restart and iteration runs.
const GRID_SIDE: usize = 3;
/// Distance between neighbouring blob centres of the grid.
const GRID_SPACING: f64 = 6.0;
/// A single run is stuck in a local optimum when its J exceeds the 10-restart J by this share.
const STUCK_EXCESS: f64 = 0.05;
/// Sensitivity to initialisation: at least this share of single runs end stuck.
const MIN_STUCK_SHARE: f64 = 0.2;
/// Restarts fix it: the 10-restart J lies within this share of the best J found.
const RESTART_EXCESS: f64 = 0.01;
/// The K values of the elbow curves.
const MAX_K: usize = 8;
/// The elbow and the silhouette must find the true K in at least this share of the seeds.
const MIN_HIT_SHARE: f64 = 0.8;
/// A clear elbow: the blobs' bend strength must exceed the real data's this many times.
const BEND_RATIO: f64 = 3.0;
/// Iterations followed one by one (a run that converges earlier stops there).
const MAX_TRACKED_ITER: usize = 40;
/// Two clusters of different densities: centres this far apart ...
const DENSITY_GAP: f64 = 5.0;
/// ... one dense (this standard deviation) ...
const DENSE_STD: f64 = 0.5;
/// ... and one sparse; the equal-density control gives both [`EQUAL_STD`].
const SPARSE_STD: f64 = 2.5;
/// Spread of both clusters of the equal-density control.
const EQUAL_STD: f64 = 1.0;
/// Different densities must cost k-means at least this much adjusted Rand index.
const DENSITY_MARGIN: f64 = 0.2;
/// One outlier must cost k-means at least this much adjusted Rand index.
const OUTLIER_MARGIN: f64 = 0.5;

/// The `kmeans` experiment.
pub struct KMeansExperiment;

/// Centres of the 3 x 3 grid of blobs.
fn grid_centers() -> Array2<f64> {
    Array2::from_shape_fn((GRID_SIDE * GRID_SIDE, 2), |(i, j)| {
        if j == 0 {
            (i % GRID_SIDE) as f64 * GRID_SPACING
        } else {
            (i / GRID_SIDE) as f64 * GRID_SPACING
        }
    })
}

/// Mean of repeated measurements.
fn mean(v: &[f64]) -> f64 {
    mean_se(v).0
}

/// Random restarts on 9 blobs: each repeat draws new data, then one random initialisation and
/// ten more, from independent seeds.
fn restarts(ctx: &Context, report: &mut Report) -> Result<()> {
    let repeats = ctx.size(40, 10);
    let centers = grid_centers();
    let k = centers.nrows();
    let (mut one, mut ten) = (vec![], vec![]);
    let bar = ctx.progress(repeats as u64, "restarts");
    for r in 0..repeats as u64 {
        let seed = member_seed(ctx.seed, r);
        let grid = generate::blobs(ctx.size(900, 450), &centers, 1.0, seed)?;
        let random = |n_restarts: usize, stream: u64| {
            KMeans::new(k)
                .with_init(KMeansInit::Random, n_restarts)
                .with_seed(member_seed(seed, stream))
        };
        one.push(random(1, 1).fit(&grid)?.cost);
        ten.push(random(10, 2).fit(&grid)?.cost);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let ((m1, s1), (m10, s10)) = (mean_std(&one), mean_std(&ten));
    let mut t = Table::new(
        &format!(
            "Cost J over {repeats} repeats (new data and independent initialisations each), 9 blobs, random initialisation"
        ),
        &["restarts", "mean J", "std of J", "min J", "max J"],
    );
    for (name, v, m, s) in [("1", &one, m1, s1), ("10 (keep lowest J)", &ten, m10, s10)] {
        t.row(vec![
            name.into(),
            f4(m),
            f4(s),
            f4(v.iter().copied().fold(f64::INFINITY, f64::min)),
            f4(v.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        ]);
    }
    report.table(t);
    let stuck: Vec<bool> = one
        .iter()
        .zip(&ten)
        .map(|(a, b)| *a > (1.0 + STUCK_EXCESS) * b)
        .collect();
    let excess: Vec<f64> = one
        .iter()
        .zip(&ten)
        .map(|(a, b)| b / a.min(*b) - 1.0)
        .collect();
    report.claim(
        "random-restarts",
        "K-means is sensitive to initialisation (local optima); random restarts fix it",
        Verdict::share(
            &format!(
                "one random initialisation ends more than {:.0}% above the 10-restart J on the same data (a local optimum)",
                100.0 * STUCK_EXCESS
            ),
            &stuck,
            MIN_STUCK_SHARE,
        )
        .and(Verdict::paired_gain(
            "J: 1 restart − 10 restarts (independent seeds)",
            &one,
            &ten,
            0.0,
        ))
        .and(Verdict::mean_below(
            "excess of the 10-restart J over the lowest J found on the same data",
            &excess,
            RESTART_EXCESS,
        ))
        .with(format!(
            "std of J over repeats: {} with 1 restart, {} with 10",
            num(s1),
            num(s10)
        )),
    );
    let sorted = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v.into_iter()
            .enumerate()
            .map(|(i, c)| (i as f64, c))
            .collect()
    };
    report.plot(
        Plot::new(
            "restarts.svg",
            "Final cost J per repeat, 9 blobs (sorted)",
            "repeat (rank by J)",
            "J (mean squared distance to centroid)",
        )
        .with(Series::points("1 restart", sorted(&one)))
        .with(Series::points("10 restarts", sorted(&ten))),
    );
    Ok(())
}

/// Largest squared distance between a centroid and the mean of the points assigned to it.
fn centroid_gap(run: &FittedKMeans, x: ArrayView2<f64>) -> f64 {
    let k = run.centroids.nrows();
    let mut sums = Array2::<f64>::zeros((k, x.ncols()));
    let mut counts = vec![0usize; k];
    for (row, &l) in x.rows().into_iter().zip(&run.labels) {
        sums.row_mut(l).scaled_add(1.0, &row);
        counts[l] += 1;
    }
    (0..k)
        .filter(|&j| counts[j] > 0)
        .map(|j| {
            let mean = sums.row(j).mapv(|v| v / counts[j] as f64);
            (&mean - &run.centroids.row(j)).mapv(|v| v * v).sum()
        })
        .fold(0.0, f64::max)
}

/// The cost J after every assign/update round (a run capped at `t` rounds for t = 1, 2, …,
/// from the same initialisation), and the converged run's fixed point.
fn cost_per_iteration(ctx: &Context, report: &mut Report) -> Result<()> {
    let centers = grid_centers();
    let (mut never_rose, mut rises, mut lengths, mut fixed) = (vec![], vec![], vec![], vec![]);
    let mut plot = Plot::new(
        "cost_per_iteration.svg",
        "J after each assign/update round (9 blobs, one random initialisation per seed)",
        "assign/update round",
        "J (mean squared distance to centroid)",
    );
    for s in ctx.seeds() {
        let grid = generate::blobs(ctx.size(900, 450), &centers, 1.0, member_seed(s, 3))?;
        let params = KMeans::new(centers.nrows())
            .with_init(KMeansInit::Random, 1)
            .with_seed(s);
        let mut costs = Vec::new();
        for t in 1..=MAX_TRACKED_ITER {
            let run = KMeans {
                max_iter: t,
                ..params
            }
            .fit(&grid)?;
            costs.push(run.cost);
            if run.converged {
                break;
            }
        }
        // The largest rise of J from one round to the next (0 when it only fell).
        let rise = costs.windows(2).map(|w| w[1] - w[0]).fold(0.0f64, f64::max);
        never_rose.push(rise <= 1e-12 * costs[0]);
        rises.push(rise);
        lengths.push(costs.len());
        plot = plot.with(Series::line(
            &format!("seed {s}"),
            costs
                .iter()
                .enumerate()
                .map(|(i, &c)| ((i + 1) as f64, c))
                .collect(),
        ));
        // Convergence: the default cap; the centroids must sit at the means of their points.
        let run = params.fit(&grid)?;
        let mean_var = grid.x().var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
        fixed.push(run.converged && centroid_gap(&run, grid.x()) <= params.tol * mean_var);
    }
    report.plot(plot);
    report.claim(
        "cost-never-increases",
        "Optimization objective: minimize J; each assign and update step can only lower it (J never increases)",
        Verdict::share(
            "J never rose from one round to the next (by more than 1e-12 of J after round 1)",
            &never_rose,
            1.0,
        )
        .with(format!(
            "largest rise per seed: {}; rounds followed per seed: {lengths:?}",
            rises.iter().map(|&r| num(r)).collect::<Vec<_>>().join(", ")
        )),
    );
    report.claim(
        "lloyd-converges",
        "Repeat steps 2-3 until convergence (centroids stop moving)",
        Verdict::share(
            &format!(
                "the run stopped before its {}-round cap with every centroid at the mean of its points (squared gap ≤ tol × mean feature variance)",
                KMeans::new(1).max_iter
            ),
            &fixed,
            1.0,
        ),
    );
    Ok(())
}

/// The K of the largest bend: the point of the normalised curve farthest below the chord from
/// its first to its last point.
fn chord_elbow(curve: &[(usize, f64)]) -> usize {
    let (j_first, j_last) = (curve[0].1, curve[curve.len() - 1].1);
    let span = (curve.len() - 1) as f64;
    curve
        .iter()
        .enumerate()
        .map(|(i, &(k, j))| {
            let x = i as f64 / span;
            let y = (j - j_last) / (j_first - j_last);
            (k, (1.0 - x) - y)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(0, |p| p.0)
}

/// Bend strength of an elbow curve: the largest ratio of the drop of J into a K to the drop
/// out of it, `(J(K−1) − J(K)) / (J(K) − J(K+1))` ("the marginal gain drops significantly").
fn bend_strength(curve: &[(usize, f64)]) -> f64 {
    let drops: Vec<f64> = curve.windows(2).map(|w| w[0].1 - w[1].1).collect();
    let floor = 1e-12 * curve[0].1.abs().max(f64::MIN_POSITIVE);
    drops
        .windows(2)
        .map(|d| d[0] / d[1].max(floor))
        .fold(0.0, f64::max)
}

/// Share of the wines drawn (without replacement) for each seed, in percent.
const WINE_SHARE_PERCENT: usize = 80;

/// Choosing K: on 4 well-separated blobs (new data each seed) the elbow and the silhouette
/// find K = 4; a real data set (wine quality, standardised, a random 80% of the wines per seed)
/// has a much weaker bend.
fn choosing_k(ctx: &Context, report: &mut Report) -> Result<()> {
    let four_centers = array![[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]];
    let wine = data::wine();
    let wine_x = Scaler::standardization().fit(&wine)?.transform(wine.x())?;
    let ks: Vec<usize> = (1..=MAX_K).collect();
    let (mut elbow_ks, mut sil_ks, mut ln_bend_blobs, mut ln_bend_wine) =
        (vec![], vec![], vec![], vec![]);
    for (i, s) in ctx.seeds().into_iter().enumerate() {
        let four = generate::blobs(ctx.size(400, 200), &four_centers, 1.2, member_seed(s, 1))?;
        let params = KMeans::new(1).with_seed(s).with_engine(ctx.engine);
        let curve = elbow(&params, four.x(), &ks)?;
        // Fewer restarts on the larger real data set in quick mode.
        let wine_params = KMeans {
            n_restarts: ctx.size(10, 3),
            ..params
        };
        // a random subset of the wines per seed (without replacement: repeated rows would let
        // J drop to exactly nothing between two K), so that the seeds are different draws
        let mut rng = StdRng::seed_from_u64(member_seed(s, 2));
        let mut rows: Vec<usize> = (0..wine_x.nrows()).collect();
        rows.shuffle(&mut rng);
        rows.truncate(wine_x.nrows() * WINE_SHARE_PERCENT / 100);
        let wine_curve = elbow(&wine_params, wine_x.select(Axis(0), &rows).view(), &ks)?;
        let sil: Vec<(usize, f64)> = (2..=MAX_K)
            .map(|k| {
                let labels = KMeans { k, ..params }.fit(&four)?.labels;
                Ok((k, silhouette_score(four.x(), labels.view())?))
            })
            .collect::<Result<_>>()?;
        elbow_ks.push(chord_elbow(&curve));
        sil_ks.push(
            sil.iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(0, |p| p.0),
        );
        ln_bend_blobs.push(bend_strength(&curve).ln());
        ln_bend_wine.push(bend_strength(&wine_curve).ln());
        if i > 0 {
            continue;
        }
        // Tables and plots of the first seed.
        let mut t2 = Table::new(
            "Choosing K (first seed): 4 blobs, and wine quality (standardised)",
            &[
                "K",
                "J (4 blobs)",
                "silhouette (4 blobs)",
                "J (wine quality)",
            ],
        );
        for ((k, j), (_, jw)) in curve.iter().zip(&wine_curve) {
            t2.row(vec![
                k.to_string(),
                f4(*j),
                sil.iter()
                    .find(|s| s.0 == *k)
                    .map_or("-".into(), |s| f4(s.1)),
                f4(*jw),
            ]);
        }
        report.table(t2);
        report.plot(
            Plot::new(
                "elbow.svg",
                "Elbow: J against K (4 blobs, first seed)",
                "clusters K",
                "J (mean squared distance to centroid)",
            )
            .with(Series::line(
                "J",
                curve.iter().map(|&(k, j)| (k as f64, j)).collect(),
            )),
        );
        report.plot(
            Plot::new(
                "silhouette.svg",
                "Mean silhouette against K (4 blobs, first seed)",
                "clusters K",
                "mean silhouette coefficient",
            )
            .with(Series::line(
                "silhouette",
                sil.iter().map(|&(k, s)| (k as f64, s)).collect(),
            )),
        );
        let relative =
            |c: &[(usize, f64)]| c.iter().map(|&(k, j)| (k as f64, j / c[0].1)).collect();
        report.plot(
            Plot::new(
                "elbow_real_data.svg",
                "J / J(K = 1) against K: 4 blobs and wine quality (first seed)",
                "clusters K",
                "J / J(K = 1)",
            )
            .with(Series::line("4 blobs", relative(&curve)))
            .with(Series::line(
                "wine quality (standardised)",
                relative(&wine_curve),
            )),
        );
    }
    let hits = |found: &[usize]| -> Vec<bool> { found.iter().map(|&k| k == 4).collect() };
    report.claim(
        "elbow",
        "Elbow method: the cost J flattens after the true K",
        Verdict::share(
            "the largest bend of J (farthest below the chord) at the true K = 4",
            &hits(&elbow_ks),
            MIN_HIT_SHARE,
        )
        .with(format!("bend at K = {elbow_ks:?} per seed")),
    );
    report.claim(
        "silhouette",
        "Silhouette analysis: the highest mean silhouette marks a good K",
        Verdict::share(
            "the highest mean silhouette at the true K = 4",
            &hits(&sil_ks),
            MIN_HIT_SHARE,
        )
        .with(format!("best silhouette at K = {sil_ks:?} per seed")),
    );
    report.claim(
        "elbow-real-data",
        "Real-world data often lacks a clear elbow",
        Verdict::paired_gain(
            "ln bend strength: 4 blobs − wine quality",
            &ln_bend_blobs,
            &ln_bend_wine,
            BEND_RATIO.ln(),
        )
        .with(format!(
            "bend strength = largest (J(K−1) − J(K)) / (J(K) − J(K+1)); mean {} on 4 blobs, {} on wine quality (a random 80% of the 1599 wines per seed, 11 standardised features)",
            num(mean(&ln_bend_blobs.iter().map(|v| v.exp()).collect::<Vec<_>>())),
            num(mean(&ln_bend_wine.iter().map(|v| v.exp()).collect::<Vec<_>>()))
        )),
    );
    Ok(())
}

/// Two Gaussian clusters of `n` points each around (0, 0) and ([`DENSITY_GAP`], 0).
struct TwoClusters {
    /// The points.
    x: Array2<f64>,
    /// The cluster each was drawn from.
    labels: Array1<usize>,
    /// The Bayes rule that knows both densities: what any method could at best recover.
    bayes: Array1<usize>,
}

/// [`TwoClusters`] with spreads `std_a` and `std_b`.
fn two_clusters(n: usize, std_a: f64, std_b: f64, seed: u64) -> Result<TwoClusters> {
    let a = generate::blobs(n, &array![[0.0, 0.0]], std_a, member_seed(seed, 0))?;
    let b = generate::blobs(n, &array![[DENSITY_GAP, 0.0]], std_b, member_seed(seed, 1))?;
    let x = concatenate(Axis(0), &[a.x(), b.x()]).map_err(|e| Error::invalid(e.to_string()))?;
    let labels: Array1<usize> = (0..2 * n).map(|i| usize::from(i >= n)).collect();
    let log_density = |r: ArrayView1<f64>, cx: f64, std: f64| {
        -((r[0] - cx).powi(2) + r[1].powi(2)) / (2.0 * std * std) - 2.0 * std.ln()
    };
    let bayes: Array1<usize> = x
        .rows()
        .into_iter()
        .map(|r| usize::from(log_density(r, DENSITY_GAP, std_b) > log_density(r, 0.0, std_a)))
        .collect();
    Ok(TwoClusters { x, labels, bayes })
}

/// `best[i] − reached[i]`: how far a method falls short of the best possible, seed by seed.
fn shortfall(best: &[f64], reached: &[f64]) -> Vec<f64> {
    best.iter().zip(reached).map(|(b, r)| b - r).collect()
}

/// The notes' limitations, each over seeds: concentric circles, different densities, one
/// outlier.
fn limitations(ctx: &Context, report: &mut Report) -> Result<()> {
    let (mut circles_ari, mut unequal, mut equal, mut bayes_unequal, mut bayes_equal) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut clean, mut dirty) = (vec![], vec![]);
    for s in ctx.seeds() {
        let two_means = KMeans::new(2).with_seed(s).with_engine(ctx.engine);
        // Concentric circles: not spherical, so k-means cuts across them.
        let circles = generate::circles(ctx.size(400, 200), 0.03, 0.4, member_seed(s, 4))?;
        let cut = two_means.fit(&circles)?.labels;
        circles_ari.push(adjusted_rand_index(circles.targets().view(), cut.view())?);
        // A dense and a sparse cluster, against two of equal spread, equally separable.
        let n = ctx.size(300, 150);
        for (std_a, std_b, km, bayes) in [
            (DENSE_STD, SPARSE_STD, &mut unequal, &mut bayes_unequal),
            (EQUAL_STD, EQUAL_STD, &mut equal, &mut bayes_equal),
        ] {
            let c = two_clusters(n, std_a, std_b, member_seed(s, 5))?;
            let labels = two_means.fit_features(c.x.view())?.labels;
            km.push(adjusted_rand_index(c.labels.view(), labels.view())?);
            bayes.push(adjusted_rand_index(c.labels.view(), c.bayes.view())?);
        }
        // One far outlier.
        let two = generate::blobs(
            ctx.size(200, 100),
            &array![[0.0, 0.0], [6.0, 0.0]],
            1.0,
            member_seed(s, 6),
        )?;
        let with_outlier = concatenate(Axis(0), &[two.x(), array![[60.0, 60.0]].view()])
            .map_err(|e| Error::invalid(e.to_string()))?;
        let outlier_labels = two_means.fit_features(with_outlier.view())?.labels;
        let kept = outlier_labels
            .slice(ndarray::s![..two.n_samples()])
            .to_owned();
        clean.push(adjusted_rand_index(
            two.targets().view(),
            two_means.fit(&two)?.labels.view(),
        )?);
        dirty.push(adjusted_rand_index(two.targets().view(), kept.view())?);
    }
    report.metric("circles_ari", mean(&circles_ari));
    report.claim(
        "spherical-clusters",
        "K-means assumes spherical clusters and fails on concentric circles",
        Verdict::mean_below(
            "adjusted Rand index against the true rings",
            &circles_ari,
            0.2,
        ),
    );
    report.claim(
        "similar-density",
        "K-means assumes clusters of similar density",
        Verdict::paired_gain(
            "how far k-means falls short of the Bayes rule that knows the densities (adjusted Rand index): different − equal densities",
            &shortfall(&bayes_unequal, &unequal),
            &shortfall(&bayes_equal, &equal),
            DENSITY_MARGIN,
        )
        .with(format!(
            "centres {DENSITY_GAP} apart; spreads {DENSE_STD} and {SPARSE_STD} against {EQUAL_STD} and {EQUAL_STD}; k-means reaches {} and {}, the Bayes rule {} and {}",
            num(mean(&unequal)),
            num(mean(&equal)),
            num(mean(&bayes_unequal)),
            num(mean(&bayes_equal))
        )),
    );
    report.claim(
        "outliers",
        "K-means is sensitive to outliers",
        Verdict::paired_gain(
            "adjusted Rand index on two blobs: without − with one outlier at (60, 60)",
            &clean,
            &dirty,
            OUTLIER_MARGIN,
        ),
    );
    Ok(())
}

impl Experiment for KMeansExperiment {
    fn name(&self) -> &'static str {
        "kmeans"
    }

    fn section(&self) -> &'static str {
        "K-Means Clustering"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        // 1. Random restarts against local optima.
        restarts(ctx, &mut report)?;
        // 2. The cost after every iteration, and convergence.
        cost_per_iteration(ctx, &mut report)?;
        // 3. Choosing K: elbow, silhouette, and a real data set.
        choosing_k(ctx, &mut report)?;
        // 4. Limitations: shape, density, outliers.
        limitations(ctx, &mut report)?;
        Ok(report)
    }
}
