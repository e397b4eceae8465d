//! Linear regression: gradient descent against the normal equation on diabetes, ridge with a
//! growing λ, the normal equation's cost against gradient descent's as features grow,
//! multicollinearity (exact and near), and the dummy-variable trap.

use std::time::Instant;

use mlnotes::data::{self, Dataset};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict, Transform};
use mlnotes::experiment::{
    Context, Experiment, MIN_TIMING_REPEATS, Plot, Report, Series, Table, Verdict, half_iqr,
    mean_se, median, num,
};
use mlnotes::linalg::{largest_eigenvalue, solve_spd, symmetric_eigen};
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{FittedLinear, LinearRegression, design};
use mlnotes::metrics;
use mlnotes::optim::{GradientDescent, Lbfgs, Objective, Solver};
use mlnotes::preprocess::Scaler;
use mlnotes::selection::HoldOut;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis, concatenate, s};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::f4;
use mlnotes::metrics::log_log_slope;

/// The `linear-regression` experiment.
pub struct LinearRegressionExperiment;

/// Ridge penalties of the path.
const LAMBDAS: [f64; 6] = [0.0, 1.0, 10.0, 100.0, 1000.0, 10_000.0];

/// Feature counts of the timing sweep (full, quick), with `EXAMPLES_PER_FEATURE · n` examples.
const SWEEP_FULL: [usize; 4] = [50, 100, 200, 400];
const SWEEP_QUICK: [usize; 4] = [25, 50, 100, 200];
const EXAMPLES_PER_FEATURE: usize = 4;
/// Gradient descent in the sweep: stop at this relative change of the cost, within this many
/// epochs, at step 1/λ_max estimated by this many power iterations.
const GD_TOL: f64 = 1e-10;
const GD_MAX_EPOCHS: usize = 20_000;
const POWER_ITERATIONS: usize = 30;

/// Near-collinear pair: examples, how far x₂ strays from x₁, bootstrap resamples (full, quick).
const COLLINEAR_EXAMPLES: usize = 100;
const COLLINEAR_GAP: f64 = 0.05;
const BOOTSTRAPS: (usize, usize) = (40, 20);

/// Dummy-variable trap: the categories' effects on y and the examples per seed.
const CATEGORY_EFFECTS: [f64; 3] = [1.0, 3.0, -0.5];
const DUMMY_EXAMPLES: usize = 60;

/// Largest absolute entry.
fn max_abs(v: &Array1<f64>) -> f64 {
    v.iter().fold(0.0f64, |a, d| a.max(d.abs()))
}

/// `X_cᵀX_c` of the centred columns of `x` (the matrix the normal equation factors).
fn centred_gram(x: ArrayView2<f64>) -> Array2<f64> {
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let c = &x - &mean;
    c.t().dot(&c)
}

/// `λ_min / λ_max` of a symmetric positive semi-definite matrix (|λ_min|: rounding may make a
/// zero eigenvalue slightly negative).
fn eigen_ratio(a: &Array2<f64>) -> Result<f64> {
    let (values, _) = symmetric_eigen(a.view())?;
    Ok(values[values.len() - 1].abs() / values[0])
}

