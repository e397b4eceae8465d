//! Generative adversarial networks (notes: *Generative Adversarial Network*), over seeds. On
//! the 8-Gaussians ring: how many modes the generator covers and how many of its samples land on
//! one. On the 8×8 digits: a grid of generated digits, scored by a classifier trained on the
//! real ones. On both, the saturating generator loss `log(1 - D(G(z)))` against the
//! non-saturating `-log D(G(z))`: the generator's gradient over the first steps, from the same
//! initial networks.

use mlnotes::Result;
use mlnotes::data::Dataset;
use mlnotes::deep::{Trainer, evaluate, predict_proba};
use mlnotes::estimator::member_seed;
use mlnotes::experiment::{
    Context, Experiment, ImageGrid, Plot, Report, Series, Table, Verdict, mean_se, median, num,
};
use mlnotes::gan::{
    ClassifierScore, FittedGan, Gan, GanStep, GeneratorLoss, classifier_score, mode_coverage, ring,
};
use mlnotes::selection::HoldOut;
use mlnotes::training::Trained;
use mlnotes_models::{Activation, Mlp, MlpConfig};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::{digits_split, f4};

/// The `gan` experiment.
pub struct GanExperiment;

const MODES: usize = 8;
const STD: f64 = 0.05;
/// Steps over which the early generator gradient is averaged.
const EARLY: usize = 100;
/// Steps of the saturating-loss runs (its early gradients; plotted for the first seed).
const SATURATING_STEPS: usize = 2 * EARLY;
const LOSSES: [(&str, GeneratorLoss); 2] = [
    ("non-saturating -log D(G(z))", GeneratorLoss::NonSaturating),
    ("saturating log(1 - D(G(z)))", GeneratorLoss::Saturating),
];
/// Training steps of the non-saturating GAN on the ring (full, quick).
const RING_STEPS: (usize, usize) = (3000, 1500);
/// Generated samples scored on the ring.
const RING_SAMPLES: usize = 2000;
/// Training steps and hidden width of the non-saturating GAN on the digits (full, quick).
const DIGIT_STEPS: (usize, usize) = (4000, 1500);
/// See [`DIGIT_STEPS`].
const DIGIT_WIDTH: (usize, usize) = (256, 128);
/// Generated (and random) digits scored.
const DIGIT_SAMPLES: usize = 1000;
/// Modes the generator must cover on average (mean − 2·SE), of [`MODES`].
const MIN_MODES: f64 = 6.0;
/// Share of samples within 3σ of a mode it must reach on average.
const MIN_QUALITY: f64 = 0.5;
/// The generated digits' classifier score must exceed this share of the real digits' ...
const SHARE_OF_REAL: f64 = 0.5;
/// ... and this multiple of uniform noise's.
const TIMES_NOISE: f64 = 2.0;

/// The generator's first steps under both losses on one seed.
struct Early {
    /// Mean `‖∇_G‖` over the first [`EARLY`] steps: non-saturating, saturating.
    grad: [f64; 2],
    /// Mean `D(G(z))` over the first [`EARLY`] steps: non-saturating, saturating.
    d_fake: [f64; 2],
}

impl Early {
    /// From the histories of a non-saturating and a saturating run.
    fn of(ns: &[GanStep], sat: &[GanStep]) -> Self {
        let mean = |h: &[GanStep], f: fn(&GanStep) -> f64| {
            let h = &h[..EARLY.min(h.len())];
            h.iter().map(f).sum::<f64>() / h.len() as f64
        };
        Early {
            grad: [mean(ns, |s| s.g_grad_norm), mean(sat, |s| s.g_grad_norm)],
            d_fake: [mean(ns, |s| s.d_fake), mean(sat, |s| s.d_fake)],
        }
    }
}

/// Trains `gan` for `steps` with one generator loss on one seed, with a progress bar.
fn fit_one(
    ctx: &Context,
    gan: &Gan,
    real: ArrayView2<f64>,
    what: &str,
    (name, loss): (&str, GeneratorLoss),
    seed: u64,
    steps: usize,
) -> Result<Trained<FittedGan, GanStep>> {
    let bar = ctx.progress(steps as u64, &format!("{what}, {name}, seed {seed}"));
    let gan = Gan {
        loss,
        seed,
        steps,
        checkpoint: ctx.checkpointing(&format!("{what} {name} seed {seed}"), 500),
        ..gan.clone()
    };
    let fitted = gan.fit(real, &ctx.device, |_| bar.inc(1))?;
    bar.finish_and_clear();
    Ok(fitted)
}

