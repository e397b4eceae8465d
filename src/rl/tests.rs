use crate::Error;
use ndarray::array;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

fn t(prob: f64, next: usize, reward: f64) -> Transition {
    Transition {
        prob,
        next,
        reward,
        done: false,
    }
}

#[test]
fn value_iteration_on_a_two_state_mdp_matches_the_closed_form() {
    // State 0: action 0 stays (+1), action 1 moves to state 1 (+0). State 1: both stay (+2).
    // γ = 0.9: V*(1) = 2 / (1 - 0.9) = 20; staying in 0 forever is worth 1 / 0.1 = 10 < 0.9 · 20,
    // so V*(0) = 18, Q*(0, 0) = 1 + 0.9 · 18 = 17.2, π*(0) = 1.
    let mdp = Mdp::new(
        vec![
            vec![vec![t(1.0, 0, 1.0)], vec![t(1.0, 1, 0.0)]],
            vec![vec![t(1.0, 1, 2.0)], vec![t(1.0, 1, 2.0)]],
        ],
        0.9,
        0,
    )
    .unwrap();
    let vi = value_iteration(&mdp, 1e-12, 10_000).unwrap();
    assert!((vi.v[1] - 20.0).abs() < 1e-9 && (vi.v[0] - 18.0).abs() < 1e-9);
    assert!((vi.q[[0, 0]] - 17.2).abs() < 1e-9);
    assert_eq!(vi.policy, vec![1, 0]);
    let exact = evaluate_policy(&mdp, &vi.policy).unwrap();
    assert!(
        (&exact - &array![18.0, 20.0])
            .iter()
            .all(|d| d.abs() < 1e-12)
    );
}

#[test]
fn frozen_lake_optimal_values_match_an_independent_computation() {
    // NumPy value iteration on Gymnasium's FrozenLake-v1 4x4 slippery table (to 1e-14):
    // the published V*(start) = 0.069 at γ = 0.9 and 0.542 at γ = 0.99.
    let expected_09 = [
        0.0688909049,
        0.0614145715,
        0.074409762,
        0.0558073215,
        0.0918545399,
        0.0,
        0.1122082064,
        0.0,
        0.1454363548,
        0.2474969546,
        0.2996175927,
        0.0,
        0.0,
        0.3799359012,
        0.6390201481,
        0.0,
    ];
    let policy_099 = [0, 3, 3, 3, 0, 0, 0, 0, 3, 1, 0, 0, 0, 2, 1, 0];
    let vi = value_iteration(&frozen_lake(true, 0.9).unwrap(), 1e-13, 100_000).unwrap();
    for (v, e) in vi.v.iter().zip(expected_09) {
        assert!((v - e).abs() < 1e-9, "{v} vs {e}");
    }
    let lake = frozen_lake(true, 0.99).unwrap();
    let vi = value_iteration(&lake, 1e-13, 100_000).unwrap();
    assert!((vi.v[0] - 0.542025932).abs() < 1e-8);
    // The same greedy actions wherever they matter (holes and the goal have all-equal Q).
    for s in [0, 1, 2, 3, 4, 6, 8, 9, 10, 13, 14] {
        assert_eq!(vi.policy[s], policy_099[s], "state {s}");
    }
    // Exact evaluation of the greedy policy reproduces V*.
    let exact = evaluate_policy(&lake, &vi.policy).unwrap();
    assert!((&exact - &vi.v).iter().all(|d| d.abs() < 1e-9));
}

#[test]
fn frozen_lake_table_is_gymnasiums() {
    let lake = frozen_lake(true, 0.99).unwrap();
    // From the start, "left" slides up (wall: stay), left (wall: stay) or down, each 1/3.
    let left: Vec<(usize, f64)> = lake.transitions[0][0]
        .iter()
        .map(|t| (t.next, t.prob))
        .collect();
    assert_eq!(left, vec![(0, 1.0 / 3.0), (0, 1.0 / 3.0), (4, 1.0 / 3.0)]);
    // Reaching the goal from 14 by "right" pays 1 and ends.
    let right = lake.transitions[14][2]
        .iter()
        .find(|t| t.next == 15)
        .unwrap();
    assert_eq!((right.reward, right.done), (1.0, true));
    // Holes absorb.
    assert!(
        lake.transitions[5]
            .iter()
            .all(|o| o.len() == 1 && o[0].next == 5 && o[0].done)
    );
    let det = frozen_lake(false, 0.9).unwrap();
    assert_eq!(
        det.transitions[0][1],
        vec![Transition {
            prob: 1.0,
            next: 4,
            reward: 0.0,
            done: false
        }]
    );
}