/// Gradient descent and the normal equation on standardised diabetes (fixed data: one
/// deterministic measurement).
fn same_parameters(report: &mut Report, ctx: &Context, diabetes: &Dataset<f64>) -> Result<()> {
    let exact = LinearRegression::new()
        .with_engine(ctx.engine)
        .fit(diabetes)?;
    let x = design(diabetes.x());
    let cost = SquaredError::new(x.view(), diabetes.targets().view(), 0.0)?;
    let lmax = largest_eigenvalue(
        cost.hessian(Array1::zeros(x.ncols()).view())
            .ok_or_else(|| Error::invalid("no Hessian"))?
            .view(),
    );
    let gd = GradientDescent {
        learning_rate: 1.0 / lmax,
        max_epochs: ctx.size(200_000, 100_000),
        tol: 1e-15,
        ..Default::default()
    };
    let by_gd = LinearRegression::new()
        .with_solver(Solver::GradientDescent(gd))
        .fit(diabetes)?;
    let by_lbfgs = LinearRegression::new()
        .with_solver(Solver::Lbfgs(Lbfgs {
            tol: 1e-10,
            ..Default::default()
        }))
        .fit(diabetes)?;
    let gap = |m: &FittedLinear| max_abs(&(&m.theta() - &exact.theta()));
    let mut t = Table::new(
        "θ on standardised diabetes: normal equation against iterative solvers",
        &["method", "iterations", "max |θ - θ_normal|"],
    );
    t.row(vec!["normal equation".into(), "-".into(), "0".into()]);
    for (name, m) in [
        ("batch gradient descent (α = 1/λ_max)", &by_gd),
        ("L-BFGS", &by_lbfgs),
    ] {
        t.row(vec![
            name.into(),
            m.history.as_ref().map_or(0, |h| h.iterations).to_string(),
            format!("{:.2e}", gap(m)),
        ]);
    }
    report.table(t);
    report.claim(
        "gd-matches-normal-equation",
        "Gradient descent and the normal equation θ = (XᵀX)⁻¹Xᵀy reach the same parameters",
        Verdict::at_most("max |θ_GD − θ_normal|", gap(&by_gd), 1e-3)
            .and(Verdict::at_most(
                "max |θ_L-BFGS − θ_normal|",
                gap(&by_lbfgs),
                1e-3,
            ))
            .with(format!(
                "coefficients of size up to {}",
                num(max_abs(&exact.coef))
            )),
    );
    Ok(())
}

/// Ridge along [`LAMBDAS`] on a 70/30 split of diabetes per seed; the first seed's table and
/// coefficient paths.
fn ridge_path(
    report: &mut Report,
    ctx: &Context,
    diabetes: &Dataset<f64>,
    seeds: &[u64],
) -> Result<()> {
    let mut t = Table::new(
        &format!(
            "Ridge regression on diabetes (70/30 split, seed {})",
            seeds[0]
        ),
        &["λ", "‖w‖₂", "train R²", "test R²"],
    );
    let mut paths: Vec<Vec<(f64, f64)>> = vec![Vec::new(); diabetes.n_features()];
    let mut outcomes = Vec::new();
    let (mut first, mut last) = (Vec::new(), Vec::new());
    for (k, &seed) in seeds.iter().enumerate() {
        let split = HoldOut::train_test(0.7, seed).split(diabetes.n_samples(), None)?;
        let (train, test) = (
            diabetes.select(&split.train)?,
            diabetes.select(&split.test)?,
        );
        let mut norms = Vec::new();
        let mut no_zero = true;
        for &l in &LAMBDAS {
            let m = LinearRegression::ridge(l)
                .with_engine(ctx.engine)
                .fit(&train)?;
            let norm = m.coef.dot(&m.coef).sqrt();
            norms.push(norm);
            no_zero = m.coef.iter().all(|&c| c != 0.0);
            if k == 0 {
                let r2 = |d: &Dataset<f64>| -> Result<f64> {
                    metrics::r2(d.targets().view(), m.predict(d.x())?.view())
                };
                t.row(vec![
                    l.to_string(),
                    f4(norm),
                    f4(r2(&train)?),
                    f4(r2(&test)?),
                ]);
                for (j, path) in paths.iter_mut().enumerate() {
                    path.push(((l + 1.0).log10(), m.coef[j]));
                }
            }
        }
        outcomes.push(norms.windows(2).all(|w| w[1] < w[0]) && no_zero);
        first.push(norms[0]);
        last.push(norms[norms.len() - 1]);
    }
    report.table(t);
    report.claim(
        "ridge-shrinks-weights",
        "Ridge regression: a larger λ drives the weights towards 0 (but rarely exactly 0)",
        Verdict::share(
            "‖w‖ falls at every step of λ and no weight is exactly 0 at λ = 10⁴",
            &outcomes,
            1.0,
        )
        .with(format!(
            "mean ‖w‖ from {} (λ = 0) to {} (λ = 10⁴)",
            num(mean_se(&first).0),
            num(mean_se(&last).0)
        )),
    );
    let mut plot = Plot::new(
        "ridge_path.svg",
        "Ridge coefficient paths on diabetes",
        "log10(1 + λ)",
        "coefficient",
    );
    for (j, path) in paths.into_iter().enumerate() {
        plot = plot.with(Series::line(&diabetes.feature_names()[j], path));
    }
    report.plot(plot);
    Ok(())
}

