//! Policy gradient on CartPole-v1, over seeds: the total-return estimator (REINFORCE as
//! derived), rewards-to-go, and rewards-to-go minus a learned value baseline. The notes' claims:
//! each variance-reduction step lowers the variance of the gradient estimate (measured on one
//! fixed policy per seed over many independent batches) and speeds learning; with the baseline
//! the task is solved (mean greedy return ≥ 475 over 100 episodes). On a two-context bandit whose
//! exact gradient is known, a baseline (constant, or the state value V(s)) leaves the mean
//! gradient where it was and lowers its variance.

use mlnotes::Result;
use mlnotes::estimator::member_seed;
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::rl::{Agent, Estimator, PgIteration, PolicyGradient};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// The `policy-gradient` experiment.
pub struct PolicyGradientExperiment;

const ESTIMATORS: [(Estimator, &str); 3] = [
    (Estimator::TotalReturn, "total return"),
    (Estimator::RewardsToGo, "rewards-to-go"),
    (Estimator::Baseline, "rewards-to-go - V(s)"),
];
/// Policy updates of the compared runs (full, quick).
const ITERATIONS: (usize, usize) = (50, 8);
/// Policy updates of the baseline run, which goes on to be judged solved (full, quick); its
/// first [`ITERATIONS`] are the compared ones.
const BASELINE_ITERATIONS: (usize, usize) = (80, 8);
/// Iterations averaged as the end of a learning curve (full, quick).
const TAIL: (usize, usize) = (10, 3);
/// Greedy episodes of the final evaluation.
const EVAL_EPISODES: usize = 100;
/// CartPole-v1's "solved" threshold, and the share of seeds that must reach it.
const SOLVED: f64 = 475.0;
/// See [`SOLVED`].
const SOLVED_SHARE: f64 = 0.8;
/// Environment steps fitting the value network before the variance study (full, quick).
const VALUE_FIT_STEPS: (usize, usize) = (10_000, 2_000);
/// Independent batches of the variance study and their steps (full, quick).
const VARIANCE_BATCHES: (usize, usize) = (40, 24);
/// See [`VARIANCE_BATCHES`].
const VARIANCE_BATCH_STEPS: (usize, usize) = (1_000, 400);
/// The bandit: mean reward level of each of its two contexts (each of the two actions adds a
/// U(0, 2) draw per seed, each pull N(0, 1) noise).
const BANDIT_LEVELS: [f64; 2] = [10.0, 4.0];
/// Standard deviation of the bandit policy's logits, drawn per seed.
const BANDIT_LOGIT_STD: f64 = 0.5;
/// Episodes per bandit gradient estimate.
const BANDIT_EPISODES: usize = 16;
/// Independent bandit gradient estimates per seed (full, quick).
const BANDIT_BATCHES: (usize, usize) = (4_000, 2_000);
/// Largest |mean estimate − exact gradient| / SE, over the parameters and estimators, that
/// still counts as agreeing (4 parameters × 3 estimators: about 0.6% of unbiased runs exceed it).
const MAX_Z: f64 = 3.5;

/// One seed's runs of the three estimators.
struct SeedRuns {
    /// Per estimator: the training history.
    histories: Vec<Vec<PgIteration>>,
    /// Per estimator: the greedy return of the final policy.
    evaluations: Vec<f64>,
    /// The trained baseline agent and its settings (the fixed policy of the variance study).
    baseline: (Agent, PolicyGradient),
}

