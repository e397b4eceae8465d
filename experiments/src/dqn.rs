//! DQN on CartPole-v1, over seeds: return against environment steps, with a target network
//! θ_old synced every 500 steps against bootstrapping from the online network itself. Stability
//! is measured on the greedy evaluations during training: how far each falls below the best
//! one so far once exploration has decayed (a run that stays at the 500 cap has no drops, so
//! two runs tied at the cap cannot make a difference).

use mlnotes::Result;
use mlnotes::backend::seeded;
use mlnotes::experiment::{
    Context, Experiment, Plot, Report, Series, Table, Verdict, mean_se, median, num,
};
use mlnotes::rl::{Dqn, greedy_cartpole_return};
use mlnotes_models::MlpConfig;

/// The `dqn` experiment.
pub struct DqnExperiment;

/// Environment steps of each run (full, quick).
const STEPS: (usize, usize) = (120_000, 14_000);
/// Greedy episodes scoring each kept network (full, quick).
const EVAL_EPISODES: (usize, usize) = (100, 30);
/// Steps between syncs of the target network θ_old.
const TARGET_SYNC: usize = 500;
/// The greedy return from which a run counts as having learned something to keep stable.
const LEARNED_LEVEL: f64 = 100.0;
/// CartPole-v1's "solved" threshold (its episodes are capped at 500).
const SOLVED: f64 = 475.0;
/// Share of the seeds on which the kept network must average ≥ [`SOLVED`] (full mode).
const SOLVED_SHARE: f64 = 0.8;
/// How far the kept network's greedy return must rise above the untrained network's.
const LEARNED_MARGIN: f64 = 50.0;
/// Training episodes in the moving average of the plot.
const SMOOTHING: usize = 20;
/// The two variants: name and target-network sync period.
const VARIANTS: [(&str, Option<usize>); 2] = [
    ("target network (sync every 500 steps)", Some(TARGET_SYNC)),
    ("no target network", None),
];

/// One DQN run.
struct Run {
    /// Mean greedy return of the kept network.
    kept_return: f64,
    /// Best 10-episode greedy evaluation during training.
    best_evaluation: f64,
    /// Mean training return of the last [`SMOOTHING`] episodes.
    last_training: f64,
    /// First step whose 10-episode greedy evaluation reached [`SOLVED`].
    solved_at: Option<usize>,
    /// Mean drop of the greedy evaluations below the best so far, over the evaluations after
    /// ε reached its floor, relative to the best so far (see [`mean_drop`]).
    drop: f64,
    /// `(step, return)` of the training episodes.
    episodes: Vec<(usize, f64)>,
    /// `(step, mean greedy return)` of the evaluations.
    evaluations: Vec<(usize, f64)>,
}

/// Mean relative fall `(best so far − e) / best so far` over the evaluations at or after
/// `from` once the best so far has reached [`LEARNED_LEVEL`] (the running best counts the
/// earlier ones too). A run that never reaches it has nothing to keep stable and counts as a
/// full fall (1), so a variant cannot look stable by not learning.
fn mean_drop(evaluations: &[(usize, f64)], from: usize) -> f64 {
    let mut best = f64::NEG_INFINITY;
    let mut drops = vec![];
    for &(step, e) in evaluations {
        best = best.max(e);
        if step >= from && best >= LEARNED_LEVEL {
            drops.push((best - e) / best);
        }
    }
    if drops.is_empty() {
        1.0
    } else {
        mean_se(&drops).0
    }
}

/// Trains one variant on one seed.
fn train(
    ctx: &Context,
    name: &str,
    target_update: Option<usize>,
    seed: u64,
    steps: usize,
) -> Result<Run> {
    let params = Dqn {
        target_update,
        seed,
        checkpoint: ctx.checkpointing(&format!("{name} seed {seed}"), 5_000),
        ..Dqn::new(steps)
    };
    let bar = ctx.progress(steps as u64, &format!("{name}, seed {seed}"));
    let fitted = params.fit(&ctx.device, |record| {
        bar.set_position(record.step as u64);
        if let Some(r) = record.evaluation {
            bar.set_message(format!("greedy {r:.0}"));
        }
    })?;
    bar.finish_and_clear();
    let episodes = fitted.episode_returns();
    let evaluations = fitted.evaluations();
    let tail = &episodes[episodes.len().saturating_sub(SMOOTHING)..];
    let eval_episodes = ctx.size(EVAL_EPISODES.0, EVAL_EPISODES.1);
    // ε reaches its floor after this many steps.
    let explored = (params.epsilon_fraction * steps as f64).ceil() as usize;
    Ok(Run {
        kept_return: fitted
            .model
            .evaluate(eval_episodes, seed.wrapping_add(99))?,
        best_evaluation: evaluations.iter().map(|e| e.1).fold(0.0, f64::max),
        last_training: tail.iter().map(|e| e.1).sum::<f64>() / tail.len().max(1) as f64,
        solved_at: evaluations.iter().find(|e| e.1 >= SOLVED).map(|e| e.0),
        drop: mean_drop(&evaluations, explored),
        episodes,
        evaluations,
    })
}

/// `mean ± SE` of some runs' numbers.
fn cell(values: &[f64]) -> String {
    let (m, se) = mean_se(values);
    format!("{} ± {}", num(m), num(se.unwrap_or(0.0)))
}