/// Largest eigenvalue of `[1 | X]ᵀ[1 | X] / m` (the squared-error Hessian) by power iteration
/// on matrix-vector products, O(m·n) each: gradient descent's step 1/λ_max without forming
/// the n × n Hessian.
fn hessian_lmax(x: ArrayView2<f64>, iterations: usize) -> f64 {
    let (m, n) = (x.nrows() as f64, x.ncols());
    let mut v = Array1::from_elem(n + 1, 1.0 / ((n + 1) as f64).sqrt());
    let mut lambda = 0.0;
    for _ in 0..iterations {
        let u = x.dot(&v.slice(s![1..])) + v[0];
        let mut w = Array1::zeros(n + 1);
        w[0] = u.sum() / m;
        w.slice_mut(s![1..]).assign(&(x.t().dot(&u) / m));
        lambda = v.dot(&w);
        let norm = w.dot(&w).sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        v = w / norm;
    }
    lambda
}

/// One size of the timing sweep: wall-clock seconds of every repeat (the whole normal-equation
/// fit, its n × n solve alone, gradient descent's fit), gradient descent's epochs and its
/// distance to the normal equation's θ.
struct SweepPoint {
    n: usize,
    normal: Vec<f64>,
    solve: Vec<f64>,
    gd: Vec<f64>,
    epochs: usize,
    gap: f64,
}

