//! Model evaluation: hold-out against k-fold estimates on a small sample and on the whole set,
//! over seeds; and grid against random against Bayesian hyperparameter search when only one
//! parameter matters, at equal budgets of evaluations, over seeds.

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::estimator::member_seed;
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table, Verdict, num};
use mlnotes::linear::LogisticRegression;
use mlnotes::metrics;
use mlnotes::preprocess::Scaled;
use mlnotes::selection::{self, BayesianSearch, Dimension, HoldOut, KFold, SearchSpace};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::{f4, mean_se_points, mean_std};

/// Rows of the small labelled sample (the rest of breast cancer measures the truth).
const SMALL: usize = 100;
/// Training share of a hold-out split.
const TRAIN_SHARE: f64 = 0.8;
/// Folds of k-fold cross-validation.
const FOLDS: usize = 5;
/// A spread of the accuracy estimate (std over reshuffles) small enough to rely on one split:
/// one point of accuracy.
const STEADY_ENOUGH: f64 = 0.01;
/// The important parameter's peak: the range its centre is drawn from (per seed), and its width.
const PEAK_RANGE: std::ops::Range<f64> = 0.0..1.0;
const PEAK_WIDTH: f64 = 0.03;
/// Dimensions of the search space, and grid values per dimension (3⁴ = 81 evaluations).
const DIMS: usize = 4;
const GRID_PER_DIM: usize = 3;

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

/// The hold-out estimate of `d`: one stratified 80/20 split drawn by `seed`.
fn holdout_estimate(
    model: &impl Fit<usize, Model: Predict<usize>>,
    d: &Dataset,
    seed: u64,
) -> Result<f64> {
    let labels = d.targets().to_vec();
    let s = HoldOut::train_test(TRAIN_SHARE, seed)
        .stratified()
        .split(d.n_samples(), Some(&labels))?;
    holdout_accuracy(model, &d.select(&s.train)?, &d.select(&s.test)?)
}

/// The k-fold estimate of `d`: the mean accuracy over [`FOLDS`] stratified folds drawn by `seed`.
fn kfold_estimate(
    model: &impl Fit<usize, Model: Predict<usize>>,
    d: &Dataset,
    seed: u64,
) -> Result<f64> {
    let labels = d.targets().to_vec();
    let folds = KFold::new(FOLDS, seed)
        .stratified()
        .folds(d.n_samples(), Some(&labels))?;
    let scores = selection::cross_val_score(model, d, &folds, accuracy)?;
    Ok(scores.iter().sum::<f64>() / scores.len() as f64)
}

/// One seed's estimates over its reshuffles, on the small sample and on the whole set.
struct Spread {
    /// Accuracy on the unseen rows of a model fitted on the whole small sample.
    truth: f64,
    hold_small: Vec<f64>,
    kfold_small: Vec<f64>,
    hold_large: Vec<f64>,
    kfold_large: Vec<f64>,
}

impl Spread {
    /// Mean |estimate − truth| of the small-sample estimates `v`.
    fn error(&self, v: &[f64]) -> f64 {
        v.iter().map(|e| (e - self.truth).abs()).sum::<f64>() / v.len() as f64
    }
}

/// Draw the seed's small sample, then estimate the accuracy by hold-out and by k-fold on it and
/// on the whole set, once per reshuffle.
fn spread(
    model: &impl Fit<usize, Model: Predict<usize>>,
    full: &Dataset,
    seed: u64,
    reshuffles: usize,
) -> Result<Spread> {
    let mut rows: Vec<usize> = (0..full.n_samples()).collect();
    rows.shuffle(&mut StdRng::seed_from_u64(seed));
    let small = full.select(&rows[..SMALL])?;
    let rest = full.select(&rows[SMALL..])?;
    let mut s = Spread {
        truth: holdout_accuracy(model, &small, &rest)?,
        hold_small: vec![],
        kfold_small: vec![],
        hold_large: vec![],
        kfold_large: vec![],
    };
    for r in 0..reshuffles as u64 {
        let split_seed = seed.wrapping_mul(1000).wrapping_add(r);
        s.hold_small
            .push(holdout_estimate(model, &small, split_seed)?);
        s.kfold_small
            .push(kfold_estimate(model, &small, split_seed)?);
        s.hold_large
            .push(holdout_estimate(model, full, split_seed)?);
        s.kfold_large.push(kfold_estimate(model, full, split_seed)?);
    }
    Ok(s)
}

