//! Value iteration: Bellman optimality updates converge to Q*, the greedy policy is optimal,
//! the number of sweeps grows with the discount factor γ, a small γ prefers near rewards to
//! distant ones, and each sweep visits every state-action pair (its time grows with |S|·|A|).

use std::time::Instant;

use mlnotes::Result;
use mlnotes::experiment::{
    Context, Experiment, MIN_TIMING_REPEATS, Plot, Report, Series, Table, Verdict, half_iqr,
    median, num,
};
use mlnotes::rl::{Mdp, Transition, evaluate_policy, frozen_lake, grid_world, value_iteration};

use crate::f4;

/// The `value-iteration` experiment.
pub struct ValueIterationExperiment;

/// Discount factors of the sweeps-against-γ table.
const GAMMAS: [f64; 6] = [0.5, 0.7, 0.9, 0.95, 0.99, 0.999];
/// The grid world's cost of every step that does not reach the goal.
const STEP_COST: f64 = -0.04;
/// FrozenLake's optimal value from the start at γ = 0.99, as published for Gymnasium's map.
const PUBLISHED_V_START: f64 = 0.542;
/// The corridor of the γ claim: (steps from the start, reward) of its near and far ends.
const NEAR: (usize, f64) = (2, 1.0);
/// See [`NEAR`].
const FAR: (usize, f64) = (8, 10.0);
/// Resolution of the γ grid on which the corridor's optimal first move is read.
const GAMMA_STEP: f64 = 0.01;
/// Sides of the square grid worlds whose sweeps are timed (full, quick).
const GRID_SIDES: (&[usize], &[usize]) = (&[8, 16, 32, 64, 128], &[8, 16, 32, 64]);
/// Timed runs of value iteration per grid size (their median is used).
const TIMING_REPEATS: usize = MIN_TIMING_REPEATS;
/// Rings of states with a growing number of actions (|A| alone): states (full, quick) and the
/// action counts.
const RING_STATES: (usize, usize) = (4000, 2000);
const RING_ACTIONS: [usize; 4] = [2, 4, 8, 16];
/// Discount of the timed grid worlds: small, so that the sweeps to converge (about
/// log(tol) / log γ) hardly depend on the size.
const TIMING_GAMMA: f64 = 0.5;

/// A policy on a 4-column grid as arrows (`←↓→↑`), terminal cells as `·`.
fn arrows(policy: &[usize], terminal: &[usize], cols: usize) -> String {
    let mut out = String::new();
    for (s, &a) in policy.iter().enumerate() {
        out.push(if terminal.contains(&s) {
            '·'
        } else {
            ['←', '↓', '→', '↑'][a]
        });
        if (s + 1) % cols == 0 {
            out.push('\n');
        }
    }
    out
}

/// A corridor of `NEAR.0 + FAR.0 + 1` cells: the episode starts `NEAR.0` steps from the left
/// end, which pays `NEAR.1`, and `FAR.0` steps from the right end, which pays `FAR.1`; action
/// 0 moves left, 1 right; both ends are terminal and no other step pays anything.
fn corridor(gamma: f64) -> Result<Mdp> {
    let last = NEAR.0 + FAR.0;
    let transitions = (0..=last)
        .map(|s| {
            (0..2)
                .map(|a| {
                    if s == 0 || s == last {
                        return vec![Transition {
                            prob: 1.0,
                            next: s,
                            reward: 0.0,
                            done: true,
                        }];
                    }
                    let next = if a == 0 { s - 1 } else { s + 1 };
                    let reward = if next == 0 {
                        NEAR.1
                    } else if next == last {
                        FAR.1
                    } else {
                        0.0
                    };
                    vec![Transition {
                        prob: 1.0,
                        next,
                        reward,
                        done: next == 0 || next == last,
                    }]
                })
                .collect()
        })
        .collect();
    Mdp::new(transitions, gamma, NEAR.0)
}

/// The time of one sweep on one grid world.
struct SweepCost {
    /// `|S|·|A|`.
    pairs: usize,
    /// Sweeps to converge.
    sweeps: usize,
    /// Median seconds per sweep over the timed runs.
    seconds: f64,
    /// Half the interquartile range of the timed runs' seconds per sweep.
    spread: f64,
}

/// A ring of `states` states with `actions` deterministic actions: action `a` moves from `s`
/// to `s + a + 1` (mod `states`) at a reward of `−(a + 1)`; no episode ends.
fn ring(states: usize, actions: usize) -> Result<Mdp> {
    let transitions = (0..states)
        .map(|s| {
            (0..actions)
                .map(|a| {
                    vec![Transition {
                        prob: 1.0,
                        next: (s + a + 1) % states,
                        reward: -((a + 1) as f64),
                        done: false,
                    }]
                })
                .collect()
        })
        .collect();
    Mdp::new(transitions, TIMING_GAMMA, 0)
}

