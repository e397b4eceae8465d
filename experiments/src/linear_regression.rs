//! Linear regression: gradient descent against the normal equation on diabetes, ridge with a
//! growing λ, the normal equation's cost as features grow, and multicollinearity.

use std::time::Instant;

use mlnotes::data::{self, Dataset};
use mlnotes::engine::Engine;
use mlnotes::estimator::{Fit, Predict, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linalg::largest_eigenvalue;
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{LinearRegression, design};
use mlnotes::metrics;
use mlnotes::optim::{GradientDescent, Lbfgs, Objective, Solver};
use mlnotes::preprocess::Scaler;
use mlnotes::selection::HoldOut;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, Axis, concatenate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::f4;
use mlnotes::metrics::log_log_slope;

/// The `linear-regression` experiment.
pub struct LinearRegressionExperiment;

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

        // 1. Gradient descent and the normal equation find the same θ.
        let exact = LinearRegression::new()
            .with_engine(ctx.engine)
            .fit(&diabetes)?;
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
            .fit(&diabetes)?;
        let by_lbfgs = LinearRegression::new()
            .with_solver(Solver::Lbfgs(Lbfgs {
                tol: 1e-10,
                ..Default::default()
            }))
            .fit(&diabetes)?;
        let gap = |m: &mlnotes::linear::FittedLinear| {
            (&m.theta() - &exact.theta())
                .iter()
                .fold(0.0f64, |a, d| a.max(d.abs()))
        };
        let mut t = Table::new(
            "θ on standardised diabetes: normal equation against iterative solvers",
            &["method", "iterations", "max |θ - θ_normal|"],
        );
        t.row(vec!["normal equation".into(), "-".into(), "0".into()]);
        t.row(vec![
            "batch gradient descent (α = 1/λ_max)".into(),
            by_gd
                .history
                .as_ref()
                .map_or(0, |h| h.iterations)
                .to_string(),
            format!("{:.2e}", gap(&by_gd)),
        ]);
        t.row(vec![
            "L-BFGS".into(),
            by_lbfgs
                .history
                .as_ref()
                .map_or(0, |h| h.iterations)
                .to_string(),
            format!("{:.2e}", gap(&by_lbfgs)),
        ]);
        report.table(t);
        report.claim(
            "Gradient descent and the normal equation θ = (XᵀX)⁻¹Xᵀy reach the same parameters",
            gap(&by_gd) < 1e-3 && gap(&by_lbfgs) < 1e-3,
            format!("max coefficient difference {:.2e} (GD), {:.2e} (L-BFGS) on coefficients of size ~{:.0}", gap(&by_gd), gap(&by_lbfgs), exact.coef.iter().fold(0.0f64, |a, c| a.max(c.abs()))),
        );

        // 2. Ridge: λ shrinks the weights.
        let labels = None;
        let split = HoldOut::train_test(0.7, ctx.seed).split(diabetes.n_samples(), labels)?;
        let (train, test) = (
            diabetes.select(&split.train)?,
            diabetes.select(&split.test)?,
        );
        let lambdas = [0.0, 1.0, 10.0, 100.0, 1000.0, 10_000.0];
        let mut t2 = Table::new(
            "Ridge regression on diabetes (70/30 split)",
            &["λ", "‖w‖₂", "train R²", "test R²"],
        );
        let mut norms = Vec::new();
        let mut paths: Vec<Vec<(f64, f64)>> = vec![Vec::new(); diabetes.n_features()];
        for &l in &lambdas {
            let m = LinearRegression::ridge(l)
                .with_engine(ctx.engine)
                .fit(&train)?;
            let norm = m.coef.dot(&m.coef).sqrt();
            norms.push(norm);
            let r2 = |d: &Dataset<f64>| -> Result<f64> {
                metrics::r2(d.targets().view(), m.predict(d.x())?.view())
            };
            t2.row(vec![
                l.to_string(),
                f4(norm),
                f4(r2(&train)?),
                f4(r2(&test)?),
            ]);
            for (j, path) in paths.iter_mut().enumerate() {
                path.push(((l + 1.0).log10(), m.coef[j]));
            }
        }
        report.table(t2);
        report.claim(
            "Ridge regression: a larger λ drives the weights towards 0 (but rarely exactly 0)",
            norms.windows(2).all(|w| w[1] < w[0])
                && LinearRegression::ridge(10_000.0)
                    .fit(&train)?
                    .coef
                    .iter()
                    .all(|&c| c != 0.0),
            format!(
                "‖w‖ from {} (λ = 0) to {} (λ = 10⁴), no weight exactly 0",
                f4(norms[0]),
                f4(norms[norms.len() - 1])
            ),
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

        // 3. The normal equation's cost grows like n³ in the number of features.
        let sizes: Vec<usize> = if ctx.quick {
            vec![100, 200, 400]
        } else {
            vec![200, 400, 800, 1600]
        };
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        let mut times = Vec::new();
        let bar = ctx.progress(sizes.len() as u64, "normal equation sizes");
        for &n in &sizes {
            let m = 2 * n;
            let xs = Array2::from_shape_fn((m, n), |_| rng.random_range(-1.0..1.0));
            let ys = Array1::from_shape_fn(m, |_| rng.random_range(-1.0..1.0));
            let d = Dataset::new(xs, ys)?;
            let start = Instant::now();
            LinearRegression::new().fit(&d)?;
            times.push((n as f64, start.elapsed().as_secs_f64()));
            bar.inc(1);
        }
        bar.finish_and_clear();
        let slope = log_log_slope(&times);
        let mut t3 = Table::new(
            "Normal-equation fit time, m = 2n examples",
            &["features n", "time (s)"],
        )
        .timed();
        times
            .iter()
            .for_each(|(n, s)| t3.row(vec![n.to_string(), format!("{s:.4}")]));
        report.table(t3);
        report.timing("normal_equation_time_exponent", slope);
        report.timed_claim(
            "The normal equation costs O(n³) in the number of features n",
            slope > 2.4,
            format!("fitted exponent of time against n: {slope:.2} (3 expected; smaller sizes are overhead-bound)"),
        );
        report.plot(
            Plot::new(
                "normal_equation_time.svg",
                "Normal equation time (m = 2n)",
                "features n",
                "seconds",
            )
            .with(Series::line("fit time", times))
            .timed(),
        );

        // 4. Multicollinearity: a duplicated feature makes XᵀX singular; ridge fixes it.
        let dup = concatenate(
            Axis(1),
            &[train.x(), train.features().column(2).insert_axis(Axis(1))],
        )
        .map_err(|e| Error::invalid(e.to_string()))?;
        let collinear = train.with_features(dup)?;
        let ols = LinearRegression::new()
            .with_engine(ctx.engine)
            .fit(&collinear);
        let ridge = LinearRegression::ridge(1.0)
            .with_engine(ctx.engine)
            .fit(&collinear);
        report.claim(
            "Multicollinearity makes XᵀX non-invertible; ridge (λ on the diagonal) handles it",
            matches!(ols, Err(Error::Singular { .. })) && ridge.is_ok(),
            format!(
                "duplicated 'bmi' column: OLS -> {}; ridge λ=1 -> {}",
                ols.err().map_or("fitted".into(), |e| e.to_string()),
                if ridge.is_ok() { "fitted" } else { "failed" }
            ),
        );
        Ok(report)
    }
}
