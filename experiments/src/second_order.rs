//! Second-order methods: Newton's method against BFGS, L-BFGS and gradient descent on
//! logistic regression; Newton's one step on a quadratic; BFGS's inverse-Hessian estimate
//! against the true inverse; then the cost of Newton's Hessian solve as the feature count grows.

use std::time::Instant;

use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Transform};
use mlnotes::experiment::{
    Context, Experiment, MIN_TIMING_REPEATS, Plot, Report, Series, Table, Verdict, half_iqr,
    mean_se, median, num,
};
use mlnotes::linalg::{self, largest_eigenvalue};
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{LinearRegression, LogisticRegression, design};
use mlnotes::optim::{Bfgs, GradientDescent, Lbfgs, Newton, Objective, Rows, Solver};
use mlnotes::preprocess::Scaler;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The `second-order` experiment.
pub struct SecondOrder;

/// Feature counts of the timing sweep (full, quick).
const SIZES_FULL: [usize; 4] = [50, 100, 200, 400];
const SIZES_QUICK: [usize; 4] = [25, 50, 100, 200];
/// Examples of the timing sweep (full, quick).
const SWEEP_EXAMPLES: (usize, usize) = (2000, 500);
/// Repeats of every timed fit (medians are compared).
const REPEATS: usize = MIN_TIMING_REPEATS;
/// Parameters of the quadratic whose inverse Hessian BFGS estimates.
const BFGS_PARAMS: usize = 10;
/// The BFGS run stops at this gradient norm, if not after n/2 iterations (before steps so small
/// that `yᵀs` is rounding).
const BFGS_TOL: f64 = 1e-10;

struct Timed {
    iterations: usize,
    seconds: f64,
    loss: f64,
}

fn fit(data: &Dataset, solver: Solver) -> Result<Timed> {
    let start = Instant::now();
    let m = LogisticRegression::new(1.0).with_solver(solver).fit(data)?;
    let seconds = start.elapsed().as_secs_f64();
    let h = &m.history[0];
    Ok(Timed {
        iterations: h.iterations,
        seconds,
        loss: h.loss[h.loss.len() - 1],
    })
}

fn synthetic(m: usize, n: usize, seed: u64) -> Result<Dataset> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((m, n), |_| rng.random_range(-1.0..1.0));
    let w = Array1::from_shape_fn(n, |_| rng.random_range(-1.0..1.0));
    let y = x
        .dot(&w)
        .mapv(|s| usize::from(s + rng.random_range(-0.5..0.5) > 0.0));
    Dataset::classification(x, y)
}

/// The four methods on standardised breast cancer (deterministic: fixed data, no randomness):
/// iterations and final cost.
fn solvers_compared(report: &mut Report, ctx: &Context) -> Result<()> {
    let raw = data::breast_cancer();
    let cancer = raw.with_features(Scaler::standardization().fit(&raw)?.transform(raw.x())?)?;
    let tol = 1e-8;
    let solvers = [
        ("Newton", Solver::Newton(Newton { max_iter: 100, tol })),
        (
            "BFGS",
            Solver::Bfgs(Bfgs {
                max_iter: 1000,
                tol,
            }),
        ),
        (
            "L-BFGS",
            Solver::Lbfgs(Lbfgs {
                memory: 10,
                max_iter: 1000,
                tol,
            }),
        ),
        (
            "gradient descent",
            Solver::GradientDescent(GradientDescent {
                learning_rate: 0.5,
                max_epochs: ctx.size(50_000, 5000),
                tol: 1e-14,
                ..Default::default()
            }),
        ),
    ];
    let mut t = Table::new(
        "Logistic regression (λ = 1) on standardised breast cancer (569 x 30)",
        &["method", "iterations", "time (ms)", "final cost"],
    )
    .timed();
    let mut results = Vec::new();
    for (name, solver) in solvers {
        let r = fit(&cancer, solver)?;
        t.row(vec![
            name.into(),
            r.iterations.to_string(),
            format!("{:.2}", r.seconds * 1e3),
            format!("{:.10}", r.loss),
        ]);
        results.push((name, r));
    }
    report.table(t);
    let get = |n: &str| &results.iter().find(|(k, _)| *k == n).expect("ran").1;
    let (newton, lbfgs, gd) = (get("Newton"), get("L-BFGS"), get("gradient descent"));
    let per_newton = |r: &Timed| r.iterations as f64 / newton.iterations.max(1) as f64;
    report.claim(
        "newton-few-iterations",
        "Newton's method: fast convergence (few iterations)",
        Verdict::at_least("L-BFGS iterations / Newton's", per_newton(lbfgs), 2.0)
            .and(Verdict::at_least(
                "gradient-descent iterations / Newton's",
                per_newton(gd),
                2.0,
            ))
            .with(format!(
                "iterations to ‖∇J‖ ≤ {}: Newton {}, L-BFGS {}, gradient descent {}",
                num(tol),
                newton.iterations,
                lbfgs.iterations,
                gd.iterations
            )),
    );
    let gap = |n: &str| (get(n).loss - newton.loss).abs();
    report.claim(
        "same-convex-minimum",
        "All methods minimise the same convex cost",
        Verdict::at_most("|J_BFGS − J_Newton|", gap("BFGS"), 1e-7)
            .and(Verdict::at_most(
                "|J_L-BFGS − J_Newton|",
                gap("L-BFGS"),
                1e-7,
            ))
            .and(Verdict::at_most(
                "|J_gradient descent − J_Newton|",
                gap("gradient descent"),
                1e-3,
            ))
            .with(format!(
                "Newton's final cost {}; gradient descent after {} iterations",
                num(newton.loss),
                gd.iterations
            )),
    );
    Ok(())
}

