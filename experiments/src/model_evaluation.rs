//! Model evaluation: hold-out against k-fold estimates on limited data, and grid against
//! random against Bayesian hyperparameter search when only one parameter matters.

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics;
use mlnotes::preprocess::Scaled;
use mlnotes::selection::{self, BayesianSearch, Dimension, HoldOut, KFold, SearchSpace};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::{f4, mean_std};

/// The `model-evaluation` experiment.
pub struct ModelEvaluation;

impl Experiment for ModelEvaluation {
    fn name(&self) -> &'static str {
        "model-evaluation"
    }

    fn section(&self) -> &'static str {
        "Model Evaluation"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        holdout_vs_kfold(ctx, &mut report)?;
        search_strategies(ctx, &mut report)?;
        Ok(report)
    }
}

fn accuracy(y: ndarray::ArrayView1<usize>, p: ndarray::ArrayView1<usize>) -> Result<f64> {
    metrics::accuracy(y, p)
}

/// Accuracy of a model fitted on `train` and scored on `test`.
fn holdout_accuracy(
    model: &impl Fit<usize, Model: Predict<usize>>,
    train: &Dataset,
    test: &Dataset,
) -> Result<f64> {
    accuracy(
        test.targets().view(),
        model.fit(train)?.predict(test.x())?.view(),
    )
}

fn holdout_vs_kfold(ctx: &Context, report: &mut Report) -> Result<()> {
    // A small labelled sample of breast cancer; the rest of the set measures the truth.
    let full = data::breast_cancer();
    let mut rows: Vec<usize> = (0..full.n_samples()).collect();
    rows.shuffle(&mut StdRng::seed_from_u64(ctx.seed));
    let n_small = 100;
    let small = full.select(&rows[..n_small])?;
    let rest = full.select(&rows[n_small..])?;
    // standardisation is fitted inside each training part, never on the rows it is scored on
    let model = Scaled::standardized(LogisticRegression::default());
    let truth = holdout_accuracy(&model, &small, &rest)?;

    let reps = ctx.size(30, 6);
    let bar = ctx.progress(reps as u64, "hold-out vs k-fold");
    let (mut hold, mut kfold, mut hold_large) = (vec![], vec![], vec![]);
    let labels = small.targets().to_vec();
    for r in 0..reps as u64 {
        let seed = ctx.seed.wrapping_mul(1000).wrapping_add(r);
        let s = HoldOut::train_test(0.8, seed)
            .stratified()
            .split(n_small, Some(&labels))?;
        hold.push(holdout_accuracy(
            &model,
            &small.select(&s.train)?,
            &small.select(&s.test)?,
        )?);
        let folds = KFold::new(5, seed)
            .stratified()
            .folds(n_small, Some(&labels))?;
        let scores = selection::cross_val_score(&model, &small, &folds, accuracy)?;
        kfold.push(scores.iter().sum::<f64>() / scores.len() as f64);
        let all_labels = full.targets().to_vec();
        let s = HoldOut::train_test(0.8, seed)
            .stratified()
            .split(full.n_samples(), Some(&all_labels))?;
        hold_large.push(holdout_accuracy(
            &model,
            &full.select(&s.train)?,
            &full.select(&s.test)?,
        )?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let (hm, hs) = mean_std(&hold);
    let (km, ks) = mean_std(&kfold);
    let (lm, ls) = mean_std(&hold_large);
    let mae = |v: &[f64]| v.iter().map(|e| (e - truth).abs()).sum::<f64>() / v.len() as f64;
    let mut t = Table::new(
        &format!(
            "Accuracy estimates of logistic regression over {reps} reshuffles (accuracy on the {} unseen rows: {})",
            rest.n_samples(),
            f4(truth)
        ),
        &[
            "estimate",
            "rows",
            "mean",
            "std over reshuffles",
            "mean |estimate - unseen accuracy|",
        ],
    );
    t.row(vec![
        "hold-out 80/20".into(),
        n_small.to_string(),
        f4(hm),
        f4(hs),
        f4(mae(&hold)),
    ]);
    t.row(vec![
        "5-fold CV".into(),
        n_small.to_string(),
        f4(km),
        f4(ks),
        f4(mae(&kfold)),
    ]);
    t.row(vec![
        "hold-out 80/20".into(),
        full.n_samples().to_string(),
        f4(lm),
        f4(ls),
        "-".into(),
    ]);
    report.table(t);
    report.metric("holdout_std_small", hs);
    report.metric("kfold_std_small", ks);
    report.claim(
        "K-Fold Cross-Validation: best for limited data (a steadier estimate than one hold-out split)",
        ks < hs,
        format!("{n_small} rows: std of the estimate {} (5-fold) vs {} (hold-out)", f4(ks), f4(hs)),
    );
    report.claim(
        "Hold-Out Validation: best for large datasets (its estimate steadies as data grows)",
        ls < hs,
        format!(
            "hold-out std {} with {} rows vs {} with {n_small}",
            f4(ls),
            full.n_samples(),
            f4(hs)
        ),
    );
    report.plot(
        Plot::new(
            "estimates.svg",
            "Accuracy estimate per reshuffle (100 rows)",
            "reshuffle",
            "estimated accuracy",
        )
        .with(Series::points(
            "hold-out 80/20",
            hold.iter()
                .enumerate()
                .map(|(i, &v)| (i as f64, v))
                .collect(),
        ))
        .with(Series::points(
            "5-fold CV",
            kfold
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as f64, v))
                .collect(),
        ))
        .with(Series::line(
            "accuracy on unseen rows",
            vec![(0.0, truth), ((reps - 1) as f64, truth)],
        )),
    );
    Ok(())
}