#[test]
fn grid_world_values_are_discounted_path_lengths() {
    // 3x3, step cost 0, γ = 0.9: the goal is 4 moves from the start, V*(start) = 0.9³ · 1.
    let vi = value_iteration(&grid_world(3, 3, 0.0, 0.9).unwrap(), 1e-12, 1000).unwrap();
    assert!((vi.v[0] - 0.9f64.powi(3)).abs() < 1e-12);
    assert!((vi.v[7] - 1.0).abs() < 1e-12 && (vi.v[5] - 1.0).abs() < 1e-12);
}

#[test]
fn cartpole_step_matches_gymnasiums_equations() {
    // Hand computation with Gymnasium's formulas from [0.01, -0.02, 0.03, 0.04], push right.
    let mut env = CartPole::from_state([0.01, -0.02, 0.03, 0.04]);
    let step = env.step(1).unwrap();
    let expected = [0.0096, 0.17467919574755525, 0.0308, -0.2430687179600081];
    for (a, b) in step.state.iter().zip(expected) {
        assert!((a - b).abs() < 1e-15, "{:?}", step.state);
    }
    assert_eq!(
        (step.reward, step.terminated, step.truncated),
        (1.0, false, false)
    );
    assert!(env.step(2).is_err());
    // Pushing one way tips the pole past 12° well before 500 steps.
    let mut env = CartPole::reset(&mut StdRng::seed_from_u64(0));
    let mut n = 0;
    loop {
        n += 1;
        let s = env.step(1).unwrap();
        if s.terminated {
            break;
        }
    }
    assert!(n < 60, "{n}");
    assert!(env.step(0).is_err(), "an ended episode must be reset");
}

#[test]
fn cartpole_truncates_at_500_steps() {
    // A balancing controller (push toward the pole's lean) survives to the time limit.
    let mut env = CartPole::reset(&mut StdRng::seed_from_u64(1));
    let mut steps = 0;
    loop {
        let [_, _, theta, theta_dot] = env.state;
        let s = env
            .step(usize::from(theta + 0.5 * theta_dot > 0.0))
            .unwrap();
        steps += 1;
        if s.terminated || s.truncated {
            assert!(s.truncated && !s.terminated);
            break;
        }
    }
    assert_eq!(steps, 500);
}

#[test]
fn q_learning_approaches_value_iteration_on_frozen_lake() {
    let lake = frozen_lake(true, 0.95).unwrap();
    let vi = value_iteration(&lake, 1e-12, 100_000).unwrap();
    let q = QLearning {
        seed: 3,
        ..QLearning::new(20_000)
    }
    .fit(&lake)
    .unwrap();
    let optimal = vi.v[0];
    let learned = evaluate_policy(&lake, &q.policy).unwrap()[0];
    assert!(
        learned > 0.9 * optimal,
        "learned policy worth {learned}, optimum {optimal}"
    );
    let rate = q.success_rate(&lake, 1000, 200, 5).unwrap();
    assert!(rate > 0.6, "success rate {rate}");
}

