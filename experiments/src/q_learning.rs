//! Tabular Q-learning on FrozenLake: without the transition model its Q-table approaches the
//! Q* that value iteration computes from the model, and its greedy policy is optimal in
//! (nearly) every state and succeeds as often as the optimal policy. Every run is repeated
//! over seeds.

use mlnotes::Result;
use mlnotes::estimator::member_seed;
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, num,
};
use mlnotes::rl::{FittedQ, Mdp, QLearning, evaluate_policy, frozen_lake, value_iteration};

/// The `q-learning` experiment.
pub struct QLearningExperiment;

/// Discount of the lake.
const GAMMA: f64 = 0.95;
/// Training episodes of each run (full, quick); the first and the last are compared.
const BUDGETS: (&[usize], &[usize]) = (&[500, 2_000, 5_000, 20_000, 50_000], &[500, 2_000, 10_000]);
/// Greedy episodes of each success rate (full, quick).
const EVAL_EPISODES: (usize, usize) = (10_000, 2_000);
/// Step limit of an evaluation episode.
const MAX_STEPS: usize = 200;
/// Largest tolerated max |Q − Q*| after the largest budget (Q* spans 0 to 0.72 here).
const Q_TOLERANCE: f64 = 0.15;
/// Smallest mean share of non-terminal states whose greedy action is optimal.
const OPTIMAL_SHARE: f64 = 0.9;
/// Largest tolerated success-rate gap to the optimal policy.
const SUCCESS_GAP: f64 = 0.05;

/// Whether every action in `s` stays in `s` and ends the episode (holes and the goal).
fn is_terminal(mdp: &Mdp, s: usize) -> bool {
    mdp.transitions[s]
        .iter()
        .all(|outcomes| outcomes.iter().all(|t| t.done && t.next == s))
}

/// One Q-learning run scored against Q*.
struct Run {
    /// `max |Q(s, a) − Q*(s, a)|` over the non-terminal states' actions.
    q_error: f64,
    /// Share of non-terminal states whose greedy action is optimal under Q*.
    optimal_share: f64,
    /// `V^π(start)` of the greedy policy, solved exactly.
    value: f64,
    /// Success rate of the greedy policy.
    success: f64,
    /// Success rate of value iteration's policy on the same evaluation episodes.
    optimal_success: f64,
    /// The learned table (training returns for the plot).
    fitted: FittedQ,
}