fn holdout_vs_kfold(ctx: &Context, report: &mut Report) -> Result<()> {
    // A small labelled sample of breast cancer; the rest of the set measures the truth.
    let full = data::breast_cancer();
    // standardisation is fitted inside each training part, never on the rows it is scored on
    let model = Scaled::standardized(LogisticRegression::default());
    let reshuffles = ctx.size(20, 4);
    let seeds = ctx.seeds();
    let bar = ctx.progress(seeds.len() as u64, "hold-out vs k-fold");
    let mut spreads = Vec::new();
    for &seed in &seeds {
        spreads.push(spread(&model, &full, seed, reshuffles)?);
        bar.inc(1);
    }
    bar.finish_and_clear();

    // Per seed: the standard deviation of each estimate over the reshuffles.
    let std_of = |pick: &dyn Fn(&Spread) -> &[f64]| -> Vec<f64> {
        spreads.iter().map(|s| mean_std(pick(s)).1).collect()
    };
    let hs = std_of(&|s| &s.hold_small);
    let ks = std_of(&|s| &s.kfold_small);
    let hl = std_of(&|s| &s.hold_large);
    let kl = std_of(&|s| &s.kfold_large);
    let mean_of = |v: &[f64]| mean_std(v).0;
    let mean_over = |pick: &dyn Fn(&Spread) -> f64| -> f64 {
        mean_of(&spreads.iter().map(pick).collect::<Vec<f64>>())
    };
    let n_large = full.n_samples();
    let mut t = Table::new(
        &format!(
            "Accuracy estimates of logistic regression, {reshuffles} reshuffles per seed, means over {} seeds (each seed draws its own {SMALL}-row sample; accuracy on its {} unseen rows: {})",
            seeds.len(),
            n_large - SMALL,
            f4(mean_over(&|s| s.truth))
        ),
        &[
            "estimate",
            "rows",
            "models fitted",
            "mean",
            "std over reshuffles",
            "mean |estimate - unseen accuracy|",
        ],
    );
    type Pick<'a> = &'a dyn Fn(&Spread) -> &[f64];
    let rows: [(&str, usize, usize, Pick, bool); 4] = [
        ("hold-out 80/20", SMALL, 1, &|s| &s.hold_small, true),
        ("5-fold CV", SMALL, FOLDS, &|s| &s.kfold_small, true),
        ("hold-out 80/20", n_large, 1, &|s| &s.hold_large, false),
        ("5-fold CV", n_large, FOLDS, &|s| &s.kfold_large, false),
    ];
    for (name, n, fits, pick, small) in rows {
        t.row(vec![
            name.into(),
            n.to_string(),
            fits.to_string(),
            f4(mean_over(&|s| mean_of(pick(s)))),
            f4(mean_of(&std_of(pick))),
            if small {
                f4(mean_over(&|s| s.error(pick(s))))
            } else {
                "-".into()
            },
        ]);
    }
    report.table(t);
    report.metric("holdout_std_small", mean_of(&hs));
    report.metric("kfold_std_small", mean_of(&ks));
    report.metric("holdout_std_large", mean_of(&hl));
    report.metric("kfold_std_large", mean_of(&kl));
    report.claim(
        "kfold-for-limited-data",
        "K-Fold Cross-Validation: best for limited data (a steadier estimate than one hold-out split)",
        Verdict::paired_gain(
            &format!("std of the estimate over reshuffles on {SMALL} rows, hold-out − 5-fold"),
            &hs,
            &ks,
            0.0,
        )
        .with(format!(
            "mean |estimate − accuracy on the unseen rows|: {} hold-out vs {} 5-fold",
            num(mean_over(&|s| s.error(&s.hold_small))),
            num(mean_over(&|s| s.error(&s.kfold_small)))
        )),
    );
    report.claim(
        "holdout-for-large-data",
        "Hold-Out Validation: best for large datasets (one split, one fit, is already steady enough there, and not on little data)",
        Verdict::mean_below(
            &format!("std of the hold-out estimate over reshuffles on {n_large} rows"),
            &hl,
            STEADY_ENOUGH,
        )
        .and(Verdict::mean_above(
            &format!("the same std on {SMALL} rows"),
            &hs,
            STEADY_ENOUGH,
        ))
        .with(format!(
            "std on {n_large} rows: {} hold-out (1 fit) vs {} 5-fold ({FOLDS} fits); on {SMALL} rows: {} vs {}",
            num(mean_of(&hl)),
            num(mean_of(&kl)),
            num(mean_of(&hs)),
            num(mean_of(&ks))
        )),
    );
    let first = &spreads[0];
    let per_reshuffle = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter().enumerate().map(|(i, &e)| (i as f64, e)).collect()
    };
    report.plot(
        Plot::new(
            "estimates.svg",
            &format!("Accuracy estimate per reshuffle ({SMALL} rows, first seed)"),
            "reshuffle of the sample",
            "estimated accuracy",
        )
        .with(Series::points(
            "hold-out 80/20",
            per_reshuffle(&first.hold_small),
        ))
        .with(Series::points(
            "5-fold CV",
            per_reshuffle(&first.kfold_small),
        ))
        .with(Series::line(
            "accuracy on unseen rows",
            vec![(0.0, first.truth), ((reshuffles - 1) as f64, first.truth)],
        )),
    );
    Ok(())
}

