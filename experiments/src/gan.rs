//! Generative adversarial networks (notes: *Generative Adversarial Network*) on the
//! 8-Gaussians ring: how many modes the generator covers and how many of its samples land on
//! one; the saturating generator loss `log(1 - D(G(z)))` against the non-saturating
//! `-log D(G(z))`: the generator's gradient early in training, and the result.

use mlnotes::Result;
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::gan::{Gan, GeneratorLoss, mode_coverage, ring};

use crate::{f4, mean_std};

/// The `gan` experiment.
pub struct GanExperiment;

const MODES: usize = 8;
const STD: f64 = 0.05;

impl Experiment for GanExperiment {
    fn name(&self) -> &'static str {
        "gan"
    }

    fn section(&self) -> &'static str {
        "Generative Adversarial Network (GAN)"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let (real, centres) = ring(10_000, MODES, 2.0, STD, ctx.seed)?;
        let steps = ctx.size(4000, 1500);
        let early = 100;
        let mut table = Table::new(
            &format!(
                "8 Gaussians on a circle of radius 2 (σ = {STD}), G and D with two hidden layers of 128, Adam 1e-3 (β₁ = 0.5), {steps} steps of 256"
            ),
            &[
                "generator loss",
                &format!("mean ‖∇_G‖, first {early} steps"),
                &format!("mean D(G(z)), first {early} steps"),
                "modes covered (of 8)",
                "samples within 3σ of a mode",
            ],
        );
        let mut scatter =
            Plot::new("samples.svg", "Generated samples", "x₁", "x₂").with(Series::points(
                "real",
                real.rows()
                    .into_iter()
                    .take(1000)
                    .map(|r| (r[0], r[1]))
                    .collect(),
            ));
        let mut grads_plot = Plot::new(
            "generator_gradients.svg",
            "Norm of the generator's gradient, first steps",
            "step",
            "log10 ‖∇_G‖",
        );
        let mut results = vec![];
        for (name, loss) in [
            ("non-saturating -log D(G(z))", GeneratorLoss::NonSaturating),
            ("saturating log(1 - D(G(z)))", GeneratorLoss::Saturating),
        ] {
            let bar = ctx.progress(steps as u64, name);
            let fitted = Gan {
                loss,
                seed: ctx.seed,
                ..Gan::new(steps)
            }
            .fit(real.view(), &ctx.device, |_| bar.inc(1))?;
            bar.finish_and_clear();
            let first = &fitted.history[..early];
            let grad = mean_std(&first.iter().map(|s| s.g_grad_norm).collect::<Vec<_>>()).0;
            let d_fake = mean_std(&first.iter().map(|s| s.d_fake).collect::<Vec<_>>()).0;
            let samples = fitted.sample(2000, ctx.seed + 1)?;
            let (covered, quality) = mode_coverage(samples.view(), centres.view(), STD)?;
            table.row(vec![
                name.into(),
                format!("{grad:.3e}"),
                f4(d_fake),
                covered.to_string(),
                f4(quality),
            ]);
            scatter = scatter.with(Series::points(
                name,
                samples
                    .rows()
                    .into_iter()
                    .take(1000)
                    .map(|r| (r[0], r[1]))
                    .collect(),
            ));
            grads_plot = grads_plot.with(Series::line(
                name,
                fitted.history[..4 * early]
                    .iter()
                    .map(|s| (s.step as f64, s.g_grad_norm.max(1e-30).log10()))
                    .collect(),
            ));
            results.push((grad, covered, quality));
        }
        report.table(table);
        report.plot(scatter);
        report.plot(grads_plot);
        let (ns, sat) = (results[0], results[1]);
        report.metric("ns_modes", ns.1 as f64);
        report.metric("ns_quality", ns.2);
        report.metric("saturating_modes", sat.1 as f64);
        report.metric("early_gradient_ratio", ns.0 / sat.0);
        report.claim(
            "Minimising log(1 - D(G(z))) saturates early: the non-saturating loss gives the generator stronger gradients at the start",
            ns.0 > sat.0,
            format!(
                "mean generator gradient norm over the first {early} steps: non-saturating {:.3e}, saturating {:.3e} ({:.1}x)",
                ns.0,
                sat.0,
                ns.0 / sat.0
            ),
        );
        report.claim(
            "The adversarial game teaches the generator the data distribution: it covers the modes of the ring",
            ns.1 >= MODES - 1 && ns.2 > 0.5,
            format!(
                "non-saturating: {} of {MODES} modes, {} of samples within 3σ; saturating: {} modes, {}",
                ns.1,
                f4(ns.2),
                sat.1,
                f4(sat.2)
            ),
        );
        Ok(report)
    }
}
