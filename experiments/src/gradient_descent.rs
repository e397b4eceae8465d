//! Gradient descent and its variants: batch, stochastic and mini-batch updates, momentum and
//! Adam, learning rates too small and too large, on a least-squares problem regenerated for
//! every seed; Adam against plain and momentum updates on three problems with one shared
//! tuning grid; SGD's noise on a double well; momentum's damping and Adam's per-parameter steps
//! on quadratics.

use std::cell::RefCell;

use mlnotes::data::generate;
use mlnotes::estimator::{FitFeatures, Transform};
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::linalg::largest_eigenvalue;
use mlnotes::linear::cost::{CrossEntropy, SquaredError};
use mlnotes::linear::design;
use mlnotes::optim::{Batching, GradientDescent, History, Newton, Objective, Rows, Update};
use mlnotes::preprocess::Scaler;
use mlnotes::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// The `gradient-descent` experiment.
pub struct GradientDescentVariants;

/// Examples of the least-squares problems (full, quick).
const EXAMPLES: (usize, usize) = (1000, 400);
/// Epochs of every run on the correlated problem (full, quick).
const EPOCHS: (usize, usize) = (200, 100);
/// Features of the generated problems.
const FEATURES: usize = 10;
/// True coefficients `(j − 4.5) / 2` of the least-squares problems.
const COEF: [f64; FEATURES] = [
    -2.25, -1.75, -1.25, -0.75, -0.25, 0.25, 0.75, 1.25, 1.75, 2.25,
];
/// Relative excess cost `(J − J*) / J*` counted as converged.
const CONVERGED: f64 = 1e-3;
/// Floor of relative excess costs before their log10 (rounding).
const EXCESS_FLOOR: f64 = 1e-15;
/// Epochs averaged for a final cost.
const TAIL: usize = 5;
/// L2 penalty of the logistic problem (keeps its optimum finite).
const LOGISTIC_L2: f64 = 1.0;
/// Examples per mini-batch.
const MINI_BATCH: usize = 32;

/// A variant of gradient descent with its learning-rate grid: in units of 1/λ_max for plain
/// and momentum updates, absolute for Adam.
struct Variant {
    name: &'static str,
    batching: Batching,
    update: Update,
    grid: &'static [f64],
}

const BATCH: Variant = Variant {
    name: "batch",
    batching: Batching::Batch,
    update: Update::Plain,
    grid: &[2.0, 1.0, 0.5, 0.25],
};
const MOMENTUM: Variant = Variant {
    name: "momentum (batch, β=0.9)",
    batching: Batching::Batch,
    update: Update::Momentum { beta: 0.9 },
    grid: &[1.0, 0.5, 0.25, 0.1],
};
/// The variants of the table, each at its tuned rate.
const VARIANTS: [Variant; 5] = [
    BATCH,
    Variant {
        name: "stochastic (1)",
        batching: Batching::Stochastic,
        update: Update::Plain,
        grid: &[0.1, 0.03, 0.01, 0.003],
    },
    Variant {
        name: "mini-batch (32)",
        batching: Batching::MiniBatch(MINI_BATCH),
        update: Update::Plain,
        grid: &[1.0, 0.3, 0.1, 0.03],
    },
    MOMENTUM,
    Variant {
        name: "Adam (mini-batch 32)",
        batching: Batching::MiniBatch(MINI_BATCH),
        update: Update::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        },
        grid: &[0.3, 0.1, 0.03, 0.01],
    },
];

/// The learning rates every update rule gets in the Adam comparison (the same grid for each).
const SHARED_GRID: [f64; 6] = [1.0, 0.3, 0.1, 0.03, 0.01, 0.003];
/// Epochs of the Adam comparison (full, quick).
const COMPARISON_EPOCHS: (usize, usize) = (100, 50);

/// The double well `(θ² − 1)² + tilt·θ`: its tilt, the spread of the examples' slopes, the
/// examples, the start (local minimum's side), step, decay, epochs and SGD orders per seed.
const WELL_TILT: f64 = 0.5;
const WELL_NOISE: f64 = 5.0;
const WELL_EXAMPLES: usize = 50;
const WELL_START: f64 = 1.5;
const WELL_RATE: f64 = 0.06;
const WELL_DECAY: f64 = 0.1;
const WELL_EPOCHS: usize = 40;
const WELL_RUNS: usize = 10;

/// The ill-conditioned quadratic of the momentum check: condition number, the learning rates
/// both updates choose from (in units of 1/λ_max, log-spaced from 0.01 to 1.99) and steps.
const KAPPA: f64 = 50.0;
const DAMPING_GRID: (f64, f64, usize) = (0.01, 1.99, 40);
const DAMPING_STEPS: usize = 100;

/// The separable quadratic of the Adam check: parameters, smallest log10 scale of a
/// parameter's cost, steps, and the two learning rates.
const SCALED_PARAMS: usize = 10;
const SMALLEST_SCALE_LOG10: f64 = -4.0;
const SCALED_STEPS: usize = 300;
const ADAM_RATE: f64 = 0.01;
const PLAIN_RATE: f64 = 1.0;

