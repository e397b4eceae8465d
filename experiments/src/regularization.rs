//! Regularization: L1 (lasso) zeroes the weights of irrelevant features, L2 (ridge) shrinks
//! them without zeros; the weight-decay form of the L2 gradient step equals the gradient form;
//! L2 is steadier than L1 under near-collinearity; and a penalty curbs overfitting. Every
//! claim is decided over seeds, each regenerating the data.

use mlnotes::Result;
use mlnotes::data::Dataset;
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::linalg;
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{Lasso, LinearRegression, design};
use mlnotes::metrics;
use mlnotes::optim::{Objective, Rows};
use mlnotes::selection::{KFold, cross_val_score};
use ndarray::{Array1, Array2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The `regularization` experiment.
pub struct Regularization;

const RELEVANT: [f64; 5] = [3.0, -2.0, 1.5, 1.0, -1.0];
/// Irrelevant features of the sparsity data.
const IRRELEVANT: usize = 15;
/// Half-width of the uniform noise of the sparsity data.
const NOISE: f64 = 0.5;
/// Lasso strengths α (ridge gets λ = 2mα: the same penalty scale).
const ALPHAS: [f64; 6] = [0.001, 0.01, 0.03, 0.1, 0.3, 1.0];

/// Near-collinear data: examples, how far the second feature strays from the first, the lasso
/// strength (ridge λ = 2mα) and the bootstrap resamples (full, quick).
const COLLINEAR_EXAMPLES: usize = 100;
const COLLINEAR_GAP: f64 = 0.05;
const STABILITY_ALPHA: f64 = 0.03;
const BOOTSTRAPS: (usize, usize) = (40, 20);

/// Overfitting regime: few examples for many features, large noise; test examples; ridge λ
/// grid chosen by 5-fold cross-validation on the training set.
const OVERFIT_EXAMPLES: usize = 40;
const OVERFIT_IRRELEVANT: usize = 30;
const OVERFIT_NOISE: f64 = 2.0;
const TEST_EXAMPLES: usize = 2000;
const RIDGE_GRID: [f64; 8] = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0];
/// Draws of the overfitting data (full, quick): more than the run's seeds, since a least-squares
/// fit with nearly as many features as examples has a heavy-tailed test error, and each draw
/// costs milliseconds.
const OVERFIT_DRAWS: (u64, u64) = (20, 10);

/// `m` examples of `RELEVANT.len() + irrelevant` uniform features; `y` depends on the first five
/// plus uniform noise of half-width `noise`.
fn data(m: usize, irrelevant: usize, noise: f64, seed: u64) -> Result<Dataset<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = RELEVANT.len() + irrelevant;
    let x = Array2::from_shape_fn((m, n), |_| rng.random_range(-1.0..1.0));
    let y = Array1::from_shape_fn(m, |i| {
        RELEVANT
            .iter()
            .enumerate()
            .map(|(j, w)| w * x[[i, j]])
            .sum::<f64>()
            + rng.random_range(-noise..noise)
    });
    Dataset::new(x, y)
}

fn zeros(w: &Array1<f64>, range: std::ops::Range<usize>) -> usize {
    range.filter(|&j| w[j] == 0.0).count()
}

/// One seed's penalty path: lasso and ridge at every α.
struct Path {
    /// Share of the irrelevant weights exactly 0, at the α that zeroes most of them while
    /// keeping every relevant one (0 when no α keeps them all).
    irrelevant_zeroed: f64,
    /// Exact zeros among ridge's weights over every λ.
    ridge_zeros: usize,
    /// ‖w‖₂ of ridge at each λ.
    ridge_norms: Vec<f64>,
}