/// The normal equation against gradient descent as the number of features n grows, with
/// m = 4n examples (medians of repeated fits).
fn timing_sweep(report: &mut Report, ctx: &Context) -> Result<()> {
    let sizes = ctx.size(SWEEP_FULL, SWEEP_QUICK);
    let mut rng = StdRng::seed_from_u64(ctx.seed);
    let mut points = Vec::new();
    let bar = ctx.progress(
        sizes.len() as u64,
        "normal equation against gradient descent",
    );
    for &n in &sizes {
        let m = EXAMPLES_PER_FEATURE * n;
        let xs = Array2::from_shape_fn((m, n), |_| rng.random_range(-1.0..1.0));
        let w = Array1::from_shape_fn(n, |_| rng.random_range(-1.0..1.0));
        let ys = xs.dot(&w).mapv(|v| v + rng.random_range(-0.5..0.5));
        let (gram, xty) = (xs.t().dot(&xs), xs.t().dot(&ys));
        let d = Dataset::new(xs, ys)?;
        let mut p = SweepPoint {
            n,
            normal: vec![],
            solve: vec![],
            gd: vec![],
            epochs: 0,
            gap: 0.0,
        };
        for _ in 0..MIN_TIMING_REPEATS {
            let start = Instant::now();
            let exact = LinearRegression::new().fit(&d)?;
            p.normal.push(start.elapsed().as_secs_f64());
            let start = Instant::now();
            solve_spd(gram.view(), xty.view(), "XᵀX")?;
            p.solve.push(start.elapsed().as_secs_f64());
            let start = Instant::now();
            let gd = GradientDescent {
                learning_rate: 1.0 / hessian_lmax(d.x(), POWER_ITERATIONS),
                max_epochs: GD_MAX_EPOCHS,
                tol: GD_TOL,
                ..Default::default()
            };
            let fitted = LinearRegression::new()
                .with_solver(Solver::GradientDescent(gd))
                .fit(&d)?;
            p.gd.push(start.elapsed().as_secs_f64());
            p.epochs = fitted.history.as_ref().map_or(0, |h| h.iterations);
            p.gap = max_abs(&(&fitted.theta() - &exact.theta())) / max_abs(&exact.theta());
        }
        points.push(p);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut t = Table::new(
        &format!(
            "Fit time, m = {EXAMPLES_PER_FEATURE}n examples (median of {MIN_TIMING_REPEATS} fits)"
        ),
        &[
            "features n",
            "normal equation (ms)",
            "gradient descent (ms)",
            "gradient-descent epochs",
            "max |θ_GD − θ_normal| / max |θ|",
        ],
    )
    .timed();
    for p in &points {
        t.row(vec![
            p.n.to_string(),
            format!("{:.3}", median(&p.normal) * 1e3),
            format!("{:.3}", median(&p.gd) * 1e3),
            p.epochs.to_string(),
            format!("{:.1e}", p.gap),
        ]);
    }
    report.table(t);
    let at = |f: fn(&SweepPoint) -> f64| -> Vec<(f64, f64)> {
        points.iter().map(|p| (p.n as f64, f(p))).collect()
    };
    let normal = at(|p| median(&p.normal));
    let solve = at(|p| median(&p.solve));
    let gd = at(|p| median(&p.gd));
    let ratio = at(|p| median(&p.normal) / median(&p.gd));
    let slope = log_log_slope(&normal);
    report.timing("normal_equation_time_exponent", slope);
    let (n_min, n_max) = (sizes[0], sizes[sizes.len() - 1]);
    report.claim(
        "normal-equation-cubic",
        "The normal equation costs O(n³) in the number of features n",
        Verdict::slope(
            "time to solve the n × n system XᵀX θ = Xᵀy (Cholesky) against n",
            &solve,
            2.5,
            3.5,
        )
        .timed()
        .with(format!(
            "median solve {} s at n = {n_min}, {} s at n = {n_max}; the whole fit with m = {EXAMPLES_PER_FEATURE}n (forming XᵀX costs m·n², also cubic here) grows with slope {}",
            num(solve[0].1),
            num(solve[solve.len() - 1].1),
            num(slope)
        )),
    );
    // Where the fitted power law of the ratio reaches 1: ln r = a + b ln n.
    let b = log_log_slope(&ratio);
    let k = ratio.len() as f64;
    let a = ratio.iter().map(|p| p.1.ln()).sum::<f64>() / k
        - b * ratio.iter().map(|p| p.0.ln()).sum::<f64>() / k;
    let crossover = if b > 0.0 {
        (-a / b).exp()
    } else {
        f64::INFINITY
    };
    let epochs: Vec<usize> = points.iter().map(|p| p.epochs).collect();
    report.claim(
        "gd-efficient-large-n",
        "Gradient descent is efficient for large n; the normal equation becomes expensive as n grows",
        Verdict::slope(
            "time ratio normal equation / gradient descent against n",
            &ratio,
            0.5,
            3.0,
        )
        .and(Verdict::speedup(
            &format!("gradient descent over the normal equation at the largest n = {n_max}"),
            &points[points.len() - 1].normal,
            &points[points.len() - 1].gd,
            1.0,
        ))
        .timed()
        .with(format!(
            "ratio {} at n = {n_min}, {} at n = {n_max}; the fitted power law would reach 1 (gradient descent faster) near n ≈ {} (an extrapolation, not measured); gradient descent (step 1/λ_max by power iteration, stopped at a relative change of {}) ran {}–{} epochs and ended within {} of θ_normal",
            num(ratio[0].1),
            num(ratio[ratio.len() - 1].1),
            num(crossover),
            num(GD_TOL),
            epochs.iter().min().copied().unwrap_or(0),
            epochs.iter().max().copied().unwrap_or(0),
            num(points.iter().fold(0.0f64, |acc, p| acc.max(p.gap)))
        )),
    );
    let spread = |f: fn(&SweepPoint) -> &Vec<f64>| -> Vec<f64> {
        points.iter().map(|p| half_iqr(f(p)) * 1e3).collect()
    };
    let ms = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
        pts.iter().map(|&(n, t)| (n, t * 1e3)).collect()
    };
    report.plot(
        Plot::new(
            "normal_equation_time.svg",
            &format!(
                "Fit time against features, m = {EXAMPLES_PER_FEATURE}n (median ± half IQR of {MIN_TIMING_REPEATS})"
            ),
            "features n",
            "fit time (ms)",
        )
        .with(Series::line("normal equation", ms(&normal)).with_errors(spread(|p| &p.normal)))
        .with(Series::line("gradient descent", ms(&gd)).with_errors(spread(|p| &p.gd)))
        .timed(),
    );
    Ok(())
}

