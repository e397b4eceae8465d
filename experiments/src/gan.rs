//! Generative adversarial networks (notes: *Generative Adversarial Network*). On the
//! 8-Gaussians ring: how many modes the generator covers and how many of its samples land on
//! one. On the 8×8 digits: a grid of generated digits, scored by a classifier trained on the
//! real ones. On both, the saturating generator loss `log(1 - D(G(z)))` against the
//! non-saturating `-log D(G(z))`: the generator's gradient early in training, and the result.

use mlnotes::Result;
use mlnotes::data::Dataset;
use mlnotes::deep::{Trainer, evaluate, predict_proba};
use mlnotes::experiment::{Context, Experiment, ImageGrid, Plot, Report, Series, Table};
use mlnotes::gan::{
    ClassifierScore, FittedGan, Gan, GanStep, GeneratorLoss, classifier_score, mode_coverage, ring,
};
use mlnotes::training::Trained;
use mlnotes_models::{Activation, Mlp, MlpConfig};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::{digits_split, f4, mean_std};

/// The `gan` experiment.
pub struct GanExperiment;

const MODES: usize = 8;
const STD: f64 = 0.05;
/// Steps over which the early generator gradient is averaged.
const EARLY: usize = 100;
const LOSSES: [(&str, GeneratorLoss); 2] = [
    ("non-saturating -log D(G(z))", GeneratorLoss::NonSaturating),
    ("saturating log(1 - D(G(z)))", GeneratorLoss::Saturating),
];

/// One GAN trained with one generator loss.
struct PerLoss {
    /// The loss's name.
    name: &'static str,
    /// The networks and their training history.
    fitted: Trained<FittedGan, GanStep>,
    /// Mean generator gradient norm `‖∇_G‖` over the early steps.
    grad: f64,
}

/// Trains one GAN per generator loss with a progress bar.
fn train_both(ctx: &Context, gan: &Gan, real: ArrayView2<f64>, what: &str) -> Result<Vec<PerLoss>> {
    let mut out = vec![];
    for (name, loss) in LOSSES {
        let bar = ctx.progress(gan.steps as u64, &format!("{what}, {name}"));
        let gan = Gan {
            loss,
            seed: ctx.seed,
            checkpoint: ctx.checkpointing(&format!("{what} {name}"), 500),
            ..gan.clone()
        };
        let fitted = gan.fit(real, &ctx.device, |_| bar.inc(1))?;
        bar.finish_and_clear();
        let early: Vec<f64> = fitted.history[..EARLY.min(gan.steps)]
            .iter()
            .map(|s| s.g_grad_norm)
            .collect();
        let grad = mean_std(&early).0;
        out.push(PerLoss { name, fitted, grad });
    }
    Ok(out)
}