/// Lasso and ridge along [`ALPHAS`] on `d`; the table and plot when `show`.
fn penalty_path(report: &mut Report, d: &Dataset<f64>, engine: Engine, show: bool) -> Result<Path> {
    let (rel, irr) = (0..RELEVANT.len(), RELEVANT.len()..d.n_features());
    let m = d.n_samples() as f64;
    let mut t = Table::new(
        &format!(
            "Exact zeros among {} relevant and {IRRELEVANT} irrelevant weights ({} examples)",
            RELEVANT.len(),
            d.n_samples()
        ),
        &[
            "penalty α",
            "lasso zeros (relevant)",
            "lasso zeros (irrelevant)",
            "ridge zeros",
            "ridge ‖w_irrelevant‖₂",
        ],
    );
    let (mut lasso_pts, mut ridge_pts) = (vec![], vec![]);
    let mut path = Path {
        irrelevant_zeroed: 0.0,
        ridge_zeros: 0,
        ridge_norms: vec![],
    };
    for &a in &ALPHAS {
        let lasso = Lasso::new(a).with_engine(engine).fit(d)?;
        let ridge = LinearRegression::ridge(2.0 * m * a)
            .with_engine(engine)
            .fit(d)?;
        let (lz_rel, lz_irr) = (
            zeros(&lasso.coef, rel.clone()),
            zeros(&lasso.coef, irr.clone()),
        );
        let rz = zeros(&ridge.coef, 0..d.n_features());
        let rnorm = irr
            .clone()
            .map(|j| ridge.coef[j].powi(2))
            .sum::<f64>()
            .sqrt();
        t.row(vec![
            a.to_string(),
            lz_rel.to_string(),
            lz_irr.to_string(),
            rz.to_string(),
            format!("{rnorm:.4}"),
        ]);
        lasso_pts.push((a.log10(), (lz_rel + lz_irr) as f64));
        ridge_pts.push((a.log10(), rz as f64));
        path.ridge_zeros += rz;
        path.ridge_norms.push(ridge.coef.dot(&ridge.coef).sqrt());
        if lz_rel == 0 {
            let share = lz_irr as f64 / irr.len() as f64;
            path.irrelevant_zeroed = path.irrelevant_zeroed.max(share);
        }
    }
    if show {
        report.table(t);
        report.plot(
            Plot::new(
                "zeros.svg",
                "Exactly-zero weights against penalty strength (first seed)",
                "log10 α (lasso α; ridge λ = 2mα)",
                &format!("weights exactly 0 (of {})", d.n_features()),
            )
            .with(Series::line("L1 (lasso)", lasso_pts))
            .with(Series::line("L2 (ridge)", ridge_pts)),
        );
    }
    Ok(path)
}

/// L1's sparsity and L2's shrinkage without zeros, over the seeds' data.
fn sparsity(report: &mut Report, ctx: &Context, seeds: &[u64]) -> Result<()> {
    let m = ctx.size(300, 120);
    let mut paths = Vec::new();
    for (k, &seed) in seeds.iter().enumerate() {
        let d = data(m, IRRELEVANT, NOISE, seed)?;
        paths.push(penalty_path(report, &d, ctx.engine, k == 0)?);
    }
    let zeroed: Vec<f64> = paths.iter().map(|p| p.irrelevant_zeroed).collect();
    report.claim(
        "l1-sparse",
        "L1 regularization produces sparse models: irrelevant weights become exactly 0 (feature selection)",
        Verdict::mean_above(
            &format!(
                "share of the {IRRELEVANT} irrelevant weights exactly 0, at the best α keeping all {} relevant ones",
                RELEVANT.len()
            ),
            &zeroed,
            0.9,
        )
        .with(format!("{m} examples; α over {ALPHAS:?}")),
    );
    let ridge_zeros: Vec<f64> = paths.iter().map(|p| p.ridge_zeros as f64).collect();
    let shrinking: Vec<bool> = paths
        .iter()
        .map(|p| p.ridge_norms.windows(2).all(|w| w[1] < w[0]))
        .collect();
    let norm = |k: usize| mean_se(&paths.iter().map(|p| p.ridge_norms[k]).collect::<Vec<f64>>()).0;
    report.claim(
        "l2-shrinks-without-zeros",
        "L2 regularization drives weights closer to 0 but rarely to exactly 0",
        Verdict::mean_below(
            &format!(
                "exact zeros among ridge's weights over all {} λ",
                ALPHAS.len()
            ),
            &ridge_zeros,
            0.5,
        )
        .and(Verdict::share(
            "‖w‖ shrinks at every step of λ",
            &shrinking,
            1.0,
        ))
        .with(format!(
            "mean ‖w‖ from {} (λ = 2m·{}) to {} (λ = 2m·{})",
            num(norm(0)),
            ALPHAS[0],
            num(norm(ALPHAS.len() - 1)),
            ALPHAS[ALPHAS.len() - 1]
        )),
    );
    Ok(())
}