/// One important parameter (a narrow peak at 0.37) and three that barely matter.
fn objective(p: &[f64]) -> Result<f64> {
    let important = (-(p[0] - 0.37).powi(2) / (2.0 * 0.03f64.powi(2))).exp();
    let minor: f64 = p[1..].iter().map(|v| 0.01 * (3.0 * v).sin()).sum();
    Ok(important + minor)
}

fn search_strategies(ctx: &Context, report: &mut Report) -> Result<()> {
    let space = SearchSpace::new(
        (0..4)
            .map(|i| Dimension::continuous(&format!("x{i}"), 0.0, 1.0))
            .collect(),
    )?;
    let grid = selection::grid_search(&space, 3, objective)?;
    let budget = grid.trials.len();
    let seeds = ctx.size(20, 4) as u64;
    let bo_budget = ctx.size(30, 20);
    let bar = ctx.progress(seeds, "random vs Bayesian");
    let (mut random_best, mut random_at_bo, mut bo_best, mut unique_random) =
        (vec![], vec![], vec![], vec![]);
    let (mut random_curve, mut bo_curve) = (vec![0.0; budget], vec![0.0; bo_budget]);
    for s in 0..seeds {
        let seed = ctx.seed.wrapping_mul(7919).wrapping_add(s);
        let random = selection::random_search(&space, budget, seed, objective)?;
        let mut bo = BayesianSearch::new(8, bo_budget, seed);
        bo.n_candidates = ctx.size(2000, 400);
        let bayes = bo.run(&space, objective)?;
        let rc = random.best_so_far();
        let bc = bayes.best_so_far();
        random_curve
            .iter_mut()
            .zip(&rc)
            .for_each(|(a, b)| *a += b / seeds as f64);
        bo_curve
            .iter_mut()
            .zip(&bc)
            .for_each(|(a, b)| *a += b / seeds as f64);
        random_best.push(rc[budget - 1]);
        random_at_bo.push(rc[bo_budget - 1]);
        bo_best.push(bc[bo_budget - 1]);
        let mut xs: Vec<f64> = random.trials.iter().map(|t| t.point[0]).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        unique_random.push(xs.len());
        bar.inc(1);
    }
    bar.finish_and_clear();
    let grid_best = grid.best().map_or(f64::NAN, |t| t.score);
    let mut grid_x0: Vec<f64> = grid.trials.iter().map(|t| t.point[0]).collect();
    grid_x0.sort_by(f64::total_cmp);
    grid_x0.dedup();
    let (rm, _) = mean_std(&random_best);
    let (rbm, _) = mean_std(&random_at_bo);
    let (bm, _) = mean_std(&bo_best);
    let beats = random_best.iter().filter(|&&r| r > grid_best).count();
    let mut t = Table::new(
        &format!(
            "Best score found (optimum ≈ 1.0) on a 4-parameter function where only x0 matters; mean over {seeds} seeds"
        ),
        &[
            "strategy",
            "evaluations",
            "distinct x0 values tried",
            "best score",
        ],
    );
    t.row(vec![
        "grid 3x3x3x3".into(),
        budget.to_string(),
        grid_x0.len().to_string(),
        f4(grid_best),
    ]);
    t.row(vec![
        "random".into(),
        budget.to_string(),
        unique_random[0].to_string(),
        f4(rm),
    ]);
    t.row(vec![
        "random".into(),
        bo_budget.to_string(),
        bo_budget.to_string(),
        f4(rbm),
    ]);
    t.row(vec![
        "Bayesian (GP + EI)".into(),
        bo_budget.to_string(),
        "-".into(),
        f4(bm),
    ]);
    report.table(t);
    report.claim(
        "Random search explores more unique values for important parameters than a grid of equal budget",
        unique_random.iter().all(|&u| u > grid_x0.len()),
        format!("{budget} evaluations: {} distinct x0 values on the grid, {} at random", grid_x0.len(), unique_random[0]),
    );
    report.claim(
        "Random search is more effective in high-dimensional spaces (when few parameters matter)",
        rm > grid_best,
        format!("best score {} (grid) vs {} (random, mean); random beat the grid for {beats}/{seeds} seeds", f4(grid_best), f4(rm)),
    );
    report.claim(
        "Bayesian optimization selects the next point intelligently (beats random search at equal budget)",
        bm > rbm,
        format!("{bo_budget} evaluations: best {} (Bayesian, mean) vs {} (random, mean)", f4(bm), f4(rbm)),
    );
    let curve = |v: &[f64]| {
        v.iter()
            .enumerate()
            .map(|(i, &b)| ((i + 1) as f64, b))
            .collect()
    };
    report.plot(
        Plot::new(
            "search.svg",
            "Best score so far (mean over seeds)",
            "evaluations",
            "best score",
        )
        .with(Series::line("grid", curve(&grid.best_so_far())))
        .with(Series::line("random", curve(&random_curve)))
        .with(Series::line("Bayesian", curve(&bo_curve))),
    );
    Ok(())
}