/// Trains the three estimators on one seed.
fn train_seed(ctx: &Context, seed: u64) -> Result<SeedRuns> {
    let (mut histories, mut evaluations) = (vec![], vec![]);
    let mut baseline = None;
    for (estimator, name) in ESTIMATORS {
        let iterations = if estimator == Estimator::Baseline {
            ctx.size(BASELINE_ITERATIONS.0, BASELINE_ITERATIONS.1)
        } else {
            ctx.size(ITERATIONS.0, ITERATIONS.1)
        };
        let params = PolicyGradient {
            seed,
            checkpoint: ctx.checkpointing(&format!("{name} seed {seed}"), 10),
            ..PolicyGradient::new(estimator, iterations)
        };
        let bar = ctx.progress(iterations as u64, &format!("{name}, seed {seed}"));
        let trained = params.fit(&ctx.device, |it| {
            bar.set_message(format!("{name}, seed {seed}: return {:.0}", it.mean_return));
            bar.inc(1);
        })?;
        bar.finish_and_clear();
        evaluations.push(
            trained
                .model
                .evaluate(EVAL_EPISODES, seed.wrapping_add(99))?,
        );
        histories.push(trained.history);
        if estimator == Estimator::Baseline {
            baseline = Some((trained.model, params));
        }
    }
    let baseline = baseline.ok_or_else(|| mlnotes::Error::invalid("no baseline run"))?;
    Ok(SeedRuns {
        histories,
        evaluations,
        baseline,
    })
}

/// Mean over parameters of the variance across `batches` of each estimator's gradient, for
/// one fixed policy (the agent's).
fn gradient_variance(
    agent: &Agent,
    params: &PolicyGradient,
    batches: usize,
    batch_steps: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let rollouts: Vec<_> = (0..batches)
        .map(|_| agent.collect(batch_steps, params.n_envs, params.gamma, &mut rng))
        .collect::<Result<_>>()?;
    ESTIMATORS
        .iter()
        .map(|&(e, _)| {
            let grads: Vec<Vec<f32>> = rollouts
                .iter()
                .map(|r| agent.gradient(r, e))
                .collect::<Result<_>>()?;
            let p = grads[0].len();
            let n = grads.len() as f64;
            let mut var = 0.0;
            for j in 0..p {
                let mean = grads.iter().map(|g| f64::from(g[j])).sum::<f64>() / n;
                var += grads
                    .iter()
                    .map(|g| (f64::from(g[j]) - mean).powi(2))
                    .sum::<f64>()
                    / n;
            }
            Ok(var / p as f64)
        })
        .collect()
}

/// The bandit study of one seed.
struct BanditStudy {
    /// Largest |mean estimate − exact ∇J| / SE over the parameters and the three estimators.
    max_z: f64,
    /// Per estimator (none, constant, V(s)): mean over parameters of the estimate's variance.
    variance: [f64; 3],
    /// Per estimator: ‖mean estimate − exact ∇J‖ / ‖exact ∇J‖.
    relative_error: [f64; 3],
}