/// Weight decay: `θ_j(1 − αλ/m) − α/m Σ (h − y) x_j` against `θ − α ∇J` (the library's
/// regularised gradient), on each seed's data.
fn weight_decay(report: &mut Report, ctx: &Context, seeds: &[u64]) -> Result<()> {
    let (lambda, lr) = (5.0, 0.05);
    let mut diffs = Vec::new();
    let mut factor = 0.0;
    for &seed in seeds {
        let d = data(ctx.size(300, 120), IRRELEVANT, NOISE, seed)?;
        let m = d.n_samples() as f64;
        let x = design(d.x());
        let cost = SquaredError::new(x.view(), d.targets().view(), lambda)?;
        let theta = Array1::from_shape_fn(x.ncols(), |j| 0.1 * j as f64 - 0.5);
        let mut grad = Array1::zeros(x.ncols());
        cost.loss_grad(theta.view(), Rows::All, &mut grad);
        let gradient_form = &theta - &(lr * &grad);
        let resid = x.dot(&theta) - d.targets();
        let data_grad = x.t().dot(&resid) / m;
        factor = 1.0 - lr * lambda / m;
        let decay_form = Array1::from_shape_fn(x.ncols(), |j| {
            let decay = if j == 0 { 1.0 } else { factor };
            theta[j] * decay - lr * data_grad[j]
        });
        diffs.push(
            (&gradient_form - &decay_form)
                .iter()
                .fold(0.0f64, |a, v| a.max(v.abs())),
        );
    }
    report.claim(
        "weight-decay-form",
        "Gradient descent with L2: θ_j := θ_j(1 - αλ/m) - α/m Σ(h - y)x_j (weight decay)",
        Verdict::mean_below("max |weight-decay update − (θ − α∇J)|", &diffs, 1e-12).with(format!(
            "α = {lr}, λ = {lambda}; decay factor {}",
            num(factor)
        )),
    );
    Ok(())
}

/// `COLLINEAR_EXAMPLES` examples: x₁ uniform, x₂ = x₁ + `COLLINEAR_GAP`·u (near-collinear), three
/// independent features; y = 1.5x₁ + 1.5x₂ + x₃ − x₄ + 0.5x₅ + noise.
fn collinear(seed: u64) -> Result<Dataset<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let m = COLLINEAR_EXAMPLES;
    let mut x = Array2::from_shape_fn((m, 5), |_| rng.random_range(-1.0..1.0));
    for i in 0..m {
        x[[i, 1]] = x[[i, 0]] + COLLINEAR_GAP * rng.random_range(-1.0..1.0);
    }
    let w = Array1::from(vec![1.5, 1.5, 1.0, -1.0, 0.5]);
    let y = x.dot(&w).mapv(|v| v + rng.random_range(-NOISE..NOISE));
    Dataset::new(x, y)
}

/// Condition number `λ_max / λ_min` of the centred `XᵀX`.
fn condition(x: &Array2<f64>) -> Result<f64> {
    let centred = x - &x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let (values, _) = linalg::symmetric_eigen(centred.t().dot(&centred).view())?;
    Ok(values[0] / values[values.len() - 1].abs())
}

/// Standard deviation over resamples of the first two coefficients, averaged over the two.
fn pair_spread(coefs: &[Array1<f64>]) -> f64 {
    let sd = |j: usize| {
        let v: Vec<f64> = coefs.iter().map(|c| c[j]).collect();
        mean_se(&v).1.unwrap_or(0.0) * (v.len() as f64).sqrt()
    };
    0.5 * (sd(0) + sd(1))
}

/// L1 against L2 on near-collinear features: how much the collinear pair's coefficients move
/// over bootstrap resamples.
fn stability(report: &mut Report, ctx: &Context, seeds: &[u64]) -> Result<()> {
    let boots = ctx.size(BOOTSTRAPS.0, BOOTSTRAPS.1);
    let (mut l1, mut l2, mut ols, mut cond) = (vec![], vec![], vec![], vec![]);
    let lambda = 2.0 * COLLINEAR_EXAMPLES as f64 * STABILITY_ALPHA;
    for &seed in seeds {
        let d = collinear(seed)?;
        cond.push(condition(d.features())?);
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(1_000_000));
        let (mut a, mut b, mut c) = (vec![], vec![], vec![]);
        for _ in 0..boots {
            let rows: Vec<usize> = (0..d.n_samples())
                .map(|_| rng.random_range(0..d.n_samples()))
                .collect();
            let s = d.select(&rows)?;
            a.push(
                Lasso::new(STABILITY_ALPHA)
                    .with_engine(ctx.engine)
                    .fit(&s)?
                    .coef,
            );
            b.push(
                LinearRegression::ridge(lambda)
                    .with_engine(ctx.engine)
                    .fit(&s)?
                    .coef,
            );
            c.push(
                LinearRegression::new()
                    .with_engine(ctx.engine)
                    .fit(&s)?
                    .coef,
            );
        }
        l1.push(pair_spread(&a).log10());
        l2.push(pair_spread(&b).log10());
        ols.push(pair_spread(&c).log10());
    }
    report.claim(
        "l2-more-stable-than-l1",
        "L2 regularization is generally more stable than L1",
        Verdict::paired_gain(
            "log10 bootstrap spread of the collinear pair's coefficients, L1 − L2",
            &l1,
            &l2,
            0.3,
        )
        .with(format!(
            "{COLLINEAR_EXAMPLES} examples, x₂ = x₁ + {}·u, {boots} bootstrap resamples per seed; cond(XᵀX) {} on average; lasso α = {}, ridge λ = 2mα = {}; mean spread L1 {}, L2 {}, unpenalised {}",
            num(COLLINEAR_GAP),
            num(mean_se(&cond).0),
            num(STABILITY_ALPHA),
            num(lambda),
            num(10f64.powf(mean_se(&l1).0)),
            num(10f64.powf(mean_se(&l2).0)),
            num(10f64.powf(mean_se(&ols).0))
        )),
    );
    Ok(())
}