/// The ring: modes covered and samples near a mode, per generator loss.
fn ring_part(ctx: &Context, report: &mut Report) -> Result<(f64, f64)> {
    let (real, centres) = ring(10_000, MODES, 2.0, STD, ctx.seed)?;
    let steps = ctx.size(4000, 1500);
    let mut table = Table::new(
        &format!(
            "8 Gaussians on a circle of radius 2 (σ = {STD}), G and D with two hidden layers of 128, Adam 1e-3 (β₁ = 0.5), {steps} steps of 256"
        ),
        &[
            "generator loss",
            &format!("mean ‖∇_G‖, first {EARLY} steps"),
            &format!("mean D(G(z)), first {EARLY} steps"),
            "modes covered (of 8)",
            "samples within 3σ of a mode",
        ],
    );
    let points = |x: ArrayView2<f64>| {
        x.rows()
            .into_iter()
            .take(1000)
            .map(|r| (r[0], r[1]))
            .collect()
    };
    let mut scatter = Plot::new("samples.svg", "Generated samples", "x₁", "x₂")
        .with(Series::points("real", points(real.view())));
    let mut grads_plot = Plot::new(
        "generator_gradients.svg",
        "Norm of the generator's gradient, first steps (ring)",
        "step",
        "log10 ‖∇_G‖",
    );
    let mut results = vec![];
    for PerLoss { name, fitted, grad } in train_both(ctx, &Gan::new(steps), real.view(), "ring")? {
        let d_fake = fitted.history[..EARLY]
            .iter()
            .map(|s| s.d_fake)
            .sum::<f64>()
            / EARLY as f64;
        let samples = fitted.model.sample(2000, ctx.seed.wrapping_add(1))?;
        let (covered, quality) = mode_coverage(samples.view(), centres.view(), STD)?;
        table.row(vec![
            name.into(),
            format!("{grad:.3e}"),
            f4(d_fake),
            covered.to_string(),
            f4(quality),
        ]);
        scatter = scatter.with(Series::points(name, points(samples.view())));
        grads_plot = grads_plot.with(Series::line(
            name,
            fitted.history[..4 * EARLY]
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
    Ok((ns.0, sat.0))
}

/// Distance from each row of `samples` to its nearest row of `train`.
fn nearest_distances(samples: ArrayView2<f64>, train: ArrayView2<f64>) -> Vec<f64> {
    samples
        .rows()
        .into_iter()
        .map(|s| {
            train
                .rows()
                .into_iter()
                .map(|t| s.iter().zip(t).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One row of the digits table, and the median distance to the nearest training digit.
fn score_row(
    what: &str,
    s: &ClassifierScore,
    samples: ArrayView2<f64>,
    train: &Dataset,
) -> (Vec<String>, f64) {
    let distance = median(nearest_distances(samples, train.x()));
    let row = vec![
        what.into(),
        format!("{:.2}", s.score),
        f4(s.mean_confidence),
        s.class_shares
            .iter()
            .filter(|&&p| p >= 0.05)
            .count()
            .to_string(),
        f4(distance),
    ];
    (row, distance)
}

/// Generated digits, captioned with the judge's class and confidence, ordered by class.
fn sample_grid(samples: ArrayView2<f64>, probs: ArrayView2<f64>, n: usize) -> ImageGrid {
    let best = |i: usize| {
        probs
            .row(i)
            .iter()
            .enumerate()
            .fold((0, 0.0), |a, (k, &p)| if p > a.1 { (k, p) } else { a })
    };
    let mut order: Vec<usize> = (0..n.min(samples.nrows())).collect();
    order.sort_by_key(|&i| best(i).0);
    let mut grid = ImageGrid::new(
        "digits_generated.svg",
        "Generated digits (non-saturating loss), with the classifier's label and confidence",
        (8, 8),
        10,
    );
    for i in order {
        let (class, p) = best(i);
        grid = grid.with(samples.row(i).to_vec(), format!("{class} ({p:.2})"));
    }
    grid
}

/// The digits: generated samples scored by a classifier trained on the real digits.
fn digits_part(ctx: &Context, report: &mut Report) -> Result<(f64, f64)> {
    // Pixels in [0, 1]; the generator ends in a sigmoid.
    let (train, test) = digits_split(ctx.seed)?;
    // The judge: an MLP trained on the real training digits (best epoch on the test digits).
    ctx.device.seed(ctx.seed);
    let judge: Mlp = Trainer {
        batch_size: 32,
        seed: ctx.seed,
        ..Trainer::new(30)
    }
    .fit(
        MlpConfig::new(64, vec![128], 10).init(&ctx.device),
        &train,
        &test,
        |_| {},
    )?
    .model;
    let judge_accuracy = evaluate(&judge, &test)?.1;
    let score = |x: ArrayView2<f64>| classifier_score(predict_proba(&judge, x)?.view());

    let (steps, width) = (ctx.size(6000, 1500), ctx.size(256, 128));
    let gan = Gan {
        noise_dim: 16,
        hidden: vec![width, width],
        output: Some(Activation::Sigmoid),
        batch_size: 64,
        ..Gan::new(steps)
    };
    let n = 1000;
    let mut table = Table::new(
        &format!(
            "8×8 digits ({} training images), G and D with two hidden layers of {width}, noise of 16, Adam 1e-3 (β₁ = 0.5), {steps} steps of 64; judge: an MLP with test accuracy {}",
            train.n_samples(),
            f4(judge_accuracy)
        ),
        &[
            "samples",
            "classifier score exp(E KL(p(y|x) ‖ p(y))) (max 10)",
            "mean confidence max p(y|x)",
            "classes with ≥ 5% of samples",
            "median distance to the nearest training digit",
        ],
    );
    let real = score(test.x())?;
    table.row(score_row("real test digits", &real, test.x(), &train).0);
    let mut rng = StdRng::seed_from_u64(ctx.seed);
    let noise = Array2::from_shape_fn((n, 64), |_| rand::Rng::random::<f64>(&mut rng));
    let noisy = score(noise.view())?;
    let (row, noise_distance) = score_row("uniform random pixels", &noisy, noise.view(), &train);
    table.row(row);
    let mut results = vec![];
    for PerLoss { name, fitted, grad } in train_both(ctx, &gan, train.x(), "digits")? {
        let samples = fitted.model.sample(n, ctx.seed.wrapping_add(1))?;
        let probs = predict_proba(&judge, samples.view())?;
        let s = classifier_score(probs.view())?;
        let (row, distance) = score_row(&format!("GAN, {name}"), &s, samples.view(), &train);
        table.row(row);
        if results.is_empty() {
            report.metric("digits_ns_distance", distance);
            report.images(sample_grid(samples.view(), probs.view(), 60));
        }
        results.push((grad, s));
    }
    let mut real_grid = ImageGrid::new("digits_real.svg", "Real test digits", (8, 8), 10);
    for (row, y) in test.x().rows().into_iter().zip(test.targets()).take(20) {
        real_grid = real_grid.with(row.to_vec(), y.to_string());
    }
    report.images(real_grid);
    report.table(table);
    let (ns, sat) = (&results[0], &results[1]);
    report.metric("digits_real_score", real.score);
    report.metric("digits_noise_score", noisy.score);
    report.metric("digits_ns_score", ns.1.score);
    report.metric("digits_saturating_score", sat.1.score);
    report.metric("digits_ns_confidence", ns.1.mean_confidence);
    report.metric("digits_noise_distance", noise_distance);
    report.note(format!(
        "Digits, final classifier score: non-saturating {:.2}, saturating {:.2}. The notes' tip is about the generator's early gradients; {}",
        ns.1.score,
        sat.1.score,
        if sat.1.score >= ns.1.score {
            "here the saturating loss did not end worse (Adam rescales small gradients per parameter)"
        } else {
            "here the saturating loss also ended worse"
        }
    ));
    report.claim(
        "The generator learns to create data the discriminator must judge as real: generated digits are recognisable and varied",
        ns.1.score > 0.5 * real.score && ns.1.score > 2.0 * noisy.score,
        format!(
            "classifier score of the non-saturating GAN's samples {:.2} (mean confidence {}), real digits {:.2}, uniform noise {:.2}; the claim asks for more than half the real score and twice the noise's",
            ns.1.score,
            f4(ns.1.mean_confidence),
            real.score,
            noisy.score
        ),
    );
    Ok((ns.0, sat.0))
}

impl Experiment for GanExperiment {
    fn name(&self) -> &'static str {
        "gan"
    }

    fn section(&self) -> &'static str {
        "Generative Adversarial Network (GAN)"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let ring = ring_part(ctx, &mut report)?;
        let digits = digits_part(ctx, &mut report)?;
        report.metric("digits_early_gradient_ratio", digits.0 / digits.1);
        report.claim(
            "Minimising log(1 - D(G(z))) saturates early: the non-saturating loss gives the generator stronger gradients at the start",
            ring.0 > ring.1 && digits.0 > digits.1,
            format!(
                "mean generator gradient norm over the first {EARLY} steps, non-saturating vs saturating: ring {:.3e} vs {:.3e} ({:.1}x), digits {:.3e} vs {:.3e} ({:.1}x)",
                ring.0,
                ring.1,
                ring.0 / ring.1,
                digits.0,
                digits.1,
                digits.0 / digits.1
            ),
        );
        Ok(report)
    }
}