/// One important parameter (a narrow peak at `peak`) and three that barely matter.
fn objective(peak: f64, p: &[f64]) -> Result<f64> {
    let important = (-(p[0] - peak).powi(2) / (2.0 * PEAK_WIDTH.powi(2))).exp();
    let minor: f64 = p[1..].iter().map(|v| 0.01 * (3.0 * v).sin()).sum();
    Ok(important + minor)
}

/// How many distinct values of the important parameter `x0` the trials tried, counted at the
/// resolution that matters: cells as wide as the peak.
fn distinct_x0(trials: &[selection::Trial]) -> f64 {
    let mut cells: Vec<i64> = trials
        .iter()
        .map(|t| (t.point[0] / PEAK_WIDTH).floor() as i64)
        .collect();
    cells.sort_unstable();
    cells.dedup();
    cells.len() as f64
}

/// The distance from the peak of the closest `x0` tried.
fn closest_x0(trials: &[selection::Trial], peak: f64) -> f64 {
    trials
        .iter()
        .map(|t| (t.point[0] - peak).abs())
        .fold(f64::INFINITY, f64::min)
}

/// One seed's random and Bayesian searches.
struct Searched {
    /// Best score of random search at the grid's budget, and at the Bayesian budget.
    random_best: f64,
    random_at_bo: f64,
    bo_best: f64,
    /// Distinct `x0` cells tried by random search at the grid's budget, at the Bayesian budget,
    /// and by Bayesian optimisation.
    random_cells: f64,
    random_cells_at_bo: f64,
    bo_cells: f64,
    /// Distance of random search's closest `x0` to the peak (grid's budget).
    random_closest: f64,
    /// The grid on the same objective: best score, distinct `x0` cells, closest `x0`'s
    /// distance to the peak, best score so far.
    grid_best: f64,
    grid_cells: f64,
    grid_closest: f64,
    grid_curve: Vec<f64>,
    /// Best score so far after each evaluation.
    random_curve: Vec<f64>,
    bo_curve: Vec<f64>,
}