#[test]
fn bad_mdps_and_hyperparameters_are_errors() {
    assert!(Mdp::new(vec![], 0.9, 0).is_err());
    assert!(
        Mdp::new(vec![vec![vec![t(0.5, 0, 0.0)]]], 0.9, 0).is_err(),
        "probabilities sum to 0.5"
    );
    assert!(
        Mdp::new(vec![vec![vec![t(1.0, 3, 0.0)]]], 0.9, 0).is_err(),
        "next state out of range"
    );
    assert!(Mdp::new(vec![vec![vec![t(1.0, 0, 0.0)]]], 1.5, 0).is_err());
    let lake = frozen_lake(true, 0.9).unwrap();
    assert!(
        QLearning {
            alpha: 0.0,
            ..QLearning::new(10)
        }
        .fit(&lake)
        .is_err()
    );
    assert!(QLearning::new(0).fit(&lake).is_err());
    assert!(
        value_iteration(&lake, 1e-12, 2).is_err(),
        "not converged in 2 sweeps"
    );
    assert!(evaluate_policy(&lake, &[0; 3]).is_err());
}

#[test]
fn huber_loss_value_and_gradient() {
    use burn::tensor::{Tensor, TensorData};
    let (device, _turn) = crate::backend::test_device();
    let device = device.autodiff();
    let d = Tensor::<1>::from_data(TensorData::new(vec![-3.0f32, -0.5, 0.2, 2.0], [4]), &device)
        .require_grad();
    let loss = huber(d.clone());
    // (2.5 + 0.125 + 0.02 + 1.5) / 4
    let value = loss.clone().into_data().try_to_vec::<f32>().unwrap()[0];
    assert!((value - 4.145 / 4.0).abs() < 1e-6, "{value}");
    let grads = loss.backward();
    let g = d
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    for (a, b) in g.iter().zip([-0.25f32, -0.125, 0.05, 0.25]) {
        assert!((a - b).abs() < 1e-6, "{g:?}");
    }
}

#[test]
fn cartpole_drives_through_burn_rl_environment() {
    use burn::rl::Environment;
    let mut env = CartPoleEnv::new(4);
    let start = env.state();
    let mut manual = CartPole::from_state(start);
    let expected = manual.step(1).unwrap();
    let got = env.step(Push::Right);
    assert_eq!(got.next_state, expected.state);
    assert_eq!((got.reward, got.done, got.truncated), (1.0, false, false));
    // Always pushing right ends the episode; the next step starts a new one.
    let mut steps = 1;
    while !env.step(Push::Right).done {
        steps += 1;
    }
    assert!(steps < 60);
    let after = env.step(Push::Left);
    assert!(!after.done && after.next_state.iter().all(|v| v.abs() < 0.5));
    assert_eq!(<CartPoleEnv as Environment>::MAX_STEPS, 500);
}

#[test]
fn rollout_rewards_to_go_by_hand() {
    // Rewards 1, 1, 1 with γ = 0.5: G_2 = 1, G_1 = 1 + 0.5 = 1.5, G_0 = 1 + 0.75 = 1.75;
    // the total discounted return 1.75 is repeated for every step, the undiscounted one is 3.
    let mut rollout = Rollout::default();
    let steps: Vec<policy_gradient::Step> =
        (0..3).map(|t| (vec![t as f32; 4], t % 2, 1.0)).collect();
    rollout.push_episode(&steps, 0.5);
    assert_eq!(rollout.to_go, vec![1.75, 1.5, 1.0]);
    assert_eq!(rollout.total, vec![1.75; 3]);
    assert_eq!(rollout.episode_returns, vec![3.0]);
    assert_eq!(rollout.actions, vec![0, 1, 0]);
    assert_eq!(&rollout.states[4..8], &[1.0; 4]);
}

