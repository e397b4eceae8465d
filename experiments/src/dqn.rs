//! DQN on CartPole-v1: return against environment steps, with a target network θ_old synced
//! every 500 steps against bootstrapping from the online network itself.

use mlnotes::Result;
use mlnotes::experiment::{Context, Experiment, Plot, Report, Series, Table};
use mlnotes::rl::Dqn;

use crate::f4;

/// The `dqn` experiment.
pub struct DqnExperiment;

impl Experiment for DqnExperiment {
    fn name(&self) -> &'static str {
        "dqn"
    }

    fn section(&self) -> &'static str {
        "Reinforcement Learning: Deep Q-Learning (DQN)"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        let steps = ctx.size(300_000, 20_000);
        let mut table = Table::new(
            &format!("CartPole-v1, {steps} environment steps"),
            &[
                "variant",
                "mean training return, last 20 episodes",
                "best greedy evaluation (10 ep.)",
                "kept network, 100 episodes",
                "steps to first 10-episode greedy score ≥ 475",
            ],
        );
        let mut plot = Plot::new(
            "returns.svg",
            "DQN on CartPole-v1: training episode returns (moving average of 20)",
            "environment steps",
            "return",
        );
        let mut kept = vec![];
        for (name, target_update) in [
            ("target network (sync every 500 steps)", Some(500)),
            ("no target network", None),
        ] {
            let params = Dqn {
                target_update,
                seed: ctx.seed,
                checkpoint: ctx.checkpointing(name, 5_000),
                ..Dqn::new(steps)
            };
            let bar = ctx.progress(steps as u64, name);
            let fitted = params.fit(&ctx.device, |record| {
                bar.set_position(record.step as u64);
                if let Some(r) = record.evaluation {
                    bar.set_message(format!("greedy {r:.0}"));
                }
            })?;
            bar.finish_and_clear();
            let (r, evaluations) = (&fitted.episode_returns(), fitted.evaluations());
            let tail = &r[r.len().saturating_sub(20)..];
            let last = tail.iter().map(|e| e.1).sum::<f64>() / tail.len().max(1) as f64;
            let best = evaluations.iter().map(|e| e.1).fold(0.0, f64::max);
            let first = evaluations.iter().find(|e| e.1 >= 475.0).map(|e| e.0);
            let solved_at = first.map_or("never".to_string(), |s| s.to_string());
            let eval = fitted.model.evaluate(100, ctx.seed.wrapping_add(99))?;
            table.row(vec![name.into(), f4(last), f4(best), f4(eval), solved_at]);
            let smooth: Vec<(f64, f64)> = r
                .windows(20.min(r.len()).max(1))
                .map(|w| {
                    (
                        w[w.len() - 1].0 as f64,
                        w.iter().map(|e| e.1).sum::<f64>() / w.len() as f64,
                    )
                })
                .collect();
            plot = plot.with(Series::line(name, smooth));
            kept.push((eval, first.unwrap_or(usize::MAX)));
        }
        report.table(table);
        report.plot(plot);
        report.metric("dqn_target_eval_return", kept[0].0);
        if !ctx.quick {
            report.claim(
                "DQN solves CartPole-v1: the kept network averages ≥ 475 over 100 greedy episodes",
                kept[0].0 >= 475.0,
                format!("greedy evaluation over 100 episodes: {}", f4(kept[0].0)),
            );
            report.claim(
                "A target network θ_old stabilises the TD targets",
                kept[0].0 >= kept[1].0,
                format!(
                    "kept network, 100 greedy episodes: with target network {}, without {}",
                    f4(kept[0].0),
                    f4(kept[1].0)
                ),
            );
        }
        report.note(format!(
            "Training episodes at the start return about 20 (random actions); quick mode ({steps} steps) shows learning, the full run solves the task."
        ));
        Ok(report)
    }
}