/// Times value iteration on `mdp` [`TIMING_REPEATS`] times: the median of (run time / sweeps).
fn sweep_cost(mdp: &Mdp) -> Result<SweepCost> {
    let mut per_sweep = Vec::with_capacity(TIMING_REPEATS);
    let mut sweeps = 0;
    for _ in 0..TIMING_REPEATS {
        let start = Instant::now();
        let vi = value_iteration(mdp, 1e-8, 100_000)?;
        per_sweep.push(start.elapsed().as_secs_f64() / vi.iterations as f64);
        sweeps = vi.iterations;
    }
    Ok(SweepCost {
        pairs: mdp.n_states() * mdp.n_actions(),
        sweeps,
        seconds: median(&per_sweep),
        spread: half_iqr(&per_sweep),
    })
}

/// Convergence to Q* on FrozenLake, and sweeps against γ.
fn convergence(report: &mut Report) -> Result<()> {
    let grid = grid_world(4, 4, STEP_COST, 0.9)?;
    let vi_grid = value_iteration(&grid, 1e-10, 10_000)?;
    report.note(format!("Greedy policy on the 4x4 grid world (goal bottom-right, step cost {STEP_COST}):\n\n```text\n{}```", arrows(&vi_grid.policy, &[15], 4)));
    let lake = frozen_lake(true, 0.99)?;
    let vi = value_iteration(&lake, 1e-10, 100_000)?;
    report.note(format!(
        "Greedy policy on slippery FrozenLake 4x4 (γ = 0.99):\n\n```text\n{}```",
        arrows(&vi.policy, &[5, 7, 11, 12, 15], 4)
    ));
    report.metric("frozen_lake_v_start", vi.v[0]);
    let exact = evaluate_policy(&lake, &vi.policy)?;
    let gap = (&exact - &vi.v).iter().fold(0.0f64, |m, d| m.max(d.abs()));
    report.claim(
        "bellman-updates-converge",
        "Repeated Bellman updates converge to Q*; acting greedily on it is optimal",
        Verdict::at_most(
            "max over states of |V of the greedy policy (solved exactly) − V* from the updates| on FrozenLake (γ = 0.99)",
            gap,
            1e-6,
        )
        .and(Verdict::within(
            "V*(start)",
            vi.v[0],
            PUBLISHED_V_START - 5e-4,
            PUBLISHED_V_START + 5e-4,
        ))
        .with(format!(
            "{} sweeps to converge; published V*(start) {}",
            vi.iterations,
            num(PUBLISHED_V_START)
        )),
    );

    let mut t = Table::new(
        "Sweeps to converge (max change < 1e-8) against γ",
        &[
            "γ",
            "grid world sweeps",
            "FrozenLake sweeps",
            "FrozenLake V*(start)",
        ],
    );
    let mut curve = vec![];
    for gamma in GAMMAS {
        let g = value_iteration(&grid_world(4, 4, STEP_COST, gamma)?, 1e-8, 1_000_000)?;
        let f = value_iteration(&frozen_lake(true, gamma)?, 1e-8, 1_000_000)?;
        t.row(vec![
            gamma.to_string(),
            g.iterations.to_string(),
            f.iterations.to_string(),
            f4(f.v[0]),
        ]);
        curve.push((gamma, f.iterations as f64));
    }
    report.table(t);
    let rises = curve.windows(2).filter(|w| w[1].1 > w[0].1).count();
    report.claim(
        "sweeps-grow-with-gamma",
        "γ close to 1 values distant rewards and converges more slowly (γ < 1 ensures convergence)",
        Verdict::at_least(
            &format!(
                "steps up in γ (of {}) after which FrozenLake needs more sweeps",
                curve.len() - 1
            ),
            rises as f64,
            (curve.len() - 1) as f64,
        )
        .with(format!(
            "sweeps {} at γ = {}, {} at γ = {}",
            curve[0].1,
            curve[0].0,
            curve[curve.len() - 1].1,
            curve[curve.len() - 1].0
        )),
    );
    report.plot(
        Plot::new(
            "sweeps_vs_gamma.svg",
            "Value iteration on FrozenLake",
            "discount factor γ",
            "sweeps to converge (max change < 1e-8)",
        )
        .with(Series::line("sweeps", curve)),
    );
    Ok(())
}