#[test]
fn bad_deep_rl_configurations_are_errors() {
    let (device, _turn) = crate::backend::test_device();
    let small_buffer = Dqn {
        buffer_size: 64,
        batch_size: 128,
        ..Dqn::new(1_000)
    };
    assert!(matches!(
        small_buffer.fit(&device, |_| {}),
        Err(Error::Config {
            param: "buffer_size",
            ..
        })
    ));
    let no_sync = Dqn {
        target_update: Some(0),
        ..Dqn::new(1_000)
    };
    assert!(matches!(
        no_sync.fit(&device, |_| {}),
        Err(Error::Config {
            param: "target_update",
            ..
        })
    ));
    assert!(matches!(
        Dqn::new(0).fit(&device, |_| {}),
        Err(Error::Config {
            param: "total_steps",
            ..
        })
    ));
    let pg = PolicyGradient::new(Estimator::Baseline, 0);
    assert!(matches!(
        pg.fit(&device, |_| {}),
        Err(Error::Config {
            param: "iterations",
            ..
        })
    ));
    let bad_gamma = PolicyGradient {
        gamma: 1.5,
        ..PolicyGradient::new(Estimator::RewardsToGo, 1)
    };
    assert!(matches!(
        bad_gamma.fit(&device, |_| {}),
        Err(Error::Config { param: "gamma", .. })
    ));
    let mut agent = PolicyGradient {
        batch_steps: 50,
        n_envs: 2,
        ..PolicyGradient::new(Estimator::Baseline, 1)
    }
    .fit(&device, |_| {})
    .unwrap()
    .model;
    assert!(agent.fit_value(&Rollout::default(), 5, 0.01).is_err());
    assert!(agent.evaluate(0, 1).is_err());
}

#[test]
fn cartpole_refuses_to_step_from_a_nan_state() {
    let mut rng = StdRng::seed_from_u64(0);
    let mut env = CartPole::reset(&mut rng);
    env.state[2] = f64::NAN;
    assert!(matches!(env.step(1), Err(Error::NonFinite { .. })));
}

/// A network made for another environment is refused, not run on misaligned rows.
#[test]
fn greedy_evaluation_checks_the_network_against_the_environment() {
    let device = crate::backend::Backend::default_compiled()
        .unwrap()
        .device()
        .unwrap();
    let wide = mlnotes_models::MlpConfig::new(4, vec![8], 3).init(&device);
    let err = greedy_return(&wide, 2, 0, &|rng| CartPole::reset(rng)).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    let right = mlnotes_models::MlpConfig::new(4, vec![8], 2).init(&device);
    assert!(greedy_return(&right, 2, 0, &|rng| CartPole::reset(rng)).is_ok());
}

/// An environment whose observation or reward is malformed is an error, not a panic.
#[test]
fn a_misbehaving_environment_is_an_error() {
    #[derive(Clone, serde::Serialize, serde::Deserialize)]
    struct Broken {
        reward: f64,
    }
    impl burn::rl::Environment for Broken {
        type State = usize;
        type Action = usize;
        const MAX_STEPS: usize = 5;
        fn state(&self) -> usize {
            0
        }
        fn step(&mut self, _: usize) -> burn::rl::StepResult<usize> {
            burn::rl::StepResult {
                next_state: 0,
                reward: self.reward,
                done: false,
                truncated: false,
            }
        }
        fn reset(&mut self) {}
    }
    impl DiscreteEnvironment for Broken {
        const N_ACTIONS: usize = 2;
        const OBSERVATION: usize = 3;
        fn observe(_: &usize) -> Vec<f32> {
            vec![0.0; 3]
        }
        fn action(index: usize) -> usize {
            index
        }
    }
    let device = crate::backend::Backend::default_compiled()
        .unwrap()
        .device()
        .unwrap();
    let mut pg = PolicyGradient::new(Estimator::TotalReturn, 1);
    pg.batch_steps = 10;
    let nan_reward = pg.fit_in(&device, &|_| Broken { reward: f64::NAN }, |_| {});
    assert!(matches!(nan_reward, Err(Error::NonFinite { .. })));
    let mut dqn = Dqn::new(20);
    dqn.learning_starts = 5;
    dqn.batch_size = 4;
    dqn.buffer_size = 10;
    let bad = dqn.fit_in(
        &device,
        &|_| Broken {
            reward: f64::INFINITY,
        },
        |_| {},
    );
    assert!(matches!(bad, Err(Error::NonFinite { .. })));
    // episodes that never end stop at MAX_STEPS: a rollout of whole episodes returns
    let fine = pg.fit_in(&device, &|_| Broken { reward: 1.0 }, |_| {});
    let history = fine.unwrap().history;
    assert_eq!(history[0].mean_return, 5.0);
}