/// Which cost a problem minimises.
#[derive(Clone, Copy)]
enum Loss {
    /// `1/(2m) Σ (θᵀx − y)²`.
    Squared,
    /// Logistic cross-entropy with the L2 term [`LOGISTIC_L2`].
    Logistic,
}

/// A cost minimised from θ = 0, with its minimiser θ* and optimum `J*` (Newton's method),
/// its cost at θ = 0 and its largest curvature there.
struct Problem {
    name: &'static str,
    loss: Loss,
    /// Design matrix `[1 | X]`.
    x: Array2<f64>,
    y: Array1<f64>,
    optimum: Array1<f64>,
    best: f64,
    initial: f64,
    lmax: f64,
}

/// Where a cost is lowest and what it is worth.
struct Landmarks {
    optimum: Array1<f64>,
    best: f64,
    initial: f64,
    lmax: f64,
}

/// The minimiser θ* and optimum `J*` (Newton's method), the cost at θ = 0 and the largest
/// curvature there.
fn landmarks(cost: &impl Objective) -> Result<Landmarks> {
    let zero = Array1::<f64>::zeros(cost.n_params());
    let newton = Newton {
        max_iter: 100,
        tol: 1e-12,
    };
    let (optimum, _) = newton.minimize(cost, zero.view())?;
    let hessian = cost
        .hessian(zero.view())
        .ok_or_else(|| Error::invalid("no Hessian"))?;
    Ok(Landmarks {
        best: cost.loss(optimum.view()),
        optimum,
        initial: cost.loss(zero.view()),
        lmax: largest_eigenvalue(hessian.view()),
    })
}

impl Problem {
    fn new(name: &'static str, loss: Loss, x: Array2<f64>, y: Array1<f64>) -> Result<Self> {
        let marks = match loss {
            Loss::Squared => landmarks(&SquaredError::new(x.view(), y.view(), 0.0)?)?,
            Loss::Logistic => landmarks(&CrossEntropy::new(x.view(), y.view(), LOGISTIC_L2)?)?,
        };
        Ok(Problem {
            name,
            loss,
            x,
            y,
            optimum: marks.optimum,
            best: marks.best,
            initial: marks.initial,
            lmax: marks.lmax,
        })
    }

    /// Run `gd` from θ = 0.
    fn run(&self, gd: GradientDescent) -> Result<History> {
        self.run_from(gd, Array1::zeros(self.x.ncols()).view())
    }

    /// Run `gd` from `theta0`.
    fn run_from(&self, gd: GradientDescent, theta0: ArrayView1<f64>) -> Result<History> {
        let (_, history) = match self.loss {
            Loss::Squared => gd.minimize(
                &SquaredError::new(self.x.view(), self.y.view(), 0.0)?,
                theta0,
            )?,
            Loss::Logistic => gd.minimize(
                &CrossEntropy::new(self.x.view(), self.y.view(), LOGISTIC_L2)?,
                theta0,
            )?,
        };
        Ok(history)
    }

    /// log10 of the relative excess cost `(J − J*) / J*`, floored at rounding.
    fn log_excess(&self, loss: f64) -> f64 {
        ((loss - self.best) / self.best.abs())
            .max(EXCESS_FLOOR)
            .log10()
    }

    /// The excess cost `J − J*` after every epoch.
    fn excess(&self, h: &History) -> Vec<f64> {
        h.loss.iter().map(|l| (l - self.best).max(0.0)).collect()
    }

    /// Epochs until the excess cost is within [`CONVERGED`] of the optimum.
    fn epochs_to(&self, h: &History) -> Option<usize> {
        h.loss
            .iter()
            .position(|&l| l - self.best <= CONVERGED * self.best)
    }
}

/// Least squares on 10 correlated features (`x_j + 1.5 x_0`), standardised: elongated cost
/// contours even after scaling.
fn correlated(m: usize, seed: u64) -> Result<Problem> {
    let raw = generate::linear_regression(m, &COEF, 3.0, 0.5, seed)?;
    let mut mixed = raw.features().clone();
    let first = raw.features().column(0).to_owned();
    for mut col in mixed.columns_mut().into_iter().skip(1) {
        col.scaled_add(1.5, &first);
    }
    let scaled = Scaler::standardization()
        .fit_features(mixed.view())?
        .transform(mixed.view())?;
    Problem::new(
        "least squares, correlated standardised features",
        Loss::Squared,
        design(scaled.view()),
        raw.targets().clone(),
    )
}

/// Least squares on unscaled features: column j multiplied by 10^(−1 + 2j/9), from 0.1 to 10.
fn unscaled(m: usize, seed: u64) -> Result<Problem> {
    let raw = generate::linear_regression(m, &COEF, 3.0, 0.5, seed)?;
    let scales = Array1::from_shape_fn(FEATURES, |j| {
        10f64.powf(-1.0 + 2.0 * j as f64 / (FEATURES - 1) as f64)
    });
    let x = raw.features() * &scales;
    Problem::new(
        "least squares, unscaled features (x0.1 to x10)",
        Loss::Squared,
        design(x.view()),
        raw.targets().clone(),
    )
}