/// A duplicated feature of diabetes (fixed data): XᵀX singular, ridge fits.
fn duplicated_feature(report: &mut Report, ctx: &Context, diabetes: &Dataset<f64>) -> Result<()> {
    let dup = concatenate(
        Axis(1),
        &[
            diabetes.x(),
            diabetes.features().column(2).insert_axis(Axis(1)),
        ],
    )
    .map_err(|e| Error::invalid(e.to_string()))?;
    let gram = centred_gram(dup.view());
    let collinear = diabetes.with_features(dup)?;
    let ols = LinearRegression::new()
        .with_engine(ctx.engine)
        .fit(&collinear);
    let ridge = LinearRegression::ridge(1.0)
        .with_engine(ctx.engine)
        .fit(&collinear);
    let (values, _) = symmetric_eigen(gram.view())?;
    let ridge_ratio = (values[values.len() - 1] + 1.0) / (values[0] + 1.0);
    let refused = matches!(ols, Err(Error::Singular { .. })) && ridge.is_ok();
    report.claim(
        "multicollinearity-singular",
        "Multicollinearity makes XᵀX non-invertible; ridge (λ on the diagonal) handles it",
        Verdict::at_most(
            "λ_min/λ_max of the centred XᵀX with 'bmi' duplicated",
            eigen_ratio(&gram)?,
            1e-12,
        )
        .and(Verdict::share(
            "OLS refused as singular and ridge (λ = 1) fitted",
            &[refused],
            1.0,
        ))
        .with(format!(
            "λ_min/λ_max of XᵀX + λI' = {}; OLS: {}",
            num(ridge_ratio),
            ols.err().map_or("fitted".into(), |e| e.to_string())
        )),
    );
    Ok(())
}

/// One seed's pair of designs with the same x₁, other feature, y rule and noise: x₂ near-collinear
/// with x₁ (x₁ + gap·u), or drawn independently; y = 1.5x₁ + 1.5x₂ + x₃ + noise.
fn pair_designs(seed: u64) -> Result<(Dataset<f64>, Dataset<f64>)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let m = COLLINEAR_EXAMPLES;
    let mut draw = || Array1::from_shape_fn(m, |_| rng.random_range(-1.0..1.0));
    let (x1, u, independent, other, noise) = (draw(), draw(), draw(), draw(), draw());
    let build = |x2: Array1<f64>| {
        let y = 1.5 * &x1 + 1.5 * &x2 + &other + 0.5 * &noise;
        let x = Array2::from_shape_fn((m, 3), |(i, j)| match j {
            0 => x1[i],
            1 => x2[i],
            _ => other[i],
        });
        Dataset::new(x, y)
    };
    Ok((build(COLLINEAR_GAP * &u + &x1)?, build(independent)?))
}

/// Standard deviation over resamples of the first two coefficients, averaged over the two.
fn pair_spread(coefs: &[Array1<f64>]) -> f64 {
    let sd = |j: usize| {
        let v: Vec<f64> = coefs.iter().map(|c| c[j]).collect();
        mean_se(&v).1.unwrap_or(0.0) * (v.len() as f64).sqrt()
    };
    0.5 * (sd(0) + sd(1))
}

/// OLS coefficients over bootstrap resamples, near-collinear pair against independent pair.
fn near_collinearity(report: &mut Report, ctx: &Context, seeds: &[u64]) -> Result<()> {
    let boots = ctx.size(BOOTSTRAPS.0, BOOTSTRAPS.1);
    let (mut ratios, mut spread_collinear, mut spread_independent) = (vec![], vec![], vec![]);
    let (mut cond_collinear, mut cond_independent) = (vec![], vec![]);
    for &seed in seeds {
        let (collinear, independent) = pair_designs(seed)?;
        let ratio =
            |d: &Dataset<f64>| -> Result<f64> { Ok(1.0 / eigen_ratio(&centred_gram(d.x()))?) };
        cond_collinear.push(ratio(&collinear)?);
        cond_independent.push(ratio(&independent)?);
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(1_000_000));
        let (mut a, mut b) = (vec![], vec![]);
        for _ in 0..boots {
            let rows: Vec<usize> = (0..COLLINEAR_EXAMPLES)
                .map(|_| rng.random_range(0..COLLINEAR_EXAMPLES))
                .collect();
            let ols = LinearRegression::new().with_engine(ctx.engine);
            a.push(ols.fit(&collinear.select(&rows)?)?.coef);
            b.push(ols.fit(&independent.select(&rows)?)?.coef);
        }
        let (sa, sb) = (pair_spread(&a), pair_spread(&b));
        spread_collinear.push(sa);
        spread_independent.push(sb);
        ratios.push((sa / sb).log10());
    }
    report.claim(
        "collinearity-unstable-ols",
        "Multicollinearity: highly correlated features make XᵀX numerically unstable, affecting model interpretation",
        Verdict::mean_above(
            "log10 (bootstrap spread of the OLS coefficients of x₁, x₂: near-collinear / independent)",
            &ratios,
            1.0,
        )
        .with(format!(
            "{COLLINEAR_EXAMPLES} examples, x₂ = x₁ + {}·u, {boots} resamples per seed; mean spread {} (near-collinear) against {} (independent), true coefficients 1.5; cond(XᵀX) {} against {}",
            num(COLLINEAR_GAP),
            num(mean_se(&spread_collinear).0),
            num(mean_se(&spread_independent).0),
            num(mean_se(&cond_collinear).0),
            num(mean_se(&cond_independent).0)
        )),
    );
    Ok(())
}