/// Newton's method on the least-squares cost of standardised diabetes (a quadratic): one step
/// against the normal equation's θ, and one gradient step for contrast.
fn newton_one_step(report: &mut Report) -> Result<()> {
    let raw = data::diabetes();
    let diabetes = raw.with_features(Scaler::standardization().fit(&raw)?.transform(raw.x())?)?;
    let exact = LinearRegression::new().fit(&diabetes)?.theta();
    let x = design(diabetes.x());
    let cost = SquaredError::new(x.view(), diabetes.targets().view(), 0.0)?;
    let zero = Array1::<f64>::zeros(x.ncols());
    let newton = Newton {
        max_iter: 1,
        tol: 1e-12,
    };
    let (theta, _) = newton.minimize(&cost, zero.view())?;
    let hessian = cost
        .hessian(zero.view())
        .ok_or_else(|| Error::invalid("no Hessian"))?;
    let step = GradientDescent {
        learning_rate: 1.0 / largest_eigenvalue(hessian.view()),
        max_epochs: 1,
        tol: 0.0,
        ..Default::default()
    };
    let (one_gd, _) = step.minimize(&cost, zero.view())?;
    let scale = exact.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let off = |t: &Array1<f64>| (t - &exact).iter().fold(0.0f64, |a, v| a.max(v.abs())) / scale;
    report.claim(
        "newton-minimum-directly",
        "Newton's method uses the Hessian matrix to find the minimum directly",
        Verdict::at_most(
            "max |θ after one Newton step − θ of the normal equation| / max |θ|",
            off(&theta),
            1e-8,
        )
        .with(format!(
            "least squares on standardised diabetes (11 parameters) from θ = 0; one gradient step at 1/λ_max leaves {}",
            num(off(&one_gd))
        )),
    );
    Ok(())
}

/// Relative Frobenius distance `‖h − target‖ / ‖target‖`.
fn relative_error(h: &Array2<f64>, target: &Array2<f64>) -> f64 {
    let norm = |m: &Array2<f64>| m.iter().map(|v| v * v).sum::<f64>().sqrt();
    norm(&(h - target)) / norm(target)
}

/// `J(θ) = ½ θᵀAθ − bᵀθ`, whose Hessian is `A` everywhere.
struct Quadratic {
    a: Array2<f64>,
    b: Array1<f64>,
}

impl Objective for Quadratic {
    fn n_params(&self) -> usize {
        self.b.len()
    }
    fn n_samples(&self) -> usize {
        1
    }
    fn loss_grad(&self, theta: ArrayView1<f64>, _rows: Rows, grad: &mut Array1<f64>) -> f64 {
        let at = self.a.dot(&theta);
        let loss = 0.5 * theta.dot(&at) - self.b.dot(&theta);
        *grad = at - &self.b;
        loss
    }
}

/// How far the library's BFGS estimate `H` of the inverse Hessian is from `A⁻¹` after a
/// number of iterations.
struct BfgsEstimate {
    /// `‖H − A⁻¹‖ / ‖A⁻¹‖` (Frobenius).
    matrix_error: f64,
    /// At the point θ_k where the run stopped: `‖H g − A⁻¹ g‖ / ‖A⁻¹ g‖`, `g = ∇J(θ_k)`, the
    /// quasi-Newton step against Newton's.
    step_error: f64,
    /// The same with `H = I` (the gradient step).
    gradient_step_error: f64,
}