/// Logistic regression on 10 uniform features, labels from a random linear rule plus noise.
fn logistic(m: usize, seed: u64) -> Result<Problem> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((m, FEATURES), |_| rng.random_range(-1.0..1.0));
    let w = Array1::from_shape_fn(FEATURES, |_| rng.random_range(-2.0..2.0));
    let y = x
        .dot(&w)
        .mapv(|s| f64::from(u8::from(s + rng.random_range(-1.0..1.0) > 0.0)));
    Problem::new("logistic regression", Loss::Logistic, design(x.view()), y)
}

/// The cost after the last epoch.
fn last(h: &History) -> f64 {
    h.loss[h.loss.len() - 1]
}

/// The mean cost over the last [`TAIL`] epochs.
fn tail(h: &History) -> f64 {
    let k = TAIL.min(h.loss.len());
    h.loss[h.loss.len() - k..].iter().sum::<f64>() / k as f64
}

/// Mean of `v`.
fn mean(v: &[f64]) -> f64 {
    mean_se(v).0
}

/// One configuration at its tuned learning rate, with the cost after every epoch.
struct Run {
    name: &'static str,
    lr: f64,
    history: History,
}

/// `variant` at the learning rate of its grid with the lowest final cost.
fn tune(p: &Problem, variant: &Variant, epochs: usize, seed: u64) -> Result<Run> {
    let mut chosen: Option<Run> = None;
    for &scale in variant.grid {
        let lr = if matches!(variant.update, Update::Adam { .. }) {
            scale
        } else {
            scale / p.lmax
        };
        let gd = GradientDescent {
            learning_rate: lr,
            batching: variant.batching,
            update: variant.update,
            max_epochs: epochs,
            tol: 0.0,
            seed,
            ..Default::default()
        };
        if let Ok(history) = p.run(gd)
            && chosen
                .as_ref()
                .is_none_or(|c| last(&history) < last(&c.history))
        {
            chosen = Some(Run {
                name: variant.name,
                lr,
                history,
            });
        }
    }
    chosen.ok_or_else(|| Error::invalid(format!("{}: every learning rate diverged", variant.name)))
}

/// What one seed's correlated least-squares problem measured, costs as log10 relative excess.
struct SeedRuns {
    /// After one pass from θ = 0 at step 0.5/λ_max: batch (one update) and mini-batch (m/32
    /// updates).
    batch_pass: f64,
    mini_pass: f64,
    /// Over the last epochs at step 0.1/λ_max, started at the minimiser θ* (the noise floor,
    /// free of any bias from the start): SGD at a constant rate, SGD with a decaying rate,
    /// mini-batch at the constant rate.
    sgd_constant: f64,
    sgd_decayed: f64,
    mini_floor: f64,
    /// After every epoch, each at the best rate of its grid: plain batch and momentum.
    tuned: f64,
    momentum: f64,
    /// Epochs to within [`CONVERGED`] of J*, tuned batch and tuned momentum (unconverged runs
    /// counted as one epoch past the budget).
    batch_epochs: f64,
    momentum_epochs: f64,
    /// After every epoch at α = 0.01/λ_max.
    slow: f64,
    /// The run at α = 2.5/λ_max stopped with `Diverged`.
    diverged: bool,
}

/// Every variant comparison on the correlated problem of `seed`.
fn seed_runs(m: usize, epochs: usize, seed: u64) -> Result<SeedRuns> {
    let p = correlated(m, seed)?;
    let gd = |scale: f64, batching: Batching, max_epochs: usize| GradientDescent {
        learning_rate: scale / p.lmax,
        batching,
        max_epochs,
        tol: 0.0,
        seed,
        ..Default::default()
    };
    let one_pass = |batching: Batching| -> Result<f64> {
        Ok(p.log_excess(p.run(gd(0.5, batching, 1))?.loss[1]))
    };
    let floor = |g: GradientDescent| -> Result<f64> {
        Ok(p.log_excess(tail(&p.run_from(g, p.optimum.view())?)))
    };
    let sgd = gd(0.1, Batching::Stochastic, epochs);
    let batch = tune(&p, &BATCH, epochs, seed)?;
    let momentum = tune(&p, &MOMENTUM, epochs, seed)?;
    let to = |r: &Run| {
        p.epochs_to(&r.history)
            .map_or(epochs as f64 + 1.0, |e| e as f64)
    };
    let slow = p.run(gd(0.01, Batching::Batch, epochs))?;
    Ok(SeedRuns {
        batch_pass: one_pass(Batching::Batch)?,
        mini_pass: one_pass(Batching::MiniBatch(MINI_BATCH))?,
        sgd_constant: floor(sgd)?,
        sgd_decayed: floor(GradientDescent { decay: 0.5, ..sgd })?,
        mini_floor: floor(GradientDescent {
            batching: Batching::MiniBatch(MINI_BATCH),
            ..sgd
        })?,
        tuned: p.log_excess(last(&batch.history)),
        momentum: p.log_excess(last(&momentum.history)),
        batch_epochs: to(&batch),
        momentum_epochs: to(&momentum),
        slow: p.log_excess(last(&slow)),
        diverged: matches!(
            p.run(gd(2.5, Batching::Batch, epochs)),
            Err(Error::Diverged { .. })
        ),
    })
}

