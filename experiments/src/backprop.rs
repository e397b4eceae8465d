//! Backpropagation and gradient checking: the δ recursion written by hand gives the same
//! gradient as central differences (to 1e-7 relative in f64) and as Burn's autodiff (to f32
//! precision), and checking numerically costs one pair of forward passes per weight: far too
//! slow to leave on during training.

use std::time::Instant;

use mlnotes::Result;
use mlnotes::data;
use mlnotes::deep::{Network, gradient_check, relative_error};
use mlnotes::experiment::{Context, Experiment, Report, Table};
use mlnotes_models::Activation;
use ndarray::{Array2, Axis};

/// The `backprop` experiment.
pub struct Backprop;

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
        let m = ctx.size(200, 50);
        let x = digits
            .features()
            .slice_axis(Axis(0), (0..m).into())
            .mapv(|v| v / 16.0);
        let y = Array2::from_shape_fn((m, 10), |(i, k)| {
            f64::from(u8::from(digits.targets()[i] == k))
        });
        let hidden = ctx.size(25, 8);
        let mut table = Table::new(
            &format!("Digits ({m} examples), network 64-{hidden}-10, λ = 1: gradient agreement"),
            &[
                "hidden units g",
                "weights",
                "hand vs central differences (ε = 1e-4)",
                "hand vs Burn autodiff (f32)",
            ],
        );
        let (mut worst_numeric, mut worst_autodiff) = (0.0f64, 0.0f64);
        let mut timing = (0.0, 0.0, 0);
        for act in [Activation::Sigmoid, Activation::Tanh] {
            let net = Network::random(&[64, hidden, 10], act, ctx.seed)?;
            let start = Instant::now();
            let (_, grads) = net.backprop(x.view(), y.view(), 1.0)?;
            let t_backprop = start.elapsed().as_secs_f64();
            let analytic: Vec<f64> = grads.iter().flat_map(|g| g.iter().copied()).collect();
            let start = Instant::now();
            let numeric = gradient_check(
                |p| net.rolled(p)?.cost(x.view(), y.view(), 1.0),
                &net.unroll().to_vec(),
                1e-4,
            )?;
            let t_check = start.elapsed().as_secs_f64();
            let (_, auto) = net.autodiff_gradients(x.view(), y.view(), 1.0, &ctx.device)?;
            let auto: Vec<f64> = auto.iter().flat_map(|g| g.iter().copied()).collect();
            let (e_num, e_auto) = (
                relative_error(&analytic, &numeric)?,
                relative_error(&analytic, &auto)?,
            );
            worst_numeric = worst_numeric.max(e_num);
            worst_autodiff = worst_autodiff.max(e_auto);
            timing = (t_backprop, t_check, net.n_params());
            table.row(vec![
                format!("{act:?}"),
                net.n_params().to_string(),
                format!("{e_num:.2e}"),
                format!("{e_auto:.2e}"),
            ]);
        }
        report.table(table);
        report.metric("gradient_check_relative_error", worst_numeric);
        report.metric("autodiff_relative_error", worst_autodiff);
        report.claim(
            "Backpropagation computes ∇J(Θ) exactly: it passes the gradient check",
            worst_numeric < 1e-7,
            format!(
                "largest relative error against central differences: {worst_numeric:.2e} (f64)"
            ),
        );
        report.claim(
            "The δ recursion by hand and Burn's autodiff compute the same gradient",
            worst_autodiff < 1e-5,
            format!("largest relative error: {worst_autodiff:.2e} (autodiff runs in f32)"),
        );
        let ratio = timing.1 / timing.0.max(1e-9);
        report.timing("gradient_check_cost_ratio", ratio);
        report.timed_claim(
            "Gradient checking is very expensive: use it to debug, turn it off for training",
            ratio > 100.0,
            format!(
                "one backpropagation pass {:.2} ms; the numerical gradient ({} weights, 2 cost evaluations each) {:.0} ms: {ratio:.0}x",
                timing.0 * 1e3,
                timing.2,
                timing.1 * 1e3
            ),
        );
        Ok(report)
    }
}