/// REINFORCE on a two-context, two-action bandit with a softmax policy (logits `θ[s][a]`):
/// `BANDIT_BATCHES` estimates of `∇J`, each from `BANDIT_EPISODES` one-step episodes, with no
/// baseline, the constant baseline `b = J(θ)` and the state baseline `b(s) = V(s)`, against the
/// exact gradient `∂J/∂θ[s][a] = p(s) π(a|s) (μ(s, a) − V(s))`.
fn bandit_study(seed: u64, batches: usize) -> BanditStudy {
    let mut rng = StdRng::seed_from_u64(seed);
    let contexts = BANDIT_LEVELS.len();
    let p_context = 1.0 / contexts as f64;
    // Per context: the policy π(·|s) (softmax of logits drawn per seed) and the mean rewards.
    let mut pi = vec![];
    let mut mu = vec![];
    for level in BANDIT_LEVELS {
        let logits: [f64; 2] =
            [0, 1].map(|_| BANDIT_LOGIT_STD * rng.sample::<f64, _>(StandardNormal));
        let z = logits.iter().map(|l| l.exp()).sum::<f64>();
        pi.push(logits.map(|l| l.exp() / z));
        mu.push([0, 1].map(|_| level + 2.0 * rng.random::<f64>()));
    }
    let v: Vec<f64> = pi
        .iter()
        .zip(&mu)
        .map(|(p, m)| p.iter().zip(m).map(|(p, m)| p * m).sum::<f64>())
        .collect();
    let j = p_context * v.iter().sum::<f64>();
    let exact: Vec<f64> = (0..contexts * 2)
        .map(|k| {
            let (s, a) = (k / 2, k % 2);
            p_context * pi[s][a] * (mu[s][a] - v[s])
        })
        .collect();

    // estimates[b][e][k]: batch b, estimator e, parameter k = 2s + a.
    let mut estimates = vec![[[0.0; 4]; 3]; batches];
    for batch in &mut estimates {
        for _ in 0..BANDIT_EPISODES {
            let s = rng.random_range(0..contexts);
            let a = usize::from(rng.random::<f64>() >= pi[s][0]);
            let r = mu[s][a] + rng.sample::<f64, _>(StandardNormal);
            for (estimate, baseline) in batch.iter_mut().zip([0.0, j, v[s]]) {
                for (k, p) in pi[s].iter().enumerate() {
                    // ∂ log π(a|s) / ∂θ[s][k] = 1[k = a] − π(k|s); zero for the other context.
                    let score = f64::from(u8::from(k == a)) - p;
                    estimate[2 * s + k] += (r - baseline) * score / BANDIT_EPISODES as f64;
                }
            }
        }
    }
    let norm = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut max_z = 0.0f64;
    let (mut variance, mut relative_error) = ([0.0; 3], [0.0; 3]);
    for (e, (var, rel)) in variance.iter_mut().zip(&mut relative_error).enumerate() {
        let mut mean = vec![0.0; exact.len()];
        for (k, g) in exact.iter().enumerate() {
            let column: Vec<f64> = estimates.iter().map(|batch| batch[e][k]).collect();
            let (m, se) = mean_se(&column);
            let se = se.unwrap_or(f64::NAN);
            max_z = max_z.max(((m - g) / se).abs());
            *var += se * se * batches as f64 / exact.len() as f64;
            mean[k] = m;
        }
        let diff: Vec<f64> = mean.iter().zip(&exact).map(|(m, g)| m - g).collect();
        *rel = norm(&diff) / norm(&exact);
    }
    BanditStudy {
        max_z,
        variance,
        relative_error,
    }
}

/// `mean ± SE` of some seeds' numbers.
fn cell(values: &[f64]) -> String {
    let (m, se) = mean_se(values);
    format!("{} ± {}", num(m), num(se.unwrap_or(0.0)))
}

/// The bandit: a baseline leaves the mean gradient unbiased and lowers its variance.
fn baseline_bandit(ctx: &Context, report: &mut Report) {
    let batches = ctx.size(BANDIT_BATCHES.0, BANDIT_BATCHES.1);
    let studies: Vec<BanditStudy> = ctx
        .seeds()
        .iter()
        .map(|&seed| bandit_study(seed, batches))
        .collect();
    let names = ["no baseline", "constant b = J(θ)", "b(s) = V(s)"];
    let mut table = Table::new(
        &format!(
            "Two-context bandit (reward levels {} and {}), softmax policy drawn per seed: {batches} REINFORCE estimates of {BANDIT_EPISODES} episodes each, mean ± SE over {} seeds",
            BANDIT_LEVELS[0],
            BANDIT_LEVELS[1],
            studies.len()
        ),
        &[
            "baseline",
            "mean per-parameter variance of the estimate",
            "‖mean estimate − exact ∇J‖ / ‖∇J‖",
        ],
    );
    let ln_variance =
        |e: usize| -> Vec<f64> { studies.iter().map(|s| s.variance[e].ln()).collect() };
    for (e, name) in names.iter().enumerate() {
        table.row(vec![
            name.to_string(),
            cell(&studies.iter().map(|s| s.variance[e]).collect::<Vec<_>>()),
            cell(
                &studies
                    .iter()
                    .map(|s| s.relative_error[e])
                    .collect::<Vec<_>>(),
            ),
        ]);
    }
    report.table(table);
    let max_z: Vec<f64> = studies.iter().map(|s| s.max_z).collect();
    report.metric("bandit_max_z", max_z.iter().copied().fold(0.0, f64::max));
    report.claim(
        "baseline-adds-no-bias",
        "Subtracting a baseline b(s) does not introduce bias: with no baseline, a constant one and V(s), the mean gradient estimates agree with the exact gradient within their standard errors",
        Verdict::mean_below(
            "largest |mean estimate − exact ∇J| / SE over the 4 parameters and 3 estimators",
            &max_z,
            MAX_Z,
        ),
    );
    report.claim(
        "baseline-reduces-variance",
        "Subtracting a baseline reduces the variance of the policy gradient: a constant baseline, and more so V(s)",
        Verdict::paired_gain(
            "ln variance of the estimate, no baseline − constant baseline",
            &ln_variance(0),
            &ln_variance(1),
            0.0,
        )
        .and(Verdict::paired_gain(
            "ln variance, constant baseline − V(s)",
            &ln_variance(1),
            &ln_variance(2),
            0.0,
        )),
    );
}

