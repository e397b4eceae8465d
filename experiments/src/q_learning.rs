//! Tabular Q-learning on FrozenLake: without the transition model it approaches value
//! iteration's values, and its greedy policy's success rate nears the optimum.

use mlnotes::Result;
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::rl::{QLearning, evaluate_policy, frozen_lake, value_iteration};

use crate::f4;

/// The `q-learning` experiment.
pub struct QLearningExperiment;

impl Experiment for QLearningExperiment {
    fn name(&self) -> &'static str {
        "q-learning"
    }

    fn section(&self) -> &'static str {
        "Reinforcement Learning: Q-Learning"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let gamma = 0.95;
        let lake = frozen_lake(true, gamma)?;
        let vi = value_iteration(&lake, 1e-12, 100_000)?;
        let optimal_rate = {
            let q = mlnotes::rl::FittedQ {
                q: vi.q.clone(),
                policy: vi.policy.clone(),
                returns: vec![],
            };
            q.success_rate(&lake, ctx.size(10_000, 2_000), 200, ctx.seed)?
        };
        let mut t = Table::new(
            "Slippery FrozenLake (γ = 0.95): Q-learning against value iteration",
            &[
                "episodes",
                "V^π(start) of the greedy policy",
                "V*(start)",
                "success rate",
                "optimal success rate",
            ],
        );
        let budgets = ctx.size(
            vec![500, 2_000, 5_000, 20_000, 50_000],
            vec![500, 2_000, 10_000],
        );
        let mut last = (0.0, 0.0);
        let mut curve = vec![];
        for &episodes in &budgets {
            let q = QLearning {
                seed: ctx.seed,
                ..QLearning::new(episodes)
            }
            .fit(&lake)?;
            let value = evaluate_policy(&lake, &q.policy)?[0];
            let rate = q.success_rate(
                &lake,
                ctx.size(10_000, 2_000),
                200,
                ctx.seed.wrapping_add(1),
            )?;
            t.row(vec![
                episodes.to_string(),
                f4(value),
                f4(vi.v[0]),
                f4(rate),
                f4(optimal_rate),
            ]);
            curve.push((episodes as f64, value));
            last = (value, rate);
            if episodes == budgets[budgets.len() - 1] {
                // Moving average of the training returns (share of episodes reaching the goal).
                let w = (episodes / 50).max(1);
                let avg: Vec<(f64, f64)> = q
                    .returns
                    .chunks(w)
                    .enumerate()
                    .map(|(i, c)| (((i + 1) * w) as f64, c.iter().sum::<f64>() / c.len() as f64))
                    .collect();
                report.plot(
                    Plot::new(
                        "training_returns.svg",
                        "Q-learning on FrozenLake: training success (ε-greedy)",
                        "episode",
                        "mean return",
                    )
                    .with(Series::line("return", avg)),
                );
            }
        }
        report.table(t);
        report.metric("q_learning_value_ratio", last.0 / vi.v[0]);
        report.claim(
            "Q-learning learns Q* from samples, without knowing the environment's mechanics",
            last.0 > 0.9 * vi.v[0],
            format!("after {} episodes the greedy policy is worth {} from the start, value iteration's optimum {}", budgets[budgets.len() - 1], f4(last.0), f4(vi.v[0])),
        );
        report.claim(
            "Acting greedily on the learned Q succeeds about as often as the optimal policy",
            last.1 > optimal_rate - 0.05,
            format!(
                "success rate {} against {} for value iteration's policy",
                f4(last.1),
                f4(optimal_rate)
            ),
        );
        report.plot(
            Plot::new(
                "value_vs_episodes.svg",
                "Greedy policy value against training episodes",
                "episodes",
                "V^π(start)",
            )
            .with(Series::line("Q-learning", curve)),
        );
        Ok(report)
    }
}
