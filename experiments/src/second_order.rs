//! Second-order methods: Newton's method against BFGS, L-BFGS and gradient descent on
//! logistic regression; then the cost of Newton's Hessian solve as the feature count grows.

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data::{self, Dataset};
use mlnotes::estimator::{Fit, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linear::LogisticRegression;
use mlnotes::optim::{Bfgs, GradientDescent, Lbfgs, Newton, Solver};
use mlnotes::preprocess::Scaler;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The `second-order` experiment.
pub struct SecondOrder;

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

impl Experiment for SecondOrder {
    fn name(&self) -> &'static str {
        "second-order"
    }

    fn section(&self) -> &'static str {
        "Second-Order Methods"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
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
        report.claim(
            "Newton's method: fast convergence (few iterations)",
            newton.iterations < lbfgs.iterations && newton.iterations < gd.iterations,
            format!(
                "iterations: Newton {}, L-BFGS {}, gradient descent {}",
                newton.iterations, lbfgs.iterations, gd.iterations
            ),
        );
        let gap = |n: &str| (get(n).loss - newton.loss).abs();
        report.claim(
            "All methods minimise the same convex cost",
            gap("BFGS") < 1e-7 && gap("L-BFGS") < 1e-7 && gap("gradient descent") < 1e-3,
            format!(
                "final cost minus Newton's {:.8}: BFGS {:.1e}, L-BFGS {:.1e}, gradient descent {:.1e} after {} iterations",
                newton.loss,
                gap("BFGS"),
                gap("L-BFGS"),
                gap("gradient descent"),
                gd.iterations
            ),
        );

        // Scaling in the number of features n: Newton solves an n x n system per step.
        let sizes: Vec<usize> = if ctx.quick {
            vec![25, 50, 100, 200]
        } else {
            vec![50, 100, 200, 400, 800]
        };
        let m = ctx.size(4000, 1000);
        let mut t2 = Table::new(
            &format!("Time to fit logistic regression on {m} synthetic examples"),
            &[
                "features n",
                "Newton (ms)",
                "L-BFGS (ms)",
                "Newton time per iteration (ms)",
            ],
        )
        .timed();
        let (mut pts_newton, mut pts_lbfgs) = (vec![], vec![]);
        let bar = ctx.progress(sizes.len() as u64, "features sweep");
        for &n in &sizes {
            let d = synthetic(m, n, ctx.seed.wrapping_add(n as u64))?;
            let a = fit(
                &d,
                Solver::Newton(Newton {
                    max_iter: 100,
                    tol: 1e-6,
                }),
            )?;
            let b = fit(
                &d,
                Solver::Lbfgs(Lbfgs {
                    memory: 10,
                    max_iter: 1000,
                    tol: 1e-6,
                }),
            )?;
            t2.row(vec![
                n.to_string(),
                format!("{:.1}", a.seconds * 1e3),
                format!("{:.1}", b.seconds * 1e3),
                format!("{:.2}", a.seconds * 1e3 / a.iterations.max(1) as f64),
            ]);
            pts_newton.push((n as f64, a.seconds * 1e3));
            pts_lbfgs.push((n as f64, b.seconds * 1e3));
            bar.inc(1);
        }
        bar.finish_and_clear();
        report.table(t2);
        let (nl, ll) = (
            pts_newton[pts_newton.len() - 1].1,
            pts_lbfgs[pts_lbfgs.len() - 1].1,
        );
        report.timed_claim(
            "Newton's method is computationally expensive (Hessian solve); L-BFGS is efficient for large-scale problems",
            ll < nl,
            format!("n = {}: Newton {nl:.1} ms vs L-BFGS {ll:.1} ms", sizes[sizes.len() - 1]),
        );
        report.plot(
            Plot::new(
                "scaling.svg",
                "Fit time against number of features",
                "features n",
                "time (ms)",
            )
            .with(Series::line("Newton", pts_newton))
            .with(Series::line("L-BFGS", pts_lbfgs))
            .timed(),
        );
        Ok(report)
    }
}