/// The table and plot of every variant at its tuned rate, on the problem of `seed`.
fn variants_table(report: &mut Report, m: usize, epochs: usize, seed: u64) -> Result<()> {
    let p = correlated(m, seed)?;
    let runs = VARIANTS
        .iter()
        .map(|v| tune(&p, v, epochs, seed))
        .collect::<Result<Vec<Run>>>()?;
    let mut t = Table::new(
        &format!(
            "{m} examples, 10 correlated standardised features, {epochs} epochs, seed {seed}; learning rate tuned per variant"
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
        let e = p.excess(&r.history);
        t.row(vec![
            r.name.into(),
            format!("{:.3e}", r.lr),
            p.epochs_to(&r.history)
                .map_or_else(|| format!("> {epochs}"), |v| v.to_string()),
            format!("{:.3e}", e[1]),
            format!("{:.3e}", e[e.len() - 1]),
        ]);
    }
    report.table(t);
    let mut plot = Plot::new(
        "loss.svg",
        "Excess cost per epoch (each variant at its tuned rate)",
        "epoch",
        "log10 (J - J*)",
    );
    for r in &runs {
        plot = plot.with(Series::line(
            r.name,
            p.excess(&r.history)
                .iter()
                .enumerate()
                .map(|(i, &e)| (i as f64, e.max(1e-16).log10()))
                .collect(),
        ));
    }
    report.plot(plot);
    Ok(())
}

/// The claims on batch, stochastic and mini-batch updates, momentum's speed and the learning
/// rate, each paired over the seeds' problems.
fn variant_claims(report: &mut Report, runs: &[SeedRuns], m: usize, epochs: usize) {
    let col = |f: fn(&SeedRuns) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let (batch_pass, mini_pass) = (col(|r| r.batch_pass), col(|r| r.mini_pass));
    let (constant, decayed, mini_floor) = (
        col(|r| r.sgd_constant),
        col(|r| r.sgd_decayed),
        col(|r| r.mini_floor),
    );
    let (slow, tuned, momentum) = (col(|r| r.slow), col(|r| r.tuned), col(|r| r.momentum));
    report.claim(
        "batch-slow-for-large-data",
        "Batch gradient descent uses all examples for each update: slow for large datasets",
        Verdict::paired_gain(
            "log10 relative excess cost after one pass over the data, batch − mini-batch",
            &batch_pass,
            &mini_pass,
            0.0,
        )
        .with(format!(
            "{m} examples at step 0.5/λ_max: batch makes 1 update per pass, mini-batch (32) {}",
            m.div_ceil(MINI_BATCH)
        )),
    );
    report.claim(
        "minibatch-stable-and-fast",
        "Mini-batch combines the stability of batch GD with the speed of SGD",
        Verdict::paired_gain(
            "log10 excess after one pass, batch − mini-batch",
            &batch_pass,
            &mini_pass,
            0.0,
        )
        .and(Verdict::paired_gain(
            "log10 excess over the last epochs at step 0.1/λ_max from θ*, SGD − mini-batch",
            &constant,
            &mini_floor,
            0.0,
        ))
        .with(format!(
            "started at the minimiser θ*, {epochs} epochs at the same step: mean log10 relative excess SGD {}, mini-batch {}",
            num(mean(&constant)),
            num(mean(&mini_floor))
        )),
    );
    report.claim(
        "sgd-decay-settles",
        "SGD's variance prevents settling at the exact minimum; decaying the learning rate fixes it",
        Verdict::paired_gain(
            "log10 excess over the last epochs of SGD started at the minimiser θ*, constant − decaying rate",
            &constant,
            &decayed,
            0.3,
        )
        .with(format!(
            "step 0.1/λ_max, decay α/(1 + 0.5·epoch), {epochs} epochs; mean log10 relative excess (J − J*)/J*: constant {}, decaying {}",
            num(mean(&constant)),
            num(mean(&decayed))
        )),
    );
    let (batch_epochs, momentum_epochs) = (col(|r| r.batch_epochs), col(|r| r.momentum_epochs));
    report.claim(
        "momentum-accelerates",
        "Momentum accelerates gradient descent",
        Verdict::paired_gain(
            &format!("log10 relative excess after {epochs} batch epochs, plain − momentum"),
            &tuned,
            &momentum,
            0.0,
        )
        .with(format!(
            "each at the best rate of its grid; mean epochs to J* within 1e-3 (relative): plain {}, momentum {} (unconverged counted as {})",
            num(mean(&batch_epochs)),
            num(mean(&momentum_epochs)),
            epochs + 1
        )),
    );
    report.claim(
        "learning-rate-too-small",
        "Learning rate too small: slow convergence",
        Verdict::paired_gain(
            &format!("log10 excess after {epochs} epochs, α = 0.01/λ_max − tuned α"),
            &slow,
            &tuned,
            1.0,
        ),
    );
    let diverged: Vec<bool> = runs.iter().map(|r| r.diverged).collect();
    report.claim(
        "learning-rate-too-large",
        "Learning rate too large: may overshoot and diverge (detected, not returned as a NaN model)",
        Verdict::share(
            "the run at α = 2.5/λ_max stopped with Diverged",
            &diverged,
            1.0,
        ),
    );
}

/// The lowest log10 relative excess cost (mean of the last epochs) over [`SHARED_GRID`] for
/// `update` on mini-batches; the cost at θ = 0 when no rate did better (or all diverged).
fn best_excess(p: &Problem, update: Update, epochs: usize, seed: u64) -> f64 {
    SHARED_GRID
        .iter()
        .filter_map(|&lr| {
            p.run(GradientDescent {
                learning_rate: lr,
                batching: Batching::MiniBatch(MINI_BATCH),
                update,
                max_epochs: epochs,
                tol: 0.0,
                seed,
                ..Default::default()
            })
            .ok()
        })
        .map(|h| p.log_excess(tail(&h)))
        .fold(p.log_excess(p.initial), f64::min)
}

/// One problem of one seed in the Adam comparison: log10 excess of plain, momentum, Adam.
struct Case {
    problem: &'static str,
    excess: [f64; 3],
}

/// Adam against plain and momentum updates, each given the same learning-rate grid, batching
/// and epochs, on three problems regenerated for every seed.
fn adam_default(report: &mut Report, ctx: &Context, m: usize) -> Result<()> {
    let epochs = ctx.size(COMPARISON_EPOCHS.0, COMPARISON_EPOCHS.1);
    let seeds = ctx.seeds();
    let rules = [Update::Plain, Update::momentum(), Update::adam()];
    let bar = ctx.progress(seeds.len() as u64, "Adam comparison");
    let mut cases = Vec::new();
    for &seed in &seeds {
        for p in [correlated(m, seed)?, unscaled(m, seed)?, logistic(m, seed)?] {
            let mut excess = [0.0; 3];
            for (e, &update) in excess.iter_mut().zip(&rules) {
                *e = best_excess(&p, update, epochs, seed);
            }
            cases.push(Case {
                problem: p.name,
                excess,
            });
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let problems: Vec<&str> = cases.iter().take(3).map(|c| c.problem).collect();
    // one value per seed (the problems of a seed share its draw, so they are not independent
    // repeats): the mean over the seed's problems
    let rule = |k: usize| {
        cases
            .chunks(problems.len())
            .map(|seed| seed.iter().map(|c| c.excess[k]).sum::<f64>() / seed.len() as f64)
            .collect::<Vec<f64>>()
    };
    let (plain, momentum, adam) = (rule(0), rule(1), rule(2));
    let mut t = Table::new(
        &format!(
            "Mean log10 relative excess cost (± SE over {} seeds) after {epochs} epochs of mini-batches of {MINI_BATCH}, each rule at its best rate of {SHARED_GRID:?}",
            seeds.len()
        ),
        &["problem", "plain", "momentum (β = 0.9)", "Adam"],
    );
    for name in &problems {
        let mut row = vec![name.to_string()];
        for k in 0..3 {
            let v: Vec<f64> = cases
                .iter()
                .filter(|c| c.problem == *name)
                .map(|c| c.excess[k])
                .collect();
            let (avg, se) = mean_se(&v);
            row.push(format!("{} ± {}", num(avg), se.map_or("-".into(), num)));
        }
        t.row(row);
    }
    report.table(t);
    report.claim(
        "adam-best-default",
        "Adam is generally the best default choice",
        Verdict::paired_gain(
            "log10 final excess cost averaged over the problems of a seed, plain − Adam",
            &plain,
            &adam,
            0.0,
        )
        .and(Verdict::paired_gain(
            "log10 final excess cost, momentum − Adam",
            &momentum,
            &adam,
            0.0,
        ))
        .with(format!(
            "{} cases ({} problems × {} seeds: {}); every rule: mini-batches of {MINI_BATCH}, {epochs} epochs, the best of the same {} learning rates",
            cases.len(),
            problems.len(),
            seeds.len(),
            problems.join("; "),
            SHARED_GRID.len()
        )),
    );
    Ok(())
}

/// The tilted double well `J(θ) = (θ² − 1)² + tilt·θ` as the mean of per-example costs
/// `ℓ_i(θ) = (θ² − 1)² + (tilt + a_i)·θ` with the `a_i` centred: each example tilts the well its
/// own way, the mean is the well. A shallow local minimum near θ = +0.93, the global one near
/// θ = −1.06.
struct DoubleWell {
    tilt: f64,
    a: Array1<f64>,
}

impl Objective for DoubleWell {
    fn n_params(&self) -> usize {
        1
    }
    fn n_samples(&self) -> usize {
        self.a.len()
    }
    fn loss_grad(&self, theta: ArrayView1<f64>, rows: Rows, grad: &mut Array1<f64>) -> f64 {
        let t = theta[0];
        let slope = self.tilt
            + match rows {
                Rows::All => self.a.mean().unwrap_or(0.0),
                Rows::Subset(idx) => {
                    idx.iter().map(|&i| self.a[i]).sum::<f64>() / idx.len().max(1) as f64
                }
            };
        if grad.len() != 1 {
            *grad = Array1::zeros(1);
        }
        grad[0] = 4.0 * t * (t * t - 1.0) + slope;
        (t * t - 1.0).powi(2) + slope * t
    }
}

/// The top of the barrier between the double well's minima: the root of
/// `4θ³ − 4θ + tilt` in (−0.5, 0.5), by bisection.
fn barrier_top(tilt: f64) -> f64 {
    let slope = |t: f64| 4.0 * t * (t * t - 1.0) + tilt;
    let (mut lo, mut hi) = (-0.5, 0.5);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if slope(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// SGD against batch gradient descent on the double well, both started on the local
/// minimum's side with the same decaying step.
fn sgd_escapes(report: &mut Report, seeds: &[u64]) -> Result<()> {
    let barrier = barrier_top(WELL_TILT);
    let (mut sgd_share, mut batch_share) = (Vec::new(), Vec::new());
    for &seed in seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut a = Array1::from_shape_fn(WELL_EXAMPLES, |_| {
            WELL_NOISE * rng.sample::<f64, _>(StandardNormal)
        });
        let centre = a.mean().unwrap_or(0.0);
        a -= centre;
        let well = DoubleWell { tilt: WELL_TILT, a };
        let start = Array1::from_elem(1, WELL_START);
        let escaped = |batching: Batching, order: u64| {
            let gd = GradientDescent {
                learning_rate: WELL_RATE,
                batching,
                decay: WELL_DECAY,
                max_epochs: WELL_EPOCHS,
                tol: 0.0,
                seed: order,
                ..Default::default()
            };
            gd.minimize(&well, start.view())
                .is_ok_and(|(theta, _)| theta[0] < barrier)
        };
        let global = (0..WELL_RUNS as u64)
            .filter(|&r| {
                escaped(
                    Batching::Stochastic,
                    seed.wrapping_mul(1000).wrapping_add(r),
                )
            })
            .count();
        sgd_share.push(global as f64 / WELL_RUNS as f64);
        batch_share.push(f64::from(u8::from(escaped(Batching::Batch, seed))));
    }
    report.claim(
        "sgd-escapes-local-optima",
        "SGD's high variance helps escape local optima",
        Verdict::paired_gain(
            "share of runs ending in the global minimum's basin, SGD − batch GD",
            &sgd_share,
            &batch_share,
            0.5,
        )
        .with(format!(
            "J(θ) = (θ² − 1)² + {}θ, the mean of {WELL_EXAMPLES} examples' costs whose slopes spread by N(0, {}²); from θ = {} (local minimum's side, barrier top at θ = {}); step {} decaying as 1/(1 + {}·epoch), {WELL_EPOCHS} epochs; {WELL_RUNS} SGD orders per seed; mean share SGD {}, batch {}",
            num(WELL_TILT),
            num(WELL_NOISE),
            num(WELL_START),
            num(barrier),
            num(WELL_RATE),
            num(WELL_DECAY),
            num(mean(&sgd_share)),
            num(mean(&batch_share))
        )),
    );
    Ok(())
}

/// `J(θ) = ½ (θ − c)ᵀ A (θ − c)`, recording every point where a step's gradient is taken.
struct Quadratic {
    a: Array2<f64>,
    c: Array1<f64>,
    path: RefCell<Vec<Array1<f64>>>,
}

impl Quadratic {
    fn new(a: Array2<f64>, c: Array1<f64>) -> Self {
        Quadratic {
            a,
            c,
            path: RefCell::new(Vec::new()),
        }
    }

    /// Minimise with `gd` from `start`: the points θ₀, θ₁, …, θ_T of the run.
    fn trajectory(&self, gd: &GradientDescent, start: ArrayView1<f64>) -> Result<Vec<Array1<f64>>> {
        self.path.borrow_mut().clear();
        let (last, _) = gd.minimize(self, start)?;
        let mut path = self.path.take();
        path.push(last);
        Ok(path)
    }
}

impl Objective for Quadratic {
    fn n_params(&self) -> usize {
        self.c.len()
    }
    fn n_samples(&self) -> usize {
        1
    }
    fn loss_grad(&self, theta: ArrayView1<f64>, _rows: Rows, grad: &mut Array1<f64>) -> f64 {
        self.path.borrow_mut().push(theta.to_owned());
        let d = &theta - &self.c;
        *grad = self.a.dot(&d);
        0.5 * d.dot(&*grad)
    }
    /// The cost alone (an optimizer's bookkeeping, not a step: not recorded).
    fn loss(&self, theta: ArrayView1<f64>) -> f64 {
        let d = &theta - &self.c;
        0.5 * d.dot(&self.a.dot(&d))
    }
    fn hessian(&self, _theta: ArrayView1<f64>) -> Option<Array2<f64>> {
        Some(self.a.clone())
    }
}

/// One update's run on the momentum check's quadratic, at the rate of [`DAMPING_GRID`] that
/// ends closest to the minimum.
struct DampingRun {
    /// Chosen rate in units of 1/λ_max.
    rate: f64,
    /// Share of steps whose move along the steep direction reverses the previous one.
    reversals: f64,
    /// Distance travelled along the steep direction (Σ |Δ|) over the starting distance.
    steep_travel: f64,
    path: Vec<Array1<f64>>,
}

/// `update` on `q` from `start`, at each rate of [`DAMPING_GRID`]; the run whose last cost is
/// lowest (runs that fail are skipped).
fn damping_run(
    q: &Quadratic,
    update: Update,
    start: &Array1<f64>,
    steep: &Array1<f64>,
) -> Result<DampingRun> {
    let (low, high, count) = DAMPING_GRID;
    let mut best: Option<(f64, DampingRun)> = None;
    for i in 0..count {
        let rate = low * (high / low).powf(i as f64 / (count - 1) as f64);
        let gd = GradientDescent {
            learning_rate: rate / KAPPA,
            update,
            max_epochs: DAMPING_STEPS,
            tol: 0.0,
            ..Default::default()
        };
        let Ok(path) = q.trajectory(&gd, start.view()) else {
            continue;
        };
        let cost = q.loss(path[path.len() - 1].view());
        if !cost.is_finite() || best.as_ref().is_some_and(|(c, _)| *c <= cost) {
            continue;
        }
        let along: Vec<f64> = path
            .windows(2)
            .map(|w| steep.dot(&(&w[1] - &w[0])))
            .collect();
        let reversals = along.windows(2).filter(|u| u[0] * u[1] < 0.0).count();
        let from = steep.dot(&(start - &q.c)).abs().max(f64::MIN_POSITIVE);
        let run = DampingRun {
            rate,
            reversals: reversals as f64 / (along.len().max(2) - 1) as f64,
            steep_travel: along.iter().map(|d| d.abs()).sum::<f64>() / from,
            path,
        };
        best = Some((cost, run));
    }
    best.map(|(_, run)| run)
        .ok_or_else(|| Error::invalid("momentum check: every learning rate diverged"))
}

/// Plain and momentum updates on an ill-conditioned 2-D quadratic (random rotation and start
/// per seed), each at the rate of one shared grid that gets closest to the minimum: how often
/// the move along the steep direction reverses (the zig-zag across the ravine).
fn momentum_damps(report: &mut Report, seeds: &[u64]) -> Result<()> {
    let outer = |v: &Array1<f64>| Array2::from_shape_fn((2, 2), |(i, j)| v[i] * v[j]);
    let (mut plain, mut momentum) = (Vec::new(), Vec::new());
    for &seed in seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let angle: f64 = rng.random_range(0.0..std::f64::consts::PI);
        let shallow = Array1::from(vec![angle.cos(), angle.sin()]);
        let steep = Array1::from(vec![-angle.sin(), angle.cos()]);
        let a = outer(&shallow) + KAPPA * outer(&steep);
        let c = Array1::from_shape_fn(2, |_| rng.random_range(-1.0..1.0));
        let start = &c + &Array1::from_shape_fn(2, |_| rng.random_range(-3.0..3.0));
        let q = Quadratic::new(a, c);
        plain.push(damping_run(&q, Update::Plain, &start, &steep)?);
        momentum.push(damping_run(&q, Update::momentum(), &start, &steep)?);
    }
    let col =
        |runs: &[DampingRun], f: fn(&DampingRun) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let (plain_reversals, momentum_reversals) = (
        col(&plain, |r| r.reversals),
        col(&momentum, |r| r.reversals),
    );
    report.claim(
        "momentum-damps-oscillations",
        "Momentum dampens oscillations",
        Verdict::paired_gain(
            "share of steps whose move along the steep direction reverses, plain − momentum",
            &plain_reversals,
            &momentum_reversals,
            0.2,
        )
        .and(Verdict::paired_gain(
            "distance travelled along the steep direction over the starting distance (the oscillation's amplitude summed), plain − momentum",
            &col(&plain, |r| r.steep_travel),
            &col(&momentum, |r| r.steep_travel),
            0.0,
        ))
        .with(format!(
            "2-D quadratic with condition number {}, {DAMPING_STEPS} steps, each update at the rate of one grid ({} to {} / λ_max, {} rates) that ends closest to the minimum: mean rate plain {}, momentum {} (/λ_max)",
            num(KAPPA),
            num(DAMPING_GRID.0),
            num(DAMPING_GRID.1),
            DAMPING_GRID.2,
            num(mean(&col(&plain, |r| r.rate))),
            num(mean(&col(&momentum, |r| r.rate)))
        )),
    );
    let points = |run: &DampingRun| run.path.iter().map(|p| (p[0], p[1])).collect();
    report.plot(
        Plot::new(
            "momentum_paths.svg",
            &format!(
                "Paths on a quadratic with condition number {}, each at its best rate (seed {})",
                num(KAPPA),
                seeds[0]
            ),
            "θ₁",
            "θ₂",
        )
        .with(Series::line("plain", points(&plain[0])))
        .with(Series::line("momentum (β = 0.9)", points(&momentum[0]))),
    );
    Ok(())
}

/// Adam and plain gradient descent on a separable quadratic whose parameters' costs are
/// rescaled one by one (`½ Σ w_j (θ_j − c_j)²`, w_j log-uniform in [1e-4, 1], against all
/// w_j = 1): how far each trajectory moves.
fn adam_per_parameter(report: &mut Report, seeds: &[u64]) -> Result<()> {
    let (mut adam_change, mut plain_change) = (Vec::new(), Vec::new());
    for &seed in seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let c = Array1::from_shape_fn(SCALED_PARAMS, |_| rng.random_range(-1.0f64..1.0));
        let weights = Array1::from_shape_fn(SCALED_PARAMS, |_| {
            10f64.powf(rng.random_range(SMALLEST_SCALE_LOG10..0.0))
        });
        let ones = Array1::from_elem(SCALED_PARAMS, 1.0);
        let start = Array1::<f64>::zeros(SCALED_PARAMS);
        let reach = c.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (update, lr) in [(Update::adam(), ADAM_RATE), (Update::Plain, PLAIN_RATE)] {
            let gd = GradientDescent {
                learning_rate: lr,
                update,
                max_epochs: SCALED_STEPS,
                tol: 0.0,
                ..Default::default()
            };
            let path = |w: &Array1<f64>| {
                Quadratic::new(Array2::from_diag(w), c.clone()).trajectory(&gd, start.view())
            };
            let (base, scaled) = (path(&ones)?, path(&weights)?);
            // a run that converged early stays at its last point
            let at = |p: &[Array1<f64>], t: usize| p[t.min(p.len() - 1)].clone();
            let change = (0..base.len().max(scaled.len()))
                .map(|t| {
                    (at(&base, t) - at(&scaled, t))
                        .iter()
                        .fold(0.0f64, |a, v| a.max(v.abs()))
                })
                .fold(0.0f64, f64::max)
                / reach;
            if matches!(update, Update::Plain) {
                plain_change.push(change);
            } else {
                adam_change.push(change);
            }
        }
    }
    report.claim(
        "adam-per-parameter-rates",
        "Adam computes adaptive learning rates for each parameter",
        Verdict::mean_below(
            "largest change of Adam's trajectory when each parameter's cost is rescaled, relative to the distance to the minimum",
            &adam_change,
            0.01,
        )
        .and(Verdict::mean_above(
            "the same for plain gradient descent",
            &plain_change,
            0.3,
        ))
        .with(format!(
            "½ Σ w_j (θ_j − c_j)² over {SCALED_PARAMS} parameters, w_j log-uniform in [1e{}, 1] against all w_j = 1 (orthogonal features of scales √w_j); {SCALED_STEPS} steps; Adam η = {}, plain α = {}",
            SMALLEST_SCALE_LOG10,
            num(ADAM_RATE),
            num(PLAIN_RATE)
        )),
    );
    Ok(())
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
        let m = ctx.size(EXAMPLES.0, EXAMPLES.1);
        let epochs = ctx.size(EPOCHS.0, EPOCHS.1);
        let seeds = ctx.seeds();

        // 1. The variants on the correlated problem: one seed's table, every seed's claims.
        variants_table(&mut report, m, epochs, seeds[0])?;
        let bar = ctx.progress(seeds.len() as u64, "variants over seeds");
        let mut runs = Vec::new();
        for &seed in &seeds {
            runs.push(seed_runs(m, epochs, seed)?);
            bar.inc(1);
        }
        bar.finish_and_clear();
        variant_claims(&mut report, &runs, m, epochs);

        // 2. Adam against plain and momentum updates with equal tuning.
        adam_default(&mut report, ctx, m)?;

        // 3. What the noise, the momentum and Adam's scaling do, on small problems.
        sgd_escapes(&mut report, &seeds)?;
        momentum_damps(&mut report, &seeds)?;
        adam_per_parameter(&mut report, &seeds)?;
        Ok(report)
    }
}