impl Experiment for DqnExperiment {
    fn name(&self) -> &'static str {
        "dqn"
    }

    fn section(&self) -> &'static str {
        "Reinforcement Learning: Deep Q-Learning (DQN)"
    }
    fn expected_seconds(&self) -> u32 {
        56
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let steps = ctx.size(STEPS.0, STEPS.1);
        let eval_episodes = ctx.size(EVAL_EPISODES.0, EVAL_EPISODES.1);
        let seeds = ctx.seeds();

        // runs[v][k]: variant v, seed k; untrained[k]: the greedy return before training.
        let mut runs: Vec<Vec<Run>> = vec![];
        for (name, target_update) in VARIANTS {
            let row = seeds
                .iter()
                .map(|&seed| train(ctx, name, target_update, seed, steps))
                .collect::<Result<Vec<_>>>()?;
            runs.push(row);
        }
        let hidden = Dqn::new(steps).hidden;
        let untrained = seeds
            .iter()
            .map(|&seed| {
                let q = seeded(&ctx.device, seed, || {
                    MlpConfig::new(4, hidden.clone(), 2).init(&ctx.device)
                })?;
                greedy_cartpole_return(&q, eval_episodes, seed.wrapping_add(99))
            })
            .collect::<Result<Vec<f64>>>()?;

        let mut table = Table::new(
            &format!(
                "CartPole-v1, {steps} environment steps per run, mean ± SE over {} seeds (untrained network: {})",
                seeds.len(),
                cell(&untrained)
            ),
            &[
                "variant",
                &format!("mean training return, last {SMOOTHING} episodes"),
                "best greedy evaluation (10 ep.)",
                &format!("kept network, {eval_episodes} episodes"),
                "seeds reaching a 10-episode greedy score ≥ 475 (median step)",
                "mean drop below the best evaluation so far, after ε decayed (relative to the best so far)",
            ],
        );
        for ((name, _), row) in VARIANTS.iter().zip(&runs) {
            let column = |f: fn(&Run) -> f64| row.iter().map(f).collect::<Vec<f64>>();
            let solved: Vec<f64> = row
                .iter()
                .filter_map(|r| r.solved_at.map(|s| s as f64))
                .collect();
            let median_step = if solved.is_empty() {
                "never".to_string()
            } else {
                num(median(&solved))
            };
            table.row(vec![
                name.to_string(),
                cell(&column(|r| r.last_training)),
                cell(&column(|r| r.best_evaluation)),
                cell(&column(|r| r.kept_return)),
                format!("{} of {} ({median_step})", solved.len(), row.len()),
                cell(&column(|r| r.drop)),
            ]);
        }
        report.table(table);

        // The first seed's curves: training returns (moving average) and greedy evaluations.
        let mut plot = Plot::new(
            "returns.svg",
            &format!(
                "DQN on CartPole-v1, seed {}: training episode returns (moving average of {SMOOTHING}) and greedy evaluations",
                seeds[0]
            ),
            "environment steps",
            "episode return (steps balanced)",
        );
        for ((name, _), row) in VARIANTS.iter().zip(&runs) {
            let r = &row[0].episodes;
            let smooth: Vec<(f64, f64)> = r
                .windows(SMOOTHING.min(r.len()).max(1))
                .map(|w| {
                    (
                        w[w.len() - 1].0 as f64,
                        w.iter().map(|e| e.1).sum::<f64>() / w.len() as f64,
                    )
                })
                .collect();
            plot = plot.with(Series::line(name, smooth)).with(Series::points(
                &format!("{name}, greedy evaluation"),
                row[0]
                    .evaluations
                    .iter()
                    .map(|&(s, e)| (s as f64, e))
                    .collect(),
            ));
        }
        report.plot(plot);

        let kept = |v: usize| runs[v].iter().map(|r| r.kept_return).collect::<Vec<f64>>();
        let drops = |v: usize| runs[v].iter().map(|r| r.drop).collect::<Vec<f64>>();
        report.metric("dqn_target_eval_return", mean_se(&kept(0)).0);
        report.metric("dqn_no_target_eval_return", mean_se(&kept(1)).0);
        report.metric("dqn_target_drop", mean_se(&drops(0)).0);
        report.metric("dqn_no_target_drop", mean_se(&drops(1)).0);
        report.claim(
            "dqn-learns",
            "Minimising the TD error with targets from θ_old teaches the Q-network to act: the kept network's greedy return rises well above the untrained network's",
            Verdict::paired_gain(
                &format!(
                    "greedy return over {eval_episodes} episodes, kept network with a target network − untrained network"
                ),
                &kept(0),
                &untrained,
                LEARNED_MARGIN,
            ),
        );
        if !ctx.quick {
            let solved: Vec<bool> = kept(0).iter().map(|&r| r >= SOLVED).collect();
            report.claim(
                "dqn-solves-cartpole",
                "DQN solves CartPole-v1: the kept network averages ≥ 475 over 100 greedy episodes",
                Verdict::share(
                    &format!("the kept network (target network) averaged ≥ {SOLVED} over {eval_episodes} greedy episodes"),
                    &solved,
                    SOLVED_SHARE,
                )
                .with(format!("kept networks' returns: {}", cell(&kept(0)))),
            );
        }
        report.claim(
            "target-network-stabilises",
            "A target network θ_old stabilises the TD targets: the greedy return falls less far below its best during training",
            Verdict::paired_gain(
                &format!("mean relative fall of the greedy evaluations below the best so far, after ε decayed and the best reached {LEARNED_LEVEL} (a run that never does: 1), without − with a target network"),
                &drops(1),
                &drops(0),
                0.0,
            )
            .with(format!(
                "kept networks' greedy returns: with {}, without {}",
                cell(&kept(0)),
                cell(&kept(1))
            )),
        );
        report.note(format!(
            "Each run: {steps} environment steps, ε from 1 to 0.05 over the first half, a greedy evaluation of 10 episodes every {} steps (the best network is kept).",
            Dqn::new(steps).eval_every
        ));
        Ok(report)
    }
}