/// The full non-saturating run and the short saturating run on one seed.
fn fit_both(
    ctx: &Context,
    gan: &Gan,
    real: ArrayView2<f64>,
    what: &str,
    seed: u64,
) -> Result<(Trained<FittedGan, GanStep>, Vec<GanStep>)> {
    let ns = fit_one(ctx, gan, real, what, LOSSES[0], seed, gan.steps)?;
    let sat = fit_one(ctx, gan, real, what, LOSSES[1], seed, SATURATING_STEPS)?;
    Ok((ns, sat.history))
}

/// `log10 ‖∇_G‖` per step of the first [`SATURATING_STEPS`] steps of each loss.
fn gradient_plot(file: &str, what: &str, seed: u64, histories: [&[GanStep]; 2]) -> Plot {
    let mut plot = Plot::new(
        file,
        &format!("Norm of the generator's gradient, first steps ({what}, seed {seed})"),
        "step",
        "log10 ‖∇_G‖",
    );
    for ((name, _), history) in LOSSES.iter().zip(histories) {
        plot = plot.with(Series::line(
            name,
            history[..SATURATING_STEPS.min(history.len())]
                .iter()
                .map(|s| (s.step as f64, s.g_grad_norm.max(1e-30).log10()))
                .collect(),
        ));
    }
    plot
}

/// `mean ± SE` of some seeds' numbers.
fn cell(values: &[f64]) -> String {
    let (m, se) = mean_se(values);
    format!("{} ± {}", num(m), num(se.unwrap_or(0.0)))
}

