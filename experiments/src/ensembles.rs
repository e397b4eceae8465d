//! Ensembles: bagging and random forests reduce the variance of deep trees (spread of
//! predictions over independent training sets); boosting reduces the bias of stumps
//! (training error against rounds).

use mlnotes::Result;
use mlnotes::data::{self, Dataset, generate};
use mlnotes::engine::Engine;
use mlnotes::ensemble::{AdaBoost, Bagging, GradientBoosting};
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::metrics::accuracy;
use mlnotes::tree::{DecisionTree, MaxFeatures};
use ndarray::Array2;

use crate::{cv_accuracy, f4};

/// The `ensembles` experiment.
pub struct Ensembles;

/// Variance over training sets of the predicted P(class 1), averaged over test points, and
/// the mean test error.
fn spread(
    fit: impl Fn(&Dataset) -> Result<Box<dyn Predict<usize>>>,
    sets: &[Dataset],
    test: &Dataset,
) -> Result<(f64, f64)> {
    let mut preds = Array2::<f64>::zeros((sets.len(), test.n_samples()));
    let mut err = 0.0;
    for (r, train) in sets.iter().enumerate() {
        let p = fit(train)?.predict(test.x())?;
        err += 1.0 - accuracy(test.targets().view(), p.view())?;
        preds.row_mut(r).assign(&p.mapv(|k| k as f64));
    }
    let var = preds.var_axis(ndarray::Axis(0), 0.0).mean().unwrap_or(0.0);
    Ok((var, err / sets.len() as f64))
}

impl Experiment for Ensembles {
    fn name(&self) -> &'static str {
        "ensembles"
    }

    fn section(&self) -> &'static str {
        "Trees & Ensemble Learning: Ensemble Learning"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);

        // 1. Variance: deep trees, bagged trees and a random forest, each fitted on R
        // independent training sets of noisy moons.
        let r = ctx.size(20, 6);
        let sets: Vec<Dataset> = (0..r)
            .map(|i| {
                generate::moons(
                    ctx.size(300, 150),
                    0.35,
                    ctx.seed.wrapping_add(10 + i as u64),
                )
            })
            .collect::<Result<_>>()?;
        let test = generate::moons(1000, 0.35, ctx.seed.wrapping_add(1))?;
        let n_trees = ctx.size(100, 25);
        let (v_tree, e_tree) =
            spread(|d| Ok(Box::new(DecisionTree::cart().fit(d)?)), &sets, &test)?;
        let (v_bag, e_bag) = spread(
            |d| {
                Ok(Box::new(
                    Bagging::new(DecisionTree::cart(), n_trees)
                        .with_seed(ctx.seed)
                        .fit(d)?,
                ))
            },
            &sets,
            &test,
        )?;
        // With two features √n rounds up to both: the forest draws one feature per split.
        let forest = Bagging {
            base: DecisionTree {
                max_features: MaxFeatures::Count(1),
                ..DecisionTree::cart()
            },
            ..Bagging::random_forest(n_trees).with_seed(ctx.seed)
        };
        let (v_rf, e_rf) = spread(|d| Ok(Box::new(forest.fit(d)?)), &sets, &test)?;
        let mut t = Table::new(
            &format!(
                "Noisy moons, {r} independent training sets: variance of the predicted class over training sets"
            ),
            &["model", "prediction variance", "mean test error"],
        );
        for (name, v, e) in [
            ("deep tree", v_tree, e_tree),
            ("bagging (trees)", v_bag, e_bag),
            ("random forest (1 feature per split)", v_rf, e_rf),
        ] {
            t.row(vec![name.into(), f4(v), f4(e)]);
        }
        report.table(t);
        report.metric("variance_tree", v_tree);
        report.metric("variance_bagging", v_bag);
        report.claim(
            "Bagging reduces variance (combats overfitting)",
            v_bag < 0.7 * v_tree && e_bag < e_tree,
            format!("prediction variance: deep tree {}, bagged {}, random forest {}; test error {} → {}", f4(v_tree), f4(v_bag), f4(v_rf), f4(e_tree), f4(e_bag)),
        );

        // 2. Bias: AdaBoost on stumps, training error against rounds.
        let cancer = data::breast_cancer();
        let rounds = ctx.size(300, 60);
        let ada = AdaBoost::new(rounds).with_engine(ctx.engine).fit(&cancer)?;
        let curve: Vec<(f64, f64)> = ada
            .staged_predict(cancer.x())?
            .iter()
            .enumerate()
            .map(|(t, p)| {
                Ok((
                    (t + 1) as f64,
                    1.0 - accuracy(cancer.targets().view(), p.view())?,
                ))
            })
            .collect::<Result<_>>()?;
        let (first, last) = (curve[0].1, curve[curve.len() - 1].1);
        report.claim(
            "Boosting reduces bias: each learner focuses on the previous ones' errors",
            last < 0.25 * first,
            format!("breast cancer, AdaBoost on stumps: training error {} after one stump, {} after {} rounds", f4(first), f4(last), curve.len()),
        );
        let w = &ada.sample_weights;
        let max_w = w.iter().fold(0.0f64, |a, &b| a.max(b));
        // (linfa's AdaBoost resamples instead of weighting: it keeps no example weights)
        if !w.is_empty() {
            report.note(format!(
                "AdaBoost's example weights after {} rounds: uniform would be {:.5}; the largest is {:.5} (misclassified examples gain weight).",
                ada.learners.len(),
                1.0 / w.len() as f64,
                max_w
            ));
        }
        let gb = GradientBoosting::new(ctx.size(200, 50)).fit(&cancer)?;
        let gb_curve: Vec<(f64, f64)> = gb
            .train_loss
            .iter()
            .enumerate()
            .map(|(t, &l)| (t as f64, l))
            .collect();
        report.plot(
            Plot::new(
                "boosting_training_error.svg",
                "Boosting on breast cancer",
                "round",
                "training error / log loss",
            )
            .with(Series::line("AdaBoost training error", curve))
            .with(Series::line(
                "gradient boosting training log loss",
                gb_curve,
            )),
        );

        // 3. Cross-validated accuracy of every ensemble on digits and breast cancer.
        let mut t2 = Table::new(
            "5-fold CV accuracy",
            &[
                "data set",
                "tree",
                "bagging",
                "random forest",
                "AdaBoost",
                "gradient boosting",
            ],
        );
        let digits = data::digits();
        let sets = if ctx.quick {
            vec![("breast cancer", &cancer)]
        } else {
            vec![("breast cancer", &cancer), ("digits", &digits)]
        };
        let mut rf_beats_tree = true;
        for (name, d) in sets {
            let tree = cv_accuracy(&DecisionTree::cart(), d, ctx.seed)?;
            let rf = cv_accuracy(&Bagging::random_forest(n_trees), d, ctx.seed)?;
            rf_beats_tree &= rf > tree;
            t2.row(vec![
                name.into(),
                f4(tree),
                f4(cv_accuracy(
                    &Bagging::new(DecisionTree::cart(), n_trees),
                    d,
                    ctx.seed,
                )?),
                f4(rf),
                f4(cv_accuracy(
                    &AdaBoost::new(ctx.size(200, 30)).with_engine(ctx.engine),
                    d,
                    ctx.seed,
                )?),
                f4(cv_accuracy(
                    &GradientBoosting::new(ctx.size(100, 20)),
                    d,
                    ctx.seed,
                )?),
            ]);
        }
        report.table(t2);
        report.claim(
            "Combining weak learners builds a strong learner",
            rf_beats_tree,
            "the random forest's cross-validated accuracy beats a single tree's on every data set above",
        );
        Ok(report)
    }
}