/// Trains Q-learning for `episodes` with `seed` and compares it with value iteration's
/// `optimal` (its Q-table and policy), evaluating both on the same episodes.
fn run_once(
    lake: &Mdp,
    optimal: &FittedQ,
    episodes: usize,
    seed: u64,
    eval_episodes: usize,
) -> Result<Run> {
    let fitted = QLearning {
        seed,
        ..QLearning::new(episodes)
    }
    .fit(lake)?;
    let states: Vec<usize> = (0..lake.n_states())
        .filter(|&s| !is_terminal(lake, s))
        .collect();
    let q_error = states
        .iter()
        .flat_map(|&s| (0..lake.n_actions()).map(move |a| (s, a)))
        .map(|(s, a)| (fitted.q[[s, a]] - optimal.q[[s, a]]).abs())
        .fold(0.0f64, f64::max);
    let best = |s: usize| {
        optimal
            .q
            .row(s)
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let optimal_states = states
        .iter()
        .filter(|&&s| optimal.q[[s, fitted.policy[s]]] >= best(s) - 1e-9)
        .count();
    let eval_seed = member_seed(seed, 1);
    Ok(Run {
        q_error,
        optimal_share: optimal_states as f64 / states.len() as f64,
        value: evaluate_policy(lake, &fitted.policy)?[lake.start],
        success: fitted.success_rate(lake, eval_episodes, MAX_STEPS, eval_seed)?,
        optimal_success: optimal.success_rate(lake, eval_episodes, MAX_STEPS, eval_seed)?,
        fitted,
    })
}

/// `mean ± SE` of a column of runs.
fn cell(values: &[f64]) -> String {
    let (m, se) = mean_se(values);
    format!("{} ± {}", num(m), num(se.unwrap_or(0.0)))
}

impl Experiment for QLearningExperiment {
    fn name(&self) -> &'static str {
        "q-learning"
    }

    fn section(&self) -> &'static str {
        "Reinforcement Learning: Q-Learning"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let lake = frozen_lake(true, GAMMA)?;
        let vi = value_iteration(&lake, 1e-12, 100_000)?;
        let optimal = FittedQ {
            q: vi.q.clone(),
            policy: vi.policy.clone(),
            returns: vec![],
        };
        let q_max = vi.q.iter().copied().fold(0.0f64, f64::max);
        let budgets = ctx.size(BUDGETS.0, BUDGETS.1);
        let eval_episodes = ctx.size(EVAL_EPISODES.0, EVAL_EPISODES.1);
        let seeds = ctx.seeds();

        // runs[b][k]: budget b, seed k.
        let mut runs: Vec<Vec<Run>> = vec![];
        for &episodes in budgets {
            let row = seeds
                .iter()
                .map(|&seed| run_once(&lake, &optimal, episodes, seed, eval_episodes))
                .collect::<Result<Vec<_>>>()?;
            runs.push(row);
        }
        let column = |b: usize, f: fn(&Run) -> f64| runs[b].iter().map(f).collect::<Vec<f64>>();

        let mut t = Table::new(
            &format!(
                "Slippery FrozenLake (γ = {GAMMA}): Q-learning against value iteration's Q* (V*(start) = {}), mean ± SE over {} seeds",
                num(vi.v[lake.start]),
                seeds.len()
            ),
            &[
                "episodes",
                "max |Q − Q*|, non-terminal states",
                "states with an optimal greedy action",
                "V^π(start) of the greedy policy",
                "success rate",
                "optimal policy's success rate (same episodes)",
            ],
        );
        let (mut error_curve, mut error_bars) = (vec![], vec![]);
        let (mut value_curve, mut value_bars) = (vec![], vec![]);
        for (b, &episodes) in budgets.iter().enumerate() {
            let errors = column(b, |r| r.q_error);
            let values = column(b, |r| r.value);
            t.row(vec![
                episodes.to_string(),
                cell(&errors),
                cell(&column(b, |r| r.optimal_share)),
                cell(&values),
                cell(&column(b, |r| r.success)),
                cell(&column(b, |r| r.optimal_success)),
            ]);
            let (e, e_se) = mean_se(&errors);
            error_curve.push((episodes as f64, e));
            error_bars.push(e_se.unwrap_or(0.0));
            let (v, v_se) = mean_se(&values);
            value_curve.push((episodes as f64, v));
            value_bars.push(v_se.unwrap_or(0.0));
        }
        report.table(t);

        // Moving average of the training returns of the first seed's largest run.
        let last = budgets.len() - 1;
        let returns = &runs[last][0].fitted.returns;
        let w = (budgets[last] / 50).max(1);
        let avg: Vec<(f64, f64)> = returns
            .chunks(w)
            .enumerate()
            .map(|(i, c)| (((i + 1) * w) as f64, c.iter().sum::<f64>() / c.len() as f64))
            .collect();
        report.plot(
            Plot::new(
                "training_returns.svg",
                &format!(
                    "Q-learning on FrozenLake: training success (ε-greedy), seed {}",
                    seeds[0]
                ),
                "episode",
                "mean return",
            )
            .with(Series::line("return", avg)),
        );
        report.plot(
            Plot::new(
                "value_vs_episodes.svg",
                "Greedy policy value against training episodes (mean ± SE over seeds)",
                "episodes",
                "V^π(start)",
            )
            .with(Series::line("Q-learning", value_curve).with_errors(value_bars))
            .with(Series::line(
                "V* (value iteration)",
                vec![
                    (budgets[0] as f64, vi.v[lake.start]),
                    (budgets[last] as f64, vi.v[lake.start]),
                ],
            )),
        );
        report.plot(
            Plot::new(
                "q_error_vs_episodes.svg",
                "Distance of the learned Q from Q* (mean ± SE over seeds)",
                "episodes",
                "max |Q − Q*| over non-terminal states",
            )
            .with(Series::line("Q-learning", error_curve).with_errors(error_bars)),
        );

        let last_errors = column(last, |r| r.q_error);
        // per seed: how fast max |Q − Q*| falls with the episodes, as a log-log slope
        let error_slopes: Vec<f64> = (0..seeds.len())
            .map(|s| {
                let points: Vec<(f64, f64)> = budgets
                    .iter()
                    .zip(&runs)
                    .map(|(&b, at_budget)| (b as f64, at_budget[s].q_error))
                    .collect();
                mlnotes::metrics::log_log_slope(&points)
            })
            .collect();
        let value_ratio: Vec<f64> = column(last, |r| r.value)
            .iter()
            .map(|v| v / vi.v[lake.start])
            .collect();
        report.metric("q_learning_value_ratio", mean_se(&value_ratio).0);
        report.metric("q_learning_q_error", mean_se(&last_errors).0);
        report.claim(
            "q-learning-learns-q-star",
            "Q-learning learns Q* from samples, without knowing the environment's mechanics",
            Verdict::mean_below(
                &format!(
                    "log-log slope of max |Q − Q*| over non-terminal state-actions against episodes ({} to {})",
                    budgets[0], budgets[last]
                ),
                &error_slopes,
                0.0,
            )
            .and(Verdict::mean_below(
                &format!("max |Q − Q*| after {} episodes", budgets[last]),
                &last_errors,
                Q_TOLERANCE,
            ))
            .with(format!(
                "Q* from value iteration on the same MDP, values 0 to {}",
                num(q_max)
            )),
        );
        let shares = column(last, |r| r.optimal_share);
        let gaps = column(last, |r| r.optimal_success - r.success);
        report.claim(
            "greedy-on-learned-q-is-optimal",
            "Acting greedily on the learned Q is optimal: it succeeds about as often as the optimal policy",
            Verdict::mean_above(
                &format!(
                    "share of non-terminal states whose greedy action is optimal under Q*, after {} episodes",
                    budgets[last]
                ),
                &shares,
                OPTIMAL_SHARE,
            )
            .and(Verdict::mean_below(
                &format!(
                    "success rate of value iteration's policy − the greedy policy's, same {eval_episodes} episodes"
                ),
                &gaps,
                SUCCESS_GAP,
            ))
            .with(format!(
                "V^π(start) / V*(start): {}",
                cell(&value_ratio)
            )),
        );
        Ok(report)
    }
}