/// A categorical feature of three levels one-hot encoded with an intercept: every column, or
/// every column but the first.
fn dummy_trap(report: &mut Report, ctx: &Context, seeds: &[u64]) -> Result<()> {
    let k = CATEGORY_EFFECTS.len();
    let (mut full_ratio, mut drop_ratio, mut outcomes) = (vec![], vec![], vec![]);
    let mut worst = 0.0f64;
    for &seed in seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let cats: Vec<usize> = (0..DUMMY_EXAMPLES)
            .map(|_| rng.random_range(0..k))
            .collect();
        let y = Array1::from_shape_fn(DUMMY_EXAMPLES, |i| {
            2.0 + CATEGORY_EFFECTS[cats[i]] + rng.random_range(-0.5..0.5)
        });
        let one_hot = |first: usize| {
            Array2::from_shape_fn((DUMMY_EXAMPLES, k - first), |(i, j)| {
                f64::from(u8::from(cats[i] == j + first))
            })
        };
        let (full, dropped) = (one_hot(0), one_hot(1));
        let gram = |x: &Array2<f64>| {
            let d = design(x.view());
            d.t().dot(&d)
        };
        full_ratio.push(eigen_ratio(&gram(&full))?);
        drop_ratio.push(eigen_ratio(&gram(&dropped))?);
        let ols = LinearRegression::new().with_engine(ctx.engine);
        let full_fit = ols.fit(&Dataset::new(full, y.clone())?);
        let drop_fit = ols.fit(&Dataset::new(dropped, y)?);
        outcomes.push(matches!(full_fit, Err(Error::Singular { .. })) && drop_fit.is_ok());
        if let Ok(f) = drop_fit {
            for (j, effect) in CATEGORY_EFFECTS.iter().enumerate().skip(1) {
                let want = effect - CATEGORY_EFFECTS[0];
                worst = worst.max((f.coef[j - 1] - want).abs());
            }
        }
    }
    report.claim(
        "dummy-variable-trap",
        "For linear models, drop one one-hot column (dummy variable trap) to avoid perfect multicollinearity",
        Verdict::mean_below(
            "λ_min/λ_max of XᵀX, intercept + every one-hot column",
            &full_ratio,
            1e-12,
        )
        .and(Verdict::mean_above(
            "λ_min/λ_max of XᵀX, intercept + one-hot without its first column",
            &drop_ratio,
            1e-3,
        ))
        .and(Verdict::share(
            "full one-hot refused as singular while drop-first fitted",
            &outcomes,
            1.0,
        ))
        .with(format!(
            "{k} categories, {DUMMY_EXAMPLES} examples per seed; drop-first coefficients within {} of the effects relative to the first category",
            num(worst)
        )),
    );
    Ok(())
}

impl Experiment for LinearRegressionExperiment {
    fn name(&self) -> &'static str {
        "linear-regression"
    }

    fn section(&self) -> &'static str {
        "Linear Regression"
    }

    fn engines(&self) -> &'static [Engine] {
        &[Engine::Native, Engine::Linfa, Engine::Smartcore]
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let raw = data::diabetes();
        let diabetes =
            raw.with_features(Scaler::standardization().fit(&raw)?.transform(raw.x())?)?;
        let seeds = ctx.seeds();

        // 1. Gradient descent and the normal equation find the same θ.
        same_parameters(&mut report, ctx, &diabetes)?;
        // 2. Ridge: λ shrinks the weights.
        ridge_path(&mut report, ctx, &diabetes, &seeds)?;
        // 3. The normal equation's cost grows like n³; gradient descent's more slowly.
        timing_sweep(&mut report, ctx)?;
        // 4. Multicollinearity: exact (a duplicated feature) and near (bootstrap spread).
        duplicated_feature(&mut report, ctx, &diabetes)?;
        near_collinearity(&mut report, ctx, &seeds)?;
        // 5. One-hot encoding with an intercept: the dummy-variable trap.
        dummy_trap(&mut report, ctx, &seeds)?;
        Ok(report)
    }
}