/// A small γ prefers a near small reward, a γ near 1 a distant large one: the γ at which the
/// corridor's optimal first move switches, against the closed form.
fn discounting(report: &mut Report) -> Result<()> {
    // Left pays NEAR.1 after NEAR.0 steps, right FAR.1 after FAR.0: worth γ^(d-1)·r each, equal
    // at γ* = (NEAR.1 / FAR.1)^(1 / (FAR.0 − NEAR.0)).
    let gamma_star = (NEAR.1 / FAR.1).powf(1.0 / (FAR.0 - NEAR.0) as f64);
    let mut switch = f64::NAN;
    let mut curve = vec![];
    let steps = (1.0 / GAMMA_STEP).round() as usize;
    for k in 1..steps {
        let gamma = k as f64 * GAMMA_STEP;
        let vi = value_iteration(&corridor(gamma)?, 1e-12, 1_000_000)?;
        let far = vi.policy[NEAR.0] == 1;
        if far && switch.is_nan() {
            switch = gamma;
        }
        curve.push((gamma, f64::from(u8::from(far))));
    }
    report.metric("corridor_switch_gamma", switch);
    report.plot(
        Plot::new(
            "corridor_first_move.svg",
            &format!(
                "Corridor: optimal first move (0 = near reward {} at {} steps, 1 = far reward {} at {} steps)",
                NEAR.1, NEAR.0, FAR.1, FAR.0
            ),
            "discount factor γ",
            "first move heads for the far reward (1 = yes)",
        )
        .with(Series::line("optimal first move", curve)),
    );
    report.claim(
        "small-gamma-prefers-near-rewards",
        "γ prioritizes immediate rewards over distant future rewards: with a small γ the optimal policy takes a near small reward, with γ near 1 a distant larger one",
        Verdict::within(
            &format!(
                "first γ (grid of {GAMMA_STEP}) at which value iteration's first move heads for the far reward"
            ),
            switch,
            gamma_star,
            gamma_star + GAMMA_STEP,
        )
        .with(format!(
            "corridor: reward {} after {} steps or {} after {}; closed-form switch γ* = {}",
            NEAR.1,
            NEAR.0,
            FAR.1,
            FAR.0,
            num(gamma_star)
        )),
    );
    Ok(())
}

/// Time per sweep against `|S|·|A|` on growing grid worlds, and against `|A|` alone on rings.
fn sweep_costs(ctx: &Context, report: &mut Report) -> Result<()> {
    let sides = ctx.size(GRID_SIDES.0, GRID_SIDES.1);
    let mut table = Table::new(
        &format!(
            "Value iteration on square grid worlds (γ = {TIMING_GAMMA}): median time per sweep over {TIMING_REPEATS} runs"
        ),
        &["grid", "|S|·|A|", "sweeps", "µs per sweep", "ns per state-action pair"],
    )
    .timed();
    // (|S|·|A|, median seconds per sweep), and half the interquartile range of the runs
    let (mut points, mut spread) = (vec![], vec![]);
    for &side in sides {
        let cost = sweep_cost(&grid_world(side, side, STEP_COST, TIMING_GAMMA)?)?;
        table.row(vec![
            format!("{side}x{side}"),
            cost.pairs.to_string(),
            cost.sweeps.to_string(),
            format!("{:.1}", cost.seconds * 1e6),
            format!("{:.2}", cost.seconds * 1e9 / cost.pairs as f64),
        ]);
        points.push((cost.pairs as f64, cost.seconds));
        spread.push(cost.spread);
    }
    report.table(table);
    report.plot(
        Plot::new(
            "seconds_per_sweep.svg",
            &format!(
                "Value iteration: time per sweep on grid worlds (median ± half IQR of {TIMING_REPEATS} runs)"
            ),
            "state-action pairs |S|·|A|",
            "time per sweep (s)",
        )
        .with(Series::line("median time per sweep", points.clone()).with_errors(spread))
        .timed(),
    );
    // |A| alone: rings of a fixed number of states with more and more actions
    let states = ctx.size(RING_STATES.0, RING_STATES.1);
    let by_actions: Vec<(f64, f64)> = RING_ACTIONS
        .iter()
        .map(|&a| Ok((a as f64, sweep_cost(&ring(states, a)?)?.seconds)))
        .collect::<Result<_>>()?;
    report.claim(
        "sweep-cost-grows-with-pairs",
        "Value iteration requires iterating over all state-action pairs: its cost per sweep grows with |S|·|A|",
        Verdict::slope(
            "median seconds per sweep against |S|·|A|",
            &points,
            0.8,
            1.3,
        )
        .and(Verdict::slope(
            &format!("median seconds per sweep against |A| on rings of {states} states"),
            &by_actions,
            0.8,
            1.3,
        ))
        .timed()
        .with(format!(
            "square grid worlds of side {} to {} (4 actions), rings with {:?} actions; {TIMING_REPEATS} timed runs each",
            sides[0],
            sides[sides.len() - 1],
            RING_ACTIONS
        )),
    );
    Ok(())
}

impl Experiment for ValueIterationExperiment {
    fn name(&self) -> &'static str {
        "value-iteration"
    }

    fn section(&self) -> &'static str {
        "Reinforcement Learning: Value Iteration"
    }

    fn run(&self, ctx: &mut Context) -> Result<Report> {
        let mut report = Report::new(self);
        convergence(&mut report)?;
        discounting(&mut report)?;
        sweep_costs(ctx, &mut report)?;
        Ok(report)
    }
}
