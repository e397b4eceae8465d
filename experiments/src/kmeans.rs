//! K-means: random restarts against local optima, choosing K by the elbow and the silhouette,
//! and the notes' limitations: non-spherical clusters (concentric circles) and outliers.

use mlnotes::cluster::{KMeans, KMeansInit, elbow};
use mlnotes::data::generate;
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, FitFeatures};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::metrics::{adjusted_rand_index, silhouette_score};
use mlnotes::{Error, Result};
use ndarray::{Array2, Axis, array, concatenate};

use crate::{f4, mean_std};

/// The `kmeans` experiment.
pub struct KMeansExperiment;

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

        // 1. Random restarts: 9 blobs on a grid, random initialisation.
        let centers = Array2::from_shape_fn((9, 2), |(i, j)| {
            if j == 0 {
                (i % 3) as f64 * 6.0
            } else {
                (i / 3) as f64 * 6.0
            }
        });
        let grid = generate::blobs(ctx.size(900, 450), &centers, 1.0, ctx.seed)?;
        let seeds = ctx.size(40, 10) as u64;
        let (mut one, mut ten) = (vec![], vec![]);
        let bar = ctx.progress(seeds, "restarts");
        for s in 0..seeds {
            let base = KMeans::new(9)
                .with_init(KMeansInit::Random, 1)
                .with_seed(ctx.seed.wrapping_mul(1000).wrapping_add(s));
            one.push(base.fit(&grid)?.cost);
            ten.push(
                KMeans {
                    n_restarts: 10,
                    ..base
                }
                .fit(&grid)?
                .cost,
            );
            bar.inc(1);
        }
        bar.finish_and_clear();
        let ((m1, s1), (m10, s10)) = (mean_std(&one), mean_std(&ten));
        let mut t = Table::new(
            &format!("Cost J over {seeds} seeds, 9 blobs, random initialisation"),
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
        report.claim(
            "K-means is sensitive to initialisation (local optima); random restarts fix it",
            m10 < m1 && s10 < s1,
            format!(
                "mean J {} → {}, std {} → {} with 10 restarts",
                f4(m1),
                f4(m10),
                f4(s1),
                f4(s10)
            ),
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
                "Final cost per seed (sorted)",
                "seed rank",
                "J",
            )
            .with(Series::points("1 restart", sorted(&one)))
            .with(Series::points("10 restarts", sorted(&ten))),
        );

        // 2. Choosing K on 4 blobs: the elbow of J and the silhouette.
        let four = generate::blobs(
            ctx.size(400, 200),
            &array![[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]],
            1.2,
            ctx.seed.wrapping_add(1),
        )?;
        let ks: Vec<usize> = (1..=8).collect();
        let curve = elbow(
            &KMeans::new(1).with_seed(ctx.seed).with_engine(ctx.engine),
            four.x(),
            &ks,
        )?;
        // elbow: the point of the (normalised) curve farthest below the chord from first to last
        let (j_first, j_last) = (curve[0].1, curve[curve.len() - 1].1);
        let elbow_k = curve
            .iter()
            .map(|&(k, j)| {
                let x = (k - 1) as f64 / (ks.len() - 1) as f64;
                let y = (j - j_last) / (j_first - j_last);
                (k, (1.0 - x) - y)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0, |p| p.0);
        let mut sil = Vec::new();
        for k in 2..=8 {
            let labels = KMeans::new(k)
                .with_seed(ctx.seed)
                .with_engine(ctx.engine)
                .fit(&four)?
                .labels;
            sil.push((k, silhouette_score(four.x(), labels.view())?));
        }
        let best_sil = sil
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0, |p| p.0);
        let mut t2 = Table::new("Choosing K on 4 blobs", &["K", "J", "silhouette"]);
        for (k, j) in &curve {
            t2.row(vec![
                k.to_string(),
                f4(*j),
                sil.iter()
                    .find(|s| s.0 == *k)
                    .map_or("-".into(), |s| f4(s.1)),
            ]);
        }
        report.table(t2);
        report.claim(
            "Elbow method: the cost J flattens after the true K",
            elbow_k == 4,
            format!("largest bend of J at K = {elbow_k} (true K = 4)"),
        );
        report.claim(
            "Silhouette analysis: the highest mean silhouette marks a good K",
            best_sil == 4,
            format!("best silhouette at K = {best_sil} (true K = 4)"),
        );
        report.plot(
            Plot::new("elbow.svg", "Elbow: J against K (4 blobs)", "K", "J").with(Series::line(
                "J",
                curve.iter().map(|&(k, j)| (k as f64, j)).collect(),
            )),
        );
        report.plot(
            Plot::new(
                "silhouette.svg",
                "Mean silhouette against K (4 blobs)",
                "K",
                "silhouette",
            )
            .with(Series::line(
                "silhouette",
                sil.iter().map(|&(k, s)| (k as f64, s)).collect(),
            )),
        );

        // 3. Concentric circles: not spherical, so k-means cuts across them.
        let circles = generate::circles(ctx.size(400, 200), 0.03, 0.4, ctx.seed)?;
        let cut = KMeans::new(2)
            .with_seed(ctx.seed)
            .with_engine(ctx.engine)
            .fit(&circles)?
            .labels;
        let ari = adjusted_rand_index(circles.targets().view(), cut.view())?;
        report.metric("circles_ari", ari);
        report.claim(
            "K-means assumes spherical clusters and fails on concentric circles",
            ari < 0.2,
            format!("adjusted Rand index against the true rings: {}", f4(ari)),
        );

        // 4. One far outlier.
        let two = generate::blobs(
            ctx.size(200, 100),
            &array![[0.0, 0.0], [6.0, 0.0]],
            1.0,
            ctx.seed.wrapping_add(2),
        )?;
        let clean = KMeans::new(2)
            .with_seed(ctx.seed)
            .with_engine(ctx.engine)
            .fit(&two)?;
        let with_outlier = concatenate(Axis(0), &[two.x(), array![[60.0, 60.0]].view()])
            .map_err(|e| Error::invalid(e.to_string()))?;
        let dirty = KMeans::new(2)
            .with_seed(ctx.seed)
            .with_engine(ctx.engine)
            .fit_features(with_outlier.view())?;
        let dirty_labels = dirty
            .labels
            .slice(ndarray::s![..two.n_samples()])
            .to_owned();
        let (a0, a1) = (
            adjusted_rand_index(two.targets().view(), clean.labels.view())?,
            adjusted_rand_index(two.targets().view(), dirty_labels.view())?,
        );
        report.claim(
            "K-means is sensitive to outliers",
            a1 < a0 - 0.5,
            format!(
                "two blobs: adjusted Rand index {} without, {} with one outlier at (60, 60)",
                f4(a0),
                f4(a1)
            ),
        );
        Ok(report)
    }
}