fn search_strategies(ctx: &Context, report: &mut Report) -> Result<()> {
    let space = SearchSpace::new(
        (0..DIMS)
            .map(|i| Dimension::continuous(&format!("x{i}"), 0.0, 1.0))
            .collect(),
    )?;
    let budget = GRID_PER_DIM.pow(DIMS as u32);
    let n_seeds = ctx.size(20, 4) as u64;
    let bo_budget = ctx.size(30, 20);
    let bar = ctx.progress(n_seeds, "random vs Bayesian");
    let mut runs = Vec::new();
    for s in 0..n_seeds {
        let seed = ctx.seed.wrapping_mul(7919).wrapping_add(s);
        // the peak of this seed's objective, where the grid may or may not have a point
        // (from a stream of its own: the random search's first draw must not be the peak)
        let peak = StdRng::seed_from_u64(member_seed(seed, 1)).random_range(PEAK_RANGE);
        let objective = |p: &[f64]| objective(peak, p);
        let grid = selection::grid_search(&space, GRID_PER_DIM, objective)?;
        let random = selection::random_search(&space, budget, seed, objective)?;
        let mut bo = BayesianSearch::new(8, bo_budget, seed);
        bo.n_candidates = ctx.size(2000, 400);
        let bayes = bo.run(&space, objective)?;
        let random_curve = random.best_so_far();
        let bo_curve = bayes.best_so_far();
        runs.push(Searched {
            random_best: random_curve[budget - 1],
            random_at_bo: random_curve[bo_budget - 1],
            bo_best: bo_curve[bo_budget - 1],
            random_cells: distinct_x0(&random.trials),
            random_cells_at_bo: distinct_x0(&random.trials[..bo_budget]),
            bo_cells: distinct_x0(&bayes.trials),
            random_closest: closest_x0(&random.trials, peak),
            grid_best: grid.best().map_or(f64::NAN, |t| t.score),
            grid_cells: distinct_x0(&grid.trials),
            grid_closest: closest_x0(&grid.trials, peak),
            grid_curve: grid.best_so_far(),
            random_curve,
            bo_curve,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let col = |pick: &dyn Fn(&Searched) -> f64| -> Vec<f64> { runs.iter().map(pick).collect() };
    let grid_best = col(&|r| r.grid_best);
    let mean = |v: &[f64]| mean_std(v).0;
    let (random_best, random_at_bo, bo_best) = (
        col(&|r| r.random_best),
        col(&|r| r.random_at_bo),
        col(&|r| r.bo_best),
    );
    let random_cells = col(&|r| r.random_cells);
    let mut t = Table::new(
        &format!(
            "Best score found (optimum ≈ 1.0) on a {DIMS}-parameter function where only x0 matters; mean over {n_seeds} seeds"
        ),
        &[
            "strategy",
            "evaluations",
            &format!("distinct x0 values (cells of width {PEAK_WIDTH})"),
            "best score",
        ],
    );
    t.row(vec![
        format!(
            "grid {}",
            std::iter::repeat_n(GRID_PER_DIM.to_string(), DIMS)
                .collect::<Vec<_>>()
                .join("x")
        ),
        budget.to_string(),
        num(mean(&col(&|r| r.grid_cells))),
        f4(mean(&grid_best)),
    ]);
    t.row(vec![
        "random".into(),
        budget.to_string(),
        num(mean(&random_cells)),
        f4(mean(&random_best)),
    ]);
    t.row(vec![
        "random".into(),
        bo_budget.to_string(),
        num(mean(&col(&|r| r.random_cells_at_bo))),
        f4(mean(&random_at_bo)),
    ]);
    t.row(vec![
        "Bayesian (GP + EI)".into(),
        bo_budget.to_string(),
        num(mean(&col(&|r| r.bo_cells))),
        f4(mean(&bo_best)),
    ]);
    report.table(t);
    report.claim(
        "random-search-explores-more-values",
        "Random search explores more unique values for important parameters than a grid of equal budget",
        Verdict::paired_gain(
            &format!(
                "distance from the important parameter's optimum (drawn per seed) to the closest x0 tried in {budget} evaluations, grid − random"
            ),
            &col(&|r| r.grid_closest),
            &col(&|r| r.random_closest),
            0.0,
        )
        .with(format!(
            "distinct x0 values (cells of width {PEAK_WIDTH}): {} on the grid, {} at random (mean)",
            num(mean(&col(&|r| r.grid_cells))),
            num(mean(&random_cells))
        )),
    );
    let beats = random_best
        .iter()
        .zip(&grid_best)
        .filter(|(r, g)| r > g)
        .count();
    report.claim(
        "random-search-high-dimensional",
        "Random search is more effective in high-dimensional spaces (when few parameters matter)",
        Verdict::paired_gain(
            &format!("best score in {budget} evaluations, random − grid"),
            &random_best,
            &grid_best,
            0.0,
        )
        .with(format!(
            "random search beat the grid on {beats} of {} seeds",
            runs.len()
        )),
    );
    report.claim(
        "bayesian-optimization-selects-intelligently",
        "Bayesian optimization selects the next point intelligently (beats random search at equal budget)",
        Verdict::paired_gain(
            &format!("best score in {bo_budget} evaluations, Bayesian − random"),
            &bo_best,
            &random_at_bo,
            0.0,
        ),
    );
    // The best score so far after each evaluation, mean ± SE over the seeds.
    let mean_curve = |name: &str, pick: &dyn Fn(&Searched) -> &[f64]| -> Series {
        let per_seed: Vec<Vec<f64>> = runs.iter().map(|r| pick(r).to_vec()).collect();
        let evaluations: Vec<f64> = (1..=pick(&runs[0]).len()).map(|i| i as f64).collect();
        let (points, errors) = mean_se_points(&evaluations, &per_seed);
        Series::line(name, points).with_errors(errors)
    };
    report.plot(
        Plot::new(
            "search.svg",
            &format!("Best score so far (mean ± SE over {n_seeds} seeds)"),
            "evaluations of the objective",
            "best objective value so far (optimum ≈ 1)",
        )
        .with(mean_curve("grid", &|r| &r.grid_curve))
        .with(mean_curve("random", &|r| &r.random_curve))
        .with(mean_curve("Bayesian", &|r| &r.bo_curve)),
    );
    Ok(())
}
