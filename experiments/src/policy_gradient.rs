//! Policy gradient on CartPole-v1: the total-return estimator (REINFORCE as derived),
//! rewards-to-go, and rewards-to-go minus a learned value baseline. The notes' claims: each
//! variance-reduction step lowers the variance of the gradient estimate (measured on one fixed
//! policy over many independent batches) and speeds learning; with the baseline the task is
//! solved (mean greedy return ≥ 475 over 100 episodes).

use mlnotes::Result;
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::rl::{Agent, Estimator, PolicyGradient};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::f4;

/// The `policy-gradient` experiment.
pub struct PolicyGradientExperiment;

const ESTIMATORS: [(Estimator, &str); 3] = [
    (Estimator::TotalReturn, "total return"),
    (Estimator::RewardsToGo, "rewards-to-go"),
    (Estimator::Baseline, "rewards-to-go - V(s)"),
];

/// Mean over parameters of the variance across `batches` of each estimator's gradient, for
/// one fixed policy (the agent's), relative to the squared norm of the mean gradient.
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

impl Experiment for PolicyGradientExperiment {
    fn name(&self) -> &'static str {
        "policy-gradient"
    }

    fn section(&self) -> &'static str {
        "Reinforcement Learning: Policy Gradient, Variance Reduction"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let iterations = ctx.size(150, 12);

        // 1. Learning curves of the three estimators, same seed and budget.
        let mut table = Table::new(
            "CartPole-v1: policy gradient with each estimator (same seed, same budget)",
            &[
                "estimator",
                "env steps",
                "mean return, last 10 iterations",
                "greedy evaluation (100 episodes)",
            ],
        );
        let mut plot = Plot::new(
            "learning_curves.svg",
            "CartPole-v1: mean episode return",
            "environment steps",
            "mean return",
        );
        let mut finals = vec![];
        let mut baseline_agent = None;
        for (estimator, name) in ESTIMATORS {
            let params = PolicyGradient {
                seed: ctx.seed,
                checkpoint: ctx.checkpointing(name, 10),
                ..PolicyGradient::new(estimator, iterations)
            };
            let bar = ctx.progress(iterations as u64, name);
            let trained = params.fit(&ctx.device, |it| {
                bar.set_message(format!("{name}: return {:.0}", it.mean_return));
                bar.inc(1);
            })?;
            bar.finish_and_clear();
            let (agent, history) = (trained.model, trained.history);
            let tail = &history[history.len().saturating_sub(10)..];
            let last = tail.iter().map(|h| h.mean_return).sum::<f64>() / tail.len() as f64;
            let eval = agent.evaluate(100, ctx.seed.wrapping_add(99))?;
            table.row(vec![
                name.into(),
                history.last().map_or(0, |h| h.env_steps).to_string(),
                f4(last),
                f4(eval),
            ]);
            plot = plot.with(Series::line(
                name,
                history
                    .iter()
                    .map(|h| (h.env_steps as f64, h.mean_return))
                    .collect(),
            ));
            finals.push((last, eval));
            if estimator == Estimator::Baseline {
                report.metric("baseline_return_first_iteration", history[0].mean_return);
                report.metric("baseline_return_last_iterations", last);
                let solved = history
                    .iter()
                    .find(|h| h.mean_return >= 475.0)
                    .map_or("never".into(), |h| h.env_steps.to_string());
                report.note(format!("With the baseline, the first iteration whose episodes average ≥ 475: after {solved} environment steps."));
            }
            if estimator == Estimator::Baseline {
                baseline_agent = Some((agent, params));
            }
        }
        report.table(table);
        report.plot(plot);
        report.metric("baseline_eval_return", finals[2].1);
        report.claim(
            "Variance reduction speeds learning: rewards-to-go beat the total return, the baseline beats both",
            finals[1].0 > finals[0].0 && finals[2].0 >= finals[1].0,
            format!("mean return over the last 10 iterations: total {}, rewards-to-go {}, baseline {}", f4(finals[0].0), f4(finals[1].0), f4(finals[2].0)),
        );
        if !ctx.quick {
            report.claim(
                "Policy gradient with a baseline solves CartPole-v1 (mean return ≥ 475 over 100 episodes)",
                finals[2].1 >= 475.0,
                format!("greedy evaluation over 100 episodes: {}", f4(finals[2].1)),
            );
        }

        // 2. Gradient variance on one fixed policy (the baseline run's), many batches.
        if let Some((mut agent, params)) = baseline_agent {
            // Fit the value network to this policy before measuring.
            let mut rng = StdRng::seed_from_u64(ctx.seed.wrapping_add(7));
            let big = agent.collect(
                ctx.size(20_000, 4_000),
                params.n_envs,
                params.gamma,
                &mut rng,
            )?;
            agent.fit_value(&big, 200, params.value_learning_rate)?;
            let var = gradient_variance(
                &agent,
                &params,
                ctx.size(30, 8),
                ctx.size(1_000, 500),
                ctx.seed.wrapping_add(8),
            )?;
            let mut t = Table::new(
                "Variance of the gradient estimate over independent batches (fixed policy)",
                &["estimator", "mean per-parameter variance"],
            );
            for ((_, name), v) in ESTIMATORS.iter().zip(&var) {
                t.row(vec![name.to_string(), format!("{v:.4e}")]);
            }
            report.table(t);
            report.metric("variance_total", var[0]);
            report.metric("variance_rewards_to_go", var[1]);
            report.metric("variance_baseline", var[2]);
            report.claim(
                "Rewards-to-go and then a baseline each reduce the variance of the policy gradient",
                var[1] < var[0] && var[2] < var[1],
                format!("per-parameter variance: total return {:.3e}, rewards-to-go {:.3e}, baseline {:.3e}", var[0], var[1], var[2]),
            );
        }
        Ok(report)
    }
}