/// The library's BFGS (argmin's, More-Thuente line search) on `q` from θ = 0 and `H₀ = I`,
/// stopped after `iterations`.
fn bfgs_estimate(q: &Quadratic, inverse: &Array2<f64>, iterations: u64) -> Result<BfgsEstimate> {
    let bfgs = Bfgs {
        max_iter: iterations,
        tol: BFGS_TOL,
    };
    let (theta, _, h) = bfgs.minimize_with_estimate(q, Array1::zeros(q.b.len()).view())?;
    let g = q.a.dot(&theta) - &q.b;
    let newton = inverse.dot(&g);
    let norm = |v: &Array1<f64>| v.dot(v).sqrt();
    let off = |step: Array1<f64>| norm(&(step - &newton)) / norm(&newton);
    Ok(BfgsEstimate {
        matrix_error: relative_error(&h, inverse),
        step_error: off(h.dot(&g)),
        gradient_step_error: off(g),
    })
}

/// The library's BFGS estimate of the inverse Hessian against the true inverse on random
/// quadratics, one per seed (`A = MᵀM/2n + I/2`, M Gaussian 2n × n), after n/2 iterations:
/// the step it takes there against Newton's step (the Dennis–Moré sense in which a
/// quasi-Newton matrix approximates the Hessian: along the directions the run explores).
fn bfgs_approximates(report: &mut Report, seeds: &[u64]) -> Result<()> {
    let n = BFGS_PARAMS;
    let mut runs = Vec::new();
    let (mut start, mut conditions) = (Vec::new(), Vec::new());
    for &seed in seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let mm = Array2::from_shape_fn((2 * n, n), |_| {
            rng.sample::<f64, _>(rand_distr::StandardNormal)
        });
        let a = mm.t().dot(&mm) / (2 * n) as f64 + Array2::<f64>::eye(n) * 0.5;
        let b = Array1::from_shape_fn(n, |_| rng.random_range(-1.0..1.0));
        let (values, vectors) = linalg::symmetric_eigen(a.view())?;
        let inverse = vectors
            .dot(&Array2::from_diag(&values.mapv(|v| 1.0 / v)))
            .dot(&vectors.t());
        conditions.push(values[0] / values[n - 1]);
        start.push(relative_error(&Array2::eye(n), &inverse));
        runs.push(bfgs_estimate(
            &Quadratic { a, b },
            &inverse,
            (n / 2) as u64,
        )?);
    }
    let col = |f: fn(&BfgsEstimate) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let (step, gradient_step) = (col(|r| r.step_error), col(|r| r.gradient_step_error));
    report.claim(
        "bfgs-approximates-hessian",
        "BFGS / L-BFGS: quasi-Newton methods that approximate the Hessian (the library's BFGS estimate measured)",
        Verdict::paired_gain(
            &format!(
                "‖H∇J − A⁻¹∇J‖ / ‖A⁻¹∇J‖ at the point reached after {} iterations (the step's distance from Newton's step), gradient step (H = I) − BFGS's step",
                n / 2
            ),
            &gradient_step,
            &step,
            0.0,
        )
        .and(Verdict::paired_gain(
            &format!("‖H − A⁻¹‖ / ‖A⁻¹‖, at H₀ = I − after {} iterations", n / 2),
            &start,
            &col(|r| r.matrix_error),
            0.0,
        ))
        .with(format!(
            "argmin's BFGS (More-Thuente line search, the library's `Bfgs`) from H₀ = I on a {n}-parameter quadratic per seed (condition number {} on average); mean distance from Newton's step: BFGS {}, gradient step {}",
            num(mean_se(&conditions).0),
            num(mean_se(&step).0),
            num(mean_se(&gradient_step).0)
        )),
    );
    Ok(())
}

/// Wall-clock seconds of repeated fits of one solver, and its iterations.
struct Repeated {
    seconds: Vec<f64>,
    iterations: usize,
}

impl Repeated {
    fn median(&self) -> f64 {
        median(&self.seconds)
    }
}