/// Mean squared error of `model` on `d`.
fn mse(model: &impl Predict<f64>, d: &Dataset<f64>) -> Result<f64> {
    metrics::mse(d.targets().view(), model.predict(d.x())?.view())
}

/// Ridge (λ chosen by 5-fold cross-validation on the training set) against unpenalised least
/// squares, scored on a separate test set, with few examples for many features.
fn overfitting(report: &mut Report, ctx: &Context, seeds: &[u64]) -> Result<()> {
    let (mut ols_test, mut ridge_test, mut ols_train) = (vec![], vec![], vec![]);
    let mut chosen = vec![];
    for &seed in seeds {
        let train = data(OVERFIT_EXAMPLES, OVERFIT_IRRELEVANT, OVERFIT_NOISE, seed)?;
        let test = data(
            TEST_EXAMPLES,
            OVERFIT_IRRELEVANT,
            OVERFIT_NOISE,
            seed.wrapping_add(1_000_000),
        )?;
        let folds = KFold::new(5, seed).folds(train.n_samples(), None)?;
        let mut best = (f64::INFINITY, RIDGE_GRID[0]);
        for &l in &RIDGE_GRID {
            let scores = cross_val_score(
                &LinearRegression::ridge(l).with_engine(ctx.engine),
                &train,
                &folds,
                metrics::mse,
            )?;
            let cv = mean_se(&scores).0;
            if cv < best.0 {
                best = (cv, l);
            }
        }
        chosen.push(best.1);
        let ols = LinearRegression::new()
            .with_engine(ctx.engine)
            .fit(&train)?;
        let ridge = LinearRegression::ridge(best.1)
            .with_engine(ctx.engine)
            .fit(&train)?;
        ols_test.push(mse(&ols, &test)?.log10());
        ridge_test.push(mse(&ridge, &test)?.log10());
        ols_train.push(mse(&ols, &train)?);
    }
    report.claim(
        "regularization-prevents-overfitting",
        "Regularization prevents overfitting by penalizing large weights",
        Verdict::paired_gain(
            "log10 test MSE, unpenalised − ridge (λ by 5-fold CV on the training set)",
            &ols_test,
            &ridge_test,
            0.0,
        )
        .with(format!(
            "{OVERFIT_EXAMPLES} training examples, {} features ({} relevant), noise ±{}, {TEST_EXAMPLES} test examples; mean test MSE unpenalised {}, ridge {}; unpenalised train MSE {}; λ chosen {:?}",
            RELEVANT.len() + OVERFIT_IRRELEVANT,
            RELEVANT.len(),
            num(OVERFIT_NOISE),
            num(10f64.powf(mean_se(&ols_test).0)),
            num(10f64.powf(mean_se(&ridge_test).0)),
            num(mean_se(&ols_train).0),
            chosen
        )),
    );
    Ok(())
}

impl Experiment for Regularization {
    fn name(&self) -> &'static str {
        "regularization"
    }

    fn section(&self) -> &'static str {
        "Regularization"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let seeds = ctx.seeds();
        sparsity(&mut report, ctx, &seeds)?;
        weight_decay(&mut report, ctx, &seeds)?;
        stability(&mut report, ctx, &seeds)?;
        let (full, quick) = OVERFIT_DRAWS;
        let draws: Vec<u64> = (0..ctx.size(full, quick))
            .map(|r| ctx.seed.wrapping_add(r))
            .collect();
        overfitting(&mut report, ctx, &draws)?;
        Ok(report)
    }
}