/// The ring: modes covered and samples near a mode, per seed; the early gradients.
fn ring_part(ctx: &Context, report: &mut Report) -> Result<Vec<Early>> {
    let steps = ctx.size(RING_STEPS.0, RING_STEPS.1);
    let seeds = ctx.seeds();
    let mut table = Table::new(
        &format!(
            "8 Gaussians on a circle of radius 2 (σ = {STD}), G and D with two hidden layers of 128, Adam 1e-3 (β₁ = 0.5), {steps} steps of 256, non-saturating loss; {RING_SAMPLES} samples"
        ),
        &[
            "seed",
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
    let (mut modes, mut quality, mut early) = (vec![], vec![], vec![]);
    for &seed in &seeds {
        let (real, centres) = ring(10_000, MODES, 2.0, STD, seed)?;
        let (ns, sat) = fit_both(ctx, &Gan::new(steps), real.view(), "ring", seed)?;
        let samples = ns.model.sample(RING_SAMPLES, member_seed(seed, 1))?;
        let (covered, q) = mode_coverage(samples.view(), centres.view(), STD)?;
        table.row(vec![seed.to_string(), covered.to_string(), f4(q)]);
        if seed == seeds[0] {
            report.plot(
                Plot::new(
                    "samples.svg",
                    &format!("Generated samples (non-saturating loss, seed {seed})"),
                    "x₁",
                    "x₂",
                )
                .with(Series::points("real", points(real.view())))
                .with(Series::points(LOSSES[0].0, points(samples.view()))),
            );
            report.plot(gradient_plot(
                "generator_gradients.svg",
                "ring",
                seed,
                [&ns.history, &sat],
            ));
        }
        modes.push(covered as f64);
        quality.push(q);
        early.push(Early::of(&ns.history, &sat));
    }
    report.table(table);
    report.metric("ns_modes", mean_se(&modes).0);
    report.metric("ns_quality", mean_se(&quality).0);
    report.claim(
        "gan-covers-ring-modes",
        "The adversarial game teaches the generator the data distribution: it covers the modes of the ring",
        Verdict::mean_above(
            &format!("modes (of {MODES}) with a sample within 3σ, {RING_SAMPLES} samples"),
            &modes,
            MIN_MODES,
        )
        .and(Verdict::mean_above(
            "share of samples within 3σ of a mode",
            &quality,
            MIN_QUALITY,
        )),
    );
    Ok(early)
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

/// Number of classes given at least 5% of the samples.
fn classes_used(s: &ClassifierScore) -> usize {
    s.class_shares.iter().filter(|&&p| p >= 0.05).count()
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
        "Generated digits (non-saturating loss, first seed), with the classifier's label and confidence",
        (8, 8),
        10,
    );
    for i in order {
        let (class, p) = best(i);
        grid = grid.with(samples.row(i).to_vec(), format!("{class} ({p:.2})"));
    }
    grid
}

/// The judge: an MLP trained on the real training digits, its epoch chosen on a fifth of them
/// held out (the test digits only score it).
fn train_judge(ctx: &Context, train: &Dataset, seed: u64) -> Result<Mlp> {
    let labels = train.targets().to_vec();
    let split = HoldOut::train_test(0.8, seed)
        .stratified()
        .split(train.n_samples(), Some(&labels))?;
    let (fit, valid) = (train.select(&split.train)?, train.select(&split.test)?);
    ctx.device.seed(seed);
    Ok(Trainer {
        batch_size: 32,
        seed,
        ..Trainer::new(30)
    }
    .fit(
        MlpConfig::new(64, vec![128], 10).init(&ctx.device),
        &fit,
        &valid,
        |_| {},
    )?
    .model)
}

/// One seed's digits: the scores of real, random and generated digits.
struct DigitScores {
    real: f64,
    noise: f64,
    generated: ClassifierScore,
    generated_distance: f64,
    noise_distance: f64,
}

/// The digits: generated samples scored by a classifier trained on the real digits, per seed;
/// the early gradients.
fn digits_part(ctx: &Context, report: &mut Report) -> Result<Vec<Early>> {
    let (steps, width) = (
        ctx.size(DIGIT_STEPS.0, DIGIT_STEPS.1),
        ctx.size(DIGIT_WIDTH.0, DIGIT_WIDTH.1),
    );
    let gan = Gan {
        noise_dim: 16,
        hidden: vec![width, width],
        output: Some(Activation::Sigmoid),
        batch_size: 64,
        ..Gan::new(steps)
    };
    let seeds = ctx.seeds();
    let mut table = Table::new(
        &format!(
            "8×8 digits (75% for training), G and D with two hidden layers of {width}, noise of 16, Adam 1e-3 (β₁ = 0.5), {steps} steps of 64, non-saturating loss; {DIGIT_SAMPLES} samples judged by an MLP trained on the real training digits; classifier score exp(E KL(p(y|x) ‖ p(y))) (max 10)"
        ),
        &[
            "seed",
            "judge's test accuracy",
            "score, real test digits",
            "score, uniform random pixels",
            "score, GAN",
            "GAN mean confidence max p(y|x)",
            "GAN classes with ≥ 5% of samples",
            "median distance to the nearest training digit: GAN",
            "… random pixels",
        ],
    );
    let (mut scores, mut early) = (vec![], vec![]);
    for &seed in &seeds {
        // Pixels in [0, 1]; the generator ends in a sigmoid.
        let (train, test) = digits_split(seed)?;
        let judge = train_judge(ctx, &train, seed)?;
        let judge_accuracy = evaluate(&judge, &test)?.1;
        let score = |x: ArrayView2<f64>| classifier_score(predict_proba(&judge, x)?.view());
        let real = score(test.x())?;
        let mut rng = StdRng::seed_from_u64(seed);
        let noise =
            Array2::from_shape_fn((DIGIT_SAMPLES, 64), |_| rand::Rng::random::<f64>(&mut rng));
        let noisy = score(noise.view())?;
        let (ns, sat) = fit_both(ctx, &gan, train.x(), "digits", seed)?;
        let samples = ns.model.sample(DIGIT_SAMPLES, member_seed(seed, 1))?;
        let probs = predict_proba(&judge, samples.view())?;
        let generated = classifier_score(probs.view())?;
        let digits = DigitScores {
            real: real.score,
            noise: noisy.score,
            generated_distance: median(&nearest_distances(samples.view(), train.x())),
            noise_distance: median(&nearest_distances(noise.view(), train.x())),
            generated,
        };
        table.row(vec![
            seed.to_string(),
            f4(judge_accuracy),
            format!("{:.2}", digits.real),
            format!("{:.2}", digits.noise),
            format!("{:.2}", digits.generated.score),
            f4(digits.generated.mean_confidence),
            classes_used(&digits.generated).to_string(),
            f4(digits.generated_distance),
            f4(digits.noise_distance),
        ]);
        if seed == seeds[0] {
            report.images(sample_grid(samples.view(), probs.view(), 60));
            let mut real_grid = ImageGrid::new("digits_real.svg", "Real test digits", (8, 8), 10);
            for (row, y) in test.x().rows().into_iter().zip(test.targets()).take(20) {
                real_grid = real_grid.with(row.to_vec(), y.to_string());
            }
            report.images(real_grid);
            report.plot(gradient_plot(
                "generator_gradients_digits.svg",
                "digits",
                seed,
                [&ns.history, &sat],
            ));
        }
        early.push(Early::of(&ns.history, &sat));
        scores.push(digits);
    }
    report.table(table);
    let column = |f: fn(&DigitScores) -> f64| scores.iter().map(f).collect::<Vec<f64>>();
    report.metric("digits_real_score", mean_se(&column(|d| d.real)).0);
    report.metric("digits_noise_score", mean_se(&column(|d| d.noise)).0);
    report.metric("digits_ns_score", mean_se(&column(|d| d.generated.score)).0);
    report.metric(
        "digits_ns_confidence",
        mean_se(&column(|d| d.generated.mean_confidence)).0,
    );
    report.metric(
        "digits_ns_distance",
        mean_se(&column(|d| d.generated_distance)).0,
    );
    report.metric(
        "digits_noise_distance",
        mean_se(&column(|d| d.noise_distance)).0,
    );
    report.claim(
        "gan-digits-recognisable",
        "The generator learns to create data the discriminator must judge as real: generated digits are recognisable and varied",
        Verdict::mean_above(
            "classifier score of the generated digits / the real test digits'",
            &column(|d| d.generated.score / d.real),
            SHARE_OF_REAL,
        )
        .and(Verdict::mean_above(
            "classifier score of the generated digits / uniform random pixels'",
            &column(|d| d.generated.score / d.noise),
            TIMES_NOISE,
        ))
        .with(format!(
            "scores: generated {}, real {}, random pixels {}",
            cell(&column(|d| d.generated.score)),
            cell(&column(|d| d.real)),
            cell(&column(|d| d.noise))
        )),
    );
    Ok(early)
}

impl Experiment for GanExperiment {
    fn name(&self) -> &'static str {
        "gan"
    }

    fn section(&self) -> &'static str {
        "Generative Adversarial Network (GAN)"
    }
    fn expected_seconds(&self) -> u32 {
        110
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let ring = ring_part(ctx, &mut report)?;
        let digits = digits_part(ctx, &mut report)?;
        let mut table = Table::new(
            &format!(
                "The generator's first {EARLY} steps under each loss, from the same initial networks (mean ± SE over {} seeds)",
                ring.len()
            ),
            &[
                "data",
                "generator loss",
                &format!("mean ‖∇_G‖, first {EARLY} steps"),
                &format!("mean D(G(z)), first {EARLY} steps"),
            ],
        );
        for (what, early) in [("ring", &ring), ("digits", &digits)] {
            for (k, (name, _)) in LOSSES.iter().enumerate() {
                table.row(vec![
                    what.into(),
                    name.to_string(),
                    cell(&early.iter().map(|e| e.grad[k]).collect::<Vec<_>>()),
                    cell(&early.iter().map(|e| e.d_fake[k]).collect::<Vec<_>>()),
                ]);
            }
        }
        report.table(table);
        let ln_grad = |early: &[Early], k: usize| -> Vec<f64> {
            early.iter().map(|e| e.grad[k].ln()).collect()
        };
        let ratio = |early: &[Early]| {
            let diffs: Vec<f64> = early.iter().map(|e| (e.grad[0] / e.grad[1]).ln()).collect();
            mean_se(&diffs).0.exp()
        };
        report.metric("early_gradient_ratio", ratio(&ring));
        report.metric("digits_early_gradient_ratio", ratio(&digits));
        report.note(format!(
            "The saturating loss is trained for its first {SATURATING_STEPS} steps only: the notes' tip is about the generator's gradients early in training."
        ));
        report.claim(
            "non-saturating-loss-stronger-early",
            "Minimising log(1 - D(G(z))) saturates early: the non-saturating loss gives the generator stronger gradients at the start",
            Verdict::paired_gain(
                &format!("ln mean ‖∇_G‖ over the first {EARLY} steps, non-saturating − saturating, ring"),
                &ln_grad(&ring, 0),
                &ln_grad(&ring, 1),
                0.0,
            )
            .and(Verdict::paired_gain(
                "the same, digits",
                &ln_grad(&digits, 0),
                &ln_grad(&digits, 1),
                0.0,
            ))
            .with(format!(
                "geometric-mean ratio non-saturating / saturating: ring {}, digits {}",
                num(ratio(&ring)),
                num(ratio(&digits))
            )),
        );
        Ok(report)
    }
}
