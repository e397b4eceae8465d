//! Backpropagation and gradient checking: the δ recursion written by hand gives the same
//! gradient as central differences (to 1e-7 relative in f64) and as Burn's autodiff (to f32
//! precision), and checking numerically costs one pair of forward passes per weight: far too
//! slow to leave on during training. Every network is drawn again for each seed.

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data;
use mlnotes::deep::{Network, gradient_check, relative_error};
use mlnotes::experiment::{Context, Experiment, Report, Table, Verdict, median, num};
use mlnotes_models::Activation;
use ndarray::{Array2, Axis};

/// Digits used for the cost `J(Θ)` (full, quick).
const EXAMPLES: (usize, usize) = (100, 50);
/// Hidden units of the 64-g-10 network (full, quick).
const HIDDEN: (usize, usize) = (16, 6);
/// The notes' regularisation strength.
const LAMBDA: f64 = 1.0;
/// Step of the central differences.
const EPSILON: f64 = 1e-4;
/// Timed backpropagation passes per network (the gradient check is timed once per network).
const BACKPROP_REPEATS: usize = 5;

/// The `backprop` experiment.
pub struct Backprop;

/// One network's gradients compared three ways, and the time of each way.
struct Check {
    /// Relative error of the hand gradient against central differences.
    numeric_error: f64,
    /// Relative error of the hand gradient against Burn's autodiff (f32).
    autodiff_error: f64,
    /// Seconds of each timed backpropagation pass.
    backprop_seconds: Vec<f64>,
    /// Seconds of the numerical gradient.
    check_seconds: f64,
}

/// Backpropagation by hand against central differences and autodiff on one random network.
fn check_network(net: &Network, x: &Array2<f64>, y: &Array2<f64>, ctx: &Context) -> Result<Check> {
    let mut backprop_seconds = Vec::with_capacity(BACKPROP_REPEATS);
    let mut analytic = vec![];
    for _ in 0..BACKPROP_REPEATS {
        let start = Instant::now();
        let (_, grads) = net.backprop(x.view(), y.view(), LAMBDA)?;
        backprop_seconds.push(start.elapsed().as_secs_f64());
        analytic = grads.iter().flat_map(|g| g.iter().copied()).collect();
    }
    let start = Instant::now();
    let numeric = gradient_check(
        |p| net.rolled(p)?.cost(x.view(), y.view(), LAMBDA),
        &net.unroll().to_vec(),
        EPSILON,
    )?;
    let check_seconds = start.elapsed().as_secs_f64();
    let (_, auto) = net.autodiff_gradients(x.view(), y.view(), LAMBDA, &ctx.device)?;
    let auto: Vec<f64> = auto.iter().flat_map(|g| g.iter().copied()).collect();
    Ok(Check {
        numeric_error: relative_error(&analytic, &numeric)?,
        autodiff_error: relative_error(&analytic, &auto)?,
        backprop_seconds,
        check_seconds,
    })
}

impl Experiment for Backprop {
    fn name(&self) -> &'static str {
        "backprop"
    }

    fn section(&self) -> &'static str {
        "Backpropagation, Gradient Checking"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        // Digits, scaled to [0, 1], one-hot targets; the notes' cost with λ = 1.
        let digits = data::digits();
        let m = ctx.size(EXAMPLES.0, EXAMPLES.1);
        let x = digits
            .features()
            .slice_axis(Axis(0), (0..m).into())
            .mapv(|v| v / 16.0);
        let y = Array2::from_shape_fn((m, 10), |(i, k)| {
            f64::from(u8::from(digits.targets()[i] == k))
        });
        let hidden = ctx.size(HIDDEN.0, HIDDEN.1);
        let seeds = ctx.seeds();
        let mut table = Table::new(
            &format!(
                "Digits ({m} examples), network 64-{hidden}-10, λ = {LAMBDA}: gradient agreement per random network ({} seeds)",
                seeds.len()
            ),
            &[
                "seed",
                "hidden units g",
                "weights",
                &format!("hand vs central differences (ε = {EPSILON})"),
                "hand vs Burn autodiff (f32)",
            ],
        );
        // Per seed, the worse of the two networks (sigmoid and tanh).
        let (mut numeric, mut autodiff) = (vec![], vec![]);
        let (mut backprop_times, mut check_times) = (vec![], vec![]);
        let mut weights = 0;
        for &seed in &seeds {
            let (mut worst_numeric, mut worst_autodiff) = (0.0f64, 0.0f64);
            for act in [Activation::Sigmoid, Activation::Tanh] {
                let net = Network::random(&[64, hidden, 10], act, seed)?;
                let check = check_network(&net, &x, &y, ctx)?;
                worst_numeric = worst_numeric.max(check.numeric_error);
                worst_autodiff = worst_autodiff.max(check.autodiff_error);
                backprop_times.extend(check.backprop_seconds);
                check_times.push(check.check_seconds);
                weights = net.n_params();
                table.row(vec![
                    seed.to_string(),
                    format!("{act:?}"),
                    weights.to_string(),
                    format!("{:.2e}", check.numeric_error),
                    format!("{:.2e}", check.autodiff_error),
                ]);
            }
            numeric.push(worst_numeric);
            autodiff.push(worst_autodiff);
        }
        report.table(table);
        report.metric(
            "gradient_check_relative_error",
            numeric.iter().copied().fold(0.0, f64::max),
        );
        report.metric(
            "autodiff_relative_error",
            autodiff.iter().copied().fold(0.0, f64::max),
        );
        report.claim(
            "backprop-passes-gradient-check",
            "Backpropagation computes ∇J(Θ) exactly: it passes the gradient check",
            Verdict::mean_below(
                "relative error of the hand gradient against central differences (f64, worse of sigmoid and tanh per seed)",
                &numeric,
                1e-7,
            ),
        );
        report.claim(
            "backprop-matches-autodiff",
            "The δ recursion by hand and Burn's autodiff compute the same gradient",
            Verdict::mean_below(
                "relative error of the hand gradient against Burn's autodiff (f32, worse of sigmoid and tanh per seed)",
                &autodiff,
                1e-5,
            ),
        );
        let verdict = Verdict::speedup(
            "numerical gradient / one backpropagation pass",
            &check_times,
            &backprop_times,
            100.0,
        )
        .with(format!(
            "{weights} weights, 2 cost evaluations each; {} numerical gradients, {} backpropagation passes",
            check_times.len(),
            backprop_times.len()
        ));
        report.timing(
            "gradient_check_cost_ratio",
            median(&check_times) / median(&backprop_times).max(1e-12),
        );
        report.note(format!(
            "Gradient check by central differences with ε = {}: each of the {weights} weights costs two evaluations of J(Θ).",
            num(EPSILON)
        ));
        report.claim(
            "gradient-check-expensive",
            "Gradient checking is very expensive: use it to debug, turn it off for training",
            verdict,
        );
        Ok(report)
    }
}