/// Newton's method against L-BFGS as the number of features n grows (medians of repeats).
fn scaling(report: &mut Report, ctx: &Context) -> Result<()> {
    let sizes = ctx.size(SIZES_FULL, SIZES_QUICK);
    let m = ctx.size(SWEEP_EXAMPLES.0, SWEEP_EXAMPLES.1);
    let newton = Solver::Newton(Newton {
        max_iter: 100,
        tol: 1e-6,
    });
    let lbfgs = Solver::Lbfgs(Lbfgs {
        memory: 10,
        max_iter: 1000,
        tol: 1e-6,
    });
    let mut t = Table::new(
        &format!(
            "Time to fit logistic regression on {m} synthetic examples (median of {REPEATS} fits)"
        ),
        &[
            "features n",
            "Newton (ms)",
            "L-BFGS (ms)",
            "Newton iterations",
            "Newton time per iteration (ms)",
        ],
    )
    .timed();
    let (mut pts_newton, mut pts_lbfgs, mut per_iteration) = (vec![], vec![], vec![]);
    // half the interquartile range of each size's repeats (ms), for the plot's error bars
    let (mut spread_newton, mut spread_lbfgs) = (vec![], vec![]);
    let mut last: Option<(Repeated, Repeated)> = None;
    let bar = ctx.progress(sizes.len() as u64, "features sweep");
    for &n in &sizes {
        let d = synthetic(m, n, ctx.seed.wrapping_add(n as u64))?;
        let (mut a, mut b) = (
            Repeated {
                seconds: vec![],
                iterations: 0,
            },
            Repeated {
                seconds: vec![],
                iterations: 0,
            },
        );
        for _ in 0..REPEATS {
            let r = fit(&d, newton)?;
            a.seconds.push(r.seconds);
            a.iterations = r.iterations;
            let r = fit(&d, lbfgs)?;
            b.seconds.push(r.seconds);
            b.iterations = r.iterations;
        }
        let per = a.median() / a.iterations.max(1) as f64;
        t.row(vec![
            n.to_string(),
            format!("{:.2}", a.median() * 1e3),
            format!("{:.2}", b.median() * 1e3),
            a.iterations.to_string(),
            format!("{:.3}", per * 1e3),
        ]);
        pts_newton.push((n as f64, a.median() * 1e3));
        pts_lbfgs.push((n as f64, b.median() * 1e3));
        spread_newton.push(half_iqr(&a.seconds) * 1e3);
        spread_lbfgs.push(half_iqr(&b.seconds) * 1e3);
        per_iteration.push((n as f64, per));
        last = Some((a, b));
        bar.inc(1);
    }
    bar.finish_and_clear();
    report.table(t);
    let (n_min, n_max) = (sizes[0], sizes[sizes.len() - 1]);
    report.claim(
        "newton-expensive",
        "Newton's method is computationally expensive due to matrix inversion (Hessian build and solve per iteration)",
        Verdict::slope(
            "Newton's time per iteration against n",
            &per_iteration,
            1.7,
            3.3,
        )
        .timed()
        .with(format!(
            "{m} examples: building the Hessian costs m·n², its Cholesky solve n³/3; {} ms per iteration at n = {n_min}, {} ms at n = {n_max}",
            num(per_iteration[0].1 * 1e3),
            num(per_iteration[per_iteration.len() - 1].1 * 1e3)
        )),
    );
    let (a, b) = last.ok_or_else(|| Error::invalid("no sizes"))?;
    report.claim(
        "lbfgs-efficient-large-scale",
        "L-BFGS (limited memory) is efficient for large-scale problems",
        Verdict::speedup(
            &format!("Newton / L-BFGS at n = {n_max}"),
            &a.seconds,
            &b.seconds,
            1.2,
        )
        .with(format!(
            "iterations at n = {n_max}: Newton {}, L-BFGS {}; median ratio at n = {n_min}: {}",
            a.iterations,
            b.iterations,
            num(pts_newton[0].1 / pts_lbfgs[0].1)
        )),
    );
    report.plot(
        Plot::new(
            "scaling.svg",
            &format!(
                "Fit time against number of features ({m} examples, median ± half IQR of {REPEATS})"
            ),
            "features n",
            "fit time (ms)",
        )
        .with(Series::line("Newton", pts_newton).with_errors(spread_newton))
        .with(Series::line("L-BFGS", pts_lbfgs).with_errors(spread_lbfgs))
        .timed(),
    );
    Ok(())
}

impl Experiment for SecondOrder {
    fn name(&self) -> &'static str {
        "second-order"
    }

    fn section(&self) -> &'static str {
        "Second-Order Methods"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        solvers_compared(&mut report, ctx)?;
        newton_one_step(&mut report)?;
        bfgs_approximates(&mut report, &ctx.seeds())?;
        // Scaling in the number of features n: Newton solves an n x n system per step.
        scaling(&mut report, ctx)?;
        Ok(report)
    }
}
