//! Hierarchical clustering: single linkage follows chain-like (elongated) clusters where
//! complete and average linkage do not; the dendrogram of iris; agglomerative against
//! divisive clustering.

use mlnotes::Result;
use mlnotes::cluster::{Agglomerative, Divisive, Linkage};
use mlnotes::data::{self, generate};
use mlnotes::estimator::{Fit, FitFeatures, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Table};
use mlnotes::metrics::adjusted_rand_index;
use mlnotes::preprocess::Scaler;

use crate::f4;

/// The `hierarchical` experiment.
pub struct Hierarchical;

impl Experiment for Hierarchical {
    fn name(&self) -> &'static str {
        "hierarchical"
    }

    fn section(&self) -> &'static str {
        "Hierarchical Clustering"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let linkages = [
            ("single", Linkage::Single),
            ("complete", Linkage::Complete),
            ("average", Linkage::Average),
        ];

        // 1. Two moons: elongated, interleaved clusters.
        let moons = generate::moons(ctx.size(300, 150), 0.05, ctx.seed)?;
        let mut t = Table::new(
            "Two moons cut into 2 clusters: adjusted Rand index against the true moons",
            &["linkage", "ARI"],
        );
        let mut ari = Vec::new();
        for (name, l) in linkages {
            let labels = Agglomerative::new(l).fit(&moons)?.cut_k(2)?;
            let a = adjusted_rand_index(moons.targets().view(), labels.view())?;
            t.row(vec![name.into(), f4(a)]);
            ari.push(a);
        }
        report.table(t);
        report.claim(
            "Single linkage can result in long, chain-like clusters (it follows elongated shapes)",
            ari[0] > 0.99 && ari[0] > ari[1] + 0.2 && ari[0] > ari[2] + 0.2,
            format!(
                "ARI on two moons: single {}, complete {}, average {}",
                f4(ari[0]),
                f4(ari[1]),
                f4(ari[2])
            ),
        );

        // 2. The dendrogram of (standardised) iris.
        let iris = data::iris();
        let x = Scaler::standardization().fit(&iris)?.transform(iris.x())?;
        let mut t2 = Table::new(
            "Iris (standardised) cut into 3 clusters: adjusted Rand index against the species",
            &["method", "ARI"],
        );
        let mut cuts = Vec::new();
        for (name, l) in linkages {
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
        let top_down = Divisive::new(3)
            .with_seed(ctx.seed)
            .fit_features(x.view())?
            .labels;
        t2.row(vec![
            "divisive (bisecting k-means)".into(),
            f4(adjusted_rand_index(iris.targets().view(), top_down.view())?),
        ]);
        report.table(t2);
        let agree = adjusted_rand_index(cuts[2].view(), top_down.view())?;
        report.metric("agglomerative_divisive_ari", agree);
        report.claim(
            "Agglomerative (bottom-up) and divisive (top-down) clustering build comparable hierarchies",
            agree > 0.5,
            format!("ARI between the 3-cluster cuts of average-linkage agglomerative and divisive clustering: {}", f4(agree)),
        );
        Ok(report)
    }
}
