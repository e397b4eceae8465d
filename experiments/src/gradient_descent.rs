//! Gradient descent and its variants on one least-squares problem: batch, stochastic and
//! mini-batch updates; momentum and Adam; learning rates too small and too large.

use mlnotes::data::generate;
use mlnotes::estimator::{Fit, FitFeatures, Transform};
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::linalg::largest_eigenvalue;
use mlnotes::linear::cost::SquaredError;
use mlnotes::linear::{LinearRegression, design};
use mlnotes::optim::{Batching, GradientDescent, History, Objective, Update};
use mlnotes::preprocess::Scaler;
use mlnotes::{Error, Result};
use ndarray::Array1;

/// The `gradient-descent` experiment.
pub struct GradientDescentVariants;

/// One configuration, its tuned learning rate and the loss after every epoch.
struct Run {
    name: &'static str,
    lr: f64,
    history: History,
}

fn excess(h: &History, best: f64) -> Vec<f64> {
    h.loss.iter().map(|l| (l - best).max(0.0)).collect()
}

/// Epochs until the excess cost is within `rel` of the optimum.
fn epochs_to(h: &History, best: f64, rel: f64) -> Option<usize> {
    h.loss.iter().position(|&l| l - best <= rel * best)
}

impl Experiment for GradientDescentVariants {
    fn name(&self) -> &'static str {
        "gradient-descent"
    }

    fn section(&self) -> &'static str {
        "Gradient Descent"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let m = ctx.size(4000, 800);
        let coef: Vec<f64> = (0..10).map(|j| (j as f64 - 4.5) / 2.0).collect();
        let raw = generate::linear_regression(m, &coef, 3.0, 0.5, ctx.seed)?;
        // correlated features (x_j + 1.5 x_0): elongated cost contours even after standardising
        let mut mixed = raw.features().clone();
        let first = raw.features().column(0).to_owned();
        for mut col in mixed.columns_mut().into_iter().skip(1) {
            col.scaled_add(1.5, &first);
        }
        let scaler = Scaler::standardization().fit_features(mixed.view())?;
        let data = raw.with_features(scaler.transform(mixed.view())?)?;
        let x = design(data.x());
        let cost = SquaredError::new(x.view(), data.targets().view(), 0.0)?;
        let best = cost.loss(LinearRegression::new().fit(&data)?.theta().view());
        let lmax = largest_eigenvalue(
            cost.hessian(Array1::zeros(11).view())
                .ok_or_else(|| Error::invalid("no Hessian"))?
                .view(),
        );
        let epochs = ctx.size(400, 150);
        let theta0 = Array1::zeros(11);
        let run = |gd: GradientDescent| gd.minimize(&cost, theta0.view());

        // Each variant at its best learning rate from a grid (the one with the lowest final cost).
        let variants: [(&str, Batching, Update, &[f64]); 5] = [
            (
                "batch",
                Batching::Batch,
                Update::Plain,
                &[2.0, 1.0, 0.5, 0.25],
            ),
            (
                "stochastic (1)",
                Batching::Stochastic,
                Update::Plain,
                &[0.1, 0.03, 0.01, 0.003],
            ),
            (
                "mini-batch (32)",
                Batching::MiniBatch(32),
                Update::Plain,
                &[1.0, 0.3, 0.1, 0.03],
            ),
            (
                "momentum (batch, β=0.9)",
                Batching::Batch,
                Update::momentum(),
                &[1.0, 0.5, 0.25, 0.1],
            ),
            (
                "Adam (mini-batch 32)",
                Batching::MiniBatch(32),
                Update::adam(),
                &[0.3, 0.1, 0.03, 0.01],
            ),
        ];
        let bar = ctx.progress(variants.len() as u64, "tuning variants");
        let mut runs = Vec::new();
        for (name, batching, update, grid) in variants {
            let mut chosen: Option<Run> = None;
            for &scale in grid {
                // plain and momentum steps are in units of 1/λ_max; Adam's are absolute
                let lr = if matches!(update, Update::Adam { .. }) {
                    scale
                } else {
                    scale / lmax
                };
                let gd = GradientDescent {
                    learning_rate: lr,
                    batching,
                    update,
                    max_epochs: epochs,
                    tol: 0.0,
                    seed: ctx.seed,
                    ..Default::default()
                };
                if let Ok((_, history)) = run(gd) {
                    let last = history.loss[history.loss.len() - 1];
                    if chosen
                        .as_ref()
                        .is_none_or(|c| last < c.history.loss[c.history.loss.len() - 1])
                    {
                        chosen = Some(Run { name, lr, history });
                    }
                }
            }
            runs.push(
                chosen.ok_or_else(|| {
                    Error::invalid(format!("{name}: every learning rate diverged"))
                })?,
            );
            bar.inc(1);
        }
        bar.finish_and_clear();
        let rel = 1e-3;
        let mut t = Table::new(
            &format!(
                "{m} examples, 10 correlated standardised features, {epochs} epochs; learning rate tuned per variant"
            ),
            &[
                "variant",
                "learning rate",
                "epochs to within 1e-3 of J*",
                "excess cost after 1 epoch",
                "final excess cost",
            ],
        );
        for r in &runs {
            let e = excess(&r.history, best);
            t.row(vec![
                r.name.into(),
                format!("{:.3e}", r.lr),
                epochs_to(&r.history, best, rel).map_or("-".into(), |v| v.to_string()),
                format!("{:.3e}", e[1]),
                format!("{:.3e}", e[e.len() - 1]),
            ]);
        }
        report.table(t);
        let by = |n: &str| {
            runs.iter()
                .find(|r| r.name.starts_with(n))
                .expect("variant ran")
        };
        let to = |n: &str| epochs_to(&by(n).history, best, rel).unwrap_or(usize::MAX);
        let shown = |e: usize| {
            if e == usize::MAX {
                format!("> {epochs}")
            } else {
                e.to_string()
            }
        };
        let tail_mean = |h: &History| {
            let e = excess(h, best);
            let k = 5.min(e.len());
            e[e.len() - k..].iter().sum::<f64>() / k as f64
        };
        // One pass over the data at the same step 0.5/λ_max: one update against m/32.
        let one_pass = |batching| -> Result<f64> {
            let gd = GradientDescent {
                learning_rate: 0.5 / lmax,
                batching,
                max_epochs: 1,
                tol: 0.0,
                seed: ctx.seed,
                ..Default::default()
            };
            Ok(excess(&run(gd)?.1, best)[1])
        };
        let (batch_pass, mini_pass) = (
            one_pass(Batching::Batch)?,
            one_pass(Batching::MiniBatch(32))?,
        );
        report.claim(
            "Batch gradient descent uses all examples for each update: slow for large datasets",
            mini_pass < batch_pass,
            format!("excess cost after one pass over the {m} examples at step 0.5/λ_max: batch {batch_pass:.2e} (1 update), mini-batch {mini_pass:.2e} ({} updates)", m.div_ceil(32)),
        );
        // SGD's noise floor at a constant rate, and with a decaying rate.
        let sgd = GradientDescent {
            learning_rate: 0.1 / lmax,
            batching: Batching::Stochastic,
            max_epochs: epochs,
            tol: 0.0,
            seed: ctx.seed,
            ..Default::default()
        };
        let (_, constant) = run(sgd)?;
        let (_, decayed) = run(GradientDescent { decay: 0.5, ..sgd })?;
        let (fc, fd) = (tail_mean(&constant), tail_mean(&decayed));
        let (_, mini_same) = run(GradientDescent {
            batching: Batching::MiniBatch(32),
            ..sgd
        })?;
        let mini_floor = tail_mean(&mini_same);
        report.claim(
            "Mini-batch combines the stability of batch GD with the speed of SGD",
            mini_pass < batch_pass && mini_floor < fc,
            format!("one pass: mini-batch excess {mini_pass:.2e} against batch {batch_pass:.2e}; at the same step 0.1/λ_max the final excess is {mini_floor:.2e} (mini-batch) against {fc:.2e} (SGD)"),
        );
        report.claim(
            "SGD's variance prevents settling at the exact minimum; decaying the learning rate fixes it",
            fd < fc,
            format!("excess cost over the last epochs at step 0.1/λ_max: constant {fc:.3e}, decayed (α/(1+0.5e)) {fd:.3e}"),
        );
        report.claim(
            "Momentum accelerates gradient descent",
            to("momentum") < to("batch"),
            format!(
                "epochs to converge: momentum {}, plain batch {}",
                shown(to("momentum")),
                shown(to("batch"))
            ),
        );
        let fastest = runs
            .iter()
            .min_by_key(|r| epochs_to(&r.history, best, rel).unwrap_or(usize::MAX))
            .map_or("", |r| r.name);
        report.claim(
            "Adam is generally the best default choice",
            fastest.starts_with("Adam"),
            format!("fastest to converge here: {fastest}; Adam took {} epochs (on this convex least-squares problem)", shown(to("Adam"))),
        );

        // Learning rates too small and too large.
        let small = GradientDescent {
            learning_rate: 0.01 / lmax,
            max_epochs: epochs,
            tol: 0.0,
            ..Default::default()
        };
        let (_, slow) = run(small)?;
        let large = run(GradientDescent {
            learning_rate: 2.5 / lmax,
            max_epochs: epochs,
            tol: 0.0,
            ..Default::default()
        });
        let diverged = match &large {
            Err(Error::Diverged { iteration, loss }) => {
                format!("stopped with Diverged at iteration {iteration} (cost {loss:.2e})")
            }
            Err(e) => format!("failed: {e}"),
            Ok(_) => "did not diverge".into(),
        };
        let slow_excess = excess(&slow, best);
        let tuned_batch = tail_mean(&by("batch").history);
        report.claim(
            "Learning rate too small: slow convergence",
            slow_excess[slow_excess.len() - 1] > 10.0 * tuned_batch,
            format!("α = 0.01/λ_max: excess cost {:.3e} after {epochs} epochs, against {tuned_batch:.3e} at the tuned rate", slow_excess[slow_excess.len() - 1]),
        );
        report.claim(
            "Learning rate too large: may overshoot and diverge (detected, not returned as a NaN model)",
            matches!(large, Err(Error::Diverged { .. })),
            format!("α = 2.5/λ_max: {diverged}"),
        );
        let mut plot = Plot::new(
            "loss.svg",
            "Excess cost per epoch (each variant at its tuned rate)",
            "epoch",
            "log10 (J - J*)",
        );
        for r in &runs {
            plot = plot.with(Series::line(
                r.name,
                excess(&r.history, best)
                    .iter()
                    .enumerate()
                    .map(|(i, &e)| (i as f64, e.max(1e-16).log10()))
                    .collect(),
            ));
        }
        report.plot(plot);
        Ok(report)
    }
}