impl Experiment for PolicyGradientExperiment {
    fn name(&self) -> &'static str {
        "policy-gradient"
    }

    fn section(&self) -> &'static str {
        "Reinforcement Learning: Policy Gradient, Variance Reduction"
    }
    fn expected_seconds(&self) -> u32 {
        12
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let iterations = ctx.size(ITERATIONS.0, ITERATIONS.1);
        let tail = ctx.size(TAIL.0, TAIL.1);
        let seeds = ctx.seeds();

        // 1. Learning curves of the three estimators, same seeds and budget.
        let mut runs = vec![];
        for &seed in &seeds {
            runs.push(train_seed(ctx, seed)?);
        }
        // Mean return over the first `iterations` (the area under the learning curve), and
        // over the last `tail` of them, per estimator and seed.
        let area = |e: usize| -> Vec<f64> {
            runs.iter()
                .map(|r| {
                    let h = &r.histories[e][..iterations];
                    h.iter().map(|i| i.mean_return).sum::<f64>() / h.len() as f64
                })
                .collect()
        };
        let end = |e: usize| -> Vec<f64> {
            runs.iter()
                .map(|r| {
                    let h = &r.histories[e][iterations - tail.min(iterations)..iterations];
                    h.iter().map(|i| i.mean_return).sum::<f64>() / h.len() as f64
                })
                .collect()
        };
        let evaluation = |e: usize| -> Vec<f64> { runs.iter().map(|r| r.evaluations[e]).collect() };
        let mut table = Table::new(
            &format!(
                "CartPole-v1: policy gradient with each estimator, {iterations} updates of {} steps, mean ± SE over {} seeds",
                PolicyGradient::new(Estimator::Baseline, 1).batch_steps,
                seeds.len()
            ),
            &[
                "estimator",
                &format!("mean return over the {iterations} updates"),
                &format!(
                    "mean return, updates {}–{iterations}",
                    iterations - tail.min(iterations) + 1
                ),
                &format!("greedy evaluation ({EVAL_EPISODES} episodes) of the final policy"),
            ],
        );
        for (e, (_, name)) in ESTIMATORS.iter().enumerate() {
            table.row(vec![
                name.to_string(),
                cell(&area(e)),
                cell(&end(e)),
                cell(&evaluation(e)),
            ]);
        }
        report.table(table);
        let mut plot = Plot::new(
            "learning_curves.svg",
            &format!("CartPole-v1: mean episode return, seed {}", seeds[0]),
            "environment steps",
            "mean episode return (steps balanced)",
        );
        for (e, (_, name)) in ESTIMATORS.iter().enumerate() {
            plot = plot.with(Series::line(
                name,
                runs[0].histories[e]
                    .iter()
                    .map(|h| (h.env_steps as f64, h.mean_return))
                    .collect(),
            ));
        }
        report.plot(plot);
        let first: Vec<f64> = runs.iter().map(|r| r.histories[2][0].mean_return).collect();
        report.metric("baseline_return_first_iteration", mean_se(&first).0);
        report.metric("baseline_return_last_iterations", mean_se(&end(2)).0);
        report.metric("baseline_eval_return", mean_se(&evaluation(2)).0);
        let solved_after: Vec<String> = runs
            .iter()
            .zip(&seeds)
            .map(|(r, seed)| {
                let at = r.histories[2]
                    .iter()
                    .find(|h| h.mean_return >= SOLVED)
                    .map_or("never".into(), |h| h.env_steps.to_string());
                format!("seed {seed}: {at}")
            })
            .collect();
        report.note(format!(
            "With the baseline, the first iteration whose episodes average ≥ {SOLVED}, in environment steps: {}.",
            solved_after.join(", ")
        ));
        report.claim(
            "variance-reduction-speeds-learning",
            "Variance reduction speeds learning: rewards-to-go beat the total return, the baseline beats both",
            Verdict::paired_gain(
                &format!("mean return over the first {iterations} updates, rewards-to-go − total return"),
                &area(1),
                &area(0),
                0.0,
            )
            .and(Verdict::paired_gain(
                "mean return over those updates, baseline − rewards-to-go",
                &area(2),
                &area(1),
                0.0,
            )),
        );
        if !ctx.quick {
            let solved: Vec<bool> = evaluation(2).iter().map(|&r| r >= SOLVED).collect();
            report.claim(
                "baseline-solves-cartpole",
                "Policy gradient with a baseline solves CartPole-v1 (mean return ≥ 475 over 100 episodes)",
                Verdict::share(
                    &format!(
                        "the baseline policy after {} updates averaged ≥ {SOLVED} over {EVAL_EPISODES} greedy episodes",
                        ctx.size(BASELINE_ITERATIONS.0, BASELINE_ITERATIONS.1)
                    ),
                    &solved,
                    SOLVED_SHARE,
                )
                .with(format!("greedy returns: {}", cell(&evaluation(2)))),
            );
        }

        // 2. Gradient variance on one fixed policy per seed (the baseline run's), many batches.
        let mut variances = vec![];
        for (run, &seed) in runs.into_iter().zip(&seeds) {
            let (mut agent, params) = run.baseline;
            // Fit the value network to this policy before measuring.
            let mut rng = StdRng::seed_from_u64(member_seed(seed, 7));
            let big = agent.collect(
                ctx.size(VALUE_FIT_STEPS.0, VALUE_FIT_STEPS.1),
                params.n_envs,
                params.gamma,
                &mut rng,
            )?;
            agent.fit_value(&big, 200, params.value_learning_rate)?;
            variances.push(gradient_variance(
                &agent,
                &params,
                ctx.size(VARIANCE_BATCHES.0, VARIANCE_BATCHES.1),
                ctx.size(VARIANCE_BATCH_STEPS.0, VARIANCE_BATCH_STEPS.1),
                member_seed(seed, 8),
            )?);
        }
        let variance = |e: usize| -> Vec<f64> { variances.iter().map(|v| v[e]).collect() };
        let ln_variance = |e: usize| -> Vec<f64> { variances.iter().map(|v| v[e].ln()).collect() };
        let mut t = Table::new(
            &format!(
                "Variance of the gradient estimate over {} independent batches of {} steps (the fixed policy of each seed's baseline run), mean ± SE over {} seeds",
                ctx.size(VARIANCE_BATCHES.0, VARIANCE_BATCHES.1),
                ctx.size(VARIANCE_BATCH_STEPS.0, VARIANCE_BATCH_STEPS.1),
                seeds.len()
            ),
            &["estimator", "mean per-parameter variance"],
        );
        for (e, (_, name)) in ESTIMATORS.iter().enumerate() {
            t.row(vec![name.to_string(), cell(&variance(e))]);
        }
        report.table(t);
        report.metric("variance_total", mean_se(&variance(0)).0);
        report.metric("variance_rewards_to_go", mean_se(&variance(1)).0);
        report.metric("variance_baseline", mean_se(&variance(2)).0);
        report.claim(
            "rewards-to-go-and-baseline-reduce-variance",
            "Rewards-to-go and then a baseline each reduce the variance of the policy gradient",
            Verdict::paired_gain(
                "ln variance of the gradient estimate, total return − rewards-to-go",
                &ln_variance(0),
                &ln_variance(1),
                0.0,
            )
            .and(Verdict::paired_gain(
                "ln variance, rewards-to-go − baseline",
                &ln_variance(1),
                &ln_variance(2),
                0.0,
            )),
        );

        // 3. The bandit, whose exact gradient is known.
        baseline_bandit(ctx, &mut report);
        Ok(report)
    }
}
