//! Second-order methods: Newton's method against BFGS, L-BFGS and gradient descent on
//! logistic regression; Newton's one step on a quadratic; BFGS's inverse-Hessian estimate
//! against the true inverse; then the cost of Newton's Hessian solve as the feature count grows.

use std::time::Instant;

use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Transform};
use mlnotes::experiment::{
    Context, Experiment, MIN_TIMING_REPEATS, Plot, Report, Series, Table, Verdict, mean_se, median,
    num,
};
use mlnotes::linalg::{self, largest_eigenvalue};
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{LinearRegression, LogisticRegression, design};
use mlnotes::optim::{Bfgs, GradientDescent, Lbfgs, Newton, Objective, Solver};
use mlnotes::preprocess::Scaler;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2};
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

/// BFGS with exact line searches on `J(θ) = ½ θᵀAθ − bᵀθ` from θ = 0 and `H₀ = I`: the
/// relative error of the inverse-Hessian estimate `H_k` against `A⁻¹` after each update
/// (`H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ`, `ρ = 1/(yᵀs)`).
fn bfgs_errors(a: &Array2<f64>, b: &Array1<f64>) -> Result<Vec<f64>> {
    let n = b.len();
    let (values, vectors) = linalg::symmetric_eigen(a.view())?;
    let inverse = vectors
        .dot(&Array2::from_diag(&values.mapv(|v| 1.0 / v)))
        .dot(&vectors.t());
    let outer =
        |u: &Array1<f64>, v: &Array1<f64>| Array2::from_shape_fn((n, n), |(i, j)| u[i] * v[j]);
    let mut h = Array2::<f64>::eye(n);
    let mut theta = Array1::<f64>::zeros(n);
    let mut errors = vec![relative_error(&h, &inverse)];
    for _ in 0..n {
        let g = a.dot(&theta) - b;
        if g.dot(&g).sqrt() <= 1e-13 {
            break;
        }
        let d = -h.dot(&g);
        let ad = a.dot(&d);
        let step = -g.dot(&d) / d.dot(&ad);
        let s = &d * step;
        let y = &ad * step;
        let rho = 1.0 / y.dot(&s);
        let hy = h.dot(&y);
        h = &h - &((outer(&s, &hy) + outer(&hy, &s)) * rho)
            + outer(&s, &s) * (rho * rho * y.dot(&hy) + rho);
        theta += &s;
        errors.push(relative_error(&h, &inverse));
    }
    Ok(errors)
}

/// BFGS's inverse-Hessian estimate against the true inverse on random quadratics, one per seed
/// (`A = MᵀM/2n + I/2`, M Gaussian 2n × n).
fn bfgs_approximates(report: &mut Report, seeds: &[u64]) -> Result<()> {
    let n = BFGS_PARAMS;
    let (mut start, mut half, mut end) = (Vec::new(), Vec::new(), Vec::new());
    let mut conditions = Vec::new();
    for &seed in seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let mm = Array2::from_shape_fn((2 * n, n), |_| {
            rng.sample::<f64, _>(rand_distr::StandardNormal)
        });
        let a = mm.t().dot(&mm) / (2 * n) as f64 + Array2::<f64>::eye(n) * 0.5;
        let b = Array1::from_shape_fn(n, |_| rng.random_range(-1.0..1.0));
        let errors = bfgs_errors(&a, &b)?;
        start.push(errors[0]);
        half.push(errors[(n / 2).min(errors.len() - 1)]);
        end.push(errors[errors.len() - 1]);
        let (values, _) = linalg::symmetric_eigen(a.view())?;
        conditions.push(values[0] / values[n - 1]);
    }
    report.claim(
        "bfgs-approximates-hessian",
        "BFGS / L-BFGS: quasi-Newton methods that approximate the Hessian (BFGS's estimate measured)",
        Verdict::mean_below(
            &format!("‖H − A⁻¹‖/‖A⁻¹‖ of BFGS's inverse-Hessian estimate after n = {n} updates"),
            &end,
            1e-6,
        )
        .and(Verdict::paired_gain(
            &format!("the same error, at H₀ = I − after {} updates", n / 2),
            &start,
            &half,
            0.0,
        ))
        .with(format!(
            "BFGS update with exact line searches on a {n}-parameter quadratic per seed (condition number {} on average); mean error {} at H₀ = I, {} after {} updates, {} after {n}",
            num(mean_se(&conditions).0),
            num(mean_se(&start).0),
            num(mean_se(&half).0),
            n / 2,
            num(mean_se(&end).0)
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
            &format!("Fit time against number of features ({m} examples, median of {REPEATS})"),
            "features n",
            "time (ms)",
        )
        .with(Series::line("Newton", pts_newton))
        .with(Series::line("L-BFGS", pts_lbfgs))
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
